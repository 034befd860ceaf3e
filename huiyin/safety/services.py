"""平安创建's business rules: every change checked, one transaction, audited.

* :func:`create` — a creation for a community or a unit (exactly one), a title fitting the
  body (a community: 平安社区/小区/家庭; a unit: 平安单位/校园/企业) and a year.
* :func:`change_status` — appends one status change. The order is 申报 → (考评) → 命名 →
  撤销; a 命名 needs the awarding body, a 撤销 its deciding body and a reason. Dates never go
  back.
* :func:`record_figure` — a 四无 criterion figure with its source: police criteria need the
  document they came from; a safety-accident count may be taken from the incident ledger
  (:func:`accidents_from_incidents`, the statistics layer's count), stored with the source
  "事件台账"; a petition-case figure is only what someone reported — never counted here.
* :func:`record_survey` — numerator ≤ denominator, denominator ≥ 1, denominator ≤ sample
  size unless explained; a rate is never entered.

Seeing needs ``assessment.view``; every change ``assessment.manage``.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from huiyin.assessment.bodies import COMMUNITY, Body, body_fields, of_streets
from huiyin.assessment.services.common import (
    MANAGE_PERM,
    MSG_OTHER_STREET,
    VIEW_PERM,
    AssessmentInvalid,
    Errors,
    check_version,
    require,
    today,
)
from huiyin.privacy.audit import record
from huiyin.safety.models import (
    COMMUNITY_CATEGORIES,
    INCIDENT_LEDGER,
    MAX_FIGURE,
    MAX_SAMPLE,
    POLICE_CRITERIA,
    UNIT_CATEGORIES,
    Creation,
    Criterion,
    CriterionFigure,
    Status,
    StatusChange,
    Survey,
    SurveyKind,
    SurveyMethod,
)

__all__ = [
    "ACCIDENT_TYPES",
    "AssessmentInvalid",
    "MANAGE_PERM",
    "VIEW_PERM",
    "accidents_from_incidents",
    "change_status",
    "create",
    "next_statuses",
    "record_figure",
    "record_survey",
]

MSG_BODY = _("Choose the community or unit.")
MSG_CATEGORY_BODY = _("This title is not one a community applies for.")
MSG_CATEGORY_UNIT = _("This title is not one a unit applies for.")
MSG_DUPLICATE = _("This community or unit already has this title for this year.")
MSG_TRANSITION = _("“%(to)s” cannot follow “%(from)s”.")
MSG_FIRST = _("A creation starts with its application.")
MSG_AWARD_BODY = _("An award needs the awarding body.")
MSG_REVOKE_BODY = _("A revocation needs the body that decided it.")
MSG_REVOKE_REASON = _("A revocation needs its reason.")
MSG_DATE_ORDER = _("The date cannot be before the previous step (%(day)s).")
MSG_SOURCE = _("A figure needs its source: who gave it and in which statistic or report.")
MSG_POLICE_DOC = _(
    "Criminal and public-security case counts come from the police: name the document they "
    "came from (its number or title)."
)
MSG_LEDGER_ONLY = _("Only a safety-accident count can be taken from the incident ledger.")
MSG_LEDGER_SOURCE = _("“%(source)s” is the incident ledger's own source; name another one.")
MSG_PERIOD = _("The period cannot end before it starts.")
MSG_COMMUNITY = _("Choose the community.")
MSG_NO_RATE = _(
    "Enter the numerator and the denominator: a rate is computed from them, never entered."
)
MSG_NUMERATOR = _("The numerator cannot exceed the denominator.")
MSG_DENOMINATOR = _("The denominator must be at least 1.")
MSG_SAMPLE = _(
    "The denominator exceeds the sample size: explain why (e.g. households counted, not the "
    "people asked)."
)

#: What may follow each status ("" = none yet).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "": (Status.APPLIED,),
    Status.APPLIED: (Status.ASSESSED, Status.AWARDED),
    Status.ASSESSED: (Status.AWARDED,),
    Status.AWARDED: (Status.REVOKED,),
    Status.REVOKED: (),
}

#: The incident types (the statistics layer's ``incidents.by_type`` keys) counted as safety
#: accidents (安全责任事故): production-safety accidents, road-traffic accidents and fires.
ACCIDENT_TYPES = ("production_safety", "road_traffic", "fire")


def next_statuses(creation: Creation) -> tuple[str, ...]:
    return TRANSITIONS.get(creation.status, ())


# --------------------------------------------------------------------------- creations


def create(*, actor, body: Body | None, data: dict, request=None) -> Creation:
    require(actor, MANAGE_PERM)
    errors = Errors()
    if body is None:
        errors.add("body", MSG_BODY)
    elif not of_streets(actor, body):  # the form offers only these; a forged one is refused
        errors.add("body", MSG_OTHER_STREET)
    allowed = COMMUNITY_CATEGORIES if body is None or body.kind == COMMUNITY else UNIT_CATEGORIES
    category = errors.choice("category", data.get("category"), [c.value for c in allowed])
    if body is not None and "category" in errors:
        errors["category"] = [MSG_CATEGORY_BODY if body.kind == COMMUNITY else MSG_CATEGORY_UNIT]
    year = errors.number("year", data.get("year"), 1990, today().year + 1)
    subject = errors.text("subject", data.get("subject"), 100)
    errors.raise_if_any()
    fields = body_fields(body)
    with transaction.atomic():
        clash = Creation.objects.select_for_update().filter(
            category=category, year=int(year), subject=subject, **body.filters()
        )
        if clash.exists():
            errors.add("__all__", MSG_DUPLICATE)
            errors.raise_if_any()
        creation = Creation.objects.create(
            category=category, year=int(year), subject=subject, created_by=actor, **fields
        )
        record(
            "safety.creation",
            actor=actor,
            target=creation,
            diff={"category": category, "year": int(year), "subject": subject},
            request=request,
        )
    return creation


def _body_of(creation: Creation) -> Body:
    if creation.community_id:
        return Body(COMMUNITY, creation.community_id, "")
    return Body("unit", creation.unit_id, "")


def change_status(creation: Creation, *, actor, data: dict, request=None) -> StatusChange:
    """Append one status change (see :data:`TRANSITIONS`)."""
    require(actor, MANAGE_PERM)
    errors = Errors()
    if not of_streets(actor, _body_of(creation)):  # another street's creation is not theirs
        errors.add("__all__", MSG_OTHER_STREET)
    status = errors.choice("status", data.get("status"), Status.values)
    on = errors.day("on", data.get("on"))
    body = errors.text("body", data.get("body"), 100)
    document_ref = errors.text("document_ref", data.get("document_ref"), 100)
    reason = errors.text("reason", data.get("reason"), 2000)
    note = errors.text("note", data.get("note"), 2000)
    if status == Status.AWARDED and not body:
        errors.add("body", MSG_AWARD_BODY)
    if status == Status.REVOKED:
        if not body:
            errors.add("body", MSG_REVOKE_BODY)
        if not reason:
            errors.add("reason", MSG_REVOKE_REASON)
    with transaction.atomic():
        fresh = Creation.objects.select_for_update().get(pk=creation.pk)
        check_version(fresh, data.get("version"), errors)
        if status and status not in TRANSITIONS.get(fresh.status, ()):
            if not fresh.status:
                errors.add("status", MSG_FIRST)
            else:
                errors.add(
                    "status",
                    gettext(MSG_TRANSITION)
                    % {"to": Status(status).label, "from": Status(fresh.status).label},
                )
        last = fresh.changes.order_by("-on", "-id").values_list("on", flat=True).first()
        if on and last and on < last:
            errors.add("on", gettext(MSG_DATE_ORDER) % {"day": last.isoformat()})
        errors.raise_if_any()
        change = StatusChange.objects.create(
            creation=fresh,
            status=status,
            on=on,
            body=body,
            document_ref=document_ref,
            reason=reason if status == Status.REVOKED else "",
            note=note,
            recorded_by=actor,
        )
        fresh.status = status
        fresh.version += 1
        fresh.save(update_fields=["status", "version"])
        record(
            "safety.creation",
            actor=actor,
            target=fresh,
            diff={"status": status, "on": on, "body": body, "document_ref": document_ref},
            request=request,
        )
    return change


# --------------------------------------------------------------------------- criteria


def accidents_from_incidents(community_id: int, start: date, end: date) -> int:
    """The community's incidents of a safety-accident type (:data:`ACCIDENT_TYPES`) that
    happened from `start` to `end`, as the statistics layer counts them (every incident, not
    only those one person may see: the figure is the street's)."""
    from huiyin.reports.stats.engine import Period, Scope
    from huiyin.reports.stats.incidents import figures

    found = figures(Period(start, end), scope=Scope(community_id=community_id))
    by_type = found["incidents"]["by_type"]
    return sum(int(by_type.get(key) or 0) for key in ACCIDENT_TYPES)


def _community(actor, value, errors: Errors):
    """A community of the actor's streets (another street's is refused, as the form offers
    only those)."""
    from huiyin.cases import bounds
    from huiyin.org import own_streets
    from huiyin.org.models import Community

    pk = value.pk if hasattr(value, "pk") else bounds.bounded_int(value, 1, bounds.MAX_ID)
    found = Community.objects.filter(pk=pk).first() if pk else None
    if found is None:
        errors.add("community", MSG_COMMUNITY)
    elif not own_streets.communities(actor).filter(pk=found.pk).exists():
        errors.add("community", MSG_OTHER_STREET)
        found = None
    return found


def record_figure(*, actor, data: dict, request=None) -> CriterionFigure:
    """One criterion figure with its source (see the module docstring)."""
    require(actor, MANAGE_PERM)
    errors = Errors()
    community = _community(actor, data.get("community"), errors)
    criterion = errors.choice("criterion", data.get("criterion"), Criterion.values)
    start = errors.day("start", data.get("start"))
    end = errors.day("end", data.get("end"))
    if start and end and end < start:
        errors.add("end", MSG_PERIOD)
    from_incidents = bool(data.get("from_incidents"))
    source = errors.text("source", data.get("source"), 200)
    source_ref = errors.text("source_ref", data.get("source_ref"), 100)
    note = errors.text("note", data.get("note"), 500)
    value = None
    if from_incidents:
        if criterion and criterion != Criterion.ACCIDENT:
            errors.add("from_incidents", MSG_LEDGER_ONLY)
        source, source_ref = INCIDENT_LEDGER, ""
    else:
        value = errors.number("value", data.get("value"), 0, MAX_FIGURE)
        if not source:
            errors.add("source", MSG_SOURCE)
        elif source == INCIDENT_LEDGER:
            errors.add("source", gettext(MSG_LEDGER_SOURCE) % {"source": source})
        if criterion in POLICE_CRITERIA and not source_ref:
            errors.add("source_ref", MSG_POLICE_DOC)
    errors.raise_if_any()
    if from_incidents:
        value = accidents_from_incidents(community.pk, start, end)
    with transaction.atomic():
        figure = CriterionFigure.objects.create(
            community=community,
            criterion=criterion,
            start=start,
            end=end,
            value=int(value),
            source=source,
            source_ref=source_ref,
            from_incidents=from_incidents,
            note=note,
            entered_by=actor,
        )
        record(
            "safety.figure",
            actor=actor,
            target=figure,
            diff={"value": int(value), "source": source, "source_ref": source_ref},
            request=request,
        )
    return figure


# --------------------------------------------------------------------------- surveys


def record_survey(*, actor, data: dict, request=None) -> Survey:
    require(actor, MANAGE_PERM)
    errors = Errors()
    community = _community(actor, data.get("community"), errors)
    kind = errors.choice("kind", data.get("kind"), SurveyKind.values)
    method = errors.choice("method", data.get("method"), SurveyMethod.values)
    on = errors.day("conducted_on", data.get("conducted_on"))
    by = errors.text("conducted_by", data.get("conducted_by"), 100)
    note = errors.text("note", data.get("note"), 500)
    sample = errors.number("sample_size", data.get("sample_size"), 1, MAX_SAMPLE)
    if data.get("numerator") in (None, "") or data.get("denominator") in (None, ""):
        errors.add("numerator", MSG_NO_RATE)
        numerator = denominator = None
    else:
        numerator = errors.number("numerator", data.get("numerator"), 0, MAX_SAMPLE)
        denominator = errors.number("denominator", data.get("denominator"), 0, MAX_SAMPLE)
    for name, number in (
        ("sample_size", sample),
        ("numerator", numerator),
        ("denominator", denominator),
    ):
        if number is not None and number != int(number):
            errors.add(name, MSG_NO_RATE)
    if denominator is not None and denominator < 1:
        errors.add("denominator", MSG_DENOMINATOR)
    elif numerator is not None and denominator is not None and numerator > denominator:
        errors.add("numerator", MSG_NUMERATOR)
    if denominator and sample and denominator > sample and not note:
        errors.add("note", MSG_SAMPLE)
    errors.raise_if_any()
    with transaction.atomic():
        survey = Survey.objects.create(
            community=community,
            kind=kind,
            method=method,
            conducted_on=on,
            conducted_by=by,
            sample_size=int(sample),
            numerator=int(numerator),
            denominator=int(denominator),
            note=note,
            entered_by=actor,
        )
        record(
            "safety.survey",
            actor=actor,
            target=survey,
            diff={
                "sample_size": survey.sample_size,
                "numerator": survey.numerator,
                "denominator": survey.denominator,
            },
            request=request,
        )
    return survey
