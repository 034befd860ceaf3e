"""The workflow engine: one declarative table of transitions per kind, one function to fire them.

A kind's app declares a :class:`Workflow` (its states and :class:`Transition` rows) and
registers it with :func:`register_workflow` in ``ready()``. Everything else goes through

    case = fire(case, "accept", actor=request.user, version=form_version, request=request,
                decided_on=date(2026, 3, 2))

which checks that the actor can see the case (else Http404, audited "access.denied"), that the
version is the one the user saw (else :class:`StaleCase`), the state, the actor's permission
over this case, the transition's precondition and its payload (else :class:`TransitionRefused`
with a translatable message) and then, in ONE transaction, changes the status and version,
applies the kind's handler (clocks, owner unit, the kind's record), writes one timeline event
and one audit entry. A refusal changes nothing and is audited "case.transition_refused" in a
transaction of its own, after the failed one has rolled back. Call ``fire`` outside any
``transaction.atomic`` block of your own (views must not use ATOMIC_REQUESTS), or the refusal's
audit entry rolls back with your block.

Hooks registered with :func:`on_transition` run after commit (notifications, reminders).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from huiyin.cases.calendar import for_street as street_calendar
from huiyin.cases.exceptions import CaseRefused, StaleCase, TransitionRefused
from huiyin.cases.models import Case, CaseEvent, _staff_id
from huiyin.org.access import Reach, reach_of

__all__ = [
    "Context",
    "StaleCase",
    "Transition",
    "TransitionRefused",
    "Workflow",
    "available_transitions",
    "event_label",
    "fire",
    "may_fire",
    "on_transition",
    "register_workflow",
    "status_label",
    "workflow_for",
]

log = logging.getLogger(__name__)

MSG_UNKNOWN_TRANSITION = _("This action does not exist.")
MSG_WITHDRAWN = _("This matter was withdrawn; nothing more can be done with it.")

#: Labels of the timeline events the core itself writes.
CORE_EVENTS: dict[str, Promise] = {
    "registered": _("Registered"),
    "imported": _("Imported"),
    "note": _("Note"),
    "updated": _("Details changed"),
    "withdrawn": _("Withdrawn"),
    "clock_started": _("Time limit started"),
    "attachment_added": _("Attachment added"),
    "attachment_withdrawn": _("Attachment withdrawn"),
}


@dataclass(frozen=True, eq=False)
class Transition:
    """One row of a kind's workflow table.

    `perms`: any one of them, within its scope over the case (or the case assigned to the
    person), lets the actor fire it. `requires` are payload keys that must be given and not
    blank; `optional` further keys accepted. `precondition(ctx)` returns a message when the
    transition is not possible now (it also hides it from :func:`available_transitions`);
    `clean(ctx)` validates ``ctx.payload`` into ``ctx.cleaned`` and raises
    TransitionRefused; `apply(ctx)` writes the kind-specific changes after the status update.
    `target` None keeps the status (e.g. an extension).
    """

    name: str
    sources: tuple[str, ...]
    target: str | None
    perms: tuple[str, ...]
    label: str | Promise
    requires: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    precondition: Callable[[Context], str | Promise | None] | None = None
    clean: Callable[[Context], None] | None = None
    apply: Callable[[Context], None] | None = None

    @property
    def accepts(self) -> tuple[str, ...]:
        return self.requires + self.optional


@dataclass(eq=False)
class Workflow:
    """The states and transitions of one kind of case."""

    kind: str
    states: type[models.TextChoices]
    initial: str
    final: frozenset[str]  # states in which the case is closed (closed_at set)
    transitions: tuple[Transition, ...]
    # `load_detail(case, lock)`: the kind's own record of the case (locked FOR UPDATE if asked).
    load_detail: Callable[[Case, bool], object] | None = None
    # Readable names of the payload keys, for "… is required" messages and forms.
    fields: Mapping[str, str | Promise] = field(default_factory=dict)
    events: Mapping[str, str | Promise] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_name: dict[str, Transition] = {}
        values = set(self.states.values)
        for t in self.transitions:
            if t.name in self.by_name:
                raise ValueError(f"transition {t.name!r} declared twice")
            bad = [s for s in (*t.sources, t.target) if s is not None and s not in values]
            if bad:
                raise ValueError(f"transition {t.name!r} names unknown states {bad}")
            self.by_name[t.name] = t
        if self.initial not in values or not self.final <= values:
            raise ValueError("initial and final states must be states of the workflow")


_workflows: dict[str, Workflow] = {}
_hooks: list[Callable[[CaseEvent], None]] = []


def register_workflow(workflow: Workflow) -> None:
    """Make `workflow` the table of its kind (apps call this in ``ready()``)."""
    _workflows[workflow.kind] = workflow


def workflow_for(kind: str) -> Workflow:
    try:
        return _workflows[kind]
    except KeyError:
        raise LookupError(f"no workflow registered for {kind!r} cases") from None


def on_transition(callback: Callable[[CaseEvent], None]) -> None:
    """Call ``callback(event)`` after every committed transition (notifications, reminders).

    The callback runs after commit: an exception in it is logged, never shown to the user.
    """
    if callback not in _hooks:
        _hooks.append(callback)


def status_label(kind: str, status: str) -> str:
    workflow = _workflows.get(kind)
    if workflow is not None:
        try:
            return str(workflow.states(status).label)
        except ValueError:
            pass
    return status


def event_label(kind: str, event_kind: str) -> str:
    workflow = _workflows.get(kind)
    if workflow is not None:
        if event_kind in workflow.by_name:
            return str(workflow.by_name[event_kind].label)
        if event_kind in workflow.events:
            return str(workflow.events[event_kind])
    return str(CORE_EVENTS.get(event_kind, event_kind))


# --------------------------------------------------------------------------- context


@dataclass(eq=False)
class Context:
    """What a transition's precondition, clean and apply functions get."""

    case: Case
    transition: Transition
    actor: object
    reach: Reach
    staff_id: int | None
    payload: dict
    detail: object | None = None
    request: object | None = None
    now: datetime = field(default_factory=timezone.now)
    cleaned: dict = field(default_factory=dict)
    note: str = ""  # the timeline event's text (a reason, a reply...)
    data: dict = field(default_factory=dict)  # the timeline event's data
    diff: dict = field(default_factory=dict)  # added to the audit entry's diff
    from_status: str = ""

    @property
    def today(self) -> date:
        return timezone.localdate(self.now)

    def update_case(self, **fields) -> None:
        """Change core fields of the case (owner unit, handler...) within the transition."""
        Case.objects.filter(pk=self.case.pk).update(**fields)
        for name, value in fields.items():
            attname = Case._meta.get_field(name).attname
            old = getattr(self.case, attname)
            setattr(self.case, name, value)
            new = getattr(self.case, attname)
            if old != new:
                self.diff[name] = [old, new]


