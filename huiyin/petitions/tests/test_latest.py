"""Each petition's latest handling outcome and latest rating, kept by the database's triggers
(huiyin/petitions/latest.py), on SQLite and on PostgreSQL: whatever writes the clocks, the
follow-ups or the petition, the two columns say what a look-up into the clocks and follow-ups
says."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huiyin.cases.models import Clock
from huiyin.petitions import latest
from huiyin.petitions.models import FollowUp, Petition, Satisfaction
from huiyin.petitions.services import record_follow_up
from huiyin.petitions.tests.factories import bring_to, register

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def expected(pk: int) -> tuple[str | None, str | None]:
    """The look-up the columns replace, written in Python."""
    clock = (
        Clock.objects.filter(case_id=pk, code="handling", stopped_at__isnull=False)
        .order_by("-stopped_at", "-id")
        .first()
    )
    follow_up = FollowUp.objects.filter(petition_id=pk).order_by("-on", "-id").first()
    return (clock.outcome if clock else None, follow_up.satisfaction if follow_up else None)


def stored(pk: int) -> tuple[str | None, str | None]:
    return Petition.objects.values_list("latest_handling", "latest_rating").get(pk=pk)


def clock(pk: int, *, stopped: int | None, outcome: str = "", code: str = "handling") -> Clock:
    """A clock of case `pk` stopped `stopped` hours after T0 (None: running)."""
    return Clock.objects.create(
        case_id=pk,
        code=code,
        started_on=date(2026, 3, 1),
        due_on=date(2026, 4, 1),
        days=30,
        stopped_at=None if stopped is None else T0 + timedelta(hours=stopped),
        outcome=outcome,
    )


def follow_up(pk: int, *, day: int, satisfaction: str) -> FollowUp:
    return FollowUp.objects.create(
        petition_id=pk, on=date(2026, 3, 1) + timedelta(days=day), satisfaction=satisfaction
    )


def test_the_workflow_writes_them(petition, personas, unit, clerk, handler):
    """Through the services, as a clerk and a handler would."""
    assert stored(petition.pk) == (None, None)
    bring_to(petition, "replied", personas, unit=unit)
    assert stored(petition.pk) == expected(petition.pk)
    assert stored(petition.pk)[0] in {Clock.Outcome.MET, Clock.Outcome.LATE}
    record_follow_up(petition, actor=handler, satisfaction=Satisfaction.DISSATISFIED)
    assert stored(petition.pk)[1] == Satisfaction.DISSATISFIED
    record_follow_up(petition, actor=clerk, satisfaction=Satisfaction.SATISFIED)
    assert stored(petition.pk) == expected(petition.pk)
    assert stored(petition.pk)[1] == Satisfaction.SATISFIED


def test_the_latest_stopped_handling_clock_and_follow_up_count(petition):
    pk = petition.pk
    first = clock(pk, stopped=1, outcome="met")
    assert stored(pk) == ("met", None)
    running = clock(pk, stopped=None)
    assert stored(pk) == ("met", None), "a running clock has no outcome yet"
    clock(pk, stopped=5, outcome="late", code="review")
    assert stored(pk) == ("met", None), "another limit's clock does not count"
    Clock.objects.filter(pk=running.pk).update(stopped_at=T0 + timedelta(hours=3), outcome="late")
    assert stored(pk) == ("late", None), "a bulk UPDATE, without the ORM's save(), counts too"
    Clock.objects.filter(pk=running.pk).update(due_on=date(2026, 5, 1))
    assert stored(pk) == ("late", None)
    Clock.objects.filter(pk=running.pk).delete()
    assert stored(pk) == ("met", None)
    Clock.objects.filter(pk=first.pk).update(stopped_at=None, outcome="")
    assert stored(pk) == (None, None), "a reopened clock takes its outcome away"

    early = follow_up(pk, day=10, satisfaction="dissatisfied")
    follow_up(pk, day=3, satisfaction="satisfied")
    assert stored(pk) == (None, "dissatisfied"), "the later date wins, not the later row"
    FollowUp.objects.filter(pk=early.pk).update(satisfaction="basically_satisfied")
    assert stored(pk) == (None, "basically_satisfied")
    FollowUp.objects.filter(pk=early.pk).delete()
    assert stored(pk) == (None, "satisfied")


def test_a_stale_petition_saved_cannot_write_stale_values(petition):
    stale = Petition.objects.get(pk=petition.pk)
    clock(petition.pk, stopped=1, outcome="late")
    follow_up(petition.pk, day=1, satisfaction="dissatisfied")
    assert (stale.latest_handling, stale.latest_rating) == (None, None)
    stale.assigned_by = "区信访局"
    stale.save()
    assert stored(petition.pk) == ("late", "dissatisfied")
    Petition.objects.filter(pk=petition.pk).update(latest_handling="met", latest_rating=None)
    assert stored(petition.pk) == ("late", "dissatisfied"), "the columns are the database's"


def test_a_case_that_is_not_a_petition_is_left_alone(petition):
    """A handling clock of another kind of case (a dispute's) has no petition row to write."""
    from huiyin.cases.models import Case, Kind

    other = Case.objects.get(pk=petition.pk)
    other.pk, other.kind, other.number = None, Kind.DISPUTE, other.number + "-D"
    other.save()
    clock(other.pk, stopped=3, outcome="late")
    clock(petition.pk, stopped=2, outcome="met")
    Clock.objects.filter(case_id=other.pk).delete()
    assert stored(petition.pk) == ("met", None)
    assert latest.drift(connection) == 0


def test_install_repairs_what_went_missing(petition, clerk, community):
    second = register(clerk, community=community)
    assert latest.missing(connection) == set()
    assert latest.install(connection) is False, "nothing to do when all are there"
    latest.uninstall(connection)
    try:
        assert latest.missing(connection)
        clock(petition.pk, stopped=1, outcome="late")
        follow_up(second.pk, day=2, satisfaction="satisfied")
        assert stored(petition.pk) == (None, None)
        assert latest.drift(connection) == 2
    finally:
        assert latest.install(connection) is True
    assert latest.missing(connection) == set()
    assert latest.drift(connection) == 0
    assert stored(petition.pk) == ("late", None)
    assert stored(second.pk) == (None, "satisfied")


OUTCOMES = st.sampled_from(["met", "late", "cancelled", ""])
RATINGS = st.sampled_from(list(Satisfaction.values))
OPS = st.one_of(
    st.tuples(st.just("clock"), st.integers(0, 1), st.integers(0, 6), OUTCOMES, st.booleans()),
    st.tuples(st.just("reopen"), st.integers(0, 8)),
    st.tuples(st.just("restop"), st.integers(0, 8), st.integers(0, 6), OUTCOMES),
    st.tuples(st.just("recode"), st.integers(0, 8)),
    st.tuples(st.just("move_clock"), st.integers(0, 8)),
    st.tuples(st.just("drop_clock"), st.integers(0, 8)),
    st.tuples(st.just("follow_up"), st.integers(0, 1), st.integers(0, 4), RATINGS),
    st.tuples(st.just("redate"), st.integers(0, 8), st.integers(0, 4), RATINGS),
    st.tuples(st.just("move_follow_up"), st.integers(0, 8)),
    st.tuples(st.just("drop_follow_up"), st.integers(0, 8)),
    st.tuples(st.just("save_stale"), st.integers(0, 1)),
)


@pytest.fixture
def two(clerk, community):
    return [register(clerk, community=community), register(clerk, community=community)]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(OPS, min_size=1, max_size=12))
