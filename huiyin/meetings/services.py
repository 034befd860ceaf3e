"""Meetings and their tasks: recording a meeting, its agenda and its tasks, marking a task done.

Who may do what (the assessment's permissions, :mod:`huiyin.assessment.services.common`):

* see meetings and every task: ``assessment.view``;
* record or change a meeting, its agenda and its tasks: ``assessment.manage`` (the office);
* mark a task done: the office, or the task's owner (their own Staff) — who also sees it.

A matter named on the agenda or by a task must be a case the person recording it may see
(``Case.objects.visible_to``). A task is a resolution action (:class:`Action`); any other type is
refused, and so is a task whose text is about watching a person (稳控, 看护 …): DESIGN.md
principle 1. Every change is one transaction and one audit entry.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from huiyin.assessment.services.common import (
    MANAGE_PERM,
    VIEW_PERM,
    AssessmentInvalid,
    Errors,
    check_version,
    may,
    today,
)
from huiyin.cases import bounds
from huiyin.cases.models import Case
from huiyin.meetings.models import (
    Action,
    AgendaItem,
    Meeting,
    MeetingKind,
    MeetingTask,
    TaskStatus,
)
from huiyin.org.models import Staff, Street
from huiyin.org.numbering import SharedNumber, next_in_street
from huiyin.patrols.trust_words import PERSON_WORDS
from huiyin.privacy.audit import record

__all__ = [
    "MeetingInvalid",
    "add_agenda_item",
    "add_task",
    "finish_task",
    "follow_through",
    "may_finish",
    "may_manage",
    "may_see_task",
    "may_view",
    "overdue_tasks",
    "remove_agenda_item",
    "save_meeting",
    "staff_choices",
    "tasks_of",
    "visible_tasks",
]

MeetingInvalid = AssessmentInvalid

MAX_ATTENDEES = 200
MAX_AGENDA = 50
MAX_TASKS = 100
#: A task is about watching a person when its text holds one of these (no 稳控, no 看护).
WATCH_WORDS = (*PERSON_WORDS, "看护", "盯控", "盯防")

MSG_CHAIR = _("Choose the staff member who chairs the meeting.")
MSG_ATTENDEE = _("Choose the attendees from the staff list.")
MSG_TOO_MANY_ATTENDEES = _("A meeting has at most %(limit)s attendees.")
MSG_NO_STREET = _("The street office is not set up yet.")
MSG_MATTER = _("“%(number)s” is not a case you may see.")
MSG_ACTION = _(
    "A task is a resolution action: investigate, reply, mediate, rectify, coordinate, "
    "follow-up visit or another action that resolves the matter."
)
MSG_WATCH = _(
    "A task resolves a matter; it never watches a person (no 稳控, no 看护). "
    "Describe what will be done about the matter."
)
MSG_OWNER = _("Choose the staff member who owns the task.")
MSG_DUE = _("The due date cannot be before the meeting.")
MSG_DONE_EARLY = _("A task cannot be done before the meeting that set it.")
MSG_DONE = _("The task is done already.")
MSG_FULL_AGENDA = _("A meeting has at most %(limit)s agenda items.")
MSG_FULL_TASKS = _("A meeting has at most %(limit)s tasks.")


# --------------------------------------------------------------------------- who may


def may_view(user) -> bool:
    return may(user, VIEW_PERM)


def may_manage(user) -> bool:
    return may(user, MANAGE_PERM)


def _owns(user, task: MeetingTask) -> bool:
    staff = getattr(user, "staff", None) if getattr(user, "is_authenticated", False) else None
    return staff is not None and task.owner_id == staff.pk


def may_see_task(user, task: MeetingTask) -> bool:
    return may_view(user) or _owns(user, task)


def may_finish(user, task: MeetingTask) -> bool:
    return may_manage(user) or _owns(user, task)


# --------------------------------------------------------------------------- reading


def staff_choices(user=None) -> QuerySet[Staff]:
    """The staff a meeting may name (chair, attendees, owners): active accounts, of the
    person's streets when given."""
    from huiyin.org import own_streets

    return own_streets.staff(user).filter(user__is_active=True).order_by("name", "pk")


