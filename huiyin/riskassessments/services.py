"""Decision risk assessments: every change, its checks, its one transaction and its audit entry.

Who may do what: reading needs ``assessment.view``; every change ``assessment.manage`` (the
综治办). Views call these and show the refusals (:class:`AssessmentInvalid`, nothing written).

The rules (重大行政决策程序暂行条例 art. 22–24, 参照 art. 42; 中办发〔2012〕2号):

* consultations are aggregates by stakeholder group — participants ≥ 1, and those for,
  against and neutral add up to at most the participants; never a name;
* a risk point is an issue, never a person (the words for watching people, ID and phone
  numbers are refused, as in a patrol's finding); likelihood and impact 1–5;
* concluding needs at least one consultation and the whole four-dimension review;
* a decision needs the conclusion, and stays within what its level allows;
* a measure is overdue when still open after its due day (Beijing).
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from huiyin.assessment.services.common import (
    MANAGE_PERM,
    VIEW_PERM,
    AssessmentInvalid,
    Errors,
    check_version,
    may,
)
from huiyin.assessment.services.common import today as _today
from huiyin.cases import bounds
from huiyin.org import own_streets, streets
from huiyin.org.models import Staff, Street
from huiyin.org.numbering import SharedNumber, next_in_street
from huiyin.patrols.rules import identity_problem
from huiyin.privacy.audit import record
from huiyin.riskassessments import levels
from huiyin.riskassessments.models import (
    DIMENSIONS,
    MAX_PARTICIPANTS,
    AssessorKind,
    Consultation,
    DecisionTaken,
    Finding,
    Measure,
    MeasureStatus,
    Method,
    RiskAssessment,
    RiskPoint,
    Status,
)

__all__ = [
    "AssessmentInvalid",
    "add_consultation",
    "add_measure",
    "add_risk_point",
    "conclude",
    "create_assessment",
    "decide",
    "may_manage",
    "may_view",
    "measures_of",
    "overdue_measures",
    "record_review",
    "today",
    "update_assessment",
    "update_measure",
]

MAX_RISK_POINTS = 50

MSG_BODY = _("Choose the responsible unit or name the responsible body.")
MSG_LEADER = _("Choose the responsible leader.")
MSG_STAFF = _("Choose a member of staff.")
MSG_NO_STREET = _("Set up the street first.")
MSG_COUNTS = _(
    "Those in favour, against and neutral add up to %(total)s, more than the %(participants)s "
    "participants."
)
MSG_NEEDS_CONSULTATION = _("Record at least one consultation before concluding.")
MSG_NEEDS_REVIEW = _(
    "Record the review of legality, reasonableness, feasibility and controllability before "
    "concluding."
)
MSG_CONCLUDED = _("The assessment is concluded; its record can no longer change.")
MSG_NOT_CONCLUDED = _("A decision is recorded only after the assessment is concluded.")
MSG_DECIDED = _("The decision was recorded already.")
MSG_LEVEL = _("Choose one of the configured risk levels.")
MSG_NOT_ALLOWED = _("At risk level “%(level)s” the decision can only be: %(allowed)s.")
MSG_BEFORE = _("The date cannot be before %(day)s.")
MSG_TOO_MANY = _("An assessment holds at most %(limit)s risk points.")
MSG_DONE_ON = _("Give the day the measure was done.")


def today() -> date:
    """Today in Beijing."""
    return _today()


def may_view(user) -> bool:
    return may(user, VIEW_PERM) or may(user, MANAGE_PERM)


def may_manage(user) -> bool:
    return may(user, MANAGE_PERM)


def _require_manage(user) -> None:
    if not may_manage(user):
        raise PermissionDenied


def _matter_text(errors: Errors, key: str, value, limit: int, *, required: bool = False) -> str:
    """Text about the matter: bounded, and refused when it names or watches a person."""
    text = errors.text(key, value, limit, required=required)
    problem = identity_problem(text)
    if problem is not None:
        errors.add(key, problem)
    return text


def _staff(actor, errors: Errors, key: str, value, message=MSG_STAFF) -> Staff | None:
    """A member of staff of the actor's streets (another street's is as unknown)."""
    pk = bounds.bounded_int(getattr(value, "pk", value), 1, bounds.MAX_ID)
    found = own_streets.staff(actor).filter(pk=pk).first() if pk else None
    if found is None:
        errors.add(key, message)
    return found


def _count(errors: Errors, key: str, value, low: int, high: int, *, required: bool = True) -> int:
    number = errors.number(key, value, low, high, required=required)
    if number is not None and number != int(number):
        errors.add(key, gettext("Enter a whole number."))
        return 0
    return int(number) if number is not None else 0


def _basics(actor, data: dict, errors: Errors) -> dict:
    unit = None
    unit_pk = bounds.bounded_int(
        getattr(data.get("unit"), "pk", data.get("unit")), 1, bounds.MAX_ID
    )
    if unit_pk:
        # A unit of the actor's streets only: the assessment takes the unit's street.
        unit = own_streets.units(actor).select_related("street").filter(pk=unit_pk).first()
        if unit is None:
            errors.add("unit", MSG_BODY)
    body_name = errors.text("body_name", data.get("body_name"), 100)
    if unit is None and not body_name:
        errors.add("body_name", MSG_BODY)
    return {
        "title": _matter_text(errors, "title", data.get("title"), 200, required=True),
        "description": _matter_text(
            errors, "description", data.get("description"), 4000, required=True
        ),
        "unit": unit,
        "body_name": body_name,
        "leader": _staff(actor, errors, "leader", data.get("leader"), MSG_LEADER),
        "assessor_kind": errors.choice(
            "assessor_kind", data.get("assessor_kind"), AssessorKind.values
        ),
        "assessor_name": errors.text(
            "assessor_name", data.get("assessor_name"), 100, required=True
        ),
        "plan": _matter_text(errors, "plan", data.get("plan"), 4000, required=True),
        "response_plan": _matter_text(errors, "response_plan", data.get("response_plan"), 4000),
        "opened_on": errors.day("opened_on", data.get("opened_on") or today()),
    }


def _number(street: Street, year: int, seq: int) -> str:
    return f"{street.short_name or street.name}稳评〔{year}〕{seq:03d}号"


def create_assessment(*, actor, data: dict, request=None) -> RiskAssessment:
    """A new assessment (draft), numbered 浓洄稳评〔2026〕001号."""
    _require_manage(actor)
    errors = Errors()
    fields = _basics(actor, data, errors)
    # The unit's street, else the one the actor works in (else the first of the actor's
    # streets): always one the actor holds.
    mine = own_streets.street_ids(actor)
    street = fields["unit"].street if fields["unit"] else streets.street_of(actor)
    if street is None or street.pk not in mine:
        street = Street.objects.filter(pk__in=mine).order_by("pk").first()
    if street is None:
        errors.add("__all__", MSG_NO_STREET)
    errors.raise_if_any()
    year = fields["opened_on"].year
    for _attempt in range(3):
        try:
            with transaction.atomic():
                # Per street: each street's first assessment of a year is 001号.
                try:
                    seq, number = next_in_street(
                        RiskAssessment, street, year, lambda n: _number(street, year, n)
                    )
                except SharedNumber as clash:
                    raise AssessmentInvalid({"__all__": [clash.message]}) from None
                found = RiskAssessment.objects.create(
                    year=year,
                    seq=seq,
                    number=number,
                    street=street,
                    created_by=actor,
                    **fields,
                )
                record(
                    "riskassessment.create",
                    actor=actor,
                    target=found,
                    diff={"title": found.title},
                    request=request,
                )
            return found
        except IntegrityError:
            continue  # another assessment took the number meanwhile
    raise AssessmentInvalid({"__all__": [_("Please try again.")]})


def _locked(assessment: RiskAssessment, version, errors: Errors) -> RiskAssessment:
    fresh = RiskAssessment.objects.select_for_update().get(pk=assessment.pk)
    check_version(fresh, version, errors)
    return fresh


def _bump(row: RiskAssessment, fields: list[str]) -> None:
    row.version += 1
    row.save(update_fields=[*fields, "version"])


def update_assessment(
    assessment: RiskAssessment, *, actor, data: dict, request=None
) -> RiskAssessment:
    """Change the decision, the bodies, the assessor or the plan — until it is concluded."""
    _require_manage(actor)
    errors = Errors()
    fields = _basics(actor, data, errors)
    with transaction.atomic():
        fresh = _locked(assessment, data.get("version"), errors)
        if fresh.reached(Status.CONCLUDED):
            errors.add("__all__", MSG_CONCLUDED)
        errors.raise_if_any()
        changed = [k for k, v in fields.items() if getattr(fresh, k) != v]
        for key in changed:
            setattr(fresh, key, fields[key])
        _bump(fresh, changed)
        record(
            "riskassessment.change",
            actor=actor,
            target=fresh,
            diff={"changed": changed},
            request=request,
        )
    return fresh


def add_consultation(
    assessment: RiskAssessment, *, actor, data: dict, request=None
) -> Consultation:
    """One consultation, in aggregate; a draft moves to consulting."""
    _require_manage(actor)
    errors = Errors()
    method = errors.choice("method", data.get("method"), Method.values)
    group = _matter_text(errors, "group", data.get("group"), 100, required=True)
    held_on = errors.day("held_on", data.get("held_on"))
    participants = _count(errors, "participants", data.get("participants"), 1, MAX_PARTICIPANTS)
    counts = {
        key: _count(errors, key, data.get(key) or 0, 0, MAX_PARTICIPANTS)
        for key in ("in_favour", "against", "neutral")
    }
    if participants and sum(counts.values()) > participants:
        errors.add(
            "__all__",
            gettext(MSG_COUNTS) % {"total": sum(counts.values()), "participants": participants},
        )
    summary = _matter_text(errors, "summary", data.get("summary"), 4000, required=True)
    with transaction.atomic():
        fresh = _locked(assessment, None, errors)
        if fresh.reached(Status.CONCLUDED):
            errors.add("__all__", MSG_CONCLUDED)
        if held_on and held_on < fresh.opened_on:
            errors.add("held_on", gettext(MSG_BEFORE) % {"day": fresh.opened_on.isoformat()})
        errors.raise_if_any()
        row = Consultation.objects.create(
            assessment=fresh,
            method=method,
            group=group,
            held_on=held_on,
            participants=participants,
            summary=summary,
            recorded_by=actor,
            **counts,
        )
        if fresh.status == Status.DRAFT:
            fresh.status = Status.CONSULTING
        _bump(fresh, ["status"])
        record(
            "riskassessment.consultation",
            actor=actor,
            target=fresh,
            diff={"method": method, "participants": participants, **counts},
            request=request,
        )
    return row


def add_risk_point(assessment: RiskAssessment, *, actor, data: dict, request=None) -> RiskPoint:
    """A risk point: an issue rated for likelihood and impact, with its prevention measures."""
    _require_manage(actor)
    errors = Errors()
    issue = _matter_text(errors, "issue", data.get("issue"), 200, required=True)
    description = _matter_text(errors, "description", data.get("description"), 2000)
    likelihood = _count(
        errors, "likelihood", data.get("likelihood"), levels.LIKELIHOOD_MIN, levels.LIKELIHOOD_MAX
    )
    impact = _count(errors, "impact", data.get("impact"), levels.IMPACT_MIN, levels.IMPACT_MAX)
    measures = _matter_text(errors, "measures", data.get("measures"), 4000, required=True)
    with transaction.atomic():
        fresh = _locked(assessment, None, errors)
        if fresh.reached(Status.CONCLUDED):
            errors.add("__all__", MSG_CONCLUDED)
        count = fresh.risk_points.count()
        if count >= MAX_RISK_POINTS:
            errors.add("__all__", gettext(MSG_TOO_MANY) % {"limit": MAX_RISK_POINTS})
        errors.raise_if_any()
        row = RiskPoint.objects.create(
            assessment=fresh,
            order=count + 1,
            issue=issue,
            description=description,
            likelihood=likelihood,
            impact=impact,
            measures=measures,
        )
        _bump(fresh, [])
        record(
            "riskassessment.risk",
            actor=actor,
            target=fresh,
            diff={"risk_point": row.pk, "likelihood": likelihood, "impact": impact},
            request=request,
        )
    return row


def record_review(assessment: RiskAssessment, *, actor, data: dict, request=None) -> RiskAssessment:
    """The four-dimension review (合法性、合理性、可行性、可控性): a finding and pass/concern
    for each, all four at once."""
    _require_manage(actor)
    errors = Errors()
    values = {}
    for code, _label, _name in DIMENSIONS:
        values[f"{code}_result"] = errors.choice(
            f"{code}_result", data.get(f"{code}_result"), Finding.values
        )
        values[f"{code}_finding"] = _matter_text(
            errors, f"{code}_finding", data.get(f"{code}_finding"), 2000, required=True
        )
    reviewed_on = errors.day("reviewed_on", data.get("reviewed_on") or today())
    with transaction.atomic():
        fresh = _locked(assessment, data.get("version"), errors)
        if fresh.reached(Status.CONCLUDED):
            errors.add("__all__", MSG_CONCLUDED)
        if reviewed_on and reviewed_on < fresh.opened_on:
            errors.add("reviewed_on", gettext(MSG_BEFORE) % {"day": fresh.opened_on.isoformat()})
        errors.raise_if_any()
        for key, value in values.items():
            setattr(fresh, key, value)
        fresh.reviewed_on = reviewed_on
        fresh.status = Status.REVIEWED
        _bump(fresh, [*values, "reviewed_on", "status"])
        record(
            "riskassessment.review",
            actor=actor,
            target=fresh,
            diff={k: v for k, v in values.items() if k.endswith("_result")},
            request=request,
        )
    return fresh


def conclude(assessment: RiskAssessment, *, actor, data: dict, request=None) -> RiskAssessment:
    """The conclusion and its level; refused without a consultation and the whole review."""
    _require_manage(actor)
    errors = Errors()
    level = str(data.get("level") or "")[:20]
    if levels.by_code(level) is None:
        errors.add("level", MSG_LEVEL)
    conclusion = _matter_text(errors, "conclusion", data.get("conclusion"), 4000, required=True)
    concluded_on = errors.day("concluded_on", data.get("concluded_on") or today())
    with transaction.atomic():
        fresh = _locked(assessment, data.get("version"), errors)
        if fresh.reached(Status.CONCLUDED):
            errors.add("__all__", MSG_CONCLUDED)
        if not fresh.consultations.exists():
            errors.add("__all__", MSG_NEEDS_CONSULTATION)
        if not fresh.review_complete:
            errors.add("__all__", MSG_NEEDS_REVIEW)
        first = fresh.reviewed_on or fresh.opened_on
        if concluded_on and concluded_on < first:
            errors.add("concluded_on", gettext(MSG_BEFORE) % {"day": first.isoformat()})
        errors.raise_if_any()
        fresh.level, fresh.conclusion, fresh.concluded_on = level, conclusion, concluded_on
        fresh.status = Status.CONCLUDED
        _bump(fresh, ["level", "conclusion", "concluded_on", "status"])
        record(
            "riskassessment.conclude",
            actor=actor,
            target=fresh,
            diff={"level": level, "concluded_on": concluded_on.isoformat()},
            request=request,
        )
    return fresh


def decide(assessment: RiskAssessment, *, actor, data: dict, request=None) -> RiskAssessment:
    """The decision taken on the concluded assessment, by whom and when."""
    _require_manage(actor)
    errors = Errors()
    decision = errors.choice("decision", data.get("decision"), DecisionTaken.values)
    decided_on = errors.day("decided_on", data.get("decided_on") or today())
    body = errors.text("decision_body", data.get("decision_body"), 100, required=True)
    note = _matter_text(errors, "decision_note", data.get("decision_note"), 2000)
    with transaction.atomic():
        fresh = _locked(assessment, data.get("version"), errors)
        if fresh.status == Status.DECIDED:
            errors.add("__all__", MSG_DECIDED)
        elif fresh.status != Status.CONCLUDED:
            errors.add("__all__", MSG_NOT_CONCLUDED)
        else:
            level = fresh.level_info
            if level is not None and decision and decision not in level.allows:
                allowed = "、".join(str(DecisionTaken(d).label) for d in level.allows)
                errors.add(
                    "decision", gettext(MSG_NOT_ALLOWED) % {"level": level.name, "allowed": allowed}
                )
            if decided_on and decided_on < fresh.concluded_on:
                errors.add(
                    "decided_on", gettext(MSG_BEFORE) % {"day": fresh.concluded_on.isoformat()}
                )
        errors.raise_if_any()
        fresh.decision, fresh.decided_on = decision, decided_on
        fresh.decision_body, fresh.decision_note = body, note
        fresh.status = Status.DECIDED
        _bump(fresh, ["decision", "decided_on", "decision_body", "decision_note", "status"])
        record(
            "riskassessment.decide",
            actor=actor,
            target=fresh,
            diff={"decision": decision, "decided_on": decided_on.isoformat()},
            request=request,
        )
    return fresh


# --------------------------------------------------------------------------- measures


def add_measure(point: RiskPoint, *, actor, data: dict, request=None) -> Measure:
    """A measure of a risk point to follow up: owner, due day (any stage, also after the
    decision: following the measures up is the point)."""
    _require_manage(actor)
    errors = Errors()
    action = _matter_text(errors, "action", data.get("action"), 200, required=True)
    owner = _staff(actor, errors, "owner", data.get("owner"))
    due_on = errors.day("due_on", data.get("due_on"), future_ok=True)
    note = _matter_text(errors, "note", data.get("note"), 2000)
    with transaction.atomic():
        fresh = _locked(point.assessment, None, errors)
        if due_on and due_on < fresh.opened_on:
            errors.add("due_on", gettext(MSG_BEFORE) % {"day": fresh.opened_on.isoformat()})
        errors.raise_if_any()
        row = Measure.objects.create(
            risk_point=point, action=action, owner=owner, due_on=due_on, note=note
        )
        record(
            "riskassessment.measure",
            actor=actor,
            target=fresh,
            diff={"measure": row.pk, "due_on": due_on.isoformat(), "owner": owner.pk},
            request=request,
        )
    return row


def update_measure(measure: Measure, *, actor, data: dict, request=None) -> Measure:
    """Follow a measure up: its status, the day it was done, a note; the due day may move."""
    _require_manage(actor)
    errors = Errors()
    status = errors.choice("status", data.get("status"), MeasureStatus.values)
    done_on = errors.day("done_on", data.get("done_on"), required=False)
    due_on = errors.day("due_on", data.get("due_on") or measure.due_on, future_ok=True)
    note = _matter_text(errors, "note", data.get("note"), 2000)
    if status == MeasureStatus.DONE and done_on is None and "done_on" not in errors:
        errors.add("done_on", MSG_DONE_ON)
    if status != MeasureStatus.DONE:
        done_on = None
    with transaction.atomic():
        fresh = Measure.objects.select_for_update().select_related("risk_point").get(pk=measure.pk)
        check_version(fresh, data.get("version"), errors)
        opened = fresh.risk_point.assessment.opened_on
        if done_on and done_on < opened:
            errors.add("done_on", gettext(MSG_BEFORE) % {"day": opened.isoformat()})
        errors.raise_if_any()
        before = {"status": fresh.status, "due_on": fresh.due_on.isoformat()}
        fresh.status, fresh.done_on, fresh.due_on, fresh.note = status, done_on, due_on, note
        fresh.version += 1
        fresh.save(update_fields=["status", "done_on", "due_on", "note", "version"])
        record(
            "riskassessment.measure",
            actor=actor,
            target=fresh.risk_point.assessment,
            diff={
                "measure": fresh.pk,
                "before": before,
                "status": status,
                "due_on": due_on.isoformat(),
                "done_on": done_on.isoformat() if done_on else None,
            },
            request=request,
        )
    return fresh


def measures_of(user) -> QuerySet[Measure]:
    """The measures of the assessments of the person's streets."""
    return own_streets.in_streets(Measure.objects.all(), user, "risk_point__assessment__street")


def overdue_measures(day: date | None = None, *, user=None) -> QuerySet[Measure]:
    """Measures still open after their due day (at the end of `day`, default today); with
    `user`, those of the person's streets."""
    day = day or today()
    found = Measure.objects.all() if user is None else measures_of(user)
    return found.filter(status=MeasureStatus.OPEN, due_on__lt=day).order_by("due_on", "pk")
