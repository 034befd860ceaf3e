"""The patrol list (the section's own page)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from huiyin.front.decorators import require_perm
from huiyin.org.roles import Perm


@require_perm(Perm.PATROLS_VIEW)
@require_GET
def patrol_list(request: HttpRequest) -> HttpResponse:
    return render(request, "patrols/list.html", {"nav_active": "patrols"})


urlpatterns = [
    path("", patrol_list, name="list"),
]
