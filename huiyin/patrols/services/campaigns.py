"""Special campaigns (专项整治): made street-wide, their progress read from their inspections."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds
from huiyin.org.models import Street
from huiyin.org.roles import Perm
from huiyin.patrols import access
from huiyin.patrols.models import (
    MAX_CAMPAIGN_DAYS,
    Checklist,
    Inspection,
    ItemResult,
    Place,
    Rectification,
    RectificationStatus,
    Result,
    SpecialCampaign,
)
from huiyin.patrols.services.common import MSG_REQUIRED, Errors, day, pick, today
from huiyin.patrols.services.inspections import overdue_q
from huiyin.patrols.services.patrols import _audit

NAME_MAX = 100
SCOPE_MAX = 300
#: The most target places one campaign names.
PLACES_MAX = 500

MSG_ORDER = _("The last day cannot be before the first.")
MSG_LENGTH = _("A campaign lasts at most %(days)s days.")
MSG_PLACES = _("Choose the target places from the list (at most %(max)s).")


def the_street(actor):
    """The street a street-wide manager manages: the one their whole-street grant names;
    else the one street they work in (their unit's, or the only one)."""
    from huiyin.org import streets
    from huiyin.org.access import reach_of

    ids = reach_of(actor).scope(Perm.PATROLS_MANAGE).street_ids
    if len(ids) == 1:
        return Street.objects.filter(pk=next(iter(ids))).first()
    return streets.street_of(actor)


def create_campaign(
    actor,
    *,
    name: str,
    starts_on,
    ends_on,
    scope: str = "",
    checklist=None,
    places=(),
    request=None,
) -> SpecialCampaign:
    if not access.street_wide(actor, Perm.PATROLS_MANAGE):
        access.deny(actor, "campaign.create")
    errors = Errors()
    street = the_street(actor)
    if street is None:
        errors.add("__all__", MSG_REQUIRED)
        errors.raise_if_any()
    name = errors.text("name", name, NAME_MAX, required=True)
    scope = errors.text("scope", scope, SCOPE_MAX)
    first = day(starts_on, "starts_on", errors, future_ok=True)
    last = day(ends_on, "ends_on", errors, future_ok=True)
    if first and last:
        if last < first:
            errors.add("ends_on", MSG_ORDER)
        elif (last - first).days + 1 > MAX_CAMPAIGN_DAYS:
            errors.add("ends_on", MSG_LENGTH % {"days": MAX_CAMPAIGN_DAYS})
    chosen_checklist = None
    if checklist not in (None, ""):
        chosen_checklist = pick(Checklist, checklist)
        if chosen_checklist is None:
            errors.add("checklist", MSG_REQUIRED)
    raw = list(places or ())
    ids = {bounds.bounded_int(getattr(p, "pk", p), 1, bounds.MAX_ID) for p in raw}
    targets = []
    if len(raw) > PLACES_MAX or None in ids:
        errors.add("places", MSG_PLACES % {"max": PLACES_MAX})
    elif ids:
        targets = list(Place.objects.filter(pk__in=ids, street=street))
        if len(targets) != len(ids):
            errors.add("places", MSG_PLACES % {"max": PLACES_MAX})
    errors.raise_if_any()
    with transaction.atomic():
        campaign = SpecialCampaign.objects.create(
            street=street,
            name=name,
            starts_on=first,
            ends_on=last,
            scope=scope,
            checklist=chosen_checklist,
            created_by=actor,
        )
        campaign.places.set(targets)
        _audit("campaign.create", actor, campaign, {"places": len(targets)}, request)
    return campaign


@dataclass(frozen=True)
class Progress:
    targets: int  # target places
    places_inspected: int  # distinct places inspected for the campaign
    inspections: int
    hazards: int  # failed checklist items
    rectified: int
    open: int
    overdue: int

    @property
    def percent_inspected(self) -> int:
        return round(100 * self.places_inspected / self.targets) if self.targets else 0


def progress(campaign: SpecialCampaign, *, on: date | None = None) -> Progress:
    """How far the campaign is: its inspections (made for it), their failed items and
    rectifications. Four queries whatever the campaign's size."""
    on = on or today()
    inspections = Inspection.objects.filter(campaign=campaign)
    counts = inspections.aggregate(n=Count("pk"), places=Count("place", distinct=True))
    hazards = ItemResult.objects.filter(inspection__campaign=campaign, result=Result.FAIL).count()
    rect = Rectification.objects.filter(inspection__campaign=campaign).aggregate(
        done=Count("pk", filter=Q(status=RectificationStatus.DONE)),
        open=Count("pk", filter=~Q(status=RectificationStatus.DONE)),
        overdue=Count("pk", filter=overdue_q(on)),
    )
    return Progress(
        targets=campaign.places.count(),
        places_inspected=counts["places"],
        inspections=counts["n"],
        hazards=hazards,
        rectified=rect["done"],
        open=rect["open"],
        overdue=rect["overdue"],
    )


def running_on(street_id, on: date):
    return SpecialCampaign.objects.filter(street_id=street_id, starts_on__lte=on, ends_on__gte=on)
