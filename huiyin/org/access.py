"""What may this person see and do: the one place later `visible_to(user)` methods ask.

A person's reach is the union of their role grants. Each grant gives a role's permissions
over a scope: a whole street, a community (with its grids), a grid, or a unit. Every grant
names its street, so with several streets in one database nobody reaches across them unless
given each (a district officer holds one whole-street grant per street).

Where a scope's whole streets are every street in the database (the common installation of
one street), its filter has no street condition at all: the queries, and their plans, are
those of a single street's Huiyin. Whether they are every street is read with the grants, in
the same query, once a request: never remembered past it, so a street added later is never
taken for covered.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.db.models.signals import post_delete, post_save

from huiyin.org.roles import ROLE_PERMISSIONS

# Bumped when this process saves or deletes a street: a reach read before (a user object kept
# across a street's creation: the demo loader, a test) no longer takes its whole streets for
# every street. Other processes' streets are seen by the next request's own read.
_street_changes = [0]


def _streets_changed(**kwargs) -> None:
    _street_changes[0] += 1


post_save.connect(_streets_changed, sender="org.Street", dispatch_uid="huiyin-street-saved")
post_delete.connect(_streets_changed, sender="org.Street", dispatch_uid="huiyin-street-deleted")


def all_rows() -> Q:
    """A condition every row meets that the database never sees: Django drops it from a WHERE
    (an AND keeps the other conditions, an OR with it is everything), unlike an empty Q(),
    which an OR would drop and so narrow to the other side."""
    return ~Q(pk__in=[])


@dataclass(frozen=True)
class Scope:
    """Where a permission applies: whole streets, communities (with their grids), grids, units.

    A whole-street grant covers the rows of its own street only: with several streets in one
    database, `street_wide` means "over the streets in `street_ids`", never "everything".
    `all_streets` says that `street_ids` are every street in the database (read with the
    grants, in the same request): then a whole-street scope covers every row, with no
    street condition in its filter.
    """

    street_ids: frozenset[int] = frozenset()
    community_ids: frozenset[int] = frozenset()
    grid_ids: frozenset[int] = frozenset()
    unit_ids: frozenset[int] = frozenset()
    all_streets: bool = False
    # "community"/"grid"/"unit" -> {id: street id}, loaded on demand by covers() (not compared).
    _streets: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def every_street(cls) -> Scope:
        """Every street whole (a form built without a person: tests, the command line)."""
        from huiyin.org.models import Street

        return cls(
            street_ids=frozenset(Street.objects.values_list("pk", flat=True)), all_streets=True
        )

    @property
    def everything(self) -> bool:
        """Covers every row: whole streets that are every street in the database."""
        return self.all_streets and bool(self.street_ids)

    @property
    def street_wide(self) -> bool:
        """Covers at least one whole street (its rows only: see q() and covers())."""
        return bool(self.street_ids)

    @property
    def empty(self) -> bool:
        return not (self.street_ids or self.community_ids or self.grid_ids or self.unit_ids)

    def q(
        self,
        *,
        street: str | None,
        community: str | None = "community",
        grid: str | None = "grid",
        unit: str | None = None,
    ) -> Q:
        """A filter for rows whose street/community/grid/unit fields fall in this scope.

        Pass the field names (paths) the model uses; a `None` name means the model has no such
        field. `street` is the path to the row's street ("street", "community__street"): the
        rows of a whole-street grant are that street's, never another's. Over every street in
        the database, no condition at all (`all_rows()`): the plans of a one-street Huiyin.
        """
        if self.street_ids and street is None:
            raise ValueError("a whole-street scope needs the path to the row's street")
        if self.everything:
            return all_rows()
        condition = Q(pk__in=[])
        if self.street_ids:
            condition |= Q(**{f"{street}_id__in": self.street_ids})
        if community and self.community_ids:
            condition |= Q(**{f"{community}_id__in": self.community_ids})
        if grid and self.grid_ids:
            condition |= Q(**{f"{grid}_id__in": self.grid_ids})
        if unit and self.unit_ids:
            condition |= Q(**{f"{unit}_id__in": self.unit_ids})
        return condition

    def covers(self, *, street_id=None, community_id=None, grid_id=None, unit_id=None) -> bool:
        """Whether a row in this street/community/grid/unit is inside the scope.

        A whole-street scope needs the row's street: pass `street_id`, or it is looked up from
        the community, grid or unit (a row with none of them: the only street, if there is one).
        """
        if self.everything:
            return True
        if (
            (community_id is not None and community_id in self.community_ids)
            or (grid_id is not None and grid_id in self.grid_ids)
            or (unit_id is not None and unit_id in self.unit_ids)
        ):
            return True
        if not self.street_ids:
            return False
        if street_id is None:
            street_id = self._street_of(community_id, grid_id, unit_id)
        return street_id is not None and street_id in self.street_ids

    def _street_of(self, community_id, grid_id, unit_id) -> int | None:
        # One query per kind of place for the life of the scope (a request): never one a row.
        for kind, pk in (("community", community_id), ("grid", grid_id), ("unit", unit_id)):
            if pk is not None:
                if kind not in self._streets:
                    self._streets[kind] = streets_of_places(kind)
                found = self._streets[kind].get(pk)
                if found is None:  # made after the map was read
                    found = street_of_place(**{f"{kind}_id": pk})
                return found
        return street_of_place()


def streets_of_places(kind: str) -> dict[int, int]:
    """Every community, grid or unit id -> the id of its street."""
    from huiyin.org.models import Community, Grid, Unit

    if kind == "community":
        return dict(Community.objects.values_list("pk", "street_id"))
    if kind == "grid":
        return dict(Grid.objects.values_list("pk", "community__street_id"))
    return dict(Unit.objects.values_list("pk", "street_id"))


def street_of_place(community_id=None, grid_id=None, unit_id=None) -> int | None:
    """The street of a community, grid or unit (the first given); with none, the only street."""
    from huiyin.org.models import Community, Grid, Street, Unit

    if community_id is not None:
        found = Community.objects.filter(pk=community_id).values_list("street_id", flat=True)
    elif grid_id is not None:
        found = Grid.objects.filter(pk=grid_id).values_list("community__street_id", flat=True)
    elif unit_id is not None:
        found = Unit.objects.filter(pk=unit_id).values_list("street_id", flat=True)
    else:
        streets = list(Street.objects.order_by("pk").values_list("pk", flat=True)[:2])
        return streets[0] if len(streets) == 1 else None
    return found.first()


@dataclass(frozen=True)
class Grant:
    role: str
    community_id: int | None = None
    grid_id: int | None = None
    unit_id: int | None = None
    street_id: int | None = None

    @property
    def whole_street(self) -> bool:
        return not (self.community_id or self.grid_id or self.unit_id)


@dataclass(frozen=True)
class Reach:
    """Everything a signed-in person may see and do."""

    grants: tuple[Grant, ...] = field(default_factory=tuple)
    is_superuser: bool = False
    #: The person's staff row (id, unit id), read with the grants (``cases.models.staff_of``).
    staff: tuple[int | None, int | None] = field(default=(None, None), compare=False)
    # How many streets the database holds, read with the grants (None: not known, so every
    # whole-street scope keeps its street condition).
    street_count: int | None = None
    _changes: int = field(default_factory=lambda: _street_changes[0], compare=False, repr=False)
    _scopes: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(g.role for g in self.grants)

    @property
    def street_ids(self) -> frozenset[int]:
        """Every street the person holds a grant in (whole or in part)."""
        return frozenset(g.street_id for g in self.grants if g.street_id is not None)

    def has_role(self, *roles: str) -> bool:
        return any(g.role in roles for g in self.grants)

    def permissions(self) -> frozenset[str]:
        perms: set[str] = set()
        for g in self.grants:
            perms |= ROLE_PERMISSIONS.get(g.role, frozenset())
        return frozenset(perms)

    def can(self, perm: str) -> bool:
        return perm in self.permissions()

    def scope(self, perm: str) -> Scope:
        """The union of the scopes of every grant whose role carries `perm` (cached)."""
        if self._changes != _street_changes[0]:  # a street saved since: count unknown
            self._scopes.clear()
            object.__setattr__(self, "street_count", None)
        cached = self._scopes.get(perm)
        if cached is not None:
            return cached
        streets: set[int] = set()
        communities: set[int] = set()
        grids: set[int] = set()
        units: set[int] = set()
        for g in self.grants:
            if perm not in ROLE_PERMISSIONS.get(g.role, frozenset()):
                continue
            if g.grid_id:
                grids.add(g.grid_id)
            elif g.community_id:
                communities.add(g.community_id)
            elif g.unit_id:
                units.add(g.unit_id)
            elif g.street_id is not None:
                streets.add(g.street_id)
        # The grants' streets are rows of the streets' table (a foreign key): as many of them
        # as the table holds are all of it.
        every = self.street_count is not None and len(streets) >= self.street_count
        scope = Scope(
            frozenset(streets),
            frozenset(communities),
            frozenset(grids),
            frozenset(units),
            all_streets=bool(streets) and every,
        )
        self._scopes[perm] = scope
        return scope


NOBODY = Reach()


def reach_of(user) -> Reach:
    """The reach of a user, cached on the user object for the request."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOBODY
    cached = getattr(user, "_huiyin_reach", None)
    if cached is not None:
        return cached
    staff: tuple[int | None, int | None] = (None, None)
    count: int | None = None
    grants = []
    for staff_id, unit_id, *grant, streets in _staff_and_grants(user.pk):
        staff, count = (staff_id, unit_id), streets
        if grant[0] is not None:
            grants.append(Grant(*grant))
    reach = Reach(
        grants=tuple(grants), is_superuser=user.is_superuser, staff=staff, street_count=count
    )
    user._huiyin_reach = reach
    return reach


