"""`huiyin tick`: reminders of time limits due soon or overdue, once each, even run twice at once."""

from __future__ import annotations

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import Count
from django.utils import timezone, translation

from huiyin.cases import reminders
from huiyin.cases.models import Case, Clock, Notification
from huiyin.org.models import RoleGrant, Staff
from huiyin.org.roles import Role
from huiyin.petitions.tests.factories import bring_to, register, step
from huiyin.testing import factories as f

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def set_due(case: Case, on, *, code: str | None = None) -> None:
    """Move the running office clocks of `case` (or just `code`) to `on`; the others far away."""
    running = Clock.objects.filter(case=case, stopped_at__isnull=True, party=Clock.Party.OFFICE)
    running.update(due_on=today() + timedelta(days=300))
    (running.filter(code=code) if code else running).update(due_on=on)


def told(kind: str | None = None) -> set[tuple[str, int]]:
    rows = Notification.objects.all()
    if kind:
        rows = rows.filter(kind=kind)
    return set(rows.values_list("recipient__username", "case_id"))


@pytest.fixture
def fresh(personas):
    """A petition registered today, its acceptance notice the only clock that matters."""
    petition = register(personas[Role.PETITION_CLERK], received_at=today())
    return petition.case


def test_it_reminds_the_office_and_the_leaders_of_an_overdue_limit_once(personas, fresh):
    set_due(fresh, today() - timedelta(days=2), code="acceptance_notice")

    first = reminders.tick()
    second = reminders.tick()

    assert told(Notification.Kind.OVERDUE) == {("clerk", fresh.pk), ("leader", fresh.pk)}
    assert Notification.objects.count() == 2
    assert (first.overdue, first.due_soon, first.notifications) == (1, 0, 2)
    assert (second.overdue, second.due_soon, second.notifications) == (0, 0, 0)
    note = Notification.objects.get(recipient=personas[Role.PETITION_CLERK])
    assert fresh.number in note.message
    assert note.due_on == today() - timedelta(days=2)
    assert note.clock.code == "acceptance_notice"
    assert note.read_at is None


def test_it_reminds_a_limit_due_soon_without_the_leaders(fresh):
    set_due(fresh, today() + timedelta(days=2), code="acceptance_notice")
    result = reminders.tick()
    assert told(Notification.Kind.DUE_SOON) == {("clerk", fresh.pk)}
    assert result.due_soon == 1


def test_it_reminds_on_the_last_day_as_due_soon_not_overdue(fresh):
    set_due(fresh, today(), code="acceptance_notice")
    reminders.tick()
    assert told() == {("clerk", fresh.pk)}
    assert set(Notification.objects.values_list("kind", flat=True)) == {"due_soon"}


def test_it_waits_until_the_limit_is_within_the_configured_days(fresh, settings):
    set_due(fresh, today() + timedelta(days=5), code="acceptance_notice")
    assert reminders.tick().notifications == 0
    settings.HUIYIN_REMIND_DAYS = 5
    assert reminders.tick().notifications == 1
    assert reminders.tick(days=10).notifications == 0  # already reminded


def test_it_reminds_due_soon_then_overdue_each_once(fresh):
    clock = Clock.objects.get(case=fresh, code="acceptance_notice")
    set_due(fresh, today() + timedelta(days=1), code="acceptance_notice")
    reminders.tick()
    reminders.tick(today() + timedelta(days=1))  # still due soon on its last day
    assert Notification.objects.filter(kind="due_soon").count() == 1
    reminders.tick(today() + timedelta(days=2))
    reminders.tick(today() + timedelta(days=3))
    assert told(Notification.Kind.OVERDUE) == {("clerk", fresh.pk), ("leader", fresh.pk)}
    assert Notification.objects.filter(clock=clock).count() == 3


def test_it_reminds_again_when_the_due_date_moves(fresh):
    set_due(fresh, today() - timedelta(days=1), code="acceptance_notice")
    reminders.tick()
    # An extension or a newly entered holiday notice moves the date: remind of the new one.
    set_due(fresh, today() + timedelta(days=1), code="acceptance_notice")
    reminders.tick()
    reminders.tick()
    assert Notification.objects.filter(kind="overdue").count() == 2
    assert Notification.objects.filter(kind="due_soon").count() == 1


