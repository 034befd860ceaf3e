"""The petition list: filters (huiyin.petitions.queries), 20/50/100 a page, constant queries per
page; the petitioner lookup; batch assignment and export of selected matters; a printable list.

The petitioner lookup (来访人: an exact name, resident ID or phone) is sent by POST to the list's
own address, with the other filters in the address as usual. So the identity never lands in an
address — not in the browser history, the access log, a pagination, sort or export link, nor
a bookmark — and the export, which reads only the address, cannot carry it. It is answered
through the blind indexes, lists matters through the same `visible_to` door as the list, and
each lookup is audited with the masked value.
"""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import FileResponse, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from huiyin.cases import bounds, listing
from huiyin.cases.exceptions import CaseRefused
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case
from huiyin.cases.workflow import fire
from huiyin.front.decorators import require_perm
from huiyin.org.access import reach_of
from huiyin.org.models import Unit
from huiyin.org.roles import Perm
from huiyin.petitions.models import KeyCase
from huiyin.petitions.queries import MAX_IDS, CasePaginator, PetitionFilter
from huiyin.privacy import audit

#: Kept for the pages that import it: the default page size.
PAGE_SIZE = 50
#: The petitioner lookup lists at most this many matters, on one page.
PERSON_LIMIT = 100
#: The printed list: at most this many rows ("all" of a filter).
PRINT_LIMIT = 500
#: A page number beyond this is not a page: the first page is shown.
MAX_PAGE = 10**6

#: Built by other pages; linked by path when their url name is not installed yet.
NEW_PETITION_PATH = "/petitions/new/"
LEDGER_EXPORT_PATH = "/reports/ledger/export/"

audit.register_action(
    "petition.identity_lookup", _("Looked up the matters of a petitioner by identity")
)

MSG_PERSON_HINT = _(
    "Names, resident IDs and phone numbers are not covered by the text search; use the "
    "“Petitioner” exact lookup."
)
MSG_SELECT_NONE = _("Select at least one matter.")
MSG_SELECT_TOO_MANY = _("At most %(limit)s matters can be selected at once.")
MSG_SELECT_INVALID = _("The selection is not valid; reload the list and try again.")
MSG_UNIT_CHOOSE = _("Choose the unit to assign the selected matters to.")
MSG_NOT_VISIBLE = _(
    "%(count)s of the selected matters were not found among those you may see; nothing was "
    "assigned."
)
MSG_BATCH_REFUSED = _("Nothing was assigned. %(problems)s")
MSG_BATCH_PROBLEM = _("%(number)s: %(reason)s")
MSG_BATCH_DONE = _("%(count)s matters assigned to %(unit)s.")


