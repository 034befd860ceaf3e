"""The demo screening: a quarter of weekly reports, on time, late, nil, with disputes listed,
and the ones not filed left for the board — whatever the moment it is loaded at."""

from __future__ import annotations

import io
from collections import Counter
from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.utils import timezone

from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case, Category
from huiyin.disputes.services import register_dispute
from huiyin.org import demo as org_demo
from huiyin.org.models import Community, Grid, Unit
from huiyin.petitions.demo import PERIOD_DAYS
from huiyin.screening import demo, periods
from huiyin.screening.compliance import MISSING, PENDING, compliance
from huiyin.screening.models import (
    ScreeningDuty,
    ScreeningItem,
    ScreeningReport,
    ScreeningReportVersion,
)

pytestmark = pytest.mark.django_db

_TODAY = timezone.localdate(timezone.now(), CHINA_TZ)
_TOMORROW = _TODAY + timedelta(days=1)
_NEXT_MONTH = (_TODAY.replace(day=28) + timedelta(days=4)).replace(day=1)
_MONDAY = _TODAY + timedelta(days=7 - _TODAY.weekday())
#: The moments where "today" goes wrong, and the Monday of the deadline either side of noon.
MOMENTS = {
    "now": None,
    "tomorrow 00:10": datetime.combine(_TOMORROW, time(0, 10), CHINA_TZ),
    "tomorrow 05:44": datetime.combine(_TOMORROW, time(5, 44), CHINA_TZ),
    "last day of a month 23:30": datetime.combine(
        _NEXT_MONTH - timedelta(days=1), time(23, 30), CHINA_TZ
    ),
    "2027-01-01 00:30": datetime(2027, 1, 1, 0, 30, tzinfo=CHINA_TZ),
    "Monday 11:30": datetime.combine(_MONDAY, time(11, 30), CHINA_TZ),
    "Monday 12:30": datetime.combine(_MONDAY, time(12, 30), CHINA_TZ),
}


def open_dispute(community: str, age: int) -> Case:
    """An open dispute of the community, registered `age` days ago (a report may list it)."""
    return register_dispute(
        User.objects.get(username="governance"),
        title="楼道堆放杂物纠纷",
        community=Community.objects.get(name=community),
        category=Category.objects.get(kind=Kind.DISPUTE, name="邻里"),
        source="application",
        received_on=timezone.localdate() - timedelta(days=age),
    )


def load() -> str:
    org_demo.load_organisation()
    org_demo.load_accounts("demo-pass-123")
    for community, age in (("柑子园社区", 60), ("北辰社区", 40), ("果丰社区", 20)):
        open_dispute(community, age)
    out = io.StringIO()
    demo.load(out)
    return out.getvalue()


def check(now: datetime) -> None:
    street = org_demo.street()
    today = periods.today(now)
    first = periods.containing(today - timedelta(days=PERIOD_DAYS - 1))
    current = periods.current(now)
    weeks = periods.between(first, current)

    # Every community and grid reports, and the enterprise given the duty.
    duties = ScreeningDuty.objects.filter(street=street)
    assert duties.filter(grid__isnull=False).count() == Grid.objects.count()
    assert duties.filter(grid__isnull=True, unit__isnull=True).count() == Community.objects.count()
    assert duties.get(unit__isnull=False).unit == Unit.objects.get(name="惠美家公司")
    assert all(d.active_from <= first.start for d in duties)

    reports = ScreeningReport.objects.filter(street=street)
    assert {r.period_start for r in reports} >= {w.start for w in weeks[:-1]}
    assert all(r.period_start <= periods.today(r.filed_at) and r.filed_at <= now for r in reports)
    done = compliance(street, first, current.previous(), moment=now).totals
    assert done[MISSING] + done[PENDING] >= 3
    assert done["on_time"] > 0.8 * done["expected"]
    assert 1 <= done["late"] <= 0.15 * done["expected"]
    assert done["nil"] > 0.8 * (done["on_time"] + done["late"])

    # Last week: two grids have not reported (missing once Monday noon has passed); the week
    # before: one grid, missing for sure.
    last = current.previous()
    rows = compliance(street, last, last, moment=now).rows
    absent = [r for r in rows if not r.reported]
    assert len(absent) == 2 and all(r.body.is_grid for r in absent)
    assert {r.status for r in absent} == {MISSING if now > last.deadline() else PENDING}
    before = compliance(street, last.previous(), last.previous(), moment=now)
    assert before.totals[MISSING] == 1

    # This week: only some have filed yet; some have once a working day of it is behind us.
    filed_now = reports.filter(period_start=current.start).count()
    assert filed_now < duties.count()
    days_behind = [current.start + timedelta(days=n) for n in range((today - current.start).days)]
    if any(_working(day) for day in days_behind):
        assert filed_now > 0

    # Open disputes listed by their communities; one report amended, its history kept.
    linked = ScreeningItem.objects.filter(how=ScreeningItem.How.LINKED)
    assert linked.count() == 3
    for item in linked:
        assert item.report.community_id == item.case.community_id and item.report.grid_id is None
        assert item.case.received_on <= item.report.period_end
    amended = reports.filter(version=2).get()
    versions = ScreeningReportVersion.objects.filter(report=amended).order_by("version")
    assert [v.action for v in versions] == ["filed", "amended"] and amended.note

    # Each body's report is filed by the most local account that may file it.
    filers = Counter(reports.values_list("filed_by__username", flat=True))
    assert {"grid1", "community1", "community2", "governance"} <= set(filers)
    grid1 = reports.filter(filed_by__username="grid1")
    assert set(grid1.values_list("grid__order", "community__name")) == {(1, "柑子园社区")}


def _working(day) -> bool:
    from huiyin.cases import deadlines

    return deadlines.current_calendar().is_working_day(day)


@pytest.mark.parametrize("moment", list(MOMENTS.values()), ids=list(MOMENTS))
def test_a_quarter_of_weekly_reports_at_every_moment(moment):
    if moment is None:
        output = load()
        check(timezone.now())
    else:
        with time_machine.travel(moment, tick=True):
            output = load()
            check(timezone.now())
    assert "Demo screening:" in output
    again = io.StringIO()
    count = ScreeningReport.objects.count()
    demo.load(again)
    assert "already loaded" in again.getvalue() and ScreeningReport.objects.count() == count


def test_it_skips_without_the_demo_accounts():
    org_demo.load_organisation()
    out = io.StringIO()
    demo.load(out)
    assert "skipped" in out.getvalue()
    assert not ScreeningReport.objects.exists() and not ScreeningDuty.objects.exists()
