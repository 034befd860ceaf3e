"""The key-case pages: the board, marking a petition, progress entries and seeing it through."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from huiyin.org.models import Staff
from huiyin.org.roles import Role
from huiyin.petitions.models import KeyCase, KeyCaseProgress, Status
from huiyin.petitions.services import (
    MSG_COMPLAINED_UNIT,
    MSG_NO_PERM,
    MSG_TIME_LIMIT_PAST,
    add_progress,
    mark_key_case,
)
from huiyin.petitions.tests.factories import bring_to, register
from huiyin.privacy.models import AuditEntry
from huiyin.testing import factories as f

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def zh(message) -> str:
    """A message as a page shows it: pages speak the site's language (zh-hans)."""
    with translation.override("zh-hans"):
        return str(message)


@pytest.fixture
def leader_staff(leader):
    return Staff.objects.get(user=leader)


@pytest.fixture
def leader2(db):
    return f.person(Role.LEADER, username="leader2")


def mark(petition, actor, leader_staff, unit, *, days: int = 10, **extra) -> KeyCase:
    key_case = mark_key_case(
        petition,
        actor=actor,
        leader=leader_staff,
        plan=extra.pop("plan", "一周内现场核查，两周内召开协调会"),
        time_limit=today() + timedelta(days=max(days, 0)),
        responsible_unit=unit,
        **extra,
    )
    if days < 0:
        KeyCase.objects.filter(pk=key_case.pk).update(time_limit=today() + timedelta(days=days))
    return key_case


def form_data(leader_staff, unit, **overrides) -> dict:
    return {
        "leader": leader_staff.pk,
        "team": [],
        "team_note": "社区书记",
        "plan": "一周内现场核查，两周内召开协调会",
        "time_limit": (today() + timedelta(days=14)).isoformat(),
        "responsible_unit": unit.pk,
        **overrides,
    }


# --------------------------------------------------------------------------- the board


def test_it_shows_the_board_with_the_five_ones(client, clerk, leader, leader_staff, unit, personas):
    petition = register(clerk, title="小区违建影响采光")
    key_case = mark(
        petition, clerk, leader_staff, unit, team=[Staff.objects.get(user=clerk)], plan="现场核查"
    )
    add_progress(key_case, actor=leader, text="已召开协调会")
    client.force_login(personas[Role.AUDITOR])
    response = client.get(reverse("petitions:keycases"))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        petition.case.number,
        "小区违建影响采光",
        leader_staff.name,
        Staff.objects.get(user=clerk).name,
        "现场核查",
        unit.name,
        zh(Status.REGISTERED.label),
        "已召开协调会",
        'data-state="ok"',
    ):
        assert text in html, text
    assert 'id="petitions-subnav"' in html


def test_roles_without_petitions_see_no_key_petition(
    client, personas, petition, leader_staff, unit, clerk
):
    """The board is shared with key disputes; a role that sees no petitions sees none there."""
    mark(petition, clerk, leader_staff, unit)
    for role in (Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.MEDIATOR):
        client.force_login(personas[role])
        response = client.get(reverse("petitions:keycases"))
        assert response.status_code == 200, role
        assert petition.case.number not in response.content.decode(), role
    client.force_login(personas[Role.ADMINISTRATOR])
    assert client.get(reverse("petitions:keycases")).status_code == 403


