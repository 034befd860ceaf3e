"""Supervision orders (督办): issued by a leader, answered in writing, escalated, closed.

Who may do what:

* issue an order: a leader (``petitions.approve``) in their own name, or the office
  (``assessment.manage``) recording the order of a leader it names; the matters must be cases
  the issuer may see (``Case.objects.visible_to``), at least one. Each matter's timeline gets
  the leader's instruction (领导批示) as an event, in the same transaction;
* see an order: ``assessment.view``, or the target body's own staff (a grant on it);
* record the written feedback: the target body's own staff, or the office receiving it;
* escalate (约谈, 通报, 挂牌督办, 责令限期整改 — 条例 art. 39) and close: the office or a leader.

:func:`overdue_orders` lists the orders past their deadline without feedback (the dashboard's
and the bell's: :mod:`huiyin.assessment.reminders`).
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from huiyin.assessment import bodies
from huiyin.assessment.apps import SUPERVISION_EVENT
from huiyin.assessment.bodies import Body, body_fields
from huiyin.assessment.models import Escalation, Ground, Result, Step, SupervisionOrder
from huiyin.assessment.services.common import (
    LEADER_PERM,
    MANAGE_PERM,
    VIEW_PERM,
    AssessmentInvalid,
    Errors,
    check_version,
    may,
    today,
)
from huiyin.cases import bounds
from huiyin.cases.models import Case, CaseEvent
from huiyin.org import own_streets
from huiyin.org.models import RoleGrant, Staff, Street
from huiyin.org.numbering import SharedNumber, next_in_street
from huiyin.org.roles import Role
from huiyin.privacy.audit import record

MAX_MATTERS = 20

MSG_NO_MATTER = _("Name at least one matter (a case number) the order is about.")
MSG_MATTER = _("“%(number)s” is not a case you may see.")
MSG_TOO_MANY = _("An order names at most %(limit)s matters.")
MSG_LEADER = _("Choose the leader who issues the order.")
MSG_DEADLINE = _("The deadline cannot be before the day the order is issued.")
MSG_FEEDBACK_EARLY = _("The feedback cannot be dated before the order was issued.")
MSG_ANSWERED = _("The written feedback was recorded already.")
MSG_NO_FEEDBACK = _("An order is closed after its written feedback is recorded.")
MSG_CLOSED = _("The order is closed.")
MSG_BODY = _("Choose the community or unit the order goes to.")
MSG_BEFORE_ISSUED = _("The date cannot be before the order was issued.")


def may_issue(user) -> bool:
    return may(user, LEADER_PERM) or may(user, MANAGE_PERM)


def may_steer(user) -> bool:
    """Escalate and close: the office or a leader."""
    return may(user, MANAGE_PERM) or may(user, LEADER_PERM)


def may_see(user, order: SupervisionOrder) -> bool:
    return may(user, VIEW_PERM) or may_steer(user) or bodies.covers(user, bodies.of(order))


def may_answer(user, order: SupervisionOrder) -> bool:
    return may(user, MANAGE_PERM) or bodies.covers(user, bodies.of(order))


def visible_orders(user) -> QuerySet[SupervisionOrder]:
    """The orders the person may see: every one with assessment.view (or as the office or a
    leader), else those to the bodies of their own grants."""
    found = SupervisionOrder.objects.select_related("leader", "community", "unit")
    if may(user, VIEW_PERM) or may_steer(user):  # the orders of the person's own streets
        return found.filter(street_id__in=own_streets.street_ids(user))
    mine = bodies.covered(user)
    condition = Q(pk__in=[])
    for body in mine:
        condition |= Q(**body.filters())
    return found.filter(condition)


def overdue_orders(*, user=None, day: date | None = None) -> QuerySet[SupervisionOrder]:
    """Orders without written feedback whose deadline has passed (at the end of `day`, default
    today), the most overdue first; with `user`, those the person may see."""
    day = day or today()
    found = visible_orders(user) if user is not None else SupervisionOrder.objects.all()
    return found.filter(
        feedback_on__isnull=True, closed_on__isnull=True, deadline__lt=day
    ).order_by("deadline", "pk")


def leaders(user=None) -> QuerySet[Staff]:
    """The staff who hold the leader role (those an order may name as its issuer): in the
    person's streets when given."""
    grants = RoleGrant.objects.filter(role=Role.LEADER)
    if user is not None:
        grants = grants.filter(street_id__in=own_streets.street_ids(user))
    ids = grants.values("staff_id")
    return Staff.objects.filter(pk__in=ids).order_by("name")


