"""Reporting bodies and who may file or see their reports.

A body is a community, a grid or a unit with a screening duty. Who may file its report holds
Perm.DISPUTES_SCREEN over it (a grid worker their grid; a community worker their community
and its grids; governance staff the whole street); who may see it holds Perm.DISPUTES_VIEW
over it. Bodies are named in addresses by a token: ``c3`` (community 3), ``g7``, ``u2``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from huiyin.cases import bounds
from huiyin.org.access import reach_of
from huiyin.org.roles import Perm
from huiyin.screening.models import BodyKind, ScreeningDuty

_PREFIX = {BodyKind.COMMUNITY: "c", BodyKind.GRID: "g", BodyKind.UNIT: "u"}
_KIND_OF = {v: k for k, v in _PREFIX.items()}
#: The longest token read from outside ("g" and an id).
MAX_TOKEN = 20


@dataclass(frozen=True)
class Body:
    kind: str  # BodyKind
    pk: int
    name: str
    street_id: int
    community_id: int | None  # a grid's community too
    grid_id: int | None
    unit_id: int | None
    order: tuple  # communities in their order, each followed by its grids; units last

    @property
    def token(self) -> str:
        return f"{_PREFIX[self.kind]}{self.pk}"

    @property
    def key(self) -> tuple[str, int]:
        return self.kind, self.pk

    @property
    def is_grid(self) -> bool:
        return self.kind == BodyKind.GRID

    @property
    def is_community(self) -> bool:
        return self.kind == BodyKind.COMMUNITY

    @property
    def is_unit(self) -> bool:
        return self.kind == BodyKind.UNIT

    def filter(self) -> dict:
        """Lookups selecting this body's rows (duties, reports)."""
        if self.kind == BodyKind.GRID:
            return {"grid_id": self.grid_id}
        if self.kind == BodyKind.UNIT:
            return {"unit_id": self.unit_id}
        return {"community_id": self.community_id, "grid__isnull": True, "unit__isnull": True}

    def fields(self) -> dict:
        """The body columns of a new row."""
        return {
            "street_id": self.street_id,
            "community_id": self.community_id,
            "grid_id": self.grid_id,
            "unit_id": self.unit_id,
        }


def body_of(duty: ScreeningDuty) -> Body:
    """The body of a duty (or a report): select_related community, grid, unit beforehand."""
    kind, pk = duty.body_key
    community = duty.community
    if kind == BodyKind.UNIT:
        order = (1, 0, 0, duty.unit.name, pk)
    else:
        grid_order = duty.grid.order if duty.grid_id else -1
        order = (0, community.order, community.pk, grid_order, duty.grid_id or 0)
    return Body(
        kind,
        pk,
        duty.body_name,
        duty.street_id,
        duty.community_id,
        duty.grid_id,
        duty.unit_id,
        order,
    )


def parse_token(text: object) -> tuple[str, int] | None:
    """("grid", 7) for "g7"; None for anything else (bounded: no huge ids reach the database)."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    if not 2 <= len(text) <= MAX_TOKEN:
        return None
    kind = _KIND_OF.get(text[0])
    pk = bounds.bounded_int(text[1:], 1, bounds.MAX_ID)
    if kind is None or pk is None or not text[1:].isdigit():
        return None
    return kind, pk


def _duties() -> QuerySet[ScreeningDuty]:
    return ScreeningDuty.objects.select_related("community", "grid__community", "unit")


def active_q(start: date, end: date) -> Q:
    """Duties that run on some day of [start, end]."""
    return Q(active_from__lte=end) & (Q(active_to__isnull=True) | Q(active_to__gte=start))


def scope_q(user, perm: str) -> Q | None:
    """Duty (or report) rows inside the scope of `perm` for `user`; None when they lack it."""
    scope = reach_of(user).scope(perm)
    if scope.empty:
        return None
    return scope.q(street="street", community="community", grid="grid", unit="unit")


def duties_in(user, perm: str, start: date, end: date, *, street=None) -> list[ScreeningDuty]:
    """The duties running in [start, end] whose bodies `perm` of `user` covers, in board order.

    A body with an ended duty and a newer one is listed once (the newest duty).
    """
    condition = scope_q(user, perm)
    if condition is None:
        return []
    rows = _duties().filter(condition, active_q(start, end))
    if street is not None:
        rows = rows.filter(street=street)
    newest: dict[tuple[str, int], ScreeningDuty] = {}
    for duty in rows.order_by("active_from", "id"):
        newest[duty.body_key] = duty
    return sorted(newest.values(), key=lambda d: body_of(d).order)


def bodies_in(user, perm: str, start: date, end: date, *, street=None) -> list[Body]:
    return [body_of(d) for d in duties_in(user, perm, start, end, street=street)]


def find(user, token: object, perm: str, start: date, end: date) -> Body | None:
    """The body named by `token` if it has a duty in [start, end] and `perm` of `user` covers
    it; None otherwise (the same answer whether or not it exists)."""
    parsed = parse_token(token)
    if parsed is None:
        return None
    condition = scope_q(user, perm)
    if condition is None:
        return None
    kind, pk = parsed
    lookup = {
        BodyKind.GRID: {"grid_id": pk},
        BodyKind.UNIT: {"unit_id": pk},
        BodyKind.COMMUNITY: {"community_id": pk, "grid__isnull": True, "unit__isnull": True},
    }[kind]
    duty = (
        _duties()
        .filter(condition, active_q(start, end), **lookup)
        .order_by("-active_from", "-id")
        .first()
    )
    return body_of(duty) if duty is not None else None


def may(user, perm: str, body: Body) -> bool:
    """Whether `perm` of `user` covers `body` (a community's scope covers its grids)."""
    return (
        reach_of(user)
        .scope(perm)
        .covers(
            street_id=body.street_id,
            community_id=body.community_id,
            grid_id=body.grid_id,
            unit_id=body.unit_id,
        )
    )


def may_file(user, body: Body) -> bool:
    return may(user, Perm.DISPUTES_SCREEN, body)


def may_view(user, body: Body) -> bool:
    return may(user, Perm.DISPUTES_VIEW, body) or may_file(user, body)