def visible_tasks(user) -> QuerySet[MeetingTask]:
    """Every task with assessment.view; otherwise the person's own."""
    found = MeetingTask.objects.select_related("meeting", "owner", "case")
    if may_view(user):  # the tasks of the person's own streets' meetings
        from huiyin.org.access import reach_of

        return found.filter(meeting__street_id__in=reach_of(user).street_ids)
    staff = getattr(user, "staff", None) if getattr(user, "is_authenticated", False) else None
    return found.filter(owner=staff) if staff is not None else found.none()


def overdue_tasks(*, day: date | None = None) -> QuerySet[MeetingTask]:
    """Open tasks whose due date is before `day` (default: today in Beijing)."""
    day = day or today()
    return MeetingTask.objects.filter(status=TaskStatus.OPEN, due_on__lt=day)


def tasks_of(meeting: Meeting) -> list[MeetingTask]:
    return list(meeting.tasks.select_related("owner", "case").order_by("due_on", "pk"))


def _earlier(meeting: Meeting) -> Q:
    return Q(meeting__held_on__lt=meeting.held_on) | Q(
        meeting__held_on=meeting.held_on, meeting__pk__lt=meeting.pk
    )


def follow_through(meeting: Meeting) -> dict[str, list[MeetingTask]]:
    """What earlier meetings decided, as this meeting reviews it: the tasks still open, and
    those done since the meeting before this one (or in the 30 days before it)."""
    # The meeting's own street's earlier meetings: never another street's tasks.
    earlier = MeetingTask.objects.filter(
        _earlier(meeting), meeting__street_id=meeting.street_id
    ).select_related("meeting", "owner", "case")
    previous = (
        Meeting.objects.filter(
            Q(held_on__lt=meeting.held_on) | Q(held_on=meeting.held_on, pk__lt=meeting.pk),
            street_id=meeting.street_id,
        )
        .order_by("-held_on", "-pk")
        .first()
    )
    since = previous.held_on if previous else meeting.held_on - timedelta(days=30)
    return {
        "open": list(earlier.filter(status=TaskStatus.OPEN).order_by("due_on", "pk")),
        "done": list(
            earlier.filter(status=TaskStatus.DONE, done_on__gte=since).order_by("-done_on", "pk")
        ),
    }


# --------------------------------------------------------------------------- input


def _staff(actor, value, errors: Errors, key: str, message) -> Staff | None:
    pk = bounds.bounded_int(getattr(value, "pk", value), 1, bounds.MAX_ID)
    found = staff_choices(actor).filter(pk=pk).first() if pk else None
    if found is None:
        errors.add(key, message)
    return found


def _attendees(actor, values, errors: Errors) -> list[Staff]:
    values = values or []
    if isinstance(values, str | int):
        values = [values]
    pks = []
    for value in values:
        pk = bounds.bounded_int(getattr(value, "pk", value), 1, bounds.MAX_ID)
        if pk is None:
            errors.add("attendees", MSG_ATTENDEE)
            return []
        pks.append(pk)
    pks = list(dict.fromkeys(pks))
    if len(pks) > MAX_ATTENDEES:
        errors.add("attendees", gettext(MSG_TOO_MANY_ATTENDEES) % {"limit": MAX_ATTENDEES})
        return []
    found = list(staff_choices(actor).filter(pk__in=pks))
    if len(found) != len(pks):
        errors.add("attendees", MSG_ATTENDEE)
    return found


def _case(actor, value, errors: Errors, key: str = "case") -> Case | None:
    """The case named by number (or id), which `actor` must be allowed to see; None for none."""
    item = bounds.strip_nul(str(getattr(value, "number", value) or "")).strip()[:40]
    if not item:
        return None
    visible = Case.objects.visible_to(actor)
    found = visible.filter(number=item).first()
    if found is None and item.isdigit():
        pk = bounds.bounded_int(item, 1, bounds.MAX_ID)
        found = visible.filter(pk=pk).first() if pk else None
    if found is None:
        errors.add(key, gettext(MSG_MATTER) % {"number": item})
    return found


