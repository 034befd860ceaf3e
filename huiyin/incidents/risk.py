"""Risk notes (风险提示 / 苗头信息): recording one with its first resolution task, further tasks
and their results, closing it with the action taken and any report upward, and linking it to
the incident or dispute it turned into.

Who: Perm.INCIDENTS_REPORT over the note's place (the duty office anywhere, community and grid
workers in their area) records, closes and links; a task's owner records its result. Readers:
``RiskNote.objects.visible_to``. Every change writes an audit entry in its transaction.

A note is about a matter, a place or a project: its subject kind is one of those three and
neither its subject nor its description may carry a resident ID or a mobile number (a note is
never about a person). A note without a resolution task is refused, and one is closed only when
its tasks have their results.
"""

from __future__ import annotations

import re

from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds
from huiyin.cases.exceptions import CaseRefused, StaleCase, TransitionRefused
from huiyin.cases.kinds import Kind
from huiyin.incidents import checks
from huiyin.incidents.models import (
    Level,
    RiskNote,
    RiskStatus,
    RiskType,
    SubjectKind,
    Task,
    TaskAction,
)
from huiyin.incidents.registration import (
    Errors,
    check_scope,
    deny,
    linked_case,
    place_of,
    street_of,
)
from huiyin.org.access import reach_of
from huiyin.org.models import Staff
from huiyin.org.roles import Perm

MSG_PERSON = _(
    "A risk note is about a matter, a place or a project, never a person: leave out ID numbers "
    "and phone numbers."
)
MSG_OWNER = _("The owner must be a member of staff who may see this risk note.")
MSG_NO_PERM = _("Your role does not allow this on this risk note.")
MSG_CLOSED = _("This risk note is closed.")
MSG_OPEN_TASKS = _("%(count)s tasks are still open: record their results first.")
MSG_TASK = _("Choose an open task of this risk note.")
MSG_NOT_YOUR_TASK = _("Only the task's owner or whoever may close the note records its result.")
MSG_LINK = _("Choose a matter you may see, by its number.")
MSG_LINK_NONE = _("Name the incident or the dispute the note turned into.")

#: An 18-digit resident ID (or 15 digits of the old ones) or a mainland mobile number.
_IDENTITY = re.compile(r"(?<!\d)(\d{17}[\dXx]|\d{15}|1[3-9]\d{9})(?!\d)")


def names_a_person(text: str) -> bool:
    return bool(_IDENTITY.search(text or ""))


def may_change(user, note: RiskNote) -> bool:
    scope = reach_of(user).scope(Perm.INCIDENTS_REPORT)
    return scope.covers(
        street_id=note.street_id, community_id=note.community_id, grid_id=note.grid_id
    ) or (note.created_by_id == getattr(user, "pk", None) and not scope.empty)


def get_for_user(user, pk) -> RiskNote:
    """The note if `user` may see it; Http404 (audited) otherwise."""
    number = bounds.bounded_int(pk, 1, bounds.MAX_ID)
    note = RiskNote.objects.visible_to(user).filter(pk=number).first() if number else None
    if note is None:
        from huiyin.privacy.audit import record

        with transaction.atomic():
            record(
                "access.denied",
                actor=user if getattr(user, "is_authenticated", False) else None,
                target_label=f"risk note {str(pk)[:40]}",
            )
        raise Http404
    return note


def _task_fields(data, errors: Errors, *, note: RiskNote | None, actor) -> dict:
    c = {}
    c["action"] = errors.guard("action", checks.choice, data.get("action"), "action", TaskAction)
    c["title"] = errors.guard(
        "task_title", checks.text, data.get("task_title"), "task_title", required=True, limit=200
    )
    c["due_at"] = errors.guard(
        "due_at", checks.moment, data.get("due_at"), "due_at", future_ok=True
    )
    owner = None
    try:
        pk = checks.ident(data.get("owner"), "owner")
        owner = Staff.objects.filter(pk=pk, user__is_active=True).select_related("user").first()
    except CaseRefused:
        pass
    reach = reach_of(owner.user) if owner is not None else None
    seen = reach is not None and (
        reach.can(Perm.INCIDENTS_VIEW) or reach.can(Perm.INCIDENTS_REPORT)
    )
    if seen and note is not None:
        seen = RiskNote.objects.visible_to(owner.user).filter(pk=note.pk).exists()
    if not seen:
        errors.add("owner", MSG_OWNER)
    c["owner"] = owner
    return c


