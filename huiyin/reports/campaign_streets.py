"""The campaigns of the person's streets.

A campaign names no street of its own: it is of the streets of the communities and units
taking part, or (none taking part yet) of the streets of the person who created it. Another
street's campaign is not listed, and its pages, pledges and notices are "not found". Over
every street in the database (the one street of most installations), every campaign.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from huiyin.org.own_streets import every_street, street_ids
from huiyin.reports.models import Campaign


def campaigns_of(user) -> QuerySet[Campaign]:
    """The campaigns of the person's streets (a subquery: counts annotated later stay whole)."""
    from huiyin.org.models import RoleGrant

    if every_street(user):
        return Campaign.objects.all()
    ids = street_ids(user)
    creators = RoleGrant.objects.filter(street_id__in=ids).values("staff__user_id")
    mine = Campaign.objects.filter(
        Q(communities__street_id__in=ids)
        | Q(units__street_id__in=ids)
        | Q(communities=None, units=None, created_by__in=creators)
    ).values("pk")
    return Campaign.objects.filter(pk__in=mine)


MSG_OTHER_STREET = _("Choose communities and units of your own street.")
MSG_OTHER_STREET_STAFF = _("Choose a member of staff of your own street.")


def _id(value) -> int:
    """A row's or a given id (bounded: anything else is no row, 0)."""
    from huiyin.cases import bounds

    return bounds.bounded_int(getattr(value, "pk", value), 1, bounds.MAX_ID) or 0


def _ids(values) -> set[int]:
    return {_id(value) for value in values or ()}


def refusals(actor, *, communities=(), units=(), staff=None) -> dict[str, list]:
    """What a campaign's service refuses of its input: a community, unit or member of staff
    of a street the actor does not hold (the forms offer only the actor's; a forged or stale
    one is refused here too). Keys as the forms' fields; empty: nothing refused."""
    from huiyin.org import own_streets

    errors: dict[str, list] = {}
    for key, values, mine in (
        ("communities", communities, own_streets.communities(actor)),
        ("units", units, own_streets.units(actor)),
    ):
        wanted = _ids(values)
        if wanted and mine.filter(pk__in=wanted).count() != len(wanted):
            errors[key] = [MSG_OTHER_STREET]
    if staff is not None and not own_streets.staff(actor).filter(pk=_id(staff)).exists():
        errors["staff"] = [MSG_OTHER_STREET_STAFF]
    return errors
