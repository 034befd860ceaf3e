"""The screening pages: the weekly board, one body's report, and filing a report from a phone.

Bodies and periods travel in the query string (``?body=g7&week=2026-W23``), read through
:mod:`.bodies` and :mod:`.periods` — bounded, and a body outside the person's scope answers
404 exactly as one that does not exist. The rules are in :mod:`.services`.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from huiyin.cases import bounds
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Category
from huiyin.front.decorators import require_perm
from huiyin.org.models import Community
from huiyin.org.roles import Perm
from huiyin.screening import board as boards
from huiyin.screening import periods, services
from huiyin.screening.bodies import Body, bodies_in, find, may_view
from huiyin.screening.forms import LINK, NEW, ItemFormSet, ReportForm, style
from huiyin.screening.models import ScreeningNotice

#: How many periods back the filing page offers (older ones: from the board's report page).
FILE_PERIODS = 8


def _period(
    request: HttpRequest, params: QueryDict, default: periods.Period | None = None
) -> periods.Period:
    """The period asked for (none: `default`, else the one due), moved into the plausible
    range, with a message when it was not understood or had to move."""
    raw = params.get("week")
    asked = periods.parse(raw) if raw else None
    period, moved = boards.clamp(request.user, asked, default)
    if raw and asked is None:
        messages.warning(
            request,
            _("The period asked for was not understood; showing %(p)s.") % {"p": period.label},
        )
        moved = False
    if moved:
        messages.info(
            request, _("There are no reports for that period; showing %(p)s.") % {"p": period.label}
        )
    return period


def _neighbours(user, period: periods.Period) -> tuple[periods.Period | None, ...]:
    first, last = boards.first_period(user), periods.current()
    before = period.previous()
    after = period.next()
    return (before if before >= first else None, after if after <= last else None)


# --------------------------------------------------------------------------- the board


@require_perm(Perm.DISPUTES_VIEW)
def board(request: HttpRequest) -> HttpResponse:
    """Who has reported for the period, who has not: a block per community with its grids."""
    services.ensure_duties()
    period = _period(request, request.GET, boards.board_default())
    data = boards.board(request.user, period)
    before, after = _neighbours(request.user, period)
    return render(
        request,
        "screening/board.html",
        {
            "nav_active": "disputes",
            "subnav_active": "board",
            "board": data,
            "period": period,
            "choices": boards.picker(request.user, period),
            "before": before,
            "after": after,
            "may_file": bool(
                bodies_in(request.user, Perm.DISPUTES_SCREEN, period.start, period.end)
            ),
        },
    )


# --------------------------------------------------------------------------- one report


def _body(request: HttpRequest, params: QueryDict, perm: str, period) -> Body:
    body = find(request.user, params.get("body"), perm, period.start, period.end)
    if body is None and perm == Perm.DISPUTES_VIEW:
        body = find(
            request.user, params.get("body"), Perm.DISPUTES_SCREEN, period.start, period.end
        )
    if body is None:
        raise Http404
    return body


@require_perm(Perm.DISPUTES_VIEW, Perm.DISPUTES_SCREEN)
def report(request: HttpRequest) -> HttpResponse:
    """One body's report for one period, its versions, and for a community its grids' too."""
    period = _period(request, request.GET, boards.board_default())
    body = _body(request, request.GET, Perm.DISPUTES_VIEW, period)
    if not may_view(request.user, body):
        raise Http404
    page = boards.report_page(request.user, body, period)
    before, after = _neighbours(request.user, period)
    return render(
        request,
        "screening/report.html",
        {
            "nav_active": "disputes",
            "subnav_active": "board",
            "page": page,
            "period": period,
            "choices": boards.picker(request.user, period),
            "before": before,
            "after": after,
            "board_url": boards.page_url("screening:board", None, period),
        },
    )


# --------------------------------------------------------------------------- filing


def _formset(data, body: Body):
    categories = services.dispute_categories()
    communities = list(Community.objects.filter(street_id=body.street_id).order_by("order", "id"))
    return ItemFormSet(
        data,
        prefix="items",
        categories=categories,
        communities=communities,
        unit_body=body.is_unit,
    )


def _with_row(post: QueryDict) -> QueryDict:
    """The posted rows and one empty row more (the "add another dispute" button); the new row
    holds the initial values, so that left untouched it is no filing."""
    data = post.copy()
    current = bounds.bounded_int(data.get("items-TOTAL_FORMS"), 0, services.ITEMS_MAX, 1)
    total = max(1, min(current + 1, services.ITEMS_MAX))
    data["items-TOTAL_FORMS"] = str(total)
    for index in range(current, total):
        data[f"items-{index}-mode"] = LINK
        data[f"items-{index}-people_count"] = "1"
    return data


#: Service error keys to (row kind, field): "links.0" → the number of the first linked row.
def _apply_errors(invalid: services.ScreeningInvalid, form, formset, rows) -> list[str]:
    """Put the service's messages beside their fields; returns those for the page's top."""
    top: list[str] = []
    links = [i for i, data in rows if data.get("mode") == LINK]
    new = [i for i, data in rows if data.get("mode") == NEW]
    for key, messages_ in invalid.errors.items():
        parts = key.split(".")
        target = None
        if parts[0] in ("links", "new") and len(parts) >= 2 and parts[1].isdigit():
            indices = links if parts[0] == "links" else new
            index = int(parts[1])
            if index < len(indices):
                row = formset.forms[indices[index]]
                name = parts[2] if len(parts) > 2 else ("number" if parts[0] == "links" else None)
                target = (row, name if name in row.fields else None)
        elif key == "note":
            target = (form, "note")
        for message in messages_:
            if target is None:
                top.append(str(message))
            else:
                target[0].add_error(target[1], str(message))
    return top


def _items(rows, body: Body):
    links, new = [], []
    categories = {str(c.pk): c for c in Category.objects.filter(kind=Kind.DISPUTE, active=True)}
    communities = (
        {str(c.pk): c for c in Community.objects.filter(street_id=body.street_id)}
        if body.is_unit
        else {}
    )
    for _index, data in rows:
        if data.get("mode") == LINK:
            links.append(services.LinkItem(data.get("number") or "", data.get("people_count")))
        else:
            new.append(
                services.NewItem(
                    title=data.get("title") or "",
                    people_count=data.get("people_count"),
                    description=data.get("description") or "",
                    category=categories.get(data.get("category") or ""),
                    found_on=data.get("found_on"),
                    community=communities.get(data.get("community") or ""),
                )
            )
    return links, new


@require_perm(Perm.DISPUTES_SCREEN)
@require_http_methods(["GET", "POST"])
def file(request: HttpRequest) -> HttpResponse:
    """File (or amend) a body's report: "nothing new" in one tap, or the disputes found."""
    user = request.user
    services.ensure_duties()
    params = request.POST if request.method == "POST" else request.GET
    period = _period(request, params) if params.get("week") else periods.due()
    bodies = bodies_in(user, Perm.DISPUTES_SCREEN, period.start, period.end)
    if params.get("body"):
        body = _body(request, params, Perm.DISPUTES_SCREEN, period)
    elif len(bodies) == 1:
        body = bodies[0]
    else:
        return _choose(request, bodies, period)
    if not params.get("week") and period != periods.current() and services.report_for(body, period):
        # Last week's report is in (Monday morning): this week's is the one to work on.
        period = periods.current()

    existing = services.report_for(body, period)
    form = ReportForm(
        initial={
            "note": existing.note if existing else "",
            "version": existing.version if existing else "",
        }
    )
    formset, top, status = _formset(None, body), [], 200
    if request.method == "POST":
        done, form, formset, top = _post(request, body, period)
        if done is not None:
            return done
        status = 400 if request.POST.get("action") != "add_row" else 200
    style(form)
    for row in formset.forms:
        style(row)
    notices = list(
        ScreeningNotice.objects.filter(recipient=user, read_at__isnull=True)
        .select_related("duty__community", "duty__grid__community", "duty__unit")
        .order_by("-created_at")[:5]
    )
    return render(
        request,
        "screening/file.html",
        {
            "nav_active": "disputes",
            "subnav_active": "file",
            "body": body,
            "bodies": bodies,
            "period": period,
            "choices": _file_choices(user, period),
            "line": boards.report_page(user, body, period).line,
            "report": existing,
            "form": form,
            "formset": formset,
            "top_errors": top,
            "notices": notices,
            "deadline": periods.deadline_of(period),
            "report_url": boards.page_url("screening:report", body, period),
        },
        status=status,
    )