# --------------------------------------------------------------------------- checks


def may_fire(reach: Reach, staff_id: int | None, case: Case, transition: Transition) -> bool:
    """Whether a person holds one of the transition's permissions over this case."""
    for perm in transition.perms:
        scope = reach.scope(perm)
        if scope.empty:
            continue
        if scope.covers(
            street_id=case.street_id,
            community_id=case.community_id,
            grid_id=case.grid_id,
            unit_id=case.owner_unit_id,
        ):
            return True
        if staff_id is not None and case.owner_id == staff_id:
            return True
    return False


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _refuse_state(transition: Transition, case: Case) -> TransitionRefused:
    return TransitionRefused(
        gettext("“%(action)s” is not possible while the matter is “%(status)s”.")
        % {"action": transition.label, "status": case.status_label}
    )


def _refuse_role(transition: Transition) -> TransitionRefused:
    return TransitionRefused(
        gettext("Your role does not allow “%(action)s” on this matter.")
        % {"action": transition.label}
    )


def _check(ctx: Context, workflow: Workflow) -> None:
    """Everything but the payload: state, role and scope, precondition."""
    case, transition = ctx.case, ctx.transition
    if case.withdrawn:
        raise TransitionRefused(MSG_WITHDRAWN)
    if case.status not in transition.sources:
        raise _refuse_state(transition, case)
    if not may_fire(ctx.reach, ctx.staff_id, case, transition):
        raise _refuse_role(transition)
    if transition.precondition is not None:
        message = transition.precondition(ctx)
        if message:
            raise TransitionRefused(message)


def available_transitions(case: Case, user) -> list[Transition]:
    """The transitions `user` may fire on `case` now, in table order (for the case page)."""
    workflow = _workflows.get(case.kind)
    if workflow is None or case.withdrawn:
        return []
    if not Case.objects.visible_to(user).filter(pk=case.pk).exists():
        return []
    reach, staff_id = reach_of(user), _staff_id(user)
    detail = workflow.load_detail(case, False) if workflow.load_detail else None
    result = []
    for transition in workflow.transitions:
        ctx = Context(case, transition, user, reach, staff_id, {}, detail=detail)
        try:
            _check(ctx, workflow)
        except TransitionRefused:
            continue
        result.append(transition)
    return result


