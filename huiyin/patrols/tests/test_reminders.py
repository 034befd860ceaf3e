"""Overdue rectifications reminded once each, through `huiyin tick`."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from huiyin.org.roles import Role
from huiyin.patrols import reminders, services
from huiyin.patrols.models import Rectification, RectificationNotice
from huiyin.patrols.tests.factories import inspect
from huiyin.screening import periods
from huiyin.testing import factories as f

pytestmark = pytest.mark.django_db


def after(day, hour=9):
    return datetime.combine(day, datetime.min.time(), tzinfo=periods.CHINA_TZ) + timedelta(
        hours=hour
    )


def told() -> set[tuple[str, int]]:
    return set(RectificationNotice.objects.values_list("recipient__username", "rectification_id"))


@pytest.fixture
def task(community_worker, cafe):
    inspect(community_worker, cafe, fail=(1,), deadline=periods.today())
    return Rectification.objects.get()


def test_an_overdue_rectification_is_reminded_once(task, personas, grid):
    due = task.deadline
    # On the deadline day itself it is not overdue.
    assert reminders.remind(after(due, 23)).overdue == 0
    first = reminders.remind(after(due + timedelta(days=1)))
    again = reminders.remind(after(due + timedelta(days=1), 15))
    later = reminders.remind(after(due + timedelta(days=5)))
    assert (first.overdue, again.overdue, later.overdue) == (1, 0, 0)
    people = {name for name, _ in told()}
    # Those who take its steps in its grid and community, and the office street-wide.
    assert people == {"grid1", "community1", "governance"}
    assert RectificationNotice.objects.count() == 3
    note = RectificationNotice.objects.filter(recipient=personas[Role.GRID_WORKER]).get()
    assert task.item[:10] in note.message and due.isoformat() in note.message


def test_a_new_deadline_is_reminded_again_once(task, community_worker):
    due = task.deadline
    reminders.remind(after(due + timedelta(days=1)))
    later = periods.today() + timedelta(days=2)
    services.reinspect(
        community_worker, task, on=periods.today(), result="failed", new_deadline=later
    )
    assert reminders.remind(after(later)).overdue == 0
    assert reminders.remind(after(later + timedelta(days=1))).overdue == 1
    assert reminders.remind(after(later + timedelta(days=1), 18)).overdue == 0
    assert RectificationNotice.objects.count() == 6


def test_a_done_rectification_is_not_reminded(task, community_worker):
    services.reinspect(community_worker, task, on=periods.today(), result="passed")
    assert reminders.remind(after(task.deadline + timedelta(days=3))).overdue == 0


def test_someone_outside_the_place_is_not_told(task, other_grid):
    f.person(Role.GRID_WORKER, username="grid9", grid=other_grid)
    reminders.remind(after(task.deadline + timedelta(days=1)))
    assert "grid9" not in {name for name, _ in told()}


def test_tick_runs_the_reminders(task):
    out = StringIO()
    call_command("tick", stdout=out, verbosity=2)
    # Today is the deadline: nothing overdue yet, and tick still says what it did.
    assert "patrols: 0 rectifications overdue" in out.getvalue()
