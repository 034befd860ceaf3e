"""Scoring a scheme over a period: every body's points, explained, ranked by kind.

    results = score(scheme, Period(date(2026, 1, 1), date(2026, 12, 31)))
    for r in results:          # communities first, then units, each ranked on its own
        r.body.name, r.total, r.max_total, r.vetoed, r.rank
        for p in r.points:     # one per item that applies to the body's kind
            p.item.title, p.computed.points, explain(p.computed.detail), p.matters

Each body's figures come from the statistics layer (:mod:`huiyin.reports.stats`) for its
scope — a community's matters, or the matters a unit owns — over the period, counted for
everyone (no person's view): the same question gets the same number as ``huiyin stats
--community``. Only the sections the scheme's items read are computed.

``total`` is the sum of the available points, ``max_total`` the sum of their maxima (an item
whose statistic is not computed here counts in neither, for every body alike). A body is
``vetoed`` when the district decided a veto proposal about it whose effect overlaps the period;
it ranks after the bodies that are not, as the 1991 rules would have it, its points shown.
Bodies with the same total share a rank (1, 2, 2, 4).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from huiyin.assessment import keys
from huiyin.assessment.bodies import COMMUNITY, UNIT, Body, all_bodies
from huiyin.assessment.matters import matters_behind
from huiyin.assessment.models import Decision, Method, VetoProposal
from huiyin.assessment.rules import Computed, points_of
from huiyin.reports.stats import Period, flat, registered

#: The five assurances' figure (``assurances.completeness_rate``) is the assessment's own.
ASSURANCES_SECTION = "assurances"


@dataclass
class PointResult:
    item: object  # SchemeItem
    computed: Computed
    matters: list[dict] = field(default_factory=list)


@dataclass
class BodyResult:
    body: Body
    points: list[PointResult]
    total: Decimal = Decimal("0.00")
    max_total: Decimal = Decimal("0.00")
    vetoed: bool = False
    rank: int = 0


def figures_for(body: Body | None, period: Period, sections: Iterable[str]) -> dict[str, object]:
    """The flat figures of the registered kinds that fill any of `sections`, for the body's
    scope (None: the whole street), counted for everyone."""
    wanted = set(sections)
    scope = body.scope() if body is not None else None
    out: dict[str, object] = {}
    for entry in registered():
        if wanted & set(entry.sections):
            out.update(flat(dict(entry.figures(period, scope=scope))))
    if ASSURANCES_SECTION in wanted:
        # Kept by the assessment itself, not a statistic of the matters (see keys).
        from huiyin.assessment.services.assurances import figures

        out.update(figures(body, period))
    return out


def vetoed_bodies(period: Period) -> set[tuple[str, int]]:
    """(kind, id) of the bodies under a veto the district decided, in effect in the period."""
    found = VetoProposal.objects.filter(decision=Decision.APPROVED).filter(
        Q(effective_from__lte=period.end) | Q(effective_from__isnull=True),
        Q(effective_to__gte=period.start) | Q(effective_to__isnull=True),
    )
    out: set[tuple[str, int]] = set()
    for community_id, unit_id in found.values_list("community_id", "unit_id"):
        out.add((COMMUNITY, community_id) if community_id else (UNIT, unit_id))
    return out


def score_body(
    items: list,
    body: Body,
    period: Period,
    *,
    figures: Mapping[str, object] | None = None,
    awards: Mapping[tuple[int, str], object] | None = None,
    with_matters: bool = True,
) -> BodyResult:
    """One body's points on the `items` that apply to its kind."""
    mine = [item for item in items if item.applies(body.kind)]
    if figures is None:
        figures = figures_for(body, period, keys.sections_of(i.stat_key for i in mine))
    results = []
    for item in mine:
        award = (awards or {}).get((item.pk, body.key)) if item.method == Method.MANUAL else None
        computed = points_of(item, figures, award=award)
        matters = []
        if with_matters and computed.lost and item.method != Method.MANUAL:
            matters = matters_behind(item.stat_key, body, period)
        results.append(PointResult(item, computed, matters))
    available = [r.computed for r in results if r.computed.available]
    return BodyResult(
        body,
        results,
        total=sum((c.points for c in available), Decimal("0.00")),
        max_total=sum((c.max_points for c in available), Decimal("0.00")),
    )


def rank(results: list[BodyResult]) -> list[BodyResult]:
    """Communities, then units, each ranked: not vetoed first, by total (ties share a rank)."""
    ordered: list[BodyResult] = []
    for kind in (COMMUNITY, UNIT):
        group = sorted(
            (r for r in results if r.body.kind == kind),
            key=lambda r: (r.vetoed, -r.total, r.body.name, r.body.id),
        )
        previous = None
        for position, result in enumerate(group, start=1):
            here = (result.vetoed, result.total)
            result.rank = previous[1] if previous and previous[0] == here else position
            previous = (here, result.rank)
        ordered += group
    return ordered


def score(
    scheme,
    period: Period,
    *,
    bodies: list[Body] | None = None,
    awards: Mapping[tuple[int, str], object] | None = None,
    with_matters: bool = True,
) -> list[BodyResult]:
    """Every body's result under `scheme` for `period`, ranked (see the module docstring)."""
    items = list(scheme.items.order_by("order", "id"))
    bodies = all_bodies() if bodies is None else bodies
    vetoed = vetoed_bodies(period)
    results = []
    for body in bodies:
        if not any(item.applies(body.kind) for item in items):
            continue
        result = score_body(items, body, period, awards=awards, with_matters=with_matters)
        result.vetoed = (body.kind, body.id) in vetoed
        results.append(result)
    return rank(results)
