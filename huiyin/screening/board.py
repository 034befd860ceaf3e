"""What the screening pages show: the weekly board and one body's report with its roll-up.

The board answers the 综治办's Monday question — who has not reported — a block per
community with its grids ("横向到边、纵向到底": every grid, and the community itself), then
the units with a duty. Everything is read inside the person's Perm.DISPUTES_VIEW scope, and a
dispute's number and title only when the one door (``Case.objects.visible_to``) lets them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds
from huiyin.cases.models import Case
from huiyin.org.models import Community
from huiyin.org.roles import Perm
from huiyin.screening import periods
from huiyin.screening.bodies import Body, may_file, scope_q
from huiyin.screening.compliance import LATE, MISSING, ON_TIME, PENDING, Row, compliance
from huiyin.screening.models import (
    ScreeningDuty,
    ScreeningItem,
    ScreeningReport,
    ScreeningReportVersion,
)
from huiyin.screening.services import visible_case_ids

STATUS_LABELS = {
    ON_TIME: _("On time"),
    LATE: _("Filed late"),
    MISSING: _("Missing"),
    PENDING: _("Not yet filed"),
}
STATUS_CLASSES = {
    ON_TIME: "text-bg-success",
    LATE: "text-bg-warning",
    MISSING: "text-bg-danger",
    PENDING: "text-bg-light border",
}

#: How many periods the board's picker lists (older ones through the "earlier" link).
PICKER_PERIODS = 26


def page_url(name: str, body: Body | None = None, period: periods.Period | None = None) -> str:
    params = {}
    if body is not None:
        params["body"] = body.token
    if period is not None:
        params["week"] = period.label
    base = reverse(name)
    return f"{base}?{urlencode(params)}" if params else base


@dataclass(frozen=True)
class Line:
    row: Row
    may_file: bool

    @property
    def body(self) -> Body:
        return self.row.body

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.row.status])

    @property
    def status_class(self) -> str:
        return STATUS_CLASSES[self.row.status]

    @property
    def detail_url(self) -> str:
        return page_url("screening:report", self.body, self.row.period)

    @property
    def file_url(self) -> str:
        return page_url("screening:file", self.body, self.row.period)


@dataclass
class Block:
    """A community and its grids."""

    community_id: int
    name: str
    own: Line | None = None
    grids: list[Line] = field(default_factory=list)

    @property
    def lines(self) -> list[Line]:
        return ([self.own] if self.own else []) + self.grids

    @property
    def grids_reported(self) -> int:
        return sum(1 for line in self.grids if line.row.reported)

    @property
    def complete(self) -> bool:
        """Every body of the community (itself and each grid) has reported."""
        return all(line.row.reported for line in self.lines)

    @property
    def overdue(self) -> int:
        return sum(1 for line in self.lines if line.row.status == MISSING)


@dataclass
class Board:
    period: periods.Period
    deadline: datetime
    blocks: list[Block]
    units: list[Line]
    totals: dict[str, int]


def board(user, period: periods.Period, *, moment: datetime | None = None) -> Board:
    result = compliance(None, period, period, user=user, moment=moment)
    blocks: dict[int, Block] = {}
    units: list[Line] = []
    names = dict(
        Community.objects.filter(
            pk__in={r.body.community_id for r in result.rows if r.body.community_id}
        ).values_list("pk", "name")
    )
    for row in result.rows:
        line = Line(row, may_file(user, row.body))
        if row.body.is_unit:
            units.append(line)
            continue
        block = blocks.setdefault(
            row.body.community_id,
            Block(row.body.community_id, names.get(row.body.community_id, "")),
        )
        if row.body.is_community:
            block.own = line
        else:
            block.grids.append(line)
    return Board(period, periods.deadline_of(period), list(blocks.values()), units, result.totals)


# --------------------------------------------------------------------------- one report


@dataclass(frozen=True)
class ItemLine:
    item: ScreeningItem
    visible: bool  # whether the person may see the dispute (its number and title)

    @property
    def case(self) -> Case:
        return self.item.case

    @property
    def url(self) -> str | None:
        """The dispute's page, once the disputes kind has one (and only for who may see it)."""
        from huiyin.cases.views import CASE_PAGES

        name = CASE_PAGES.get(self.item.case.kind)
        if not self.visible or name is None:
            return None
        try:
            return reverse(name, args=[self.item.case_id])
        except NoReverseMatch:
            return None


