from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from huiyin.front.decorators import require_perm
from huiyin.front.home import todo_for
from huiyin.front.navigation import SECTIONS_BY_KEY, sections_for, system_links
from huiyin.org.access import reach_of
from huiyin.org.roles import Perm


@login_required
def home(request: HttpRequest) -> HttpResponse:
    reach = reach_of(request.user)
    return render(
        request,
        "front/home.html",
        {"todo": todo_for(request.user, reach), "sections": sections_for(reach)},
    )


@login_required
def section(request: HttpRequest, key: str) -> HttpResponse:
    """The overview of a section whose own pages are not installed yet."""
    sec = SECTIONS_BY_KEY.get(key)
    if sec is None:
        raise Http404
    if sec not in sections_for(reach_of(request.user)):
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
