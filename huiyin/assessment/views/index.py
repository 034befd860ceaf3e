"""The assessment section's own page: what needs attention, and the way to each part."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from huiyin.assessment.models import Decision, Letter, Round, VetoProposal
from huiyin.assessment.services.common import VIEW_PERM, today
from huiyin.assessment.services.supervision import overdue_orders
from huiyin.front.decorators import require_perm
from huiyin.org.own_streets import body_in_streets, in_streets


@require_perm(VIEW_PERM)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    overdue = overdue_orders(user=request.user).select_related("community", "unit", "leader")
    year = today().year
    mine = body_in_streets(request.user)  # the counts of the person's streets' bodies
    return render(
        request,
        "assessment/index.html",
        {
            "nav_active": "assessment",
            "subnav_active": "index",
            "overdue": list(overdue[:10]),
            "overdue_count": overdue.count(),
            "rounds": list(
                in_streets(Round.objects.select_related("scheme"), request.user).order_by(
                    "-end", "-id"
                )[:5]
            ),
            "year": year,
            "letters": Letter.objects.filter(mine, year=year).count(),
            "pending_vetoes": VetoProposal.objects.filter(mine, decision=Decision.PENDING).count(),
        },
    )


urlpatterns = [
    path("", index, name="index"),
]
