"""The people's mediation committees with their mediators, terms and training: a read page.

Administrators keep these records in Django's admin (人民调解法 art. 8–9, 13–14); everyone who
works on disputes reads them here, so that the tier and the mediators of a dispute are chosen
from real records. Three queries, whatever the number of committees and mediators.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.views.decorators.http import require_GET

from huiyin.cases import bounds
from huiyin.disputes.models import Committee, Mediator, MediatorTraining
from huiyin.disputes.views.lists import section_links
from huiyin.front.decorators import require_perm
from huiyin.org.access import reach_of
from huiyin.org.roles import Perm


def _admin_url() -> str | None:
    try:
        return reverse("admin:disputes_committee_changelist")
    except NoReverseMatch:
        return None


@require_perm(Perm.DISPUTES_VIEW, Perm.DISPUTES_SCREEN, Perm.DISPUTES_MEDIATE)
@require_GET
def committee_list(request: HttpRequest) -> HttpResponse:
    today = bounds.today()
    trainings = MediatorTraining.objects.order_by("-on", "id")
    mediators = Mediator.objects.prefetch_related(Prefetch("trainings", queryset=trainings))
    reach = reach_of(request.user)
    committees = list(
        # The committees (and their mediators) of the person's own streets only.
        Committee.objects.filter(street_id__in=reach.street_ids)
        .select_related("community", "grid", "unit")
        .prefetch_related(Prefetch("mediators", queryset=mediators.order_by("name", "id")))
        .order_by("-active", "order", "id")
    )
    for committee in committees:
        rows = list(committee.mediators.all())
        for mediator in rows:
            mediator.serving = mediator.in_term(today)
            mediator.training_hours = sum(t.hours for t in mediator.trainings.all())
        committee.rows = rows
        committee.serving_count = sum(1 for m in rows if m.serving)
    return render(
        request,
        "disputes/committees.html",
        {
            "nav_active": "disputes",
            "committees": committees,
            "today": today,
            "admin_url": _admin_url() if reach.can(Perm.ADMIN_MANAGE) else None,
            **section_links(request.user),
        },
    )


urlpatterns = [
    path("committees/", committee_list, name="committees"),
]
