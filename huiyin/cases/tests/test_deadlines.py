"""Deadline calculator: pinned 2026 dates (worked out by hand below) and properties.

2026 official data, as the chinese_calendar package holds it (checked in
test_it_holds_the_2026_notice_we_rely_on):
  New Year     01-01..01-03 off, 01-04 (Sun) worked
  Spring Fest. 02-15..02-23 off, 02-14 (Sat) and 02-28 (Sat) worked
  Labour Day   05-01..05-05 off, 05-09 (Sat) worked
  Mid-Autumn   09-25..09-27 off, 09-20 (Sun) worked
  National Day 10-01..10-07 off, 10-10 (Sat) worked
Weekdays used below: 2026-02-01 Sun, 03-01 Sun, 09-01 Tue, 10-01 Thu.
"""

from datetime import UTC, date, datetime, timedelta

import chinese_calendar
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from huiyin.cases import deadlines
from huiyin.cases.deadlines import (
    LIMITS,
    Due,
    HolidayCalendar,
    builtin_calendar,
    current_calendar,
    days_left,
    due,
    due_date,
    limit,
    set_calendar_provider,
    working_days_between,
)

D = date.fromisoformat


def dates(*isos):
    return {D(s) for s in isos}


@pytest.fixture
def restore_provider():
    previous = deadlines._calendar_provider
    yield
    set_calendar_provider(previous)


# --------------------------------------------------------------------------- calendar data


def test_it_holds_the_2026_notice_we_rely_on():
    cal = builtin_calendar()
    in_2026 = {d for d in cal.holidays if d.year == 2026}
    national_day = {D("2026-10-01") + timedelta(days=i) for i in range(7)}
    spring = {D("2026-02-15") + timedelta(days=i) for i in range(9)}
    assert national_day <= in_2026
    assert spring <= in_2026
    assert dates("2026-09-25", "2026-09-26", "2026-09-27") <= in_2026
    assert {d for d in cal.workdays if d.year == 2026} == dates(
        "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"
    )
    assert cal.is_known(2026)
    assert cal.is_known(2004)
    assert not cal.is_known(2027)
    assert builtin_calendar() is cal  # cached


def test_it_tells_working_days_apart():
    cal = builtin_calendar()
    assert cal.is_working_day(D("2026-09-30"))  # Wednesday before National Day
    assert not cal.is_working_day(D("2026-10-01"))  # holiday, a Thursday
    assert cal.is_working_day(D("2026-10-10"))  # Saturday, make-up working day
    assert cal.is_working_day(D("2026-09-20"))  # Sunday, make-up working day
    assert not cal.is_working_day(D("2026-10-11"))  # plain Sunday
    assert not cal.is_working_day(D("2026-02-23"))  # Monday inside Spring Festival
    assert cal.is_working_day(D("2027-10-01"))  # no 2027 data: a plain Friday


# --------------------------------------------------------------------------- calendar days


def test_it_rolls_a_period_ending_in_national_day_to_october_8():
    # 09-18 + 15 days = 10-03 (Sat, holiday); 10-04..10-07 holidays; 10-08 Thu working.
    assert due_date(D("2026-09-18"), 15) == D("2026-10-08")
    # 09-16 + 15 = 10-01, the first day of the holiday: same end.
    assert due_date(D("2026-09-16"), 15) == D("2026-10-08")


def test_it_rolls_a_period_ending_on_saturday_to_monday():
    # 03-12 (Thu) + 30 days = 04-11 (Sat) -> 04-12 Sun -> 04-13 Mon.
    assert due_date(D("2026-03-12"), 30) == D("2026-04-13")
    # 03-02 (Mon) + 5 days = 03-07 (Sat) -> 03-09 Mon.
    assert due_date(D("2026-03-02"), 5) == D("2026-03-09")


def test_it_keeps_a_period_ending_on_a_make_up_working_day():
    # 09-25 + 15 days = 10-10, a Saturday worked in exchange for National Day.
    assert due_date(D("2026-09-25"), 15) == D("2026-10-10")
    # 09-05 + 15 days = 09-20, a Sunday worked in exchange for Mid-Autumn.
    assert due_date(D("2026-09-05"), 15) == D("2026-09-20")


