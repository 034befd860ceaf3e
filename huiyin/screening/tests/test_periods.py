"""Periods and deadlines: ISO weeks (week 53, year ends), holidays, settings, midnight, noon."""

from __future__ import annotations

from datetime import date, time

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured

from huiyin.screening import periods
from huiyin.screening.checks import screening_settings
from huiyin.screening.tests.factories import bj, week

pytestmark = pytest.mark.django_db


# --------------------------------------------------------------------------- labels


def test_a_week_label_names_its_monday_to_sunday():
    w23 = week("2026-W23")
    assert (w23.start, w23.end) == (date(2026, 6, 1), date(2026, 6, 7))
    assert w23.label == "2026-W23"
    assert periods.containing(date(2026, 6, 7)) == w23
    assert periods.containing(date(2026, 6, 8)) == w23.next()


def test_week_53_crosses_the_year_end_and_belongs_to_the_year_of_its_thursday():
    w53 = week("2026-W53")
    assert (w53.start, w53.end) == (date(2026, 12, 28), date(2027, 1, 3))
    assert periods.containing(date(2027, 1, 1)).label == "2026-W53"
    assert w53.next().label == "2027-W01"
    assert w53.previous().label == "2026-W52"
    # 2024-12-30 (a Monday) begins ISO week 1 of 2025.
    assert periods.containing(date(2024, 12, 31)).label == "2025-W01"
    assert week("2025-W01").previous().label == "2024-W52"


@pytest.mark.parametrize(
    "label",
    [
        "2025-W53",  # 2025 has 52 weeks
        "2026-W99",
        "2026-W00",
        "2026-W-1",
        "2026W23",
        "2026-W２３",  # full-width digits
        "1900-W01",  # before the plausible years
        "9999-W01",
        "2026-W23" + "0" * 10_000,
        "",
        "<script>",
        "2026-06",  # a month is not a week
    ],
)
def test_a_label_that_names_no_plausible_week_is_none(label):
    assert periods.parse(label, periods.WEEK) is None


def test_a_non_text_label_is_none():
    assert periods.parse(None) is None
    assert periods.parse(202623) is None


def test_a_lower_case_week_label_is_read():
    assert periods.parse("2026-w23", periods.WEEK) == week("2026-W23")


def test_months_as_periods(settings):
    settings.HUIYIN_SCREENING_PERIOD = "month"
    june = periods.parse("2026-06")
    assert (june.start, june.end, june.label) == (date(2026, 6, 1), date(2026, 6, 30), "2026-06")
    assert periods.parse("2026-13") is None
    assert periods.containing(date(2026, 2, 10)).end == date(2026, 2, 28)
    # The first Monday after the month: 2026-07-06, at noon.
    assert periods.deadline_of(june) == bj("2026-07-06 12:00")
    assert june.next().label == "2026-07"
    assert periods.containing(date(2026, 12, 31)).next().label == "2027-01"


def test_between_lists_every_period_of_a_range_across_the_year_end():
    span = periods.between(week("2026-W52"), week("2027-W02"))
    assert [p.label for p in span] == ["2026-W52", "2026-W53", "2027-W01", "2027-W02"]
    assert periods.between(week("2026-W10"), week("2026-W09")) == []


# --------------------------------------------------------------------------- deadlines


def test_the_deadline_is_the_following_monday_at_noon_beijing_time():
    assert periods.deadline_of(week("2026-W23")) == bj("2026-06-08 12:00")
    assert periods.deadline_of(week("2026-W23")).utcoffset().total_seconds() == 8 * 3600


def test_a_deadline_on_a_holiday_moves_to_the_next_working_day():
    # National Day 2026: 10-01 to 10-07 off; week 40 (09-28 to 10-04) is due after it.
    assert periods.deadline_of(week("2026-W40")) == bj("2026-10-08 12:00")
    # Spring Festival 2026: 02-15 to 02-23 off; weeks 7 and 8 are both due on 02-24.
    assert periods.deadline_of(week("2026-W07")) == bj("2026-02-24 12:00")
    assert periods.deadline_of(week("2026-W08")) == bj("2026-02-24 12:00")
    # 2025's National Day and Mid-Autumn: 10-01 to 10-08 off.
    assert periods.deadline_of(week("2025-W40")) == bj("2025-10-09 12:00")


