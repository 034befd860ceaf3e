"""Reminders from ``huiyin tick``: overdue rectifications, and sensitive periods' daily reports.

Registered with :func:`huiyin.cases.reminders.register_tick` in ``PatrolsConfig.ready()``.

**Rectifications.** Once a rectification's deadline has passed and it is not done, the people
who take its steps are told once — those holding Perm.INSPECTIONS_RECORD or PATROLS_RECORD on
its grid or its community — and the street-wide office that runs inspections (Perm.PATROLS_MANAGE).
Once per rectification and deadline: a failed re-inspection gives a new deadline, reminded
again when that one passes. The rectification is claimed with a conditional UPDATE of its
``reminded_overdue_for`` in the transaction that writes the notices (as the case clocks are),
so two copies of tick never remind twice; the unique constraint is the database's guarantee.

**Daily reports.** During a sensitive period: "due soon" from ``HUIYIN_SENSITIVE_REMIND_HOURS``
(default 12) before a day's deadline, and "missed" once it has passed (only the latest missed
day: a tick that did not run for days floods nobody). Who is told is the weekly screening's
rule (huiyin.screening.reminders.recipients) over the holders of Perm.INCIDENTS_REPORT: the
community's own, else the street's; a missed report goes to the street's as well. Once per
period, community, day and kind: inserting a :class:`DailyReminderClaim` is the claim.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import SimpleNamespace

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import translation
from django.utils.translation import gettext

from huiyin.org.roles import ROLE_PERMISSIONS, Perm
from huiyin.patrols.models import (
    DailyNotice,
    DailyReminderClaim,
    DailyReport,
    Rectification,
    RectificationNotice,
    SensitivePeriod,
)
from huiyin.patrols.services import sensitive
from huiyin.patrols.services.inspections import overdue_q
from huiyin.screening import periods
from huiyin.screening import reminders as screening

logger = logging.getLogger("huiyin.tick")

DEFAULT_REMIND_HOURS = 12


def remind_hours() -> int:
    value = getattr(settings, "HUIYIN_SENSITIVE_REMIND_HOURS", DEFAULT_REMIND_HOURS)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 48:
        return DEFAULT_REMIND_HOURS
    return value


@dataclass
class Result:
    overdue: int = 0  # rectifications reminded as overdue
    due_soon: int = 0  # daily reports reminded as due soon
    missed: int = 0  # daily reports reminded as missed
    notices: int = 0

    def summary(self) -> str:
        return gettext(
            "patrols: %(overdue)s rectifications overdue, %(soon)s daily reports due soon,"
            " %(missed)s missed, %(sent)s reminders"
        ) % {
            "overdue": self.overdue,
            "soon": self.due_soon,
            "missed": self.missed,
            "sent": self.notices,
        }


# --------------------------------------------------------------------------- rectifications


def _holders(perms) -> list[tuple[int, frozenset, int | None, int | None, int]]:
    from huiyin.org.models import RoleGrant

    roles = [r for r, held in ROLE_PERMISSIONS.items() if set(perms) & held]
    rows = RoleGrant.objects.filter(role__in=roles, staff__user__is_active=True).values_list(
        "staff__user_id", "role", "community_id", "grid_id", "street_id"
    )
    return [(uid, ROLE_PERMISSIONS[role], c, g, st) for uid, role, c, g, st in rows]


def rectification_recipients(rectification: Rectification, grants) -> set[int]:
    """Who is told that `rectification` is overdue (see the module docstring)."""
    work = {Perm.INSPECTIONS_RECORD, Perm.PATROLS_RECORD}
    people = set()
    for user_id, perms, community_id, grid_id, street_id in grants:
        local = (grid_id and grid_id == rectification.grid_id) or (
            community_id and not grid_id and community_id == rectification.community_id
        )
        # The whole street's managers: of the rectification's own street only.
        street_wide = (
            not community_id and not grid_id and street_id == rectification.community.street_id
        )
        if (local and work & perms) or (street_wide and Perm.PATROLS_MANAGE in perms):
            people.add(user_id)
    return people


def rectification_message(rectification: Rectification) -> str:
    place = rectification.place.name if rectification.place_id else rectification.community.name
    return gettext(
        "Rectification overdue: “%(item)s” at %(place)s was due by %(deadline)s and is not done."
    ) % {
        "item": rectification.item[:60],
        "place": place,
        "deadline": rectification.deadline.isoformat(),
    }


def remind_rectifications(on: date, moment: datetime, result: Result) -> None:
    due = list(
        Rectification.objects.filter(overdue_q(on))
        .exclude(reminded_overdue_for=F("deadline"))
        .select_related("place", "community")
        .order_by("deadline", "pk")
    )
    if not due:
        return
    grants = _holders({Perm.INSPECTIONS_RECORD, Perm.PATROLS_RECORD, Perm.PATROLS_MANAGE})
    for rectification in due:
        people = sorted(rectification_recipients(rectification, grants))
        message = rectification_message(rectification)[:300]
        with transaction.atomic():
            claimed = (
                Rectification.objects.filter(pk=rectification.pk, deadline=rectification.deadline)
                .exclude(reminded_overdue_for=rectification.deadline)
                .update(reminded_overdue_for=rectification.deadline)
            )
            if claimed != 1:
                continue  # another copy of tick has it
            RectificationNotice.objects.bulk_create(
                [
                    RectificationNotice(
                        recipient_id=user_id,
                        rectification=rectification,
                        deadline=rectification.deadline,
                        message=message,
                        created_at=moment,
                    )
                    for user_id in people
                ],
                ignore_conflicts=True,
            )
        result.overdue += 1
        result.notices += len(people)


# --------------------------------------------------------------------------- daily reports


def _daily_due(period: SensitivePeriod, moment: datetime) -> list[tuple[date, str]]:
    """(day, kind) to remind about at `moment` for `period`."""
    today = periods.today(moment)
    out = []
    # Missed: the latest day of the period whose deadline has passed.
    on = min(today, period.ends_on)
    while on >= period.starts_on and sensitive.deadline_of(on) >= moment:
        on -= timedelta(days=1)
    if on >= period.starts_on:
        out.append((on, DailyNotice.Kind.MISSED))
    # Due soon: the days begun whose deadline is within the window.
    window = timedelta(hours=remind_hours())
    for day in sorted({on + timedelta(days=1), on + timedelta(days=2)}):
        if period.starts_on <= day <= min(today, period.ends_on):
            deadline = sensitive.deadline_of(day)
            if deadline - window <= moment <= deadline:
                out.append((day, DailyNotice.Kind.DUE_SOON))
    return out


def _daily_message(kind: str, community, day: date) -> str:
    params = {
        "community": community.name,
        "day": day.isoformat(),
        "deadline": sensitive.deadline_of(day).strftime("%Y-%m-%d %H:%M"),
    }
    if kind == DailyNotice.Kind.MISSED:
        return (
            gettext(
                "%(community)s: the daily report for %(day)s was due by %(deadline)s and has"
                " not been filed."
            )
            % params
        )
    return gettext("%(community)s: the daily report for %(day)s is due by %(deadline)s.") % params


def remind_daily(moment: datetime, result: Result) -> None:
    today = periods.today(moment)
    lag = sensitive.deadline_days() + 1
    running = SensitivePeriod.objects.filter(
        starts_on__lte=today, ends_on__gte=today - timedelta(days=lag)
    ).order_by("pk")
    grants = None
    for period in running:
        communities = sensitive.communities_in_view(None, period)
        for day, kind in _daily_due(period, moment):
            filed = set(
                DailyReport.objects.filter(period=period, day=day).values_list(
                    "community_id", flat=True
                )
            )
            claimed = set(
                DailyReminderClaim.objects.filter(period=period, day=day, kind=kind).values_list(
                    "community_id", flat=True
                )
            )
            todo = [c for c in communities if c.pk not in filed | claimed]
            if not todo:
                continue
            if grants is None:
                grants = screening.holders(sensitive.FILE_PERM)
            for community in todo:
                body = SimpleNamespace(
                    grid_id=None,
                    unit_id=None,
                    community_id=community.pk,
                    street_id=community.street_id,
                )
                people = sorted(screening.recipients(body, kind, grants))
                message = _daily_message(kind, community, day)[:300]
                try:
                    with transaction.atomic():
                        DailyReminderClaim.objects.create(
                            period=period, community=community, day=day, kind=kind
                        )
                        DailyNotice.objects.bulk_create(
                            [
                                DailyNotice(
                                    recipient_id=user_id,
                                    period=period,
                                    community=community,
                                    day=day,
                                    kind=kind,
                                    message=message,
                                    created_at=moment,
                                )
                                for user_id in people
                            ],
                            ignore_conflicts=True,
                        )
                except IntegrityError:
                    continue  # another copy of tick claimed it
                if kind == DailyNotice.Kind.MISSED:
                    result.missed += 1
                else:
                    result.due_soon += 1
                result.notices += len(people)


def remind(moment: datetime | None = None) -> Result:
    moment = moment or periods.now()
    result = Result()
    with translation.override(settings.LANGUAGE_CODE):
        remind_rectifications(periods.today(moment), moment, result)
        remind_daily(moment, result)
    return result


def tick_hook(today: date) -> str:
    """What `huiyin tick` runs: now, or the end of `today` when tick was asked about another
    day."""
    moment = periods.now()
    if today != periods.today(moment):
        moment = datetime.combine(today, datetime.max.time(), tzinfo=periods.CHINA_TZ)
    return remind(moment).summary()
