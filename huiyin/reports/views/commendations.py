"""A campaign's commendations (/reports/campaigns/<id>/commendations/…), its two notices and
the annual work report (/reports/annual-report/).

Seeing the lists and downloading the notices needs the campaign pages' view permission
(Perm.REPORTS_VIEW); adding and withdrawing rows their manage permission
(Perm.ASSESSMENT_MANAGE, see huiyin.reports.models). The annual report needs Perm.REPORTS_VIEW
and counts what its reader may see. The rules live in huiyin.reports.commendations.
"""

from __future__ import annotations

from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from huiyin.front.decorators import require_perm
from huiyin.privacy import audit
from huiyin.reports import documents
from huiyin.reports.campaign_streets import campaigns_of
from huiyin.reports.commendations import (
    Commendation,
    add_commendation,
    withdraw_commendation,
)
from huiyin.reports.documents import commendations as notices
from huiyin.reports.forms_commendations import CommendationForm
from huiyin.reports.models import MANAGE_PERM, VIEW_PERM, CampaignInvalid


def _form_errors(form, exc: CampaignInvalid) -> None:
    for field, errors in exc.errors.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, str(error))


@require_perm(MANAGE_PERM)
def commendation_new(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(
        campaigns_of(request.user).prefetch_related("communities", "units"), pk=pk
    )
    if request.method == "POST":
        form = CommendationForm(request.POST, campaign=campaign, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            community, unit = form.party_objects()
            try:
                add_commendation(
                    campaign,
                    actor=request.user,
                    kind=data["kind"],
                    community=community,
                    unit=unit,
                    staff=data.get("staff"),
                    basis=data["basis"],
                    decided_on=data["decided_on"],
                    doc_number=data.get("doc_number") or "",
                    request=request,
                )
            except CampaignInvalid as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("The entry was added to the campaign's list."))
                return redirect("reports:campaign", campaign.pk)
    else:
        form = CommendationForm(
            campaign=campaign, initial={"kind": request.GET.get("kind")}, user=request.user
        )
    return render(
        request,
        "reports/commendation_form.html",
        {"nav_active": "reports", "form": form, "campaign": campaign},
    )


@require_POST
@require_perm(MANAGE_PERM)
def commendation_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    mine = Commendation.objects.filter(campaign__in=campaigns_of(request.user))
    row = get_object_or_404(mine.select_related("campaign"), pk=pk)
    try:
        withdraw_commendation(
            request.user, row, reason=request.POST.get("reason", "")[:1000], request=request
        )
    except CampaignInvalid as exc:
        for errors in exc.errors.values():
            for error in errors:
                messages.error(request, str(error))
    else:
        messages.success(request, _("The entry was withdrawn."))
    return redirect("reports:campaign", row.campaign_id)


def _docx(request: HttpRequest, spec, subject, target) -> HttpResponse | None:
    """Render `spec` for `subject`; a refusal goes back with its message. Audited."""
    try:
        data = documents.render(spec, subject)
    except documents.DocumentRefused as refused:
        messages.error(request, refused.message)
        return None
    with transaction.atomic():
        audit.record(
            "document.export",
            actor=request.user,
            target=target,
            target_label=subject.title,
            diff={"document": spec.name},
            request=request,
        )
    response = HttpResponse(data, content_type=documents.DOCX_CONTENT_TYPE)
    name = f"{spec.name}-{subject.number}.docx"
    response["Content-Disposition"] = (
        f"attachment; filename=\"{spec.slug}.docx\"; filename*=UTF-8''{quote(name)}"
    )
    return response


def _notice(request: HttpRequest, pk: int, notice: str) -> HttpResponse:
    campaign = get_object_or_404(campaigns_of(request.user), pk=pk)
    spec = notices.CRITICISM if notice == "criticism" else notices.COMMENDATION
    response = _docx(request, spec, notices.Notice.of(campaign, notice), campaign)
    return response or redirect("reports:campaign", campaign.pk)


@require_GET
@require_perm(VIEW_PERM)
def commendation_notice(request: HttpRequest, pk: int) -> HttpResponse:
    return _notice(request, pk, "commendation")


@require_GET
@require_perm(VIEW_PERM)
def criticism_notice(request: HttpRequest, pk: int) -> HttpResponse:
    return _notice(request, pk, "criticism")


class AnnualReportForm(forms.Form):
    year = forms.TypedChoiceField(
        label=gettext_lazy("Year"),
        coerce=int,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        years = list(reversed(notices.years()))
        self.fields["year"].choices = [(y, str(y)) for y in years]
        # Last year by default: the report is due by the end of January (条例 art. 41).
        self.fields["year"].initial = years[1] if len(years) > 1 else years[0]


@require_GET
@require_perm(VIEW_PERM)
def annual_report(request: HttpRequest) -> HttpResponse:
    """The year picker; with ?year=YYYY (and a valid year) the 信访工作年度报告 itself."""
    form = AnnualReportForm(request.GET or None)
    if form.is_bound and form.is_valid():
        subject = notices.AnnualReport(form.cleaned_data["year"], user=request.user)
        response = _docx(request, notices.ANNUAL, subject, subject.street)
        if response is not None:
            return response
    return render(
        request,
        "reports/annual_report.html",
        {"nav_active": "reports", "form": form},
    )


urlpatterns = [
    path("campaigns/<int:pk>/commendations/new/", commendation_new, name="commendation_new"),
    path("commendations/<int:pk>/withdraw/", commendation_withdraw, name="commendation_withdraw"),
    path(
        "campaigns/<int:pk>/commendation-notice/",
        commendation_notice,
        name="commendation_notice",
    ),
    path("campaigns/<int:pk>/criticism-notice/", criticism_notice, name="criticism_notice"),
    path("annual-report/", annual_report, name="annual_report"),
]
