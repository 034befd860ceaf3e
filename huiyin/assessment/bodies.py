"""The bodies assessed: each community and each unit of the street (a 目标责任书's party).

A body is a community or a unit, never a person. :class:`Body` is the plain value the
scoring, the pages and the command line pass around; models that belong to a body carry a
``community`` and a ``unit`` foreign key, exactly one of them set (:func:`one_body`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.db.models import Q

from huiyin.org.access import reach_of

COMMUNITY = "community"
UNIT = "unit"
KINDS = (COMMUNITY, UNIT)


@dataclass(frozen=True)
class Body:
    kind: str  # "community" | "unit"
    id: int
    name: str

    @property
    def key(self) -> str:
        """ "community-3", "unit-7": in forms and addresses."""
        return f"{self.kind}-{self.id}"

    def scope(self):
        """The statistics engine's scope of the body's matters (a unit: the cases it owns)."""
        from huiyin.reports.stats.engine import Scope

        if self.kind == COMMUNITY:
            return Scope(community_id=self.id)
        return Scope(unit_id=self.id)

    def filters(self) -> dict:
        """Keyword filters for a model with the ``community`` / ``unit`` pair."""
        return {"community_id": self.id} if self.kind == COMMUNITY else {"unit_id": self.id}


def one_body(name: str) -> models.CheckConstraint:
    """Exactly one of ``community`` and ``unit`` is set."""
    return models.CheckConstraint(
        condition=(
            Q(community__isnull=False, unit__isnull=True)
            | Q(community__isnull=True, unit__isnull=False)
        ),
        name=name,
    )


def of(row) -> Body:
    """The body of a row with the ``community`` / ``unit`` pair (both loaded or loadable)."""
    if row.community_id:
        return Body(COMMUNITY, row.community_id, row.community.name)
    return Body(UNIT, row.unit_id, row.unit.name)


def body_fields(body: Body) -> dict:
    """``{"community_id": …, "unit_id": None}`` for creating a row of `body`."""
    if body.kind == COMMUNITY:
        return {"community_id": body.id, "unit_id": None}
    return {"community_id": None, "unit_id": body.id}


def all_bodies(
    kind: str | None = None, *, street_id: int | None = None, street_ids=None
) -> list[Body]:
    """Every community (in the street's order), then every unit (by kind and name); with
    `street_id`, that street's only; with `street_ids`, those streets' only."""
    from huiyin.org.models import Community, Unit

    communities, units = Community.objects.all(), Unit.objects.all()
    if street_id is not None:
        communities, units = (
            communities.filter(street_id=street_id),
            units.filter(street_id=street_id),
        )
    if street_ids is not None:
        communities, units = (
            communities.filter(street_id__in=street_ids),
            units.filter(street_id__in=street_ids),
        )
    out: list[Body] = []
    if kind in (None, COMMUNITY):
        out += [
            Body(COMMUNITY, pk, name)
            for pk, name in communities.order_by("order", "id").values_list("id", "name")
        ]
    if kind in (None, UNIT):
        out += [
            Body(UNIT, pk, name)
            for pk, name in units.order_by("kind", "name", "id").values_list("id", "name")
        ]
    return out


def parse(key: str | None) -> Body | None:
    """The body named by "community-3" / "unit-7" (text from outside), or None."""
    from huiyin.cases import bounds
    from huiyin.org.models import Community, Unit

    kind, _, raw = str(key or "")[:40].partition("-")
    pk = bounds.bounded_int(raw, 1, bounds.MAX_ID)
    if kind not in KINDS or pk is None:
        return None
    model = Community if kind == COMMUNITY else Unit
    name = model.objects.filter(pk=pk).values_list("name", flat=True).first()
    return Body(kind, pk, name) if name is not None else None


def choices(user=None) -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped choices for a select: communities, then units (of the person's streets when
    given: another street's body is no choice, so a forged one is a form error)."""
    from django.utils.translation import gettext

    bodies = all_bodies(street_ids=None if user is None else reach_of(user).street_ids)
    return [
        (gettext("Communities"), [(b.key, b.name) for b in bodies if b.kind == COMMUNITY]),
        (gettext("Units"), [(b.key, b.name) for b in bodies if b.kind == UNIT]),
    ]


def covers(user, body: Body) -> bool:
    """Whether one of the person's own grants is on `body` (its staff: a community's workers,
    a unit's handlers) — who may answer for it: file an objection, give a written feedback."""
    for grant in reach_of(user).grants:
        if body.kind == COMMUNITY and grant.community_id == body.id:
            return True
        if body.kind == UNIT and grant.unit_id == body.id:
            return True
    return False


def covered(user) -> list[Body]:
    """The bodies of the person's own grants."""
    reach = reach_of(user)
    communities = {g.community_id for g in reach.grants if g.community_id}
    units = {g.unit_id for g in reach.grants if g.unit_id}
    return [
        b
        for b in all_bodies()
        if (b.kind == COMMUNITY and b.id in communities) or (b.kind == UNIT and b.id in units)
    ]


def street_id_of(body: Body) -> int | None:
    """The street of the body (None: no such community or unit)."""
    from huiyin.org.models import Community, Unit

    model = Community if body.kind == COMMUNITY else Unit
    return model.objects.filter(pk=body.id).values_list("street_id", flat=True).first()


def of_streets(user, body: Body | None) -> bool:
    """Whether the body is of one of the person's streets: a service checks it again, since a
    form's choices are only the page's (a forged or stale body is refused, never saved)."""
    if body is None:
        return False
    street = street_id_of(body)
    return street is not None and street in reach_of(user).street_ids
