"""Incident services: registration, the workflow's steps as functions, the next of kin's reveal.

Each step fires its transition through :func:`huiyin.cases.workflow.fire` — the one door, the
state, role and payload checks, one transaction with the timeline event and the audit entry —
and returns the case as it now is. `version` is the case version the user saw; without it (the
demo, a test) the current version is taken. Raises TransitionRefused (with the message to
show), StaleCase, or Http404 when the case is not visible to `actor`.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case
from huiyin.cases.services import holds
from huiyin.cases.workflow import fire
from huiyin.incidents.models import Incident
from huiyin.incidents.registration import IncidentInvalid, register_incident
from huiyin.org.roles import Perm

__all__ = [
    "IncidentInvalid",
    "add_task",
    "conclude",
    "finish_task",
    "kin_identity",
    "may_see_kin",
    "record_report",
    "register_incident",
    "respond",
    "step",
]


def step(case: Case, name: str, actor, *, version=None, request=None, **payload) -> Case:
    """Fire transition `name` of the incident workflow (see the module docstring)."""
    if version is None:
        version = Case.objects.filter(pk=case.pk).values_list("version", flat=True).first()
    payload = {key: value for key, value in payload.items() if value is not None}
    return fire(case, name, actor=actor, version=version, request=request, **payload)


def respond(case: Case, actor, *, leader, measures: str = "", **kw) -> Case:
    return step(case, "respond", actor, leader=leader, measures=measures, **kw)


def record_report(
    case: Case, actor, *, kind, sent_at, recipient, channel, contents, seq=None, **kw
) -> Case:
    return step(
        case,
        "record_report",
        actor,
        kind=kind,
        sent_at=sent_at,
        recipient=recipient,
        channel=channel,
        contents=contents,
        seq=seq,
        **kw,
    )


def add_task(case: Case, actor, *, action, title, owner, due_at, **kw) -> Case:
    return step(
        case, "add_task", actor, action=action, task_title=title, owner=owner, due_at=due_at, **kw
    )


def finish_task(case: Case, actor, *, task, result, **kw) -> Case:
    return step(case, "finish_task", actor, task=getattr(task, "pk", task), result=result, **kw)


def conclude(case: Case, actor, *, outcome, aftermath: str = "", **kw) -> Case:
    return step(case, "conclude", actor, outcome=outcome, aftermath=aftermath, **kw)


def may_see_kin(user, case: Case) -> bool:
    """The next of kin in full: for those who handle the incident (INCIDENTS_REPORT over it)."""
    return holds(user, case, Perm.INCIDENTS_REPORT)


def kin_identity(request, pk: int) -> dict:
    """The next of kin's name and phone in full, audited "identity.view" (the values never in
    the entry); Http404 outside the door, PermissionDenied (audited) without the permission."""
    from huiyin.privacy.audit import record

    user = request.user
    case = Case.objects.filter(kind=Kind.INCIDENT).get_for_user(user, pk)
    if not may_see_kin(user, case):
        with transaction.atomic():
            record("access.denied", actor=user, target=case, diff={"fields": ["kin"]})
        raise PermissionDenied
    incident = Incident.objects.get(pk=case.pk)
    with transaction.atomic():
        record(
            "identity.view",
            actor=user,
            target=case,
            diff={"fields": ["kin_name", "kin_phone"]},
            request=request,
        )
    return {"name": incident.kin_name, "phone": incident.kin_phone}
