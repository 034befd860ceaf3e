"""The assessment section's own page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from huiyin.front.decorators import require_perm
from huiyin.org.roles import Perm


@require_perm(Perm.ASSESSMENT_VIEW)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "assessment/index.html", {"nav_active": "assessment"})


urlpatterns = [
    path("", index, name="index"),
]
