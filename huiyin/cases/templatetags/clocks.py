"""Time-left badges for the statutory clocks: "还剩 N 天", "今日到期", "已超期 N 天".

    {% load clocks %}
    {% clock_badge case %}        {# the case's nearest office due date; "—" when closed #}
    {% clock_badge clock %}       {# one Clock: time left while running, its outcome after #}
    {% clock_badge some_date %}   {# any due date #}

The colours follow app.css (``hy-clock-overdue`` red, ``hy-clock-soon`` amber, both printable);
``data-state`` (overdue / today / soon / ok / window / other_body / stopped / none) and ``data-days`` let
tests and scripts read the badge without parsing its text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from huiyin.cases import deadlines
from huiyin.cases.models import Case, Clock

register = template.Library()

#: A due date this close (in days, today excluded) shows amber.
SOON_DAYS = 3

_CLASSES = {
    "overdue": "hy-clock-overdue",
    "today": "hy-clock-overdue",
    "soon": "hy-clock-soon",
    "ok": "badge bg-success-subtle text-success-emphasis border border-success-subtle",
    "window": "badge bg-info-subtle text-info-emphasis border border-info-subtle",
    "other_body": "badge bg-info-subtle text-info-emphasis border border-info-subtle",
    "stopped": "badge text-bg-light border",
    "late": "badge bg-danger-subtle text-danger-emphasis border border-danger-subtle",
    "none": "text-body-secondary",
}


@dataclass(frozen=True)
class TimeLeft:
    days: int  # calendar days to the due date: 0 on the last day, negative when overdue
    state: str  # "overdue", "today", "soon" or "ok"
    text: str


def time_left(due_on: date, today: date | None = None) -> TimeLeft:
    """How long until `due_on` (a Beijing date), in words for the badge."""
    days = deadlines.days_left(due_on, today or timezone.localdate())
    if days < 0:
        return TimeLeft(days, "overdue", gettext("%(days)s day(s) overdue") % {"days": -days})
    if days == 0:
        return TimeLeft(days, "today", gettext("Due today"))
    state = "soon" if days <= SOON_DAYS else "ok"
    return TimeLeft(days, state, gettext("%(days)s day(s) left") % {"days": days})


def _badge(state: str, text: str, *, days: int | str = "", title: str = "") -> SafeString:
    return format_html(
        '<span class="hy-time-left {}" data-state="{}" data-days="{}" title="{}">{}</span>',
        _CLASSES[state],
        state,
        days,
        title,
        text,
    )


def _none() -> SafeString:
    return _badge("none", "—")


def _clock_badge(clock: Clock, today: date | None) -> SafeString:
    due = clock.due_on.isoformat()
    if not clock.running:
        state = "late" if clock.outcome == Clock.Outcome.LATE else "stopped"
        return _badge(state, clock.get_outcome_display() or "—", title=due)
    left = time_left(clock.due_on, today)
    if clock.party == Clock.Party.PETITIONER:
        # The petitioner's window binds nobody in the office: never red.
        if left.days < 0:
            text = gettext("Window closed %(days)s day(s) ago") % {"days": -left.days}
        else:
            text = left.text
        return _badge("window", text, days=left.days, title=due)
    if clock.party == Clock.Party.OTHER_BODY:
        # Another body's time limit (a review answered one level up): information, never the
        # street's overdue, never red.
        if left.days < 0:
            text = gettext("%(days)s day(s) past its time limit") % {"days": -left.days}
        else:
            text = left.text
        return _badge("other_body", text, days=left.days, title=due)
    return _badge(left.state, left.text, days=left.days, title=due)


@register.simple_tag
def clock_badge(value, today: date | None = None) -> SafeString:
    """The badge for a Case (its nearest office due date), a Clock or a date."""
    if isinstance(value, Clock):
        return _clock_badge(value, today)
    if isinstance(value, Case):
        if value.withdrawn or value.closed_at is not None or value.due_on is None:
            return _none()
        value = value.due_on
    if not isinstance(value, date):
        return _none()
    left = time_left(value, today)
    return _badge(left.state, left.text, days=left.days, title=value.isoformat())


@register.filter
def days_left(value: date | None) -> int | None:
    """Calendar days from today to `value` (negative when passed); None without a date."""
    if not isinstance(value, date):
        return None
    return deadlines.days_left(value, timezone.localdate())
