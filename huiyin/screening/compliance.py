"""Who reported, on time or late, and who did not: per body and period, and in total.

:func:`compliance` is what the statistics layer calls for ``screening.{expected, on_time,
late, missing, nil}``; the weekly board lays out the same rows. Each (body, period) with a
duty running in the period is one row with one status:

* ``on_time`` — filed no later than the deadline fixed when it was first filed;
* ``late`` — filed after it (an amendment never changes this);
* ``missing`` — not filed, and the deadline has passed;
* ``pending`` — not filed, the deadline still ahead (counted nowhere but in ``pending``).

``expected = on_time + late + missing``; ``nil`` counts the reports (on time or late) that
are nil reports. A report filed early for a period still running counts as on time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, Q

from huiyin.org.access import Scope as AccessScope
from huiyin.org.roles import Perm
from huiyin.screening import periods
from huiyin.screening.bodies import Body, active_q, body_of, scope_q
from huiyin.screening.models import ScreeningDuty, ScreeningReport, on_time

ON_TIME, LATE, MISSING, PENDING = "on_time", "late", "missing", "pending"
STATUSES = (ON_TIME, LATE, MISSING, PENDING)
TOTAL_KEYS = ("expected", ON_TIME, LATE, MISSING, "nil", PENDING)

#: The most periods one call covers (about ten years of weeks): a wider range is cut at its end.
MAX_PERIODS = 520


@dataclass(frozen=True)
class Row:
    period: periods.Period
    body: Body
    status: str  # one of STATUSES
    nil: bool
    deadline: datetime
    report_id: int | None = None
    filed_at: datetime | None = None
    amended_at: datetime | None = None
    items: int = 0  # disputes the report lists

    @property
    def reported(self) -> bool:
        return self.report_id is not None


def _zero() -> dict[str, int]:
    return dict.fromkeys(TOTAL_KEYS, 0)


def _count(totals: dict[str, int], row: Row) -> None:
    totals[row.status] += 1
    if row.status != PENDING:
        totals["expected"] += 1
    if row.nil:
        totals["nil"] += 1


def tally(result: Compliance, row: Row) -> None:
    """Add `row` to `result`: its rows, its period's totals and the grand totals. Other
    reports judged on the same table (the sensitive periods' daily reports) build theirs so."""
    result.rows.append(row)
    _count(result.by_period.setdefault(row.period.label, _zero()), row)
    _count(result.totals, row)


@dataclass
class Compliance:
    periods: list[periods.Period]
    rows: list[Row]
    totals: dict[str, int] = field(default_factory=_zero)
    by_period: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        """Plain values only (for JSON): dates and moments as ISO text."""
        return {
            "periods": [
                {
                    "label": p.label,
                    "start": p.start.isoformat(),
                    "end": p.end.isoformat(),
                    "deadline": periods.deadline_of(p).isoformat(),
                }
                for p in self.periods
            ],
            "rows": [
                {
                    "period": r.period.label,
                    "body": {"kind": r.body.kind, "id": r.body.pk, "name": r.body.name},
                    "community_id": r.body.community_id,
                    "status": r.status,
                    "nil": r.nil,
                    "deadline": r.deadline.isoformat(),
                    "report_id": r.report_id,
                    "filed_at": r.filed_at.isoformat() if r.filed_at else None,
                    "items": r.items,
                }
                for r in self.rows
            ],
            "totals": dict(self.totals),
            "by_period": {k: dict(v) for k, v in self.by_period.items()},
        }


def _as_period(value) -> periods.Period:
    if isinstance(value, periods.Period):
        return value
    if isinstance(value, datetime):
        return periods.containing(periods.today(value))
    if isinstance(value, date):
        return periods.containing(value)
    parsed = periods.parse(value)
    if parsed is None:
        raise ValueError(f"not a period: {value!r}")
    return parsed


def _scope_filter(duties, scope):
    """Narrow the duties to `scope`: None (all), huiyin.org.access.Scope, or anything with
    ``community_id``/``grid_id``/``unit_id`` (huiyin.reports.stats.Scope)."""
    if scope is None:
        return duties
    if isinstance(scope, AccessScope):
        return duties.filter(
            scope.q(street="street", community="community", grid="grid", unit="unit")
        )
    grid_id = getattr(scope, "grid_id", None)
    community_id = getattr(scope, "community_id", None)
    unit_id = getattr(scope, "unit_id", None)
    street_id = getattr(scope, "street_id", None)
    if street_id is not None:
        duties = duties.filter(street_id=street_id)
    if grid_id is not None:
        duties = duties.filter(grid_id=grid_id)
    if community_id is not None:
        duties = duties.filter(community_id=community_id)
    if unit_id is not None:
        duties = duties.filter(unit_id=unit_id)
    return duties


def compliance(
    street,
    first_period,
    last_period,
    scope=None,
    *,
    user=None,
    moment: datetime | None = None,
) -> Compliance:
    """Compliance of every reporting body of `street` from `first_period` to `last_period`.

    `street`: a Street, or None for every street. Periods: a :class:`periods.Period`, its
    label ("2026-W23"), or a date (the period containing it). `scope`: None (the whole street),
    a community / grid / unit (an object with ``community_id``, ``grid_id``, ``unit_id``, as
    huiyin.reports.stats.Scope; a community includes its grids), or a huiyin.org.access.Scope.
    `user`: only the bodies that person's Perm.DISPUTES_VIEW covers. `moment`: judge
    "missing" against this moment (default now).

    Returns :class:`Compliance`: ``periods`` (in order), ``rows`` (:class:`Row`, by period,
    then body in board order), ``totals`` and ``by_period[label]``, each
    ``{"expected", "on_time", "late", "missing", "nil", "pending"}``. Three queries whatever
    the range: the duties, the reports, their item counts.
    """
    moment = moment or periods.now()
    first, last = _as_period(first_period), _as_period(last_period)
    span = periods.between(first, last)[:MAX_PERIODS]
    result = Compliance(span, [])
    if not span:
        return result
    start, end = span[0].start, span[-1].end

    duties = ScreeningDuty.objects.select_related("community", "grid__community", "unit").filter(
        active_q(start, end)
    )
    if street is not None:
        duties = duties.filter(street=street)
    duties = _scope_filter(duties, scope)
    if user is not None:
        condition = scope_q(user, Perm.DISPUTES_VIEW)
        if condition is None:
            return result
        duties = duties.filter(condition)
    duty_list = sorted(duties, key=lambda d: (body_of(d).order, d.active_from, d.pk))

    reports = (
        ScreeningReport.objects.filter(
            _bodies_q(duty_list), period_start__gte=start, period_start__lte=end
        )
        .annotate(n_items=Count("items"))
        .values_list(
            "pk",
            "grid_id",
            "community_id",
            "unit_id",
            "period_start",
            "period_end",
            "deadline",
            "filed_at",
            "amended_at",
            "is_nil",
            "n_items",
        )
    )
    by_key: dict[tuple, tuple] = {}
    for row in reports:
        pk, grid_id, community_id, unit_id, p_start, p_end = row[:6]
        if grid_id:
            key = ("grid", grid_id)
        elif unit_id:
            key = ("unit", unit_id)
        else:
            key = ("community", community_id)
        by_key[(key, p_start, p_end)] = row

    for period in span:
        deadline = periods.deadline_of(period)
        result.by_period.setdefault(period.label, _zero())
        seen: set[tuple[str, int]] = set()
        for duty in duty_list:
            if not duty.active_in(period.start, period.end) or duty.body_key in seen:
                continue
            seen.add(duty.body_key)
            body = body_of(duty)
            found = by_key.get((duty.body_key, period.start, period.end))
            tally(result, _row(period, body, deadline, found, moment))
    return result


def _bodies_q(duties: Iterable[ScreeningDuty]) -> Q:
    """The rows (reports) of these duties' bodies."""
    grids = {d.grid_id for d in duties if d.grid_id}
    units = {d.unit_id for d in duties if d.unit_id}
    communities = {d.community_id for d in duties if not d.grid_id and not d.unit_id}
    condition = Q(pk__in=[])
    if grids:
        condition |= Q(grid_id__in=grids)
    if units:
        condition |= Q(unit_id__in=units)
    if communities:
        condition |= Q(community_id__in=communities, grid__isnull=True, unit__isnull=True)
    return condition


def _row(period, body: Body, deadline: datetime, found, moment: datetime) -> Row:
    if found is None:
        status = MISSING if moment > deadline else PENDING
        return Row(period, body, status, False, deadline)
    pk, *_ignored, stored_deadline, filed_at, amended_at, is_nil, n_items = found
    status = ON_TIME if on_time(filed_at, stored_deadline) else LATE
    return Row(
        period,
        body,
        status,
        bool(is_nil),
        stored_deadline,
        report_id=pk,
        filed_at=filed_at,
        amended_at=amended_at,
        items=n_items,
    )
