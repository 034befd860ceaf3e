"""Template context for the app shell: the person, their roles and scope, and the navigation."""

from __future__ import annotations

from django.http import HttpRequest

from huiyin.cases.kinds import KINDS
from huiyin.front.navigation import sections_for
from huiyin.org.access import reach_of
from huiyin.org.street_choice import chosen_street_id, full_street_ids


def shell(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    reach = reach_of(user)
    staff = getattr(user, "staff", None)
    return {
        **_street_choice(request, user),
        "reach": reach,
        "staff": staff,
        "nav_sections": sections_for(reach),
        # The top bar's "go to number" box, for those who may see some kind of case.
        "can_goto": any(reach.can(k.view_perm) for k in KINDS.values()),
        "grants": list(
            staff.grants.select_related("community", "grid__community", "unit", "street")
        )
        if staff
        else [],
    }


def _street_choice(request: HttpRequest, user) -> dict:
    """The header's street selector, for a person reading several streets (none else: no
    query)."""
    ids = full_street_ids(user)
    if len(ids) < 2:
        return {}
    from huiyin.org.models import Street

    return {
        "street_choices": list(Street.objects.filter(pk__in=ids).order_by("pk")),
        "street_chosen": chosen_street_id(request),
    }
