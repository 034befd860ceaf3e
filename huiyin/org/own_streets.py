"""The records, places and people of the person's own streets: the filter of every record that
belongs to a street but is not a case (a meeting, a risk assessment, a supervision order, a
body's letter), and of the units, staff and communities their forms offer.

Cases go through ``Case.objects.visible_to``; these go through here, with the streets the
person holds a grant in (``reach_of(user).street_ids``: narrowed to the one chosen in the
header by a district officer). Another street's row is then "not found", exactly as an
unknown id, and another street's unit or staff member is not a choice.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from huiyin.org.access import reach_of
from huiyin.org.models import Community, RoleGrant, Staff, Street, Unit


def street_ids(user) -> frozenset[int]:
    """The streets the person holds a grant in (as narrowed for the request)."""
    return reach_of(user).street_ids


def in_streets(rows: QuerySet, user, street: str = "street") -> QuerySet:
    """`rows` of the person's streets; `street` is the path to the row's street."""
    return rows.filter(**{f"{street}_id__in": street_ids(user)})


def body_in_streets(user, prefix: str = "") -> Q:
    """A condition for rows of a body (the ``community`` / ``unit`` pair, under `prefix`
    such as ``"score__"``) of the person's streets."""
    ids = street_ids(user)
    return Q(**{f"{prefix}community__street_id__in": ids}) | Q(
        **{f"{prefix}unit__street_id__in": ids}
    )


def every_street(user) -> bool:
    """Whether the person's streets are every street in the database (the one street of most
    installations): then a record that names no street is theirs too. The number of streets
    comes with the grants (no query), unless a street was saved since they were read."""
    from huiyin.org import access

    reach = reach_of(user)
    ids = reach.street_ids
    if not ids:
        return False
    if reach.street_count is not None and reach._changes == access._street_changes[0]:
        return len(ids) >= reach.street_count
    return not Street.objects.exclude(pk__in=ids).exists()


def units(user) -> QuerySet[Unit]:
    """The units of the person's streets (every unit without a person)."""
    found = Unit.objects.all()
    return found if user is None else found.filter(street_id__in=street_ids(user))


def communities(user) -> QuerySet[Community]:
    """The communities of the person's streets (every one without a person)."""
    found = Community.objects.all()
    return found if user is None else found.filter(street_id__in=street_ids(user))


def staff(user) -> QuerySet[Staff]:
    """The staff of the person's streets: those of a unit there, and those of no unit who hold
    a role there. Every member of staff without a person, or when the person's streets are
    every street (the one street of most installations: staff holding no role yet too)."""
    found = Staff.objects.all()
    if user is None:
        return found
    if every_street(user):
        return found
    ids = street_ids(user)
    roles = RoleGrant.objects.filter(street_id__in=ids).values("staff_id")
    return found.filter(Q(unit__street_id__in=ids) | Q(unit__isnull=True, pk__in=roles))
