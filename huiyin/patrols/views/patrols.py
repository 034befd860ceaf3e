"""Patrol pages: the list (this week's by default), recording a patrol on a phone, a patrol
with its findings, each finding's one step (a rectification, a dispute, an incident), photos.

Every row comes through :mod:`huiyin.patrols.access` (a grid worker sees and records their
grid's patrols). A page costs the same few queries whatever the number of patrols.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from huiyin.cases import bounds
from huiyin.front.decorators import require_perm
from huiyin.org.roles import Perm
from huiyin.patrols import access, hooks, services
from huiyin.patrols.forms import FindingForm, FindingStepForm, PatrolForm, apply_errors
from huiyin.patrols.models import (
    Finding,
    FindingOutcome,
    FindingPhoto,
    Patrol,
    PatrolKind,
    Place,
    Volunteer,
)
from huiyin.patrols.services import PatrolInvalid
from huiyin.patrols.services.patrols import week_bounds
from huiyin.patrols.views.common import int_param, page_of, photo_response, section, week_of


@require_perm(Perm.PATROLS_VIEW)
@require_GET
def patrol_list(request: HttpRequest) -> HttpResponse:
    week, bad_week = week_of(request)
    start, end = week_bounds(week)
    rows = access.rows(request.user, Patrol.objects.all()).filter(
        started_at__gte=start, started_at__lt=end
    )
    grid = int_param(request, "grid")
    if grid is not None:
        rows = rows.filter(grid_id=grid)
    kind = request.GET.get("kind") or ""
    if kind in PatrolKind.values:
        rows = rows.filter(kind=kind)
    rows = (
        rows.select_related("community", "grid")
        .annotate(n_findings=Count("findings"))
        .order_by("-started_at", "-id")
    )
    return render(
        request,
        "patrols/list.html",
        {
            **section(request.user, "patrols"),
            "page": page_of(request, rows),
            "week": week,
            "bad_week": bad_week,
            "grids": access.grids_in(request.user, Perm.PATROLS_VIEW),
            "grid": grid,
            "kinds": PatrolKind.choices,
            "kind": kind,
        },
    )


def _patrol_form(request, data=None) -> PatrolForm:
    user = request.user
    grids = access.grids_in(user, Perm.PATROLS_RECORD)
    communities = access.communities_in(user, Perm.PATROLS_RECORD, with_grids=True)
    return PatrolForm(
        data,
        grids=grids,
        communities=access.communities_in(user, Perm.PATROLS_RECORD),
        staff=access.team_staff(user),
        volunteers=Volunteer.objects.filter(active=True, community__in=communities),
        initial={"grid": grids.first() if grids.count() == 1 else None},
    )


@require_perm(Perm.PATROLS_RECORD)
@require_http_methods(["GET", "POST"])
def patrol_new(request: HttpRequest) -> HttpResponse:
    top: list[str] = []
    status = 200
    form = _patrol_form(request, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                patrol = services.record_patrol(
                    request.user,
                    kind=data["kind"],
                    grid=data["grid"],
                    community=data["community"],
                    route=data["route"],
                    started_at=data["started_at"],
                    duration_minutes=data["duration_minutes"],
                    staff=list(data["staff"]),
                    volunteers=list(data["volunteers"]),
                    police_unit=data["police_unit"],
                    note=data["note"],
                    request=request,
                )
            except PatrolInvalid as invalid:
                top = apply_errors(form, invalid.errors)
            else:
                messages.success(request, _("The patrol is recorded. Add what you found."))
                return redirect("patrols:detail", pk=patrol.pk)
        status = 400
    return render(
        request,
        "patrols/new.html",
        {**section(request.user, "patrols"), "form": form, "top_errors": top},
        status=status,
    )


def _detail(request, patrol: Patrol, *, finding_form=None, step_errors=None, status=200):
    may_record = access.may(request.user, Perm.PATROLS_RECORD, patrol)
    findings = list(
        patrol.findings.select_related("rectification", "case", "place").prefetch_related("photos")
    )
    places = Place.objects.filter(community=patrol.community_id, active=True)
    link_cases(request.user, findings)
    for f in findings:
        f.step_form = FindingStepForm(auto_id=f"step{f.pk}_%s")
    return render(
        request,
        "patrols/detail.html",
        {
            **section(request.user, "patrols"),
            "patrol": patrol,
            "staff": list(patrol.staff.all()),
            "volunteers": list(patrol.volunteers.all()),
            "findings": findings,
            "may_record_here": may_record,
            "finding_form": finding_form or (FindingForm(places=places) if may_record else None),
            "step_errors": step_errors or {},
            "incident_maker": hooks.incident_maker() is not None,
            "open": FindingOutcome.OPEN,
        },
        status=status,
    )


def link_cases(user, findings) -> None:
    """Each finding's case page, for whoever may see that case (else its number alone)."""
    from huiyin.cases.models import Case
    from huiyin.cases.views import case_url

    ids = {f.case_id for f in findings if f.case_id}
    visible = set(Case.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
    for f in findings:
        f.case_url = case_url(f.case.kind, f.case_id) if f.case_id in visible else None


def _patrol(request, pk) -> Patrol:
    return access.get(
        request.user, Patrol.objects.select_related("community", "grid", "recorded_by__staff"), pk
    )


@require_perm(Perm.PATROLS_VIEW)
@require_GET
def patrol_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _patrol(request, pk))


