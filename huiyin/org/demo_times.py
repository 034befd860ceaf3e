"""The demo's history at the moments it happened, not the moment it was loaded.

The demo loaders give the past the way a clerk entering late paperwork gives it (``received_at``,
``decided_on``, ...), but the services stamp what they write with the moment of loading: a
petition received 40 days ago would show its registration, acceptance and assignment all at
"today 21:30". So each loader runs every step inside :func:`happened`, with the moment the step
took place: when the step is done, the timeline events it added (``CaseEvent.at``) and the
moments it stamped on its cases (``closed_at``, ``updated_at``, a stopped clock's
``stopped_at``) are moved to that moment.

A moment is kept inside what the case allows: never before the case was received, never after
now, and a step planned the same day as the case's latest event comes a few minutes after it. Dates the services were given (due dates, ``decided_on`` ...) are not touched:
the statutory clocks stay as the services computed them. Audit entries are not touched either:
they are the hash-chained record of what was written, and it was written at loading.

Timeline rows are append-only for the application (``AppendOnlyQuerySet`` refuses updates);
the demo moves rows it has just written itself, inside its own transaction, before anyone has
read them, with a plain queryset. Nothing else may.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

from django.db import models
from django.db.models import Max
from django.utils import timezone

from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.models import Case, CaseEvent, Clock

#: Office hours a step is put in (Beijing): the morning and the afternoon, lunch left out.
MORNING = (time(8, 40), time(11, 50))
AFTERNOON = (time(14, 0), time(17, 30))


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def working_moment(day: date, seed: int, step: int = 0) -> datetime:
    """A moment in office hours of `day` (Beijing), spread by `seed` (a case, a plan) and
    `step` (its place among the case's steps) so that the street's steps of one day do not all
    share a minute. Two steps of one case on one day keep their order whatever this gives:
    :func:`happened` puts a step that would come first just after the other."""
    slots = [(_minutes(a), _minutes(b)) for a, b in (MORNING, AFTERNOON)]
    span = sum(b - a for a, b in slots)
    offset = (seed * 47 + step * 131) % span
    for start, end in slots:
        if offset < end - start:
            minute = start + offset
            break
        offset -= end - start
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=CHINA_TZ)


def at_day(moment: datetime | date, hhmm: str) -> datetime:
    """`hhmm` on the Beijing day of `moment`."""
    day = moment if not isinstance(moment, datetime) else timezone.localdate(moment, CHINA_TZ)
    hour, minute = (int(part) for part in hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=CHINA_TZ)


@contextmanager
def happened(moment: datetime) -> Iterator[None]:
    """Run the services of one step inside: what they stamped is moved to `moment`."""
    first = CaseEvent.objects.aggregate(last=Max("pk"))["last"] or 0
    started = timezone.now()
    yield
    settle(first, started, moment)


def settle(first: int, started: datetime, moment: datetime) -> None:
    """Move the events after id `first`, and the case moments stamped since `started`, to
    `moment`, kept within each case's own times and now."""
    added: dict[int, list[int]] = {}
    for pk, case_id in CaseEvent.objects.filter(pk__gt=first).values_list("pk", "case_id"):
        added.setdefault(case_id, []).append(pk)
    if not added:
        return
    received = dict(Case.objects.filter(pk__in=added).values_list("pk", "received_at"))
    earlier = dict(
        CaseEvent.objects.filter(case_id__in=added, pk__lte=first)
        .values("case_id")
        .annotate(last=Max("at"))
        .values_list("case_id", "last")
    )
    now = timezone.now()
    # A plain queryset: the timeline's own manager refuses updates (see the module docstring).
    events = models.QuerySet(CaseEvent)
    for case_id, pks in added.items():
        at = _placed(moment, received[case_id], earlier.get(case_id), case_id, now)
        events.filter(pk__in=pks).update(at=at)
        Case.objects.filter(pk=case_id, closed_at__gte=started).update(closed_at=at)
        Case.objects.filter(pk=case_id, updated_at__gte=started).update(updated_at=at)
        Clock.objects.filter(case_id=case_id, stopped_at__gte=started).update(stopped_at=at)


def _placed(
    moment: datetime, received: datetime, last: datetime | None, case_id: int, now: datetime
) -> datetime:
    """`moment`, never before the case was received nor after now; a few minutes after the
    case's latest event when that is later the same day (two steps of one day keep the order
    they were taken in). A step dated days before the case's latest event (a supervision order
    loaded after the petition's later steps) keeps its own day: the timeline sorts by time."""
    at = max(moment, received)
    if last is not None and at < last and _day(at) == _day(last):
        at = last + timedelta(minutes=5 + case_id % 17)
    return min(at, now)


def _day(moment: datetime) -> date:
    return timezone.localdate(moment, CHINA_TZ)
