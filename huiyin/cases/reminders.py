"""Reminders: in-app notifications for the office's time limits that are due soon or overdue.

``huiyin tick`` (run from cron every few minutes) calls :func:`tick`. One notification per
person, case, kind (due soon / overdue) and due date: the clocks of a case that fall due the
same day (a petition's register/transfer and acceptance notice, 条例 art. 22 and 23, both 15
days from receipt) are reminded together, in one sentence naming them all.

It is safe to run twice at once: each clock is claimed with a conditional UPDATE of its
``reminded_*_for`` column (``filter(pk=..., due_on=D).exclude(reminded_overdue_for=D)
.update(reminded_overdue_for=D)``) in the same transaction that writes the notifications, so
only the copy whose UPDATE changed the row writes them; the clocks of one case and day are
claimed in the same order by every copy. The unique constraint on
:class:`~huiyin.cases.models.Notification` (recipient, case, kind, due_on) is the database's
own guarantee; a clock that joins a day already reminded (an extension moved it there) is
added to the existing notification, which becomes unread again. On PostgreSQL the second
copy's UPDATE waits for the first's row lock and then finds the row already claimed; SQLite
serialises writers.

Who is told, for a clock of the office (never a petitioner's window):

* the person who owns the case, or — when nobody does yet — the handlers of its owner unit;
* the office that decides on the matter (for petitions the clerks, Perm.PETITIONS_DECIDE)
  whose scope covers the case;
* once it is overdue, also the leaders (Perm.PETITIONS_APPROVE) whose scope covers it.

Everyone is checked through the one door, ``Case.objects.visible_to``: a person who may not
see a case (a petition about their own unit, 条例 art. 30/46) is never told about it.

Clocks of another body (the body one level up answering a review or re-examination, 条例
art. 35, 36, when it is not this office) bind that body, not the street: they are never reminded
as the street's, never escalated, never "overdue" for the street. Those following the matter —
the same people as above, without the leaders — see them as information
(:func:`other_body_clocks`): a separate badge on the bell and a section of the notifications
page, "由上一级机关办理：…", read live from the clocks, never counted with the unread reminders.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext

from huiyin.cases import bounds
from huiyin.cases import clocks as clock_service
from huiyin.cases.deadlines import LIMITS
from huiyin.cases.kinds import KINDS, Kind, spec
from huiyin.cases.models import Case, Clock, Notification, limit_order, notification_text
from huiyin.org.access import reach_of
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
    notifications: int = 0  # notifications written or given another clock
    windows_closed: int = 0
    skipped: int = 0  # clocks whose row could not be handled (logged)
    lines: list[str] = field(default_factory=list)  # what the other apps' tick hooks report

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
    street_id: int | None = None

    def covers(self, case: Case) -> bool:
        if not (self.community_id or self.grid_id or self.unit_id):
            return self.street_id == case.street_id  # the whole street: its own only
        return bool(
            (self.community_id and self.community_id == case.community_id)
            or (self.grid_id and self.grid_id == case.grid_id)
            or (self.unit_id and self.unit_id == case.owner_unit_id)
        )


def _grants() -> list[_Grant]:
    """Every role grant of an active account, with its role's permissions (one query)."""
    from huiyin.org.models import RoleGrant

    rows = RoleGrant.objects.filter(staff__user__is_active=True).values_list(
        "staff__user_id", "role", "community_id", "grid_id", "unit_id", "street_id"
    )
    return [
        _Grant(user_id, ROLE_PERMISSIONS.get(role, frozenset()), community, grid, unit, street)
        for user_id, role, community, grid, unit, street in rows
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


def _message(case: Case, clocks: list[Clock], kind: str, due_on: date) -> str:
    return notification_text(kind, case.number, [clock.label for clock in clocks], due_on)


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
            # A clock suspended for a hearing (条例 art. 36) is not running: nothing is due.
            suspended_on__isnull=True,
            party=Clock.Party.OFFICE,
            case__withdrawn=False,
            due_on__lte=bounds.add_days(today, days),
        )
        .select_related("case", "case__owner__user")
        .order_by("due_on", "id")
    )
    # Skip what is already reminded before doing any work for it; group the rest by case,
    # kind and due date: one notification each.
    todo: dict[tuple[int, str, date], list[Clock]] = {}
    for clock in due:
        if clock.due_on < today:
            kind, seen = Notification.Kind.OVERDUE, clock.reminded_overdue_for
        else:
            kind, seen = Notification.Kind.DUE_SOON, clock.reminded_soon_for
        if seen != clock.due_on:
            todo.setdefault((clock.case_id, kind, clock.due_on), []).append(clock)
    if not todo:
        return result

    grants = _grants()
    wanted = {key: recipients(clocks[0].case, key[1], grants) for key, clocks in todo.items()}
    visible = _visible_cases(set().union(*wanted.values()), {key[0] for key in todo})
    with translation.override(settings.LANGUAGE_CODE):
        for key, clocks in todo.items():
            clocks.sort(key=lambda c: (limit_order(c.code), c.pk))
            try:
                sent = _send(clocks, key[1], wanted[key], visible)
            except (ArithmeticError, ValueError, DatabaseError):
                # One bad row (an absurd date stored before the checks) is logged and skipped:
                # the other reminders still go out.
                logger.exception("tick: clocks of case %s skipped", key[0])
                result.skipped += len(clocks)
                continue
            if sent is None:
                continue  # another copy of tick has them
            claimed, written = sent
            if key[1] == Notification.Kind.OVERDUE:
                result.overdue += claimed
            else:
                result.due_soon += claimed
            result.notifications += written
    return result


