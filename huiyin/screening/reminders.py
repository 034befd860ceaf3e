"""Screening reminders from ``huiyin tick``: a body's report due soon, and missed.

Registered with :func:`huiyin.cases.reminders.register_tick` in ``ScreeningConfig.ready()``.
Each tick first gives new communities and grids their duty (``services.ensure_duties``),
then, for the periods around now:

* **due soon** — from ``HUIYIN_SCREENING_REMIND_HOURS`` (default 72: the Friday noon before a
  Monday-noon deadline) until the deadline, for each body that has not filed;
* **missed** — once the deadline has passed, for each body that still has not filed; only
  for the latest period whose deadline has passed (a tick that did not run for weeks does
  not flood anyone with old periods).

Once per body, period and kind, as the case reminders do for clocks: the duty is claimed with
a conditional UPDATE of its ``reminded_*_for`` column in the transaction that writes the
notices, so two copies of tick never remind twice; the unique constraint on
:class:`ScreeningNotice` is the database's own guarantee.

Who is told (holders of Perm.DISPUTES_SCREEN, accounts active): those whose grant is on the
body itself (the grid's workers, the community's, the unit's) — or, when nobody holds one,
the nearest level up that has someone (a grid's community, else the whole street). A missed
report is told to the next level up as well: the community of a grid, the street-wide
screeners (综治办) for a community or a unit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import formats, translation
from django.utils.translation import gettext

from huiyin.org.roles import ROLE_PERMISSIONS, Perm
from huiyin.screening import periods
from huiyin.screening.bodies import active_q
from huiyin.screening.models import ScreeningDuty, ScreeningNotice, ScreeningReport
from huiyin.screening.services import ensure_duties

logger = logging.getLogger("huiyin.tick")

DEFAULT_REMIND_HOURS = 72


def remind_hours() -> int:
    value = getattr(settings, "HUIYIN_SCREENING_REMIND_HOURS", DEFAULT_REMIND_HOURS)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 24 * 31:
        raise ImproperlyConfigured(
            f"HUIYIN_SCREENING_REMIND_HOURS must be a number of hours, 0 to 744, not {value!r}"
        )
    return value


@dataclass
class Result:
    duties_made: int = 0
    due_soon: int = 0  # bodies reminded as due soon
    missed: int = 0  # bodies reminded as missed
    notices: int = 0

    def summary(self) -> str:
        return gettext(
            "screening: %(soon)s reports due soon, %(missed)s missed, %(sent)s reminders"
        ) % {"soon": self.due_soon, "missed": self.missed, "sent": self.notices}


@dataclass(frozen=True)
class _Grant:
    user_id: int
    community_id: int | None
    grid_id: int | None
    unit_id: int | None
    street_id: int | None = None

    @property
    def street_wide(self) -> bool:
        return not (self.community_id or self.grid_id or self.unit_id)


def holders(perm: str = Perm.DISPUTES_SCREEN) -> list[_Grant]:
    """The grants of active accounts whose role carries `perm` (the screeners by default; the
    sensitive periods' daily reports, huiyin.patrols, ask for the incident reporters)."""
    from huiyin.org.models import RoleGrant

    screeners = [r for r, perms in ROLE_PERMISSIONS.items() if perm in perms]
    rows = RoleGrant.objects.filter(role__in=screeners, staff__user__is_active=True).values_list(
        "staff__user_id", "community_id", "grid_id", "unit_id", "street_id"
    )
    return [_Grant(*row) for row in rows]


def recipients(duty: ScreeningDuty, kind: str, grants: list[_Grant]) -> set[int]:
    """The accounts to tell about `duty`'s report (see the module docstring).

    The levels over a body, nearest first: its own holders, its community's (for a grid),
    the whole street's. Due soon goes to the nearest level that has anyone; missed goes to
    that level and to the next one above it that has anyone.
    """
    # The whole street's holders: of the body's own street only.
    street = {g.user_id for g in grants if g.street_wide and g.street_id == duty.street_id}
    if duty.grid_id:
        levels = [
            {g.user_id for g in grants if g.grid_id == duty.grid_id},
            {g.user_id for g in grants if g.community_id == duty.community_id},
            street,
        ]
    elif duty.unit_id:
        levels = [{g.user_id for g in grants if g.unit_id == duty.unit_id}, street]
    else:
        levels = [{g.user_id for g in grants if g.community_id == duty.community_id}, street]
    found = [level for level in levels if level]
    if not found:
        return set()
    if kind == ScreeningNotice.Kind.MISSED and len(found) > 1:
        return found[0] | found[1]
    return set(found[0])


def _message(kind: str, name: str, period: periods.Period, deadline: datetime) -> str:
    params = {
        "body": name,
        "period": period.label,
        "deadline": formats.date_format(deadline.astimezone(periods.CHINA_TZ), "Y-m-d H:i"),
    }
    if kind == ScreeningNotice.Kind.MISSED:
        return (
            gettext(
                "%(body)s: the screening report for %(period)s was due by %(deadline)s"
                " and has not been filed."
            )
            % params
        )
    return gettext("%(body)s: the screening report for %(period)s is due by %(deadline)s.") % params


def _claim(duty: ScreeningDuty, kind: str, period: periods.Period) -> bool:
    column = "reminded_missed_for" if kind == ScreeningNotice.Kind.MISSED else "reminded_soon_for"
    claimed = (
        ScreeningDuty.objects.filter(pk=duty.pk)
        .exclude(**{column: period.start})
        .update(**{column: period.start})
    )
    return claimed == 1


def _due(moment: datetime) -> list[tuple[periods.Period, str]]:
    """(period, kind) to remind about at `moment`."""
    window = timedelta(hours=remind_hours())
    current = periods.current(moment)
    missed = periods.last_missed(moment)
    out = [(missed, ScreeningNotice.Kind.MISSED)]
    candidate = missed.next()
    while candidate.start <= current.start:
        deadline = periods.deadline_of(candidate)
        if deadline - window <= moment <= deadline:
            out.append((candidate, ScreeningNotice.Kind.DUE_SOON))
        candidate = candidate.next()
    return out


def remind(moment: datetime | None = None) -> Result:
    """Give new bodies their duty, then remind of the reports due soon or missed, once each."""
    moment = moment or periods.now()
    result = Result(duties_made=ensure_duties())
    grants: list[_Grant] | None = None
    with translation.override(settings.LANGUAGE_CODE):
        for period, kind in _due(moment):
            column = (
                "reminded_missed_for"
                if kind == ScreeningNotice.Kind.MISSED
                else "reminded_soon_for"
            )
            filed = {
                _key(*row)
                for row in ScreeningReport.objects.filter(
                    period_start=period.start, period_end=period.end
                ).values_list("grid_id", "unit_id", "community_id")
            }
            todo = [
                duty
                for duty in ScreeningDuty.objects.filter(active_q(period.start, period.end))
                .exclude(**{column: period.start})
                .select_related("community", "grid__community", "unit")
                .order_by("pk")
                if duty.body_key not in filed
            ]
            if not todo:
                continue
            if grants is None:
                grants = holders()
            deadline = periods.deadline_of(period)
            for duty in todo:
                sent = _send(duty, kind, period, deadline, moment, grants)
                if sent is None:
                    continue
                if kind == ScreeningNotice.Kind.MISSED:
                    result.missed += 1
                else:
                    result.due_soon += 1
                result.notices += sent
    return result


def _key(grid_id: int | None, unit_id: int | None, community_id: int | None) -> tuple[str, int]:
    """The body key of a row's columns (as ScreeningDuty.body_key gives it)."""
    if grid_id:
        return "grid", grid_id
    if unit_id:
        return "unit", unit_id
    return "community", community_id


def _send(
    duty: ScreeningDuty,
    kind: str,
    period: periods.Period,
    deadline: datetime,
    moment: datetime,
    grants: list[_Grant],
) -> int | None:
    """Write one duty's notices; None when another copy of tick claimed it first."""
    people = sorted(recipients(duty, kind, grants))
    message = _message(kind, duty.body_name, period, deadline)[:300]
    with transaction.atomic():
        if not _claim(duty, kind, period):
            return None
        rows = [
            ScreeningNotice(
                recipient_id=user_id,
                duty=duty,
                period_start=period.start,
                period_end=period.end,
                deadline=deadline,
                kind=kind,
                message=message,
                created_at=moment,
            )
            for user_id in people
        ]
        ScreeningNotice.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def tick_hook(today: date) -> str:
    """What `huiyin tick` runs (registered in ready()): now, or the end of `today` when tick
    was asked about another day."""
    moment = periods.now()
    if today != periods.today(moment):
        moment = datetime.combine(today, datetime.max.time(), tzinfo=periods.CHINA_TZ)
    return remind(moment).summary()