# --------------------------------------------------------------------------- fire


def fire(
    case: Case,
    transition_name: str,
    *,
    actor,
    version: int | str | None,
    request=None,
    **payload,
) -> Case:
    """Fire a transition on a case and return the case as it now is (see the module docstring).

    `version` is the case version the user saw (a hidden form field). Raises Http404 when the
    case is not visible to `actor`; :class:`StaleCase` or :class:`TransitionRefused` (both
    :class:`~huiyin.cases.exceptions.CaseRefused`, with `.message`) when refused; TypeError for
    a payload key the transition does not take (a programming error).
    """
    workflow = workflow_for(case.kind)
    transition = workflow.by_name.get(transition_name)
    if transition is not None:
        unknown = set(payload) - set(transition.accepts)
        if unknown:
            raise TypeError(f"transition {transition_name!r} does not take {sorted(unknown)}")
    # The one door: outside the transaction, so an "access.denied" entry stays.
    visible = Case.objects.get_for_user(actor, case.pk)
    try:
        if transition is None:
            raise TransitionRefused(MSG_UNKNOWN_TRANSITION)
        # Every deadline the transition computes counts the case's own street's days.
        with transaction.atomic(), street_calendar(visible.street_id):
            result = _fire(workflow, transition, visible.pk, actor, version, request, payload)
    except CaseRefused as refusal:
        _record_refusal(visible, transition_name, actor, version, refusal, request)
        raise
    return result


def _parse_version(version) -> int | None:
    try:
        return int(version)
    except (TypeError, ValueError):
        return None


def _fire(
    workflow: Workflow,
    transition: Transition,
    pk: int,
    actor,
    version,
    request,
    payload: dict,
) -> Case:
    from huiyin.cases.clocks import refresh_due
    from huiyin.privacy.audit import record

    case = Case.objects.select_related("street").get(pk=pk)
    seen = _parse_version(version)
    if seen is None or seen != case.version:
        raise StaleCase()
    ctx = Context(
        case,
        transition,
        actor,
        reach_of(actor),
        _staff_id(actor),
        dict(payload),
        request=request,
        from_status=case.status,
    )
    ctx.detail = workflow.load_detail(case, True) if workflow.load_detail else None
    _check(ctx, workflow)
    for key in transition.requires:
        if _blank(payload.get(key)):
            raise TransitionRefused(
                gettext("Please fill in “%(field)s”.") % {"field": workflow.fields.get(key, key)}
            )
    if transition.clean is not None:
        transition.clean(ctx)

    target = transition.target or case.status
    updates: dict = {"status": target, "version": F("version") + 1, "updated_at": ctx.now}
    if transition.target is not None:
        updates["closed_at"] = ctx.now if target in workflow.final else None
    # Optimistic locking: the row changes only if nobody changed it since the user looked.
    if Case.objects.filter(pk=pk, version=seen).update(**updates) != 1:
        raise StaleCase()
    case.status, case.version, case.updated_at = target, seen + 1, ctx.now
    if "closed_at" in updates:
        case.closed_at = updates["closed_at"]

    if transition.apply is not None:
        transition.apply(ctx)
    refresh_due(case)
    event = CaseEvent.objects.create(
        case=case,
        # The moment the transition began: its event precedes the clocks it started.
        at=ctx.now,
        actor=actor,
        kind=transition.name,
        from_status=ctx.from_status,
        to_status=target,
        note=ctx.note,
        data=ctx.data,
    )
    diff = {"transition": transition.name, "status": [ctx.from_status, target], **ctx.diff}
    record("case.transition", actor=actor, target=case, diff=diff, request=request)
    for hook in _hooks:
        transaction.on_commit(partial(_run_hook, hook, event.pk))
    return Case.objects.select_related("street").get(pk=pk)


def _run_hook(hook: Callable[[CaseEvent], None], event_pk: int) -> None:
    try:
        hook(CaseEvent.objects.select_related("case").get(pk=event_pk))
    except Exception:
        log.exception("transition hook %r failed for event %s", hook, event_pk)


def _record_refusal(case: Case, name: str, actor, version, refusal: CaseRefused, request) -> None:
    from huiyin.privacy.audit import record

    current = Case.objects.filter(pk=case.pk).values("status", "version").first() or {}
    with transaction.atomic():
        record(
            "case.transition_refused",
            actor=actor,
            target=case,
            diff={
                "transition": name,
                "status": current.get("status"),
                "version": current.get("version"),
                "version_seen": version,
                "reason": str(refusal.message),
                "stale": isinstance(refusal, StaleCase),
            },
            request=request,
        )
