"""The five assurances (五个落实): each body's five items per year, their evidence, completeness.

* Seeing needs ``assessment.view``; recording an item, keeping or withdrawing evidence
  ``assessment.manage``. Every change is one transaction with its audit entry.
* An item is **complete** when its status is in place (落实) and at least one live (not
  withdrawn) evidence file backs it; a body's **completeness** is its complete items ÷ 5. A
  body with nothing recorded for the year has 0 of 5 and is shown, never hidden.
* The year is bounded (:data:`FIRST_YEAR`–:data:`LAST_YEAR`); the description is short
  (:data:`MAX_DESCRIPTION`); a responsible staff member is named only for the items that have
  one (:data:`~huiyin.assessment.models.assurances.WITH_RESPONSIBLE`).
* :func:`figures` gives the optional scoring key ``assurances.completeness_rate`` (see
  :mod:`huiyin.assessment.keys`): a responsibility measure, not in the built-in scheme.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from huiyin.assessment.bodies import COMMUNITY, Body, all_bodies, body_fields, of_streets
from huiyin.assessment.models import (
    Assurance,
    AssuranceEvidence,
    AssuranceItem,
    AssuranceStatus,
)
from huiyin.assessment.models.assurances import EVIDENCE_DIR, WITH_RESPONSIBLE
from huiyin.assessment.services import files
from huiyin.assessment.services.common import (
    MANAGE_PERM,
    MSG_OTHER_STREET,
    MSG_OTHER_STREET_STAFF,
    MSG_STALE,
    VIEW_PERM,
    AssessmentInvalid,
    Errors,
    require,
)
from huiyin.cases import bounds
from huiyin.privacy.audit import record

FIRST_YEAR = 2000
LAST_YEAR = 2100
MAX_DESCRIPTION = 500
ITEMS = tuple(AssuranceItem)
TOTAL = len(ITEMS)  # 5
#: Live evidence files an item may hold at once.
MAX_EVIDENCE = 20

MSG_YEAR = _("Enter a year between %(first)s and %(last)s.")
MSG_ITEM = _("Choose one of the five items.")
MSG_NO_RESPONSIBLE = _("This item names no responsible person.")
MSG_STAFF = _("Choose a staff member from the list.")
MSG_TYPE = _("Attach the evidence as a PDF or an image (PNG or JPEG).")
MSG_TOO_MANY = _("An item holds at most 20 evidence files; withdraw one first.")


def check_year(value) -> int | None:
    """`value` (text from outside) as a year within the bounds, or None."""
    return bounds.bounded_int(value, FIRST_YEAR, LAST_YEAR)


def _year(value, errors: Errors) -> int | None:
    year = check_year(value)
    if year is None:
        errors.add("year", gettext(MSG_YEAR) % {"first": FIRST_YEAR, "last": LAST_YEAR})
    return year


def _item(value, errors: Errors) -> str:
    value = str(value or "")[:20]
    if value not in AssuranceItem.values:
        errors.add("item", MSG_ITEM)
        return ""
    return value


def _records(year: int):
    return Assurance.objects.filter(year=year).annotate(
        live_evidence=Count("evidence", filter=Q(evidence__withdrawn=False))
    )


def is_complete(row: Assurance, live_evidence: int) -> bool:
    return row.status == AssuranceStatus.IN_PLACE and live_evidence > 0


# --------------------------------------------------------------------------- reading


@dataclass
class ItemRow:
    item: str
    label: str
    record: Assurance | None
    evidence: list[AssuranceEvidence] = field(default_factory=list)

    @property
    def live(self) -> list[AssuranceEvidence]:
        return [e for e in self.evidence if not e.withdrawn]

    @property
    def complete(self) -> bool:
        return self.record is not None and is_complete(self.record, len(self.live))

    @property
    def takes_responsible(self) -> bool:
        return self.item in WITH_RESPONSIBLE


def checklist(body: Body, year: int) -> list[ItemRow]:
    """The five items of `body` for `year` in their order (unrecorded ones with record None),
    each with all its evidence (withdrawn too); two queries."""
    found = {
        row.item: row
        for row in Assurance.objects.filter(year=year, **body.filters())
        .select_related("responsible", "updated_by")
        .prefetch_related("evidence")
    }
    rows = []
    for item in ITEMS:
        row = found.get(item.value)
        rows.append(
            ItemRow(item.value, str(item.label), row, list(row.evidence.all()) if row else [])
        )
    return rows


@dataclass
class BodyLine:
    body: Body
    statuses: dict[str, str]  # item -> status ("" when not recorded)
    complete: set[str]

    @property
    def count(self) -> int:
        return len(self.complete)

    @property
    def rate(self) -> float:
        return round(self.count / TOTAL, 4)

    @property
    def cells(self) -> list[dict]:
        return [
            {
                "item": item.value,
                "status": self.statuses.get(item.value, ""),
                "complete": item.value in self.complete,
            }
            for item in ITEMS
        ]


def table(year: int, bodies: list[Body] | None = None) -> list[BodyLine]:
    """Every community, then every unit, with its items' states and completeness for `year`
    (0 of 5 for a body with nothing recorded); one query for the records whatever the size."""
    lines = {b.key: BodyLine(b, {}, set()) for b in (all_bodies() if bodies is None else bodies)}
    for row in _records(year).values("community_id", "unit_id", "item", "status", "live_evidence"):
        key = (
            f"community-{row['community_id']}" if row["community_id"] else f"unit-{row['unit_id']}"
        )
        line = lines.get(key)
        if line is None:
            continue
        line.statuses[row["item"]] = row["status"]
        if row["status"] == AssuranceStatus.IN_PLACE and row["live_evidence"] > 0:
            line.complete.add(row["item"])
    return list(lines.values())


def completeness(body: Body, year: int) -> tuple[int, int]:
    """(complete items, 5) for `body` in `year`."""
    found = _records(year).filter(**body.filters())
    count = sum(1 for row in found if is_complete(row, row.live_evidence))
    return count, TOTAL


def figures(body: Body | None, period) -> dict[str, float]:
    """The scoring figure ``assurances.completeness_rate`` — the checklist of the year the
    period ends in — for `body`, or for the whole street (complete items of every body ÷ 5 ×
    bodies)."""
    year = period.end.year
    if body is not None:
        count, total = completeness(body, year)
        return {"assurances.completeness_rate": round(count / total, 4)}
    lines = table(year)
    if not lines:
        return {}
    done = sum(line.count for line in lines)
    return {"assurances.completeness_rate": round(done / (TOTAL * len(lines)), 4)}


# --------------------------------------------------------------------------- changing


def _staff(actor, value, errors: Errors):
    """The responsible member of staff: one of the actor's streets' (another street's is
    refused, as the form offers only those)."""
    from huiyin.org import own_streets
    from huiyin.org.models import Staff

    if value in (None, ""):
        return None
    pk = value.pk if isinstance(value, Staff) else bounds.bounded_int(value, 1, bounds.MAX_ID)
    found = Staff.objects.filter(pk=pk).first() if pk else None
    if found is None:
        errors.add("responsible", MSG_STAFF)
    elif not own_streets.staff(actor).filter(pk=found.pk).exists():
        errors.add("responsible", MSG_OTHER_STREET_STAFF)
        found = None
    return found


def _check_body(actor, body: Body, errors: Errors) -> None:
    """The body is of one of the actor's streets (the pages 404 another's; a caller that
    passes one anyway is refused here)."""
    if not of_streets(actor, body):
        errors.add("__all__", MSG_OTHER_STREET)


def save_item(body: Body, year, item, *, actor, data: dict, request=None) -> Assurance:
    """Record an item's status, description and responsible staff member (made the first
    time; changed with its version read, else :data:`MSG_STALE`)."""
    require(actor, MANAGE_PERM)
    errors = Errors()
    _check_body(actor, body, errors)
    year = _year(year, errors)
    item = _item(item, errors)
    status = errors.choice("status", data.get("status"), AssuranceStatus.values)
    description = errors.text("description", data.get("description"), MAX_DESCRIPTION)
    responsible = _staff(actor, data.get("responsible"), errors)
    if responsible is not None and item and item not in WITH_RESPONSIBLE:
        errors.add("responsible", MSG_NO_RESPONSIBLE)
    errors.raise_if_any()
    fields = {"status": status, "description": description, "responsible": responsible}
    try:
        with transaction.atomic():
            row = (
                # Locked alone: the model's ordering joins the body (an outer join on PostgreSQL).
                Assurance.objects.select_for_update(of=("self",))
                .filter(year=year, item=item, **body.filters())
                .order_by("pk")
                .first()
            )
            if row is None:
                row = Assurance.objects.create(
                    year=year, item=item, updated_by=actor, **fields, **body_fields(body)
                )
                diff = {"created": 1, "status": status, "responsible": _who(responsible)}
            else:
                version = data.get("version")
                if version not in (None, "") and str(version) != str(row.version):
                    raise AssessmentInvalid({"__all__": [MSG_STALE]})
                diff = {
                    name: [_who(getattr(row, name)), _who(value)]
                    for name, value in fields.items()
                    if getattr(row, name) != value
                }
                for name, value in fields.items():
                    setattr(row, name, value)
                row.version += 1
                row.updated_by = actor
                row.save()
            record("assessment.assurance", actor=actor, target=row, diff=diff, request=request)
    except IntegrityError:  # made meanwhile by someone else
        raise AssessmentInvalid({"__all__": [MSG_STALE]}) from None
    return row


def _who(value):
    from huiyin.org.models import Staff

    if isinstance(value, Staff):
        return value.name
    return value


def _row_for_evidence(body: Body, year: int, item: str, actor) -> Assurance:
    row = Assurance.objects.filter(year=year, item=item, **body.filters()).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            row = Assurance.objects.create(
                year=year, item=item, updated_by=actor, **body_fields(body)
            )
            record(
                "assessment.assurance",
                actor=actor,
                target=row,
                diff={"created": 1, "status": row.status},
            )
    except IntegrityError:
        row = Assurance.objects.get(year=year, item=item, **body.filters())
    return row


def add_evidence(
    body: Body, year, item, uploaded, *, actor, title: str = "", request=None
) -> AssuranceEvidence:
    """Keep an evidence file (PDF, PNG or JPEG, at most 10 MB) for an item; the item is
    recorded (not in place) if it was not yet."""
    require(actor, MANAGE_PERM)
    errors = Errors()
    _check_body(actor, body, errors)
    year = _year(year, errors)
    item = _item(item, errors)
    title = errors.text("title", title, 200)
    checked = Errors()
    facts = files.check_upload(uploaded, files.SCAN_TYPES, "file", checked)
    for message in checked.get("file", []):
        errors.add("file", MSG_TYPE if message == files.MSG_SCAN_TYPE else message)
    errors.raise_if_any()
    row = _row_for_evidence(body, year, item, actor)
    if row.evidence.filter(withdrawn=False).count() >= MAX_EVIDENCE:
        raise AssessmentInvalid({"file": [MSG_TOO_MANY]})
    evidence = AssuranceEvidence(assurance=row, title=title)
    return files.store(
        evidence,
        uploaded,
        facts,
        folder=f"{EVIDENCE_DIR}/{row.pk}",
        actor=actor,
        request=request,
        diff={"item": item, "year": year},
    )


def open_evidence(user, evidence: AssuranceEvidence, *, request=None):
    require(user, VIEW_PERM)
    return files.open_stored(evidence, user=user, request=request)


def withdraw_evidence(user, evidence: AssuranceEvidence, *, reason: str, request=None) -> None:
    require(user, MANAGE_PERM)
    errors = Errors()
    _check_body(user, body_of(evidence.assurance), errors)
    errors.raise_if_any()
    files.withdraw(evidence, user=user, reason=reason, request=request)


def body_of(row: Assurance) -> Body:
    if row.community_id:
        return Body(COMMUNITY, row.community_id, row.community.name)
    return Body("unit", row.unit_id, row.unit.name)