def create_risk_note(actor, *, request=None, **data) -> RiskNote:
    """Record a risk note with its first resolution task (``action``, ``task_title``,
    ``owner``, ``due_at``). Raises IncidentInvalid, PermissionDenied (audited)."""
    from huiyin.privacy.audit import record

    if not reach_of(actor).can(Perm.INCIDENTS_REPORT):
        deny(actor, "risk_note.create")
    errors = Errors()
    c: dict = {}
    c["subject_kind"] = errors.guard(
        "subject_kind", checks.choice, data.get("subject_kind"), "subject_kind", SubjectKind
    )
    c["subject"] = errors.guard(
        "subject", checks.text, data.get("subject"), "subject", required=True, limit=200
    )
    c["risk_type"] = errors.guard(
        "risk_type", checks.choice, data.get("risk_type"), "risk_type", RiskType
    )
    c["description"] = errors.guard(
        "description", checks.text, data.get("description"), "description", required=True
    )
    c["level"] = errors.guard("level", checks.choice, data.get("level"), "level", Level)
    c["place"] = (
        errors.guard("place", checks.text, data.get("place"), "place", limit=checks.MAX_LINE) or ""
    )
    c["noted_on"] = errors.guard(
        "noted_on", checks.day, data.get("noted_on"), "noted_on", today=bounds.today()
    )
    for key in ("subject", "description", "place"):
        if names_a_person(c.get(key) or ""):
            errors.add(key, MSG_PERSON)
    c["community"], c["grid"] = place_of(data, errors)
    task = _task_fields(data, errors, note=None, actor=actor)
    if names_a_person(task.get("title") or ""):
        errors.add("task_title", MSG_PERSON)
    street = street_of(c, actor)
    if street is None:
        errors.add("community", checks.MSG_REQUIRED % {"field": checks.label("community")})
    errors.raise_if_any()
    check_scope(actor, c, street)
    with transaction.atomic():
        note = RiskNote.objects.create(street=street, created_by=actor, **c)
        first = Task.objects.create(risk_note=note, created_by=actor, **task)
        record(
            "object.create",
            actor=actor,
            target=note,
            diff={"subject_kind": note.subject_kind, "level": note.level, "task": first.pk},
            request=request,
        )
    return note


def _locked(note: RiskNote, version) -> RiskNote:
    fresh = RiskNote.objects.select_for_update().get(pk=note.pk)
    if version is not None and str(version) != str(fresh.version):
        raise StaleCase()
    return fresh


def _bump(note: RiskNote, **fields) -> None:
    RiskNote.objects.filter(pk=note.pk).update(
        version=F("version") + 1, updated_at=timezone.now(), **fields
    )


def add_task(note: RiskNote, actor, *, version=None, request=None, **data) -> Task:
    from huiyin.privacy.audit import record

    note = get_for_user(actor, note.pk)
    if not may_change(actor, note):
        raise TransitionRefused(MSG_NO_PERM)
    errors = Errors()
    c = _task_fields(data, errors, note=note, actor=actor)
    if names_a_person(c.get("title") or ""):
        errors.add("task_title", MSG_PERSON)
    errors.raise_if_any()
    with transaction.atomic():
        fresh = _locked(note, version)
        if not fresh.is_open:
            raise TransitionRefused(MSG_CLOSED)
        task = Task.objects.create(risk_note=fresh, created_by=actor, **c)
        _bump(fresh)
        record("object.update", actor=actor, target=fresh, diff={"task": task.pk}, request=request)
    return task


