"""Which street: the one a person works in, the one a command means.

One Huiyin may serve several streets of a district. Where the code needs one street and the
row does not say (a new record with no community, a report of "the street", a command), it
asks here: the street the person works in, or the street named with ``--street``; with one
street in the database, always that one.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from django.core.management.base import CommandError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huiyin.org.models import Community, Grid, Street

#: The longest --street value looked up (a name is at most 50 characters).
MAX_STREET_ARG = 50

MSG_SEVERAL = gettext_lazy("There are several streets: choose one with --street.")
STREET_HELP = gettext_lazy(
    "the street (its name, short name or id); needed only when there are several"
)


# The street a command works in (``--street``), for the code below it that needs one street
# and has no row to say which (an import's community names, a record with no community).
_working: ContextVar[Street | None] = ContextVar("huiyin_working_street", default=None)


@contextmanager
def working_in(street: Street | None):
    """Within the block, `street` is the street the work is of (None: as without it)."""
    token = _working.set(street)
    try:
        yield street
    finally:
        _working.reset(token)


def working_street() -> Street | None:
    return _working.get()


def in_working_street(communities):
    """A queryset of communities, kept to the street a command works in when it names one."""
    street = _working.get()
    return communities if street is None else communities.filter(street_id=street.pk)


def only_street() -> Street | None:
    """The street when there is exactly one; None when there are none or several."""
    streets = list(Street.objects.order_by("pk")[:2])
    return streets[0] if len(streets) == 1 else None


def several() -> bool:
    return Street.objects.count() > 1


def street_ids_of(user) -> frozenset[int]:
    """Every street the person holds a grant in."""
    from huiyin.org.access import reach_of

    return reach_of(user).street_ids


def street_of(user) -> Street | None:
    """The one street the person works in: the street of all their grants, else the street of
    their unit, else the only street; None when that leaves a choice (a district officer over
    several streets) or nothing. Inside ``working_in(street)``, that street (a command's
    ``--street``, checked against the person's streets by the command)."""
    working = _working.get()
    if working is not None:
        return working
    ids = street_ids_of(user)
    if len(ids) == 1:
        return Street.objects.filter(pk=next(iter(ids))).first()
    if not ids and getattr(user, "is_authenticated", False):
        from huiyin.org.models import Staff

        staff = Staff.objects.filter(user=user).select_related("unit__street").first()
        if staff is not None and staff.unit_id:
            return staff.unit.street
    if len(ids) > 1:
        return None
    return only_street()


def find_street(value: str) -> Street | None:
    """The street with this name, short name or id."""
    text = (value or "").strip()[:MAX_STREET_ARG]
    if not text:
        return None
    condition = Q(name=text) | Q(short_name=text)
    if text.isascii() and text.isdigit() and len(text) <= 9:
        condition |= Q(pk=int(text))
    found = list(Street.objects.filter(condition).order_by("pk")[:2])
    return found[0] if len(found) == 1 else None


def street_for_command(value: str | None, *, required: bool = True) -> Street | None:
    """The street a command's ``--street`` names; without it, the only street.

    Raises CommandError with a message in Chinese when the name is unknown, or when there are
    several streets and none was named; with `required` False, no street at all is None.
    """
    if value not in (None, ""):
        street = find_street(str(value))
        if street is None:
            known = "、".join(Street.objects.order_by("pk").values_list("name", flat=True))
            raise CommandError(
                _("Unknown street “%(name)s”. Known streets: %(known)s.")
                % {"name": str(value)[:MAX_STREET_ARG], "known": known or "—"}
            )
        return street
    streets = list(Street.objects.order_by("pk")[:2])
    if len(streets) > 1:
        raise CommandError(str(MSG_SEVERAL))
    if not streets and required:
        raise CommandError(_("There is no street yet: load one first (huiyin demo)."))
    return streets[0] if streets else None


def add_street_argument(parser) -> None:
    """The ``--street`` option every command that works on one street takes."""
    parser.add_argument("--street", metavar="NAME", help=str(STREET_HELP))


#: The roles of the command line's reader of one street: between them every view permission
#: and the screening and incident scopes the statistics read (never a working or admin one).
READER_ROLES = ("leader", "auditor", "governance_staff")


def street_reader(street: Street):
    """A reader of one whole street for the command line, which has no account: an unsaved
    user whose reach is the read roles over that street alone, so every figure and list is
    the street's, through the same doors as a person's. Never saved, never signs in."""
    from django.contrib.auth.models import User

    from huiyin.org.access import Grant, Reach

    reader = User(username=f"street-{street.pk}", is_active=True)
    reader._huiyin_reach = Reach(
        grants=tuple(Grant(role, street_id=street.pk) for role in READER_ROLES),
        street_count=Street.objects.count(),  # the only street: no street condition
    )
    reader._huiyin_staff_id = None
    reader._huiyin_staff_unit_id = None
    return reader


def places_in_scope(scope) -> tuple[QuerySet, QuerySet]:
    """The communities and grids a registration scope reaches, in the order forms list them: a
    whole-street scope its streets' (and any part of another street it is given), any other
    its own communities and grids (a grid worker's grid says its community)."""
    communities = Community.objects.order_by("order", "id")
    grids = Grid.objects.select_related("community").order_by("community__order", "order", "id")
    grid_communities = Grid.objects.filter(pk__in=scope.grid_ids).values("community_id")
    if scope.street_wide:
        communities = communities.filter(
            Q(street_id__in=scope.street_ids)
            | Q(pk__in=scope.community_ids)
            | Q(pk__in=grid_communities)
        )
        grids = grids.filter(
            Q(community__street_id__in=scope.street_ids)
            | Q(pk__in=scope.grid_ids)
            | Q(community_id__in=scope.community_ids)
        )
    else:
        communities = communities.filter(Q(pk__in=scope.community_ids) | Q(pk__in=grid_communities))
        grids = grids.filter(Q(pk__in=scope.grid_ids) | Q(community_id__in=scope.community_ids))
    return communities, grids
