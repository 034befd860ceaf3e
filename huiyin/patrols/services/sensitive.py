"""Sensitive periods (特殊时期) and their daily reports, on the screening's compliance table.

During a sensitive period every community files a report for each day — the incidents and
risk notes of the day, or a nil report (零报告). The report for a day is due the next morning
(``HUIYIN_SENSITIVE_DEADLINE_DAYS`` = 1 after the day, at ``HUIYIN_SENSITIVE_DEADLINE_TIME``
= "09:00", Beijing time). A sensitive period does not rest: a weekend or a holiday moves no
deadline (unlike the weekly screening's, which moves to the next working day). Filed at the
deadline's very minute is on time; a microsecond later is late; an amendment never changes
that (the deadline is fixed at the first filing).

The rows reuse huiyin.screening: a day is a :class:`~huiyin.screening.periods.Period` of kind
"day", each (community, day) a :class:`~huiyin.screening.compliance.Row` with the same four
statuses (on time, late, missing, pending), added up by ``compliance.tally``.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds
from huiyin.cases.deadlines import CHINA_TZ
from huiyin.org.models import Community
from huiyin.org.roles import Perm
from huiyin.patrols import access
from huiyin.patrols.models import MAX_SENSITIVE_DAYS, DailyReport, SensitivePeriod
from huiyin.patrols.services.campaigns import MSG_ORDER, the_street
from huiyin.patrols.services.common import (
    MSG_REQUIRED,
    MSG_STALE,
    Errors,
    check_version,
    day,
    pick,
)
from huiyin.patrols.services.patrols import _audit
from huiyin.screening import compliance as table
from huiyin.screening import periods
from huiyin.screening.bodies import Body
from huiyin.screening.models import BodyKind

NAME_MAX = 100
TEXT_MAX = 2000
COUNT_MAX = 999
DEFAULT_DEADLINE_DAYS = 1
DEFAULT_DEADLINE_TIME = "09:00"
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")

#: Who files a community's daily report, and who reads the board.
FILE_PERM = Perm.INCIDENTS_REPORT
VIEW_PERMS = (Perm.PATROLS_VIEW, Perm.INCIDENTS_VIEW, Perm.INCIDENTS_REPORT)

MSG_LENGTH = _("A sensitive period lasts at most %(days)s days.")
MSG_DAY = _("Choose a day of the sensitive period, not after today.")
MSG_EMPTY = _("File a nil report (nothing to report) or report the incidents or risk notes.")
MSG_NIL_AND_ITEMS = _("A nil report reports nothing: choose one or the other.")
MSG_COUNT = _("Enter a number from 0 to %(max)s.")
MSG_TEXT_FOR_COUNT = _("Describe what the number counts.")


def deadline_days() -> int:
    value = getattr(settings, "HUIYIN_SENSITIVE_DEADLINE_DAYS", DEFAULT_DEADLINE_DAYS)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 7:
        raise ImproperlyConfigured(
            f"HUIYIN_SENSITIVE_DEADLINE_DAYS must be 0 (the same day) to 7, not {value!r}"
        )
    return value


def deadline_time() -> time:
    value = getattr(settings, "HUIYIN_SENSITIVE_DEADLINE_TIME", DEFAULT_DEADLINE_TIME)
    match = _TIME.match(str(value).strip())
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise ImproperlyConfigured(
            f"HUIYIN_SENSITIVE_DEADLINE_TIME must be HH:MM (Beijing time), not {value!r}"
        )
    return time(int(match[1]), int(match[2]))


def deadline_of(on: date) -> datetime:
    """When the report for day `on` is due: aware, Beijing time (see the module docstring)."""
    due = bounds.add_days(on, deadline_days())
    return datetime.combine(due, deadline_time(), tzinfo=CHINA_TZ)


def due_day(period: SensitivePeriod, moment: datetime | None = None) -> date | None:
    """The day whose report is to be filed now: yesterday's until its deadline, then today's
    (kept inside the period); None before the period begins."""
    moment = moment or periods.now()
    today = periods.today(moment)
    if today < period.starts_on:
        return None
    on = min(today, period.ends_on)
    before = on - timedelta(days=1)
    if before >= period.starts_on and moment <= deadline_of(before) and on == today:
        return before
    return on


def active(street_id=None, on: date | None = None):
    """The sensitive periods running on `on` (default today)."""
    on = on or periods.today()
    rows = SensitivePeriod.objects.filter(starts_on__lte=on, ends_on__gte=on)
    return rows.filter(street_id=street_id) if street_id else rows


# --------------------------------------------------------------------------- periods


def create_period(actor, *, name: str, starts_on, ends_on, note: str = "", request=None):
    if not access.street_wide(actor, Perm.PATROLS_MANAGE):
        access.deny(actor, "sensitive.create")
    errors = Errors()
    street = the_street(actor)
    if street is None:
        errors.add("__all__", MSG_REQUIRED)
    name = errors.text("name", name, NAME_MAX, required=True)
    note = errors.text("note", note, 300)
    first = day(starts_on, "starts_on", errors, future_ok=True)
    last = day(ends_on, "ends_on", errors, future_ok=True)
    if first and last:
        if last < first:
            errors.add("ends_on", MSG_ORDER)
        elif (last - first).days + 1 > MAX_SENSITIVE_DAYS:
            errors.add("ends_on", MSG_LENGTH % {"days": MAX_SENSITIVE_DAYS})
    errors.raise_if_any()
    with transaction.atomic():
        period = SensitivePeriod.objects.create(
            street=street, name=name, starts_on=first, ends_on=last, note=note, created_by=actor
        )
        _audit("sensitive.create", actor, period, {"from": str(first), "to": str(last)}, request)
    return period


# --------------------------------------------------------------------------- daily reports


def _count(value, key: str, errors: Errors) -> int:
    number = bounds.bounded_int(value if value not in (None, "") else 0, 0, COUNT_MAX)
    if number is None:
        errors.add(key, MSG_COUNT % {"max": COUNT_MAX})
        return 0
    return number


def file_daily(
    actor,
    period: SensitivePeriod,
    community,
    on,
    *,
    nil: bool = False,
    incident_count=0,
    incidents: str = "",
    risk_note_count=0,
    risk_notes: str = "",
    version=None,
    request=None,
    moment: datetime | None = None,
) -> tuple[DailyReport, bool]:
    """File (or amend) `community`'s report for day `on` of `period`: (report, created)."""
    community = pick(Community, community, street=period.street_id)
    if community is None or not access.covers(actor, FILE_PERM, community.pk):
        access.deny(actor, "sensitive.file")
    moment = moment or periods.now()
    errors = Errors()
    on = day(on, "day", errors)
    if on is not None and not (period.covers(on) and on <= periods.today(moment)):
        errors.add("day", MSG_DAY)
    counts = (
        _count(incident_count, "incident_count", errors),
        _count(risk_note_count, "risk_note_count", errors),
    )
    texts = (
        errors.text("incidents", incidents, TEXT_MAX),
        errors.text("risk_notes", risk_notes, TEXT_MAX),
    )
    if nil and (any(counts) or any(texts)):
        errors.add("__all__", MSG_NIL_AND_ITEMS)
    elif not nil and not any(counts):
        errors.add("__all__", MSG_EMPTY)
    for key, number, text in zip(("incidents", "risk_notes"), counts, texts, strict=True):
        if number and not text:
            errors.add(key, MSG_TEXT_FOR_COUNT)
    errors.raise_if_any()
    fields = {
        "is_nil": bool(nil),
        "incident_count": counts[0],
        "incidents": texts[0],
        "risk_note_count": counts[1],
        "risk_notes": texts[1],
    }
    try:
        with transaction.atomic():
            report = (
                DailyReport.objects.select_for_update()
                .filter(period=period, community=community, day=on)
                .order_by("pk")
                .first()
            )
            created = report is None
            if created:
                report = DailyReport.objects.create(
                    period=period,
                    community=community,
                    day=on,
                    deadline=deadline_of(on),
                    filed_by=actor,
                    filed_at=moment,
                    **fields,
                )
            else:
                check_version(report, version, errors)
                errors.raise_if_any()
                for key, value in fields.items():
                    setattr(report, key, value)
                report.version += 1
                report.amended_at = moment
                report.save(update_fields=[*fields, "version", "amended_at"])
            _audit(
                "sensitive.file" if created else "sensitive.amend",
                actor,
                report,
                {"nil": bool(nil), "incidents": counts[0], "risk_notes": counts[1]},
                request,
            )
    except IntegrityError:
        # Another filing of the same day won the race: file again to amend it.
        errors.add("__all__", MSG_STALE)
        errors.raise_if_any()
    return report, created


