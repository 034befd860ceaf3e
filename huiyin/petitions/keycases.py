"""Key cases (包案, "五个一") of petitions and disputes: one mechanism and one board.

"对重点信访和矛盾纠纷，落实'五个一'的包案责任": one leader, one team, one plan, one time
limit, seen through. A key case hangs on the case itself, whatever its kind; what differs per
kind is only who may mark it and who works on it (:data:`RULES`). The model lives in the
petitions app because petitions were the first kind to have it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huiyin.cases.exceptions import TransitionRefused
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case, CaseEvent, _staff_id
from huiyin.cases.services import holds
from huiyin.cases.workflow import status_label
from huiyin.org.access import reach_of
from huiyin.org.models import Staff, Unit
from huiyin.org.roles import Perm
from huiyin.petitions.models import KeyCase, KeyCaseProgress, Petition
from huiyin.petitions.services import (
    MSG_CHOICE,
    MSG_COMPLAINED_UNIT,
    MSG_KEY_CASE_EXISTS,
    MSG_NO_PERM,
    MSG_NOT_A_LEADER,
    MSG_PLAN,
    MSG_PROGRESS_EMPTY,
    MSG_REQUIRED,
    MSG_TIME_LIMIT_PAST,
    MSG_UNIT,
    PetitionInvalid,
    _approvers,
    _Errors,
    _resolve,
    _text,
)

MSG_KIND = _("Only petitions and disputes can be key cases.")


@dataclass(frozen=True)
class KindRules:
    """Who may mark a case of the kind (over the case), and who works on it besides the
    leader and the team. `street_wide` perms count only when held for the whole street: a
    grid worker screening disputes does not name a leader to 包案."""

    mark: tuple[str, ...]
    mark_street_wide: tuple[str, ...]
    work: tuple[str, ...]


RULES: dict[str, KindRules] = {
    Kind.PETITION: KindRules(
        mark=(Perm.PETITIONS_APPROVE, Perm.PETITIONS_DECIDE),
        mark_street_wide=(),
        work=(Perm.PETITIONS_APPROVE, Perm.PETITIONS_DECIDE),
    ),
    Kind.DISPUTE: KindRules(
        mark=(Perm.PETITIONS_APPROVE,),
        mark_street_wide=(Perm.DISPUTES_SCREEN,),
        work=(Perm.PETITIONS_APPROVE, Perm.DISPUTES_SCREEN, Perm.DISPUTES_MEDIATE),
    ),
}

#: Who may see the board at all: anyone who sees petitions or disputes (the rows are still
#: what ``Case.objects.visible_to`` lets each person see).
BOARD_PERMS = (Perm.PETITIONS_VIEW, Perm.DISPUTES_VIEW)


def may_mark(actor, case: Case) -> bool:
    """Whether `actor` may make `case` a key case."""
    rules = RULES.get(case.kind)
    if rules is None:
        return False
    if holds(actor, case, *rules.mark):
        return True
    reach = reach_of(actor)
    return any(
        case.street_id in reach.scope(perm).street_ids and holds(actor, case, perm)
        for perm in rules.mark_street_wide
    )


def may_mark_any(actor) -> bool:
    """Whether `actor` could mark some case (the board's "mark" hint)."""
    reach = reach_of(actor)
    return any(reach.can(p) for rules in RULES.values() for p in rules.mark) or any(
        reach.scope(p).street_wide for rules in RULES.values() for p in rules.mark_street_wide
    )


def mark_key_case(
    case: Case | Petition,
    *,
    actor,
    leader: Staff | int,
    plan: str,
    time_limit: date,
    responsible_unit: Unit | int,
    team=(),
    team_note: str = "",
    request=None,
) -> KeyCase:
    """Make a petition or a dispute a key case: leader, team, plan, time limit, unit.

    The leader must hold PETITIONS_APPROVE (the street's leaders); for a petition the
    responsible unit cannot be the unit complained about.
    """
    from huiyin.privacy.audit import record

    case = Case.objects.get_for_user(actor, case.pk)
    if case.kind not in RULES:
        raise TransitionRefused(MSG_KIND)
    if not may_mark(actor, case):
        raise TransitionRefused(MSG_NO_PERM)
    errors = _Errors()
    if KeyCase.objects.filter(case_id=case.pk).exists():
        errors.add("petition", MSG_KEY_CASE_EXISTS)
    leader = _resolve(Staff, leader)
    if leader is None or not _approvers().filter(pk=leader.pk).exists():
        errors.add("leader", MSG_NOT_A_LEADER)
    plan = _text(plan)
    if not plan:
        errors.add("plan", MSG_PLAN)
    if not isinstance(time_limit, date):
        try:
            time_limit = date.fromisoformat(str(time_limit))
        except ValueError:
            time_limit = None
            errors.add("time_limit", MSG_REQUIRED)
    if time_limit is not None and time_limit < timezone.localdate():
        errors.add("time_limit", MSG_TIME_LIMIT_PAST)
    unit = _resolve(Unit, responsible_unit)
    complained = (
        Petition.objects.filter(pk=case.pk).values_list("complained_unit_id", flat=True).first()
    )
    if unit is None or unit.street_id != case.street_id:
        errors.add("responsible_unit", MSG_UNIT)
    elif complained is not None and unit.pk == complained:
        errors.add("responsible_unit", MSG_COMPLAINED_UNIT)
    members = [_resolve(Staff, m) for m in team]
    if any(m is None for m in members):
        errors.add("team", MSG_CHOICE)
    errors.raise_if_any()
    with transaction.atomic():
        key_case = KeyCase.objects.create(
            case=case,
            leader=leader,
            plan=plan,
            time_limit=time_limit,
            responsible_unit=unit,
            team_note=_text(team_note, 200),
            created_by=actor,
        )
        key_case.team.set(members)
        CaseEvent.objects.create(
            case=case,
            actor=actor,
            kind="key_case",
            data={
                "leader": leader.pk,
                "time_limit": time_limit.isoformat(),
                "unit": unit.pk,
                "team": [m.pk for m in members],
            },
        )
        record(
            "object.create",
            actor=actor,
            target=key_case,
            diff={"leader": leader.pk, "time_limit": time_limit, "unit": unit.pk},
            request=request,
        )
    return key_case


def may_work_on(actor, key_case: KeyCase, case: Case) -> bool:
    """Its leader and team; whoever decides or mediates the case; for a petition also the
    responsible unit's handlers, who report the progress of their part."""
    staff_id = _staff_id(actor)
    if staff_id is not None and (
        staff_id == key_case.leader_id or key_case.team.filter(pk=staff_id).exists()
    ):
        return True
    rules = RULES.get(case.kind)
    if rules is not None and holds(actor, case, *rules.work):
        return True
    return reach_of(actor).scope(Perm.PETITIONS_HANDLE).covers(unit_id=key_case.responsible_unit_id)


def add_progress(key_case: KeyCase, *, actor, text: str, request=None) -> KeyCaseProgress:
    """Add a progress entry to a key case."""
    from huiyin.privacy.audit import record

    case = Case.objects.get_for_user(actor, key_case.case_id)
    if not may_work_on(actor, key_case, case):
        raise TransitionRefused(MSG_NO_PERM)
    text = _text(text)
    if not text:
        raise PetitionInvalid({"text": [MSG_PROGRESS_EMPTY]})
    with transaction.atomic():
        entry = KeyCaseProgress.objects.create(key_case=key_case, by=actor, text=text)
        CaseEvent.objects.create(
            case=case, actor=actor, kind="key_case_progress", note=text, data={"entry": entry.pk}
        )
        record(
            "object.create",
            actor=actor,
            target=key_case,
            diff={"progress": entry.pk},
            request=request,
        )
    return entry


def may_close(actor, key_case: KeyCase, case: Case) -> bool:
    return _staff_id(actor) == key_case.leader_id or holds(actor, case, Perm.PETITIONS_APPROVE)


def close_key_case(key_case: KeyCase, *, actor, request=None) -> KeyCase:
    """Mark a key case seen through (its leader, or a leader over the case)."""
    from huiyin.privacy.audit import record

    case = Case.objects.get_for_user(actor, key_case.case_id)
    if not may_close(actor, key_case, case):
        raise TransitionRefused(MSG_NO_PERM)
    with transaction.atomic():
        now = timezone.now()
        KeyCase.objects.filter(pk=key_case.pk, closed_at__isnull=True).update(closed_at=now)
        key_case.refresh_from_db(fields=["closed_at"])
        CaseEvent.objects.create(case=case, actor=actor, kind="key_case_closed")
        record(
            "object.update",
            actor=actor,
            target=key_case,
            diff={"closed_at": [None, key_case.closed_at]},
            request=request,
        )
    return key_case


@dataclass(frozen=True)
class KeyCaseRow:
    """One line of the key-case board."""

    key_case_id: int
    case_id: int
    kind: str
    number: str
    title: str
    status: str
    status_label: str
    leader: str
    team: tuple[str, ...]
    team_note: str
    responsible_unit: str
    time_limit: date
    days_left: int  # negative when the time limit has passed
    overdue: bool
    due_on: date | None  # the nearest statutory due date of the case
    progress_count: int
    last_progress_at: datetime | None
    closed: bool


def key_case_board(user, *, include_closed: bool = False) -> list[KeyCaseRow]:
    """Every key case `user` may see, of every kind, with its state and time left: three
    queries in all."""
    today = timezone.localdate()
    queryset = (
        KeyCase.objects.filter(case__in=Case.objects.visible_to(user))
        .select_related("case", "leader", "responsible_unit")
        .prefetch_related("team")
        .annotate(progress_count=Count("progress"), last_progress_at=Max("progress__at"))
        .order_by("time_limit", "id")
    )
    if not include_closed:
        queryset = queryset.filter(closed_at__isnull=True)
    rows = []
    for kc in queryset:
        case = kc.case
        days = (kc.time_limit - today).days
        rows.append(
            KeyCaseRow(
                key_case_id=kc.pk,
                case_id=case.pk,
                kind=case.kind,
                number=case.number,
                title=case.title,
                status=case.status,
                status_label=status_label(case.kind, case.status),
                leader=kc.leader.name,
                team=tuple(m.name for m in kc.team.all()),
                team_note=kc.team_note,
                responsible_unit=kc.responsible_unit.name,
                time_limit=kc.time_limit,
                days_left=days,
                overdue=days < 0 and kc.closed_at is None,
                due_on=case.due_on,
                progress_count=kc.progress_count,
                last_progress_at=kc.last_progress_at,
                closed=kc.closed_at is not None,
            )
        )
    return rows
