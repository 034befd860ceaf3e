"""Registering a dispute: every field checked and bounded, then the case (numbered 调), the
dispute, its parties (identity encrypted, masked copies), the incoming transfer (三调对接) and
the clocks in one transaction. :func:`register_dispute` is the door; the screening reports,
the ledger importer, the front desk and :func:`~huiyin.disputes.services.petition_to_dispute`
all come through it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds, clocks, numbering
from huiyin.cases.calendar import for_street
from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.exceptions import CaseRefused
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case, CaseEvent, Category
from huiyin.cases.services import MSG_GRID_COMMUNITY
from huiyin.disputes import checks, rules
from huiyin.disputes import clocks as dispute_clocks
from huiyin.disputes.models import (
    COURT_SOURCES,
    Committee,
    Dispute,
    Party,
    Source,
    Status,
    Tier,
    Transfer,
)
from huiyin.disputes.steps.common import check_committee_place
from huiyin.org.access import reach_of
from huiyin.org.models import Community, Grid
from huiyin.org.roles import Perm
from huiyin.privacy import masking
from huiyin.privacy.validators import validate_phone, validate_resident_id

#: Who registers a dispute (and adds its parties): screening finds it, a mediator receives it.
REGISTER_PERMS = (Perm.DISPUTES_SCREEN, Perm.DISPUTES_MEDIATE)

MSG_REQUIRED = _("This field is required.")
MSG_CHOICE = _("Choose one of the options.")
MSG_CATEGORY = _("Choose a dispute type in use.")
MSG_NAME_TOO_LONG = _("The name is too long.")
MSG_TOO_MANY_PARTIES = _("A dispute names at most %(max)s parties.")
MSG_COURT = _("A court-referred dispute names the court and its document number.")
MSG_PETITION_CASE = _("Choose a petition you may see.")
MSG_PETITION_SOURCE = _("Only a dispute turned from a petition links to one.")
MSG_TIER_COMMITTEE = _("The committee is not of the chosen tier.")
MSG_BOTH_SIDES = _(
    "A petition becomes a mediation with the consent of both parties (Regulations art. 33): "
    "name at least one party on each side."
)
MSG_PARTY_STATE = _("Parties are added before the mediation ends.")
MSG_NOT_PETITION = _("Only a petition can be turned into a mediation.")
MSG_FROM_PETITION_NOTE = _(
    "Turned into people's mediation with both parties' consent: %(number)s (Regulations art. 33)."
)
MSG_NO_PERM = _("Your role does not allow this on this matter.")


class DisputeInvalid(Exception):
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
            raise DisputeInvalid(dict(self))


def deny(user, label: str) -> None:
    from huiyin.privacy.audit import record

    with transaction.atomic():
        record(
            "access.denied",
            actor=user if getattr(user, "is_authenticated", False) else None,
            target_label=label,
        )
    raise PermissionDenied


def _resolve(model, value):
    if value in (None, ""):
        return None
    if isinstance(value, model):
        return value
    pk = bounds.bounded_int(getattr(value, "pk", value), 1, bounds.MAX_ID)
    return model.objects.filter(pk=pk).first() if pk is not None else None


def _text(value, limit: int) -> str:
    return bounds.strip_nul(str(value or "")).strip()[:limit]


# --------------------------------------------------------------------------- parties


def clean_party(row: Mapping, prefix: str, errors: Errors) -> dict:
    if not isinstance(row, Mapping):
        errors.add(prefix, MSG_REQUIRED)
        return {}
    side = str(row.get("side") or "").strip().lower()
    if side not in Party.Side.values:
        errors.add(f"{prefix}.side", MSG_CHOICE)
    kind = str(row.get("kind") or Party.PartyKind.PERSON).strip()
    if kind not in Party.PartyKind.values:
        errors.add(f"{prefix}.kind", MSG_CHOICE)
    person = kind == Party.PartyKind.PERSON
    name = bounds.strip_nul(str(row.get("name") or "")).strip()
    if not name:
        errors.add(f"{prefix}.name", MSG_REQUIRED)
    elif len(name) > (40 if person else 100):
        errors.add(f"{prefix}.name", MSG_NAME_TOO_LONG)
    cleaned = {"side": side, "kind": kind, "name": name}
    for key, validate in (("id_number", validate_resident_id), ("phone", validate_phone)):
        value = _text(row.get(key), 40)
        if value and not (key == "id_number" and not person):
            try:
                value = validate(value)
            except ValidationError as exc:
                for message in exc.messages:
                    errors.add(f"{prefix}.{key}", message)
        cleaned[key] = value if (person or key == "phone") else ""
    cleaned["address"] = _text(row.get("address"), 200)
    cleaned["legal_representative"] = "" if person else _text(row.get("legal_representative"), 40)
    return cleaned


def clean_parties(rows, errors: Errors) -> list[dict]:
    if rows is None:
        return []
    if isinstance(rows, str | bytes | Mapping) or not hasattr(rows, "__iter__"):
        errors.add("parties", MSG_REQUIRED)
        return []
    rows = list(rows)
    if len(rows) > rules.max_parties():
        errors.add("parties", str(MSG_TOO_MANY_PARTIES) % {"max": rules.max_parties()})
        return []
    return [clean_party(row, f"parties.{i}", errors) for i, row in enumerate(rows)]


def create_party(dispute: Dispute, person: dict, order: int) -> Party:
    is_person = person["kind"] == Party.PartyKind.PERSON
    party = Party(
        dispute=dispute,
        side=person["side"],
        kind=person["kind"],
        name=person["name"],
        name_masked=masking.mask_name(person["name"]) if is_person else person["name"][:100],
        id_number=person["id_number"],
        id_number_masked=masking.mask_resident_id(person["id_number"]),
        phone=person["phone"],
        phone_masked=masking.mask_phone(person["phone"]),
        address=person["address"],
        legal_representative=person["legal_representative"],
        order=order,
    )
    party.save()
    return party


def masked_party(party: Party) -> dict:
    return {
        "side": party.side,
        "kind": party.kind,
        "name": party.name_masked,
        "id_number": party.id_number_masked,
        "phone": party.phone_masked,
    }


# --------------------------------------------------------------------------- registration


def _received_at(value, errors: Errors) -> datetime | None:
    """The moment received: now when the day is today, else the start of that day (Beijing)."""
    try:
        day = checks.day({"received_on": value}, "received_on", today=bounds.today(), required=True)
    except CaseRefused as refusal:
        errors.add("received_on", refusal.message)
        return None
    now = timezone.now()
    if day == timezone.localdate(now, CHINA_TZ):
        return now
    return datetime.combine(day, time(0, 0), tzinfo=CHINA_TZ)


def clean_registration(actor, data: dict, errors: Errors) -> dict:
    """Every field of a registration checked; what is wrong goes to `errors`."""
    c: dict = {}
    c["title"] = _text(data.get("title"), 200)
    if not c["title"]:
        errors.add("title", MSG_REQUIRED)
    c["description"] = errors.guard("description", checks.text, data, "description") or ""
    c["facts"] = errors.guard("facts", checks.text, data, "facts") or ""
    c["claims"] = errors.guard("claims", checks.text, data, "claims") or ""

    community = _resolve(Community, data.get("community"))
    grid = _resolve(Grid, data.get("grid"))
    if data.get("community") not in (None, "") and community is None:
        errors.add("community", MSG_CHOICE)
    if data.get("grid") not in (None, "") and grid is None:
        errors.add("grid", MSG_CHOICE)
    if grid is not None and community is None:
        community = grid.community
    elif grid is not None and grid.community_id != community.pk:
        errors.add("grid", MSG_GRID_COMMUNITY)
    c["community"], c["grid"] = community, grid

    category = _resolve(Category, data.get("category"))
    if data.get("category") not in (None, "") and (
        category is None or category.kind != Kind.DISPUTE or not category.active
    ):
        errors.add("category", MSG_CATEGORY)
    c["category"] = category

    source = str(data.get("source") or "").strip()
    if source not in Source.values:
        errors.add("source", MSG_CHOICE)
    c["source"] = source
    c["received_at"] = _received_at(data.get("received_on"), errors)
    c["received_on"] = (
        timezone.localtime(c["received_at"], CHINA_TZ).date() if c["received_at"] else None
    )
    c["court_name"] = _text(data.get("court_name"), 100)
    c["court_document"] = _text(data.get("court_document"), 60)
    c["simplified"] = bool(data.get("simplified")) and source == Source.COURT_ENTRUSTED
    c["materials_received_on"] = None
    if source in COURT_SOURCES:
        if not (c["court_name"] and c["court_document"]):
            errors.add("court_name", MSG_COURT)
        if c["received_on"] is not None:
            c["materials_received_on"] = errors.guard(
                "materials_received_on",
                checks.day,
                data,
                "materials_received_on",
                today=bounds.today(),
                not_before=c["received_on"],
                required=None,
            )

    petition_case = data.get("petition_case")
    c["petition_case"] = None
    if petition_case not in (None, ""):
        pk = bounds.bounded_int(getattr(petition_case, "pk", petition_case), 1, bounds.MAX_ID)
        found = (
            Case.objects.visible_to(actor, kind=Kind.PETITION).filter(pk=pk).first()
            if pk is not None
            else None
        )
        if found is None:
            errors.add("petition_case", MSG_PETITION_CASE)
        elif source != Source.PETITION:
            errors.add("petition_case", MSG_PETITION_SOURCE)
        c["petition_case"] = found

    c["amount"] = errors.guard(
        "amount", checks.amount, data.get("amount"), "amount", rules.max_amount()
    )
    c["people_count"] = errors.guard(
        "people_count",
        checks.count,
        data.get("people_count"),
        "people_count",
        bounds.max_headcount(),
    )

    committee = _resolve(Committee, data.get("committee"))
    if data.get("committee") not in (None, ""):
        if committee is None or not committee.active:
            errors.add("committee", MSG_CHOICE)
            committee = None
        else:
            errors.guard(
                "committee",
                check_committee_place,
                committee,
                community.pk if community else None,
                grid.pk if grid else None,
            )
    tier = str(data.get("tier") or "").strip()
    if tier and tier not in Tier.values:
        errors.add("tier", MSG_CHOICE)
    elif committee is not None and tier and tier != committee.tier:
        errors.add("tier", MSG_TIER_COMMITTEE)
    if not tier:
        tier = committee.tier if committee else (Tier.COMMUNITY if community else Tier.STREET)
    c["committee"], c["tier"] = committee, tier
    c["parties"] = clean_parties(data.get("parties"), errors)
    return c


def check_scope(actor, c: dict, street=None) -> None:
    """Deny (audited) a place outside the actor's scope; `street` is the record's street."""
    reach = reach_of(actor)
    community_id = c["community"].pk if c["community"] else None
    grid_id = c["grid"].pk if c["grid"] else None
    unit_id = c["committee"].unit_id if c["committee"] else None
    street_id = street.pk if street is not None else None
    for perm in REGISTER_PERMS:
        if reach.scope(perm).covers(
            street_id=street_id, community_id=community_id, grid_id=grid_id, unit_id=unit_id
        ):
            return
    deny(actor, "dispute.register")


def street_of(c: dict, actor):
    """The record's street: its community's or committee's, else the one the actor works in."""
    from huiyin.org import streets

    if c["community"] is not None:
        return c["community"].street
    if c["committee"] is not None:
        return c["committee"].street
    return streets.street_of(actor)


