"""Deadlines of the petition (信访) procedure: a pure calculator, no database.

Counting convention
===================

The general procedural rule of Chinese law (民法典 第二百零一条、第二百零三条; the same rule in
民事诉讼法 第八十五条) is the documented default here; the 信访工作条例 sets no rule of its own:

* The start day is not counted.  "Within 15 days of receipt" for a matter received on
  1 March runs from 2 March, and its last day is 16 March.
* A period counted in calendar days (日) whose last day is a rest day ends on the next working
  day.  A rest day is a Saturday or Sunday, or a statutory holiday (法定节假日), unless the State
  Council's notice makes it a make-up working day (调休上班日).  A period that ends on a
  make-up working day therefore ends there.
* A limit counted in working days (工作日) counts only working days, make-up working days
  included, starting with the first working day after the start day.  Its last day is always
  a working day.
* A limit of 0 days ends on the start day itself (for working days: on the next working day
  when the start day is a rest day).

Holidays and make-up working days come from a :class:`HolidayCalendar`.  The default is
:func:`builtin_calendar`, built from the ``chinese_calendar`` package; a DB-backed table can
replace it with :func:`set_calendar_provider`.  Years the calendar has no official notice for
are computed with weekends only, and the result says so (:attr:`Due.warning`,
:attr:`Due.unknown_years`): show it as provisional.

Limits of the 信访工作条例 (2022)
================================

All in :data:`LIMITS`, each overridable by ``settings.HUIYIN_LIMITS`` (see :func:`limit`):

* 第二十二条: a petition received is registered and transferred / assigned within 15 days.
* 第二十三条: the petitioner is told in writing, within 15 days of receipt, whether and how the
  matter is handled; a body that receives a matter transferred to it wrongly objects within
  5 working days of receipt.
* 第三十四条: a matter is handled within 60 days of acceptance; in complex cases the head of the
  body may extend the limit once, by at most 30 days, telling the petitioner why.
* 第三十五条: the petitioner may request a review (复查) within 30 days of receiving the written
  reply; the review body answers within 30 days of the request.
* 第三十六条: the petitioner may request a re-examination (复核) within 30 days of receiving the
  review answer; the re-examination body answers within 30 days of the request.
* 人民调解法 第三十三条: the parties to a mediation agreement may jointly apply to the people's
  court for judicial confirmation within 30 days of the agreement taking effect.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

__all__ = [
    "LIMITS",
    "Due",
    "HolidayCalendar",
    "Limit",
    "builtin_calendar",
    "current_calendar",
    "days_left",
    "due",
    "due_date",
    "limit",
    "set_calendar_provider",
    "working_days_between",
]

#: Statutory holidays are Beijing dates, whatever time zone a user has activated.
CHINA_TZ = ZoneInfo("Asia/Shanghai")

#: Safety net: no real calendar has this many rest days in a row.
_MAX_REST_RUN = 366

_ONE_DAY = timedelta(days=1)


# --------------------------------------------------------------------------- calendar


@dataclass(frozen=True)
class HolidayCalendar:
    """Statutory days off and make-up working days, as published each year by the State Council.

    ``holidays`` are days off (they may include weekend days inside a holiday); ``workdays``
    are weekend days worked instead (调休); ``known_years`` are the years whose official notice
    has been entered.  Outside them only weekends are rest days.
    """

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    known_years: frozenset[int] = frozenset()

    @classmethod
    def from_days(
        cls,
        holidays: Iterable[date] = (),
        workdays: Iterable[date] = (),
        known_years: Iterable[int] | None = None,
    ) -> HolidayCalendar:
        """Build a calendar from any iterables (rows of a table, say).

        Without ``known_years``, the years of the given holidays are taken as known.
        """
        holidays = frozenset(holidays)
        workdays = frozenset(workdays)
        if known_years is None:
            known_years = {d.year for d in holidays}
        return cls(holidays=holidays, workdays=workdays, known_years=frozenset(known_years))

    def is_working_day(self, d: date) -> bool:
        if d in self.workdays:
            return True
        if d in self.holidays:
            return False
        return d.weekday() < 5

    def is_rest_day(self, d: date) -> bool:
        return not self.is_working_day(d)

    def is_known(self, year: int) -> bool:
        return year in self.known_years


@functools.lru_cache(maxsize=1)
def builtin_calendar() -> HolidayCalendar:
    """The calendar shipped with the ``chinese_calendar`` package (cached)."""
    from chinese_calendar import constants

    return HolidayCalendar.from_days(
        holidays=constants.holidays.keys(),
        workdays=constants.workdays.keys(),
        known_years={d.year for d in constants.holidays},
    )


_calendar_provider: Callable[[], HolidayCalendar] = builtin_calendar


def set_calendar_provider(
    fn: Callable[[], HolidayCalendar] | None,
) -> Callable[[], HolidayCalendar]:
    """Use ``fn`` (``None``: the builtin calendar) for every later computation.

    Returns the previous provider, so a caller (or a test) can put it back.
    """
    global _calendar_provider
    previous = _calendar_provider
    _calendar_provider = fn if fn is not None else builtin_calendar
    return previous


def current_calendar() -> HolidayCalendar:
    return _calendar_provider()


# --------------------------------------------------------------------------- computation


@dataclass(frozen=True)
class Due:
    """A computed deadline.

    ``unknown_years`` are the years the computation looked into for which the calendar has no
    holiday data: there, only weekends were treated as rest days, so the date is provisional.
    """

    date: date
    unknown_years: tuple[int, ...] = ()

    @property
    def warning(self) -> bool:
        return bool(self.unknown_years)


def _as_date(value: date | datetime) -> date:
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            try:
                return timezone.localtime(value, CHINA_TZ).date()
            except (OverflowError, ValueError):
                # A moment at the very end of the calendar (a bad row): its own date.
                return value.date()
        return value.date()
    if isinstance(value, date):
        return value
    raise TypeError(f"expected a date or datetime, got {type(value).__name__}")


class _Probe:
    """Asks the calendar about days and remembers which unknown years were consulted."""

    def __init__(self, calendar: HolidayCalendar):
        self.calendar = calendar
        self.unknown: set[int] = set()

    def working(self, d: date) -> bool:
        if not self.calendar.is_known(d.year):
            self.unknown.add(d.year)
        return self.calendar.is_working_day(d)

    def next_working_day(self, d: date) -> date:
        """``d`` itself if it is a working day, else the first working day after it."""
        for _step in range(_MAX_REST_RUN):
            if self.working(d) or d == date.max:
                return d
            d += _ONE_DAY
        raise ValueError("the calendar has no working day within a year")


def _plus(d: date, days: int) -> date:
    """``d + days``, ending on the calendar's last day rather than failing (a start date in
    year 9999 comes only from a bad row; its deadline is then shown as 9999-12-31)."""
    try:
        return d + timedelta(days=days)
    except OverflowError:
        return date.max


def due(
    start: date | datetime,
    days: int,
    *,
    working_days: bool = False,
    calendar: HolidayCalendar | None = None,
) -> Due:
    """The last day of a period of ``days`` (calendar or working) days after ``start``.

    See the module docstring for the convention.  ``start`` may be a datetime (an aware one is
    taken in Beijing time).
    """
    if isinstance(days, bool) or not isinstance(days, int):
        raise TypeError("days must be an int")
    if days < 0:
        raise ValueError("days must be >= 0")
    start = _as_date(start)
    probe = _Probe(calendar if calendar is not None else current_calendar())

    if working_days:
        if days == 0:
            end = probe.next_working_day(start)
        else:
            end = start
            counted = 0
            rest_run = 0
            while counted < days:
                if end == date.max:
                    break
                end += _ONE_DAY
                if probe.working(end):
                    counted += 1
                    rest_run = 0
                else:
                    rest_run += 1
                    if rest_run >= _MAX_REST_RUN:
                        raise ValueError("the calendar has no working day within a year")
    elif days == 0:
        end = start
    else:
        end = probe.next_working_day(_plus(start, days))

    return Due(date=end, unknown_years=tuple(sorted(probe.unknown)))


def due_date(
    start: date | datetime,
    days: int,
    *,
    working_days: bool = False,
    calendar: HolidayCalendar | None = None,
) -> date:
    """Just the date of :func:`due`."""
    return due(start, days, working_days=working_days, calendar=calendar).date


def days_left(due: date | datetime, today: date | datetime) -> int:
    """Calendar days from ``today`` to ``due``: 0 on the last day, negative when overdue."""
    return (_as_date(due) - _as_date(today)).days


def working_days_between(
    a: date | datetime, b: date | datetime, calendar: HolidayCalendar | None = None
) -> int:
    """Working days after ``a`` up to and including ``b`` (negative when ``b`` is before ``a``).

    With the convention above, ``working_days_between(start, due_date(start, n,
    working_days=True)) == n`` for every ``n >= 1``.
    """
    a, b = _as_date(a), _as_date(b)
    sign = 1
    if b < a:
        a, b, sign = b, a, -1
    cal = calendar if calendar is not None else current_calendar()
    count = 0
    d = a
    while d < b:
        d += _ONE_DAY
        if cal.is_working_day(d):
            count += 1
    return sign * count


# --------------------------------------------------------------------------- limits


@dataclass(frozen=True)
class Limit:
    """One time limit of the procedure.

    ``start_event`` names the event whose date the period runs from.
    """

    code: str
    days: int
    working_days: bool
    article: str
    label: str | Promise
    start_event: str

    def due(self, start: date | datetime, *, calendar: HolidayCalendar | None = None) -> Due:
        return due(start, self.days, working_days=self.working_days, calendar=calendar)


_REG = "信访工作条例"

LIMITS: dict[str, Limit] = {
    lim.code: lim
    for lim in (
        Limit(
            code="register_transfer",
            days=15,
            working_days=False,
            article=f"{_REG} 第二十二条",
            label=_("Register and transfer or assign the matter"),
            start_event="received",
        ),
        Limit(
            code="acceptance_notice",
            days=15,
            working_days=False,
            article=f"{_REG} 第二十三条",
            label=_("Tell the petitioner in writing whether the matter is accepted"),
            start_event="received",
        ),
        Limit(
            code="transfer_objection",
            days=5,
            working_days=True,
            article=f"{_REG} 第二十三条",
            label=_("Object to a matter transferred to the wrong office"),
            start_event="transferred_in",
        ),
        Limit(
            code="handling",
            days=60,
            working_days=False,
            article=f"{_REG} 第三十四条",
            label=_("Handle the matter and reply"),
            start_event="accepted",
        ),
        Limit(
            code="extension_max",
            days=30,
            working_days=False,
            article=f"{_REG} 第三十四条",
            label=_("Longest extension of the handling period"),
            start_event="handling_due",
        ),
        Limit(
            code="review_request",
            days=30,
            working_days=False,
            article=f"{_REG} 第三十五条",
            label=_("Petitioner may request a review"),
            start_event="replied",
        ),
        Limit(
            code="review_answer",
            days=30,
            working_days=False,
            article=f"{_REG} 第三十五条",
            label=_("Answer the review request"),
            start_event="review_requested",
        ),
        Limit(
            code="reexam_request",
            days=30,
            working_days=False,
            article=f"{_REG} 第三十六条",
            label=_("Petitioner may request a re-examination"),
            start_event="review_answered",
        ),
        Limit(
            code="reexam_answer",
            days=30,
            working_days=False,
            article=f"{_REG} 第三十六条",
            label=_("Answer the re-examination request"),
            start_event="reexam_requested",
        ),
        Limit(
            code="judicial_confirmation",
            days=30,
            working_days=False,
            article="人民调解法 第三十三条",
            label=_("Apply to the court for judicial confirmation of the mediation agreement"),
            start_event="agreement_effective",
        ),
    )
}


def limit(code: str) -> Limit:
    """``LIMITS[code]``, its days overridden by ``settings.HUIYIN_LIMITS[code]`` when set.

    Raises ``KeyError`` for an unknown code, ``ImproperlyConfigured`` for a bad override.
    """
    from django.conf import settings

    base = LIMITS[code]
    overrides = getattr(settings, "HUIYIN_LIMITS", None) or {}
    if code not in overrides:
        return base
    days = overrides[code]
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise ImproperlyConfigured(
            f"HUIYIN_LIMITS[{code!r}] must be a whole number of days >= 0, got {days!r}"
        )
    return dataclasses.replace(base, days=days)
