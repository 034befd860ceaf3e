"""The centre's front desk (综治中心 一站式受理): one intake, turned into a petition or a dispute.

The person at the desk records the visitor's matter once and chooses what it becomes: a petition
(信访, a request or complaint to the government, registered as a visit) or a dispute (矛盾纠纷,
between parties, for people's mediation, registered as a party's application). Either way the
visitor leaves with one receipt code that the public tracker follows: a petition's own code, or
for a dispute the same kind of code kept on the dispute, with the visitor's phone blind-indexed
on the visitor's party exactly as a petitioner's is. The other side never gets a track hash: it
was not given the slip.

The registration itself is the kind's own service (``register_petition`` /
``register_dispute``); this module only chooses, checks the person's right to that kind over
the place first (so a refusal is a message beside the field, not a 403), and adds the receipt
code in the same transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case
from huiyin.cases.workflow import status_label
from huiyin.disputes.models import Dispute, Party, Source
from huiyin.disputes.registration import REGISTER_PERMS, DisputeInvalid, register_dispute
from huiyin.org import streets
from huiyin.org.access import reach_of
from huiyin.org.models import Community, Grid
from huiyin.org.roles import Perm
from huiyin.petitions.models import Channel, Petition, new_receipt_code
from huiyin.petitions.services import TRACK_PURPOSE, PetitionInvalid, register_petition
from huiyin.privacy import crypto
from huiyin.privacy.normalize import normalize_digits

PETITION = "petition"
DISPUTE = "dispute"

MSG_KIND_NOT_ALLOWED = _("Your role does not allow registering this kind of matter.")
MSG_PLACE_NOT_ALLOWED = _("Your role does not allow registering this kind of matter here.")
MSG_KIND = _("Choose whether the matter is a petition or a dispute.")
MSG_OTHER_SIDE = _("A dispute names the other side.")
MSG_REQUIRED = _("This field is required.")

#: Where the kinds' services put their messages -> the desk form's field.
_PETITION_FIELDS = {
    "petitioners.0.name": "name",
    "petitioners.0.id_number": "id_number",
    "petitioners.0.phone": "phone",
    "petitioners.0.address": "address",
    "petitioners": "name",
}
_DISPUTE_FIELDS = {
    "parties.0.name": "name",
    "parties.0.id_number": "id_number",
    "parties.0.phone": "phone",
    "parties.0.address": "address",
    "parties.1.name": "other_name",
    "parties.1.phone": "other_phone",
    "parties.1.id_number": "other_name",
    "parties.1.address": "other_name",
    "parties": "other_name",
    "received_on": "title",
}
_FORM_FIELDS = frozenset(
    {"kind", "title", "description", "community", "grid", "name", "id_number", "phone"}
    | {"address", "other_name", "other_phone"}
)


class DeskInvalid(Exception):
    """Input refused; `errors` maps the desk form's fields to lists of messages."""

    def __init__(self, errors: dict[str, list[str | Promise]]):
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class DeskReceipt:
    kind: str
    case: Case
    receipt_code: str
    trackable: bool  # the visitor gave a phone: the tracker can find it


def kinds_for(user) -> list[str]:
    """The kinds this person may register at the desk (somewhere in their scope)."""
    reach = reach_of(user)
    kinds = []
    if reach.can(Perm.PETITIONS_REGISTER):
        kinds.append(PETITION)
    if any(reach.can(perm) for perm in REGISTER_PERMS):
        kinds.append(DISPUTE)
    return kinds


def _covers(user, kind: str, community_id: int | None, grid_id: int | None) -> bool:
    reach = reach_of(user)
    perms = (Perm.PETITIONS_REGISTER,) if kind == PETITION else REGISTER_PERMS
    # No place: the matter is of the street the person works in.
    home = streets.street_of(user) if community_id is None and grid_id is None else None
    street_id = home.pk if home is not None else None
    return any(
        reach.can(perm)
        and reach.scope(perm).covers(
            street_id=street_id, community_id=community_id, grid_id=grid_id
        )
        for perm in perms
    )


