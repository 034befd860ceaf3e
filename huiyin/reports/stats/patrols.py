"""The patrols' figures: the sections ``patrols`` (巡查), ``inspections`` (重点场所检查) and
``rectifications`` (隐患整改).

Registered with the statistics engine (:mod:`huiyin.reports.stats.engine`), which composes
them with the other kinds' into :func:`~huiyin.reports.stats.compute`:

    stats = compute(Period(date(2026, 6, 1), date(2026, 9, 8)), user=request.user)
    stats["patrols"]["hours"]                       # 巡查时长（小时）
    flat(stats)["rectifications.done_rate"]         # 整改率

Definitions (also in the README, "Statistics")
=============================================

* **Which rows.** Patrols, inspections and rectifications of the street; with ``user``, only
  those inside that person's ``patrols.view`` scope (:func:`huiyin.patrols.access.rows`: a
  grid worker their grid, a community worker their community and its grids, the 综治办 and
  the leaders the whole street; without the permission, none); with a
  :class:`~huiyin.reports.stats.engine.Scope`, one community or grid (a unit scope counts
  none: these rows belong to no unit). Days are Beijing dates, both ends inclusive.
* **patrols.count** = patrols that started in the period (by the moment started: one at
  00:00 on the first day counts, one at 23:59 the day before does not).
  **patrols.hours** = their recorded durations added up, in hours, rounded half up to one
  decimal (135 minutes: 2.3).
  **patrols.volunteer_headcount** = the volunteers on their teams added up (人次: a volunteer
  on three patrols counts three times); staff are not counted.
* **inspections.count** = inspections of key places made in the period (by the day
  inspected); **inspections.items_failed** = the checklist items that failed in them (each
  becomes a rectification).
* **rectifications** — each rectification (a failed checklist item, or a patrol finding turned
  into one) belongs to the period in which it was opened (by the moment created), and is
  counted once more by its state at the end of the reference day (the period's last day or
  today, whichever is earlier): **opened** = rectifications opened in the period;
  **done** = those of them rectified by the end of the reference day (the day recorded as
  rectified); **open** = those not yet rectified then (opened = done + open);
  **overdue** = those not yet rectified then whose deadline was before that day (the deadline
  day itself is not overdue, as on the rectification list); **done_rate** (整改率) = done ÷
  opened, ``None`` when none was opened.
* Rates are fractions between 0 and 1, rounded to four places.

Queries: figures() issues four whatever the period — the patrols' count and minutes, their
volunteers, the inspections with their failed items, the rectifications' conditional counts.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from huiyin.org.roles import Perm
from huiyin.patrols import access
from huiyin.patrols.models import Inspection, Patrol, Rectification, Result
from huiyin.reports.stats.engine import Period, Scope, register

__all__ = ["SECTIONS", "figures", "labels", "scoped"]

#: The top-level JSON keys these figures fill, in this order.
SECTIONS = ("patrols", "inspections", "rectifications")


def scoped(queryset: QuerySet, *, user=None, scope: Scope | None = None) -> QuerySet:
    """`queryset` (patrols, inspections or rectifications: rows with a community and a grid)
    limited to what `user` may see (``patrols.view``) and to `scope`."""
    if user is not None:
        queryset = access.rows(user, queryset, Perm.PATROLS_VIEW)
    if scope is not None:
        if scope.unit_id is not None:
            return queryset.none()
        if scope.street_id is not None:
            queryset = queryset.filter(community__street_id=scope.street_id)
        if scope.community_id is not None:
            queryset = queryset.filter(community_id=scope.community_id)
        if scope.grid_id is not None:
            queryset = queryset.filter(grid_id=scope.grid_id)
    return queryset


def _rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def hours(minutes: int) -> float:
    """Minutes as hours with one decimal, rounded half up (135 minutes → 2.3)."""
    exact = Decimal(minutes) / 60
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def patrols(period: Period, *, user=None, scope: Scope | None = None) -> dict[str, Any]:
    first, after = period.bounds()
    found = scoped(
        Patrol.objects.filter(started_at__gte=first, started_at__lt=after), user=user, scope=scope
    )
    totals = found.aggregate(count=Count("pk"), minutes=Sum("duration_minutes", default=0))
    volunteers = Patrol.volunteers.through.objects.filter(patrol_id__in=found.values("pk"))
    return {
        "count": totals["count"],
        "hours": hours(totals["minutes"]),
        "volunteer_headcount": volunteers.count(),
    }


def inspections(period: Period, *, user=None, scope: Scope | None = None) -> dict[str, int]:
    found = scoped(
        Inspection.objects.filter(inspected_on__gte=period.start, inspected_on__lte=period.end),
        user=user,
        scope=scope,
    )
    totals = found.aggregate(
        count=Count("pk", distinct=True),
        items_failed=Count("results", filter=Q(results__result=Result.FAIL)),
    )
    return {"count": totals["count"], "items_failed": totals["items_failed"]}


def rectifications(period: Period, *, user=None, scope: Scope | None = None) -> dict[str, Any]:
    first, after = period.bounds()
    day = period.reference_day()
    found = scoped(
        Rectification.objects.filter(created_at__gte=first, created_at__lt=after),
        user=user,
        scope=scope,
    )
    done = Q(done_on__isnull=False, done_on__lte=day)
    counts = found.aggregate(
        opened=Count("pk"),
        done=Count("pk", filter=done),
        overdue=Count("pk", filter=~done & Q(deadline__lt=day)),
    )
    return {
        "opened": counts["opened"],
        "done": counts["done"],
        "open": counts["opened"] - counts["done"],
        "overdue": counts["overdue"],
        "done_rate": _rate(counts["done"], counts["opened"]),
    }


def figures(period: Period, *, user=None, scope: Scope | None = None) -> dict:
    """The sections ``patrols``, ``inspections`` and ``rectifications`` of
    :func:`~huiyin.reports.stats.compute` (see the module docstring). Four queries."""
    return {
        "patrols": patrols(period, user=user, scope=scope),
        "inspections": inspections(period, user=user, scope=scope),
        "rectifications": rectifications(period, user=user, scope=scope),
    }


#: The sections' and their figures' names, by dotted key (``huiyin stats``' table).
NAMES = {
    "patrols": _("Patrols"),
    "patrols.count": _("Patrols"),
    "patrols.hours": _("Hours on patrol"),
    "patrols.volunteer_headcount": _("Volunteers on patrol (person-times)"),
    "inspections": _("Inspections of key places"),
    "inspections.count": _("Inspections"),
    "inspections.items_failed": _("Checklist items failed"),
    "rectifications": _("Rectifications"),
    "rectifications.opened": _("Rectifications opened"),
    "rectifications.done": _("Rectified"),
    "rectifications.open": _("Not yet rectified"),
    "rectifications.overdue": _("Overdue"),
    "rectifications.done_rate": _("Rectification rate"),
}


def labels() -> dict[str, str]:
    return {key: str(name) for key, name in NAMES.items()}


register("patrols", figures, sections=SECTIONS, order=50, labels=labels)
