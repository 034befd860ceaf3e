"""Confidentiality for persons and recusal (条例 art. 28(3), 30(3), 46(5)).

A petition about a named staff member, or about the unit a person works in, and a petition a
person stepped aside from, are out of that person's sight whatever their grants — in every
list and export: the list, its text search, the ledger export, the number lookup, the case
page and the reminders. A transfer records its kind (an accusation against a public official
goes to the supervision body).
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from huiyin.cases import reminders
from huiyin.cases.exceptions import TransitionRefused
from huiyin.cases.models import Case, Clock, Notification
from huiyin.cases.workflow import fire
from huiyin.org.models import Staff
from huiyin.org.roles import Role
from huiyin.petitions import recusal
from huiyin.petitions.forms import IntakeForm
from huiyin.petitions.models import PetitionRecusal, TransferKind
from huiyin.petitions.services import PetitionInvalid
from huiyin.petitions.tests.factories import register
from huiyin.privacy.models import AuditEntry
from huiyin.reports.ledgers.petitions import export_petition_ledger
from huiyin.testing import factories as f

pytestmark = pytest.mark.django_db

LIST = "/petitions/"


def fresh(user):
    """The same account without the per-request caches (reach, staff) of an earlier call."""
    return type(user).objects.get(pk=user.pk)


def staff(user) -> Staff:
    return Staff.objects.get(user=user)


def numbers(response) -> list[str]:
    """The case numbers the petition list shows."""
    assert response.status_code == 200
    return re.findall(
        r'<tr data-case="\d+"[^>]*>\s*(?:<td><input [^>]*></td>\s*)?'
        r'<td class="text-nowrap"><a [^>]*>([^<]+)</a>',
        response.content.decode(),
    )


def ledger_numbers(user) -> set[str]:
    out = io.BytesIO()
    export_petition_ledger(out, user=user, params={"from": "2000-01-01"})
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    return {
        str(cell.value)
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and "〔" in cell.value
    }


def visible(user) -> set[int]:
    return set(Case.objects.visible_to(fresh(user)).values_list("pk", flat=True))


def overdue(case: Case) -> None:
    Clock.objects.filter(case=case, stopped_at__isnull=True, party=Clock.Party.OFFICE).update(
        due_on=timezone.localdate() - timedelta(days=2)
    )


def assert_out_of_sight(client, user, about, *, search: str) -> None:
    """`about` is in none of `user`'s lists and exports, and its page and number answer 404."""
    number = about.case.number
    client.force_login(user)
    assert about.pk not in visible(user)
    assert number not in numbers(client.get(LIST))
    assert number not in numbers(client.get(LIST, {"q": search}))
    assert number not in numbers(client.get(LIST, {"status": about.case.status}))
    assert number not in ledger_numbers(fresh(user))
    assert client.get(reverse("petitions:detail", args=[about.pk])).status_code == 404
    assert client.get(reverse("petitions:recusal", args=[about.pk])).status_code == 404
    found = client.get(reverse("cases:goto"), {"number": number})
    assert found.status_code == 302
    assert found["Location"] != reverse("petitions:detail", args=[about.pk])


# --------------------------------------------------------------------------- the person


def test_a_petition_about_a_leader_is_out_of_their_sight_everywhere(
    client, clerk, leader, community
):
    about = register(
        clerk, community=community, complained_staff=staff(leader), title="领导作风粗暴"
    )
    other = register(clerk, community=community, title="路灯损坏")
    assert about.complained_staff == staff(leader)

    assert_out_of_sight(client, leader, about, search="作风粗暴")
    assert visible(leader) == {other.pk}
    # The office sees it, in the list, the search, the export and on its page.
    client.force_login(clerk)
    assert about.case.number in numbers(client.get(LIST, {"q": "作风粗暴"}))
    assert about.case.number in ledger_numbers(fresh(clerk))
    page = client.get(reverse("petitions:detail", args=[about.pk])).content.decode()
    assert 'id="complained-staff"' in page and staff(leader).name in page


