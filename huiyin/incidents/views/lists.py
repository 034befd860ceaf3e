"""The incident list: the dispute list's filters, search and page tools for incidents.

Every row comes through ``Case.objects.visible_to`` (a grid worker sees their grid's
incidents, a community worker their community's); a page costs the same number of queries
whatever its size. On a phone the rows are cards. Nobody is listed: the matter, not the people.
"""

from __future__ import annotations

from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from huiyin.cases import bounds
from huiyin.front.decorators import require_perm
from huiyin.incidents import reporting
from huiyin.incidents.models import Report
from huiyin.incidents.views.filters import IncidentFilter
from huiyin.org.access import reach_of
from huiyin.org.roles import Perm
from huiyin.petitions.queries import CasePaginator

#: Who opens the section: who reads incidents, and who records them in their area.
SEES = (Perm.INCIDENTS_VIEW, Perm.INCIDENTS_REPORT)
MAX_PAGE = 10**6


def section_links(user) -> dict:
    return {"can_register": reach_of(user).can(Perm.INCIDENTS_REPORT)}


@require_perm(*SEES)
@require_GET
def incident_list(request: HttpRequest) -> HttpResponse:
    incidents = IncidentFilter(request.GET, request.user)
    first = Report.objects.filter(incident_id=OuterRef("pk")).order_by("sent_at", "id")
    rows = (
        incidents.ordered(paged=True)
        .select_related("incident", "community", "grid", "category")
        .annotate(first_sent=Subquery(first.values("sent_at")[:1]))
    )
    paginator = CasePaginator(rows, incidents.page_size, limit=incidents.match_limit)
    page = paginator.get_page(bounds.bounded_int(request.GET.get("page"), 1, MAX_PAGE, 1))
    for case in page.object_list:
        case.first_delay = (
            reporting.minutes_text(reporting.delay_minutes(case.received_at, case.first_sent))
            if case.first_sent
            else ""
        )
    context = {
        "nav_active": "incidents",
        "filter": incidents,
        "page": page,
        "query": incidents.querystring(),
        "page_fields": incidents.hidden_fields(without=("page",)),
        **section_links(request.user),
    }
    partial = (
        request.headers.get("HX-Request") and request.headers.get("HX-Target") == "incident-results"
    )
    template = "incidents/_list_results.html" if partial else "incidents/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


urlpatterns = [path("", incident_list, name="list")]
