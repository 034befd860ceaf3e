"""Inspection pages: the form with the place's checklist (one column, a photo per item from
the camera), an inspection's record, its photos and its documents (检查记录, 整改通知书)."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from huiyin.cases import bounds
from huiyin.front.decorators import require_perm
from huiyin.org.roles import Perm
from huiyin.patrols import access, services
from huiyin.patrols.forms import apply_errors
from huiyin.patrols.forms_places import InspectionForm
from huiyin.patrols.models import Inspection, Place, ResultPhoto
from huiyin.patrols.services import PatrolInvalid
from huiyin.patrols.services.campaigns import running_on
from huiyin.patrols.services.inspections import overdue_q
from huiyin.patrols.views.common import photo_response, section
from huiyin.screening import periods


@require_perm(Perm.INSPECTIONS_RECORD)
@require_http_methods(["GET", "POST"])
def inspection_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    place = access.get(
        user, Place.objects.select_related("kind", "community"), pk, perm=Perm.INSPECTIONS_RECORD
    )
    checklist = services.current_checklist(place.kind)
    if checklist is None:
        messages.error(request, _("This place's kind has no checklist yet."))
        return redirect("patrols:place", pk=place.pk)
    items = checklist.items.order_by("order")
    kwargs = {
        "items": items,
        "staff": access.team_staff(user, Perm.INSPECTIONS_RECORD),
        "campaigns": running_on(place.street_id, periods.today()),
    }
    status, top = 200, []
    if request.method == "POST":
        form = InspectionForm(request.POST, request.FILES, **kwargs)
        if form.is_valid():
            try:
                inspection = services.record_inspection(
                    user, place, checklist=checklist, **form.service_data(), request=request
                )
            except PatrolInvalid as invalid:
                errors = {form.service_key(k): v for k, v in invalid.errors.items()}
                top = apply_errors(form, errors)
            else:
                messages.success(
                    request, _("Inspection %(number)s is recorded.") % {"number": inspection.number}
                )
                return redirect("patrols:inspection", pk=inspection.pk)
        status = 400
    else:
        form = InspectionForm(
            initial={"inspected_on": periods.today(), "lead_authority": place.authority},
            **kwargs,
        )
    return render(
        request,
        "patrols/inspection_form.html",
        {
            **section(user, "places"),
            "place": place,
            "checklist": checklist,
            "form": form,
            "top_errors": top,
        },
        status=status,
    )


@require_perm(Perm.PATROLS_VIEW)
@require_GET
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from huiyin.reports.documents import available

    inspection = access.get(
        request.user,
        Inspection.objects.select_related("place__kind", "checklist", "campaign", "community"),
        pk,
    )
    results = list(
        inspection.results.select_related("item", "rectification").prefetch_related("photos")
    )
    overdue = set(inspection.rectifications.filter(overdue_q()).values_list("pk", flat=True))
    return render(
        request,
        "patrols/inspection.html",
        {
            **section(request.user, "places"),
            "inspection": inspection,
            "results": results,
            "staff": list(inspection.staff.all()),
            "overdue": overdue,
            "documents": available(inspection),
        },
    )


@require_perm(Perm.PATROLS_VIEW)
@require_GET
def result_photo(request: HttpRequest, pk: int) -> HttpResponse:
    number = bounds.bounded_int(pk, 1, bounds.MAX_ID)
    photo = (
        ResultPhoto.objects.select_related("result").filter(pk=number, withdrawn=False).first()
        if number
        else None
    )
    if photo is None:
        raise Http404
    inspection = access.get(request.user, Inspection.objects.all(), photo.result.inspection_id)
    return photo_response(request, photo, inspection.number)


@require_perm(Perm.PATROLS_VIEW)
@require_GET
def inspection_document(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    from huiyin.privacy import audit
    from huiyin.reports import documents

    inspection = access.get(request.user, Inspection.objects.select_related("place"), pk)
    spec = documents.by_slug(slug, kind=Inspection.kind)
    if spec is None:
        raise Http404
    try:
        data = documents.render(spec, inspection)
    except documents.DocumentRefused as refused:
        messages.error(request, refused.message)
        return redirect("patrols:inspection", pk=inspection.pk)
    with transaction.atomic():
        audit.record(
            "document.export",
            actor=request.user,
            target=inspection,
            diff={"document": spec.name, "fields": list(spec.fields)},
            request=request,
        )
    response = HttpResponse(data, content_type=documents.DOCX_CONTENT_TYPE)
    from django.utils.http import content_disposition_header

    response["Content-Disposition"] = content_disposition_header(
        True, documents.filename(spec, inspection)
    )
    return response


urlpatterns = [
    path("places/<int:pk>/inspect/", inspection_new, name="inspection_new"),
    path("inspections/<int:pk>/", inspection_detail, name="inspection"),
    path(
        "inspections/<int:pk>/documents/<slug:slug>/",
        inspection_document,
        name="inspection_document",
    ),
    path("inspection-photos/<int:pk>/", result_photo, name="result_photo"),
]