def test_it_does_not_count_the_start_day():
    # Tue 03-03 + 1 day = Wed 03-04.
    assert due_date(D("2026-03-03"), 1) == D("2026-03-04")
    # A start on a holiday does not matter: 02-20 + 15 = 03-07 (Sat) -> 03-09 Mon.
    assert due_date(D("2026-02-20"), 15) == D("2026-03-09")


def test_it_gives_60_days_from_acceptance():
    # 01-05 + 60: 26 days to 01-31, 28 to 02-28 (54), 6 more -> 03-06, a Friday.
    assert due_date(D("2026-01-05"), 60) == D("2026-03-06")
    # 03-02 + 60: 29 days to 03-31, 30 to 04-30 (59), 1 more -> 05-01, Labour Day;
    # 05-02..05-05 holidays too -> 05-06 Wed.
    assert due_date(D("2026-03-02"), 60) == D("2026-05-06")
    assert limit("handling").due(D("2026-03-02")) == Due(D("2026-05-06"))


def test_it_returns_the_start_for_zero_days():
    assert due_date(D("2026-10-03"), 0) == D("2026-10-03")
    assert due_date(D("2026-03-03"), 0, working_days=True) == D("2026-03-03")
    # 0 working days from a holiday: the next working day, 10-08.
    assert due_date(D("2026-10-03"), 0, working_days=True) == D("2026-10-08")


def test_it_rejects_negative_days():
    with pytest.raises(ValueError):
        due(D("2026-03-03"), -1)
    with pytest.raises(TypeError):
        due(D("2026-03-03"), 1.5)


# --------------------------------------------------------------------------- working days


def test_it_counts_5_working_days_across_national_day():
    # From Tue 09-29: 09-30 Wed is a working day (1); 10-01..10-07 off; 10-08 Thu (2),
    # 10-09 Fri (3), 10-10 Sat make-up (4), 10-11 Sun off, 10-12 Mon (5).
    assert due_date(D("2026-09-29"), 5, working_days=True) == D("2026-10-12")
    assert limit("transfer_objection").due(D("2026-09-29")).date == D("2026-10-12")


def test_it_counts_a_make_up_sunday_as_a_working_day():
    # From Fri 09-18: 09-19 Sat off, 09-20 Sun make-up (1), 09-21..09-24 Mon-Thu (2..5).
    assert due_date(D("2026-09-18"), 5, working_days=True) == D("2026-09-24")
    # From Tue 09-22: 09-23 (1), 09-24 (2), 09-25..09-27 Mid-Autumn, 09-28 (3), 09-29 (4),
    # 09-30 (5).
    assert due_date(D("2026-09-22"), 5, working_days=True) == D("2026-09-30")


def test_it_counts_5_working_days_across_spring_festival():
    # From Thu 02-12: 02-13 Fri (1), 02-14 Sat make-up (2), 02-15..02-23 off, 02-24 Tue (3),
    # 02-25 Wed (4), 02-26 Thu (5).
    assert due_date(D("2026-02-12"), 5, working_days=True) == D("2026-02-26")
    assert working_days_between(D("2026-02-12"), D("2026-02-26")) == 5


# --------------------------------------------------------------------------- unknown years


def test_it_warns_for_a_year_without_holiday_data():
    # 2027-09-20 + 15 = 2027-10-05, a Tuesday: surely National Day in real life, but 2027's
    # notice is not in the data, so only weekends count.
    result = due(D("2027-09-20"), 15)
    assert result == Due(D("2027-10-05"), (2027,))
    assert result.warning
    assert result.unknown_years == (2027,)


def test_it_warns_when_a_period_crosses_into_an_unknown_year():
    # 2026-12-20 + 15 = 2027-01-04, a Monday (New Year 2027 unknown).
    result = due(D("2026-12-20"), 15)
    assert result.date == D("2027-01-04")
    assert result.unknown_years == (2027,)


def test_it_counts_working_days_in_2028_with_weekends_only():
    # 2028-01-01 is a Saturday: Mon 01-03 (1) .. Fri 01-07 (5).
    result = due(D("2028-01-01"), 5, working_days=True)
    assert result.date == D("2028-01-07")
    assert result.warning
    assert result.unknown_years == (2028,)


