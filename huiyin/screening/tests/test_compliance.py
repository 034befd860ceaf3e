"""Compliance per body and period: on time, late, missing, pending, nil; roll-up; scopes."""

from __future__ import annotations

import json
from datetime import date

import pytest

from huiyin.org.access import Scope as AccessScope
from huiyin.org.roles import Role
from huiyin.reports.stats import Scope as StatsScope
from huiyin.screening import board as boards
from huiyin.screening.compliance import compliance
from huiyin.screening.models import ScreeningDuty
from huiyin.screening.services import LinkItem, ensure_duties, file_report
from huiyin.screening.tests.factories import bj, body, dispute, week
from huiyin.testing import factories as f

pytestmark = pytest.mark.django_db

W22, W23 = week("2026-W22"), week("2026-W23")
AFTER = bj("2026-06-09 09:00")  # Tuesday: W23's deadline has passed


@pytest.fixture
def week23(duties, governance, community, grid, grid2, other_community, other_grid):
    """柑子园: the community on time (nil), grid 1 late with a dispute, grid 2 missing.
    翠屏路: the community missing, its grid on time."""
    case = dispute(community=community, grid=grid)
    file_report(governance, body(community), W23, nil=True, moment=bj("2026-06-07 18:00"))
    file_report(
        governance, body(grid), W23, links=[LinkItem(case.number, 4)], moment=bj("2026-06-08 15:00")
    )
    file_report(governance, body(other_grid), W23, nil=True, moment=bj("2026-06-08 11:00"))
    return case


def statuses(result) -> dict[str, str]:
    return {r.body.name: r.status for r in result.rows}


def test_one_week_per_body(street, week23, community, grid, grid2, other_community, other_grid):
    result = compliance(street, W23, W23, moment=AFTER)
    assert statuses(result) == {
        "柑子园社区": "on_time",
        "柑子园社区·第1网格": "late",
        "柑子园社区·第2网格": "missing",
        "翠屏路社区": "missing",
        "翠屏路社区·第1网格": "on_time",
    }
    assert result.totals == {
        "expected": 5,
        "on_time": 2,
        "late": 1,
        "missing": 2,
        "nil": 2,
        "pending": 0,
    }
    assert result.by_period == {"2026-W23": result.totals}
    late = next(r for r in result.rows if r.status == "late")
    assert late.items == 1 and late.deadline == bj("2026-06-08 12:00")
    # The rows follow the board: each community, then its grids.
    assert [r.body.kind for r in result.rows] == ["community", "grid", "grid", "community", "grid"]


def test_before_the_deadline_an_unfiled_report_is_pending_not_missing(street, week23):
    result = compliance(street, W23, W23, moment=bj("2026-06-08 11:59"))
    assert result.totals["missing"] == 0 and result.totals["pending"] == 2
    # A report filed early counts on time and is expected; the pending ones are not.
    assert result.totals["expected"] == 3


def test_a_range_of_weeks_and_its_totals(street, week23, governance, grid2):
    file_report(governance, body(grid2), W22, nil=True, moment=bj("2026-05-30 10:00"))
    result = compliance(street, W22, date(2026, 6, 3), moment=AFTER)
    assert [p.label for p in result.periods] == ["2026-W22", "2026-W23"]
    assert result.by_period["2026-W22"] == {
        "expected": 5,
        "on_time": 1,
        "late": 0,
        "missing": 4,
        "nil": 1,
        "pending": 0,
    }
    assert result.totals["expected"] == 10 and result.totals["missing"] == 6


def test_scopes_narrow_the_bodies(street, week23, community, grid, other_community):
    by_community = compliance(street, W23, W23, StatsScope(community_id=community.pk), moment=AFTER)
    assert {r.body.community_id for r in by_community.rows} == {community.pk}
    assert len(by_community.rows) == 3  # the community and its two grids
    by_grid = compliance(street, W23, W23, StatsScope(grid_id=grid.pk), moment=AFTER)
    assert [r.status for r in by_grid.rows] == ["late"]
    access = AccessScope(community_ids=frozenset({other_community.pk}))
    assert len(compliance(street, W23, W23, access, moment=AFTER).rows) == 2


def test_a_persons_view_decides_the_rows(street, week23, personas, grid):
    mine = compliance(street, W23, W23, user=personas[Role.GRID_WORKER], moment=AFTER)
    assert [r.body.grid_id for r in mine.rows] == [grid.pk]
    nobody = compliance(street, W23, W23, user=personas[Role.PETITION_CLERK], moment=AFTER)
    assert nobody.rows == [] and nobody.totals["expected"] == 0


