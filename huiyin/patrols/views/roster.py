"""The weekly patrol roster per grid, the week's coverage, and the volunteer roster (红袖章).

The volunteer roster holds the team members' names and phones (masked on screen): those who
patrol, never those patrolled.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from huiyin.cases import bounds
from huiyin.front.decorators import require_perm
from huiyin.org.roles import Perm
from huiyin.patrols import access, services
from huiyin.patrols.forms import RosterForm, VolunteerForm, apply_errors
from huiyin.patrols.models import RosterEntry, Volunteer
from huiyin.patrols.services import PatrolInvalid
from huiyin.patrols.services.patrols import coverage
from huiyin.patrols.views.common import int_param, section, week_of
from huiyin.screening import periods


def _roster_form(user, data=None, initial=None) -> RosterForm:
    grids = access.grids_in(user, Perm.PATROLS_RECORD)
    communities = access.communities_in(user, Perm.PATROLS_RECORD, with_grids=True)
    return RosterForm(
        data,
        grids=grids,
        staff=access.team_staff(user),
        volunteers=Volunteer.objects.filter(active=True, community__in=communities),
        initial=initial,
    )


@require_perm(Perm.PATROLS_VIEW)
@require_http_methods(["GET", "POST"])
def roster(request: HttpRequest) -> HttpResponse:
    week, bad_week = week_of(request)
    user = request.user
    may_plan = access.can(user, Perm.PATROLS_RECORD)
    form = _roster_form(user, initial={"day": week.start}) if may_plan else None
    status, top = 200, []
    if request.method == "POST":
        if not may_plan:
            access.deny(user, "patrol.roster")
        form = _roster_form(user, request.POST)
        if form.is_valid():
            staff_id, volunteer_id = form.member_ids()
            data = form.cleaned_data
            try:
                entry = services.add_roster_entry(
                    user,
                    grid=data["grid"],
                    day=data["day"],
                    kind=data["kind"],
                    staff=staff_id,
                    volunteer=volunteer_id,
                    note=data["note"],
                    request=request,
                )
            except PatrolInvalid as invalid:
                top = apply_errors(form, invalid.errors)
            else:
                messages.success(request, _("Added to the roster."))
                label = periods.containing(entry.week_start, periods.WEEK).label
                return redirect(f"{request.path}?week={label}")
        status = 400
    grids = access.grids_in(user, Perm.PATROLS_VIEW)
    grid = int_param(request, "grid")
    entries = RosterEntry.objects.filter(grid__in=grids, week_start=week.start)
    if grid is not None:
        entries = entries.filter(grid_id=grid)
    entries = entries.select_related("grid__community", "staff", "volunteer").order_by(
        "day", "grid__community__order", "grid__order", "id"
    )
    recordable = set(access.grids_in(user, Perm.PATROLS_RECORD).values_list("pk", flat=True))
    rows = coverage(user, week)
    return render(
        request,
        "patrols/roster.html",
        {
            **section(user, "roster"),
            "week": week,
            "bad_week": bad_week,
            "grid": grid,
            "grids": grids,
            "entries": entries,
            "recordable": recordable,
            "coverage": rows,
            "covered": sum(1 for r in rows if r["covered"]),
            "form": form,
            "top_errors": top,
        },
        status=status,
    )


@require_perm(Perm.PATROLS_RECORD)
@require_POST
def roster_remove(request: HttpRequest, pk: int) -> HttpResponse:
    number = bounds.bounded_int(pk, 1, bounds.MAX_ID)
    entry = RosterEntry.objects.select_related("grid").filter(pk=number).first() if number else None
    if entry is None or not access.covers(
        request.user, Perm.PATROLS_VIEW, entry.grid.community_id, entry.grid_id
    ):
        raise Http404
    services.remove_roster_entry(request.user, entry, request=request)
    messages.success(request, _("Removed from the roster."))
    return redirect("patrols:roster")


@require_perm(Perm.PATROLS_VIEW)
@require_http_methods(["GET", "POST"])
def volunteers(request: HttpRequest) -> HttpResponse:
    user = request.user
    communities = access.communities_in(user, Perm.PATROLS_RECORD)
    may_add = communities.exists()
    form = VolunteerForm(communities=communities) if may_add else None
    status, top = 200, []
    if request.method == "POST":
        if not may_add:
            access.deny(user, "patrol.volunteer")
        form = VolunteerForm(request.POST, communities=communities)
        if form.is_valid():
            try:
                services.add_volunteer(user, **form.cleaned_data, request=request)
            except PatrolInvalid as invalid:
                top = apply_errors(form, invalid.errors)
            else:
                messages.success(request, _("The volunteer is on the roster."))
                return redirect("patrols:volunteers")
        status = 400
    seen = access.communities_in(user, Perm.PATROLS_VIEW, with_grids=True)
    rows = Volunteer.objects.filter(community__in=seen).select_related("community")
    editable = set(communities.values_list("pk", flat=True))
    return render(
        request,
        "patrols/volunteers.html",
        {
            **section(user, "roster"),
            "volunteers": rows,
            "editable": editable,
            "form": form,
            "top_errors": top,
        },
        status=status,
    )


@require_perm(Perm.PATROLS_RECORD)
@require_POST
def volunteer_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer = access.get(request.user, Volunteer.objects.all(), pk, perm=Perm.PATROLS_RECORD)
    services.set_volunteer_active(request.user, volunteer, not volunteer.active, request=request)
    return redirect("patrols:volunteers")


urlpatterns = [
    path("roster/", roster, name="roster"),
    path("roster/<int:pk>/remove/", roster_remove, name="roster_remove"),
    path("volunteers/", volunteers, name="volunteers"),
    path("volunteers/<int:pk>/toggle/", volunteer_toggle, name="volunteer_toggle"),
]
