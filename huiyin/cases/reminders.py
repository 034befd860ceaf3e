"""Reminders: in-app notifications for the office's time limits that are due soon or overdue.

``huiyin tick`` (run from cron every few minutes) calls :func:`tick`. It is safe to run twice
at once: each clock is claimed with a conditional UPDATE of its ``reminded_*_for`` column
(``filter(pk=..., due_on=D).exclude(reminded_overdue_for=D).update(reminded_overdue_for=D)``)
in the same transaction that writes the notifications, so only the copy whose UPDATE changed
the row writes them; the unique constraint on :class:`~huiyin.cases.models.Notification` is
the database's own guarantee. On PostgreSQL the second copy's UPDATE waits for the first's
row lock and then finds the row already claimed; SQLite serialises writers.

Who is told, for a clock of the office (never a petitioner's window):

* the person who owns the case, or — when nobody does yet — the handlers of its owner unit;
* the office that decides on the matter (for petitions the clerks, Perm.PETITIONS_DECIDE)
  whose scope covers the case;
* once it is overdue, also the leaders (Perm.PETITIONS_APPROVE) whose scope covers it.

Everyone is checked through the one door, ``Case.objects.visible_to``: a person who may not
see a case (a petition about their own unit, 条例 art. 30/46) is never told about it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from huiyin.cases import bounds
from huiyin.cases import clocks as clock_service
from huiyin.cases.kinds import Kind, spec
from huiyin.cases.models import Case, Clock, Notification, notification_text
from huiyin.org.roles import ROLE_PERMISSIONS, Perm

logger = logging.getLogger("huiyin.tick")

#: Remind this many days before a due date (0 = on the last day only).
DEFAULT_REMIND_DAYS = 3

#: The permission of those told when a kind's time limit is overdue (the leaders).
ESCALATE_PERMS: dict[str, str] = {Kind.PETITION: Perm.PETITIONS_APPROVE}


def remind_days() -> int:
    return int(getattr(settings, "HUIYIN_REMIND_DAYS", DEFAULT_REMIND_DAYS))


@dataclass
class TickResult:
    due_soon: int = 0  # clocks reminded as due soon
    overdue: int = 0  # clocks reminded as overdue
    notifications: int = 0
    windows_closed: int = 0
    skipped: int = 0  # clocks whose row could not be handled (logged)

    def summary(self) -> str:
        return gettext(
            "tick: %(soon)s due soon, %(overdue)s overdue, %(sent)s notifications,"
            " %(closed)s petitioner windows closed"
        ) % {
            "soon": self.due_soon,
            "overdue": self.overdue,
            "sent": self.notifications,
            "closed": self.windows_closed,
        }


@dataclass(frozen=True)
class _Grant:
    user_id: int
    perms: frozenset[str]
    community_id: int | None
    grid_id: int | None
    unit_id: int | None

    def covers(self, case: Case) -> bool:
        if not (self.community_id or self.grid_id or self.unit_id):
            return True  # the whole street
        return bool(
            (self.community_id and self.community_id == case.community_id)
            or (self.grid_id and self.grid_id == case.grid_id)
            or (self.unit_id and self.unit_id == case.owner_unit_id)
        )


def _grants() -> list[_Grant]:
    """Every role grant of an active account, with its role's permissions (one query)."""
    from huiyin.org.models import RoleGrant

    rows = RoleGrant.objects.filter(staff__user__is_active=True).values_list(
        "staff__user_id", "role", "community_id", "grid_id", "unit_id"
    )
    return [
        _Grant(user_id, ROLE_PERMISSIONS.get(role, frozenset()), community, grid, unit)
        for user_id, role, community, grid, unit in rows
    ]


def recipients(case: Case, kind: str, grants: Iterable[_Grant]) -> set[int]:
    """The ids of the accounts to tell about a clock of `case` (before the visibility check)."""
    kind_spec = spec(case.kind)
    grants = list(grants)
    users: set[int] = set()
    if case.owner_id is not None:
        if case.owner.user.is_active:
            users.add(case.owner.user_id)
    elif case.owner_unit_id is not None:
        work = set(kind_spec.work_perms)
        users |= {g.user_id for g in grants if g.unit_id == case.owner_unit_id and work & g.perms}
    users |= {g.user_id for g in grants if kind_spec.manage_perm in g.perms and g.covers(case)}
    escalate = ESCALATE_PERMS.get(case.kind)
    if kind == Notification.Kind.OVERDUE and escalate:
        users |= {g.user_id for g in grants if escalate in g.perms and g.covers(case)}
    return users