def test_it_tells_the_units_handlers_until_a_handler_owns_the_case(personas, unit):
    clerk = personas[Role.PETITION_CLERK]
    colleague = f.person(Role.DEPARTMENT_HANDLER, username="handler-b", unit=unit)
    case = bring_to(register(clerk, received_at=today()), "assigned", personas, unit=unit)
    set_due(case, today() + timedelta(days=1), code="handling")
    reminders.tick()
    assert told() == {("clerk", case.pk), ("handler", case.pk), ("handler-b", case.pk)}

    Notification.objects.all().delete()
    Clock.objects.filter(case=case).update(reminded_soon_for=None)
    owner = Staff.objects.get(user=colleague)
    step(case, "assign", clerk, unit=unit, handler=owner)
    set_due(case, today() + timedelta(days=1), code="handling")
    reminders.tick()
    assert told() == {("clerk", case.pk), ("handler-b", case.pk)}


def test_it_never_tells_a_person_who_may_not_see_the_case(personas, unit):
    # A clerk who also acts for the unit complained about must not learn of the petition.
    both = f.person(Role.PETITION_CLERK, username="clerk-of-unit")
    RoleGrant.objects.create(
        staff=Staff.objects.get(user=both), role=Role.DEPARTMENT_HANDLER, unit=unit
    )
    petition = register(personas[Role.PETITION_CLERK], received_at=today(), complained_unit=unit)
    set_due(petition.case, today() - timedelta(days=1), code="acceptance_notice")
    reminders.tick()
    assert told() == {("clerk", petition.pk), ("leader", petition.pk)}
    assert not Notification.objects.filter(recipient=both).exists()


def test_it_tells_nobody_outside_the_petition_roles(personas, fresh):
    set_due(fresh, today() - timedelta(days=1))
    reminders.tick()
    recipients = set(Notification.objects.values_list("recipient__username", flat=True))
    assert recipients == {"clerk", "leader"}
    for role in (Role.AUDITOR, Role.GOVERNANCE_STAFF, Role.COMMUNITY_WORKER, Role.MEDIATOR):
        assert not Notification.objects.filter(recipient=personas[role]).exists()


def test_it_skips_an_inactive_account(personas, fresh):
    leader = personas[Role.LEADER]
    leader.is_active = False
    leader.save(update_fields=["is_active"])
    set_due(fresh, today() - timedelta(days=1), code="acceptance_notice")
    reminders.tick()
    assert told() == {("clerk", fresh.pk)}


def test_it_leaves_stopped_clocks_withdrawn_cases_and_petitioner_windows_alone(
    personas, unit, fresh
):
    replied = bring_to(register(personas[Role.PETITION_CLERK]), "replied", personas, unit=unit)
    window = Clock.objects.get(case=replied, code="review_request")
    Clock.objects.filter(pk=window.pk).update(due_on=today() - timedelta(days=1))
    Clock.objects.filter(case=fresh).update(
        stopped_at=timezone.now(), outcome=Clock.Outcome.MET, due_on=today()
    )

    result = reminders.tick()

    assert result.notifications == 0
    assert not Notification.objects.exists()
    window.refresh_from_db()
    assert (window.outcome, result.windows_closed) == (Clock.Outcome.LAPSED, 1)


def test_it_skips_a_clock_another_copy_already_claimed(fresh):
    set_due(fresh, today() - timedelta(days=1), code="acceptance_notice")
    clock = Clock.objects.get(case=fresh, code="acceptance_notice")
    assert reminders._claim(clock, Notification.Kind.OVERDUE) is True
    assert reminders._claim(clock, Notification.Kind.OVERDUE) is False
    assert reminders.tick().notifications == 0


def test_the_database_refuses_the_same_reminder_twice(personas, fresh):
    set_due(fresh, today() - timedelta(days=1), code="acceptance_notice")
    reminders.tick()
    note = Notification.objects.filter(recipient=personas[Role.PETITION_CLERK]).get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(
            recipient=note.recipient,
            case=note.case,
            clock=note.clock,
            kind=note.kind,
            due_on=note.due_on,
            message="again",
        )


