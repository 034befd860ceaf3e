"""Reporting periods of the weekly screening (一周一排查、一周一上报) and their deadlines.

A period is an ISO week by default (``settings.HUIYIN_SCREENING_PERIOD = "week"``), or a
calendar month (``"month"``). Its label is what the pages and the query strings use:
``2026-W23`` for a week (ISO 8601: the week belongs to the year of its Thursday, so 2026-W53
runs from 2026-12-28 to 2027-01-03), ``2026-06`` for a month.

The deadline of a period is the first ``HUIYIN_SCREENING_DEADLINE_WEEKDAY`` (0 = Monday, the
default) after the period's last day, at ``HUIYIN_SCREENING_DEADLINE_TIME`` ("12:00", Beijing
time): for a week, the following Monday at noon. When that day is a rest day (a statutory
holiday, or a weekend that is not a make-up working day) the deadline moves to the same time
on the next working day, as any period ending on a rest day does (民法典 art. 203; the
holiday table of huiyin.cases.deadlines). A report filed at the deadline's very minute is on
time; one a microsecond later is late.
"""

from __future__ import annotations

import calendar as _calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from huiyin.cases import bounds, deadlines
from huiyin.cases.deadlines import CHINA_TZ

WEEK = "week"
MONTH = "month"
KINDS = (WEEK, MONTH)
#: A single day: not a screening period, the period of the sensitive periods' daily reports
#: (huiyin.patrols), which compute their own deadlines; labelled "2026-06-08".
DAY = "day"

DEFAULT_KIND = WEEK
DEFAULT_DEADLINE_WEEKDAY = 0  # Monday
DEFAULT_DEADLINE_TIME = "12:00"

_WEEK_LABEL = re.compile(r"^(\d{4})-W(\d{1,2})$")
_MONTH_LABEL = re.compile(r"^(\d{4})-(\d{1,2})$")
_DAY_LABEL = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
#: The longest label read from outside (anything longer is not a label).
MAX_LABEL = 10


# --------------------------------------------------------------------------- settings


def period_kind() -> str:
    value = getattr(settings, "HUIYIN_SCREENING_PERIOD", DEFAULT_KIND)
    if value not in KINDS:
        raise ImproperlyConfigured(
            f"HUIYIN_SCREENING_PERIOD must be one of {', '.join(KINDS)}, not {value!r}"
        )
    return value


def deadline_weekday() -> int:
    value = getattr(settings, "HUIYIN_SCREENING_DEADLINE_WEEKDAY", DEFAULT_DEADLINE_WEEKDAY)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 6:
        raise ImproperlyConfigured(
            f"HUIYIN_SCREENING_DEADLINE_WEEKDAY must be 0 (Monday) to 6 (Sunday), not {value!r}"
        )
    return value


def deadline_time() -> time:
    value = getattr(settings, "HUIYIN_SCREENING_DEADLINE_TIME", DEFAULT_DEADLINE_TIME)
    match = _TIME.match(str(value).strip())
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise ImproperlyConfigured(
            f"HUIYIN_SCREENING_DEADLINE_TIME must be HH:MM (Beijing time), not {value!r}"
        )
    return time(int(match[1]), int(match[2]))


def settings_errors() -> list[str]:
    """What is wrong with the screening settings (for the start-up system check)."""
    errors = []
    for read in (period_kind, deadline_weekday, deadline_time):
        try:
            read()
        except ImproperlyConfigured as problem:
            errors.append(str(problem))
    return errors


# --------------------------------------------------------------------------- periods


@dataclass(frozen=True, order=True)
class Period:
    """One reporting period: its first and last day (both included) and its kind."""

    start: date
    end: date
    kind: str = WEEK

    @property
    def label(self) -> str:
        if self.kind == DAY:
            return self.start.isoformat()
        if self.kind == MONTH:
            return f"{self.start.year:04d}-{self.start.month:02d}"
        year, week, _ = self.start.isocalendar()
        return f"{year:04d}-W{week:02d}"

    def __str__(self) -> str:
        return self.label

    def previous(self) -> Period:
        return containing(self.start - timedelta(days=1), self.kind)

    def next(self) -> Period:
        return containing(self.end + timedelta(days=1), self.kind)

    def deadline(self) -> datetime:
        return deadline_of(self)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def containing(day: date, kind: str | None = None) -> Period:
    """The period of `kind` (default: the configured one) that contains `day`."""
    kind = kind or period_kind()
    day = bounds.safe_date(day)
    if kind == DAY:
        return Period(day, day, DAY)
    if kind == MONTH:
        last = _calendar.monthrange(day.year, day.month)[1]
        return Period(day.replace(day=1), day.replace(day=last), MONTH)
    monday = day - timedelta(days=day.weekday())
    return Period(monday, monday + timedelta(days=6), WEEK)