def _staff_and_grants(user_id: int) -> list[tuple]:
    """The person's staff row with its grants, in one query: (staff id, unit id, role,
    community id, grid id, unit id, street id, the number of streets in the database) per
    grant, one row with no grant (a staff member without roles), or none (no staff row: no
    grants either). Written out: through the ORM (a ``values_list`` over the join) its
    building was 0.25 ms of every signed-in request. The number of streets is a subquery of
    the same statement (no query more): see ``Reach.street_count``."""
    from django.db import connections, router

    from huiyin.org.models import RoleGrant, Staff, Street

    db = connections[router.db_for_read(Staff)]
    quote = db.ops.quote_name
    staff, grant = quote(Staff._meta.db_table), quote(RoleGrant._meta.db_table)
    columns = ", ".join(
        [f"{staff}.{quote('id')}", f"{staff}.{quote('unit_id')}"]
        + [
            f"{grant}.{quote(c)}"
            for c in ("role", "community_id", "grid_id", "unit_id", "street_id")
        ]
        + [f"(SELECT COUNT(*) FROM {quote(Street._meta.db_table)})"]  # noqa: S608
    )
    with db.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {staff} LEFT OUTER JOIN {grant} "  # noqa: S608
            f"ON {grant}.{quote('staff_id')} = {staff}.{quote('id')} "
            f"WHERE {staff}.{quote('user_id')} = %s",
            [user_id],
        )
        return cursor.fetchall()