def url_or(name: str, fallback: str) -> str:
    """reverse(name), or `fallback` while the page of that name does not exist yet."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return fallback


def page_number(raw) -> int:
    """The page asked for; anything that is not a page number is the first page."""
    return bounds.bounded_int(raw, 1, MAX_PAGE, default=1)


def _rows(petitions: PetitionFilter):
    return (
        petitions.ordered(paged=True)
        .select_related("petition", "community", "category", "owner_unit", "owner")
        .annotate(is_key_case=Exists(KeyCase.objects.filter(case_id=OuterRef("pk"))))
    )


@require_perm(Perm.PETITIONS_VIEW)
@require_http_methods(["GET", "POST"])
def petition_list(request: HttpRequest) -> HttpResponse:
    reach = reach_of(request.user)
    may_look_up = reach.can(Perm.IDENTITY_VIEW)
    # The lookup comes by POST only (see the module docstring); a `person` in the address is
    # ignored like any unknown parameter, and so is a lookup by someone without identity view.
    person = request.POST.get("person") if request.method == "POST" and may_look_up else None
    petitions = PetitionFilter(request.GET, request.user, person=person)
    rows = _rows(petitions)
    if petitions.person_active:
        paginator = CasePaginator(rows, PERSON_LIMIT, limit=PERSON_LIMIT)
        page = paginator.page(1)
        with transaction.atomic():
            audit.record(
                "petition.identity_lookup",
                request=request,
                target_label=gettext("Petitions"),
                diff={"by": petitions.person_kind, "value": petitions.person_masked},
            )
    else:
        paginator = CasePaginator(rows, petitions.page_size, limit=petitions.match_limit)
        page = paginator.get_page(page_number(request.GET.get("page")))
    export_query = petitions.querystring(with_sort=False)
    # The received-date header toggles between newest and oldest first.
    received_sort = "received" if petitions.sort == "-received" else "-received"
    print_query = petitions.querystring(page=page.number)
    context = {
        "nav_active": "petitions",
        "filter": petitions,
        "page": page,
        # The page's rows ready to print (huiyin.cases.listing): read here, once.
        "rows": listing.petition_rows(page.object_list, today=petitions.today),
        "selectable": reach.can(Perm.PETITIONS_DECIDE) or reach.can(Perm.REPORTS_EXPORT),
        "query": petitions.querystring(),
        "received_sort_query": petitions.querystring(sort=received_sort),
        "due_sort_query": petitions.querystring(sort="due"),
        "can_register": reach.can(Perm.PETITIONS_REGISTER),
        "new_url": url_or("petitions:new", NEW_PETITION_PATH),
        "can_export": reach.can(Perm.REPORTS_EXPORT),
        "can_assign": reach.can(Perm.PETITIONS_DECIDE),
        "can_look_up": may_look_up,
        "person_hint": may_look_up and "q" in petitions.values and not page.paginator.count,
        "person_hint_text": str(MSG_PERSON_HINT),
        "units": petitions.units if reach.can(Perm.PETITIONS_DECIDE) else [],
        "export_url": url_or("reports:ledger_export", LEDGER_EXPORT_PATH)
        + (f"?{export_query}" if export_query else ""),
        "print_url": reverse("petitions:list_print") + f"?{print_query}",
        "print_all_url": reverse("petitions:list_print") + "?" + petitions.querystring(scope="all"),
        "page_fields": petitions.hidden_fields(without=("page",)),
        "max_ids": MAX_IDS,
        "print_limit": PRINT_LIMIT,
    }
    # htmx (the filter bar, the pager) swaps only the results; a plain request gets the page.
    partial = (
        request.headers.get("HX-Request") and request.headers.get("HX-Target") == "petition-results"
    )
    template = "petitions/_list_results.html" if partial else "petitions/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


@require_perm(Perm.PETITIONS_VIEW)
@require_GET
def print_list(request: HttpRequest) -> HttpResponse:
    """The list with its current filters on paper: one page of it, or up to PRINT_LIMIT rows
    (``scope=all``); no navigation, no identities, a print stylesheet."""
    petitions = PetitionFilter(request.GET, request.user)
    rows = _rows(petitions)
    if request.GET.get("scope") == "all":
        page = CasePaginator(rows, PRINT_LIMIT, limit=PRINT_LIMIT).page(1)
    else:
        paginator = CasePaginator(rows, petitions.page_size, limit=petitions.match_limit)
        page = paginator.get_page(page_number(request.GET.get("page")))
    return render(
        request,
        "petitions/list_print.html",
        {
            "filter": petitions,
            "page": page,
            "all": request.GET.get("scope") == "all",
            "print_limit": PRINT_LIMIT,
            "printed_at": timezone.localtime(),
            "back_url": reverse("petitions:list") + _query_suffix(petitions.querystring()),
        },
    )


# --------------------------------------------------------------------------- the selection


class SelectionInvalid(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _selection(request: HttpRequest) -> list[tuple[int, str]]:
    """The ticked matters as (id, version seen), in the order given, without repeats.

    Each checkbox's value is "<id>:<version>". At most MAX_IDS; none, too many or a malformed
    value raise SelectionInvalid (nothing is done then).
    """
    raw = [value for value in request.POST.getlist("case") if value.strip()]
    if not raw:
        raise SelectionInvalid(MSG_SELECT_NONE)
    if len(raw) > MAX_IDS * 2:  # the table and the cards may both send a matter
        raise SelectionInvalid(str(MSG_SELECT_TOO_MANY) % {"limit": MAX_IDS})
    chosen: dict[int, str] = {}
    for value in raw:
        pk_text, _sep, version = bounds.strip_nul(value).strip().partition(":")
        pk = bounds.bounded_int(pk_text, 1, bounds.MAX_ID)
        if pk is None or (version and bounds.bounded_int(version, 0, bounds.MAX_ID) is None):
            raise SelectionInvalid(MSG_SELECT_INVALID)
        chosen.setdefault(pk, version)
    if len(chosen) > MAX_IDS:
        raise SelectionInvalid(str(MSG_SELECT_TOO_MANY) % {"limit": MAX_IDS})
    return list(chosen.items())


def _back(request: HttpRequest) -> HttpResponse:
    """Back to the list with the filters it had (rebuilt from their valid values only)."""
    params = QueryDict(bounds.strip_nul(request.POST.get("query", ""))[:4000])
    petitions = PetitionFilter(params, request.user)
    return redirect(reverse("petitions:list") + _query_suffix(petitions.querystring()))


def _query_suffix(query: str) -> str:
    return f"?{query}" if query else ""


class _Refused(Exception):
    """Rolls the batch back."""


@require_POST
@require_perm(Perm.PETITIONS_DECIDE)
def batch_assign(request: HttpRequest) -> HttpResponse:
    """Assign the ticked matters to one unit: each through the workflow's `assign`, with the
    version the user saw, all in one transaction — one refusal and none is assigned."""
    try:
        selection = _selection(request)
    except SelectionInvalid as invalid:
        messages.error(request, str(invalid.message))
        return _back(request)
    unit_id = bounds.bounded_int(request.POST.get("unit"), 1, bounds.MAX_ID)
    unit = Unit.objects.filter(pk=unit_id).first() if unit_id else None
    if unit is None:
        messages.error(request, str(MSG_UNIT_CHOOSE))
        return _back(request)
    ids = [pk for pk, _version in selection]
    cases = Case.objects.visible_to(request.user, kind=Kind.PETITION).filter(
        pk__in=ids, withdrawn=False
    )
    found = {case.pk: case for case in cases}
    if len(found) != len(ids):
        # The same answer for missing and invisible matters; none of them is named.
        messages.error(request, str(MSG_NOT_VISIBLE) % {"count": len(ids) - len(found)})
        return _back(request)
    problems: list[tuple[Case, str, CaseRefused]] = []
    try:
        with transaction.atomic():
            for pk, version in selection:
                case = found[pk]
                try:
                    fire(
                        case,
                        "assign",
                        actor=request.user,
                        version=version,
                        request=request,
                        unit=unit.pk,
                    )
                except CaseRefused as refusal:
                    problems.append((case, version, refusal))
            if problems:
                raise _Refused
    except _Refused:
        # The refusals' audit entries went with the rollback: written again, one a matter.
        for case, version, refusal in problems:
            current = Case.objects.filter(pk=case.pk).values("status", "version").first() or {}
            with transaction.atomic():
                audit.record(
                    "case.transition_refused",
                    request=request,
                    target=case,
                    diff={
                        "transition": "assign",
                        "batch": True,
                        "status": current.get("status"),
                        "version": current.get("version"),
                        "version_seen": version,
                        "reason": str(refusal.message),
                    },
                )
        text = "；".join(
            str(MSG_BATCH_PROBLEM) % {"number": case.number, "reason": str(refusal.message)}
            for case, _version, refusal in problems
        )
        messages.error(request, str(MSG_BATCH_REFUSED) % {"problems": text})
        return _back(request)
    messages.success(request, str(MSG_BATCH_DONE) % {"count": len(selection), "unit": unit.name})
    return _back(request)


@require_POST
@require_perm(Perm.REPORTS_EXPORT)
def batch_export(request: HttpRequest) -> HttpResponse:
    """The ledger (.xlsx) of the ticked matters: the ledger export with an ``ids`` filter,
    which passes through the list's filter and so through `visible_to`. Masked identities."""
    from huiyin.reports.ledgers.petitions import export_petition_ledger
    from huiyin.reports.views.ledger import XLSX

    try:
        selection = _selection(request)
    except SelectionInvalid as invalid:
        messages.error(request, str(invalid.message))
        return _back(request)
    params = QueryDict(mutable=True)
    params["ids"] = ",".join(str(pk) for pk, _version in selection)
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - FileResponse closes it
    try:
        export_petition_ledger(
            out, user=request.user, params=params, with_identity=False, request=request
        )
    except PermissionDenied:
        out.close()
        raise
    out.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = gettext("petition-ledger-%(stamp)s.xlsx") % {"stamp": stamp}
    return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX)


urlpatterns = [
    path("", petition_list, name="list"),
    path("print/", print_list, name="list_print"),
    path("batch/assign/", batch_assign, name="batch_assign"),
    path("batch/export/", batch_export, name="batch_export"),
]