def test_the_command_prints_a_one_line_summary(fresh):
    set_due(fresh, today() - timedelta(days=1), code="acceptance_notice")
    out = StringIO()
    call_command("tick", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert lines == ["tick: 0 due soon, 1 overdue, 2 notifications, 0 petitioner windows closed"]


def test_the_command_refuses_negative_days(db):
    with pytest.raises(CommandError):
        call_command("tick", "--days", "-1")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_ticks_at_once_send_each_reminder_once(personas):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("two connections at once need a database on disk (PostgreSQL in CI)")
    clerk = personas[Role.PETITION_CLERK]
    cases = [register(clerk, received_at=today()).case for _i in range(8)]
    for case in cases:
        set_due(case, today() - timedelta(days=1))  # both office clocks overdue
    start = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            start.wait(timeout=10)
            results.append(reminders.tick())
        except Exception as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    # 8 cases x 2 clocks due the same day, one notification per case to the clerk and the
    # leader: 16, whoever sent which.
    assert Notification.objects.count() == 16
    assert sum(r.overdue for r in results) == 16
    assert sum(r.notifications for r in results) == 16
    assert all(len(n.codes) == 2 for n in Notification.objects.all())
    duplicates = (
        Notification.objects.values("recipient", "case", "kind", "due_on")
        .order_by()
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert list(duplicates) == []


# --------------------------------------------------------------------------- one per case and day


def test_two_clocks_due_the_same_day_make_one_notification_naming_both(personas, fresh):
    clerk = personas[Role.PETITION_CLERK]
    day = today() + timedelta(days=2)
    set_due(fresh, day)  # register/transfer and the acceptance notice (art. 22, 23)
    assert Clock.objects.filter(case=fresh, due_on=day).count() == 2

    result = reminders.tick()

    note = Notification.objects.get(recipient=clerk)
    assert note.codes == ["register_transfer", "acceptance_notice"]
    assert (result.due_soon, result.notifications) == (2, 1)
    with translation.override("en"):
        assert note.text == (
            f"{fresh.number}: two time limits, “Register and transfer or assign the matter”,"
            " “Tell the petitioner in writing whether the matter is accepted”, are all due on"
            f" {day.isoformat()}."
        )
    with translation.override("zh-hans"):
        assert note.message == note.text  # stored in the site's language
        assert "“登记并转送、交办信访事项”" in note.text
        assert "“书面告知信访人是否受理”" in note.text


def test_ticking_again_keeps_the_one_notification(personas, fresh):
    set_due(fresh, today() - timedelta(days=1))
    reminders.tick()
    again = reminders.tick()
    assert again.notifications == 0
    assert Notification.objects.filter(recipient=personas[Role.PETITION_CLERK]).count() == 1
    assert told(Notification.Kind.OVERDUE) == {("clerk", fresh.pk), ("leader", fresh.pk)}
    with translation.override("en"):
        assert (
            Notification.objects.filter(kind="overdue")
            .first()
            .text.endswith(
                f"were all due on {(today() - timedelta(days=1)).isoformat()} and are overdue."
            )
        )


def test_a_clock_due_another_day_makes_a_second_notification(personas, fresh):
    clerk = personas[Role.PETITION_CLERK]
    set_due(fresh, today() + timedelta(days=1), code="acceptance_notice")
    Clock.objects.filter(case=fresh, code="register_transfer").update(
        due_on=today() + timedelta(days=2)
    )
    reminders.tick()
    reminders.tick()
    notes = Notification.objects.filter(recipient=clerk).order_by("due_on")
    assert [(n.due_on, n.codes) for n in notes] == [
        (today() + timedelta(days=1), ["acceptance_notice"]),
        (today() + timedelta(days=2), ["register_transfer"]),
    ]


def test_a_clock_moved_onto_a_day_already_reminded_joins_its_notification(personas, fresh):
    clerk = personas[Role.PETITION_CLERK]
    day = today() + timedelta(days=1)
    set_due(fresh, day, code="acceptance_notice")
    reminders.tick()
    Notification.objects.filter(recipient=clerk).update(read_at=timezone.now())

    Clock.objects.filter(case=fresh, code="register_transfer").update(due_on=day)
    result = reminders.tick()

    note = Notification.objects.get(recipient=clerk)
    assert note.codes == ["register_transfer", "acceptance_notice"]
    assert note.read_at is None  # a further limit is news
    assert (result.due_soon, result.notifications) == (1, 1)


def test_the_database_refuses_a_second_notification_for_the_same_case_and_day(personas, fresh):
    set_due(fresh, today() - timedelta(days=1))
    reminders.tick()
    note = Notification.objects.filter(recipient=personas[Role.PETITION_CLERK]).get()
    other = Clock.objects.filter(case=fresh).exclude(pk=note.clock_id).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(
            recipient=note.recipient,
            case=note.case,
            clock=other,
            kind=note.kind,
            due_on=note.due_on,
            message="again",
        )
