"""Reminders through `huiyin tick`: due soon and missed, once per body and period."""

from __future__ import annotations

import threading
from datetime import date
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, connections

from huiyin.org.roles import Role
from huiyin.screening import reminders
from huiyin.screening.models import ScreeningDuty, ScreeningNotice
from huiyin.screening.services import ensure_duties, file_report
from huiyin.screening.tests.factories import bj, body, week
from huiyin.testing import factories as f

pytestmark = pytest.mark.django_db

W23 = week("2026-W23")
SOON = bj("2026-06-06 09:00")  # Saturday: within 72 hours of Monday noon
MISSED = bj("2026-06-08 12:30")


def told(kind: str | None = None) -> set[tuple[str, str]]:
    rows = ScreeningNotice.objects.select_related("duty__community", "duty__grid__community")
    if kind:
        rows = rows.filter(kind=kind)
    return {(n.recipient.username, n.duty.body_name) for n in rows}


@pytest.fixture
def setup(street, personas, grid, grid2, other_grid):
    """Two communities, three grids, reporting from week 23 (nothing missed before it)."""
    ensure_duties(street, active_from=W23.start)
    return personas


def test_a_report_due_soon_is_told_to_those_who_file_it_once(setup, grid, grid2):
    first = reminders.remind(SOON)
    second = reminders.remind(SOON)

    soon = told(ScreeningNotice.Kind.DUE_SOON)
    # The grid worker for their grid; the community worker for the community and for grid 2,
    # which has no grid worker of its own; the street office for the other community's.
    assert ("grid1", "柑子园社区·第1网格") in soon
    assert ("community1", "柑子园社区") in soon
    assert ("community1", "柑子园社区·第2网格") in soon
    assert ("community1", "柑子园社区·第1网格") not in soon
    assert ("governance", "翠屏路社区") in soon
    assert ("governance", "柑子园社区") not in soon
    assert first.due_soon == 5 and first.notices == len(soon)
    assert (second.due_soon, second.notices) == (0, 0)
    note = ScreeningNotice.objects.filter(recipient__username="grid1").get()
    assert note.period_start == W23.start and note.deadline == bj("2026-06-08 12:00")
    assert "2026-W23" in note.message and "2026-06-08 12:00" in note.message


def test_nothing_is_due_soon_before_the_window(setup):
    assert reminders.remind(bj("2026-06-05 11:59")).notices == 0
    assert reminders.remind(bj("2026-06-05 12:00")).due_soon == 5


def test_a_filed_report_is_not_reminded(setup, grid, governance):
    file_report(governance, body(grid), W23, nil=True, moment=bj("2026-06-05 10:00"))
    reminders.remind(SOON)
    assert not any(name == "柑子园社区·第1网格" for _, name in told())


def test_a_missed_report_is_told_one_level_up_too_once(setup, grid, community):
    reminders.remind(SOON)
    first = reminders.remind(MISSED)
    again = reminders.remind(bj("2026-06-09 08:00"))

    missed = told(ScreeningNotice.Kind.MISSED)
    assert ("grid1", "柑子园社区·第1网格") in missed
    assert ("community1", "柑子园社区·第1网格") in missed  # the community sees its grids
    assert ("governance", "柑子园社区") in missed  # the street office sees the communities
    assert ("governance", "柑子园社区·第1网格") not in missed
    assert first.missed == 5 and again.missed == 0
    assert (
        ScreeningNotice.objects.filter(
            recipient__username="grid1", duty__grid=grid, kind="missed"
        ).count()
        == 1
    )


def test_filing_marks_the_reminders_read(setup, grid, grid_worker):
    reminders.remind(SOON)
    file_report(grid_worker, body(grid), W23, nil=True, moment=bj("2026-06-07 10:00"))
    note = ScreeningNotice.objects.get(recipient=grid_worker)
    assert note.read_at == bj("2026-06-07 10:00")


def test_only_the_latest_missed_period_is_reminded(street, personas, grid):
    ensure_duties(street, active_from=date(2026, 1, 1))
    # Tick has not run for months: only week 23 (the latest missed), not twenty old weeks.
    result = reminders.remind(MISSED)
    assert {n.period_start for n in ScreeningNotice.objects.all()} == {W23.start}
    assert result.missed == 2


def test_a_holiday_moves_the_reminders_with_the_deadline(street, personas, grid):
    w40 = week("2026-W40")
    ensure_duties(street, active_from=w40.start)
    # Week 40 of 2026 is due Thursday 10-08 noon: on the holiday Monday nothing is missed.
    assert reminders.remind(bj("2026-10-05 11:59")).notices == 0
    soon = reminders.remind(bj("2026-10-05 13:00"))  # 72 hours before Thursday noon
    assert (soon.due_soon, soon.missed) == (2, 0)
    assert reminders.remind(bj("2026-10-08 12:00")).missed == 0
    assert reminders.remind(bj("2026-10-08 12:01")).missed == 2


def test_an_inactive_account_is_not_told(setup, grid_worker):
    grid_worker.is_active = False
    grid_worker.save()
    reminders.remind(SOON)
    assert not ScreeningNotice.objects.filter(recipient=grid_worker).exists()


def test_a_body_without_a_screener_of_its_own_is_told_above(street, personas):
    lonely = f.GridFactory(community=f.CommunityFactory(street=street, name="果丰社区"))
    ensure_duties(street, active_from=W23.start)
    reminders.remind(SOON)
    # Nobody holds 果丰社区 or its grid: the street-wide screeners hear of both.
    assert {("governance", "果丰社区"), ("governance", str(lonely))} <= told()
    reminders.remind(MISSED)
    assert ("governance", str(lonely)) in told(ScreeningNotice.Kind.MISSED)


def test_huiyin_tick_runs_the_screening_reminders(setup):
    out = StringIO()
    with time_machine.travel(SOON, tick=False):
        call_command("tick", verbosity=2, stdout=out)
    assert "screening: 5 reports due soon" in out.getvalue()
    assert ScreeningNotice.objects.filter(kind="due_soon").exists()
    # A new grid gets its duty at the next tick.
    grid = f.GridFactory(community=setup[Role.COMMUNITY_WORKER].staff.grants.get().community)
    with time_machine.travel(SOON, tick=False):
        call_command("tick", stdout=StringIO())
    assert ScreeningDuty.objects.filter(grid=grid).exists()


# No serialized rollback: after a browser test's flush has re-created the content types, loading
# them again fails on their unique key (what this test needs, it creates itself).
@pytest.mark.django_db(transaction=True)
def test_two_ticks_at_once_remind_once(personas, street, grid):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("two connections at once need a database on disk (PostgreSQL in CI)")
    ensure_duties(street, active_from=W23.start)
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait()
            reminders.remind(SOON)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert ScreeningNotice.objects.filter(recipient__username="grid1").count() == 1
