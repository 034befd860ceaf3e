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


def scope_q(
    user, perm: str, *, grid: str | None = "grid", street: str = "community__street"
) -> Q | None:
    """Rows (with ``community`` and ``grid``) inside `perm`'s scope; None without the perm.
    A model without a grid (a volunteer) is in a grid worker's scope through the grid's
    community. `street` is the path to the row's street (a whole-street grant: its own)."""
    scope = reach_of(user).scope(perm)
    if scope.empty:
        return None
    if grid is None and scope.grid_ids:
        from huiyin.org.models import Grid

        communities = Grid.objects.filter(pk__in=scope.grid_ids).values("community_id")
        return scope.q(street=street, community="community", grid=None) | Q(
            community_id__in=communities
        )
    return scope.q(street=street, community="community", grid=grid)


def rows(user, queryset: QuerySet, perm: str = Perm.PATROLS_VIEW) -> QuerySet:
    names = {f.name for f in queryset.model._meta.fields}
    condition = scope_q(
        user,
        perm,
        grid="grid" if "grid" in names else None,
        street="street" if "street" in names else "community__street",
    )
    return queryset.none() if condition is None else queryset.filter(condition)


def covers(user, perm: str, community_id, grid_id=None, *, street_id=None) -> bool:
    """Whether `perm` of `user` covers a row of that community (and grid)."""
    scope = reach_of(user).scope(perm)
    return scope.covers(street_id=street_id, community_id=community_id, grid_id=grid_id)


def may(user, perm: str, row) -> bool:
    return covers(user, perm, row.community_id, getattr(row, "grid_id", None))


def may_any(user, perms, row) -> bool:
    return any(may(user, perm, row) for perm in perms)


def can(user, perm: str) -> bool:
    return reach_of(user).can(perm)


def street_wide(user, perm: str) -> bool:
    """Whether `user` holds `perm` over a whole street (what it manages: see `the_street`)."""
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


# --------------------------------------------------------------------------- choices


def grids_in(user, perm: str):
    """The grids `perm` of `user` reaches (a community's grids with it)."""
    from huiyin.org.models import Grid

    scope = reach_of(user).scope(perm)
    grids = Grid.objects.select_related("community").order_by("community__order", "order", "id")
    return grids.filter(
        Q(pk__in=scope.grid_ids)
        | Q(community_id__in=scope.community_ids)
        | Q(community__street_id__in=scope.street_ids)
    )


def communities_in(user, perm: str, *, with_grids: bool = False):
    """The communities `perm` of `user` covers as a whole; `with_grids`: also those of its grids."""
    from huiyin.org.models import Community, Grid

    scope = reach_of(user).scope(perm)
    rows = Community.objects.order_by("order", "id")
    if scope.street_wide and not (scope.community_ids or scope.grid_ids):
        return rows.filter(street_id__in=scope.street_ids)
    ids = set(scope.community_ids)
    if with_grids:
        ids |= set(Grid.objects.filter(pk__in=scope.grid_ids).values_list("community", flat=True))
    return rows.filter(Q(pk__in=ids) | Q(street_id__in=scope.street_ids))


def team_staff(user, perm: str = Perm.PATROLS_RECORD):
    """Staff who may be on a team with `user`: holders of `perm` in the same grids or
    communities, or street-wide; the person themself always."""
    from huiyin.org.models import RoleGrant, Staff
    from huiyin.org.roles import ROLE_PERMISSIONS

    roles = [r for r, perms in ROLE_PERMISSIONS.items() if perm in perms]
    grids = grids_in(user, perm)
    communities = set(grids.values_list("community_id", flat=True))
    streets = set(grids.values_list("community__street_id", flat=True))
    grants = RoleGrant.objects.filter(role__in=roles).filter(
        Q(grid__in=grids)
        | Q(community_id__in=communities)
        | Q(grid__isnull=True, community__isnull=True, unit__isnull=True, street_id__in=streets)
    )
    return Staff.objects.filter(
        Q(pk__in=grants.values("staff_id")) | Q(user=user), user__is_active=True
    ).order_by("name", "id")
