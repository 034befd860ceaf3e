"""Who may see and do what in patrols, places and rectifications: rows by community and grid.

Every row here (a patrol, a place, an inspection, a rectification, a volunteer) carries its
community and, when it has one, its grid, so a person's reach (huiyin.org.access) scopes it the
way cases are scoped: a grid worker their grid, a community worker their community and its
grids, the 综治办 and the leaders the whole street.

* Perm.PATROLS_VIEW — see patrols, places, inspections, rectifications, campaigns;
* Perm.PATROLS_RECORD — record patrols and their findings, plan the roster, act on findings;
* Perm.INSPECTIONS_RECORD — register places, record inspections, take rectification steps;
* Perm.PATROLS_MANAGE — checklist versions, special campaigns, sensitive periods (street-wide).

:func:`rows` is the one door of each list and page: a row outside the scope is a 404.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404

from huiyin.cases import bounds
from huiyin.org.access import reach_of
from huiyin.org.roles import Perm

#: Who may take a rectification's steps (a patrol's own rectifications, too).
RECTIFY_PERMS = (Perm.INSPECTIONS_RECORD, Perm.PATROLS_RECORD)


def scope_q(user, perm: str) -> Q | None:
    """Rows (with ``community`` and ``grid``) inside `perm`'s scope; None without the perm."""
    scope = reach_of(user).scope(perm)
    if scope.empty:
        return None
    return scope.q(community="community", grid="grid")


def rows(user, queryset: QuerySet, perm: str = Perm.PATROLS_VIEW) -> QuerySet:
    condition = scope_q(user, perm)
    return queryset.none() if condition is None else queryset.filter(condition)


def covers(user, perm: str, community_id, grid_id=None) -> bool:
    """Whether `perm` of `user` covers a row of that community (and grid)."""
    scope = reach_of(user).scope(perm)
    if scope.street_wide:
        return True
    return scope.covers(community_id=community_id, grid_id=grid_id)


def may(user, perm: str, row) -> bool:
    return covers(user, perm, row.community_id, getattr(row, "grid_id", None))


def may_any(user, perms, row) -> bool:
    return any(may(user, perm, row) for perm in perms)


def can(user, perm: str) -> bool:
    return reach_of(user).can(perm)


def street_wide(user, perm: str) -> bool:
    return reach_of(user).scope(perm).street_wide


def get(user, queryset: QuerySet, pk, perm: str = Perm.PATROLS_VIEW):
    """The row `pk` of `queryset` inside `perm`'s scope; Http404 (audited) otherwise — the same
    answer whether or not it exists."""
    number = bounds.bounded_int(pk, 1, bounds.MAX_ID)
    found = None
    if number is not None:
        found = rows(user, queryset, perm).filter(pk=number).first()
    if found is None:
        _denied(user, f"{queryset.model._meta.label_lower}:{str(pk)[:20]}")
        raise Http404
    return found


def deny(user, label: str) -> None:
    """Record the refusal and raise PermissionDenied."""
    _denied(user, label)
    raise PermissionDenied


def _denied(user, label: str) -> None:
    from huiyin.privacy.audit import record

    with transaction.atomic():
        record(
            "access.denied",
            actor=user if getattr(user, "is_authenticated", False) else None,
            target_label=label,
        )
