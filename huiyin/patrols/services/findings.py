"""A patrol finding becomes a rectification, a dispute or an incident — in one step.

* :func:`to_rectification` — a rectification task with its responsible party and deadline;
* :func:`to_dispute` — a dispute registered through the disputes kind (source "found on
  patrol"), the finding linked to it; its parties are added on the dispute's own page;
* :func:`to_incident` — an incident registered by the incidents kind when it offers a maker
  (:mod:`huiyin.patrols.hooks`), else :func:`link_case` links an incident already registered,
  by its number;
* :func:`mark_noted` — handled on the spot, with how.

Each moves the finding out of "open" once: a second step on the same finding is refused.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case
from huiyin.org.roles import Perm
from huiyin.patrols import access, hooks
from huiyin.patrols.models import Finding, FindingOutcome, Rectification
from huiyin.patrols.services.common import Errors, PatrolInvalid, day, now
from huiyin.patrols.services.patrols import _audit
from huiyin.screening import periods

TITLE_MAX = 200
PARTY_MAX = 100
BASIS_MAX = 200
NUMBER_MAX = 40

MSG_NOT_OPEN = _("This finding was already handled: %(outcome)s.")
MSG_DEADLINE_PAST = _("The deadline cannot be before today.")
MSG_NO_CASE = _("No %(kind)s numbered “%(number)s” that you may see was found.")
MSG_NO_INCIDENTS = _(
    "Incidents cannot be registered from here yet: register the incident, then link it by its"
    " number."
)
KIND_WORDS = {Kind.DISPUTE: _("dispute"), Kind.INCIDENT: _("incident")}


def _open(actor, finding: Finding, errors: Errors) -> None:
    if not access.may(actor, Perm.PATROLS_RECORD, finding.patrol):
        access.deny(actor, "patrol.finding.step")
    if finding.outcome != FindingOutcome.OPEN:
        errors.add("__all__", MSG_NOT_OPEN % {"outcome": finding.get_outcome_display()})
        errors.raise_if_any()


def _close(finding: Finding, outcome: str, **fields) -> None:
    """Move the finding out of "open" (a conditional UPDATE: a double tap changes it once)."""
    changed = Finding.objects.filter(pk=finding.pk, outcome=FindingOutcome.OPEN).update(
        outcome=outcome, **fields
    )
    if changed != 1:
        raise PatrolInvalid({"__all__": [MSG_NOT_OPEN % {"outcome": ""}]})
    finding.outcome = outcome
    for name, value in fields.items():
        setattr(finding, name, value)


def summary(finding: Finding) -> str:
    return f"{finding.get_kind_display()}：{finding.location}，{finding.description}"[:300]


def to_rectification(
    actor, finding: Finding, *, responsible_party: str, deadline, basis: str = "", request=None
) -> Rectification:
    errors = Errors()
    _open(actor, finding, errors)
    party = errors.text("responsible_party", responsible_party, PARTY_MAX, required=True)
    basis = errors.text("basis", basis, BASIS_MAX, matter=False)
    due = day(deadline, "deadline", errors, future_ok=True)
    if due is not None and due < bounds.today():
        errors.add("deadline", MSG_DEADLINE_PAST)
    errors.raise_if_any()
    patrol = finding.patrol
    with transaction.atomic():
        rectification = Rectification.objects.create(
            street_id=patrol.street_id,
            community_id=patrol.community_id,
            grid_id=patrol.grid_id,
            place=finding.place,
            item=summary(finding),
            basis=basis,
            responsible_party=party,
            deadline=due,
            created_by=actor,
            created_at=now(),
        )
        _close(finding, FindingOutcome.RECTIFICATION, rectification=rectification)
        _audit("patrol.finding.step", actor, finding, {"to": "rectification"}, request)
    return rectification


def to_dispute(
    actor, finding: Finding, *, title: str, category=None, people_count=None, request=None
) -> Case:
    """Register the dispute found (no parties yet: they are added on its page)."""
    from huiyin.disputes import services as disputes
    from huiyin.disputes.models import Source

    errors = Errors()
    _open(actor, finding, errors)
    title = errors.text("title", title, TITLE_MAX, required=True)
    errors.raise_if_any()
    patrol = finding.patrol
    with transaction.atomic():
        try:
            case = disputes.register_dispute(
                actor,
                title=title,
                description=f"{finding.location}：{finding.description}",
                community=patrol.community_id,
                grid=patrol.grid_id,
                category=category,
                source=Source.PATROL,
                received_on=periods.today(patrol.started_at),
                people_count=people_count,
                request=request,
            )
        except disputes.DisputeInvalid as invalid:
            raise PatrolInvalid(invalid.errors) from None
        _close(finding, FindingOutcome.DISPUTE, case=case)
        _audit("patrol.finding.step", actor, finding, {"to": "dispute", "case": case.number})
    return case


def to_incident(actor, finding: Finding, *, title: str, request=None) -> Case:
    """Register the incident through the incidents kind's maker (see huiyin.patrols.hooks)."""
    errors = Errors()
    _open(actor, finding, errors)
    title = errors.text("title", title, TITLE_MAX, required=True)
    maker = hooks.incident_maker()
    if maker is None:
        errors.add("__all__", MSG_NO_INCIDENTS)
    errors.raise_if_any()
    patrol = finding.patrol
    with transaction.atomic():
        case = maker(
            actor,
            title=title,
            description=f"{finding.location}：{finding.description}",
            community=patrol.community,
            grid=patrol.grid,
            happened_at=patrol.started_at,
            source="patrol",
            request=request,
        )
        _close(finding, FindingOutcome.INCIDENT, case=case)
        _audit("patrol.finding.step", actor, finding, {"to": "incident", "case": case.number})
    return case


def link_case(actor, finding: Finding, *, kind: str, number: str, request=None) -> Case:
    """Link a dispute or an incident already registered (one the actor may see)."""
    errors = Errors()
    _open(actor, finding, errors)
    if kind not in KIND_WORDS:
        errors.add("kind", _("Choose one of the options."))
        errors.raise_if_any()
    text = bounds.strip_nul(str(number or "")).strip()
    case = None
    if text and len(text) <= NUMBER_MAX:
        case = (
            Case.objects.visible_to(actor, kind=kind).filter(number=text, withdrawn=False).first()
        )
    if case is None:
        errors.add("number", MSG_NO_CASE % {"kind": KIND_WORDS[kind], "number": text[:NUMBER_MAX]})
        errors.raise_if_any()
    outcome = FindingOutcome.DISPUTE if kind == Kind.DISPUTE else FindingOutcome.INCIDENT
    with transaction.atomic():
        _close(finding, outcome, case=case)
        _audit("patrol.finding.step", actor, finding, {"to": kind, "case": case.number}, request)
    return case


def mark_noted(actor, finding: Finding, *, note: str, request=None) -> None:
    errors = Errors()
    _open(actor, finding, errors)
    note = errors.text("note", note, 300, required=True)
    errors.raise_if_any()
    with transaction.atomic():
        _close(finding, FindingOutcome.NOTED, outcome_note=note)
        _audit("patrol.finding.step", actor, finding, {"to": "noted"}, request)
