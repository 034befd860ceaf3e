"""Overdue rectifications in the notification bell (registered in ``PatrolsConfig.ready()``).

A rectification is in a person's bell from the day after its deadline (Beijing) while it is not
done — the same rectifications ``huiyin tick`` reminds as overdue
(:func:`huiyin.patrols.services.inspections.overdue_q`), to the same people
(:func:`huiyin.patrols.reminders.rectification_recipients`): whoever takes its steps on its grid
or its community (Perm.INSPECTIONS_RECORD or PATROLS_RECORD: the grid's or the community's
worker), and the street-wide office that runs inspections (Perm.PATROLS_MANAGE: governance
staff). A leader reads them on the dashboard, not in the bell. Rectified, it leaves the bell.

The person's grants are matched in SQL (an EXISTS over their role grants), so the bell counts
these in its one statement whatever the person's reach.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from huiyin.cases.context import BellRow, BellSource, register_bell
from huiyin.org.roles import ROLE_PERMISSIONS, Perm
from huiyin.patrols.models import Rectification
from huiyin.patrols.services.inspections import overdue_q

#: Who takes a rectification's steps on its grid or community; who runs them street-wide.
LOCAL_PERMS = frozenset({Perm.INSPECTIONS_RECORD, Perm.PATROLS_RECORD})
STREET_PERMS = frozenset({Perm.PATROLS_MANAGE})


def _roles(perms: frozenset[str]) -> list[str]:
    return sorted(role for role, held in ROLE_PERMISSIONS.items() if perms & held)


def overdue_for(user, today: date) -> QuerySet[Rectification]:
    """The rectifications overdue on `today` that are `user`'s to act on (see the module)."""
    from huiyin.org.models import RoleGrant

    grants = RoleGrant.objects.filter(staff__user_id=user.pk)
    local = grants.filter(role__in=_roles(LOCAL_PERMS)).filter(
        Q(grid_id=OuterRef("grid_id")) | Q(grid__isnull=True, community_id=OuterRef("community_id"))
    )
    street = grants.filter(
        role__in=_roles(STREET_PERMS),
        community__isnull=True,
        grid__isnull=True,
        unit__isnull=True,
    )
    return Rectification.objects.filter(overdue_q(today)).filter(Exists(local) | Exists(street))


def listed(user, today: date, limit: int) -> list[BellRow]:
    """The longest overdue first, as the rectification list orders them."""
    rows = (
        overdue_for(user, today)
        .select_related("place", "community", "grid")
        .order_by("deadline", "id")[:limit]
    )
    out = []
    for r in rows:
        where = r.place.name if r.place_id else r.community.name
        if r.grid_id and not r.place_id:
            where = f"{where} {r.grid.name}"
        days = (today - r.deadline).days
        out.append(
            BellRow(
                text=r.item[:80],
                detail=gettext("%(place)s · due by %(deadline)s")
                % {
                    "place": where,
                    "deadline": r.deadline.isoformat(),
                },
                url=reverse("patrols:rectification", args=[r.pk]),
                badge=ngettext("%(days)s day overdue", "%(days)s days overdue", days)
                % {"days": days},
            )
        )
    return out


def _all_url() -> str:
    return reverse("patrols:rectifications") + "?status=overdue"


SOURCE = BellSource(
    key="rectifications",
    label=_("Overdue rectifications"),
    rows=overdue_for,
    listed=listed,
    url=_all_url,
    icon="bi-cone-striped",
)


def register() -> None:
    register_bell(SOURCE)
