"""Overdue rectifications in the notification bell: the person's own (their grid's, their
community's, or the street's for the office that runs inspections), from the day after the
deadline (Beijing) until rectified, counted in the bell's one statement."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.test import RequestFactory
from django.urls import reverse

from huiyin.cases.context import notifications
from huiyin.org.access import reach_of
from huiyin.org.roles import Role
from huiyin.patrols import bell, services
from huiyin.patrols.models import Rectification
from huiyin.patrols.tests.factories import inspect
from huiyin.screening import periods
from huiyin.testing import factories as f

pytestmark = pytest.mark.django_db


def at(day, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), tzinfo=periods.CHINA_TZ)


def context(user) -> dict:
    request = RequestFactory().get("/")
    request.user = user
    return notifications(request)


def count(user) -> int:
    return context(user).get("bell_count", 0)


@pytest.fixture
def mine(governance, cafe):
    """A rectification in 第1网格 (the grid worker's), due today."""
    inspect(governance, cafe, fail=(1,), deadline=periods.today())
    return Rectification.objects.get(place=cafe)


@pytest.fixture
def theirs(governance, other_community, other_grid, cafe_kind):
    """One in 第9网格 of another community, due today."""
    place = services.save_place(
        governance,
        kind=cafe_kind,
        name="果丰网吧",
        address="果丰路3号",
        community=other_community,
        grid=other_grid,
        authority="culture",
        responsible_name="钱经理",
    )
    inspect(governance, place, fail=(2,), deadline=periods.today())
    return Rectification.objects.get(place=place)


def tomorrow_morning():
    return time_machine.travel(at(periods.today() + timedelta(days=1), 9), tick=False)


def test_a_grid_worker_sees_their_overdue_rectification_not_another_grids(
    client, personas, mine, theirs, other_grid
):
    grid9 = f.person(Role.GRID_WORKER, username="grid9", grid=other_grid)
    with tomorrow_morning():
        assert count(personas[Role.GRID_WORKER]) == 1
        assert count(grid9) == 1
        assert count(personas[Role.COMMUNITY_WORKER]) == 1  # 柑子园社区: the cafe's only
        assert count(personas[Role.GOVERNANCE_STAFF]) == 2  # the office, street-wide
        # Not in the bell of who does not act on them (the dashboard shows them to a leader).
        for role in (Role.LEADER, Role.PETITION_CLERK, Role.AUDITOR):
            assert "bell_count" not in context(personas[role]), role

        client.force_login(personas[Role.GRID_WORKER])
        assert 'id="bell-count">1<' in client.get(reverse("home")).content.decode()
        page = client.get(reverse("cases:notifications")).content.decode()
        assert 'id="bell-group-rectifications" data-count="1"' in page
        assert reverse("patrols:rectification", args=[mine.pk]) in page
        assert mine.item[:20] in page and "逾期 1 天" in page
        assert reverse("patrols:rectification", args=[theirs.pk]) not in page
        # The link to them all opens the list's overdue filter, which the person may read.
        assert (
            client.get(reverse("patrols:rectifications"), {"status": "overdue"}).status_code == 200
        )


def test_a_rectified_one_leaves_the_bell(client, personas, mine, community_worker):
    with tomorrow_morning():
        assert count(personas[Role.GRID_WORKER]) == 1
        services.reinspect(community_worker, mine, on=periods.today(), result="passed")
        assert context(personas[Role.GRID_WORKER]) == {
            "unread_notifications": 0,
            "other_body_due": 0,
        }
        client.force_login(personas[Role.GRID_WORKER])
        assert "bell-count" not in client.get(reverse("home")).content.decode()
        page = client.get(reverse("cases:notifications")).content.decode()
        assert "bell-group-rectifications" not in page


def test_a_new_deadline_after_a_failed_reinspection_leaves_it_until_that_one_passes(
    personas, mine, community_worker
):
    with tomorrow_morning():
        later = periods.today() + timedelta(days=2)
        services.reinspect(
            community_worker, mine, on=periods.today(), result="failed", new_deadline=later
        )
        assert count(personas[Role.GRID_WORKER]) == 0
    with time_machine.travel(at(later + timedelta(days=1), 0, 0, 1), tick=False):
        assert count(personas[Role.GRID_WORKER]) == 1


def test_midnight_in_beijing(personas, mine):
    due = mine.deadline
    worker = personas[Role.GRID_WORKER]
    # The deadline day itself, to its last second, is not overdue (UTC is still the day before
    # until 08:00 Beijing: the day is Beijing's).
    with time_machine.travel(at(due, 23, 59, 59), tick=False):
        assert count(worker) == 0
    with time_machine.travel(at(due + timedelta(days=1), 0, 0, 1), tick=False):
        assert count(worker) == 1
    with time_machine.travel(at(due + timedelta(days=1), 7, 59), tick=False):
        assert count(worker) == 1
    assert not bell.overdue_for(worker, due).exists()
    assert bell.overdue_for(worker, due + timedelta(days=1)).get() == mine


def test_the_bell_costs_the_same_queries_however_many(
    personas, governance, cafe, django_assert_num_queries
):
    worker = personas[Role.GRID_WORKER]
    inspect(governance, cafe, fail=(1,), deadline=periods.today())
    with tomorrow_morning():
        reach_of(worker)  # read once per request, whatever the page
        with django_assert_num_queries(2):  # as before: another body's clocks, then one count
            assert context(worker)["bell_count"] == 1
    inspect(governance, cafe, fail=(1, 2, 3), deadline=periods.today())
    with tomorrow_morning(), django_assert_num_queries(2):
        assert context(worker)["bell_count"] == 4