def _matters(actor, given, errors: Errors) -> list[Case]:
    """The cases named (ids or numbers), each one the actor may see."""
    items = [str(v).strip()[:40] for v in (given or []) if str(v).strip()]
    items = list(dict.fromkeys(items))
    if not items:
        errors.add("cases", MSG_NO_MATTER)
        return []
    if len(items) > MAX_MATTERS:
        errors.add("cases", gettext(MSG_TOO_MANY) % {"limit": MAX_MATTERS})
        return []
    visible = Case.objects.visible_to(actor)
    found: list[Case] = []
    for item in items:
        pk = bounds.bounded_int(item, 1, bounds.MAX_ID)
        case = (visible.filter(pk=pk) if pk else visible.filter(number=item)).first()
        if case is None:
            errors.add("cases", gettext(MSG_MATTER) % {"number": item})
        else:
            found.append(case)
    return found


def _leader(actor, value, errors: Errors) -> Staff | None:
    if may(actor, LEADER_PERM) and not may(actor, MANAGE_PERM):
        staff = getattr(actor, "staff", None)
        if staff is None:
            errors.add("leader", MSG_LEADER)
        return staff
    pk = bounds.bounded_int(getattr(value, "pk", value), 1, bounds.MAX_ID)
    staff = leaders(actor).filter(pk=pk).first() if pk else None
    if staff is None and may(actor, LEADER_PERM):
        staff = getattr(actor, "staff", None)
    if staff is None:
        errors.add("leader", MSG_LEADER)
    return staff


def _number(street_short: str, year: int, seq: int) -> str:
    return f"{street_short}督〔{year}〕{seq:03d}号"


def issue_order(*, actor, data: dict, body: Body | None, request=None) -> SupervisionOrder:
    """Issue an order (see the module docstring); PermissionDenied for anyone else."""
    if not may_issue(actor):
        raise PermissionDenied
    errors = Errors()
    if body is None or not _of_streets(actor, body):
        errors.add("body", MSG_BODY)
    leader = _leader(actor, data.get("leader"), errors)
    cases = _matters(actor, data.get("cases"), errors)
    ground = errors.choice("ground", data.get("ground"), Ground.values)
    instruction = errors.text("instruction", data.get("instruction"), 2000, required=True)
    requirements = errors.text("requirements", data.get("requirements"), 4000, required=True)
    issued_on = errors.day("issued_on", data.get("issued_on") or today())
    deadline = errors.day("deadline", data.get("deadline"), future_ok=True)
    if issued_on and deadline and deadline < issued_on:
        errors.add("deadline", MSG_DEADLINE)
    errors.raise_if_any()
    street = _street(body)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                # Per street: each street's first order of a year is 001号.
                try:
                    seq, number = next_in_street(
                        SupervisionOrder,
                        street,
                        issued_on.year,
                        lambda n: _number(street.short_name or street.name, issued_on.year, n),
                    )
                except SharedNumber as clash:
                    raise AssessmentInvalid({"__all__": [clash.message]}) from None
                order = SupervisionOrder.objects.create(
                    street=street,
                    year=issued_on.year,
                    seq=seq,
                    number=number,
                    issued_on=issued_on,
                    leader=leader,
                    ground=ground,
                    instruction=instruction,
                    requirements=requirements,
                    deadline=deadline,
                    created_by=actor,
                    **body_fields(body),
                )
                order.cases.set(cases)
                CaseEvent.objects.bulk_create(
                    [
                        CaseEvent(
                            case=case,
                            actor=actor,
                            kind=SUPERVISION_EVENT,
                            note=instruction,
                            data={
                                "order": order.pk,
                                "number": order.number,
                                "leader": leader.name,
                                "deadline": deadline.isoformat(),
                            },
                        )
                        for case in cases
                    ]
                )
                record(
                    "supervision.issue",
                    actor=actor,
                    target=order,
                    diff={"cases": [c.pk for c in cases], "deadline": deadline.isoformat()},
                    request=request,
                )
            return order
        except IntegrityError:
            continue  # another order took the number meanwhile
    raise AssessmentInvalid({"__all__": [_("Please try again.")]})