def test_an_auditor_named_in_a_petition_does_not_see_it(client, clerk, personas, community):
    auditor = personas[Role.AUDITOR]
    about = register(clerk, community=community, complained_staff=staff(auditor), title="审计")
    assert_out_of_sight(client, auditor, about, search="审计")
    assert about.pk in visible(clerk)


def test_reminders_never_go_to_the_person_complained_about(clerk, leader, community):
    about = register(clerk, community=community, complained_staff=staff(leader))
    # Even as the person who owns the case (the owner is told first).
    Case.objects.filter(pk=about.pk).update(owner=staff(leader))
    overdue(about.case)

    reminders.tick()

    told = set(Notification.objects.values_list("recipient__username", "case_id"))
    assert ("clerk", about.pk) in told
    assert not Notification.objects.filter(recipient=leader, case=about.case).exists()


def test_the_clerk_chooses_the_staff_member_at_intake(clerk, leader, community):
    form = IntakeForm(user=clerk)
    assert staff(leader) in form.fields["complained_staff"].queryset
    assert "complained_staff" in form.fields


def test_a_clerk_cannot_register_a_petition_about_themselves(clerk, community):
    with pytest.raises(PetitionInvalid) as refused:
        register(clerk, community=community, complained_staff=staff(clerk))
    assert "complained_staff" in refused.value.errors
    with pytest.raises(PetitionInvalid) as refused:
        register(clerk, community=community, complained_staff=999_999)
    assert "complained_staff" in refused.value.errors


# --------------------------------------------------------------------------- the unit


def test_staff_of_the_unit_complained_about_never_see_it_even_with_street_wide_grants(
    client, clerk, community, unit
):
    colleague = f.person(Role.PETITION_CLERK, username="clerk2")  # street-wide
    boss = f.person(Role.LEADER, username="leader2")
    Staff.objects.filter(user__in=[colleague, boss]).update(unit=unit)
    about = register(clerk, community=community, complained_unit=unit, title="城建办推诿")
    other = register(clerk, community=community, title="噪音扰民")

    assert_out_of_sight(client, colleague, about, search="推诿")
    assert_out_of_sight(client, boss, about, search="推诿")
    assert visible(colleague) == {other.pk}
    assert about.pk in visible(clerk)

    overdue(about.case)
    reminders.tick()
    assert not Notification.objects.filter(
        recipient__in=[colleague, boss], case=about.case
    ).exists()
    assert Notification.objects.filter(recipient=boss, case=other.case).exists()
    assert Notification.objects.filter(recipient=clerk, case=about.case).exists()


def test_the_exclusions_keep_the_list_one_query(
    clerk, leader, community, unit, django_assert_num_queries
):
    Staff.objects.filter(user=leader).update(unit=unit)
    register(clerk, community=community, complained_staff=staff(leader))
    register(clerk, community=community, complained_unit=unit)
    shown = register(clerk, community=community)
    recusal.recuse(
        register(clerk, community=community).case, actor=clerk, staff=staff(leader), reason="亲属"
    )
    user = fresh(leader)
    Case.objects.visible_to(user).count()  # warms the per-request caches
    # The hidden cases are read once a request (with the role grants' cache), then each list
    # is one query, however many rows it holds.
    with django_assert_num_queries(1):
        assert [c.pk for c in Case.objects.visible_to(user)] == [shown.pk]


def test_nobody_concerned_means_no_condition_on_every_row(clerk, leader, community, unit):
    """A count over a million petitions tests each against any exclusion it carries (on SQLite
    even an empty NOT IN costs several times the count): for somebody with nothing hidden from
    them the list's SQL names neither the complained-about columns nor the recusals."""
    register(clerk, community=community, complained_unit=unit)  # not the leader's unit
    shown = register(clerk, community=community)
    user = fresh(leader)
    sql = str(Case.objects.visible_to(user).query).lower()
    assert "complained" not in sql and "recusal" not in sql and " not " not in sql, sql
    assert shown.case_id in set(Case.objects.visible_to(user).values_list("pk", flat=True))


