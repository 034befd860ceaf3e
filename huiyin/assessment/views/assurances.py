"""The five assurances (五个落实): the year's table of every body, one page per body and year.

Seeing needs ``assessment.view``; recording items and keeping or withdrawing evidence
``assessment.manage``. The rules live in :mod:`huiyin.assessment.services.assurances`.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from huiyin.assessment import bodies
from huiyin.assessment.forms import WithdrawForm
from huiyin.assessment.forms_assurances import AssuranceForm, EvidenceForm, staff_choices
from huiyin.assessment.models import AssuranceEvidence, AssuranceItem, AssuranceStatus
from huiyin.assessment.services import assurances as service
from huiyin.assessment.services.common import (
    MANAGE_PERM,
    VIEW_PERM,
    AssessmentInvalid,
    may,
    today,
)
from huiyin.assessment.views.common import report, row_or_404
from huiyin.front.decorators import require_perm
from huiyin.org import own_streets


def _list_year(request) -> int:
    """The year asked for (?year=), this year when none or one out of bounds is asked."""
    return service.check_year(request.GET.get("year")) or today().year


def _page(request, year, key) -> tuple[int, bodies.Body]:
    """The year and body of a path, or 404 (also a body of another street)."""
    year = service.check_year(year)
    body = bodies.parse(key)
    if year is None or body is None or body not in _mine(request):
        raise Http404
    return year, body


def _item(value) -> str:
    if value not in AssuranceItem.values:
        raise Http404
    return value


def _back(year: int, body: bodies.Body):
    return redirect("assessment:assurance", year, body.key)


@require_perm(VIEW_PERM)
@require_GET
def assurance_list(request: HttpRequest) -> HttpResponse:
    year = _list_year(request)
    return render(
        request,
        "assessment/assurances.html",
        {
            "nav_active": "assessment",
            "subnav_active": "assurances",
            "year": year,
            "years": [y for y in (year - 1, year, year + 1) if service.check_year(y)],
            "items": [(item.value, item.label) for item in service.ITEMS],
            "lines": service.table(year, _mine(request)),
            "total": service.TOTAL,
            "statuses": dict(AssuranceStatus.choices),
        },
    )


@require_perm(VIEW_PERM)
@require_GET
def assurance_detail(request: HttpRequest, year: int, body: str) -> HttpResponse:
    year, found = _page(request, year, body)
    rows = service.checklist(found, year)
    manage = may(request.user, MANAGE_PERM)
    if manage:
        staff = staff_choices(request.user)
        for row in rows:
            record = row.record
            row.form = AssuranceForm(
                prefix=row.item,
                takes_responsible=row.takes_responsible,
                staff=staff,
                initial={
                    "status": record.status if record else AssuranceStatus.NOT_IN_PLACE,
                    "description": record.description if record else "",
                    "responsible": record.responsible_id if record else "",
                    "version": record.version if record else None,
                },
            )
            row.evidence_form = EvidenceForm(prefix=f"{row.item}-evidence")
    return render(
        request,
        "assessment/assurance_detail.html",
        {
            "nav_active": "assessment",
            "subnav_active": "assurances",
            "year": year,
            "body": found,
            "rows": rows,
            "complete": sum(1 for row in rows if row.complete),
            "total": service.TOTAL,
            "may_manage": manage,
        },
    )


@require_perm(MANAGE_PERM)
@require_POST
def assurance_save(request: HttpRequest, year: int, body: str, item: str) -> HttpResponse:
    year, found = _page(request, year, body)
    item = _item(item)
    form = AssuranceForm(
        request.POST,
        prefix=item,
        takes_responsible=item in service.WITH_RESPONSIBLE,
        staff=staff_choices(request.user),
    )
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(year, found)
    try:
        service.save_item(
            found, year, item, actor=request.user, data=form.cleaned_data, request=request
        )
    except AssessmentInvalid as exc:
        report(request, exc)
    else:
        messages.success(request, _("The item was saved."))
    return _back(year, found)


@require_perm(MANAGE_PERM)
@require_POST
def evidence_upload(request: HttpRequest, year: int, body: str, item: str) -> HttpResponse:
    year, found = _page(request, year, body)
    item = _item(item)
    form = EvidenceForm(request.POST, request.FILES, prefix=f"{item}-evidence")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(year, found)
    try:
        service.add_evidence(
            found,
            year,
            item,
            form.cleaned_data["file"],
            actor=request.user,
            title=form.cleaned_data["title"],
            request=request,
        )
    except AssessmentInvalid as exc:
        report(request, exc)
    else:
        messages.success(request, _("The evidence was kept."))
    return _back(year, found)


def _mine(request) -> list[bodies.Body]:
    """The bodies of the person's streets."""
    return bodies.all_bodies(street_ids=own_streets.street_ids(request.user))


def _evidence(request, pk, queryset=None) -> AssuranceEvidence:
    queryset = queryset if queryset is not None else AssuranceEvidence.objects.all()
    queryset = queryset.filter(own_streets.body_in_streets(request.user, "assurance__"))
    return row_or_404(queryset.select_related("assurance__community", "assurance__unit"), pk)


@require_perm(VIEW_PERM)
@require_GET
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    evidence = _evidence(request, pk, AssuranceEvidence.objects.filter(withdrawn=False))
    handle = service.open_evidence(request.user, evidence, request=request)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )


@require_perm(MANAGE_PERM)
@require_POST
def evidence_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = _evidence(request, pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please give the reason for withdrawing the file."))
    else:
        try:
            service.withdraw_evidence(
                request.user, evidence, reason=form.cleaned_data["reason"], request=request
            )
        except AssessmentInvalid as exc:
            report(request, exc)
        else:
            messages.success(request, _("The evidence was withdrawn."))
    row = evidence.assurance
    return _back(row.year, service.body_of(row))


urlpatterns = [
    path("assurances/", assurance_list, name="assurances"),
    path("assurances/<int:year>/<str:body>/", assurance_detail, name="assurance"),
    path("assurances/<int:year>/<str:body>/<str:item>/", assurance_save, name="assurance_save"),
    path(
        "assurances/<int:year>/<str:body>/<str:item>/evidence/",
        evidence_upload,
        name="assurance_evidence_upload",
    ),
    path("assurance-evidence/<int:pk>/", evidence_download, name="assurance_evidence"),
    path(
        "assurance-evidence/<int:pk>/withdraw/",
        evidence_withdraw,
        name="assurance_evidence_withdraw",
    ),
]
