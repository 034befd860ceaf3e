"""Who must not see a petition, and stepping aside (回避).

条例 art. 30(3) and 46(5): a petition is never disclosed or passed to the person or unit it
complains about. 条例 art. 28(3): staff with a direct interest in a matter step aside. Both are
rows hidden through the one door, ``Case.objects.visible_to`` (registered as the petition
kind's exclusion by :func:`huiyin.petitions.workflow.register`), whatever the person's grants
— a leader's, a clerk's or an auditor's street-wide one included:

* the staff member named as the person complained about (``Petition.complained_staff``);
* whoever acts for, or works in, the unit complained about (a unit-scoped grant, or
  ``Staff.unit``);
* a staff member recused from the case (:class:`~huiyin.petitions.models.PetitionRecusal`),
  who declared it or whom the office or a leader stepped aside.

They are read in one query over indexed columns (``complained_staff_id``,
``complained_unit_id``, the recusal's unique (staff, case) index) when the door is asked, and
a list carries a condition only for somebody with cases hidden from them.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from huiyin.cases.exceptions import TransitionRefused
from huiyin.cases.models import Case, staff_of
from huiyin.cases.services import holds
from huiyin.org.models import Staff
from huiyin.org.roles import Perm
from huiyin.petitions.models import Petition, PetitionRecusal
from huiyin.privacy import audit

ACTION = "case.recusal"
audit.register_action(ACTION, _("Recusal recorded"))

#: Who may step another staff member aside: the petition office and the leaders.
DECIDES_RECUSAL = (Perm.PETITIONS_DECIDE, Perm.PETITIONS_APPROVE)
#: Where a user object keeps, for its request, the petitions hidden from them.
CACHE = "_huiyin_hidden_petitions"
#: Up to this many hidden cases are written into a list's condition; more stay a subquery.
MAX_LISTED_HIDDEN = 500
#: The longest reason (characters).
MAX_REASON = 2000

MSG_REASON = _("Please give the reason for stepping aside.")
MSG_NO_STAFF = _("Only a staff member can step aside from a matter.")
MSG_MAY_NOT_RECUSE = _("Only the petition office or a leader can step another staff member aside.")
MSG_ALREADY = _("%(name)s has already stepped aside from this matter.")
MSG_STAFF_UNKNOWN = _("Choose a staff member of this street.")


def hide_from_persons_concerned(user, reach) -> Q | None:
    """条例 art. 28, 30, 46: the petitions `user` never sees, whatever their grants.

    The cases are read first (one query through the partial indexes of the complained-about
    columns and the recusal's index), so that a list's condition tests them only when there
    are some: a condition on every row, even an empty ``NOT IN``, costs a count over a
    million petitions several times its own time on SQLite. Most people are never complained
    about nor stepped aside, and their lists carry no exclusion at all; a short list is
    written out; a long one (a unit complained about many times) stays a subquery. Cached on
    the user object for the request, like the role grants (:func:`huiyin.org.access.reach_of`).
    """
    cached = getattr(user, CACHE, False)
    if cached is not False:
        return cached
    hidden = _hidden_from(user, reach)
    if user is not None and getattr(user, "is_authenticated", False):
        setattr(user, CACHE, hidden)
    return hidden


def _hidden_from(user, reach) -> Q | None:
    staff_id, own_unit_id = staff_of(user)
    unit_ids = {g.unit_id for g in reach.grants if g.unit_id}
    if own_unit_id is not None:
        unit_ids.add(own_unit_id)
    about = []
    if unit_ids:
        about.append(Q(complained_unit_id__in=sorted(unit_ids)))
    if staff_id is not None:
        about.append(Q(complained_staff_id=staff_id))
    if not about:
        return None
    petitions = Petition.objects.filter(reduce(or_, about)).order_by().values_list("case_id")
    if staff_id is not None:
        stepped_aside = (
            PetitionRecusal.objects.filter(staff_id=staff_id).order_by().values_list("case_id")
        )
        hidden_rows = petitions.union(stepped_aside)
    else:
        hidden_rows = petitions
    case_ids = [case_id for (case_id,) in hidden_rows[: MAX_LISTED_HIDDEN + 1]]
    if not case_ids:
        return None
    if len(case_ids) <= MAX_LISTED_HIDDEN:
        return Q(pk__in=sorted(set(case_ids)))
    hidden = Q(pk__in=petitions.values("case_id"))
    if staff_id is not None:
        hidden |= Q(pk__in=stepped_aside.values("case_id"))
    return hidden


def may_recuse_others(user, case: Case) -> bool:
    """Whether `user` may step someone else aside from `case` (the office, a leader)."""
    return holds(user, case, *DECIDES_RECUSAL)


def staff_choices(case: Case) -> QuerySet[Staff]:
    """The staff of the case's street (and those without a unit), for the choice of who."""
    return (
        Staff.objects.filter(Q(unit__street_id=case.street_id) | Q(unit__isnull=True))
        .select_related("unit")
        .order_by("unit__name", "name")
    )


def recusals(case: Case) -> list[PetitionRecusal]:
    return list(
        PetitionRecusal.objects.filter(case=case)
        .select_related("staff", "recorded_by__staff")
        .order_by("recorded_at", "id")
    )


def recuse(
    case: Case, *, actor, reason: str, staff: Staff | int | None = None, request=None
) -> PetitionRecusal:
    """Record that `staff` (default: the actor's own staff member) steps aside from `case`.

    Anyone who may see the case may declare their own recusal; stepping another person aside
    needs the petition office's or a leader's permission over the case. Raises Http404 when the
    actor may not see the case, TransitionRefused otherwise. Audited ("case.recusal") in the
    same transaction. From then on the case is out of the recused person's sight.
    """
    case = Case.objects.get_for_user(actor, case.pk)
    reason = (reason or "").replace("\x00", "").strip()[:MAX_REASON]
    if not reason:
        raise TransitionRefused(MSG_REASON)
    own_staff_id, _unit = staff_of(actor)
    if isinstance(staff, Staff):
        staff_id = staff.pk
    elif staff in (None, ""):
        staff_id = own_staff_id
    else:
        staff_id = int(staff)
    if staff_id is None:
        raise TransitionRefused(MSG_NO_STAFF)
    declared = staff_id == own_staff_id
    if not declared and not may_recuse_others(actor, case):
        raise TransitionRefused(MSG_MAY_NOT_RECUSE)
    person = staff_choices(case).filter(pk=staff_id).first()
    if person is None:
        raise TransitionRefused(MSG_STAFF_UNKNOWN)
    try:
        with transaction.atomic():
            row = PetitionRecusal.objects.create(
                case=case,
                staff=person,
                reason=reason,
                declared=declared,
                recorded_by=actor,
            )
            # The reason stays on the row: it may name people, the audit trail is kept forever.
            audit.record(
                ACTION,
                actor=actor,
                target=row,
                diff={"case": case.pk, "staff": person.pk, "declared": declared},
                request=request,
            )
    except IntegrityError:
        raise TransitionRefused(str(MSG_ALREADY) % {"name": person.name}) from None
    if declared and hasattr(actor, CACHE):
        delattr(actor, CACHE)  # out of their sight from now on, in this request too
    return row