def test_it_sends_anonymous_visitors_to_sign_in(client, db):
    response = client.get(reverse("petitions:keycases"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_shows_a_handler_only_key_cases_of_their_unit(
    client, clerk, handler, leader_staff, unit, personas
):
    theirs = register(clerk, title="本单位事项")
    bring_to(theirs, "assigned", personas, unit=unit)
    not_theirs = register(clerk, title="未交办事项")
    mark(theirs, clerk, leader_staff, unit)
    mark(not_theirs, clerk, leader_staff, unit)
    client.force_login(handler)
    html = client.get(reverse("petitions:keycases")).content.decode()
    assert theirs.case.number in html
    assert not_theirs.case.number not in html


def test_it_puts_the_leaders_own_key_cases_first(
    client, clerk, leader, leader2, leader_staff, unit
):
    others = mark(register(clerk), clerk, Staff.objects.get(user=leader2), unit, days=1)
    mine = mark(register(clerk), clerk, leader_staff, unit, days=30)
    client.force_login(leader)
    html = client.get(reverse("petitions:keycases")).content.decode()
    assert html.index(f'data-key-case="{mine.pk}"') < html.index(f'data-key-case="{others.pk}"')
    assert 'data-mine="1"' in html
    client.force_login(leader2)
    html = client.get(reverse("petitions:keycases")).content.decode()
    assert html.index(f'data-key-case="{others.pk}"') < html.index(f'data-key-case="{mine.pk}"')


def test_it_filters_by_leader_and_state(client, clerk, leader, leader2, leader_staff, unit):
    open_mine = mark(register(clerk), clerk, leader_staff, unit, days=5)
    late_mine = mark(register(clerk), clerk, leader_staff, unit, days=-3)
    closed_mine = mark(register(clerk), clerk, leader_staff, unit)
    KeyCase.objects.filter(pk=closed_mine.pk).update(closed_at=timezone.now())
    theirs = mark(register(clerk), clerk, Staff.objects.get(user=leader2), unit)
    client.force_login(clerk)

    def shown(**params) -> set[int]:
        html = client.get(reverse("petitions:keycases"), params).content.decode()
        return {
            k.pk
            for k in (open_mine, late_mine, closed_mine, theirs)
            if f'data-key-case="{k.pk}"' in html
        }

    assert shown() == {open_mine.pk, late_mine.pk, theirs.pk}
    assert shown(leader=leader_staff.pk) == {open_mine.pk, late_mine.pk}
    assert shown(state="late") == {late_mine.pk}
    assert shown(state="closed") == {closed_mine.pk}
    assert shown(state="all", leader=leader_staff.pk) == {
        open_mine.pk,
        late_mine.pk,
        closed_mine.pk,
    }


def test_it_ignores_filters_it_does_not_understand_with_a_notice(client, clerk, leader_staff, unit):
    key_case = mark(register(clerk), clerk, leader_staff, unit)
    client.force_login(clerk)
    for params in ({"leader": "abc"}, {"leader": "999999"}, {"state": "nonsense"}):
        response = client.get(reverse("petitions:keycases"), params)
        assert response.status_code == 200
        html = response.content.decode()
        assert 'id="filter-notice"' in html
        assert f'data-key-case="{key_case.pk}"' in html


def test_the_board_costs_the_same_queries_for_few_or_many(
    client, clerk, leader, leader_staff, unit, django_assert_max_num_queries
):
    client.force_login(leader)

    def count() -> int:
        with django_assert_max_num_queries(20) as captured:
            assert client.get(reverse("petitions:keycases")).status_code == 200
        return len(captured.captured_queries)

    for _i in range(2):
        key_case = mark(register(clerk), clerk, leader_staff, unit)
        add_progress(key_case, actor=leader, text="进展")
    few = count()
    for _i in range(6):
        key_case = mark(register(clerk), clerk, leader_staff, unit)
        add_progress(key_case, actor=leader, text="进展")
    assert count() == few


# --------------------------------------------------------------------------- marking


def test_it_marks_a_petition_as_a_key_case(client, leader, leader_staff, petition, unit):
    client.force_login(leader)
    url = reverse("petitions:keycase_new", args=[petition.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert f'<option value="{leader_staff.pk}" selected>' in page.content.decode()
    response = client.post(url, form_data(leader_staff, unit))
    key_case = KeyCase.objects.get(case_id=petition.pk)
    assert response.status_code == 302
    assert response["Location"] == reverse("petitions:keycase", args=[key_case.pk])
    assert (key_case.leader, key_case.responsible_unit, key_case.team_note) == (
        leader_staff,
        unit,
        "社区书记",
    )
    assert AuditEntry.objects.filter(
        action="object.create", target_type="petitions.keycase"
    ).exists()


def test_a_clerk_may_mark_a_key_case_too(client, clerk, leader_staff, petition, unit):
    client.force_login(clerk)
    response = client.post(
        reverse("petitions:keycase_new", args=[petition.pk]),
        form_data(leader_staff, unit, team=[Staff.objects.get(user=clerk).pk]),
    )
    assert response.status_code == 302
    assert list(KeyCase.objects.get().team.values_list("user__username", flat=True)) == ["clerk"]


@pytest.mark.parametrize(
    "role", [Role.DEPARTMENT_HANDLER, Role.AUDITOR, Role.GOVERNANCE_STAFF, Role.COMMUNITY_WORKER]
)
def test_it_refuses_marking_to_other_roles(client, personas, role, leader_staff, petition, unit):
    client.force_login(personas[role])
    url = reverse("petitions:keycase_new", args=[petition.pk])
    # Refused, or (a community worker, who does not see the petition at all) not found.
    assert client.get(url).status_code in (403, 404)
    assert client.post(url, form_data(leader_staff, unit)).status_code in (403, 404)
    assert not KeyCase.objects.exists()


def test_it_answers_404_for_a_petition_outside_the_scope(
    client, clerk, community, other_community, leader_staff, unit
):
    petition = register(clerk, community=community)
    outsider_clerk = f.person(Role.PETITION_CLERK, username="clerk-b", community=other_community)
    client.force_login(outsider_clerk)
    url = reverse("petitions:keycase_new", args=[petition.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, form_data(leader_staff, unit)).status_code == 404
    assert client.get(reverse("petitions:keycase_new", args=[987654])).status_code == 404
    assert not KeyCase.objects.exists()


def test_it_shows_bad_input_beside_the_fields(client, clerk, leader_staff, unit):
    petition = register(clerk, complained_unit=unit)
    client.force_login(clerk)
    url = reverse("petitions:keycase_new", args=[petition.pk])
    not_a_leader = Staff.objects.get(user=clerk)
    response = client.post(
        url,
        form_data(
            leader_staff,
            unit,
            leader=not_a_leader.pk,
            plan="  ",
            time_limit="2026-13-45",
        ),
    )
    assert response.status_code == 400
    html = response.content.decode()
    for field in ("leader", "plan", "time_limit"):
        assert f'data-field="{field}"' in html, field
    # The form is fine, the service refuses: a past limit and the unit complained about.
    response = client.post(
        url,
        form_data(leader_staff, unit, time_limit=(today() - timedelta(days=1)).isoformat()),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert zh(MSG_TIME_LIMIT_PAST) in html
    assert zh(MSG_COMPLAINED_UNIT) in html
    assert not KeyCase.objects.exists()


def test_it_sends_a_second_mark_to_the_existing_key_case(
    client, clerk, leader_staff, petition, unit
):
    key_case = mark(petition, clerk, leader_staff, unit)
    client.force_login(clerk)
    response = client.post(
        reverse("petitions:keycase_new", args=[petition.pk]), form_data(leader_staff, unit)
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("petitions:keycase", args=[key_case.pk])
    assert KeyCase.objects.count() == 1


# --------------------------------------------------------------------------- one key case


def test_it_shows_a_key_case_with_its_progress_newest_first(
    client, clerk, leader, leader_staff, petition, unit, personas
):
    key_case = mark(petition, clerk, leader_staff, unit, plan="第一步：核查")
    add_progress(key_case, actor=leader, text="第一次进展")
    add_progress(key_case, actor=leader, text="第二次进展")
    client.force_login(personas[Role.AUDITOR])
    response = client.get(reverse("petitions:keycase", args=[key_case.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("第二次进展") < html.index("第一次进展")
    assert "第一步：核查" in html
    assert 'id="progress-form"' not in html  # an auditor only reads
    assert 'id="keycase-close"' not in html


def test_it_answers_404_for_a_key_case_outside_the_scope(
    client, clerk, community, other_community, leader_staff, unit
):
    key_case = mark(register(clerk, community=community), clerk, leader_staff, unit)
    client.force_login(f.person(Role.PETITION_CLERK, username="clerk-b", community=other_community))
    for name in ("petitions:keycase",):
        assert client.get(reverse(name, args=[key_case.pk])).status_code == 404
    for name in ("petitions:keycase_progress", "petitions:keycase_close"):
        assert client.post(reverse(name, args=[key_case.pk]), {"text": "x"}).status_code == 404
    assert client.get(reverse("petitions:keycase", args=[987654])).status_code == 404
    assert not KeyCaseProgress.objects.exists()
    assert AuditEntry.objects.filter(action="access.denied").exists()


def test_it_adds_progress_and_refuses_an_empty_entry(client, leader, leader_staff, petition, unit):
    key_case = mark(petition, leader, leader_staff, unit)
    client.force_login(leader)
    url = reverse("petitions:keycase_progress", args=[key_case.pk])
    response = client.post(url, {"text": "已约谈信访人"})
    assert response.status_code == 302
    assert list(KeyCaseProgress.objects.values_list("text", flat=True)) == ["已约谈信访人"]
    response = client.post(url, {"text": "   "})
    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode()
    assert KeyCaseProgress.objects.count() == 1
    assert client.get(url).status_code == 405


def test_it_refuses_progress_from_a_reader_with_a_message(
    client, clerk, leader_staff, petition, unit, personas
):
    key_case = mark(petition, clerk, leader_staff, unit)
    client.force_login(personas[Role.AUDITOR])
    response = client.post(
        reverse("petitions:keycase_progress", args=[key_case.pk]), {"text": "审计员写进展"}
    )
    assert response.status_code == 403
    assert zh(MSG_NO_PERM) in response.content.decode()
    assert not KeyCaseProgress.objects.exists()


def test_only_the_leader_sees_a_key_case_through(
    client, clerk, leader, leader_staff, petition, unit
):
    key_case = mark(petition, clerk, leader_staff, unit)
    url = reverse("petitions:keycase_close", args=[key_case.pk])
    client.force_login(clerk)
    response = client.post(url)
    assert response.status_code == 403
    assert zh(MSG_NO_PERM) in response.content.decode()
    key_case.refresh_from_db()
    assert key_case.closed_at is None

    client.force_login(leader)
    detail = client.get(reverse("petitions:keycase", args=[key_case.pk])).content.decode()
    assert 'id="keycase-close"' in detail
    assert client.post(url).status_code == 302
    key_case.refresh_from_db()
    assert key_case.closed_at is not None
    # A second press changes nothing and says so.
    response = client.post(url, follow=True)
    assert zh(gettext_lazy("This key case was already seen through.")) in response.content.decode()
    assert (
        AuditEntry.objects.filter(target_type="petitions.keycase", action="object.update").count()
        == 1
    )
