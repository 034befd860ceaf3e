"""The weekly screening's figures (section ``screening``): the weeks that end in the period,
counted by huiyin.screening.compliance; scopes; who may count which bodies."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from huiyin.org.roles import Role
from huiyin.reports import stats
from huiyin.reports.stats import screening as screening_stats
from huiyin.screening.services import LinkItem, ensure_duties, file_report
from huiyin.screening.tests.factories import bj, body, dispute, week
from huiyin.testing import factories as f

pytestmark = pytest.mark.django_db

W22, W23 = week("2026-W22"), week("2026-W23")  # 5-31 May … 31 May; 1-7 June 2026
JUNE_FIRST_WEEK = stats.Period(date(2026, 6, 1), date(2026, 6, 7))
AFTER = bj("2026-06-09 09:00")  # Tuesday: W23's deadline (Monday 12:00) has passed


@pytest.fixture
def grid2(community):
    return f.GridFactory(community=community, name="第2网格")


@pytest.fixture
def other_grid(other_community):
    return f.GridFactory(community=other_community, name="第1网格")


@pytest.fixture
def week23(personas, street, community, other_community, grid, grid2, other_grid):
    """柑子园: the community on time (nil), grid 1 late with a dispute, grid 2 missing.
    翠屏路: the community missing, its grid on time (nil)."""
    ensure_duties(street, active_from=date(2024, 1, 1))
    governance = personas[Role.GOVERNANCE_STAFF]
    case = dispute(community=community, grid=grid)
    file_report(governance, body(community), W23, nil=True, moment=bj("2026-06-07 18:00"))
    file_report(
        governance, body(grid), W23, links=[LinkItem(case.number, 4)], moment=bj("2026-06-08 15:00")
    )
    file_report(governance, body(other_grid), W23, nil=True, moment=bj("2026-06-08 11:00"))


def screening(period: stats.Period, *, moment=AFTER, **kw) -> dict:
    with time_machine.travel(moment, tick=False):
        return stats.compute(period, **kw)["screening"]


def test_the_section_has_exactly_the_keys_of_the_readme(week23):
    assert list(screening(JUNE_FIRST_WEEK)) == ["expected", "on_time", "late", "missing", "nil"]


def test_it_counts_every_body_of_the_weeks_ending_in_the_period(week23):
    assert screening(JUNE_FIRST_WEEK) == {
        "expected": 5,
        "on_time": 2,
        "late": 1,
        "missing": 2,
        "nil": 2,
    }


def test_a_week_counts_in_the_period_it_ends_in(week23):
    # 27 May to 6 June: W22 ends on 31 May (in), W23 on 7 June (not): only W22, all missing.
    w22_only = screening(stats.Period(date(2026, 5, 27), date(2026, 6, 6)))
    assert w22_only == {"expected": 5, "on_time": 0, "late": 0, "missing": 5, "nil": 0}
    # No week ends between Tuesday and Friday: nothing is counted.
    assert screening(stats.Period(date(2026, 6, 2), date(2026, 6, 5))) == dict.fromkeys(
        screening_stats.KEYS, 0
    )
    # June: W23 to W26 end in it; W27 (29 June to 5 July) does not.
    june = screening(stats.Period(date(2026, 6, 1), date(2026, 6, 30)), moment=bj("2026-07-20"))
    assert june["expected"] == 5 * 4


def test_before_the_deadline_an_unfiled_report_is_not_yet_expected(week23):
    before = screening(JUNE_FIRST_WEEK, moment=bj("2026-06-08 11:59"))
    assert before["missing"] == 0
    assert before["expected"] == 3  # the three filed; the two unfiled are still pending


def test_a_scope_counts_one_community_with_its_grids(week23, community):
    scoped = screening(JUNE_FIRST_WEEK, scope=stats.Scope(community_id=community.pk))
    assert scoped == {"expected": 3, "on_time": 1, "late": 1, "missing": 1, "nil": 1}


def test_a_person_counts_the_bodies_their_dispute_view_reaches(week23, personas):
    worker = screening(JUNE_FIRST_WEEK, user=personas[Role.COMMUNITY_WORKER])
    assert worker == {"expected": 3, "on_time": 1, "late": 1, "missing": 1, "nil": 1}
    grid_worker = screening(JUNE_FIRST_WEEK, user=personas[Role.GRID_WORKER])
    assert grid_worker == {"expected": 1, "on_time": 0, "late": 1, "missing": 0, "nil": 0}
    leader = screening(JUNE_FIRST_WEEK, user=personas[Role.LEADER])
    assert leader["expected"] == 5
    # A petition clerk may not view disputes: nothing to count.
    clerk = screening(JUNE_FIRST_WEEK, user=personas[Role.PETITION_CLERK])
    assert clerk == dict.fromkeys(screening_stats.KEYS, 0)


def test_a_street_without_screening_duties_counts_zero(personas):
    assert screening(JUNE_FIRST_WEEK) == dict.fromkeys(screening_stats.KEYS, 0)