def create_dispute(actor, c: dict, street, request) -> Case:
    """The case, the dispute, its parties, incoming transfer and clocks (inside a transaction)."""
    from huiyin.privacy.audit import record

    received_on = c["received_on"]
    seq, number = numbering.allocate(street, Kind.DISPUTE, received_on.year)
    owner_unit = (
        c["committee"].unit if c["committee"] and c["committee"].tier == Tier.UNIT else None
    )
    case = Case.objects.create(
        street=street,
        kind=Kind.DISPUTE,
        number=number,
        year=received_on.year,
        seq=seq,
        title=c["title"],
        description=c["description"],
        community=c["community"],
        grid=c["grid"],
        category=c["category"],
        status=Status.REGISTERED,
        owner_unit=owner_unit,
        received_at=c["received_at"],
        created_by=actor,
    )
    dispute = Dispute.objects.create(
        case=case,
        source=c["source"],
        court_name=c["court_name"],
        court_document=c["court_document"],
        simplified=c["simplified"],
        materials_received_on=c["materials_received_on"],
        petition_case=c["petition_case"],
        facts=c["facts"],
        claims=c["claims"],
        amount=c["amount"],
        people_count=c["people_count"],
        tier=c["tier"],
        committee=c["committee"],
    )
    parties = [create_party(dispute, p, i) for i, p in enumerate(c["parties"])]
    incoming = _INCOMING.get(c["source"])
    if incoming is not None:
        Transfer.objects.create(
            dispute=dispute,
            direction=Transfer.Direction.IN,
            body_kind=incoming,
            body=c["court_name"] or (c["petition_case"].number if c["petition_case"] else ""),
            on=received_on,
            result=Transfer.Result.ACCEPTED,
            result_on=received_on,
        )
    labour = rules.is_labour_category(c["category"])
    CaseEvent.objects.create(
        case=case,
        actor=actor,
        kind="registered",
        to_status=Status.REGISTERED,
        data={
            "source": c["source"],
            "tier": c["tier"],
            "committee": c["committee"].pk if c["committee"] else None,
            "parties": len(parties),
            "labour": labour,
            "petition_case": c["petition_case"].pk if c["petition_case"] else None,
        },
    )
    if labour:
        dispute_clocks.start(case, dispute_clocks.LABOUR, received_on, actor=actor)
    court = dispute_clocks.court_clock_code(c["source"], c["simplified"])
    if court is not None:
        start = c["materials_received_on"] or received_on
        dispute_clocks.start(case, court, start, actor=actor)
    clocks.refresh_due(case)
    if c["petition_case"] is not None:
        _note_on_petition(c["petition_case"], case, actor)
    record(
        "object.create",
        actor=actor,
        target=case,
        diff={
            "number": number,
            "source": c["source"],
            "tier": c["tier"],
            "parties": [masked_party(p) for p in parties],
        },
        request=request,
    )
    return case


