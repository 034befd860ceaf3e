"""Veto proposals (一票否决建议): proposed by the street, decided by the district.

* :func:`propose` (the office, ``assessment.manage``): the rule, the investigation and the
  matters the proposal rests on — incidents or disputes the proposer may see, or supervision
  orders to the body — at least one (:data:`MSG_NO_MATTER`). A petition is never a ground
  (:data:`MSG_PETITION`): a citizen's lawful petition cannot trigger a veto; a petition's
  handling failure enters through the supervision order issued on it.
* :func:`record_response`: the body's own response (its staff, or the office receiving it).
* :func:`send`: the day it went to the district, once the body was heard.
* :func:`record_decision`: the district's decision, its document and — when the veto was
  decided — the period it has effect. The street records it; it never decides.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from huiyin.assessment import bodies
from huiyin.assessment.bodies import Body, body_fields, of_streets
from huiyin.assessment.models import Decision, SupervisionOrder, VetoGround, VetoProposal
from huiyin.assessment.services.common import (
    MANAGE_PERM,
    MSG_OTHER_STREET,
    Errors,
    check_version,
    may,
    require,
)
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case
from huiyin.privacy.audit import record

MAX_MATTERS = 20
MSG_NO_MATTER = _(
    "A veto proposal rests on matters: name at least one incident, dispute or supervision "
    "order with the handling failure."
)
MSG_PETITION = _(
    "“%(number)s” is a petition: a citizen's petition is never a ground for a veto. Name the "
    "supervision order issued on its handling instead."
)
MSG_MATTER = _("“%(number)s” is not a case you may see.")
MSG_ORDER = _("“%(number)s” is not a supervision order to this community or unit.")
MSG_TOO_MANY = _("A proposal names at most %(limit)s matters.")
MSG_NOT_HEARD = _("Record the body's response before the proposal goes to the district.")
MSG_NOT_SENT = _("Record the day the proposal was sent to the district first.")
MSG_BEFORE = _("The date cannot be before %(day)s.")
MSG_EFFECT = _("A decided veto needs the first and last day of its effect.")
MSG_DECIDED = _("The district's decision is recorded; the proposal is closed.")
MSG_BODY = _("Choose the community or unit the proposal is about.")


def _items(given) -> list[str]:
    if isinstance(given, str):
        given = given.replace("，", ",").replace("\n", ",").split(",")
    return list(dict.fromkeys(str(v).strip()[:40] for v in (given or []) if str(v).strip()))


def _cases(actor, given, errors: Errors) -> list[Case]:
    found = []
    visible = Case.objects.visible_to(actor)
    for number in _items(given):
        case = visible.filter(number=number).first()
        if case is None:
            errors.add("cases", gettext(MSG_MATTER) % {"number": number})
        elif case.kind == Kind.PETITION:
            errors.add("cases", gettext(MSG_PETITION) % {"number": number})
        else:
            found.append(case)
    return found


def _orders(body: Body | None, given, errors: Errors) -> list[SupervisionOrder]:
    found = []
    for number in _items(given):
        order = (
            SupervisionOrder.objects.filter(number=number, **body.filters()).first()
            if body is not None
            else None
        )
        if order is None:
            errors.add("orders", gettext(MSG_ORDER) % {"number": number})
        else:
            found.append(order)
    return found


def propose(*, actor, data: dict, body: Body | None, request=None) -> VetoProposal:
    require(actor, MANAGE_PERM)
    errors = Errors()
    if body is None:
        errors.add("body", MSG_BODY)
    elif not of_streets(actor, body):
        errors.add("body", MSG_OTHER_STREET)
        body = None  # (nor its orders looked up)
    ground = errors.choice("ground", data.get("ground"), VetoGround.values)
    rule = errors.text("rule", data.get("rule"), 300, required=True)
    investigation = errors.text("investigation", data.get("investigation"), 4000, required=True)
    investigated_on = errors.day("investigated_on", data.get("investigated_on"))
    cases = _cases(actor, data.get("cases"), errors)
    orders = _orders(body, data.get("orders"), errors)
    if len(cases) + len(orders) > MAX_MATTERS:
        errors.add("cases", gettext(MSG_TOO_MANY) % {"limit": MAX_MATTERS})
    if not cases and not orders and "cases" not in errors and "orders" not in errors:
        errors.add("cases", MSG_NO_MATTER)
    errors.raise_if_any()
    with transaction.atomic():
        proposal = VetoProposal.objects.create(
            ground=ground,
            rule=rule,
            investigation=investigation,
            investigated_on=investigated_on,
            created_by=actor,
            **body_fields(body),
        )
        proposal.cases.set(cases)
        proposal.orders.set(orders)
        record(
            "assessment.veto",
            actor=actor,
            target=proposal,
            diff={"cases": [c.pk for c in cases], "orders": [o.pk for o in orders]},
            request=request,
        )
    return proposal


def _open(proposal: VetoProposal, version, errors: Errors) -> VetoProposal:
    fresh = VetoProposal.objects.select_for_update().get(pk=proposal.pk)
    check_version(fresh, version, errors)
    if fresh.decision != Decision.PENDING:
        errors.add("__all__", MSG_DECIDED)
    return fresh


def _save(fresh: VetoProposal, fields: dict, *, actor, request) -> VetoProposal:
    for name, value in fields.items():
        setattr(fresh, name, value)
    fresh.version += 1
    fresh.save(update_fields=[*fields, "version"])
    record(
        "assessment.veto",
        actor=actor,
        target=fresh,
        diff={k: str(v) for k, v in fields.items() if k != "response"},
        request=request,
    )
    return fresh


def may_respond(user, proposal: VetoProposal) -> bool:
    return may(user, MANAGE_PERM) or bodies.covers(user, bodies.of(proposal))


def record_response(proposal: VetoProposal, *, actor, data: dict, request=None) -> VetoProposal:
    if not may_respond(actor, proposal):
        raise PermissionDenied
    errors = Errors()
    response = errors.text("response", data.get("response"), 4000, required=True)
    on = errors.day("response_on", data.get("response_on"))
    with transaction.atomic():
        fresh = _open(proposal, data.get("version"), errors)
        if fresh.sent_on is not None:
            errors.add("__all__", MSG_DECIDED)
        errors.raise_if_any()
        return _save(fresh, {"response": response, "response_on": on}, actor=actor, request=request)


def send(proposal: VetoProposal, *, actor, data: dict, request=None) -> VetoProposal:
    require(actor, MANAGE_PERM)
    errors = Errors()
    on = errors.day("sent_on", data.get("sent_on"))
    district = errors.text("district_body", data.get("district_body"), 100, required=True)
    with transaction.atomic():
        fresh = _open(proposal, data.get("version"), errors)
        if not fresh.response_on:
            errors.add("__all__", MSG_NOT_HEARD)
        elif on and on < fresh.response_on:
            errors.add("sent_on", gettext(MSG_BEFORE) % {"day": fresh.response_on.isoformat()})
        errors.raise_if_any()
        return _save(
            fresh, {"sent_on": on, "district_body": district}, actor=actor, request=request
        )


def record_decision(proposal: VetoProposal, *, actor, data: dict, request=None) -> VetoProposal:
    require(actor, MANAGE_PERM)
    errors = Errors()
    decision = errors.choice(
        "decision", data.get("decision"), (Decision.APPROVED, Decision.REJECTED)
    )
    decided_on = errors.day("decided_on", data.get("decided_on"))
    ref = errors.text("decision_ref", data.get("decision_ref"), 100)
    start = errors.day("effective_from", data.get("effective_from"), required=False, future_ok=True)
    end = errors.day("effective_to", data.get("effective_to"), required=False, future_ok=True)
    if decision == Decision.APPROVED and (start is None or end is None):
        errors.add("effective_from", MSG_EFFECT)
    if start and end and end < start:
        errors.add("effective_to", gettext(MSG_BEFORE) % {"day": start.isoformat()})
    with transaction.atomic():
        fresh = _open(proposal, data.get("version"), errors)
        if not fresh.sent_on:
            errors.add("__all__", MSG_NOT_SENT)
        elif decided_on and decided_on < fresh.sent_on:
            errors.add("decided_on", gettext(MSG_BEFORE) % {"day": fresh.sent_on.isoformat()})
        errors.raise_if_any()
        fields = {
            "decision": decision,
            "decided_on": decided_on,
            "decision_ref": ref,
            "effective_from": start if decision == Decision.APPROVED else None,
            "effective_to": end if decision == Decision.APPROVED else None,
        }
        return _save(fresh, fields, actor=actor, request=request)
