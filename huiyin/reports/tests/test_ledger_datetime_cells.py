"""Reading a date with its time of day from a ledger cell (cells.parse_datetime): Excel's
date-times and serial numbers, the office's ways of writing them, midnight, and bad values each
with their own message. No database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import translation

from huiyin.cases.deadlines import CHINA_TZ
from huiyin.reports.ledgers.cells import CellError, datetime_cell, parse_datetime


def bj(*args) -> datetime:
    return datetime(*args, tzinfo=CHINA_TZ)


AFTERNOON = bj(2025, 3, 5, 14, 30)


@pytest.mark.parametrize(
    "value",
    [
        "2025-3-5 14:30",
        "2025-03-05 14:30",
        "2025/3/5 14:30",
        "2025.3.5 14:30",
        "2025-03-05T14:30",
        "2025-03-05 14:30:00",
        " 2025-3-5  14:30 ",
        "２０２５－３－５　１４：３０",  # full-width digits, dash, space and colon
        "2025年3月5日14时30分",
        "2025年3月5日 14时30分",
        "2025年3月5日14:30",
        "2025年3月5日 14点30分",
        "2025年3月5日14点半",
        "2025年3月5日下午2时30分",
        "2025年3月5日 下午 2:30",
        datetime(2025, 3, 5, 14, 30),  # an Excel date-time cell (no zone: Beijing's)
        datetime(2025, 3, 5, 14, 29, 59, 999_999),  # how 14:30 may come back from Excel
        datetime(2025, 3, 5, 6, 30, tzinfo=UTC),  # an aware moment elsewhere
        45721.604166666664,  # the serial number Excel stores for 2025-03-05 14:30
        "45721.6041666667",
    ],
)
def test_the_offices_ways_of_writing_a_moment(value):
    assert parse_datetime(value) == AFTERNOON


def test_the_result_is_an_aware_moment_in_beijing():
    moment = parse_datetime("2025-3-5 14:30")
    assert moment.utcoffset() == timedelta(hours=8)
    assert moment.astimezone(UTC) == datetime(2025, 3, 5, 6, 30, tzinfo=UTC)


def test_seconds_hours_and_the_morning():
    assert parse_datetime("2025-03-05 14:30:15") == bj(2025, 3, 5, 14, 30, 15)
    assert parse_datetime("2025年3月5日14时30分15秒") == bj(2025, 3, 5, 14, 30, 15)
    assert parse_datetime("2025年3月5日14时") == bj(2025, 3, 5, 14, 0)
    assert parse_datetime("2025年3月5日上午9时5分") == bj(2025, 3, 5, 9, 5)
    assert parse_datetime("2025年3月5日晚上11点") == bj(2025, 3, 5, 23, 0)
    assert parse_datetime("2025年3月5日中午12时") == bj(2025, 3, 5, 12, 0)
    assert parse_datetime("2025-3-5 9:05") == bj(2025, 3, 5, 9, 5)


def test_midnight():
    # The first moment of a day, however written.
    for value in (
        "2025-3-5 0:00",
        "2025-03-05 00:00:00",
        "2025年3月5日0时",
        "2025年3月5日0时0分",
        "2025年3月5日凌晨12点",
        datetime(2025, 3, 5),  # an Excel date-time cell at midnight
        45721.0,
        45721,
    ):
        assert parse_datetime(value) == bj(2025, 3, 5, 0, 0), value
    # 24:00 is the end of the day: the next day's first moment, across a month and a year.
    assert parse_datetime("2025-3-5 24:00") == bj(2025, 3, 6, 0, 0)
    assert parse_datetime("2025年2月28日24时") == bj(2025, 3, 1, 0, 0)
    assert parse_datetime("2025-12-31 24:00") == bj(2026, 1, 1, 0, 0)
    # One minute before midnight stays on its day.
    assert parse_datetime("2025-3-5 23:59") == bj(2025, 3, 5, 23, 59)
    assert parse_datetime(45721.99930555555) == bj(2025, 3, 5, 23, 59)


def test_blank():
    assert parse_datetime(None) is None
    assert parse_datetime("  ") is None
    with pytest.raises(CellError):
        parse_datetime("", required=True)
    assert datetime_cell("2025-3-5 14:30", column="发生时间") == AFTERNOON


def message(value) -> str:
    with translation.override("en"):
        with pytest.raises(CellError) as caught:
            parse_datetime(value)
        return str(caught.value)


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("2025-3-5", "has no time of day"),
        ("2025年3月5日", "has no time of day"),
        (date(2025, 3, 5), "has no time of day"),
        (20250305, "has no time of day"),
        ("2025-3-5 25:00", "not a real time of day"),
        ("2025-3-5 14:60", "not a real time of day"),
        ("2025-3-5 24:30", "not a real time of day"),
        ("2025年3月5日14时75分", "not a real time of day"),
        ("2025-2-30 14:30", "not a real calendar date"),
        ("2025-13-05 14:30", "not a real calendar date"),
        ("1949-3-5 14:30", "outside"),
        ("2100-1-1 00:00", "outside"),
        ("2099-12-31 24:00", "outside"),  # the end of the last day is past the range
        ("明天下午", "not a date and time"),
        ("2025-3-5 下午", "not a date and time"),
        ("2025-3-5 14:30 左右", "not a date and time"),
        ("14:30", "not a date and time"),
        (True, "not a date and time"),
        (3.5, "is not a date"),
        (float("nan"), "is not a date"),
    ],
)
def test_bad_values_are_refused_with_their_own_message(value, says):
    assert says in message(value)


def test_the_message_quotes_the_cell():
    assert "“2025-3-5 25:00”" in message("2025-3-5 25:00")
    assert "“2025-3-5”" in message("2025-3-5")
