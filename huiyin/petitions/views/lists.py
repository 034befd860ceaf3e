"""The petition list: filters (huiyin.petitions.queries), 50 a page, constant queries per page."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils.cache import patch_vary_headers

from huiyin.front.decorators import require_perm
from huiyin.org.access import reach_of
from huiyin.org.roles import Perm
from huiyin.petitions.models import KeyCase
from huiyin.petitions.queries import CasePaginator, PetitionFilter

PAGE_SIZE = 50

#: Built by other pages; linked by path when their url name is not installed yet.
NEW_PETITION_PATH = "/petitions/new/"
LEDGER_EXPORT_PATH = "/reports/ledger/export/"


def url_or(name: str, fallback: str) -> str:
    """reverse(name), or `fallback` while the page of that name does not exist yet."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return fallback


@require_perm(Perm.PETITIONS_VIEW)
def petition_list(request: HttpRequest) -> HttpResponse:
    petitions = PetitionFilter(request.GET, request.user)
    rows = (
        petitions.ordered(paged=True)
        .select_related("petition", "community", "category", "owner_unit", "owner")
        .annotate(is_key_case=Exists(KeyCase.objects.filter(petition_id=OuterRef("pk"))))
    )
    page = CasePaginator(rows, PAGE_SIZE, limit=petitions.match_limit).get_page(
        request.GET.get("page")
    )
    reach = reach_of(request.user)
    export_query = petitions.querystring(with_sort=False)
    # The received-date header toggles between newest and oldest first.
    received_sort = "received" if petitions.sort == "-received" else "-received"
    context = {
        "nav_active": "petitions",
        "filter": petitions,
        "page": page,
        "query": petitions.querystring(),
        "received_sort_query": petitions.querystring(sort=received_sort),
        "due_sort_query": petitions.querystring(sort="due"),
        "can_register": reach.can(Perm.PETITIONS_REGISTER),
        "new_url": url_or("petitions:new", NEW_PETITION_PATH),
        "can_export": reach.can(Perm.REPORTS_EXPORT),
        "export_url": url_or("reports:ledger_export", LEDGER_EXPORT_PATH)
        + (f"?{export_query}" if export_query else ""),
    }
    # htmx (the filter bar, the pager) swaps only the results; a plain request gets the page.
    partial = (
        request.headers.get("HX-Request") and request.headers.get("HX-Target") == "petition-results"
    )
    template = "petitions/_list_results.html" if partial else "petitions/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


urlpatterns = [path("", petition_list, name="list")]