# --------------------------------------------------------------------------- compliance


def communities_in_view(user, period: SensitivePeriod) -> list[Community]:
    rows = Community.objects.filter(street_id=period.street_id).order_by("order", "id")
    if user is None:
        return list(rows)
    return [c for c in rows if any(access.covers(user, p, c.pk) for p in VIEW_PERMS)]


def body(community: Community) -> Body:
    return Body(
        BodyKind.COMMUNITY,
        community.pk,
        community.name,
        community.street_id,
        community.pk,
        None,
        None,
        (0, community.order, community.pk, -1, 0),
    )


def compliance(
    period: SensitivePeriod,
    *,
    first: date | None = None,
    last: date | None = None,
    user=None,
    moment: datetime | None = None,
) -> table.Compliance:
    """Each community's report for each day from `first` to `last` (default: the period up to
    today; days not yet begun are not listed), as the weekly screening's compliance."""
    moment = moment or periods.now()
    start = max(first or period.starts_on, period.starts_on)
    end = min(last or period.ends_on, period.ends_on, periods.today(moment))
    days = []
    on = start
    while on <= end and len(days) <= MAX_SENSITIVE_DAYS:
        days.append(periods.containing(on, periods.DAY))
        on += timedelta(days=1)
    result = table.Compliance(days, [])
    communities = communities_in_view(user, period)
    if not days or not communities:
        return result
    reports = {
        (r.community_id, r.day): r
        for r in DailyReport.objects.filter(
            period=period, day__gte=start, day__lte=end, community__in=communities
        )
    }
    for span in days:
        due = deadline_of(span.start)
        result.by_period.setdefault(span.label, dict.fromkeys(table.TOTAL_KEYS, 0))
        for community in communities:
            found = reports.get((community.pk, span.start))
            if found is None:
                status = table.MISSING if moment > due else table.PENDING
                row = table.Row(span, body(community), status, False, due)
            else:
                on_time = table.on_time(found.filed_at, found.deadline)
                row = table.Row(
                    span,
                    body(community),
                    table.ON_TIME if on_time else table.LATE,
                    found.is_nil,
                    found.deadline,
                    report_id=found.pk,
                    filed_at=found.filed_at,
                    amended_at=found.amended_at,
                    items=found.incident_count + found.risk_note_count,
                )
            table.tally(result, row)
    return result