@require_perm(Perm.PATROLS_RECORD)
@require_POST
def finding_new(request: HttpRequest, pk: int) -> HttpResponse:
    patrol = _patrol(request, pk)
    if not access.may(request.user, Perm.PATROLS_RECORD, patrol):
        raise PermissionDenied
    places = Place.objects.filter(community=patrol.community_id, active=True)
    form = FindingForm(request.POST, request.FILES, places=places)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_finding(
                request.user,
                patrol,
                kind=data["kind"],
                location=data["location"],
                description=data["description"],
                place=data["place"],
                files=data["photos"],
                request=request,
            )
        except PatrolInvalid as invalid:
            top = apply_errors(form, invalid.errors)
            messages.error(request, " ".join(top) or _("Please correct the errors below."))
        else:
            messages.success(request, _("The finding is recorded."))
            return redirect("patrols:detail", pk=patrol.pk)
    return _detail(request, patrol, finding_form=form, status=400)


@require_perm(Perm.PATROLS_RECORD)
@require_POST
def finding_step(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _finding(request, pk)
    form = FindingStepForm(request.POST)
    patrol = finding.patrol
    if not form.is_valid():
        return _detail(request, patrol, step_errors={finding.pk: _form_messages(form)}, status=400)
    data, user = form.cleaned_data, request.user
    try:
        action = data["action"]
        if action == "rectification":
            task = services.to_rectification(
                user, finding, responsible_party=data["responsible_party"],
                deadline=data["deadline"], basis=data["basis"], request=request,
            )  # fmt: skip
            messages.success(request, _("The rectification is ordered."))
            return redirect("patrols:rectification", pk=task.pk)
        if action == "dispute":
            case = services.to_dispute(user, finding, title=data["title"], request=request)
            messages.success(request, _("Registered as %(number)s.") % {"number": case.number})
            return redirect("disputes:detail", pk=case.pk)
        if action == "incident":
            case = services.to_incident(user, finding, title=data["title"], request=request)
            messages.success(request, _("Registered as %(number)s.") % {"number": case.number})
        elif action == "link":
            case = services.link_case(
                user, finding, kind=data["link_kind"], number=data["number"], request=request
            )
            messages.success(request, _("Linked to %(number)s.") % {"number": case.number})
        else:
            services.mark_noted(user, finding, note=data["note"], request=request)
            messages.success(request, _("The finding is marked as handled on the spot."))
    except PatrolInvalid as invalid:
        problems = [str(m) for ms in invalid.errors.values() for m in ms]
        return _detail(request, patrol, step_errors={finding.pk: problems}, status=400)
    return redirect("patrols:detail", pk=patrol.pk)


def _finding(request, pk) -> Finding:
    """The finding, through its patrol's door (the same 404 whether or not it exists)."""
    number = bounds.bounded_int(pk, 1, bounds.MAX_ID)
    found = (
        Finding.objects.select_related("patrol__community", "patrol__grid")
        .filter(pk=number)
        .first()
        if number
        else None
    )
    if found is None:
        raise Http404
    access.get(request.user, Patrol.objects.all(), found.patrol_id)
    return found


def _form_messages(form) -> list[str]:
    return [str(m) for ms in form.errors.values() for m in ms]


@require_perm(Perm.PATROLS_VIEW)
@require_GET
def finding_photo(request: HttpRequest, pk: int) -> HttpResponse:
    number = bounds.bounded_int(pk, 1, bounds.MAX_ID)
    photo = (
        FindingPhoto.objects.select_related("finding").filter(pk=number, withdrawn=False).first()
        if number
        else None
    )
    if photo is None:
        raise Http404
    patrol = access.get(request.user, Patrol.objects.all(), photo.finding.patrol_id)
    return photo_response(request, photo, patrol.audit_label())


urlpatterns = [
    path("", patrol_list, name="list"),
    path("new/", patrol_new, name="new"),
    path("<int:pk>/", patrol_detail, name="detail"),
    path("<int:pk>/findings/", finding_new, name="finding_new"),
    path("findings/<int:pk>/step/", finding_step, name="finding_step"),
    path("photos/<int:pk>/", finding_photo, name="finding_photo"),
]