def _place(data: dict) -> tuple[int | None, int | None]:
    def pk(value) -> int | None:
        return bounds.bounded_int(getattr(value, "pk", value), 1, bounds.MAX_ID)

    community_id, grid_id = pk(data.get("community")), pk(data.get("grid"))
    if community_id is None and grid_id is not None:
        community_id = (
            Grid.objects.filter(pk=grid_id).values_list("community_id", flat=True).first()
        )
    return community_id, grid_id


def _map(errors: dict, fields: dict[str, str]) -> dict[str, list]:
    mapped: dict[str, list] = {}
    for key, messages in errors.items():
        target = fields.get(key, key if key in _FORM_FIELDS else "title")
        mapped.setdefault(target, []).extend(messages)
    return mapped


def _unique_receipt_code() -> str:
    # One code space for both kinds: the tracker must never find two matters for one code.
    while True:
        code = new_receipt_code()
        if not (
            Petition.objects.filter(receipt_code=code).exists()
            or Dispute.objects.filter(receipt_code=code).exists()
        ):
            return code


def track_hash(receipt_code: str, phone: str) -> str:
    """The same blind index as a petitioner's (code + the phone's last four digits)."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) < 4:
        return ""
    return crypto.blind_index(f"{receipt_code}:{digits[-4:]}", purpose=TRACK_PURPOSE)


def register(actor, data: dict, *, request=None) -> DeskReceipt:
    """Register the visitor's matter as the chosen kind, in one transaction.

    `data`: ``kind`` (PETITION / DISPUTE), ``title``, ``description``, ``community``,
    ``grid``, the visitor's ``name``, ``id_number``, ``phone``, ``address``, and for a dispute
    the other side's ``other_name`` (required) and ``other_phone``. Raises DeskInvalid with
    every problem found, keyed by the desk form's fields; nothing is written then.
    """
    kind = str(data.get("kind") or "")
    if kind not in (PETITION, DISPUTE):
        raise DeskInvalid({"kind": [MSG_KIND]})
    if kind not in kinds_for(actor):
        raise DeskInvalid({"kind": [MSG_KIND_NOT_ALLOWED]})
    community_id, grid_id = _place(data)
    # Checked here, before the kind's service would refuse with a 403: at the desk, choosing a
    # place outside one's scope is a mistake to correct, not an intrusion.
    if (Community.objects.filter(pk=community_id).exists() or community_id is None) and not _covers(
        actor, kind, community_id, grid_id
    ):
        raise DeskInvalid({"community": [MSG_PLACE_NOT_ALLOWED]})
    visitor = {
        "name": data.get("name"),
        "id_number": data.get("id_number") or "",
        "phone": data.get("phone") or "",
        "address": data.get("address") or "",
    }
    if kind == PETITION:
        try:
            petition = register_petition(
                actor=actor,
                data={
                    "title": data.get("title"),
                    "description": data.get("description") or "",
                    "channel": Channel.VISIT,
                    "community": data.get("community"),
                    "grid": data.get("grid"),
                },
                petitioners=[{**visitor, "is_representative": False}],
                request=request,
            )
        except PetitionInvalid as invalid:
            raise DeskInvalid(_map(invalid.errors, _PETITION_FIELDS)) from None
        return DeskReceipt(PETITION, petition.case, petition.receipt_code, bool(visitor["phone"]))
    return _register_dispute(actor, data, visitor, request)


def _register_dispute(actor, data: dict, visitor: dict, request) -> DeskReceipt:
    other_name = bounds.strip_nul(str(data.get("other_name") or "")).strip()
    if not other_name:
        # Every other problem is shown with it: the service checks the rest, nothing written.
        try:
            _call_register_dispute(actor, data, visitor, "-", request, dry=True)
        except DeskInvalid as invalid:
            errors = invalid.errors
        else:  # pragma: no cover - dry run always raises
            errors = {}
        errors.setdefault("other_name", []).insert(0, MSG_OTHER_SIDE)
        raise DeskInvalid(errors)
    with transaction.atomic():
        case = _call_register_dispute(actor, data, visitor, other_name, request)
        dispute = case.dispute
        dispute.receipt_code = _unique_receipt_code()
        dispute.save(update_fields=["receipt_code"])
        applicant = dispute.parties.filter(side=Party.Side.A).order_by("order", "id").first()
        applicant.track_hash = track_hash(dispute.receipt_code, visitor["phone"])
        applicant.save(update_fields=["track_hash"])
    return DeskReceipt(DISPUTE, case, dispute.receipt_code, bool(visitor["phone"]))


class _DryRun(Exception):
    pass


def _call_register_dispute(actor, data, visitor, other_name, request, *, dry=False) -> Case:
    try:
        with transaction.atomic():
            case = register_dispute(
                actor,
                title=data.get("title") or "",
                description=data.get("description") or "",
                community=data.get("community"),
                grid=data.get("grid"),
                source=Source.APPLICATION,
                received_on=bounds.today(),
                parties=[
                    {"side": Party.Side.A, **visitor},
                    {"side": Party.Side.B, "name": other_name, "phone": data.get("other_phone")},
                ],
                request=request,
            )
            if dry:
                raise _DryRun
    except DisputeInvalid as invalid:
        raise DeskInvalid(_map(invalid.errors, _DISPUTE_FIELDS)) from None
    except _DryRun:
        raise DeskInvalid({}) from None
    return case


# --------------------------------------------------------------------------- the tracker


@dataclass(frozen=True)
class DisputeTrackView:
    """What the public page shows of a dispute: the office, number and title (as on the
    receipt), its stage and dates. Never a party, the facts, the claims or the agreement."""

    receipt_code: str
    street: str
    number: str
    title: str
    stage: str
    stage_label: str
    received_on: date
    started_on: date | None
    ended_on: date | None
    closed_on: date | None


def _find(receipt_code: str, phone_last4: str) -> Dispute | None:
    code = normalize_digits(receipt_code or "").upper()
    digits = normalize_digits(phone_last4 or "")
    if not re.fullmatch(r"[A-Z0-9]{6,16}", code) or not re.fullmatch(r"\d{4}", digits):
        return None
    hashes = crypto.blind_index_candidates(f"{code}:{digits}", purpose=TRACK_PURPOSE)
    dispute_id = (
        Party.objects.filter(
            track_hash__in=hashes, dispute__receipt_code=code, dispute__case__withdrawn=False
        )
        .values_list("dispute_id", flat=True)
        .first()
    )
    if dispute_id is None:
        return None
    return Dispute.objects.select_related("case__street").get(pk=dispute_id)


def track_dispute(receipt_code: str, phone_last4: str, *, request=None) -> DisputeTrackView | None:
    """A dispute's public status by its desk receipt code and the phone's last four digits.

    None when either is wrong. Every lookup is audited ("dispute.track"); the tracker view
    rate-limits per address before asking.
    """
    from huiyin.privacy.audit import record

    dispute = _find(receipt_code, phone_last4)
    with transaction.atomic():
        record(
            "dispute.track",
            target=dispute.case if dispute else None,
            diff={"found": dispute is not None},
            request=request,
        )
    if dispute is None:
        return None
    case = dispute.case
    return DisputeTrackView(
        receipt_code=dispute.receipt_code or "",
        street=case.street.name,
        number=case.number,
        title=case.title,
        stage=case.status,
        stage_label=status_label(Kind.DISPUTE, case.status),
        received_on=case.received_on,
        started_on=dispute.started_on,
        ended_on=dispute.ended_on,
        closed_on=dispute.closed_on,
    )