def test_it_does_not_warn_inside_known_years():
    result = due(D("2026-09-29"), 5, working_days=True)
    assert not result.warning
    assert result.unknown_years == ()


# --------------------------------------------------------------------------- calendars


def test_it_uses_a_custom_calendar_passed_explicitly():
    # 2030: a made-up three-day holiday Wed 05-01..Fri 05-03, Sun 04-28 worked instead.
    cal = HolidayCalendar(
        holidays=frozenset(dates("2030-05-01", "2030-05-02", "2030-05-03")),
        workdays=frozenset(dates("2030-04-28")),
        known_years=frozenset({2030}),
    )
    assert cal.is_working_day(D("2030-04-28"))
    assert not cal.is_working_day(D("2030-05-02"))
    # Fri 04-26 + 5 days = Wed 05-01, holiday -> Thu, Fri off, Sat 05-04, Sun 05-05 weekend
    # -> Mon 05-06.
    result = due(D("2030-04-26"), 5, calendar=cal)
    assert result == Due(D("2030-05-06"))
    assert not result.warning
    # Working days from Fri 04-26: Sun 04-28 (1), Mon 04-29 (2), Tue 04-30 (3), Mon 05-06 (4).
    assert due_date(D("2030-04-26"), 4, working_days=True, calendar=cal) == D("2030-05-06")
    # Without the calendar, 2030 is unknown and 05-01 is a plain Wednesday.
    assert due(D("2030-04-26"), 5) == Due(D("2030-05-01"), (2030,))


def test_it_uses_the_provider_when_no_calendar_is_passed(restore_provider):
    cal = HolidayCalendar.from_days(holidays=dates("2030-05-01"))
    assert cal.known_years == frozenset({2030})
    previous = set_calendar_provider(lambda: cal)
    assert previous is builtin_calendar
    assert current_calendar() is cal
    # Tue 04-30 + 1 day = Wed 05-01, the holiday -> Thu 05-02.
    assert due(D("2030-04-30"), 1) == Due(D("2030-05-02"))
    set_calendar_provider(None)
    assert current_calendar() is builtin_calendar()


def test_it_refuses_a_calendar_without_working_days():
    everyday = frozenset(D("2030-01-01") + timedelta(days=i) for i in range(800))
    cal = HolidayCalendar(holidays=everyday, known_years=frozenset({2030, 2031, 2032}))
    with pytest.raises(ValueError):
        due(D("2030-01-01"), 1, calendar=cal)
    with pytest.raises(ValueError):
        due(D("2030-01-01"), 1, working_days=True, calendar=cal)


# --------------------------------------------------------------------------- datetimes


def test_it_takes_an_aware_datetime_in_beijing_time():
    # 2026-09-30 17:00 UTC is 2026-10-01 01:00 in Beijing: start 10-01, + 15 = 10-16 (Fri).
    late = datetime(2026, 9, 30, 17, 0, tzinfo=UTC)
    assert due_date(late, 15) == D("2026-10-16")
    # 16:00 UTC is midnight in Beijing, still 10-01.
    assert due_date(datetime(2026, 9, 30, 16, 0, tzinfo=UTC), 15) == D("2026-10-16")
    # 15:59 UTC is 09-30 23:59 in Beijing: + 15 = 10-15 (Thu).
    assert due_date(datetime(2026, 9, 30, 15, 59, tzinfo=UTC), 15) == D("2026-10-15")


def test_it_takes_a_naive_datetime_as_its_date():
    assert due_date(datetime(2026, 9, 30, 23, 0), 15) == D("2026-10-15")
    assert due(datetime(2026, 9, 29, 9, 0), 5, working_days=True).date == D("2026-10-12")


# --------------------------------------------------------------------------- helpers


def test_it_counts_days_left():
    assert days_left(D("2026-10-08"), D("2026-10-01")) == 7
    assert days_left(D("2026-10-08"), D("2026-10-08")) == 0
    assert days_left(D("2026-10-08"), D("2026-10-10")) == -2


def test_it_counts_working_days_between():
    # After 09-29 up to 10-12: 09-30, 10-08, 10-09, 10-10, 10-12.
    assert working_days_between(D("2026-09-29"), D("2026-10-12")) == 5
    assert working_days_between(D("2026-10-12"), D("2026-09-29")) == -5
    assert working_days_between(D("2026-10-01"), D("2026-10-01")) == 0