def test_week_53_is_due_in_the_new_year():
    # 2027 has no holiday data yet: weekends only (Monday 2027-01-04 is a working day).
    assert periods.deadline_of(week("2026-W53")) == bj("2027-01-04 12:00")
    # 2026-01-01..03 off: week 1 of 2026 (12-29..01-04) is due Monday 01-05.
    assert periods.deadline_of(week("2026-W01")) == bj("2026-01-05 12:00")


def test_the_deadline_follows_the_settings(settings):
    settings.HUIYIN_SCREENING_DEADLINE_WEEKDAY = 4  # the following Friday
    settings.HUIYIN_SCREENING_DEADLINE_TIME = "17:30"
    assert periods.deadline_of(week("2026-W23")) == bj("2026-06-12 17:30")


def test_a_make_up_working_day_is_a_working_day_for_the_deadline(settings):
    # Saturday 2026-02-28 is worked (调休): a Saturday deadline stays there.
    settings.HUIYIN_SCREENING_DEADLINE_WEEKDAY = 5
    assert periods.deadline_of(week("2026-W08")) == bj("2026-02-28 12:00")
    # An ordinary Saturday is a rest day: the deadline moves to Monday.
    assert periods.deadline_of(week("2026-W23")) == bj("2026-06-15 12:00")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HUIYIN_SCREENING_PERIOD", "fortnight"),
        ("HUIYIN_SCREENING_DEADLINE_WEEKDAY", 7),
        ("HUIYIN_SCREENING_DEADLINE_WEEKDAY", "0"),
        ("HUIYIN_SCREENING_DEADLINE_TIME", "25:00"),
        ("HUIYIN_SCREENING_DEADLINE_TIME", "noon"),
        ("HUIYIN_SCREENING_REMIND_HOURS", -1),
    ],
)
def test_a_wrong_setting_is_named_at_start_up(settings, name, value):
    setattr(settings, name, value)
    errors = screening_settings(None)
    assert len(errors) == 1 and name in errors[0].msg
    if name != "HUIYIN_SCREENING_REMIND_HOURS":
        with pytest.raises(ImproperlyConfigured):
            periods.deadline_of(week("2026-W23")) if "DEADLINE" in name else periods.current()


def test_the_defaults_pass_the_check():
    assert screening_settings(None) == []
    assert periods.deadline_time() == time(12, 0)


# --------------------------------------------------------------------------- now


@pytest.mark.parametrize(
    ("moment", "due", "missed"),
    [
        # Sunday evening: this week's report is due next; last week's was missed at Monday noon.
        ("2026-06-07 23:59:59", "2026-W23", "2026-W22"),
        # Monday just after midnight: the week just ended is due at noon.
        ("2026-06-08 00:00:00", "2026-W23", "2026-W22"),
        ("2026-06-08 11:59:59", "2026-W23", "2026-W22"),
        # At noon sharp it is still on time; a second later it is missed.
        ("2026-06-08 12:00:00", "2026-W23", "2026-W22"),
        ("2026-06-08 12:00:01", "2026-W24", "2026-W23"),
        # The holiday week: week 40 stays due until Thursday 2026-10-08 noon.
        ("2026-10-07 18:00:00", "2026-W40", "2026-W39"),
        ("2026-10-08 12:00:01", "2026-W41", "2026-W40"),
    ],
)
def test_which_period_is_due_and_which_was_last_missed(moment, due, missed):
    at = bj(moment)
    assert periods.due(at).label == due
    assert periods.last_missed(at).label == missed


def test_today_is_the_beijing_date_whatever_the_utc_date():
    # 2026-06-07T16:30Z is Monday 00:30 in Beijing: week 24 has begun.
    with time_machine.travel("2026-06-07T16:30:00Z", tick=False):
        assert periods.today() == date(2026, 6, 8)
        assert periods.current().label == "2026-W24"
        assert periods.due().label == "2026-W23"


def test_the_weeks_a_statistics_period_counts_are_those_ending_in_it():
    # June 2026: weeks 23 (ends 06-07) to 26 (ends 06-28); week 27 ends in July.
    first, last = periods.ending_in(date(2026, 6, 1), date(2026, 6, 30), periods.WEEK)
    assert (first.label, last.label) == ("2026-W23", "2026-W26")
    # Week 22 (05-25..05-31) ends in May, so it is May's.
    first, _ = periods.ending_in(date(2026, 5, 1), date(2026, 5, 31), periods.WEEK)
    assert first.label == "2026-W18"
    assert periods.ending_in(date(2026, 6, 2), date(2026, 6, 5), periods.WEEK) is None