def test_any_sequence_of_writes_keeps_them_right(two, ops):
    pks = [p.pk for p in two]
    with transaction.atomic():
        stale = {pk: Petition.objects.get(pk=pk) for pk in pks}
        for op, *args in ops:
            clocks = list(Clock.objects.filter(case_id__in=pks).order_by("id"))
            follow_ups = list(FollowUp.objects.filter(petition_id__in=pks).order_by("id"))
            pick = lambda rows, i: rows[i % len(rows)] if rows else None  # noqa: E731
            if op == "clock":
                which, hours, outcome, stopped = args
                if stopped:
                    clock(pks[which], stopped=hours, outcome=outcome)
                elif not Clock.objects.filter(
                    case_id=pks[which], code="handling", stopped_at__isnull=True
                ).exists():
                    clock(pks[which], stopped=None)
            elif op in {"reopen", "restop", "recode", "move_clock", "drop_clock"}:
                row = pick(clocks, args[0])
                if row is None:
                    continue
                query = Clock.objects.filter(pk=row.pk)
                running = Clock.objects.filter(stopped_at__isnull=True, code=row.code)
                if op == "reopen" and not running.filter(case_id=row.case_id).exists():
                    query.update(stopped_at=None, outcome="")
                elif op == "restop":
                    query.update(stopped_at=T0 + timedelta(hours=args[1]), outcome=args[2])
                elif op == "recode" and row.stopped_at is not None:
                    query.update(code="review" if row.code == "handling" else "handling")
                elif op == "move_clock":
                    other = pks[1] if row.case_id == pks[0] else pks[0]
                    if row.stopped_at is not None or not running.filter(case_id=other).exists():
                        query.update(case_id=other)
                elif op == "drop_clock":
                    query.delete()
            elif op == "follow_up":
                which, day, rating = args
                follow_up(pks[which], day=day, satisfaction=rating)
            elif op in {"redate", "move_follow_up", "drop_follow_up"}:
                row = pick(follow_ups, args[0])
                if row is None:
                    continue
                query = FollowUp.objects.filter(pk=row.pk)
                if op == "redate":
                    query.update(
                        on=date(2026, 3, 1) + timedelta(days=args[1]), satisfaction=args[2]
                    )
                elif op == "move_follow_up":
                    query.update(petition_id=pks[1] if row.petition_id == pks[0] else pks[0])
                else:
                    query.delete()
            elif op == "save_stale":
                stale[pks[args[0]]].save()
            for pk in pks:
                assert stored(pk) == expected(pk), (op, args)
        assert latest.drift(connection) == 0
        transaction.set_rollback(True)


