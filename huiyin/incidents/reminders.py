"""Overdue reports upward in the bell: ``huiyin tick`` reminds once of each incident whose first
report, or first written report, is past its limit and still not recorded.

Registered with :func:`huiyin.cases.reminders.register_tick` in ``IncidentsConfig.ready()``.
The reminders are the case core's :class:`~huiyin.cases.models.Notification` rows (the bell
counts them; the notification opens the incident's page), kind "overdue", one per person,
incident and day as for the statutory clocks: a first and a written report overdue the same
day share one notification naming both.

Once: each limit is claimed with a conditional UPDATE of ``Incident.first_reminded_for`` /
``written_reminded_for`` (the due moment reminded about) in the transaction that writes the
notifications, so two copies of tick never remind twice; a changed limit or grade (a new due
moment) is reminded again.

Who is told, through the one door (``Case.objects.visible_to``): the leader in charge, the
case's handler, and the holders of Perm.INCIDENTS_REPORT whose scope covers the incident (the
duty office, the community's or grid's workers) — the core's rule for a kind's manage
permission.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.models import Notification
from huiyin.cases.reminders import _grants, _visible_cases, recipients
from huiyin.incidents import reporting
from huiyin.incidents.models import Incident, Report, Status

logger = logging.getLogger("huiyin.tick")

COLUMNS = {reporting.FIRST: "first_reminded_for", reporting.WRITTEN: "written_reminded_for"}
#: The codes the notifications carry (not the core's clock codes: the stored message is shown).
CODES = {reporting.FIRST: "incident_first_report", reporting.WRITTEN: "incident_written_report"}


def message(number: str, deadlines: list[reporting.Deadline]) -> str:
    when = timezone.localtime(deadlines[0].due_at, CHINA_TZ).strftime("%Y-%m-%d %H:%M")
    names = "、".join(f"“{d.label}”" for d in deadlines)
    return gettext(
        "%(number)s: %(reports)s was due by %(time)s (%(limit)s after the street learned of it)"
        " and has not been recorded."
    ) % {"number": number, "reports": names, "time": when, "limit": deadlines[0].limit_text}


def _claim(incident: Incident, deadline: reporting.Deadline) -> bool:
    column = COLUMNS[deadline.code]
    claimed = (
        Incident.objects.filter(pk=incident.pk)
        .exclude(**{column: deadline.due_at})
        .update(**{column: deadline.due_at})
    )
    return claimed == 1


def overdue(now: datetime) -> list[tuple[Incident, list[reporting.Deadline]]]:
    """Open incidents with a report limit passed, not recorded and not yet reminded about."""
    incidents = list(
        Incident.objects.filter(case__withdrawn=False)
        .exclude(case__status=Status.CLOSED)
        .select_related("case", "case__category__parent", "case__owner__user", "leader")
        .order_by("learned_at", "pk")
    )
    reports: dict[int, list[Report]] = {}
    for report in Report.objects.filter(incident__in=[i.pk for i in incidents]):
        reports.setdefault(report.incident_id, []).append(report)
    found = []
    for incident in incidents:
        due = [
            d
            for d in reporting.deadlines_of(incident, reports.get(incident.pk, []))
            if d.overdue(now) and getattr(incident, COLUMNS[d.code]) != d.due_at
        ]
        if due:
            found.append((incident, due))
    return found


def remind(now: datetime | None = None) -> tuple[int, int]:
    """(limits reminded, notifications written) — see the module docstring."""
    now = now or timezone.now()
    todo = overdue(now)
    if not todo:
        return 0, 0
    grants = _grants()
    wanted = {}
    for incident, _due in todo:
        people = recipients(incident.case, Notification.Kind.OVERDUE, grants)
        if incident.leader is not None and incident.leader.user_id:
            people.add(incident.leader.user_id)
        wanted[incident.pk] = people
    visible = _visible_cases(set().union(*wanted.values()), set(wanted))
    limits = written = 0
    with translation.override(settings.LANGUAGE_CODE):
        for incident, due in todo:
            people = sorted(u for u in wanted[incident.pk] if incident.pk in visible.get(u, ()))
            with transaction.atomic():
                claimed = [d for d in due if _claim(incident, d)]
                if not claimed:
                    continue
                limits += len(claimed)
                written += _notify(incident, claimed, people)
    return limits, written


def _notify(incident: Incident, claimed: list[reporting.Deadline], people: list[int]) -> int:
    day = timezone.localtime(claimed[0].due_at, CHINA_TZ).date()
    kind = Notification.Kind.OVERDUE
    existing = {
        n.recipient_id: n
        for n in Notification.objects.filter(
            case_id=incident.pk, kind=kind, due_on=day, recipient_id__in=people
        )
    }
    changed = []
    for note in existing.values():
        codes = list(dict.fromkeys([*note.codes, *(CODES[d.code] for d in claimed)]))
        if codes != note.codes:
            shown = [d for d in reporting.deadlines_of(incident) if CODES[d.code] in codes]
            note.codes = codes
            note.message = message(incident.case.number, shown or claimed)[:300]
            note.read_at = None
            changed.append(note)
    if changed:
        Notification.objects.bulk_update(changed, ["codes", "message", "read_at"])
    text = message(incident.case.number, claimed)[:300]
    new = [
        Notification(
            recipient_id=user_id,
            case_id=incident.pk,
            kind=kind,
            due_on=day,
            codes=[CODES[d.code] for d in claimed],
            message=text,
        )
        for user_id in people
        if user_id not in existing
    ]
    Notification.objects.bulk_create(new, ignore_conflicts=True)
    return len(new) + len(changed)


def tick_hook(today: date) -> str:
    """What `huiyin tick` runs: now, or the end of `today` when tick was asked about another day."""
    now = timezone.now()
    if today != timezone.localdate(now, CHINA_TZ):
        now = datetime.combine(today, datetime.max.time(), tzinfo=CHINA_TZ)
    limits, written = remind(now)
    return gettext("incidents: %(limits)s reports upward overdue, %(sent)s reminders") % {
        "limits": limits,
        "sent": written,
    }
