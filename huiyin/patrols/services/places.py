"""The key-place registry and the checklists' versions.

A place is registered or changed by who records inspections over its community or grid
(Perm.INSPECTIONS_RECORD). The registry describes the place and its compliance — never a
guest register or a user log. A checklist is changed only by making its next version
(Perm.PATROLS_MANAGE, street-wide): inspections keep the version they were made with.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds
from huiyin.org.access import reach_of
from huiyin.org.models import Community, Grid
from huiyin.org.roles import Perm
from huiyin.patrols import access
from huiyin.patrols.models import Authority, Checklist, ChecklistItem, Place, PlaceKind
from huiyin.patrols.services.common import MSG_CHOICE, MSG_REQUIRED, Errors, pick
from huiyin.patrols.services.patrols import _audit, _place
from huiyin.privacy import masking
from huiyin.privacy.validators import validate_phone

NAME_MAX = 100
ADDRESS_MAX = 200
LICENCES_MAX = 1000
PERSON_MAX = 40
NOTE_MAX = 300
ITEM_MAX = 200
BASIS_MAX = 200
#: The most items one checklist version holds.
ITEMS_MAX = 60

MSG_DUPLICATE = _("A place with this name and address is already registered.")
MSG_ITEMS = _("A checklist has from 1 to %(max)s items.")
MSG_ITEM_LINE = _("Line %(line)s: %(problem)s")


def save_place(
    actor,
    place: Place | None = None,
    *,
    kind,
    name: str,
    address: str,
    community=None,
    grid=None,
    authority: str,
    licences: str = "",
    responsible_name: str = "",
    responsible_phone: str | None = None,
    note: str = "",
    active: bool = True,
    request=None,
) -> Place:
    """Register a place, or change `place`. `responsible_phone` None keeps the stored one."""
    errors = Errors()
    community, grid = _place(community, grid, errors)
    if community is None:
        errors.add("community", MSG_REQUIRED)
        errors.raise_if_any()
    if place is not None and not access.may(actor, Perm.INSPECTIONS_RECORD, place):
        access.deny(actor, "place.save")
    if not access.covers(actor, Perm.INSPECTIONS_RECORD, community.pk, grid.pk if grid else None):
        access.deny(actor, "place.save")
    chosen_kind = pick(PlaceKind, kind, active=True)
    if chosen_kind is None:
        errors.add("kind", MSG_CHOICE)
    if authority not in Authority.values:
        errors.add("authority", MSG_CHOICE)
    name = errors.text("name", name, NAME_MAX, required=True, matter=False)
    address = errors.text("address", address, ADDRESS_MAX, required=True, matter=False)
    licences = errors.text("licences", licences, LICENCES_MAX, matter=False)
    person = errors.text("responsible_name", responsible_name, PERSON_MAX, matter=False)
    note = errors.text("note", note, NOTE_MAX)
    phone = None
    if responsible_phone is not None:
        phone = bounds.strip_nul(str(responsible_phone)).strip()[:40]
        if phone:
            try:
                phone = validate_phone(phone)
            except ValidationError as problem:
                errors.add("responsible_phone", problem.messages[0])
    errors.raise_if_any()

    fields = {
        "street_id": community.street_id,
        "community": community,
        "grid": grid,
        "kind": chosen_kind,
        "name": name,
        "address": address,
        "authority": authority,
        "licences": licences,
        "responsible_name": person,
        "note": note,
        "active": bool(active),
    }
    if phone is not None:
        fields["responsible_phone"] = phone
        fields["responsible_phone_masked"] = masking.mask_phone(phone) if phone else ""
    try:
        with transaction.atomic():
            if place is None:
                place = Place.objects.create(created_by=actor, **fields)
                action = "place.create"
            else:
                for key, value in fields.items():
                    setattr(place, key, value)
                place.save()
                action = "place.update"
            _audit(
                action, actor, place, {"kind": chosen_kind.code, "active": bool(active)}, request
            )
    except IntegrityError:
        raise_duplicate()
    return place


def raise_duplicate():
    errors = Errors()
    errors.add("name", MSG_DUPLICATE)
    errors.raise_if_any()


# --------------------------------------------------------------------------- checklists


def current_checklist(kind: PlaceKind) -> Checklist | None:
    """The version in use: the newest."""
    return Checklist.objects.filter(kind=kind).order_by("-version").first()


def parse_items(text: str, errors: Errors) -> list[tuple[str, str]]:
    """Items typed one per line, "item | legal basis" (the basis may be left out)."""
    lines = [ln.strip() for ln in bounds.strip_nul(str(text or "")).splitlines() if ln.strip()]
    if not 1 <= len(lines) <= ITEMS_MAX:
        errors.add("items", MSG_ITEMS % {"max": ITEMS_MAX})
        return []
    out = []
    for number, line in enumerate(lines, start=1):
        item, _bar, basis = line.partition("|")
        item, basis = item.strip(), basis.strip()
        if not item or len(item) > ITEM_MAX or len(basis) > BASIS_MAX:
            problem = _("At most %(limit)s characters.") % {"limit": ITEM_MAX}
            if not item:
                problem = MSG_REQUIRED
            errors.add("items", MSG_ITEM_LINE % {"line": number, "problem": problem})
            continue
        out.append((item, basis))
    return out


def new_checklist_version(actor, kind, *, items: str, note: str = "", request=None) -> Checklist:
    """Make the next version of `kind`'s checklist from `items` (one per line)."""
    if not access.street_wide(actor, Perm.PATROLS_MANAGE):
        access.deny(actor, "checklist.version")
    errors = Errors()
    chosen = pick(PlaceKind, kind)
    if chosen is None:
        errors.add("kind", MSG_CHOICE)
    rows = parse_items(items, errors)
    note = errors.text("note", note, 200)
    errors.raise_if_any()
    with transaction.atomic():
        # Lock the kind: two editors at once make two numbered versions, never the same one.
        PlaceKind.objects.select_for_update().filter(pk=chosen.pk).first()
        last = Checklist.objects.filter(kind=chosen).aggregate(n=Max("version"))["n"] or 0
        checklist = Checklist.objects.create(
            kind=chosen, version=last + 1, note=note, created_by=actor
        )
        ChecklistItem.objects.bulk_create(
            [
                ChecklistItem(checklist=checklist, order=index, text=text, basis=basis)
                for index, (text, basis) in enumerate(rows, start=1)
            ]
        )
        _audit(
            "checklist.version",
            actor,
            chosen,
            {"version": checklist.version, "items": len(rows)},
            request,
        )
    return checklist


def communities_for(user, perm: str):
    """The communities where `perm` of `user` reaches (a grid's counts for its community)."""
    scope = reach_of(user).scope(perm)
    rows = Community.objects.all()
    ids = set(scope.community_ids) | set(
        Grid.objects.filter(pk__in=scope.grid_ids).values_list("community_id", flat=True)
    )
    return rows.filter(Q(pk__in=ids) | Q(street_id__in=scope.street_ids))