def _post(request: HttpRequest, body: Body, period: periods.Period):
    """(redirect when filed, else None; the forms to show again; messages for the top)."""
    action = request.POST.get("action")
    form = ReportForm(request.POST)
    if action == "add_row":
        formset = _formset(_with_row(request.POST), body)
        formset.is_valid()  # the typed values shown again ...
        for row in formset.forms:
            row._errors = {}  # ... without complaints: nothing was filed yet
        return None, form, formset, []
    nil = action == "nil"
    formset = _formset(None if nil else request.POST, body)
    if not (form.is_valid() and (nil or formset.is_valid())):
        return None, form, formset, []
    rows = [] if nil else formset.filled()
    links, new = _items(rows, body)
    note = form.cleaned_data["note"]
    try:
        filing = services.file_report(
            request.user,
            body,
            period,
            nil=nil,
            note=None if nil and not note else note,  # the one-tap form sends no note
            links=links,
            new=new,
            version=form.cleaned_data["version"],
            request=request,
        )
    except services.ScreeningInvalid as invalid:
        return None, form, formset, _apply_errors(invalid, form, formset, rows)
    if not filing.changed:
        messages.info(request, _("The report was already filed as it is."))
    elif filing.created:
        messages.success(request, _("The report for %(p)s is filed.") % {"p": period.label})
    else:
        messages.success(request, _("The report for %(p)s is amended.") % {"p": period.label})
    return redirect(boards.page_url("screening:report", body, period)), form, formset, []


def _file_choices(user, period: periods.Period) -> list[periods.Period]:
    first = boards.first_period(user)
    out = [periods.current()]
    while len(out) < FILE_PERIODS and out[-1].start > first.start:
        out.append(out[-1].previous())
    if period not in out:
        out.append(period)
    return sorted(set(out), reverse=True)


def _choose(request: HttpRequest, bodies: list[Body], period: periods.Period) -> HttpResponse:
    """Several bodies (a community worker, the 综治办): choose which one to file for."""
    data = boards.board(request.user, period)
    mine = {b.key for b in bodies}
    lines = [line for block in data.blocks for line in block.lines if line.body.key in mine] + [
        line for line in data.units if line.body.key in mine
    ]
    return render(
        request,
        "screening/choose.html",
        {
            "nav_active": "disputes",
            "subnav_active": "file",
            "lines": lines,
            "period": period,
            "choices": _file_choices(request.user, period),
        },
    )
