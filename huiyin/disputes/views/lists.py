"""The dispute list: the petition list's filters, search and page tools for disputes.

Every row comes through ``Case.objects.visible_to`` (a grid worker sees their grid's disputes,
a community worker their community's); a page costs the same number of queries whatever its
size (the rows' committee, type and place are joined, never read one by one). On a phone the
rows are cards. No party appears in the list: the matter, not the people.

Those who may export reports (Perm.REPORTS_EXPORT) get an "Export ledger" button: the
矛盾纠纷排查台账 of every dispute the list's filters match (not only the page), written by the
ledger page's export (``/reports/ledger/export/?ledger=disputes&<the filters>``), which reads
the filters again through the same door, masks the parties as the ledger page does and writes
the export to the audit trail.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from huiyin.cases import bounds, listing
from huiyin.disputes.registration import REGISTER_PERMS
from huiyin.disputes.views.filters import DisputeFilter
from huiyin.front.decorators import require_perm
from huiyin.org.access import reach_of
from huiyin.org.roles import Perm
from huiyin.petitions.queries import CasePaginator

#: A page number beyond this is not a page: the first page is shown.
MAX_PAGE = 10**6
#: The ledger the export button writes (a key of huiyin.reports.ledgers).
EXPORT_LEDGER = "disputes"


def page_number(raw) -> int:
    return bounds.bounded_int(raw, 1, MAX_PAGE, default=1)


def url_or_none(name: str) -> str | None:
    """reverse(name), or None while that page is not installed."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def section_links(user) -> dict:
    """The section's own links for the tabs: registering, the weekly screening board (for
    those who screen or read disputes: the board itself shows each only their bodies)."""
    reach = reach_of(user)
    board = reach.can(Perm.DISPUTES_VIEW) or reach.can(Perm.DISPUTES_SCREEN)
    return {
        "can_register": any(reach.can(p) for p in REGISTER_PERMS),
        "screening_board_url": url_or_none("screening:board") if board else None,
    }


def export_url(user, disputes: DisputeFilter) -> str | None:
    """The dispute screening ledger of the list's valid filters (without the sort and page
    size), for those who may export; None for the others or while the ledgers are not
    installed. The export reads only these parameters, bounded again by the filter."""
    if not reach_of(user).can(Perm.REPORTS_EXPORT):
        return None
    base = url_or_none("reports:ledger_export")
    if base is None:
        return None
    query = disputes.querystring(with_sort=False)
    return f"{base}?ledger={EXPORT_LEDGER}" + (f"&{query}" if query else "")


def rows(disputes: DisputeFilter):
    return disputes.ordered(paged=True).select_related(
        "dispute", "dispute__committee", "community", "grid", "category"
    )


@require_perm(Perm.DISPUTES_VIEW)
@require_GET
def dispute_list(request: HttpRequest) -> HttpResponse:
    disputes = DisputeFilter(request.GET, request.user)
    paginator = CasePaginator(rows(disputes), disputes.page_size, limit=disputes.match_limit)
    page = paginator.get_page(page_number(request.GET.get("page")))
    received_sort = "received" if disputes.sort == "-received" else "-received"
    context = {
        "nav_active": "disputes",
        "filter": disputes,
        "page": page,
        # The page's rows ready to print (huiyin.cases.listing): read here, once.
        "rows": listing.dispute_rows(page.object_list, today=disputes.today),
        "query": disputes.querystring(),
        "received_sort_query": disputes.querystring(sort=received_sort),
        "due_sort_query": disputes.querystring(sort="due"),
        "page_fields": disputes.hidden_fields(without=("page",)),
        "export_url": export_url(request.user, disputes),
        **section_links(request.user),
    }
    # htmx (the filter bar, the pager) swaps only the results; a plain request gets the page.
    partial = (
        request.headers.get("HX-Request") and request.headers.get("HX-Target") == "dispute-results"
    )
    template = "disputes/_list_results.html" if partial else "disputes/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


urlpatterns = [
    path("", dispute_list, name="list"),
]
