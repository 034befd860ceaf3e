"""Changes to the core record that are not workflow transitions: details, notes, withdrawal.

Like :func:`huiyin.cases.workflow.fire`, each checks the door and the actor's permission,
takes the version the user saw (optimistic locking), and writes the change, a timeline event
and an audit entry in one transaction.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huiyin.cases.exceptions import CaseRefused, StaleCase, TransitionRefused
from huiyin.cases.kinds import spec
from huiyin.cases.models import Case, CaseEvent, Category, _scope_q, _staff_id
from huiyin.org.access import reach_of

MSG_NO_PERM = _("Your role does not allow changing this matter.")
MSG_TITLE_REQUIRED = _("Please give the matter a title.")
MSG_GRID_COMMUNITY = _("The grid is not in the chosen community.")
MSG_CATEGORY_KIND = _("This category does not belong to this kind of matter.")
MSG_NOTE_REQUIRED = _("The note is empty.")
MSG_WITHDRAW_REASON = _("Please give the reason for withdrawing the matter.")
MSG_ALREADY_WITHDRAWN = _("This matter was already withdrawn.")

#: Core fields that `update_case` may change.
EDITABLE = ("title", "description", "community", "grid", "category")


def holds(user, case: Case, *perms: str) -> bool:
    """Whether `user` holds any of `perms` over `case` (its scope, or the case assigned to them)."""
    reach, staff_id = reach_of(user), _staff_id(user)
    for perm in perms:
        condition = _scope_q(reach, perm, staff_id)
        if condition is not None and Case.objects.filter(condition, pk=case.pk).exists():
            return True
    return False


def check_place(community, grid) -> str | None:
    """A message when the grid is not in the community; None when they fit."""
    if grid is not None and community is not None and grid.community_id != community.pk:
        return MSG_GRID_COMMUNITY
    return None


def _refused_audit(case: Case, name: str, actor, version, refusal: CaseRefused, request) -> None:
    from huiyin.cases.workflow import _record_refusal

    _record_refusal(case, name, actor, version, refusal, request)


def update_case(case: Case, *, actor, version: int | str, request=None, **fields) -> Case:
    """Change the details of a case (title, description, community, grid, category).

    Needs one of the kind's working permissions over the case. Raises Http404 (not visible),
    StaleCase (changed meanwhile), TransitionRefused (no permission, bad value).
    """
    from huiyin.privacy.audit import record

    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise TypeError(f"update_case() cannot change {sorted(unknown)}")
    case = Case.objects.get_for_user(actor, case.pk)
    try:
        with transaction.atomic():
            fresh = Case.objects.get(pk=case.pk)
            if str(version) != str(fresh.version):
                raise StaleCase()
            if not holds(actor, fresh, *spec(fresh.kind).work_perms):
                raise TransitionRefused(MSG_NO_PERM)
            if "title" in fields:
                fields["title"] = (fields["title"] or "").strip()
                if not fields["title"]:
                    raise TransitionRefused(MSG_TITLE_REQUIRED)
            community = fields.get("community", fresh.community)
            grid = fields.get("grid", fresh.grid)
            if grid is not None and community is None:
                fields["community"] = community = grid.community
            message = check_place(community, grid)
            if message:
                raise TransitionRefused(message)
            category = fields.get("category")
            if isinstance(category, Category) and category.kind != fresh.kind:
                raise TransitionRefused(MSG_CATEGORY_KIND)
            diff = {}
            for name, value in fields.items():
                attname = Case._meta.get_field(name).attname
                old = getattr(fresh, attname)
                new = getattr(value, "pk", value)
                if old != new:
                    diff[name] = [old, new]
            now = timezone.now()
            updated = Case.objects.filter(pk=fresh.pk, version=fresh.version).update(
                **fields, version=F("version") + 1, updated_at=now
            )
            if updated != 1:
                raise StaleCase()
            if {"title", "description"} & set(diff):
                from huiyin.cases import search

                fresh.refresh_from_db(fields=["number", "title", "description"])
                search.refresh([fresh])
            CaseEvent.objects.create(
                case=fresh, actor=actor, kind="updated", data={"fields": sorted(diff)}
            )
            # Titles and descriptions may name people: the audit keeps which fields changed.
            record(
                "object.update",
                actor=actor,
                target=fresh,
                diff={
                    k: v if k in ("community", "grid", "category") else "…" for k, v in diff.items()
                },
                request=request,
            )
    except CaseRefused as refusal:
        _refused_audit(case, "update", actor, version, refusal, request)
        raise
    return Case.objects.get(pk=case.pk)


def add_note(case: Case, *, actor, text: str, request=None) -> CaseEvent:
    """Add a note to the timeline (no version needed: it changes nothing but history)."""
    from huiyin.privacy.audit import record

    case = Case.objects.get_for_user(actor, case.pk)
    if not holds(actor, case, *spec(case.kind).work_perms):
        raise TransitionRefused(MSG_NO_PERM)
    text = (text or "").strip()
    if not text:
        raise TransitionRefused(MSG_NOTE_REQUIRED)
    with transaction.atomic():
        event = CaseEvent.objects.create(case=case, actor=actor, kind="note", note=text)
        record("object.create", actor=actor, target=case, diff={"note": event.pk}, request=request)
    return event


def withdraw_case(case: Case, *, actor, version: int | str, reason: str, request=None) -> Case:
    """Withdraw a case recorded in error. It is never deleted: it stays, marked, with the reason.

    Needs the kind's manage permission (petitions: the clerk's decide permission).
    """
    from huiyin.privacy.audit import record

    case = Case.objects.get_for_user(actor, case.pk)
    try:
        with transaction.atomic():
            fresh = Case.objects.get(pk=case.pk)
            if str(version) != str(fresh.version):
                raise StaleCase()
            if not holds(actor, fresh, spec(fresh.kind).manage_perm):
                raise TransitionRefused(MSG_NO_PERM)
            if fresh.withdrawn:
                raise TransitionRefused(MSG_ALREADY_WITHDRAWN)
            reason = (reason or "").strip()
            if not reason:
                raise TransitionRefused(MSG_WITHDRAW_REASON)
            now = timezone.now()
            updated = Case.objects.filter(pk=fresh.pk, version=fresh.version).update(
                withdrawn=True,
                withdrawn_reason=reason,
                version=F("version") + 1,
                updated_at=now,
            )
            if updated != 1:
                raise StaleCase()
            from huiyin.cases.models import Clock

            # A withdrawn matter binds nobody: its clocks stop.
            Clock.objects.filter(case=fresh, stopped_at__isnull=True).update(
                stopped_at=now, stopped_on=timezone.localdate(now), outcome=Clock.Outcome.CANCELLED
            )
            Case.objects.filter(pk=fresh.pk).update(due_on=None)
            CaseEvent.objects.create(case=fresh, actor=actor, kind="withdrawn", note=reason)
            record(
                "object.update",
                actor=actor,
                target=fresh,
                diff={"withdrawn": [False, True]},
                request=request,
            )
    except CaseRefused as refusal:
        _refused_audit(case, "withdraw", actor, version, refusal, request)
        raise
    return Case.objects.get(pk=case.pk)