def test_a_clock_or_follow_up_moved_to_another_petition_counts_for_both(two):
    first, second = (p.pk for p in two)
    moved = clock(first, stopped=1, outcome="late")
    rating = follow_up(first, day=1, satisfaction="dissatisfied")
    Clock.objects.filter(pk=moved.pk).update(case_id=second)
    FollowUp.objects.filter(pk=rating.pk).update(petition_id=second)
    assert stored(first) == (None, None)
    assert stored(second) == ("late", "dissatisfied")


def test_a_writer_that_brings_the_values_has_them_checked_at_the_end(two):
    """A ledger import brings each petition's values; on PostgreSQL the clocks' and
    follow-ups' triggers stand aside until settle(), which gives every petition in the range
    what its clocks and follow-ups say wherever it holds something else."""
    first, second = (p.pk for p in two)
    with transaction.atomic():
        latest.defer(connection)
        clock(first, stopped=1, outcome="late")
        follow_up(second, day=2, satisfaction="satisfied")
        if connection.vendor == "postgresql":
            assert stored(first) == stored(second) == (None, None)
        corrected = latest.settle(connection, min(first, second), max(first, second))
        assert stored(first) == ("late", None)
        assert stored(second) == (None, "satisfied")
        assert latest.drift(connection) == 0
        # Deferred only on PostgreSQL: SQLite's row triggers wrote them as they went.
        assert corrected == (2 if connection.vendor == "postgresql" else 0)
    clock(second, stopped=2, outcome="met")
    assert stored(second) == ("met", "satisfied"), "the triggers are back after settle()"
