"""The rules of meetings and their tasks: resolution actions only, matters the recorder may
see, the owner marks done, overdue from Beijing's midnight, follow-through, the figures."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from huiyin.cases.models import Case
from huiyin.meetings import services
from huiyin.meetings.models import AgendaItem, MeetingTask, TaskStatus
from huiyin.meetings.services import MeetingInvalid
from huiyin.meetings.tests.conftest import task_data
from huiyin.org.roles import Role
from huiyin.privacy.models import AuditEntry
from huiyin.reports import stats
from huiyin.testing import factories as f

pytestmark = pytest.mark.django_db
BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("action", ["stability_control", "稳控", "看护", "watch", "", "x" * 500])
def test_a_task_of_a_forbidden_type_is_refused(personas, office, meeting, action):
    with pytest.raises(MeetingInvalid) as refused:
        services.add_task(meeting, actor=office, data=task_data(personas, action=action))
    assert "action" in refused.value.errors
    assert not MeetingTask.objects.exists()


@pytest.mark.parametrize("text", ["对该户实行稳控", "安排人员看护上访人", "掌握其行踪"])
def test_a_task_about_watching_a_person_is_refused(personas, office, meeting, text):
    with pytest.raises(MeetingInvalid) as refused:
        services.add_task(meeting, actor=office, data=task_data(personas, text=text))
    assert "text" in refused.value.errors
    assert not MeetingTask.objects.exists()


def test_every_resolution_action_is_accepted_and_audited(personas, office, meeting, petition):
    task = services.add_task(
        meeting, actor=office, data=task_data(personas, case=petition.case.number)
    )
    assert task.case == petition.case and task.status == TaskStatus.OPEN
    assert AuditEntry.objects.filter(action="meeting.task", target_id=str(task.pk)).exists()
    assert AuditEntry.objects.filter(action="meeting.save", target_id=str(meeting.pk)).exists()


def test_a_case_the_recorder_cannot_see_is_refused(personas, meeting, petition, other_community):
    # The office of one community only: manages meetings, does not see 柑子园's petition.
    narrow = f.person(Role.GOVERNANCE_STAFF, username="narrow", community=other_community)
    assert not Case.objects.visible_to(narrow).filter(pk=petition.case.pk).exists()
    number = petition.case.number
    with pytest.raises(MeetingInvalid) as refused:
        services.add_task(meeting, actor=narrow, data=task_data(personas, case=number))
    assert "case" in refused.value.errors
    with pytest.raises(MeetingInvalid):
        services.add_agenda_item(meeting, actor=narrow, data={"topic": "楼道", "case": number})
    with pytest.raises(MeetingInvalid):
        services.add_agenda_item(
            meeting, actor=narrow, data={"topic": "楼道", "case": str(petition.case.pk)}
        )
    assert not MeetingTask.objects.exists() and not AgendaItem.objects.exists()


def test_bad_input_is_refused_with_messages(personas, office, meeting):
    bad = task_data(personas, owner=10**30, due_on=meeting.held_on - timedelta(days=1), text="")
    with pytest.raises(MeetingInvalid) as refused:
        services.add_task(meeting, actor=office, data=bad)
    assert {"owner", "due_on", "text"} <= set(refused.value.errors)
    with pytest.raises(MeetingInvalid) as refused:
        services.save_meeting(
            actor=office,
            data={"held_on": "1900-01-01", "title": "x" * 121, "meeting_kind": "party", "chair": 0},
        )
    assert {"held_on", "title", "meeting_kind", "chair"} <= set(refused.value.errors)


def test_only_the_office_records_meetings(personas, meeting):
    for role in (Role.LEADER, Role.AUDITOR, Role.COMMUNITY_WORKER, Role.DEPARTMENT_HANDLER):
        with pytest.raises(PermissionDenied):
            services.add_agenda_item(meeting, actor=personas[role], data={"topic": "t"})
        with pytest.raises(PermissionDenied):
            services.add_task(meeting, actor=personas[role], data=task_data(personas))


def test_the_owner_marks_done_and_nobody_else_but_the_office(personas, office, meeting):
    task = services.add_task(meeting, actor=office, data=task_data(personas))
    with pytest.raises(PermissionDenied):
        services.finish_task(task, actor=personas[Role.LEADER], data={"result": "x"})
    with pytest.raises(MeetingInvalid):
        services.finish_task(
            task,
            actor=personas[Role.DEPARTMENT_HANDLER],
            data={"result": "已答复", "done_on": meeting.held_on - timedelta(days=1)},
        )
    done = services.finish_task(
        task, actor=personas[Role.DEPARTMENT_HANDLER], data={"result": "已书面答复"}
    )
    assert done.status == TaskStatus.DONE and done.done_on == services.today()
    assert AuditEntry.objects.filter(action="meeting.task_done").count() == 1
    with pytest.raises(MeetingInvalid):
        services.finish_task(done, actor=office, data={"result": "again"})


def _at(moment: datetime):
    return time_machine.travel(moment, tick=False)


def test_overdue_starts_at_midnight_in_beijing(personas, office, meeting):
    due = date(2026, 6, 10)
    with _at(datetime(2026, 6, 1, 9, 0, tzinfo=BEIJING)):
        meeting.held_on = date(2026, 5, 30)
        meeting.save(update_fields=["held_on"])
        task = services.add_task(meeting, actor=office, data=task_data(personas, due_on=due))
    # 23:59 on the due day in Beijing (15:59 UTC): not yet overdue.
    with _at(datetime(2026, 6, 10, 23, 59, tzinfo=BEIJING)):
        assert not services.overdue_tasks().filter(pk=task.pk).exists()
        assert not task.overdue_on(services.today())
    # 00:01 the next day in Beijing — still 10 June in UTC: overdue.
    with _at(datetime(2026, 6, 11, 0, 1, tzinfo=BEIJING)):
        assert services.overdue_tasks().filter(pk=task.pk).exists()
        assert task.overdue_on(services.today())
        figures = stats.compute(stats.Period(date(2026, 5, 1), date(2026, 6, 30)))
        assert figures["meetings"]["tasks"]["overdue"] == 1


def test_the_figures_are_counted_by_hand(personas, office, meeting):
    """Four tasks at a meeting yesterday: one done, one past due and open, two not yet due
    (one due today); a fifth at a meeting outside the period."""
    day = services.today()
    yesterday = day - timedelta(days=1)
    a = services.add_task(meeting, actor=office, data=task_data(personas, due_on=yesterday))
    services.add_task(meeting, actor=office, data=task_data(personas, due_on=day))
    services.add_task(meeting, actor=office, data=task_data(personas))
    b = services.add_task(meeting, actor=office, data=task_data(personas, due_on=yesterday))
    services.finish_task(b, actor=office, data={"result": "已办结"})
    old = services.save_meeting(
        actor=office,
        data={
            "held_on": day - timedelta(days=60),
            "title": "旧例会",
            "meeting_kind": "joint",
            "chair": personas[Role.LEADER].staff.pk,
        },
    )
    services.add_task(old, actor=office, data=task_data(personas, due_on=old.held_on))
    period = stats.Period(day - timedelta(days=30), day)
    found = stats.compute(period)["meetings"]
    assert found["held"] == 1
    assert found["tasks"] == {"set": 4, "open": 2, "done": 1, "overdue": 1, "done_rate": 0.25}
    assert stats.flat(stats.compute(period))["meetings.tasks.overdue"] == 1
    assert a.overdue_on(day)
    # Only a holder of assessment.view counts them.
    clerk = stats.compute(period, user=personas[Role.PETITION_CLERK])["meetings"]
    assert clerk["tasks"]["set"] == 0
    assert stats.compute(period, user=office)["meetings"]["tasks"]["set"] == 4


def test_the_next_meeting_shows_the_follow_through(personas, office, meeting):
    day = services.today()
    open_ = services.add_task(meeting, actor=office, data=task_data(personas))
    done = services.add_task(meeting, actor=office, data=task_data(personas))
    services.finish_task(done, actor=office, data={"result": "已办结"})
    following = services.save_meeting(
        actor=office,
        data={
            "held_on": day,
            "title": "下次例会",
            "meeting_kind": "regular",
            "chair": personas[Role.LEADER].staff.pk,
        },
    )
    earlier = services.follow_through(following)
    assert earlier["open"] == [open_] and earlier["done"] == [done]
    assert services.follow_through(meeting) == {"open": [], "done": []}
    # The chair is always an attendee.
    assert following.attendees.filter(pk=personas[Role.LEADER].staff.pk).exists()
