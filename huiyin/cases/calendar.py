"""The holiday table as the deadline calculator's calendar.

``CasesConfig.ready()`` makes :func:`db_calendar` the provider of
:func:`huiyin.cases.deadlines.current_calendar`. The table is read once per process and kept
until a :class:`CalendarDay` or :class:`CalendarYear` is saved or deleted (signals below), and
at most :data:`CACHE_SECONDS` in any case, so other processes pick up an administrator's
change too. An empty table (a fresh database before its migrations) falls back to the
``chinese_calendar`` package.

A street may have days of its own over the national table (:class:`huiyin.org.models.StreetDay`:
a local day off, or a day worked instead). The deadlines of a street's matters are computed
inside :func:`for_street` — the workflow, the registrations and the clock functions enter it
with the case's street — and :func:`db_calendar` then answers with the national table and
that street's days laid over it.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, transaction

from huiyin.cases.deadlines import HolidayCalendar, builtin_calendar

#: Another process's change to the table is seen after at most this long.
CACHE_SECONDS = 600

_lock = threading.Lock()
_cached: tuple[float, HolidayCalendar] | None = None
#: street id -> (when read, the national calendar it was laid over, the street's calendar).
_streets: dict[int, tuple[float, HolidayCalendar, HolidayCalendar]] = {}

#: The street whose deadlines are being computed (None: the national table alone).
_street: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "huiyin_calendar_street", default=None
)


@contextmanager
def for_street(street_id: int | None) -> Iterator[None]:
    """Compute deadlines with the days of `street_id`'s street over the national table."""
    token = _street.set(street_id)
    try:
        yield
    finally:
        _street.reset(token)


def current_street() -> int | None:
    return _street.get()


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
    """The provider wired into the deadline calculator (cached, see the module docstring):
    the national table, with the days of the street of :func:`for_street` laid over it."""
    national = _national()
    street_id = _street.get()
    if street_id is None:
        return national
    now = time.monotonic()
    cached = _streets.get(street_id)
    if cached is not None and cached[1] is national and now - cached[0] < CACHE_SECONDS:
        return cached[2]
    calendar = with_street_days(national, street_id)
    _streets[street_id] = (now, national, calendar)
    return calendar


def _national() -> HolidayCalendar:
    global _cached
    now = time.monotonic()
    cached = _cached
    if cached is not None and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    with _lock:
        calendar = load_calendar() or builtin_calendar()
        _cached = (now, calendar)
    return calendar


def with_street_days(national: HolidayCalendar, street_id: int) -> HolidayCalendar:
    """`national` with the street's own days off and working days laid over it."""
    from huiyin.org.models import StreetDay

    try:
        with transaction.atomic():
            days = list(StreetDay.objects.filter(street_id=street_id).values_list("date", "kind"))
    except DatabaseError:
        return national
    if not days:
        return national
    off = {d for d, kind in days if kind == StreetDay.DayKind.HOLIDAY}
    worked = {d for d, kind in days if kind == StreetDay.DayKind.WORKDAY}
    return HolidayCalendar(
        holidays=frozenset((national.holidays - worked) | off),
        workdays=frozenset((national.workdays - off) | worked),
        known_years=national.known_years,
    )


def invalidate(**kwargs) -> None:
    """Forget the cached calendar (a signal receiver; also handy in tests)."""
    global _cached
    _cached = None
    _streets.clear()


def _changed(sender, instance, **kwargs) -> None:
    invalidate()
    # Readers in other threads may have reloaded before this transaction committed.
    transaction.on_commit(invalidate)
    year = getattr(instance, "year", None) or instance.date.year
    transaction.on_commit(lambda: _refresh(year))


def _refresh(year: int, street_id: int | None = None) -> None:
    from huiyin.cases.clocks import refresh_clocks_for_years

    refresh_clocks_for_years([year], street_id=street_id)


def _street_day_changed(sender, instance, **kwargs) -> None:
    invalidate()
    transaction.on_commit(invalidate)
    year, street_id = instance.date.year, instance.street_id
    transaction.on_commit(lambda: _refresh(year, street_id))


def connect_signals() -> None:
    from django.db.models.signals import post_delete, post_save

    from huiyin.cases.models import CalendarDay, CalendarYear

    for model in (CalendarDay, CalendarYear):
        uid = f"huiyin.cases.calendar.{model.__name__}"
        post_save.connect(_changed, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"{uid}.delete")
    from huiyin.org.models import StreetDay

    uid = "huiyin.cases.calendar.StreetDay"
    post_save.connect(_street_day_changed, sender=StreetDay, dispatch_uid=f"{uid}.save")
    post_delete.connect(_street_day_changed, sender=StreetDay, dispatch_uid=f"{uid}.delete")
