"""Loaded by pytest with `-p`: run the suite as if the clock showed HUIYIN_TEST_NOW.

``HUIYIN_TEST_NOW=2026-12-31T23:30+08:00 pytest`` moves the whole process (Python's clocks,
so Django's ``timezone.now()`` and every ``localdate()``) to that moment before any test runs,
and lets it tick from there. The suite must pass at any hour and on any day: CI runs it
at whatever hour a change lands, and `scripts/clock-suite` runs it at the awkward ones
(just before and after midnight in Beijing, before office hours, the last day of a month,
a statutory holiday). Nothing in Huiyin asks the database for the time, so moving Python's
clock moves all of it.

A moment without an offset is read as Beijing time, the only time Huiyin keeps.
"""

from __future__ import annotations

import os
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

VARIABLE = "HUIYIN_TEST_NOW"
BEIJING = ZoneInfo("Asia/Shanghai")

_traveller = None


def frozen_moment(text: str) -> datetime:
    """The moment named by `text` (ISO 8601; Beijing time when it names no offset)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise pytest.UsageError(f"{VARIABLE}={text!r} is not an ISO 8601 date and time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BEIJING)
    return moment


def pytest_configure(config: pytest.Config) -> None:
    global _traveller
    text = os.environ.get(VARIABLE, "").strip()
    if not text:
        return
    import time_machine

    moment = frozen_moment(text)
    _traveller = time_machine.travel(moment, tick=True)
    _traveller.start()


def pytest_report_header(config: pytest.Config) -> str | None:
    text = os.environ.get(VARIABLE, "").strip()
    if not text:
        return None
    return f"clock moved to {frozen_moment(text).isoformat()} ({VARIABLE})"


def pytest_unconfigure(config: pytest.Config) -> None:
    global _traveller
    if _traveller is not None:
        _traveller.stop()
        _traveller = None
