"""The holiday table as the deadline calculator's calendar."""

import importlib
from datetime import date, timedelta

import pytest
from django.apps import apps

from huiyin.cases import calendar, deadlines
from huiyin.cases.clocks import refresh_clocks_for_years, start_clock
from huiyin.cases.deadlines import builtin_calendar, current_calendar, due
from huiyin.cases.models import CalendarDay, CalendarYear, Clock
from huiyin.cases.tests.factories import make_case

D = date.fromisoformat

copy_migration = importlib.import_module(
    "huiyin.cases.migrations.0003_holidays_from_chinese_calendar"
)
chinese_notes = importlib.import_module("huiyin.cases.migrations.0006_holiday_notes_in_chinese")


@pytest.fixture
def copied(db):
    """The table as the data migration fills it (whatever earlier tests did to it)."""
    CalendarDay.objects.all().delete()
    CalendarYear.objects.all().delete()
    copy_migration.copy_days(apps, None)
    chinese_notes.to_chinese(apps, None)
    calendar.invalidate()


def test_it_is_the_provider_of_the_deadline_calculator(db):
    assert deadlines._calendar_provider is calendar.db_calendar


def test_it_copies_every_day_and_year_of_chinese_calendar(copied):
    builtin = builtin_calendar()
    holidays = set(CalendarDay.objects.filter(kind="holiday").values_list("date", flat=True))
    workdays = set(CalendarDay.objects.filter(kind="workday").values_list("date", flat=True))
    assert holidays == builtin.holidays
    assert workdays == builtin.workdays
    assert set(CalendarYear.objects.values_list("year", flat=True)) == set(builtin.known_years)
    assert CalendarDay.objects.get(date=D("2026-10-01")).note == "国庆节"
    assert CalendarYear.objects.get(year=2026).source.startswith("chinese_calendar")


def test_it_is_idempotent(copied):
    count = CalendarDay.objects.count()
    copy_migration.copy_days(apps, None)
    assert CalendarDay.objects.count() == count


def test_it_computes_like_the_package_from_the_table(copied):
    cal = current_calendar()
    assert cal is not builtin_calendar()
    assert cal == builtin_calendar()
    # 5 working days across National Day 2026 (see test_deadlines).
    assert due(D("2026-09-29"), 5, working_days=True).date == D("2026-10-12")


def test_it_falls_back_to_the_package_when_the_table_is_empty(db):
    CalendarDay.objects.all().delete()
    CalendarYear.objects.all().delete()
    calendar.invalidate()
    assert current_calendar() is builtin_calendar()


def test_it_caches_the_table_until_a_day_changes(copied, django_assert_num_queries):
    first = current_calendar()
    with django_assert_num_queries(0):
        assert current_calendar() is first
    # An administrator enters 2027's National Day: the next computation sees it.
    CalendarDay.objects.create(date=D("2027-10-01"), kind="holiday", note="National Day")
    assert current_calendar() is not first
    assert not current_calendar().is_working_day(D("2027-10-01"))


def test_it_knows_a_year_once_its_notice_is_entered(copied):
    CalendarYear.objects.filter(year=2027).delete()
    calendar.invalidate()
    assert due(D("2027-09-20"), 15).warning
    for offset in range(7):
        CalendarDay.objects.create(date=D("2027-10-01") + timedelta(offset), kind="holiday")
    CalendarDay.objects.create(date=D("2027-09-26"), kind="workday")
    CalendarYear.objects.create(year=2027, source="国办发明电〔2026〕X号 (test)")
    result = due(D("2027-09-20"), 15)
    # 09-20 + 15 = 10-05, inside the holiday -> Fri 10-08.
    assert result.date == D("2027-10-08")
    assert not result.warning


def test_it_refreshes_provisional_clocks_when_a_year_is_entered(copied):
    CalendarYear.objects.filter(year=2027).delete()
    CalendarDay.objects.filter(date__year=2027).delete()
    calendar.invalidate()
    case = make_case()
    # 2026-12-20 + 15 = 2027-01-04 (Mon) with weekends only.
    clock = start_clock(case, "acceptance_notice", D("2026-12-20"))
    assert (clock.due_on, clock.unknown_years, clock.warning) == (D("2027-01-04"), [2027], True)
    # The notice says (in this test) 2027-01-04 is a day off: the due date moves to 01-05.
    CalendarDay.objects.create(date=D("2027-01-04"), kind="holiday")
    CalendarYear.objects.create(year=2027, source="test")
    assert refresh_clocks_for_years([2027]) == 1
    clock.refresh_from_db()
    case.refresh_from_db()
    assert (clock.due_on, clock.unknown_years) == (D("2027-01-05"), [])
    assert case.due_on == D("2027-01-05")


def test_it_refreshes_on_commit_after_an_admin_change(copied, django_capture_on_commit_callbacks):
    CalendarYear.objects.filter(year=2027).delete()
    calendar.invalidate()
    case = make_case()
    start_clock(case, "acceptance_notice", D("2026-12-20"))
    with django_capture_on_commit_callbacks(execute=True):
        CalendarYear.objects.create(year=2027, source="test")
    clock = Clock.objects.get(case=case)
    assert clock.unknown_years == []
