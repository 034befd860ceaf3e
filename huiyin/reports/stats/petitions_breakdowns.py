"""The petitions by community and grid, week by week, and the lists of open petitions due.

The rows of the dashboard's table and map and its trend chart, and its overdue and due-soon
lists; each from the same grouped aggregate and definitions as the petitions' figures
(:mod:`huiyin.reports.stats.petitions`), a fixed number of queries whatever the period.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.models import Case
from huiyin.reports.stats import petitions as _petitions
from huiyin.reports.stats.engine import Period, compose
from huiyin.reports.stats.engine import today as _today
from huiyin.reports.stats.petitions import _fold, _groups, petition_cases

__all__ = [
    "dashboard",
    "due_soon_cases",
    "overdue_cases",
    "per_community",
    "per_grid",
    "weekly_trend",
]


# --------------------------------------------------------------------------- breakdowns


def _row(folded: dict[str, Any]) -> dict[str, Any]:
    """The per-community / per-grid columns of a folded group."""
    return {
        "batches": folded["batches"],
        "headcount": folded["headcount"],
        "over_level_batches": folded["over_level"]["batches"],
        "over_level_headcount": folded["over_level"]["headcount"],
        "upward_batches": folded["upward"]["batches"],
        "upward_headcount": folded["upward"]["headcount"],
        "collective_batches": folded["collective"]["batches"],
        "collective_headcount": folded["collective"]["headcount"],
        "repeat": folded["repeat"],
        "concluded": folded["concluded"],
        "overdue_open": folded["overdue_open"],
    }


def _grouped(rows: Iterable[dict], field: str) -> dict[int | None, dict]:
    """{value of `field`: row} from the grouped aggregate's rows (grouped by `field`)."""
    buckets: dict[int | None, list[dict]] = {}
    for row in rows:
        buckets.setdefault(row[field], []).append(row)
    return {key: _row(_fold(rows)) for key, rows in buckets.items()}


_ZERO_ROW = _row(_fold([]))


def _covered(user, community_ids: Iterable[int]) -> set[int]:
    """The communities a person's petition scope reaches (all of them for None or street-wide)."""
    from huiyin.org.access import reach_of
    from huiyin.org.models import Community, Grid
    from huiyin.org.roles import Perm

    ids = set(community_ids)
    if user is None:
        return ids
    scope = reach_of(user).scope(Perm.PETITIONS_VIEW)
    reached = set(scope.community_ids)
    if scope.street_wide:  # the communities of the person's whole streets
        reached |= set(
            Community.objects.filter(street_id__in=scope.street_ids).values_list("pk", flat=True)
        )
    if scope.grid_ids:
        reached |= set(
            Grid.objects.filter(pk__in=scope.grid_ids).values_list("community_id", flat=True)
        )
    return ids & reached


def per_community(period: Period, *, user=None) -> list[dict]:
    """One row per community, in the street's order.

    Keys: ``id``, ``name``, ``batches``, ``headcount``, ``over_level_batches``,
    ``over_level_headcount``, ``collective_batches``, ``collective_headcount``, ``repeat``,
    ``concluded``, ``overdue_open``. With `user`, only the communities that person's scope
    reaches plus any where they see a petition. Petitions without a community are in no row.
    """
    rows = _groups(
        petition_cases(period, user=user),
        period.reference_day(),
        ("community_id",),
        _petitions.bounded_streets(user),
    )
    return _per_community(_grouped(rows, "community_id"), user)


def _per_community(counts: dict[int | None, dict], user) -> list[dict]:
    from huiyin.org.models import Community

    communities = list(Community.objects.order_by("order", "id").values("id", "name"))
    shown = _covered(user, [c["id"] for c in communities]) | {k for k in counts if k}
    return [
        {"id": c["id"], "name": c["name"], **counts.get(c["id"], _ZERO_ROW)}
        for c in communities
        if c["id"] in shown
    ]


def per_grid(period: Period, *, user=None) -> list[dict]:
    """One row per grid: ``id``, ``name``, ``community`` (name), ``community_id``, ``batches``,
    ``headcount`` and the other per-community keys, and ``geometry`` (GeoJSON or None)."""
    rows = _groups(
        petition_cases(period, user=user),
        period.reference_day(),
        ("grid_id",),
        _petitions.bounded_streets(user),
    )
    return _per_grid(_grouped(rows, "grid_id"), user)