def _send(
    clocks: list[Clock], kind: str, wanted: set[int], visible: dict[int, set[int]]
) -> tuple[int, int] | None:
    """Write the notifications of one case's clocks due the same day, one per person.

    Returns (clocks claimed, notifications written or extended), or None when another copy of
    tick claimed them all.
    """
    first = clocks[0]
    case, due_on = first.case, first.due_on
    people = sorted(u for u in wanted if case.pk in visible.get(u, ()))
    with transaction.atomic():
        claimed = [clock for clock in clocks if _claim(clock, kind)]
        if not claimed:
            return None
        same_day = Notification.objects.filter(case_id=case.pk, kind=kind, due_on=due_on)
        existing = {
            n.recipient_id: n
            for n in same_day.filter(recipient_id__in=people).select_related("clock")
        }
        extended = []
        for note in existing.values():
            codes = set(note.codes) | {clock.code for clock in claimed}
            if note.clock_id is not None and not note.codes:
                codes.add(note.clock.code)
            if codes != set(note.codes):
                note.codes = sorted(codes, key=limit_order)
                labels = [str(LIMITS[c].label) for c in note.codes if c in LIMITS]
                note.message = notification_text(kind, case.number, labels, due_on)[:300]
                note.read_at = None  # a further limit: worth reading again
                extended.append(note)
        if extended:
            Notification.objects.bulk_update(extended, ["codes", "message", "read_at"])
        message = _message(case, claimed, kind, due_on)[:300]
        new = [
            Notification(
                recipient_id=user_id,
                case_id=case.pk,
                clock=claimed[0],
                kind=kind,
                due_on=due_on,
                codes=[clock.code for clock in claimed],
                message=message,
            )
            for user_id in people
            if user_id not in existing
        ]
        Notification.objects.bulk_create(new, ignore_conflicts=True)
    return len(claimed), len(new) + len(extended)


def _following_q(user) -> Q:
    """The cases `user` follows, as :func:`recipients` chooses them for a due-soon reminder:
    those they own, those of their unit that nobody owns yet, and those in the scope of the
    kind's deciding office (for petitions the clerks). On Clock rows (``case__``)."""
    reach = reach_of(user)
    following = Q(case__owner__user=user)
    for kind, kind_spec in KINDS.items():
        office = reach.scope(kind_spec.manage_perm)
        if not office.empty:
            following |= Q(case__kind=kind) & office.q(
                street="case__street",
                community="case__community",
                grid="case__grid",
                unit="case__owner_unit",
            )
        units: set[int] = set()
        for perm in kind_spec.work_perms:
            units |= reach.scope(perm).unit_ids
        if units:
            following |= Q(case__kind=kind, case__owner__isnull=True, case__owner_unit_id__in=units)
    return following


def other_body_clocks(user, today: date | None = None, *, days: int | None = None) -> QuerySet:
    """The running clocks of another body (a review or re-examination answered one level up,
    条例 art. 35, 36) on the cases `user` follows and may see, due within `days` (the reminder
    days) or past their due date: information for the clerk following the matter, never the
    street's own reminders or overdue. Nearest due date first. A clock suspended for a hearing
    is not due."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Clock.objects.none()
    today = today or timezone.localdate()
    days = remind_days() if days is None else days
    running = Clock.objects.filter(
        party=Clock.Party.OTHER_BODY,
        stopped_at__isnull=True,
        suspended_on__isnull=True,
        due_on__lte=bounds.add_days(today, days),
    )
    # This runs on every page (the bell). Few clocks run for another body at any time: find
    # them first (a partial index), then ask the one door about their cases only — never a
    # pass over everything the person may see, whose cost grows with the history.
    followed = list(
        running.filter(_following_q(user), case__withdrawn=False).values_list("case_id", flat=True)[
            :OTHER_BODY_MAX
        ]
    )
    visible = (
        list(Case.objects.visible_to(user).filter(pk__in=followed).values_list("pk", flat=True))
        if followed
        else []
    )
    return running.filter(case_id__in=visible).select_related("case").order_by("due_on", "id")


#: At most this many of another body's clocks are shown to one person (a street has a few).
OTHER_BODY_MAX = 200


def _visible_cases(user_ids: set[int], case_ids: set[int]) -> dict[int, set[int]]:
    """For each account, which of `case_ids` it may see (through the one door)."""
    visible: dict[int, set[int]] = {}
    for user in get_user_model().objects.filter(pk__in=user_ids, is_active=True):
        visible[user.pk] = set(
            Case.objects.visible_to(user).filter(pk__in=case_ids).values_list("pk", flat=True)
        )
    return visible


#: Other periodic work, run by :func:`tick` after the case reminders: ``hook(today)`` returns
#: a line for `huiyin tick` to print (or None). Apps add theirs with :func:`register_tick`.
_tick_hooks: list[Callable[[date], str | None]] = []


def register_tick(hook: Callable[[date], str | None]) -> None:
    """Run `hook(today)` on every tick (an app's reminders); apps call this in `ready()`."""
    if hook not in _tick_hooks:
        _tick_hooks.append(hook)


def tick(today: date | None = None, *, days: int | None = None) -> TickResult:
    """What cron runs: close the petitioner's lapsed windows, send the reminders, then the
    other apps' periodic work (each on its own: one failing does not stop the others)."""
    today = today or timezone.localdate()
    closed = 0
    close = getattr(clock_service, "close_lapsed_windows", None)
    if close is not None:
        closed = close(today)
    result = remind(today, days=days)
    result.windows_closed = closed
    for hook in list(_tick_hooks):
        try:
            line = hook(today)
        except (ArithmeticError, ValueError, DatabaseError):
            logger.exception("tick: %s failed", getattr(hook, "__qualname__", hook))
            continue
        if line:
            logger.info("%s", line)
            result.lines.append(line)
    return result