def _of_streets(actor, body: Body) -> bool:
    """Whether the body is of one of the actor's streets (an order is never another's)."""
    from huiyin.org.models import Community, Unit

    model = Community if body.kind == bodies.COMMUNITY else Unit
    return own_streets.in_streets(model.objects.filter(pk=body.id), actor).exists()


def _street(body: Body) -> Street:
    """The street of the body the order goes to."""
    from huiyin.org.models import Community, Unit

    model = Community if body.kind == bodies.COMMUNITY else Unit
    return model.objects.select_related("street").get(pk=body.id).street


def _locked(order: SupervisionOrder, version, errors: Errors) -> SupervisionOrder:
    fresh = SupervisionOrder.objects.select_for_update().get(pk=order.pk)
    check_version(fresh, version, errors)
    if fresh.closed_on is not None:
        errors.add("__all__", MSG_CLOSED)
    return fresh


def record_feedback(
    order: SupervisionOrder, *, actor, data: dict, request=None
) -> SupervisionOrder:
    """The written feedback (书面反馈): what was done and whether the suggestions were adopted."""
    if not may_answer(actor, order):
        raise PermissionDenied
    errors = Errors()
    text = errors.text("feedback", data.get("feedback"), 4000, required=True)
    on = errors.day("feedback_on", data.get("feedback_on") or today())
    result = errors.choice(
        "result", data.get("result"), (Result.ADOPTED, Result.PARTLY, Result.NOT_ADOPTED)
    )
    if on and on < order.issued_on:
        errors.add("feedback_on", MSG_FEEDBACK_EARLY)
    with transaction.atomic():
        fresh = _locked(order, data.get("version"), errors)
        if fresh.feedback_on is not None:
            errors.add("__all__", MSG_ANSWERED)
        errors.raise_if_any()
        fresh.feedback, fresh.feedback_on, fresh.result = text, on, result
        fresh.feedback_by = actor
        fresh.version += 1
        fresh.save(update_fields=["feedback", "feedback_on", "result", "feedback_by", "version"])
        record(
            "supervision.step",
            actor=actor,
            target=fresh,
            diff={"feedback_on": on.isoformat(), "late": on > fresh.deadline, "result": result},
            request=request,
        )
    return fresh


def escalate(order: SupervisionOrder, *, actor, data: dict, request=None) -> Escalation:
    if not may_steer(actor):
        raise PermissionDenied
    errors = Errors()
    step = errors.choice("step", data.get("step"), Step.values)
    on = errors.day("on", data.get("on") or today())
    note = errors.text("note", data.get("note"), 2000)
    if on and on < order.issued_on:
        errors.add("on", MSG_BEFORE_ISSUED)
    with transaction.atomic():
        fresh = _locked(order, None, errors)
        errors.raise_if_any()
        row = Escalation.objects.create(order=fresh, step=step, on=on, note=note, recorded_by=actor)
        record(
            "supervision.step",
            actor=actor,
            target=fresh,
            diff={"escalation": step},
            request=request,
        )
    return row


def close_order(order: SupervisionOrder, *, actor, data: dict, request=None) -> SupervisionOrder:
    if not may_steer(actor):
        raise PermissionDenied
    errors = Errors()
    note = errors.text("result_note", data.get("result_note"), 2000, required=True)
    with transaction.atomic():
        fresh = _locked(order, data.get("version"), errors)
        if fresh.feedback_on is None:
            errors.add("__all__", MSG_NO_FEEDBACK)
        errors.raise_if_any()
        fresh.result_note, fresh.closed_on = note, today()
        fresh.version += 1
        fresh.save(update_fields=["result_note", "closed_on", "version"])
        record("supervision.step", actor=actor, target=fresh, diff={"closed": 1}, request=request)
    return fresh