def test_a_declared_recusal_hides_the_case_in_the_same_request(clerk, leader, community):
    petition = register(clerk, community=community)
    user = fresh(leader)
    assert Case.objects.visible_to(user).filter(pk=petition.case_id).exists()
    recusal.recuse(petition.case, actor=user, reason="亲属")
    assert not Case.objects.visible_to(user).filter(pk=petition.case_id).exists()


def test_many_hidden_cases_stay_a_subquery_and_stay_hidden(
    clerk, leader, community, unit, monkeypatch
):
    monkeypatch.setattr(recusal, "MAX_LISTED_HIDDEN", 1)
    Staff.objects.filter(user=leader).update(unit=unit)
    about_unit = register(clerk, community=community, complained_unit=unit)
    about_leader = register(clerk, community=community, complained_staff=staff(leader))
    shown = register(clerk, community=community)
    user = fresh(leader)
    seen = Case.objects.visible_to(user)
    assert "complained" in str(seen.query).lower()
    assert [c.pk for c in seen] == [shown.case_id]
    assert about_unit.case_id != about_leader.case_id


def test_the_exclusions_read_only_the_petitions_that_name_someone(clerk, leader, community, unit):
    """The exclusion must not read every petition of the history: almost none names a person
    or unit, and on SQLite a plain index of a mostly-NULL column looked useless to the planner
    once ANALYZE had run, so each list scanned the whole table (a million rows: 1.4 s)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "sqlite":
        pytest.skip("the plan is SQLite's; PostgreSQL keeps the NULL fraction in its statistics")
    Staff.objects.filter(user=leader).update(unit=unit)
    for _i in range(12):
        register(clerk, community=community)
    register(clerk, community=community, complained_unit=unit)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    with CaptureQueriesContext(connection) as captured:
        Case.objects.visible_to(fresh(leader))
    (query,) = [q["sql"] for q in captured.captured_queries if "complained" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + query)
        steps = [row[-1] for row in cursor.fetchall()]
    scans = [s for s in steps if s.startswith("SCAN") and "petition" in s]
    assert not scans, steps
    assert any("petition_complained_unit" in s for s in steps), steps


# --------------------------------------------------------------------------- recusal


def test_a_person_stepped_aside_by_the_office_no_longer_sees_the_case(
    client, clerk, leader, community
):
    petition = register(clerk, community=community, title="征地补偿")
    assert petition.pk in visible(leader)

    row = recusal.recuse(petition.case, actor=clerk, staff=staff(leader), reason="系信访人亲属")

    assert (row.staff, row.declared, row.recorded_by) == (staff(leader), False, clerk)
    assert_out_of_sight(client, leader, petition, search="征地补偿")
    assert petition.pk in visible(clerk)
    entry = AuditEntry.objects.get(action="case.recusal")
    assert entry.actor == clerk and entry.diff["declared"] is False
    assert entry.diff["staff"] == staff(leader).pk
    assert "亲属" not in entry.diff_text  # the reason stays on the row
    # Once only.
    with pytest.raises(TransitionRefused):
        recusal.recuse(petition.case, actor=clerk, staff=staff(leader), reason="再次")


def test_only_the_office_or_a_leader_steps_someone_else_aside(clerk, leader, personas, community):
    petition = register(clerk, community=community)
    auditor = personas[Role.AUDITOR]
    with pytest.raises(TransitionRefused):
        recusal.recuse(petition.case, actor=auditor, staff=staff(leader), reason="利害关系")
    with pytest.raises(TransitionRefused):
        recusal.recuse(petition.case, actor=auditor, reason="  ")
    assert not PetitionRecusal.objects.exists()
    # A leader may.
    recusal.recuse(petition.case, actor=leader, staff=staff(auditor), reason="利害关系")
    assert petition.pk not in visible(auditor)


def test_a_declared_recusal_is_recorded_audited_and_closes_the_case_page(
    client, clerk, leader, community
):
    petition = register(clerk, community=community)
    client.force_login(leader)
    page = client.get(reverse("petitions:detail", args=[petition.pk])).content.decode()
    url = reverse("petitions:recusal", args=[petition.pk])
    assert f'href="{url}"' in page and 'id="recusal-link"' in page

    form = client.get(url)
    html = form.content.decode()
    assert form.status_code == 200 and 'id="recusal-form"' in html
    assert 'name="staff"' in html  # a leader may also step someone else aside
    for unsafe in ("<script>", 'style="', "<style", " onclick="):
        assert unsafe not in html

    empty = client.post(url, {"reason": ""})
    assert empty.status_code == 400
    assert not PetitionRecusal.objects.exists()

    done = client.post(url, {"reason": "本人与信访人系同学关系"})

    assert done.status_code == 302 and done["Location"] == LIST
    row = PetitionRecusal.objects.get()
    assert (row.staff, row.declared, row.recorded_by) == (staff(leader), True, leader)
    entry = AuditEntry.objects.get(action="case.recusal")
    assert entry.actor == leader and entry.diff["declared"] is True
    assert entry.target_label == petition.case.number
    assert client.get(reverse("petitions:detail", args=[petition.pk])).status_code == 404
    # The office sees who stepped aside, and why.
    client.force_login(clerk)
    listed = client.get(url).content.decode()
    assert f'data-recusal="{staff(leader).pk}"' in listed and "同学关系" in listed


def test_a_person_without_the_decide_permission_only_declares_their_own(
    client, clerk, personas, community
):
    petition = register(clerk, community=community)
    auditor = personas[Role.AUDITOR]
    client.force_login(auditor)
    html = client.get(reverse("petitions:recusal", args=[petition.pk])).content.decode()
    assert 'name="staff"' not in html
    response = client.post(reverse("petitions:recusal", args=[petition.pk]), {"reason": "利害关系"})
    assert response.status_code == 302
    assert PetitionRecusal.objects.get().staff == staff(auditor)


# --------------------------------------------------------------------------- 检举控告


def test_an_accusation_is_transferred_to_the_supervision_body_as_its_own_kind(
    client, clerk, community
):
    petition = register(clerk, community=community, title="举报某科长受贿")
    case = petition.case
    client.force_login(clerk)
    page = client.get(reverse("petitions:detail", args=[case.pk])).content.decode()
    assert 'name="transfer-transfer_kind"' in page

    response = client.post(
        reverse("petitions:transition", args=[case.pk, "transfer"]),
        {
            "transfer-version": case.version,
            "transfer-transferred_to": "区纪委监委",
            "transfer-transfer_kind": TransferKind.ACCUSATION,
        },
    )

    assert response.status_code == 302
    petition.refresh_from_db()
    assert (petition.transfer_kind, petition.transferred_to) == ("accusation", "区纪委监委")
    page = client.get(reverse("petitions:detail", args=[case.pk])).content.decode()
    assert 'data-transfer-kind="accusation"' in page
    assert str(TransferKind.ACCUSATION.label) in page
    event = case.events.get(kind="transfer")
    assert event.data["transfer_kind"] == "accusation"


def test_a_transfer_is_ordinary_unless_said_otherwise(clerk, community):
    petition = register(clerk, community=community)
    case = fire(
        petition.case,
        "transfer",
        actor=clerk,
        version=petition.case.version,
        transferred_to="区住建委",
    )
    petition.refresh_from_db()
    assert petition.transfer_kind == TransferKind.ORDINARY
    other = register(clerk, community=community)
    with pytest.raises(TransitionRefused):
        fire(
            other.case,
            "transfer",
            actor=clerk,
            version=other.case.version,
            transferred_to="某处",
            transfer_kind="secret",
        )
    assert case.status == "transferred"
