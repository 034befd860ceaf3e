"""Key places: the registry (list, register, change, one place with its inspections and
rectifications) and the checklists with their versions."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from huiyin.front.decorators import require_perm
from huiyin.org.roles import Perm
from huiyin.patrols import access, services
from huiyin.patrols.defaults import ensure_defaults
from huiyin.patrols.forms import apply_errors
from huiyin.patrols.forms_places import ChecklistForm, PlaceForm
from huiyin.patrols.models import Checklist, Place, PlaceKind, RectificationStatus
from huiyin.patrols.services import PatrolInvalid
from huiyin.patrols.services.inspections import overdue_q
from huiyin.patrols.views.common import int_param, page_of, section
from huiyin.screening import periods


def _kinds():
    if not PlaceKind.objects.exists():
        ensure_defaults()  # a flushed database keeps no migration rows
    return PlaceKind.objects.filter(active=True)


@require_perm(Perm.PATROLS_VIEW)
@require_GET
def place_list(request: HttpRequest) -> HttpResponse:
    kinds = _kinds()
    rows = access.rows(request.user, Place.objects.all())
    kind = int_param(request, "kind")
    if kind is not None:
        rows = rows.filter(kind_id=kind)
    if request.GET.get("inactive") != "1":
        rows = rows.filter(active=True)
    rows = rows.select_related("kind", "community", "grid").annotate(
        last_inspected=Max("inspections__inspected_on"),
        n_open=Count("rectifications", filter=~Q(rectifications__status="done"), distinct=True),
        n_overdue=Count(
            "rectifications",
            filter=~Q(rectifications__status="done")
            & Q(rectifications__deadline__lt=periods.today()),
            distinct=True,
        ),
    )
    rows = rows.order_by("community__order", "kind__order", "name", "id")
    query = f"kind={kind}" if kind else ""
    return render(
        request,
        "patrols/places.html",
        {**section(request.user, "places"), "page": page_of(request, rows), "kinds": kinds,
         "kind": kind, "query": query},
    )  # fmt: skip


def _place_form(user, data=None, *, place=None):
    initial = None
    if place is not None:
        initial = {
            "kind": place.kind_id,
            "name": place.name,
            "address": place.address,
            "community": place.community_id,
            "grid": place.grid_id,
            "authority": place.authority,
            "licences": place.licences,
            "responsible_name": place.responsible_name,
            "note": place.note,
            "active": place.active,
        }
    _kinds()
    return PlaceForm(
        data,
        communities=access.communities_in(user, Perm.INSPECTIONS_RECORD, with_grids=True),
        grids=access.grids_in(user, Perm.INSPECTIONS_RECORD),
        editing=place is not None,
        initial=initial,
    )


def _save(request, place=None) -> HttpResponse:
    form = _place_form(
        request.user, request.POST if request.method == "POST" else None, place=place
    )
    status, top = 200, []
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            if place is not None and not data["responsible_phone"]:
                data["responsible_phone"] = None  # keep the stored one
            try:
                saved = services.save_place(request.user, place, **data, request=request)
            except PatrolInvalid as invalid:
                top = apply_errors(form, invalid.errors)
            else:
                messages.success(request, _("The place is saved."))
                return redirect("patrols:place", pk=saved.pk)
        status = 400
    return render(
        request,
        "patrols/place_form.html",
        {**section(request.user, "places"), "form": form, "place": place, "top_errors": top},
        status=status,
    )


@require_perm(Perm.INSPECTIONS_RECORD)
@require_http_methods(["GET", "POST"])
def place_new(request: HttpRequest) -> HttpResponse:
    return _save(request)


@require_perm(Perm.INSPECTIONS_RECORD)
@require_http_methods(["GET", "POST"])
def place_edit(request: HttpRequest, pk: int) -> HttpResponse:
    place = access.get(request.user, Place.objects.all(), pk, perm=Perm.INSPECTIONS_RECORD)
    return _save(request, place)


@require_perm(Perm.PATROLS_VIEW)
@require_GET
def place_detail(request: HttpRequest, pk: int) -> HttpResponse:
    place = access.get(request.user, Place.objects.select_related("kind", "community", "grid"), pk)
    inspections = place.inspections.select_related("checklist").annotate(
        failed=Count("results", filter=Q(results__result="fail"))
    )[:50]
    rectifications = place.rectifications.order_by("status", "deadline")[:50]
    overdue = set(place.rectifications.filter(overdue_q()).values_list("pk", flat=True))
    return render(
        request,
        "patrols/place.html",
        {
            **section(request.user, "places"),
            "place": place,
            "inspections": inspections,
            "rectifications": rectifications,
            "overdue": overdue,
            "done": RectificationStatus.DONE,
            "may_inspect_here": access.may(request.user, Perm.INSPECTIONS_RECORD, place),
        },
    )


@require_perm(Perm.PATROLS_VIEW)
@require_http_methods(["GET", "POST"])
def checklists(request: HttpRequest) -> HttpResponse:
    kinds = list(_kinds())
    may_manage = access.street_wide(request.user, Perm.PATROLS_MANAGE)
    chosen = int_param(request, "kind")
    kind = next((k for k in kinds if k.pk == chosen), kinds[0] if kinds else None)
    current = services.current_checklist(kind) if kind else None
    status, top, form = 200, [], None
    if may_manage and kind is not None:
        lines = "\n".join(
            f"{i.text} | {i.basis}" if i.basis else i.text
            for i in (current.items.order_by("order") if current else [])
        )
        form = ChecklistForm(initial={"kind": kind.pk, "items": lines})
    if request.method == "POST":
        if not may_manage:
            access.deny(request.user, "checklist.version")
        form = ChecklistForm(request.POST)
        if form.is_valid():
            try:
                made = services.new_checklist_version(
                    request.user, form.cleaned_data["kind"], items=form.cleaned_data["items"],
                    note=form.cleaned_data["note"], request=request,
                )  # fmt: skip
            except PatrolInvalid as invalid:
                top = apply_errors(form, invalid.errors)
            else:
                messages.success(request, _("Version %(v)s is now in use.") % {"v": made.version})
                return redirect(f"{request.path}?kind={made.kind_id}")
        status = 400
    versions = (
        Checklist.objects.filter(kind=kind).annotate(used=Count("inspections")) if kind else []
    )
    return render(
        request,
        "patrols/checklists.html",
        {
            **section(request.user, "places"),
            "kinds": kinds,
            "kind": kind,
            "current": current,
            "items": current.items.order_by("order") if current else [],
            "versions": versions,
            "form": form,
            "top_errors": top,
        },
        status=status,
    )


urlpatterns = [
    path("places/", place_list, name="places"),
    path("places/new/", place_new, name="place_new"),
    path("places/<int:pk>/", place_detail, name="place"),
    path("places/<int:pk>/edit/", place_edit, name="place_edit"),
    path("checklists/", checklists, name="checklists"),
]