#: The body a dispute came from, by source (三调对接: the incoming side).
_INCOMING = {
    Source.COURT_ASSIGNED: Transfer.Body.COURT,
    Source.COURT_ENTRUSTED: Transfer.Body.COURT,
    Source.POLICE: Transfer.Body.POLICE,
    Source.PETITION: Transfer.Body.PETITION,
}


def _note_on_petition(petition_case: Case, dispute_case: Case, actor) -> None:
    """The petition's timeline points to the mediation it became (the link both ways)."""
    CaseEvent.objects.create(
        case=petition_case,
        actor=actor,
        kind="note",
        note=gettext(MSG_FROM_PETITION_NOTE) % {"number": dispute_case.number},
        data={"dispute": dispute_case.pk, "dispute_number": dispute_case.number},
    )


def register_dispute(
    actor,
    *,
    title: str,
    description: str = "",
    community,
    grid=None,
    category=None,
    source: str,
    received_on: date | str,
    parties: Sequence[Mapping] = (),
    facts: str = "",
    claims: str = "",
    amount=None,
    people_count=None,
    tier: str | None = None,
    committee=None,
    court_name: str = "",
    court_document: str = "",
    simplified: bool = False,
    materials_received_on: date | str | None = None,
    petition_case=None,
    request=None,
) -> Case:
    """Register a dispute: the case (numbered 调), the dispute, its parties and clocks.

    `community`, `grid`, `category` (a dispute type in use), `committee` and `petition_case`
    may be instances or ids; `community` may be None for a street-wide registrar. `source` is a
    :class:`~huiyin.disputes.models.Source`; a court source needs `court_name` and
    `court_document` (`simplified` for 委托 under the simplified procedure;
    `materials_received_on`, default the date received, starts the court period); a petition
    source may link `petition_case` (a petition the actor may see; its timeline notes the link).
    `received_on`: a date not in the future. `parties`: dicts with ``side`` ("a" applicant /
    "b" respondent), ``kind`` ("person" default / "organisation"), ``name``, and for a person
    ``id_number``, ``phone``, ``address``; for an organisation ``address``, ``phone``,
    ``legal_representative``. `amount` in yuan (0..HUIYIN_DISPUTE_MAX_AMOUNT), `people_count`
    1..HUIYIN_MAX_HEADCOUNT. `tier` defaults to the committee's, else community (street without
    a community).

    Needs Perm.DISPUTES_SCREEN or DISPUTES_MEDIATE over the place (PermissionDenied, audited);
    raises DisputeInvalid with every problem found.
    """
    reach = reach_of(actor)
    if not any(reach.can(perm) for perm in REGISTER_PERMS):
        deny(actor, "dispute.register")
    data = {
        "title": title,
        "description": description,
        "community": community,
        "grid": grid,
        "category": category,
        "source": source,
        "received_on": received_on,
        "parties": parties,
        "facts": facts,
        "claims": claims,
        "amount": amount,
        "people_count": people_count,
        "tier": tier,
        "committee": committee,
        "court_name": court_name,
        "court_document": court_document,
        "simplified": simplified,
        "materials_received_on": materials_received_on,
        "petition_case": petition_case,
    }
    errors = Errors()
    c = clean_registration(actor, data, errors)
    street = street_of(c, actor)
    if street is None:
        errors.add("community", MSG_CHOICE)
    errors.raise_if_any()
    check_scope(actor, c, street)
    with transaction.atomic(), for_street(street.pk):  # the street's own days count
        return create_dispute(actor, c, street, request)
