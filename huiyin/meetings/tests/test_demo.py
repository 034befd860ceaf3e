"""The demo: two meetings with tasks — one done, one overdue — loaded once, at any hour."""

from __future__ import annotations

import io

import pytest

from huiyin.meetings import demo, services
from huiyin.meetings.models import Meeting, MeetingTask, TaskStatus
from huiyin.org import demo as org_demo
from huiyin.reports import stats
from huiyin.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_the_demo_loads_two_meetings_one_task_done_one_overdue():
    org_demo.load_organisation()
    org_demo.load_accounts(PASSWORD)
    out = io.StringIO()
    demo.load(out)
    assert Meeting.objects.count() == 2
    day = services.today()
    tasks = MeetingTask.objects.all()
    assert tasks.filter(status=TaskStatus.DONE).count() == 1
    assert services.overdue_tasks().count() == 1
    assert tasks.filter(status=TaskStatus.OPEN, due_on__gte=day).count() == 1
    second = Meeting.objects.order_by("-held_on").first()
    earlier = services.follow_through(second)
    assert len(earlier["open"]) == 1 and len(earlier["done"]) == 1
    figures = stats.compute(stats.Period(day.replace(day=1).replace(month=1), day))
    assert figures["meetings"]["tasks"]["set"] == 3
    demo.load(out)  # idempotent
    assert Meeting.objects.count() == 2
