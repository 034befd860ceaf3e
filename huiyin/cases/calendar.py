"""The holiday table as the deadline calculator's calendar.

``CasesConfig.ready()`` makes :func:`db_calendar` the provider of
:func:`huiyin.cases.deadlines.current_calendar`. The table is read once per process and kept
until a :class:`CalendarDay` or :class:`CalendarYear` is saved or deleted (signals below), and
at most :data:`CACHE_SECONDS` in any case, so other processes pick up an administrator's
change too. An empty table (a fresh database before its migrations) falls back to the
``chinese_calendar`` package.
"""

from __future__ import annotations

import threading
import time

from django.db import DatabaseError, transaction

from huiyin.cases.deadlines import HolidayCalendar, builtin_calendar

#: Another process's change to the table is seen after at most this long.
CACHE_SECONDS = 600

_lock = threading.Lock()
_cached: tuple[float, HolidayCalendar] | None = None


def load_calendar() -> HolidayCalendar | None:
    """The calendar in the table, or None when the table is empty or not there yet."""
    from huiyin.cases.models import CalendarDay, CalendarYear

    try:
        # A savepoint: on PostgreSQL a missing table must not spoil the caller's transaction.
        with transaction.atomic():
            days = list(CalendarDay.objects.values_list("date", "kind"))
            years = list(CalendarYear.objects.values_list("year", flat=True))
    except DatabaseError:
        return None
    if not days and not years:
        return None
    return HolidayCalendar.from_days(
        holidays=(d for d, kind in days if kind == CalendarDay.DayKind.HOLIDAY),
        workdays=(d for d, kind in days if kind == CalendarDay.DayKind.WORKDAY),
        known_years=years,
    )


def db_calendar() -> HolidayCalendar:
    """The provider wired into the deadline calculator (cached, see the module docstring)."""
    global _cached
    now = time.monotonic()
    cached = _cached
    if cached is not None and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    with _lock:
        calendar = load_calendar() or builtin_calendar()
        _cached = (now, calendar)
    return calendar


def invalidate(**kwargs) -> None:
    """Forget the cached calendar (a signal receiver; also handy in tests)."""
    global _cached
    _cached = None


def _changed(sender, instance, **kwargs) -> None:
    invalidate()
    # Readers in other threads may have reloaded before this transaction committed.
    transaction.on_commit(invalidate)
    year = getattr(instance, "year", None) or instance.date.year
    transaction.on_commit(lambda: _refresh(year))


def _refresh(year: int) -> None:
    from huiyin.cases.clocks import refresh_clocks_for_years

    refresh_clocks_for_years([year])


def connect_signals() -> None:
    from django.db.models.signals import post_delete, post_save

    from huiyin.cases.models import CalendarDay, CalendarYear

    for model in (CalendarDay, CalendarYear):
        uid = f"huiyin.cases.calendar.{model.__name__}"
        post_save.connect(_changed, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"{uid}.delete")