# --------------------------------------------------------------------------- limits


def test_it_lists_the_limits_with_their_articles():
    expected = {
        "register_transfer": (15, False, "信访工作条例 第二十二条", "received"),
        "acceptance_notice": (15, False, "信访工作条例 第二十三条", "received"),
        "transfer_objection": (5, True, "信访工作条例 第二十三条", "transferred_in"),
        "handling": (60, False, "信访工作条例 第三十四条", "accepted"),
        "extension_max": (30, False, "信访工作条例 第三十四条", "handling_due"),
        "review_request": (30, False, "信访工作条例 第三十五条", "replied"),
        "review_answer": (30, False, "信访工作条例 第三十五条", "review_requested"),
        "reexam_request": (30, False, "信访工作条例 第三十六条", "review_answered"),
        "reexam_answer": (30, False, "信访工作条例 第三十六条", "reexam_requested"),
        "judicial_confirmation": (30, False, "人民调解法 第三十三条", "agreement_effective"),
    }
    # Other kinds add their own limits when their apps are ready (disputes: mediation).
    assert {
        code: (lim.days, lim.working_days, lim.article, lim.start_event)
        for code, lim in LIMITS.items()
        if code in expected
    } == expected
    for code, lim in LIMITS.items():
        assert lim.code == code
        assert str(lim.label)


def test_it_returns_the_statutory_limit_by_default():
    with override_settings():
        assert limit("handling") is LIMITS["handling"]
        assert limit("handling").days == 60


def test_it_overrides_a_limit_from_settings():
    with override_settings(HUIYIN_LIMITS={"handling": 90}):
        overridden = limit("handling")
        assert overridden.days == 90
        assert overridden.article == "信访工作条例 第三十四条"
        assert limit("review_request").days == 30
        # 03-02 + 90: 29 to 03-31, 30 to 04-30 (59), 31 to 05-31 (90), a Sunday -> 06-01 Mon.
        assert overridden.due(D("2026-03-02")).date == D("2026-06-01")
    assert limit("handling").days == 60
    assert LIMITS["handling"].days == 60


def test_it_refuses_a_bad_override():
    with override_settings(HUIYIN_LIMITS={"handling": -1}), pytest.raises(ImproperlyConfigured):
        limit("handling")
    with pytest.raises(KeyError):
        limit("nonsense")


# --------------------------------------------------------------------------- properties

any_start = st.dates(min_value=date(2004, 1, 1), max_value=date(2030, 12, 31))
known_start = st.dates(min_value=date(2004, 1, 1), max_value=date(2025, 12, 31))


@given(start=any_start, n=st.integers(min_value=1, max_value=400), working=st.booleans())
def test_it_never_ends_on_a_rest_day(start, n, working):
    end = due_date(start, n, working_days=working)
    assert builtin_calendar().is_working_day(end)
    assert end > start


@given(start=any_start, n=st.integers(min_value=0, max_value=400), working=st.booleans())
def test_it_never_ends_earlier_for_a_longer_period(start, n, working):
    assert due_date(start, n + 1, working_days=working) >= due_date(start, n, working_days=working)


@given(start=known_start, n=st.integers(min_value=1, max_value=200))
def test_it_spans_exactly_n_working_days(start, n):
    end = due_date(start, n, working_days=True)
    # Independent oracle: the package's own is_workday, day by day after the start.
    span = [start + timedelta(days=i) for i in range(1, (end - start).days + 1)]
    assert sum(chinese_calendar.is_workday(d) for d in span) == n
    assert chinese_calendar.is_workday(end)
    assert working_days_between(start, end) == n


@given(start=known_start, n=st.integers(min_value=1, max_value=200))
def test_it_ends_a_calendar_period_on_the_first_working_day_from_the_nominal_end(start, n):
    nominal = start + timedelta(days=n)
    end = due_date(start, n)
    assert end >= nominal
    span = [nominal + timedelta(days=i) for i in range((end - nominal).days)]
    assert not any(chinese_calendar.is_workday(d) for d in span)
    assert chinese_calendar.is_workday(end)
