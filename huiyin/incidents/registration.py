"""Registering an incident: every field checked and bounded, then the case (numbered 事) and the
incident in one transaction. :func:`register_incident` is the door for the pages, the demo and
(later) the ledger importer.

Who: Perm.INCIDENTS_REPORT over the place — the street's duty office anywhere, a community
worker in their community, a grid worker in their grid (PermissionDenied, audited, otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds, numbering
from huiyin.cases.calendar import for_street
from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.exceptions import CaseRefused
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case, CaseEvent, Category
from huiyin.cases.services import MSG_GRID_COMMUNITY
from huiyin.incidents import checks, rules
from huiyin.incidents.grading import Grade, safety_grade
from huiyin.incidents.models import Incident, RiskNote, Source, Status
from huiyin.org.access import reach_of
from huiyin.org.models import Community, Grid
from huiyin.org.roles import Perm

MSG_CHOICE = _("Choose one of the options.")
MSG_CATEGORY = _("Choose an incident type in use.")
MSG_CASE = _("Choose a matter you may see, by its number.")
MSG_RISK_NOTE = _("Choose a risk note you may see.")
MSG_PLACE = _("Name the community, or the place for an incident of the whole street.")


class IncidentInvalid(Exception):
    """Input refused; `errors` maps field names to lists of translatable messages."""

    def __init__(self, errors: dict[str, list[str | Promise]]):
        super().__init__(errors)
        self.errors = errors

    def __str__(self) -> str:
        return "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in self.errors.items())


class Errors(dict):
    def add(self, key: str, message) -> None:
        self.setdefault(key, []).append(message)

    def guard(self, key: str, fn, *args, **kwargs):
        """``fn(...)``, its refusal recorded under `key` (then None)."""
        try:
            return fn(*args, **kwargs)
        except CaseRefused as refusal:
            self.add(key, refusal.message)
            return None

    def raise_if_any(self) -> None:
        if self:
            raise IncidentInvalid(dict(self))


def deny(user, label: str) -> None:
    from huiyin.privacy.audit import record

    with transaction.atomic():
        record(
            "access.denied",
            actor=user if getattr(user, "is_authenticated", False) else None,
            target_label=label,
        )
    raise PermissionDenied


def resolve(model, value):
    if value in (None, ""):
        return None
    if isinstance(value, model):
        return value
    pk = bounds.bounded_int(getattr(value, "pk", value), 1, bounds.MAX_ID)
    return model.objects.filter(pk=pk).first() if pk is not None else None


def linked_case(actor, value, kind: str) -> Case | None:
    """A case of `kind` the actor may see, by instance, id or number; None when not found."""
    if hasattr(value, "pk"):
        value = value.pk
    text = bounds.strip_nul(str(value)).strip()[:40]
    visible = Case.objects.visible_to(actor, kind=kind)
    if text.isascii() and text.isdigit():
        pk = bounds.bounded_int(text, 1, bounds.MAX_ID)
        return visible.filter(pk=pk).first() if pk is not None else None
    return visible.filter(number=text).first()


def place_of(data: Mapping, errors: Errors) -> tuple[Community | None, Grid | None]:
    community = resolve(Community, data.get("community"))
    grid = resolve(Grid, data.get("grid"))
    if data.get("community") not in (None, "") and community is None:
        errors.add("community", MSG_CHOICE)
    if data.get("grid") not in (None, "") and grid is None:
        errors.add("grid", MSG_CHOICE)
    if grid is not None and community is None:
        community = grid.community
    elif grid is not None and grid.community_id != community.pk:
        errors.add("grid", MSG_GRID_COMMUNITY)
    return community, grid


def clean_figures(data: Mapping, errors: Errors, c: dict) -> None:
    """The people involved, casualties and loss (shared with the situation update)."""
    top = bounds.max_headcount()
    c["people_count"] = errors.guard(
        "people_count", checks.count, data.get("people_count"), "people_count", top
    )
    for key in ("deaths", "missing", "serious_injuries", "minor_injuries"):
        c[key] = errors.guard(key, checks.number, data.get(key), key, top) or 0
    c["direct_loss"] = errors.guard(
        "direct_loss", checks.amount, data.get("direct_loss"), "direct_loss", rules.MAX_LOSS
    )
    for key in ("demands", "loss_note", "measures"):
        c[key] = errors.guard(key, checks.text, data.get(key), key) or ""


def derive_grade(category, chosen: str | None, figures: Mapping) -> tuple[str, bool]:
    """(grade, derived): a production-safety accident's grade from its figures (条例 art. 3),
    otherwise the grade chosen (一般 when none)."""
    if rules.is_safety(category):
        grade = safety_grade(
            figures.get("deaths") or 0,
            figures.get("serious_injuries") or 0,
            figures.get("direct_loss") or Decimal(0),
            missing=figures.get("missing") or 0,
            count_missing=rules.grade_counts_missing(),
        )
        return grade, True
    return chosen or Grade.GENERAL, False


def clean_registration(actor, data: Mapping, errors: Errors) -> dict:
    c: dict = {}
    c["title"] = errors.guard(
        "title", checks.text, data.get("title"), "title", required=True, limit=200
    )
    c["description"] = (
        errors.guard("description", checks.text, data.get("description"), "description") or ""
    )
    category = resolve(Category, data.get("category"))
    if category is None or category.kind != Kind.INCIDENT or not category.active:
        errors.add("category", MSG_CATEGORY)
        category = None
    c["category"] = category
    now = timezone.now()
    c["occurred_at"] = errors.guard(
        "occurred_at", checks.moment, data.get("occurred_at"), "occurred_at", now=now
    )
    c["learned_at"] = errors.guard(
        "learned_at",
        checks.moment,
        data.get("learned_at"),
        "learned_at",
        now=now,
        not_before=c["occurred_at"],
    )
    c["source"] = errors.guard("source", checks.choice, data.get("source"), "source", Source)
    c["community"], c["grid"] = place_of(data, errors)
    c["place"] = (
        errors.guard("place", checks.text, data.get("place"), "place", limit=checks.MAX_LINE) or ""
    )
    for key, kind in (("dispute_case", Kind.DISPUTE), ("petition_case", Kind.PETITION)):
        c[key] = None
        if not checks.blank(data.get(key)):
            c[key] = linked_case(actor, data.get(key), kind)
            if c[key] is None:
                errors.add(key, MSG_CASE)
    c["risk_note"] = None
    if not checks.blank(data.get("risk_note")):
        pk = bounds.bounded_int(
            getattr(data["risk_note"], "pk", data["risk_note"]), 1, bounds.MAX_ID
        )
        c["risk_note"] = RiskNote.objects.visible_to(actor).filter(pk=pk).first() if pk else None
        if c["risk_note"] is None:
            errors.add("risk_note", MSG_RISK_NOTE)
    clean_figures(data, errors, c)
    chosen = None
    if not checks.blank(data.get("grade")):
        chosen = errors.guard("grade", checks.choice, data.get("grade"), "grade", Grade)
    c["grade"], c["grade_derived"] = derive_grade(category, chosen, c)
    return c


def check_scope(actor, c: dict, street=None) -> None:
    """Deny (audited) a place outside the actor's scope; `street` is the record's street."""
    scope = reach_of(actor).scope(Perm.INCIDENTS_REPORT)
    community_id = c["community"].pk if c["community"] else None
    grid_id = c["grid"].pk if c["grid"] else None
    street_id = street.pk if street is not None else None
    if not scope.covers(street_id=street_id, community_id=community_id, grid_id=grid_id):
        deny(actor, "incident.register")


def street_of(c: dict, actor):
    """The record's street: its community's, else the one street the actor works in."""
    from huiyin.org import streets

    if c["community"] is not None:
        return c["community"].street
    return streets.street_of(actor)


FIGURES = (
    "people_count",
    "demands",
    "deaths",
    "missing",
    "serious_injuries",
    "minor_injuries",
    "direct_loss",
    "loss_note",
    "measures",
)


def create_incident(actor, c: dict, street, request) -> Case:
    """The case, the incident, the timeline event and the audit entry (inside a transaction)."""
    from huiyin.privacy.audit import record

    learned_on = timezone.localtime(c["learned_at"], CHINA_TZ).date()
    seq, number = numbering.allocate(street, Kind.INCIDENT, learned_on.year)
    case = Case.objects.create(
        street=street,
        kind=Kind.INCIDENT,
        number=number,
        year=learned_on.year,
        seq=seq,
        title=c["title"],
        description=c["description"],
        community=c["community"],
        grid=c["grid"],
        category=c["category"],
        status=Status.REGISTERED,
        received_at=c["learned_at"],
        created_by=actor,
    )
    Incident.objects.create(
        case=case,
        occurred_at=c["occurred_at"],
        learned_at=c["learned_at"],
        source=c["source"],
        place=c["place"],
        grade=c["grade"],
        grade_derived=c["grade_derived"],
        dispute_case=c["dispute_case"],
        petition_case=c["petition_case"],
        **{key: c[key] for key in FIGURES},
    )
    CaseEvent.objects.create(
        case=case,
        actor=actor,
        kind="registered",
        to_status=Status.REGISTERED,
        data={
            "source": c["source"],
            "grade": c["grade"],
            "grade_derived": c["grade_derived"],
            "risk_note": c["risk_note"].pk if c["risk_note"] else None,
        },
    )
    note = c["risk_note"]
    if note is not None:
        RiskNote.objects.filter(pk=note.pk).update(incident_case=case, updated_at=timezone.now())
        record(
            "object.update",
            actor=actor,
            target=note,
            diff={"incident_case": [note.incident_case_id, case.pk]},
            request=request,
        )
    record(
        "object.create",
        actor=actor,
        target=case,
        diff={"number": number, "source": c["source"], "grade": c["grade"]},
        request=request,
    )
    return case


def register_incident(actor, *, request=None, **data) -> Case:
    """Register an incident; keys as :data:`huiyin.incidents.checks.FIELDS` names them.

    ``title``, ``category`` (a type in use), ``occurred_at`` and ``learned_at`` (aware moments or
    ISO text in Beijing time; learned of not before it happened, neither in the future),
    ``source`` are required; ``community``/``grid`` (instances or ids), ``place``, the linked
    ``dispute_case``/``petition_case`` (id or number of a case the actor may see), the risk note
    it grew from (``risk_note``), ``people_count`` (an estimate, never a list), ``demands``,
    casualties, ``direct_loss`` (yuan), ``loss_note``, ``measures`` and ``grade`` are optional;
    a production-safety accident's grade is derived from its figures (条例 art. 3).

    Raises IncidentInvalid with every problem found, PermissionDenied (audited) outside the
    actor's scope.
    """
    if not reach_of(actor).can(Perm.INCIDENTS_REPORT):
        deny(actor, "incident.register")
    unknown = set(data) - set(checks.FIELDS) - {"risk_note"}
    if unknown:
        raise TypeError(f"register_incident() does not take {sorted(unknown)}")
    errors = Errors()
    c = clean_registration(actor, data, errors)
    street = street_of(c, actor)
    if street is None:
        errors.add("community", MSG_PLACE)
    errors.raise_if_any()
    check_scope(actor, c, street)
    with transaction.atomic(), for_street(street.pk):  # the street's own days count
        return create_incident(actor, c, street, request)