def finish_task(note: RiskNote, actor, *, task, result, version=None, request=None) -> Task:
    from huiyin.privacy.audit import record

    note = get_for_user(actor, note.pk)
    pk = checks.ident(task, "task")
    text = checks.text(result, "result", required=True)
    staff_id = Staff.objects.filter(user=actor).values_list("pk", flat=True).first()
    with transaction.atomic():
        fresh = _locked(note, version)
        if not fresh.is_open:
            raise TransitionRefused(MSG_CLOSED)
        row = (
            Task.objects.select_for_update()
            .filter(pk=pk, risk_note=fresh, done_at__isnull=True)
            .first()
        )
        if row is None:
            raise TransitionRefused(MSG_TASK)
        if not (may_change(actor, fresh) or (staff_id is not None and row.owner_id == staff_id)):
            raise TransitionRefused(MSG_NOT_YOUR_TASK)
        row.done_at, row.done_by, row.result = timezone.now(), actor, text
        row.save(update_fields=["done_at", "done_by", "result"])
        _bump(fresh)
        record(
            "object.update", actor=actor, target=fresh, diff={"task_done": row.pk}, request=request
        )
    return row


def close_risk_note(
    note: RiskNote,
    actor,
    *,
    action_taken,
    reported_upward=False,
    reported_to="",
    reported_at=None,
    version=None,
    request=None,
) -> RiskNote:
    """Close with the action taken and, when made, the report upward (to whom, when)."""
    from huiyin.privacy.audit import record

    note = get_for_user(actor, note.pk)
    if not may_change(actor, note):
        raise TransitionRefused(MSG_NO_PERM)
    action = checks.text(action_taken, "action_taken", required=True)
    upward = checks.flag(reported_upward, "reported_upward")
    to = checks.text(reported_to, "reported_to", required=upward, limit=100) if upward else ""
    at = checks.moment(reported_at, "reported_at", required=upward) if upward else None
    with transaction.atomic():
        fresh = _locked(note, version)
        if not fresh.is_open:
            raise TransitionRefused(MSG_CLOSED)
        open_count = Task.objects.filter(risk_note=fresh, done_at__isnull=True).count()
        if open_count:
            raise TransitionRefused(str(MSG_OPEN_TASKS) % {"count": open_count})
        _bump(
            fresh,
            status=RiskStatus.CLOSED,
            action_taken=action,
            reported_upward=upward,
            reported_to=to,
            reported_at=at,
            closed_at=timezone.now(),
            closed_by=actor,
        )
        record(
            "object.update",
            actor=actor,
            target=fresh,
            diff={"status": [RiskStatus.OPEN, RiskStatus.CLOSED], "reported_upward": upward},
            request=request,
        )
    return RiskNote.objects.get(pk=note.pk)


def link_risk_note(
    note: RiskNote, actor, *, incident=None, dispute=None, version=None, request=None
) -> RiskNote:
    """Link the note to the incident or the dispute it turned into (a number or id the actor
    may see); the link may be made after the note is closed."""
    from huiyin.privacy.audit import record

    note = get_for_user(actor, note.pk)
    if not may_change(actor, note):
        raise TransitionRefused(MSG_NO_PERM)
    fields = {}
    for key, value, kind in (
        ("incident_case", incident, Kind.INCIDENT),
        ("dispute_case", dispute, Kind.DISPUTE),
    ):
        if checks.blank(value):
            continue
        found = linked_case(actor, value, kind)
        if found is None:
            raise TransitionRefused(MSG_LINK)
        fields[key] = found
    if not fields:
        raise TransitionRefused(MSG_LINK_NONE)
    with transaction.atomic():
        fresh = _locked(note, version)
        _bump(fresh, **fields)
        record(
            "object.update",
            actor=actor,
            target=fresh,
            diff={k: v.pk for k, v in fields.items()},
            request=request,
        )
    return RiskNote.objects.get(pk=note.pk)