def _message(clock: Clock, kind: str) -> str:
    return notification_text(kind, clock.case.number, clock.label, clock.due_on)


def _claim(clock: Clock, kind: str) -> bool:
    """Take the reminder of this clock's due date for this copy of tick; False if taken."""
    column = "reminded_overdue_for" if kind == Notification.Kind.OVERDUE else "reminded_soon_for"
    claimed = (
        Clock.objects.filter(pk=clock.pk, due_on=clock.due_on, stopped_at__isnull=True)
        .exclude(**{column: clock.due_on})
        .update(**{column: clock.due_on})
    )
    return claimed == 1


def remind(today: date | None = None, *, days: int | None = None) -> TickResult:
    """Notify the people responsible for each office clock due within `days` or overdue, once."""
    today = today or timezone.localdate()
    days = remind_days() if days is None else days
    result = TickResult()
    due = list(
        Clock.objects.filter(
            stopped_at__isnull=True,
            party=Clock.Party.OFFICE,
            case__withdrawn=False,
            due_on__lte=bounds.add_days(today, days),
        )
        .select_related("case", "case__owner__user")
        .order_by("due_on", "id")
    )
    # Skip what is already reminded before doing any work for it.
    todo = []
    for clock in due:
        if clock.due_on < today:
            kind, seen = Notification.Kind.OVERDUE, clock.reminded_overdue_for
        else:
            kind, seen = Notification.Kind.DUE_SOON, clock.reminded_soon_for
        if seen != clock.due_on:
            todo.append((clock, kind))
    if not todo:
        return result

    grants = _grants()
    wanted = {clock.pk: recipients(clock.case, kind, grants) for clock, kind in todo}
    visible = _visible_cases(
        set().union(*wanted.values()), {clock.case_id for clock, _kind in todo}
    )
    with translation.override(settings.LANGUAGE_CODE):
        for clock, kind in todo:
            try:
                sent = _send(clock, kind, wanted[clock.pk], visible)
            except (ArithmeticError, ValueError, DatabaseError):
                # One bad row (an absurd date stored before the checks) is logged and skipped:
                # the other reminders still go out.
                logger.exception("tick: clock %s of case %s skipped", clock.pk, clock.case_id)
                result.skipped += 1
                continue
            if sent is None:
                continue  # another copy of tick has it
            if kind == Notification.Kind.OVERDUE:
                result.overdue += 1
            else:
                result.due_soon += 1
            result.notifications += sent
    return result


def _send(clock: Clock, kind: str, wanted: set[int], visible: dict[int, set[int]]) -> int | None:
    """Write one clock's notifications; how many, or None when another copy claimed it."""
    people = sorted(u for u in wanted if clock.case_id in visible.get(u, ()))
    message = _message(clock, kind)
    with transaction.atomic():
        if not _claim(clock, kind):
            return None
        Notification.objects.bulk_create(
            [
                Notification(
                    recipient_id=user_id,
                    case_id=clock.case_id,
                    clock=clock,
                    kind=kind,
                    due_on=clock.due_on,
                    message=message[:300],
                )
                for user_id in people
            ],
            ignore_conflicts=True,
        )
    return len(people)


def _visible_cases(user_ids: set[int], case_ids: set[int]) -> dict[int, set[int]]:
    """For each account, which of `case_ids` it may see (through the one door)."""
    visible: dict[int, set[int]] = {}
    for user in get_user_model().objects.filter(pk__in=user_ids, is_active=True):
        visible[user.pk] = set(
            Case.objects.visible_to(user).filter(pk__in=case_ids).values_list("pk", flat=True)
        )
    return visible


def tick(today: date | None = None, *, days: int | None = None) -> TickResult:
    """What cron runs: close the petitioner's lapsed windows, then send the reminders."""
    today = today or timezone.localdate()
    closed = 0
    close = getattr(clock_service, "close_lapsed_windows", None)
    if close is not None:
        closed = close(today)
    result = remind(today, days=days)
    result.windows_closed = closed
    return result
