"""Reporting an incident upward in time: the limits, the delay of each report, what is overdue.

Two limits run from the moment the street learned of the incident (``Incident.learned_at``):

* ``first`` — the first report upward by any channel (usually the phone): default 60 minutes;
* ``written`` — the first report in writing: default 120 minutes.

The national law says only "immediately" (突发事件应对法 art. 61: 及时、客观、真实，不得迟报、谎报、
瞒报、漏报); the 生产安全事故报告和调查处理条例 gives the unit one hour to the county level and
each level two more (art. 9, 11). Districts set minute limits of their own for streets, so both
are configurable per class (the art. 2 class at the root of the type tree) and grade in
``settings.HUIYIN_INCIDENT_REPORT_LIMITS``::

    HUIYIN_INCIDENT_REPORT_LIMITS = {
        "default": {"first": 30, "written": 60},          # every incident
        "*/major": {"first": 20},                         # every class, grade 重大
        "社会安全事件": {"first": 20, "written": 40},       # one class
        "事故灾难/especially_major": {"first": 15},         # one class and grade
    }

Later, more specific entries override earlier ones key by key (default, grade, class, class and
grade). Every page that shows a limit says that the district's own rule governs.

The delay of a report is ``sent_at − learned_at``, whole minutes, computed between aware
moments: a report sent at 00:25 of an incident learned of at 23:40 the day before took 45
minutes, whatever the time zone of the reader, and a holiday stops nothing (the limits are
minutes of real time, not working days).

For a production-safety accident, casualty changes within 30 days of the day it happened (7 for
road traffic and fire) are reported as follow-up reports (条例 art. 13): :func:`supplement_until`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from huiyin.cases import deadlines
from huiyin.cases.deadlines import CHINA_TZ
from huiyin.incidents import rules

FIRST, WRITTEN = "first", "written"
DEFAULT_LIMITS: dict[str, int] = {FIRST: 60, WRITTEN: 120}
#: The longest limit accepted in the setting: a week, in minutes.
MAX_MINUTES = 7 * 24 * 60

LABELS = {
    FIRST: _("First report upward"),
    WRITTEN: _("Written report upward"),
}
MSG_DISTRICT_RULE = _(
    "The national law says only “immediately” (Emergency Response Law art. 61). These limits "
    "are Huiyin's defaults until the district's own rule is entered; the district's rule governs."
)
MSG_CONFIGURED = _("Limits as configured for this street; the district's own rule governs.")


def _table() -> dict:
    value = getattr(settings, "HUIYIN_INCIDENT_REPORT_LIMITS", None) or {}
    if not isinstance(value, dict):
        raise ImproperlyConfigured("HUIYIN_INCIDENT_REPORT_LIMITS must be a dict")
    return {str(key): _entry(str(key), entry) for key, entry in value.items()}


def _entry(key: str, value) -> dict[str, int]:
    if not isinstance(value, dict):
        raise ImproperlyConfigured(f"HUIYIN_INCIDENT_REPORT_LIMITS[{key!r}] must be a dict")
    out = {}
    for code, minutes in value.items():
        if code not in DEFAULT_LIMITS:
            raise ImproperlyConfigured(
                f"HUIYIN_INCIDENT_REPORT_LIMITS[{key!r}] names {code!r}: use 'first' or 'written'"
            )
        if isinstance(minutes, bool) or not isinstance(minutes, int):
            raise ImproperlyConfigured(
                f"HUIYIN_INCIDENT_REPORT_LIMITS[{key!r}][{code!r}] must be whole minutes"
            )
        if not 0 <= minutes <= MAX_MINUTES:
            raise ImproperlyConfigured(
                f"HUIYIN_INCIDENT_REPORT_LIMITS[{key!r}][{code!r}] must be 0 to {MAX_MINUTES}"
            )
        out[code] = minutes
    return out


def limits_for(class_name: str | None, grade: str) -> dict[str, int]:
    """The minutes of each limit for an incident of this class and grade (see above)."""
    table = _table()
    limits = dict(DEFAULT_LIMITS)
    keys = ["default", f"*/{grade}"]
    if class_name:
        keys += [class_name, f"{class_name}/{grade}"]
    for key in keys:
        if key in table:
            limits.update(table[key])
    return limits


def configured() -> bool:
    """Whether the street has entered limits of its own (else the defaults stand)."""
    return bool(_table())


def district_note() -> str:
    return str(MSG_CONFIGURED if configured() else MSG_DISTRICT_RULE)


# --------------------------------------------------------------------------- delays


def delay_minutes(learned_at: datetime, sent_at: datetime) -> int:
    """Whole minutes from learning of the incident to the report (aware moments)."""
    return int((sent_at - learned_at).total_seconds() // 60)


def minutes_text(minutes: int) -> str:
    """45 → "45分钟", 75 → "1小时15分钟", 1505 → "1天1小时5分钟" (in the active language)."""
    minutes = max(int(minutes), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return gettext("%(d)s d %(h)s h %(m)s min") % {"d": days, "h": hours, "m": mins}
    if hours:
        return gettext("%(h)s h %(m)s min") % {"h": hours, "m": mins}
    return gettext("%(m)s min") % {"m": mins}


@dataclass(frozen=True)
class Deadline:
    """One reporting limit of one incident, and the report that met it (or not yet)."""

    code: str  # FIRST or WRITTEN
    minutes: int
    learned_at: datetime
    sent_at: datetime | None

    @property
    def label(self) -> str:
        return str(LABELS[self.code])

    @property
    def due_at(self) -> datetime:
        return self.learned_at + timedelta(minutes=self.minutes)

    @property
    def delay(self) -> int | None:
        """Minutes from learning of it to the report; None while none is sent."""
        return None if self.sent_at is None else delay_minutes(self.learned_at, self.sent_at)

    @property
    def on_time(self) -> bool | None:
        return None if self.sent_at is None else self.sent_at <= self.due_at

    def overdue(self, now: datetime | None = None) -> bool:
        return self.sent_at is None and (now or timezone.now()) > self.due_at

    @property
    def limit_text(self) -> str:
        return minutes_text(self.minutes)

    @property
    def delay_text(self) -> str:
        return "" if self.delay is None else minutes_text(self.delay)

    def late_by(self, now: datetime | None = None) -> int:
        """Minutes past the limit: of the report sent late, or of the report still missing."""
        end = self.sent_at or (now or timezone.now())
        return max(delay_minutes(self.due_at, end), 0)

    def late_text(self, now: datetime | None = None) -> str:
        return minutes_text(self.late_by(now))


def class_name(category) -> str | None:
    root = rules.incident_class(category)
    return root.name if root is not None else None


def deadlines_of(incident, reports: Iterable | None = None) -> list[Deadline]:
    """The first and written report limits of `incident` (its case and category loaded) with the
    earliest report meeting each."""
    if reports is None:
        reports = incident.reports.all()
    reports = list(reports)
    limits = limits_for(class_name(incident.case.category), incident.grade)
    first = min((r.sent_at for r in reports), default=None)
    written = min((r.sent_at for r in reports if r.channel == "written"), default=None)
    return [
        Deadline(FIRST, limits[FIRST], incident.learned_at, first),
        Deadline(WRITTEN, limits[WRITTEN], incident.learned_at, written),
    ]


def supplement_until(incident) -> date | None:
    """The last day casualty changes are reported as follow-ups (条例 art. 13), for a
    production-safety accident; None for other types. Counted from the day it happened by the
    core's convention (the start day not counted; a rest day moves the end to a working day)."""
    days = rules.supplement_days_for(incident.case.category)
    if days is None:
        return None
    happened = timezone.localtime(incident.occurred_at, CHINA_TZ).date()
    return deadlines.due(happened, days).date


KIND_ZH = {"first": "初报", "follow_up": "续报", "final": "终报"}
NUMERALS = "零一二三四五六七八九十"


def report_name(kind: str, seq: int) -> str:
    """初报, 续报一, 续报十二, 终报 (the names the office writes on them)."""
    if kind != "follow_up":
        return KIND_ZH.get(kind, kind)
    if seq <= 10:
        number = NUMERALS[seq]
    elif seq < 20:
        number = "十" + NUMERALS[seq - 10]
    else:
        number = str(seq)
    return f"续报{number}"