def _street(actor) -> Street | None:
    """The street the meeting is of: the one the actor works in (else the first of the
    actor's streets): always one the actor holds."""
    from huiyin.org import own_streets, streets

    mine = own_streets.street_ids(actor)
    street = streets.street_of(actor)
    if street is None or street.pk not in mine:
        street = Street.objects.filter(pk__in=mine).order_by("pk").first()
    return street


def _number(street: Street, year: int, seq: int) -> str:
    return f"{street.short_name or street.name}会纪〔{year}〕{seq}号"


# --------------------------------------------------------------------------- meetings


def save_meeting(*, actor, data: dict, meeting: Meeting | None = None, request=None) -> Meeting:
    """Record a meeting (``meeting`` None) or change one: date, title, kind, place, chair,
    attendees, decisions. The chair is always among the attendees."""
    if not may_manage(actor):
        raise PermissionDenied
    errors = Errors()
    held_on = errors.day("held_on", data.get("held_on"), future_ok=True)
    title = errors.text("title", data.get("title"), 120, required=True)
    kind = errors.choice("meeting_kind", data.get("meeting_kind"), MeetingKind.values)
    place = errors.text("place", data.get("place"), 80)
    decisions = errors.text("decisions", data.get("decisions"), 8000)
    chair = _staff(actor, data.get("chair"), errors, "chair", MSG_CHAIR)
    attendees = _attendees(actor, data.get("attendees"), errors)
    if chair is not None and chair not in attendees:
        attendees.append(chair)
    if len(attendees) > MAX_ATTENDEES:
        errors.add("attendees", gettext(MSG_TOO_MANY_ATTENDEES) % {"limit": MAX_ATTENDEES})
    fields = {
        "held_on": held_on,
        "title": title,
        "meeting_kind": kind,
        "place": place,
        "decisions": decisions,
        "chair": chair,
    }
    if meeting is not None:
        with transaction.atomic():
            fresh = Meeting.objects.select_for_update().get(pk=meeting.pk)
            check_version(fresh, data.get("version"), errors)
            if held_on and fresh.tasks.filter(due_on__lt=held_on).exists():
                errors.add("held_on", MSG_DUE)
            errors.raise_if_any()
            before = {"held_on": fresh.held_on.isoformat(), "title": fresh.title}
            for name, value in fields.items():
                setattr(fresh, name, value)
            fresh.version += 1
            fresh.save()
            fresh.attendees.set(attendees)
            record(
                "meeting.save",
                actor=actor,
                target=fresh,
                diff={
                    "before": before,
                    "held_on": held_on.isoformat(),
                    "attendees": [s.pk for s in attendees],
                },
                request=request,
            )
        return fresh
    street = _street(actor)
    if street is None:
        errors.add("__all__", MSG_NO_STREET)
    errors.raise_if_any()
    for _attempt in range(3):
        try:
            with transaction.atomic():
                # Per street: each street's first meeting of a year is 1号.
                try:
                    seq, number = next_in_street(
                        Meeting, street, held_on.year, lambda n: _number(street, held_on.year, n)
                    )
                except SharedNumber as clash:
                    raise MeetingInvalid({"__all__": [clash.message]}) from None
                created = Meeting.objects.create(
                    street=street,
                    year=held_on.year,
                    seq=seq,
                    number=number,
                    created_by=actor,
                    **fields,
                )
                created.attendees.set(attendees)
                record(
                    "meeting.save",
                    actor=actor,
                    target=created,
                    diff={"held_on": held_on.isoformat(), "attendees": [s.pk for s in attendees]},
                    request=request,
                )
            return created
        except IntegrityError:
            continue  # another meeting took the number meanwhile
    raise MeetingInvalid({"__all__": [_("Please try again.")]})