def _per_grid(counts: dict[int | None, dict], user) -> list[dict]:
    from huiyin.org.models import Grid

    grids = list(
        Grid.objects.order_by("community__order", "order", "id").values(
            "id", "name", "community_id", "community__name", "geometry"
        )
    )
    shown = _covered(user, {g["community_id"] for g in grids}) | {
        g["community_id"] for g in grids if g["id"] in counts
    }
    return [
        {
            "id": g["id"],
            "name": g["name"],
            "community": g["community__name"],
            "community_id": g["community_id"],
            **counts.get(g["id"], _ZERO_ROW),
            "geometry": g["geometry"],
        }
        for g in grids
        if g["community_id"] in shown
    ]


def dashboard(period: Period, *, user=None) -> tuple[dict, list[dict], list[dict]]:
    """``(compute(period, user=user), per_community(...), per_grid(...))`` — the same three
    results — from one grouped aggregate (grouped by community and grid as well) instead of
    three: the dashboard shows all three, and each aggregate reads every petition of the
    period with its handling clock and latest rating. Three queries, plus the two of the
    lists' names (communities, grids).
    """
    cases = petition_cases(period, user=user)
    rows = _groups(
        cases,
        period.reference_day(),
        ("community_id", "grid_id"),
        _petitions.bounded_streets(user),
    )
    given = {"petitions": _petitions.sections(period, cases, rows, user=user)}
    return (
        compose(period, user=user, given=given),
        _per_community(_grouped(rows, "community_id"), user),
        _per_grid(_grouped(rows, "grid_id"), user),
    )


def weekly_trend(period: Period, *, user=None, today: date | None = None) -> list[dict]:
    """Petitions per week (Monday to Sunday) touching the period, zeros included.

    Rows: ``week_start`` (a date, a Monday; the first and last week may reach outside the
    period, but only the period's days are counted), ``batches``, ``headcount``. A week that
    starts after today (Beijing) has not happened: its ``batches`` and ``headcount`` are
    ``None``, not 0, so a chart of this month leaves a gap instead of falling to zero.
    """
    today = today or _today()
    rows = (
        _petitions._with_petitions(
            petition_cases(period, user=user), _petitions.bounded_streets(user)
        )
        .annotate(week=TruncWeek("received_at", tzinfo=CHINA_TZ))
        .values("week")
        .annotate(batches=Count("pk"), headcount=Sum("petition__headcount", default=0))
        .order_by("week")
    )
    found: dict[date, dict] = {}
    for item in rows:
        week = item["week"]
        if isinstance(week, datetime):
            week = (
                timezone.localtime(week, CHINA_TZ).date()
                if timezone.is_aware(week)
                else week.date()
            )
        found[week] = {"batches": item["batches"], "headcount": item["headcount"] or 0}
    monday = period.start - timedelta(days=period.start.weekday())
    trend = []
    while monday <= period.end:
        if monday > today:
            counts = {"batches": None, "headcount": None}
        else:
            counts = found.get(monday, {"batches": 0, "headcount": 0})
        trend.append({"week_start": monday, **counts})
        monday += timedelta(days=7)
    return trend


# --------------------------------------------------------------------------- lists


def _open_petitions(user) -> QuerySet[Case]:
    # closed_at is set exactly when a case reaches a final state (the list filters the same).
    return (
        petition_cases(user=user)
        .filter(closed_at__isnull=True)
        .select_related("petition", "community", "grid", "owner_unit")
    )


def overdue_cases(*, user=None, today: date | None = None) -> QuerySet[Case]:
    """Open petitions past their due date today (``Case.due_on``, the nearest running
    office clock), most overdue first."""
    today = today or _today()
    return _open_petitions(user).filter(due_on__lt=today).order_by("due_on", "pk")


def due_soon_cases(*, user=None, today: date | None = None, days: int = 3) -> QuerySet[Case]:
    """Open petitions due today or in the next `days` days, soonest first."""
    today = today or _today()
    return (
        _open_petitions(user)
        .filter(due_on__gte=today, due_on__lte=today + timedelta(days=days))
        .order_by("due_on", "pk")
    )