def weeks_in(year: int) -> int:
    """52 or 53: the ISO week of 28 December is always the year's last."""
    return date(year, 12, 28).isocalendar()[1]


def parse(label: object, kind: str | None = None) -> Period | None:
    """The period named by `label` ("2026-W23", "2026-06"), or None when it names none.

    Bounded: only the years Huiyin supports (huiyin.cases.bounds), week 1 to the year's last
    (52 or 53), month 1 to 12. Full-width digits and lower case are not labels.
    """
    kind = kind or period_kind()
    if not isinstance(label, str):
        return None
    text = label.strip()
    if not text or len(text) > MAX_LABEL or not text.isascii():
        return None
    pattern = {MONTH: _MONTH_LABEL, DAY: _DAY_LABEL}.get(kind, _WEEK_LABEL)
    match = pattern.match(text.upper() if kind == WEEK else text)
    if match is None:
        return None
    year, number = int(match[1]), int(match[2])
    if not bounds.earliest_date().year <= year <= bounds.latest_date().year:
        return None
    if kind == DAY:
        try:
            return containing(date(year, number, int(match[3])), DAY)
        except ValueError:
            return None
    if kind == MONTH:
        if not 1 <= number <= 12:
            return None
        return containing(date(year, number, 1), MONTH)
    if not 1 <= number <= weeks_in(year):
        return None
    return containing(date.fromisocalendar(year, number, 1), WEEK)


def between(first: Period, last: Period) -> list[Period]:
    """Every period from `first` to `last`, both included (empty when last is before first)."""
    out: list[Period] = []
    current = first
    while current.start <= last.start:
        out.append(current)
        if current.end >= bounds.SAFE_MAX - timedelta(days=40):
            break
        current = current.next()
    return out


def ending_in(start: date, end: date, kind: str | None = None) -> tuple[Period, Period] | None:
    """The first and the last period whose last day lies in [start, end] — how a statistics
    period (a month, a campaign) counts weeks: each week in the range it ends in. None when
    no period ends there."""
    first = containing(start, kind)
    if first.end < start:
        first = first.next()
    last = containing(end, kind)
    if last.end > end:
        last = last.previous()
    return (first, last) if first.start <= last.start else None


# --------------------------------------------------------------------------- deadlines


def deadline_day(period: Period) -> date:
    """The day of the period's deadline (see the module docstring)."""
    weekday = deadline_weekday()
    day = period.end + timedelta(days=1)
    day += timedelta(days=(weekday - day.weekday()) % 7)
    calendar = deadlines.current_calendar()
    for _step in range(366):
        if calendar.is_working_day(day):
            return day
        day += timedelta(days=1)
    return day


def deadline_of(period: Period) -> datetime:
    """The moment a period's report is due: aware, in Beijing time."""
    return datetime.combine(deadline_day(period), deadline_time(), tzinfo=CHINA_TZ)


def now() -> datetime:
    """The project's "now" (Django's clock), in Beijing time."""
    return timezone.localtime(timezone.now(), CHINA_TZ)


def today(moment: datetime | None = None) -> date:
    """The Beijing date of `moment` (default: now), as timezone.localdate() gives it."""
    return timezone.localdate(moment or timezone.now(), CHINA_TZ)


def current(moment: datetime | None = None) -> Period:
    """The period containing today."""
    return containing(today(moment))


def due(moment: datetime | None = None) -> Period:
    """The period whose report is due next: the previous one until its deadline has passed
    (a week's report is filed on the following Monday morning), then the current one."""
    moment = moment or now()
    this = current(moment)
    before = this.previous()
    return before if moment <= deadline_of(before) else this


def last_missed(moment: datetime | None = None) -> Period:
    """The latest period whose deadline has passed at `moment`."""
    moment = moment or now()
    period = current(moment).previous()
    while deadline_of(period) >= moment:
        period = period.previous()
    return period
