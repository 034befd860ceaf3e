"""Home pages that start the work: the clerk's intake button and number lookup; the leader's
overdue matters, 三零四无 board and reception days; the coming sections, never linked."""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from huiyin.cases.models import Case
from huiyin.front.home import OVERDUE_ROWS
from huiyin.front.tests.test_headers import inline_code
from huiyin.org.roles import Role
from huiyin.petitions.models import Level, ReceptionSlot
from huiyin.petitions.tests.factories import register
from huiyin.reports import stats
from huiyin.testing import factories as f

pytestmark = pytest.mark.django_db


def home(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_clerk_starts_with_the_intake_button_and_a_number_lookup(client, personas):
    html = home(client, personas[Role.PETITION_CLERK])
    assert re.search(
        r'<a class="btn btn-primary btn-lg" id="home-register" href="/petitions/new/"', html
    )
    assert "登记信访" in html
    assert 'id="home-goto-number"' in html
    form = re.search(
        r'<form method="get" action="([^"]+)"[^>]*>\s*<div[^>]*>\s*<label[^>]*for="home-goto-number"',
        html,
    )
    assert form and form.group(1) == reverse("cases:goto")


def test_the_number_lookup_opens_a_visible_case(client, personas, community):
    clerk = personas[Role.PETITION_CLERK]
    petition = register(clerk, community=community)
    client.force_login(clerk)
    response = client.get(reverse("cases:goto"), {"number": petition.case.number})
    assert response["Location"] == reverse("petitions:detail", args=[petition.pk])


def test_no_intake_button_for_who_does_not_register(client, personas):
    for role in (Role.LEADER, Role.DEPARTMENT_HANDLER, Role.GRID_WORKER, Role.AUDITOR):
        assert 'id="home-register"' not in home(client, personas[role]), role


def test_the_community_worker_registers_from_home(client, personas):
    html = home(client, personas[Role.COMMUNITY_WORKER])
    assert 'id="home-register"' in html and 'id="home-registered"' in html


@pytest.fixture
def leader(personas):
    return personas[Role.LEADER]


def _overdue(clerk, community, n: int) -> list[Case]:
    cases = []
    for i in range(n):
        case = register(clerk, community=community, title=f"逾期事项{i}").case
        Case.objects.filter(pk=case.pk).update(due_on=timezone.localdate() - timedelta(days=i + 1))
        cases.append(case)
    return cases


def test_the_leader_sees_overdue_matters_linked_capped_and_the_rest_behind_the_list(
    client, personas, leader, community
):
    clerk = personas[Role.PETITION_CLERK]
    cases = _overdue(clerk, community, OVERDUE_ROWS + 2)
    on_time = register(clerk, community=community, title="未逾期").case
    Case.objects.filter(pk=on_time.pk).update(due_on=timezone.localdate() + timedelta(days=9))
    html = home(client, leader)
    section = html[html.index('id="home-overdue"') :]
    section = section[: section.index('id="home-receptions"')]
    shown = re.findall(r'href="/petitions/(\d+)/"', section)
    assert len(shown) == OVERDUE_ROWS
    # Most overdue first, as the statistics layer orders them.
    expected = list(stats.overdue_cases(user=leader).values_list("pk", flat=True)[:OVERDUE_ROWS])
    assert [int(pk) for pk in shown] == expected
    assert {int(pk) for pk in shown} <= {c.pk for c in cases}
    assert "未逾期" not in section
    assert "/petitions/?due=overdue" in section
    assert "More…" in section or "更多" in section


def test_the_leader_reads_the_dashboards_goal_board(client, leader, personas, community):
    clerk = personas[Role.PETITION_CLERK]
    breach = register(clerk, community=community, level=Level.CITY, received_at=timezone.now())
    html = home(client, leader)
    assert 'id="goals-board"' in html
    assert 'data-goal="zero_city" data-state="broken"' in html
    assert 'data-goal="zero_national" data-state="held"' in html
    # The same numbers as the dashboard: both read stats.compute for this month.
    s = stats.compute(stats.Period.this_month(timezone.localdate()), user=leader)
    assert [b["id"] for b in s["goals"]["breaches"]["zero_city"]] == [breach.pk]
    assert reverse("petitions:detail", args=[breach.pk]) in html
    dashboard = client.get(reverse("reports:dashboard")).content.decode()
    board = re.search(r'<section class="mb-4" id="goals-board".*?</section>', html, re.S).group(0)
    assert board in dashboard


def test_the_leader_sees_his_own_reception_days_from_today(client, leader, community):
    today = timezone.localdate()
    other = f.person(Role.LEADER, username="leader2")
    common = {
        "kind": ReceptionSlot.SlotKind.RECEPTION_DAY,
        "start_time": time(9),
        "end_time": time(11),
    }
    ReceptionSlot.objects.create(
        leader=leader.staff, date=today + timedelta(days=3), place="街道信访接待室", **common
    )
    ReceptionSlot.objects.create(
        leader=leader.staff, date=today - timedelta(days=3), place="过去的接待", **common
    )
    ReceptionSlot.objects.create(
        leader=other.staff, date=today + timedelta(days=1), place="别人的接待", **common
    )
    html = home(client, leader)
    section = html[html.index('id="home-receptions"') :]
    assert "街道信访接待室" in section
    assert "过去的接待" not in section and "别人的接待" not in section
    month = (today + timedelta(days=3)).strftime("%Y-%m")
    assert f"/petitions/reception/?month={month}&amp;leader={leader.staff.pk}" in section


def test_other_roles_get_no_leader_overview(client, personas):
    for role in (Role.PETITION_CLERK, Role.COMMUNITY_WORKER, Role.AUDITOR):
        assert 'id="leader-overview"' not in home(client, personas[role]), role


def test_coming_sections_are_named_never_linked(client, personas):
    html = home(client, personas[Role.GRID_WORKER])
    # Every section of a grid worker has its pages now: links, none "coming".
    assert "data-coming=" not in html
    for key in ("disputes", "incidents", "patrols"):
        assert f'data-coming="{key}"' not in html
        assert f'href="/{key}/"' in html


@pytest.mark.parametrize("role", list(Role))
def test_every_home_page_keeps_the_content_security_policy(client, personas, role, community):
    register(personas[Role.PETITION_CLERK], community=community, level=Level.CITY)
    assert inline_code(home(client, personas[role])) == []
