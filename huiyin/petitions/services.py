"""Petition services: intake, the public tracker, follow-ups, key cases and reception days.

Views call these (and :func:`huiyin.cases.workflow.fire` for the transitions); they check
permissions, validate with translatable messages and write each change with its timeline
event and audit entry in one transaction.

Errors:

* :class:`PetitionInvalid` — bad input; ``errors`` maps a field (``"headcount"``,
  ``"petitioners"``, ``"petitioners.0.phone"``...) to its messages, for a form to show;
* :class:`~huiyin.cases.exceptions.TransitionRefused` — the person may not do this here;
* :class:`RatingRefused` — the public rating was not taken (with the message to show);
* ``Http404`` — the case is not visible to the person (audited by the door).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds, clocks, numbering
from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.exceptions import CaseRefused, TransitionRefused
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case, CaseEvent, Category, Clock, _staff_id, staff_of
from huiyin.cases.services import MSG_GRID_COMMUNITY, holds
from huiyin.cases.workflow import status_label
from huiyin.org import streets as streets_of
from huiyin.org.access import reach_of
from huiyin.org.models import Community, Grid, Staff, Street, Unit
from huiyin.org.roles import ROLE_PERMISSIONS, Perm
from huiyin.petitions.models import (
    Channel,
    FollowUp,
    Level,
    Petition,
    Petitioner,
    ReceptionSlot,
    Satisfaction,
    Status,
    TellManner,
    new_receipt_code,
)
from huiyin.privacy import crypto, masking
from huiyin.privacy.fields import lookup_q
from huiyin.privacy.normalize import normalize_digits
from huiyin.privacy.validators import validate_phone, validate_resident_id

TRACK_PURPOSE = "petition.track"
DEFAULT_MAX_REPRESENTATIVES = 5  # 条例 art. 20
_CLOCK_SKEW = timedelta(minutes=5)
#: Registrations written again when the random receipt code was taken (one in 10^15 each).
RECEIPT_CODE_ATTEMPTS = 3
_MAX_CHAIN = 100

MSG_NO_PERM = _("Your role does not allow this on this matter.")
MSG_REQUIRED = _("This field is required.")
MSG_CHOICE = _("Choose one of the options.")
MSG_NOT_FOUND = _("No such record.")
MSG_RECEIVED_FUTURE = _("The date received cannot be in the future.")
MSG_HEADCOUNT_MIN = _("Headcount must be at least 1.")
MSG_HEADCOUNT_MAX = _("Headcount cannot exceed %(max)s; please check the number.")
MSG_HEADCOUNT_BELOW = _("Headcount cannot be lower than the number of petitioners entered.")
MSG_REPRESENTATIVES_MIN = _(
    "Mark at least one petitioner as a representative of the collective visit."
)
# 条例 art. 20 (visits only): more representatives is a warning recorded, never a refusal.
MSG_REPRESENTATIVES_WARNING = _(
    "More than %(max)s representatives; advised on the spot (Regulations art. 20)."
)
MSG_NO_PETITIONER = _("Enter at least one petitioner.")
MSG_ON_THE_SPOT_VISIT = _("Only a visitor can be told on the spot.")
MSG_ANONYMOUS_LETTER = _("Only a letter can be registered as anonymous.")
MSG_ANONYMOUS_NAMES = _("An anonymous letter names no petitioner: leave the petitioner rows empty.")
MSG_NAME_TOO_LONG = _("The name is too long.")
MSG_ASSIGNED_BY = _("Enter who assigned the matter (the sender).")
MSG_CATEGORY = _("Choose a petition category in use.")
MSG_UNIT = _("Choose a unit of this street.")
MSG_STAFF = _("Choose a staff member of this street.")
MSG_STAFF_SELF = _(
    "You are the staff member complained about: a colleague registers this petition "
    "(Regulations art. 28)."
)
MSG_SLOT_DAY = _("The reception slot is on another day than the date received.")
MSG_REPEAT = _("No earlier petition with this number was found.")
MSG_STREET = _("Choose the street the matter belongs to.")
MSG_FOLLOW_UP_BEFORE_REPLY = _("A follow-up can be recorded once the matter has been replied to.")
MSG_DATE_FUTURE = _("The date cannot be in the future.")
MSG_DATE_BEFORE_REPLY = _("The date cannot be earlier than the reply.")
MSG_TRACK_NOT_FOUND = _("No matter matches this receipt code and phone number.")
MSG_RATE_NOT_YET = _("You can rate the handling once you have received the reply.")
MSG_RATE_ONCE = _("This matter has already been rated.")
MSG_KEY_CASE_EXISTS = _("This matter is already a key case.")
MSG_NOT_A_LEADER = _("Choose a leader: a person who may approve petitions.")
MSG_PLAN = _("Enter the plan.")
MSG_TIME_LIMIT_PAST = _("The time limit cannot be in the past.")
MSG_COMPLAINED_UNIT = _("The unit complained about cannot be responsible for the matter.")
MSG_PROGRESS_EMPTY = _("The progress entry is empty.")
MSG_SLOT_TIMES = _("The end time must be after the start time.")


class PetitionInvalid(Exception):
    """Input refused; `errors` maps field names to lists of translatable messages."""

    def __init__(self, errors: dict[str, list[str | Promise]]):
        super().__init__(errors)
        self.errors = errors

    def __str__(self) -> str:
        return "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in self.errors.items())


class RatingRefused(CaseRefused):
    """The public rating was not recorded; `message` tells the petitioner why."""


class _Errors(dict):
    def add(self, key: str, message) -> None:
        self.setdefault(key, []).append(message)

    def raise_if_any(self) -> None:
        if self:
            raise PetitionInvalid(dict(self))


def _resolve(model, value):
    if value in (None, ""):
        return None
    if isinstance(value, model):
        return value
    pk = bounds.bounded_int(getattr(value, "pk", value), 1, bounds.MAX_ID)
    return model.objects.filter(pk=pk).first() if pk is not None else None


def _text(value, limit: int | None = None) -> str:
    text = bounds.strip_nul(str(value or "")).strip()
    return text[:limit] if limit else text


def _max_representatives() -> int:
    return int(getattr(settings, "HUIYIN_MAX_REPRESENTATIVES", DEFAULT_MAX_REPRESENTATIVES))


def _actor_staff(user) -> Staff | None:
    staff_id = _staff_id(user)
    return Staff.objects.filter(pk=staff_id).first() if staff_id else None


def _actor_staff_ref(user) -> Staff | None:
    """The actor's staff row as a reference for a foreign key: `staff_of()` has read its id and
    unit already (cached on the user), so the intake does not read the row again."""
    staff_id, unit_id = staff_of(user)
    return Staff(pk=staff_id, unit_id=unit_id) if staff_id else None


def _deny(user, label: str) -> None:
    from huiyin.privacy.audit import record

    with transaction.atomic():
        record(
            "access.denied",
            actor=user if getattr(user, "is_authenticated", False) else None,
            target_label=label,
        )
    raise PermissionDenied


# --------------------------------------------------------------------------- intake


def _received_at(value, errors: _Errors) -> datetime | None:
    now = timezone.now()
    if value in (None, ""):
        return now
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            errors.add("received_at", MSG_REQUIRED)
            return None
    if isinstance(value, datetime):
        moment = value if timezone.is_aware(value) else timezone.make_aware(value, CHINA_TZ)
    elif isinstance(value, date):
        # A date alone: now when it is today, else the start of that day in Beijing.
        if value == timezone.localdate(now, CHINA_TZ):
            moment = now
        else:
            moment = datetime.combine(value, time(0, 0), tzinfo=CHINA_TZ)
    else:
        errors.add("received_at", MSG_REQUIRED)
        return None
    if moment > now + _CLOCK_SKEW:
        errors.add("received_at", MSG_RECEIVED_FUTURE)
        return None
    try:
        bounds.check_date(moment)
    except ValidationError as exc:
        errors.add("received_at", exc.messages[0])
        return None
    return moment


def _clean_petitioners(rows: list[dict], errors: _Errors, *, anonymous: bool = False) -> list[dict]:
    cleaned = []
    for i, row in enumerate(rows or []):
        prefix = f"petitioners.{i}"
        name = _text(row.get("name"))
        if not name:
            errors.add(f"{prefix}.name", MSG_REQUIRED)
        elif len(name) > 40:
            errors.add(f"{prefix}.name", MSG_NAME_TOO_LONG)
        id_number = _text(row.get("id_number"))
        if id_number:
            try:
                id_number = validate_resident_id(id_number)
            except ValidationError as exc:
                for message in exc.messages:
                    errors.add(f"{prefix}.id_number", message)
        phone = _text(row.get("phone"))
        if phone:
            try:
                phone = validate_phone(phone)
            except ValidationError as exc:
                for message in exc.messages:
                    errors.add(f"{prefix}.phone", message)
        cleaned.append(
            {
                "name": name,
                "id_number": id_number,
                "phone": phone,
                "address": _text(row.get("address"), 200),
                "is_representative": bool(row.get("is_representative")),
            }
        )
    if anonymous:
        if cleaned:
            errors.add("petitioners", MSG_ANONYMOUS_NAMES)
        return []
    if not cleaned:
        errors.add("petitioners", MSG_NO_PETITIONER)
    return cleaned


def _headcount(
    data: dict, people: list[dict], errors: _Errors, *, visit: bool
) -> tuple[bool, int, bool]:
    """(collective, headcount, more representatives than 条例 art. 20 allows).

    The representatives of a collective VISIT: at least one is named; more than the limit is
    recorded as a warning (art. 20 is a duty of the visitors, art. 47 the office's advice),
    never a reason to refuse registration. Joint letters and calls have no representatives.
    """
    collective = bool(data.get("is_collective"))
    raw = data.get("headcount")
    headcount = None
    if raw not in (None, ""):
        headcount = bounds.bounded_int(raw, -(10**18), 10**18)
        if headcount is None:
            # Digits beyond any count are "too many", anything else is not a number.
            digits = str(raw).strip()
            headcount = 10**18 if digits.isascii() and digits.isdigit() else 0
        if headcount < 1:
            errors.add("headcount", MSG_HEADCOUNT_MIN)
            return collective, 1, False
        if headcount > bounds.max_headcount():
            errors.add("headcount", str(MSG_HEADCOUNT_MAX) % {"max": bounds.max_headcount()})
            return collective, 1, False
    too_many = False
    if collective:
        if headcount is None:
            errors.add("headcount", MSG_HEADCOUNT_MIN)
            return collective, 1, False
        if visit:
            representatives = sum(1 for p in people if p["is_representative"])
            if representatives < 1:
                errors.add("petitioners", MSG_REPRESENTATIVES_MIN)
            too_many = representatives > _max_representatives()
    elif headcount is None:
        headcount = max(len(people), 1)
    if people and headcount < len(people):
        errors.add("headcount", MSG_HEADCOUNT_BELOW)
    return collective, headcount, too_many


def _repeat_of(value, actor) -> Petition | None:
    if value in (None, ""):
        return None
    if isinstance(value, Petition | Case):
        case_pk = value.pk  # a petition's key is its case's
    else:
        text = str(value).strip()
        pk = bounds.bounded_int(text, 1, bounds.MAX_ID)
        lookup = {"pk": pk} if pk is not None else {"number": text[:40]}
        case_pk = Case.objects.filter(kind=Kind.PETITION, **lookup).values_list("pk", flat=True)
        case_pk = case_pk.first()
    if case_pk is None or not Case.objects.visible_to(actor).filter(pk=case_pk).exists():
        return None
    return Petition.objects.filter(pk=case_pk).first()


def after_reexamination(petition: Petition | None) -> bool:
    """Whether a repeat of `petition` comes after a re-examination on the same facts (art. 36).

    Walks the chain of earlier petitions; the result flags the new petition, it never blocks it.
    """
    seen = set()
    while petition is not None and petition.pk not in seen and len(seen) < _MAX_CHAIN:
        if petition.reexam_closed_facts:
            return True
        seen.add(petition.pk)
        petition = petition.repeat_of
    return False


def _track_hash(receipt_code: str, phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) < 4:
        return ""
    return crypto.blind_index(f"{receipt_code}:{digits[-4:]}", purpose=TRACK_PURPOSE)


def register_petition(
    *,
    actor,
    data: dict,
    petitioners: list[dict],
    request=None,
    on_written: Callable[[Petition], None] | None = None,
) -> Petition:
    """Register a petition: the case (numbered), the petition, its petitioners and clocks.

    `data` keys: ``title`` (required), ``description``, ``channel`` (required, a
    :class:`Channel`), ``assigned_by`` (required for ``assigned``), ``assigned_doc_no``,
    ``level`` and ``handling_level`` (a :class:`Level`, default street), ``received_at``
    (datetime or date; default now; not in the future), ``community``, ``grid``, ``category``,
    ``is_collective``, ``headcount`` (≥ 1; an individual petition defaults to the number of
    petitioners), ``complained_unit``, ``complained_staff`` (条例 art. 30, 46: that person never
    sees it), ``complained_text``, ``reception_slot``, ``repeat_of``
    (a Petition, a Case, its id or number), ``received_by`` (default: the actor), ``street``
    (default: the community's, or the only street). Related objects may be instances or ids.

    `petitioners`: dicts with ``name`` (required), ``id_number``, ``phone``, ``address``,
    ``is_representative``. A collective visit names at least one representative; more than 5
    (条例 art. 20, HUIYIN_MAX_REPRESENTATIVES) is recorded as a warning on the case, never
    refused. Joint letters and calls have no representative rule.

    条例 art. 23: ``told_on_the_spot`` (visits only) records that the visitor was told on the
    spot, which stops the acceptance_notice clock at once; ``contact_unclear`` (the name or
    address is unclear, the petitioner cannot be told) means no notice is owed and no
    acceptance_notice clock runs. ``is_anonymous`` (letters only, 条例 art. 19): registered
    with no petitioner (`petitioners` empty), no notice owed, no tracker.

    `on_written(petition)` is called last inside the registration's transaction: what it
    writes is committed with the petition, or not at all (the intake page saves the clerk's
    session and its message there, so that an intake is one commit).

    Needs Perm.PETITIONS_REGISTER over the community (PermissionDenied, audited, otherwise);
    raises PetitionInvalid with every problem found.
    """
    from huiyin.privacy.audit import record

    reach = reach_of(actor)
    if not reach.can(Perm.PETITIONS_REGISTER):
        _deny(actor, "petition.register")
    errors = _Errors()

    title = _text(data.get("title"), 200)
    if not title:
        errors.add("title", MSG_REQUIRED)
    channel = _text(data.get("channel"))
    if channel not in Channel.values:
        errors.add("channel", MSG_CHOICE)
    assigned_by = _text(data.get("assigned_by"), 100)
    if channel == Channel.ASSIGNED and not assigned_by:
        errors.add("assigned_by", MSG_ASSIGNED_BY)
    level = _text(data.get("level")) or Level.STREET
    handling_level = _text(data.get("handling_level")) or Level.STREET
    for key, value in (("level", level), ("handling_level", handling_level)):
        if value not in Level.values:
            errors.add(key, MSG_CHOICE)
    received_at = _received_at(data.get("received_at"), errors)

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

    category = _resolve(Category, data.get("category"))
    if data.get("category") not in (None, "") and (
        category is None or category.kind != Kind.PETITION or not category.active
    ):
        errors.add("category", MSG_CATEGORY)

    street = _resolve(Street, data.get("street"))
    if street is None and community is not None:
        street = community.street
    staff = _resolve(Staff, data.get("received_by")) or _actor_staff_ref(actor)
    if street is None and staff is not None and staff.unit_id:
        street = staff.unit.street
    if street is None:  # the one street the actor works in (or the only street)
        street = streets_of.street_of(actor)
    if street is None:
        errors.add("street", MSG_STREET)
    elif community is not None and community.street_id != street.pk:
        errors.add("community", MSG_CHOICE)

    complained_unit = _resolve(Unit, data.get("complained_unit"))
    if data.get("complained_unit") not in (None, "") and (
        complained_unit is None or (street and complained_unit.street_id != street.pk)
    ):
        errors.add("complained_unit", MSG_UNIT)
    # 条例 art. 30, 46: the person complained about never sees the petition (visible_to).
    complained_staff = _resolve(Staff, data.get("complained_staff"))
    if data.get("complained_staff") not in (None, ""):
        if complained_staff is None or (
            street and complained_staff.unit_id and complained_staff.unit.street_id != street.pk
        ):
            errors.add("complained_staff", MSG_STAFF)
        elif complained_staff.pk == _staff_id(actor):
            errors.add("complained_staff", MSG_STAFF_SELF)

    slot = _resolve(ReceptionSlot, data.get("reception_slot"))
    if data.get("reception_slot") not in (None, ""):
        if slot is None:
            errors.add("reception_slot", MSG_CHOICE)
        elif (
            received_at is not None
            and slot.date != timezone.localtime(received_at, CHINA_TZ).date()
        ):
            errors.add("reception_slot", MSG_SLOT_DAY)

    repeat_of = _repeat_of(data.get("repeat_of"), actor)
    if data.get("repeat_of") not in (None, "") and repeat_of is None:
        errors.add("repeat_of", MSG_REPEAT)

    # 条例 art. 19: an anonymous letter is registered too, without a petitioner.
    anonymous = bool(data.get("is_anonymous"))
    if anonymous and channel != Channel.LETTER:
        errors.add("is_anonymous", MSG_ANONYMOUS_LETTER)
    people = _clean_petitioners(petitioners, errors, anonymous=anonymous)
    collective, headcount, too_many = _headcount(
        data, people, errors, visit=channel == Channel.VISIT
    )
    # 条例 art. 23: told on the spot (a visit), or no notice owed (name or address unclear).
    on_the_spot = bool(data.get("told_on_the_spot"))
    contact_unclear = bool(data.get("contact_unclear"))
    if on_the_spot and channel != Channel.VISIT:
        errors.add("told_on_the_spot", MSG_ON_THE_SPOT_VISIT)
    errors.raise_if_any()

    scope = reach.scope(Perm.PETITIONS_REGISTER)
    if not scope.covers(street_id=street.pk, community_id=community.pk if community else None):
        _deny(actor, "petition.register")

    received_on = timezone.localtime(received_at, CHINA_TZ).date()
    notice_owed = not (anonymous or contact_unclear)
    clock_codes = (
        ["register_transfer"]
        + (["acceptance_notice"] if notice_owed else [])
        + (["transfer_objection"] if channel == Channel.ASSIGNED else [])
    )
    # The receipt code is drawn at random, one in 10^15 to meet another: the unique index
    # decides, and on that collision the registration is written again with a new code (the
    # rollback gives its number back) — instead of a SELECT before every insert.
    for attempt in range(1, RECEIPT_CODE_ATTEMPTS + 1):
        receipt_code = new_receipt_code()
        planned = clocks.plan_clocks(clock_codes, received_on, street_id=street.pk)
        try:
            with transaction.atomic():
                seq, number = numbering.allocate(street, Kind.PETITION, received_on.year)
                case = Case.objects.create(
                    street=street,
                    kind=Kind.PETITION,
                    number=number,
                    year=received_on.year,
                    seq=seq,
                    title=title,
                    description=_text(data.get("description")),
                    community=community,
                    grid=grid,
                    category=category,
                    status=Status.REGISTERED,
                    received_at=received_at,
                    due_on=clocks.nearest_due(planned),
                    created_by=actor,
                )
                petition = Petition.objects.create(
                    case=case,
                    receipt_code=receipt_code,
                    channel=channel,
                    assigned_by=assigned_by,
                    assigned_doc_no=_text(data.get("assigned_doc_no"), 60),
                    level=level,
                    handling_level=handling_level,
                    is_collective=collective,
                    headcount=headcount,
                    complained_unit=complained_unit,
                    complained_staff=complained_staff,
                    complained_text=_text(data.get("complained_text"), 200),
                    received_by=staff,
                    reception_slot=slot,
                    repeat_of=repeat_of,
                    after_reexamination=after_reexamination(repeat_of),
                    contact_unclear=contact_unclear,
                    is_anonymous=anonymous,
                    representatives_exceeded=too_many,
                )
                masked = []
                for order, person in enumerate(people):
                    row = Petitioner(
                        petition=petition,
                        name=person["name"],
                        name_masked=masking.mask_name(person["name"]),
                        id_number=person["id_number"],
                        id_number_masked=masking.mask_resident_id(person["id_number"]),
                        phone=person["phone"],
                        phone_masked=masking.mask_phone(person["phone"]),
                        track_hash=_track_hash(receipt_code, person["phone"]),
                        address=person["address"],
                        is_representative=person["is_representative"],
                        order=order,
                    )
                    row.save()
                    masked.append(
                        {
                            "name": row.name_masked,
                            "id_number": row.id_number_masked,
                            "phone": row.phone_masked,
                            "representative": row.is_representative,
                        }
                    )
                events = [
                    CaseEvent(
                        case=case,
                        actor=actor,
                        kind="registered",
                        to_status=Status.REGISTERED,
                        data={
                            "channel": channel,
                            "level": level,
                            "headcount": headcount,
                            "collective": collective,
                            "repeat_of": repeat_of.pk if repeat_of else None,
                            "after_reexamination": petition.after_reexamination,
                            "notice_owed": petition.notice_owed,
                            "anonymous": anonymous,
                            "told_on_the_spot": on_the_spot,
                        },
                    )
                ]
                if too_many:
                    events.append(
                        CaseEvent(
                            case=case,
                            actor=actor,
                            kind="representatives_warning",
                            note=str(MSG_REPRESENTATIVES_WARNING) % {"max": _max_representatives()},
                            data={
                                "representatives": sum(1 for p in people if p["is_representative"]),
                                "max": _max_representatives(),
                            },
                        )
                    )
                # The clocks and the case's due date were computed before the case was
                # written; the events above go into the statement of the clocks' events.
                clocks.start_planned(case, planned, actor=actor, events=events)
                if notice_owed and on_the_spot:
                    petition.notice_told_on = received_on
                    petition.notice_manner = TellManner.IN_PERSON
                    petition.notice_on_the_spot = True
                    petition.save(
                        update_fields=["notice_told_on", "notice_manner", "notice_on_the_spot"]
                    )
                    clocks.stop_clock(case, "acceptance_notice", on=received_on)
                    clocks.refresh_due(case)
                record(
                    "object.create",
                    actor=actor,
                    target=case,
                    diff={
                        "number": number,
                        "channel": channel,
                        "level": level,
                        "headcount": headcount,
                        "petitioners": masked,
                    },
                    request=request,
                )
                if on_written is not None:
                    on_written(petition)
        except IntegrityError:
            taken = Petition.objects.filter(receipt_code=receipt_code).exists()
            if not taken or attempt == RECEIPT_CODE_ATTEMPTS:
                raise
        else:
            break
    # The staff reference written above is read in full only if the caller asks for it.
    if staff is not None and staff._state.adding:
        Petition._meta.get_field("received_by").delete_cached_value(petition)
    return petition


def similar_petitions(
    id_number: str | None = None, phone: str | None = None, *, user=None
) -> QuerySet[Petition]:
    """Earlier petitions by a person with this ID or phone (by blind index), newest first.

    The intake form's duplicate hint. Invalid or empty input gives an empty queryset; with
    `user`, only petitions that person may see.
    """
    condition = Q(pk__in=[])
    if id_number:
        with contextlib.suppress(ValidationError):
            condition |= lookup_q("id_number_hash", validate_resident_id(id_number), "resident_id")
    if phone:
        with contextlib.suppress(ValidationError):
            condition |= lookup_q("phone_hash", validate_phone(phone), "phone")
    matching = Petitioner.objects.filter(condition).values("petition_id")
    petitions = Petition.objects.filter(pk__in=matching, case__withdrawn=False)
    if user is not None:
        petitions = petitions.filter(case__in=Case.objects.visible_to(user))
    return petitions.select_related("case").order_by("-case__received_at")


def petitioners_for_display(petition: Petition) -> list[dict]:
    """The petitioners with masked identity only (no decryption): for every screen and list."""
    return list(
        Petitioner.objects.filter(petition=petition).values(
            "id", "name_masked", "id_number_masked", "phone_masked", "is_representative", "order"
        )
    )


def petitioner_identity(request, petitioner_id: int) -> dict[str, str]:
    """A petitioner's full identity (name, id_number, phone, address) for the case page.

    Through the case's door (Http404, audited, when the case is not visible to
    ``request.user``), then :func:`huiyin.privacy.identity.reveal`: Perm.IDENTITY_VIEW or
    PermissionDenied, audited "identity.view" / "access.denied" either way. Call it outside
    a transaction of your own.
    """
    from django.http import Http404

    from huiyin.privacy.identity import reveal

    petition_id = (
        Petitioner.objects.filter(pk=petitioner_id).values_list("petition_id", flat=True).first()
    )
    if petition_id is None:
        raise Http404
    case = Case.objects.get_for_user(request.user, petition_id)
    petitioner = Petitioner.objects.get(pk=petitioner_id)
    return reveal(
        request,
        target=case,
        fields={
            "name": petitioner.name,
            "id_number": petitioner.id_number,
            "phone": petitioner.phone,
            "address": petitioner.address,
        },
    )


# --------------------------------------------------------------------------- public tracker


@dataclass(frozen=True)
class TrackDue:
    label: str
    due_on: date
    provisional: bool  # a year without holiday data: the date may move


@dataclass(frozen=True)
class TrackView:
    """What the public page shows: the office, the matter's number and title, its stage and
    dates — what the petitioner was given on the receipt and told in writing. Never a person
    (no names, no phone), never the text of the matter or of the reply, never the unit it is
    about nor the unit handling it."""

    receipt_code: str
    stage: str
    stage_label: str
    received_on: date
    decided_on: date | None
    extended_to: date | None
    replied_on: date | None
    review_requested_on: date | None
    review_answered_on: date | None
    reexam_requested_on: date | None
    reexam_answered_on: date | None
    concluded_on: date | None
    dues: tuple[TrackDue, ...] = field(default_factory=tuple)
    can_rate: bool = False
    rated: bool = False
    street: str = ""  # the organ: "<street> Sub-district Office" on the page
    number: str = ""
    title: str = ""
    #: "accepted", "declined" or "transferred" once decided (the date is the written notice's).
    decision: str = ""
    referral_label: str = ""  # a declined matter: where it belongs instead, as told
    transferred_to: str = ""  # a transferred matter: the body it went to, as told
    handling_since: date | None = None  # handed to the handling unit (the unit is not named)
    extension_told_on: date | None = None
    delivery_label: str = ""  # how the written reply was delivered


def _find_by_receipt(receipt_code: str, phone_last4: str) -> Petition | None:
    code = normalize_digits(receipt_code or "").upper()
    digits = normalize_digits(phone_last4 or "")
    if not re.fullmatch(r"[A-Z0-9]{6,16}", code) or not re.fullmatch(r"\d{4}", digits):
        return None
    hashes = crypto.blind_index_candidates(f"{code}:{digits}", purpose=TRACK_PURPOSE)
    petition_id = (
        Petitioner.objects.filter(
            track_hash__in=hashes, petition__receipt_code=code, petition__case__withdrawn=False
        )
        .values_list("petition_id", flat=True)
        .first()
    )
    if petition_id is None:
        return None
    return Petition.objects.select_related("case__street").get(pk=petition_id)


def _handed_over_on(at: datetime | None, replied_on: date | None) -> date | None:
    """The day the matter was handed over for handling; None when recorded only after the
    reply's date (a reply entered afterwards), where it would read out of order."""
    if at is None:
        return None
    day = timezone.localtime(at, CHINA_TZ).date()
    return None if replied_on is not None and day > replied_on else day


def track(receipt_code: str, phone_last4: str, *, request=None) -> TrackView | None:
    """The public status of a petition, by the receipt code and the phone's last four digits.

    None when either is wrong — the same answer for an unknown code and wrong digits. Every
    lookup is audited here ("petition.track"); the view adds the rate limit per address.
    """
    from huiyin.privacy.audit import record

    petition = _find_by_receipt(receipt_code, phone_last4)
    with transaction.atomic():
        record(
            "petition.track",
            target=petition.case if petition else None,
            diff={"found": petition is not None},
            request=request,
        )
    if petition is None:
        return None
    case = petition.case
    dues = tuple(
        TrackDue(str(c.limit.label), c.due_on, c.warning)
        for c in Clock.objects.filter(
            case=case, stopped_at__isnull=True, party=Clock.Party.OFFICE
        ).order_by("due_on", "id")
    )
    rated = petition.follow_ups.filter(source=FollowUp.Source.PUBLIC).exists()
    if petition.transferred_to:
        decision = Status.TRANSFERRED
    elif petition.decline_reason:
        decision = Status.DECLINED
    else:
        decision = Status.ACCEPTED if petition.accept_decision_on else ""
    handed_over = (
        CaseEvent.objects.filter(case=case, kind__in=("assign", "start_handling"))
        .order_by("at", "id")
        .values_list("at", flat=True)
        .first()
    )
    return TrackView(
        street=case.street.name,
        number=case.number,
        title=case.title,
        decision=decision,
        referral_label=(
            petition.get_referral_channel_display() if decision == Status.DECLINED else ""
        ),
        transferred_to=petition.transferred_to if decision == Status.TRANSFERRED else "",
        handling_since=_handed_over_on(handed_over, petition.replied_on),
        extension_told_on=petition.extension_told_on,
        delivery_label=petition.get_reply_delivery_display() if petition.replied_on else "",
        receipt_code=petition.receipt_code,
        stage=case.status,
        stage_label=status_label(case.kind, case.status),
        received_on=case.received_on,
        decided_on=petition.accept_decision_on,
        extended_to=petition.extension_due_on,
        replied_on=petition.replied_on,
        review_requested_on=petition.review_requested_on,
        review_answered_on=petition.review_answered_on,
        reexam_requested_on=petition.reexam_requested_on,
        reexam_answered_on=petition.reexam_answered_on,
        concluded_on=petition.concluded_on,
        dues=dues,
        can_rate=petition.has_reply and not rated,
        rated=rated,
    )


def rate_from_public(
    receipt_code: str, phone_last4: str, satisfaction: str, *, note: str = "", request=None
) -> FollowUp:
    """The petitioner's own rating of the handling (条例 art. 21): once, and only after the reply.

    Raises RatingRefused with the message to show (the same one for an unknown code and wrong
    digits).
    """
    from huiyin.privacy.audit import record

    if satisfaction not in Satisfaction.values:
        raise RatingRefused(MSG_CHOICE)
    petition = _find_by_receipt(receipt_code, phone_last4)
    if petition is None:
        raise RatingRefused(MSG_TRACK_NOT_FOUND)
    if not petition.has_reply:
        raise RatingRefused(MSG_RATE_NOT_YET)
    try:
        with transaction.atomic():
            follow_up = FollowUp.objects.create(
                petition=petition,
                on=timezone.localdate(),
                satisfaction=satisfaction,
                note=_text(note, 500),
                source=FollowUp.Source.PUBLIC,
            )
            CaseEvent.objects.create(
                case=petition.case,
                kind="follow_up",
                note=follow_up.note,
                data={"satisfaction": satisfaction, "source": FollowUp.Source.PUBLIC},
            )
            record(
                "object.create",
                target=follow_up,
                target_label=petition.case.number,
                diff={"satisfaction": satisfaction, "source": "public"},
                request=request,
            )
    except IntegrityError:
        # The unique constraint: a second rating (even two at once) is refused.
        raise RatingRefused(MSG_RATE_ONCE) from None
    return follow_up


# --------------------------------------------------------------------------- follow-ups


def _clean_day(value, errors: _Errors, key: str, *, not_before: date | None = None) -> date | None:
    if value in (None, ""):
        return timezone.localdate()
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            errors.add(key, MSG_REQUIRED)
            return None
    if isinstance(value, datetime):
        value = (
            timezone.localtime(value, CHINA_TZ).date() if timezone.is_aware(value) else value.date()
        )
    if value > timezone.localdate():
        errors.add(key, MSG_DATE_FUTURE)
    elif not_before is not None and value < not_before:
        errors.add(key, MSG_DATE_BEFORE_REPLY)
    return value


def record_follow_up(
    petition: Petition,
    *,
    actor,
    satisfaction: str,
    on: date | str | None = None,
    note: str = "",
    request=None,
) -> FollowUp:
    """A staff follow-up (回访) with the petitioner's satisfaction, any time after the reply.

    Needs Perm.PETITIONS_DECIDE or PETITIONS_HANDLE over the case.
    """
    from huiyin.privacy.audit import record

    case = Case.objects.get_for_user(actor, petition.pk)
    if not holds(actor, case, Perm.PETITIONS_DECIDE, Perm.PETITIONS_HANDLE):
        raise TransitionRefused(MSG_NO_PERM)
    petition = Petition.objects.get(pk=case.pk)
    if not petition.has_reply:
        raise TransitionRefused(MSG_FOLLOW_UP_BEFORE_REPLY)
    errors = _Errors()
    if satisfaction not in Satisfaction.values:
        errors.add("satisfaction", MSG_CHOICE)
    day = _clean_day(on, errors, "on", not_before=petition.replied_on)
    errors.raise_if_any()
    with transaction.atomic():
        follow_up = FollowUp.objects.create(
            petition=petition,
            on=day,
            by=_actor_staff(actor),
            satisfaction=satisfaction,
            note=_text(note),
            source=FollowUp.Source.STAFF,
        )
        CaseEvent.objects.create(
            case=case,
            actor=actor,
            kind="follow_up",
            note=follow_up.note,
            data={"satisfaction": satisfaction, "on": day.isoformat(), "source": "staff"},
        )
        record(
            "object.create",
            actor=actor,
            target=follow_up,
            target_label=case.number,
            diff={"satisfaction": satisfaction, "on": day},
            request=request,
        )
    return follow_up


# --------------------------------------------------------------------------- reception days


def schedule_reception(
    *,
    actor,
    leader: Staff | int,
    kind: str,
    on: date,
    start_time: time,
    end_time: time,
    place: str,
    community: Community | int | None = None,
    note: str = "",
    request=None,
) -> ReceptionSlot:
    """Put a leader's reception day, outreach visit or roving reception on the calendar.

    For the petition office (Perm.PETITIONS_DECIDE) and leaders (PETITIONS_APPROVE).
    """
    from huiyin.privacy.audit import record

    reach = reach_of(actor)
    if not (reach.can(Perm.PETITIONS_DECIDE) or reach.can(Perm.PETITIONS_APPROVE)):
        _deny(actor, "reception.schedule")
    errors = _Errors()
    leader = _resolve(Staff, leader)
    if leader is None or not _approvers().filter(pk=leader.pk).exists():
        errors.add("leader", MSG_NOT_A_LEADER)
    if not isinstance(on, date):
        errors.add("on", MSG_REQUIRED)
    if kind not in ReceptionSlot.SlotKind.values:
        errors.add("kind", MSG_CHOICE)
    if not isinstance(start_time, time) or not isinstance(end_time, time):
        errors.add("end_time", MSG_REQUIRED)
    elif end_time <= start_time:
        errors.add("end_time", MSG_SLOT_TIMES)
    place = _text(place, 100)
    if not place:
        errors.add("place", MSG_REQUIRED)
    community_obj = _resolve(Community, community)
    if community not in (None, "") and community_obj is None:
        errors.add("community", MSG_CHOICE)
    errors.raise_if_any()
    with transaction.atomic():
        slot = ReceptionSlot.objects.create(
            leader=leader,
            kind=kind,
            date=on,
            start_time=start_time,
            end_time=end_time,
            place=place,
            community=community_obj,
            note=_text(note, 200),
        )
        record(
            "object.create",
            actor=actor,
            target=slot,
            target_label=f"{slot.date} {leader.name}",
            diff={"kind": kind, "date": on, "leader": leader.pk},
            request=request,
        )
    return slot


def reception_slots(
    date_from: date, date_to: date, *, leader: Staff | None = None, user=None
) -> QuerySet[ReceptionSlot]:
    """Slots in a period (inclusive), each with `headcount` and `petition_count` annotated.

    With `user`, only the petitions that person may see are counted (every count on a page
    comes with the viewer's scope); the slots themselves are the leaders' public schedule.
    """
    slots = ReceptionSlot.objects.filter(date__gte=date_from, date__lte=date_to)
    if leader is not None:
        slots = slots.filter(leader=leader)
    live = Q(petitions__case__withdrawn=False)
    if user is not None:
        live &= Q(petitions__case__in=Case.objects.visible_to(user).values("pk"))
    return slots.select_related("leader", "community").annotate(
        headcount=Sum("petitions__headcount", filter=live, default=0),
        petition_count=Count("petitions", filter=live),
    )


def reception_headcount(leader: Staff, date_from: date, date_to: date, *, user=None) -> int:
    """People received (headcount, 人次) in the leader's reception slots in a period (inclusive);
    with `user`, in the petitions that person may see."""
    petitions = Petition.objects.filter(
        reception_slot__leader=leader,
        reception_slot__date__gte=date_from,
        reception_slot__date__lte=date_to,
        case__withdrawn=False,
    )
    if user is not None:
        petitions = petitions.filter(case__in=Case.objects.visible_to(user).values("pk"))
    total = petitions.aggregate(total=Sum("headcount"))["total"]
    return total or 0


def _approvers() -> QuerySet[Staff]:
    roles = [role for role, perms in ROLE_PERMISSIONS.items() if Perm.PETITIONS_APPROVE in perms]
    return Staff.objects.filter(grants__role__in=roles).distinct()


def approvers() -> QuerySet[Staff]:
    """Staff who may approve extensions and lead key cases (for choice fields)."""
    return _approvers()


# Key cases (包案) serve petitions and disputes alike; their rules live in their own module.
from huiyin.petitions.keycases import (  # noqa: E402
    KeyCaseRow,
    add_progress,
    close_key_case,
    key_case_board,
    mark_key_case,
)

__all__ = [
    "KeyCaseRow",
    "PetitionInvalid",
    "RatingRefused",
    "TrackDue",
    "TrackView",
    "add_progress",
    "after_reexamination",
    "approvers",
    "close_key_case",
    "key_case_board",
    "mark_key_case",
    "petitioners_for_display",
    "rate_from_public",
    "reception_headcount",
    "reception_slots",
    "record_follow_up",
    "register_petition",
    "petitioner_identity",
    "schedule_reception",
    "similar_petitions",
    "track",
]