@dataclass
class ReportPage:
    body: Body
    period: periods.Period
    line: Line
    report: ScreeningReport | None
    versions: list[ScreeningReportVersion]
    items: list[ItemLine]
    # For a community: its grids, each with its items ("纵向到底").
    children: list[tuple[Line, list[ItemLine]]] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.line.row.reported and all(child.row.reported for child, _ in self.children)

    @property
    def people(self) -> int:
        return sum(i.item.people_count for i in self.items)


def _items(user, report_ids: list[int]) -> dict[int, list[ItemLine]]:
    rows = list(
        ScreeningItem.objects.filter(report_id__in=report_ids)
        .select_related("case__category")
        .order_by("report_id", "id")
    )
    visible = visible_case_ids(user, [r.case_id for r in rows])
    out: dict[int, list[ItemLine]] = {}
    for row in rows:
        out.setdefault(row.report_id, []).append(ItemLine(row, row.case_id in visible))
    return out


def report_page(
    user, body: Body, period: periods.Period, *, moment: datetime | None = None
) -> ReportPage:
    """One body's report for one period; for a community, its grids' reports too."""
    scope = _Community(body.community_id) if body.is_community else _OneBody(body)
    rows = compliance(None, period, period, scope, user=user, moment=moment).rows
    own = next((r for r in rows if r.body.key == body.key), None)
    line = Line(own, may_file(user, body)) if own else Line(_missing_row(body, period), False)
    children = [
        Line(r, may_file(user, r.body)) for r in rows if body.is_community and r.body.is_grid
    ]
    ids = [ln.row.report_id for ln in [line, *children] if ln.row.report_id]
    items = _items(user, ids)
    report = (
        ScreeningReport.objects.select_related("filed_by__staff", "amended_by__staff")
        .filter(pk=line.row.report_id)
        .first()
        if line.row.report_id
        else None
    )
    versions = (
        list(report.versions.select_related("actor__staff").order_by("-version")) if report else []
    )
    return ReportPage(
        body,
        period,
        line,
        report,
        versions,
        items.get(line.row.report_id, []),
        [(child, items.get(child.row.report_id, [])) for child in children],
    )


@dataclass(frozen=True)
class _OneBody:
    """A grid's or a unit's own rows, as compliance() reads a scope."""

    body: Body
    community_id: None = None

    @property
    def grid_id(self):
        return self.body.grid_id

    @property
    def unit_id(self):
        return self.body.unit_id


@dataclass(frozen=True)
class _Community:
    community_id: int
    grid_id: None = None
    unit_id: None = None


def _missing_row(body: Body, period: periods.Period) -> Row:
    deadline = periods.deadline_of(period)
    status = MISSING if periods.now() > deadline else PENDING
    return Row(period, body, status, False, deadline)


# --------------------------------------------------------------------------- the picker


def first_period(user) -> periods.Period:
    """The earliest period a body in the person's view had a duty in (never before the
    plausible years); the current one when there is none."""
    today = periods.today()
    condition = scope_q(user, Perm.DISPUTES_VIEW)
    earliest = None
    if condition is not None:
        earliest = (
            ScreeningDuty.objects.filter(condition)
            .order_by("active_from")
            .values_list("active_from", flat=True)
            .first()
        )
    start = max(earliest or today, bounds.earliest_date())
    return periods.containing(min(start, today))


def picker(user, chosen: periods.Period) -> list[periods.Period]:
    """The periods offered in the picker: the latest ones back from the current period,
    with the chosen one among them."""
    first = first_period(user)
    last = periods.current()
    out = [last]
    while len(out) < PICKER_PERIODS and out[-1].start > first.start:
        out.append(out[-1].previous())
    if chosen not in out:
        out.append(chosen)
    return sorted(set(out), reverse=True)


def clamp(
    user, period: periods.Period | None, default: periods.Period | None = None
) -> tuple[periods.Period, bool]:
    """`period` (None: `default`, else the period due) moved into the plausible range (the
    first duty's period to the current one); True when it had to move."""
    last = periods.current()
    if period is None:
        period = default or periods.due()
        first = first_period(user)
        return (period if period >= first else first), False
    if period > last:
        return last, True
    first = first_period(user)
    if period < first:
        return first, True
    return period, False


def board_default() -> periods.Period:
    """The board opens on the period just ended: on Monday morning who has not reported yet,
    from Monday noon who missed it."""
    return periods.current().previous()
