"""What every patrol page shares: the section's tabs, paging, reading ids and weeks, photos."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import FileResponse, Http404

from huiyin.cases import bounds
from huiyin.org.access import reach_of
from huiyin.org.roles import Perm
from huiyin.patrols import access, photos
from huiyin.screening import periods

PAGE_SIZE = 30
MAX_PAGE = 10**6


def section(user, active: str) -> dict:
    """The context every page of the section needs: its tab and what the person may do."""
    reach = reach_of(user)
    return {
        "nav_active": "patrols",
        "subnav_active": active,
        "may_record": reach.can(Perm.PATROLS_RECORD),
        "may_inspect": reach.can(Perm.INSPECTIONS_RECORD),
        "may_manage": access.street_wide(user, Perm.PATROLS_MANAGE),
    }


def page_of(request, rows, size: int = PAGE_SIZE):
    number = bounds.bounded_int(request.GET.get("page"), 1, MAX_PAGE, default=1)
    return Paginator(rows, size).get_page(number)


def week_of(request) -> tuple[periods.Period, bool]:
    """The ISO week named by ?week= (default: this one), clamped to the plausible weeks;
    True when the given label named none."""
    current = periods.containing(periods.today(), periods.WEEK)
    raw = request.GET.get("week")
    if raw in (None, ""):
        return current, False
    week = periods.parse(raw, periods.WEEK)
    if week is None:
        return current, True
    return min(week, current.next()), False


def int_param(request, name: str) -> int | None:
    return bounds.bounded_int(request.GET.get(name), 1, bounds.MAX_ID)


def photo_response(request, row, label: str):
    """The photo inline, after its owner's door was checked; the view is audited."""
    from django.db import transaction

    from huiyin.privacy.audit import record

    try:
        handle = photos.open_file(row)
    except FileNotFoundError:
        raise Http404 from None
    with transaction.atomic():
        record("photo.download", actor=request.user, target=row, target_label=label)
    response = FileResponse(handle, content_type=row.content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    return response
