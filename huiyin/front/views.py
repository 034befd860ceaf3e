from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from huiyin.front import desk
from huiyin.front.decorators import require_perm
from huiyin.front.home import leader_overview, todo_for
from huiyin.front.navigation import (
    SECTIONS_BY_KEY,
    coming_for,
    may_open,
    sections_for,
    system_links,
)
from huiyin.org.access import reach_of
from huiyin.org.roles import Perm


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """What the person starts the day with: the to-do list and, by role, where to begin.

    Who registers petitions gets the intake button (and, without the petition list's whole
    view, the ones they registered); a leader the overdue matters, the 三零四无 board and
    their reception days; everyone the sections of their roles, the coming ones unlinked.
    """
    user = request.user
    reach = reach_of(user)
    today = timezone.localdate()
    context = {
        "todo": todo_for(user, reach),
        "sections": sections_for(reach),
        "coming": coming_for(reach),
        "can_register": reach.can(Perm.PETITIONS_REGISTER),
        # The centre's front desk (综治中心): one intake that becomes a petition or a dispute.
        "can_use_desk": bool(desk.kinds_for(user)),
        "today": today,
        "leader": None,
        "registered": None,
    }
    if reach.can(Perm.PETITIONS_REGISTER) and not reach.can(Perm.PETITIONS_VIEW):
        # 社区代办: the petitions they registered are the ones they follow.
        from huiyin.petitions.home import REGISTERED_ROWS, registered_by

        rows = registered_by(user, REGISTERED_ROWS + 1)
        context["registered"] = rows[:REGISTERED_ROWS]
        context["registered_more"] = len(rows) > REGISTERED_ROWS
    if reach.can(Perm.PETITIONS_APPROVE):
        context["leader"] = leader_overview(user, reach, today)
    return render(request, "front/home.html", context)


@login_required
def section(request: HttpRequest, key: str) -> HttpResponse:
    """The overview of a section whose own pages are not installed yet."""
    sec = SECTIONS_BY_KEY.get(key)
    if sec is None:
        raise Http404
    if not may_open(reach_of(request.user), sec):
        raise PermissionDenied
    return render(request, "front/section.html", {"section": sec, "nav_active": key})


@require_perm(Perm.ADMIN_MANAGE, Perm.AUDIT_VIEW)
def system(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "front/system.html",
        {
            "section": SECTIONS_BY_KEY["system"],
            "nav_active": "system",
            "system_links": system_links(reach_of(request.user)),
        },
    )


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "403.html", status=403)