def add_agenda_item(meeting: Meeting, *, actor, data: dict, request=None) -> AgendaItem:
    """An agenda item: its topic, optionally the matter (a case the actor may see)."""
    if not may_manage(actor):
        raise PermissionDenied
    errors = Errors()
    topic = errors.text("topic", data.get("topic"), 200, required=True)
    note = errors.text("note", data.get("note"), 4000)
    case = _case(actor, data.get("case"), errors)
    with transaction.atomic():
        fresh = Meeting.objects.select_for_update().get(pk=meeting.pk)
        count = fresh.agenda.count()
        if count >= MAX_AGENDA:
            errors.add("__all__", gettext(MSG_FULL_AGENDA) % {"limit": MAX_AGENDA})
        errors.raise_if_any()
        top = fresh.agenda.aggregate(top=Max("order"))["top"] or 0
        item = AgendaItem.objects.create(
            meeting=fresh, order=top + 1, topic=topic, case=case, note=note
        )
        record(
            "meeting.agenda",
            actor=actor,
            target=fresh,
            diff={"added": item.pk, "case": case.pk if case else None},
            request=request,
        )
    return item


def remove_agenda_item(item: AgendaItem, *, actor, request=None) -> None:
    if not may_manage(actor):
        raise PermissionDenied
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=item.meeting_id)
        record(
            "meeting.agenda",
            actor=actor,
            target=meeting,
            diff={"removed": item.pk, "topic": item.topic[:80]},
            request=request,
        )
        AgendaItem.objects.filter(pk=item.pk).delete()


# --------------------------------------------------------------------------- tasks


def watch_problem(text: str):
    """Why `text` is not a resolution task (it is about watching a person), or None."""
    return MSG_WATCH if any(word in text for word in WATCH_WORDS) else None


def add_task(meeting: Meeting, *, actor, data: dict, request=None) -> MeetingTask:
    """A task decided at `meeting`: a resolution action (any other type refused), its owner
    (staff), due date (not before the meeting) and optionally the matter it resolves."""
    if not may_manage(actor):
        raise PermissionDenied
    errors = Errors()
    text = errors.text("text", data.get("text"), 300, required=True)
    problem = watch_problem(text)
    if problem:
        errors.add("text", problem)
    action = str(data.get("action") or "")[:40]
    if action not in Action.values:
        errors.add("action", MSG_ACTION)
    owner = _staff(actor, data.get("owner"), errors, "owner", MSG_OWNER)
    due_on = errors.day("due_on", data.get("due_on"), future_ok=True)
    if due_on and due_on < meeting.held_on:
        errors.add("due_on", MSG_DUE)
    case = _case(actor, data.get("case"), errors)
    with transaction.atomic():
        fresh = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if fresh.tasks.count() >= MAX_TASKS:
            errors.add("__all__", gettext(MSG_FULL_TASKS) % {"limit": MAX_TASKS})
        errors.raise_if_any()
        task = MeetingTask.objects.create(
            meeting=fresh,
            text=text,
            action=action,
            owner=owner,
            due_on=due_on,
            case=case,
            created_by=actor,
        )
        record(
            "meeting.task",
            actor=actor,
            target=task,
            diff={
                "meeting": fresh.pk,
                "action": action,
                "owner": owner.pk,
                "due_on": due_on.isoformat(),
                "case": case.pk if case else None,
            },
            request=request,
        )
    return task


def finish_task(task: MeetingTask, *, actor, data: dict, request=None) -> MeetingTask:
    """Mark a task done (its owner or the office): the day (not in the future, not before
    the meeting) and the result."""
    if not may_finish(actor, task):
        raise PermissionDenied
    errors = Errors()
    done_on = errors.day("done_on", data.get("done_on") or today())
    result = errors.text("result", data.get("result"), 2000, required=True)
    if done_on and done_on < task.meeting.held_on:
        errors.add("done_on", MSG_DONE_EARLY)
    with transaction.atomic():
        fresh = MeetingTask.objects.select_for_update().get(pk=task.pk)
        check_version(fresh, data.get("version"), errors)
        if fresh.status == TaskStatus.DONE:
            errors.add("__all__", MSG_DONE)
        errors.raise_if_any()
        fresh.status, fresh.done_on, fresh.result, fresh.done_by = (
            TaskStatus.DONE,
            done_on,
            result,
            actor,
        )
        fresh.version += 1
        fresh.save(update_fields=["status", "done_on", "result", "done_by", "version"])
        record(
            "meeting.task_done",
            actor=actor,
            target=fresh,
            diff={"done_on": done_on.isoformat(), "late": done_on > fresh.due_on},
            request=request,
        )
    return fresh