def test_a_duty_counts_only_while_it_runs(street, community, grid):
    ensure_duties(street, active_from=date(2026, 6, 8))  # from week 24 on
    duty = ScreeningDuty.objects.get(grid=grid)
    duty.active_to = date(2026, 6, 14)  # grid merged at the end of week 24
    duty.save()
    at = bj("2026-07-01 12:00")
    result = compliance(street, "2026-W23", week("2026-W25"), moment=at)
    assert result.by_period["2026-W23"]["expected"] == 0
    assert result.by_period["2026-W24"]["expected"] == 2
    assert result.by_period["2026-W25"]["expected"] == 1


def test_a_unit_with_a_duty_reports_too(street, governance):
    school = f.UnitFactory(street=street, name="广安中学")
    ScreeningDuty.objects.create(street=street, unit=school, active_from=date(2026, 1, 1))
    file_report(governance, body(school), W23, nil=True, moment=bj("2026-06-08 10:00"))
    result = compliance(street, W23, W23, moment=AFTER)
    assert [(r.body.kind, r.status, r.nil) for r in result.rows] == [("unit", "on_time", True)]


def test_year_end_weeks(street, community, governance):
    ensure_duties(street, active_from=date(2026, 12, 1))
    file_report(
        governance, body(community), week("2026-W53"), nil=True, moment=bj("2027-01-04 12:00")
    )
    result = compliance(street, week("2026-W52"), week("2027-W01"), moment=bj("2027-01-20 09:00"))
    assert [p.label for p in result.periods] == ["2026-W52", "2026-W53", "2027-W01"]
    assert result.by_period["2026-W53"]["on_time"] == 1
    assert result.by_period["2026-W52"]["missing"] == 2  # the community and its grid


def test_the_shape_is_plain_for_the_statistics(street, week23):
    data = compliance(street, W23, W23, moment=AFTER).as_dict()
    json.dumps(data)  # only plain values
    assert set(data) == {"periods", "rows", "totals", "by_period"}
    assert data["periods"][0] == {
        "label": "2026-W23",
        "start": "2026-06-01",
        "end": "2026-06-07",
        "deadline": "2026-06-08T12:00:00+08:00",
    }
    assert set(data["rows"][0]) == {
        "period",
        "body",
        "community_id",
        "status",
        "nil",
        "deadline",
        "report_id",
        "filed_at",
        "items",
    }


def test_a_bad_period_is_an_error_not_a_guess(street):
    with pytest.raises(ValueError):
        compliance(street, "2026-W99", W23)


def test_a_huge_range_is_cut(street, community):
    result = compliance(street, date(1990, 1, 1), date(2026, 6, 1))
    assert len(result.periods) == 520


# --------------------------------------------------------------------------- the roll-up


def test_the_community_page_rolls_its_grids_up(week23, personas, community, grid, grid2):
    worker = personas[Role.COMMUNITY_WORKER]
    page = boards.report_page(worker, body(community), W23, moment=AFTER)
    assert page.line.row.status == "on_time" and page.line.row.nil
    assert [(c.body.name, c.row.status) for c, _ in page.children] == [
        ("柑子园社区·第1网格", "late"),
        ("柑子园社区·第2网格", "missing"),
    ]
    grid_items = {c.body.grid_id: items for c, items in page.children}
    assert [i.case.pk for i in grid_items[grid.pk]] == [week23.pk]
    assert grid_items[grid.pk][0].visible
    assert not page.complete


def test_the_board_groups_communities_and_says_who_is_complete(
    week23, governance, grid2, community, other_community
):
    file_report(governance, body(grid2), W23, nil=True, moment=bj("2026-06-09 08:00"))
    data = boards.board(governance, W23, moment=AFTER)
    blocks = {b.name: b for b in data.blocks}
    assert blocks["柑子园社区"].complete and blocks["柑子园社区"].grids_reported == 2
    assert not blocks["翠屏路社区"].complete and blocks["翠屏路社区"].overdue == 1


def test_a_dispute_the_viewer_may_not_see_is_not_named(week23, personas, community, grid):
    # A mediator sees disputes street-wide; make one the grid worker cannot see listed on
    # the grid's report by moving it elsewhere afterwards.
    from huiyin.cases.models import Case

    Case.objects.filter(pk=week23.pk).update(grid=None, community=None)
    page = boards.report_page(personas[Role.GRID_WORKER], body(grid), W23, moment=AFTER)
    assert [i.visible for i in page.items] == [False]
