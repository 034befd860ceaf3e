"""Responsibility letters (目标责任书): by year, one page each with live progress.

Seeing needs ``assessment.view``; making letters, targets and keeping or withdrawing the scan
``assessment.manage``. The rules live in :mod:`huiyin.assessment.services.targets`.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from huiyin.assessment import bodies
from huiyin.assessment.forms import LetterForm, ScanForm, TargetForm, WithdrawForm
from huiyin.assessment.models import Letter, LetterScan, Target
from huiyin.assessment.services import targets as service
from huiyin.assessment.services.common import (
    MANAGE_PERM,
    VIEW_PERM,
    AssessmentInvalid,
    may,
    today,
)
from huiyin.assessment.views.common import report, row_or_404
from huiyin.cases import bounds
from huiyin.front.decorators import require_perm
from huiyin.org import own_streets


def _year(request) -> int:
    first, last = bounds.earliest_date().year, bounds.latest_date().year
    return bounds.bounded_int(request.GET.get("year"), first, last, today().year)


@require_perm(VIEW_PERM)
@require_GET
def letter_list(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    letters = {
        (bodies.COMMUNITY, letter.community_id)
        if letter.community_id
        else (bodies.UNIT, letter.unit_id): letter
        for letter in _mine(request)
        .filter(year=year)
        .annotate(
            target_count=Count("targets", distinct=True),
            signed=Count("scans", filter=Q(scans__withdrawn=False), distinct=True),
        )
    }
    mine = bodies.all_bodies(street_ids=own_streets.street_ids(request.user))
    rows = [{"body": b, "letter": letters.get((b.kind, b.id))} for b in mine]
    return render(
        request,
        "assessment/letters.html",
        {
            "nav_active": "assessment",
            "subnav_active": "letters",
            "year": year,
            "years": [year - 1, year, year + 1],
            "rows": rows,
            "may_manage": may(request.user, MANAGE_PERM),
        },
    )


@require_perm(MANAGE_PERM)
def letter_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = LetterForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                letter = service.save_letter(
                    actor=request.user,
                    data=form.cleaned_data,
                    body=form.chosen_body(),
                    request=request,
                )
            except AssessmentInvalid as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("The letter was made; add its targets."))
                return redirect("assessment:letter", letter.pk)
    else:
        body = bodies.parse(request.GET.get("body"))
        form = LetterForm(
            initial={"year": _year(request), "body": body.key if body else ""}, user=request.user
        )
    return render(
        request,
        "assessment/letter_form.html",
        {"nav_active": "assessment", "subnav_active": "letters", "form": form},
    )


def _mine(request, model=Letter):
    """The letters (or their targets, scans) of the bodies of the person's streets: another
    street's id is 404, as an unknown one."""
    prefix = "" if model is Letter else "letter__"
    return model.objects.filter(own_streets.body_in_streets(request.user, prefix))


def _letter(request, pk) -> Letter:
    return row_or_404(_mine(request).select_related("community", "unit"), pk)


@require_perm(VIEW_PERM)
@require_GET
def letter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    letter = _letter(request, pk)
    rows, summary = service.progress(letter)
    manage = may(request.user, MANAGE_PERM)
    scan = service.live_scan(letter)
    return render(
        request,
        "assessment/letter_detail.html",
        {
            "nav_active": "assessment",
            "subnav_active": "letters",
            "letter": letter,
            "rows": rows,
            "summary": summary,
            "scan": scan,
            "scans": list(letter.scans.select_related("uploaded_by").all()),
            "may_manage": manage,
            "target_form": TargetForm() if manage and scan is None else None,
            "scan_form": ScanForm() if manage else None,
        },
    )


@require_perm(MANAGE_PERM)
@require_POST
def target_add(request: HttpRequest, pk: int) -> HttpResponse:
    letter = _letter(request, pk)
    form = TargetForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("assessment:letter", letter.pk)
    try:
        service.save_target(letter, actor=request.user, data=form.service_data(), request=request)
    except AssessmentInvalid as exc:
        report(request, exc)
    else:
        messages.success(request, _("The target was added."))
    return redirect("assessment:letter", letter.pk)


@require_perm(MANAGE_PERM)
@require_POST
def target_delete(request: HttpRequest, pk: int) -> HttpResponse:
    target = row_or_404(_mine(request, Target).select_related("letter"), pk)
    try:
        service.delete_target(target, actor=request.user, request=request)
    except AssessmentInvalid as exc:
        report(request, exc)
    else:
        messages.success(request, _("The target was removed."))
    return redirect("assessment:letter", target.letter_id)


@require_perm(MANAGE_PERM)
@require_POST
def scan_upload(request: HttpRequest, pk: int) -> HttpResponse:
    letter = _letter(request, pk)
    form = ScanForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            service.add_scan(
                letter,
                form.cleaned_data["file"],
                actor=request.user,
                signed_on=form.cleaned_data["signed_on"],
                signed_by=form.cleaned_data["signed_by"],
                request=request,
            )
        except AssessmentInvalid as exc:
            report(request, exc)
        else:
            messages.success(request, _("The signed letter was kept."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("assessment:letter", letter.pk)


@require_perm(VIEW_PERM)
@require_GET
def scan_download(request: HttpRequest, pk: int) -> FileResponse:
    scan = row_or_404(_mine(request, LetterScan).filter(withdrawn=False), pk)
    handle = service.open_scan(request.user, scan, request=request)
    return FileResponse(
        handle, as_attachment=True, filename=scan.original_name, content_type=scan.content_type
    )


@require_perm(MANAGE_PERM)
@require_POST
def scan_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    scan = row_or_404(_mine(request, LetterScan), pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please give the reason for withdrawing the file."))
    else:
        try:
            service.withdraw_scan(
                request.user, scan, reason=form.cleaned_data["reason"], request=request
            )
        except AssessmentInvalid as exc:
            report(request, exc)
        else:
            messages.success(request, _("The signed letter was withdrawn."))
    return redirect("assessment:letter", scan.letter_id)


urlpatterns = [
    path("letters/", letter_list, name="letters"),
    path("letters/new/", letter_new, name="letter_new"),
    path("letters/<int:pk>/", letter_detail, name="letter"),
    path("letters/<int:pk>/targets/", target_add, name="target_add"),
    path("letters/<int:pk>/scan/", scan_upload, name="scan_upload"),
    path("targets/<int:pk>/delete/", target_delete, name="target_delete"),
    path("scans/<int:pk>/", scan_download, name="scan"),
    path("scans/<int:pk>/withdraw/", scan_withdraw, name="scan_withdraw"),
]
