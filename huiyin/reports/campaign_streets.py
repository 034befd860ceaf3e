"""The campaigns of the person's streets.

A campaign names no street of its own: it is of the streets of the communities and units
taking part, or (none taking part yet) of the streets of the person who created it. Another
street's campaign is not listed, and its pages, pledges and notices are "not found". Over
every street in the database (the one street of most installations), every campaign.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

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
