"""Demo data of the meetings: two regular meetings (例会) with tasks — at the first, one task
since done and one now overdue; the second, a fortnight later, reviews them (follow-through)
and sets a task on a matter of 城建办's.

`huiyin demo` calls :func:`load` after the petitions' demo. Idempotent: a second run adds
nothing. Everything goes through the services, by the 综治办 account (the office records
meetings); the overdue task's owner is 城建办's handler, who marks the other one done.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import User
from django.db import transaction

from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case
from huiyin.meetings.models import Meeting
from huiyin.meetings.services import add_agenda_item, add_task, finish_task, save_meeting, today
from huiyin.org.models import Unit


def _users() -> dict[str, User] | None:
    names = ("governance", "leader", "handler", "community1")
    found = {u.username: u for u in User.objects.filter(username__in=names).select_related("staff")}
    return found if len(found) == len(names) else None


def _matter() -> Case | None:
    unit = Unit.objects.filter(name="城建办").first()
    found = Case.objects.filter(kind=Kind.PETITION, withdrawn=False)
    if unit is not None and found.filter(owner_unit=unit).exists():
        found = found.filter(owner_unit=unit)
    return found.order_by("received_at", "pk").first()


def load(stdout) -> None:
    if Meeting.objects.exists():
        return
    users = _users()
    if users is None:
        return
    office, day = users["governance"], today()
    staff = {name: user.staff for name, user in users.items()}
    everyone = [s.pk for s in staff.values()]
    case = _matter()
    number = case.number if case else ""
    with transaction.atomic():
        first = save_meeting(
            actor=office,
            data={
                "held_on": day - timedelta(days=16),
                "title": "信访维稳工作例会",
                "meeting_kind": "regular",
                "place": "街道二楼会议室",
                "chair": staff["leader"].pk,
                "attendees": everyone,
                "decisions": "一、城建办牵头核实老旧小区楼道堆物问题并书面答复。\n"
                "二、柑子园社区对上月调解的邻里纠纷开展回访。",
            },
        )
        add_agenda_item(
            first,
            actor=office,
            data={"topic": "通报上周信访事项办理情况", "note": "逐件过办理时限。"},
        )
        add_agenda_item(
            first,
            actor=office,
            data={"topic": "研究老旧小区楼道堆物问题的处理", "case": number},
        )
        overdue = add_task(
            first,
            actor=office,
            data={
                "text": "核实楼道堆物情况，提出处理意见并书面答复",
                "action": "reply",
                "owner": staff["handler"].pk,
                "due_on": day - timedelta(days=6),
                "case": number,
            },
        )
        done = add_task(
            first,
            actor=office,
            data={
                "text": "对上月调解的邻里纠纷开展回访",
                "action": "follow_up",
                "owner": staff["community1"].pk,
                "due_on": day - timedelta(days=9),
            },
        )
        finish_task(
            done,
            actor=office,
            data={"done_on": day - timedelta(days=10), "result": "已回访，双方履行调解协议。"},
        )
        second = save_meeting(
            actor=office,
            data={
                "held_on": day - timedelta(days=2),
                "title": "信访维稳工作例会",
                "meeting_kind": "regular",
                "place": "街道二楼会议室",
                "chair": staff["leader"].pk,
                "attendees": everyone,
                "decisions": "一、城建办逾期未完成的答复任务，本周内办结。\n"
                "二、综治办协调城建办、社区对楼道堆物开展联合整治。",
            },
        )
        add_agenda_item(second, actor=office, data={"topic": "检查前次例会任务落实情况"})
        add_task(
            second,
            actor=office,
            data={
                "text": "协调城建办和社区开展楼道堆物联合整治",
                "action": "coordinate",
                "owner": staff["governance"].pk,
                "due_on": day + timedelta(days=12),
                "case": number,
            },
        )
    stdout.write(f"Meetings: 2 meetings, 3 tasks (one done, one overdue: {overdue.text}).\n")
