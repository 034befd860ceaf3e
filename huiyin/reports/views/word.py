"""Report pages: the campaign report in Word, and the pages of long work (jobs).

    /reports/word/                    the form (period or campaign, community, own template)
    /reports/jobs/<id>/               a job's progress, polled by htmx; then its result
    /reports/jobs/<id>/download/      the job's file (audited: "export" for a report)

A report is written by huiyin.reports.word in a background job (huiyin.reports.jobs); the
job page shows a progress bar and, when done, the download.
"""

from __future__ import annotations

from pathlib import Path, PurePath

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds
from huiyin.front.decorators import require_perm
from huiyin.org.access import reach_of
from huiyin.org.models import Community
from huiyin.org.roles import Perm
from huiyin.privacy import audit
from huiyin.reports import jobs, stats, word

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEMPLATE_MAX_BYTES = word.TEMPLATE_MAX_BYTES

MSG_TO_BEFORE_FROM = _("The end date cannot be earlier than the start date.")
MSG_DATE_REQUIRED = _("Enter a date.")
MSG_CHOOSE_CAMPAIGN = _("Choose a campaign.")
MSG_TEMPLATE_TYPE = _("Choose a Word document (.docx) as the template.")
MSG_TEMPLATE_SIZE = _("The template is larger than 10 MB.")

_DATE = {"type": "date", "class": "form-control"}


def _campaigns():
    """The campaigns, when the campaign model is installed (None otherwise)."""
    try:
        from huiyin.reports.models import Campaign
    except ImportError:  # pragma: no cover - the model ships with the reports app
        return None
    return Campaign.objects.order_by("-start", "-id")


class WordReportForm(forms.Form):
    PERIODS = (("custom", _("Dates")), ("campaign", _("A campaign")))

    period = forms.ChoiceField(
        label=_("Period"),
        choices=PERIODS,
        initial="custom",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    campaign = forms.ModelChoiceField(
        label=_("Campaign"),
        queryset=Community.objects.none(),
        required=False,
        empty_label=_("(choose)"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    community = forms.ModelChoiceField(
        label=_("Community"),
        queryset=Community.objects.none(),
        required=False,
        empty_label=_("The whole street"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    STYLES = (
        ("report", _("Situation report (情况通报)")),
        ("speech", _("Closing-meeting speech draft")),
    )
    style = forms.ChoiceField(
        label=_("Document"),
        choices=STYLES,
        initial="report",
        required=False,  # a form from before the choice existed: the 情况通报
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    template = forms.FileField(
        label=_("Own template (.docx, optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".docx"}),
    )

    def __init__(self, *args, may_use_template: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_use_template:
            del self.fields["template"]
        campaigns = _campaigns()
        if campaigns is None:
            del self.fields["campaign"]
            self.fields["period"].choices = self.PERIODS[:1]
        else:
            self.fields["campaign"].queryset = campaigns
        self.fields["community"].queryset = Community.objects.order_by("order", "id")
        self.fields["from"] = bounds.DateField(
            future_ok=True,
            label=_("From"),
            required=False,
            widget=forms.DateInput(attrs=_DATE, format="%Y-%m-%d"),
        )
        self.fields["to"] = bounds.DateField(
            future_ok=True,
            label=_("To (inclusive)"),
            required=False,
            widget=forms.DateInput(attrs=_DATE, format="%Y-%m-%d"),
        )
        self.order_fields(["period", "from", "to", "campaign", "community", "style", "template"])

    def clean_template(self):
        upload = self.cleaned_data.get("template")
        if not upload:
            return None
        if PurePath(upload.name or "").suffix.lower() != ".docx":
            raise forms.ValidationError(MSG_TEMPLATE_TYPE)
        if upload.size > TEMPLATE_MAX_BYTES:
            raise forms.ValidationError(MSG_TEMPLATE_SIZE)
        # Refused here, before any job: broken, too large unpacked, or reaching beyond the
        # report's data (the sandbox refuses it again when the template is filled).
        try:
            word.check_template(upload)
        except word.ReportTemplateError as exc:
            raise forms.ValidationError(str(exc.message)) from None
        upload.seek(0)
        return upload

    def clean(self):
        data = super().clean()
        if data.get("period") == "campaign":
            if not data.get("campaign") and "campaign" not in self.errors:
                self.add_error("campaign", MSG_CHOOSE_CAMPAIGN)
        elif data.get("period") == "custom":
            start, end = data.get("from"), data.get("to")
            for name, value in (("from", start), ("to", end)):
                if value is None and name not in self.errors:
                    self.add_error(name, MSG_DATE_REQUIRED)
            if start and end and end < start:
                self.add_error("to", MSG_TO_BEFORE_FROM)
        return data

    def resolve(self) -> tuple[stats.Period, object | None]:
        data = self.cleaned_data
        if data["period"] == "campaign":
            return stats.Period.of_campaign(data["campaign"]), data["campaign"]
        return stats.Period(data["from"], data["to"]), None


def _run_report(
    progress: jobs.Progress,
    *,
    user,
    start,
    end,
    community_id: int | None,
    campaign_id: int | None,
    template_path: str | None,
    style: str = "report",
) -> dict:
    period = stats.Period(start, end)
    community = Community.objects.filter(pk=community_id).first() if community_id else None
    campaign = None
    if campaign_id:
        campaigns = _campaigns()
        campaign = campaigns.filter(pk=campaign_id).first() if campaigns is not None else None
    target = progress.result_file("report.docx")
    try:
        word.campaign_report(
            target,
            period=period,
            user=user,
            community=community,
            campaign=campaign,
            template=template_path,
            progress=progress,
            style=style,
        )
    finally:
        if template_path:
            Path(template_path).unlink(missing_ok=True)
    name = (
        gettext("closing-speech-%(start)s-%(end)s.docx")
        if style == "speech"
        else gettext("campaign-report-%(start)s-%(end)s.docx")
    ) % {
        "start": start.strftime("%Y%m%d"),
        "end": end.strftime("%Y%m%d"),
    }
    return {
        "kind": "word",
        "file": target.name,
        "download_name": name,
        "audit": "export",
        "audit_diff": {
            "report": "campaign",
            "period": period.as_dict(),
            "community": community_id,
            "campaign": campaign_id,
            "template": bool(template_path),
            "style": style,
        },
    }


@require_perm(Perm.REPORTS_VIEW)
def word_report(request: HttpRequest) -> HttpResponse:
    reach = reach_of(request.user)
    may_generate = reach.can(Perm.REPORTS_EXPORT)
    # A template is code run on the server: handing one in is its own permission.
    may_use_template = may_generate and reach.can(Perm.REPORT_TEMPLATES_MANAGE)
    if request.method == "POST":
        if not may_generate or ("template" in request.FILES and not may_use_template):
            raise PermissionDenied
        form = WordReportForm(request.POST, request.FILES, may_use_template=may_use_template)
        if form.is_valid():
            period, campaign = form.resolve()
            community = form.cleaned_data.get("community")
            job = jobs.prepare(request.user, "word", _("Campaign report (Word)"))
            template_path = None
            upload = form.cleaned_data.get("template")
            if upload:
                target = jobs.job_dir(job.id) / "template.docx"
                with target.open("wb") as handle:
                    for chunk in upload.chunks():
                        handle.write(chunk)
                template_path = str(target)
            jobs.launch(
                job,
                _run_report,
                user=request.user,
                start=period.start,
                end=period.end,
                community_id=community.pk if community else None,
                campaign_id=campaign.pk if campaign else None,
                template_path=template_path,
                style=form.cleaned_data["style"] or "report",
            )
            return redirect("reports:job", job.id)
    else:
        month = stats.Period.this_month()
        form = WordReportForm(
            initial={"period": "custom", "from": month.start, "to": month.end},
            may_use_template=may_use_template,
        )
    return render(
        request,
        "reports/word.html",
        {
            "nav_active": "reports",
            "form": form,
            "may_generate": may_generate,
            "may_use_template": may_use_template,
            "placeholders": word.PLACEHOLDERS,
            "lists": word.LISTS,
        },
    )


# --------------------------------------------------------------------------- jobs


@login_required
def job_page(request: HttpRequest, job_id: str) -> HttpResponse:
    """A job's progress (the htmx poll gets the fragment only); only its owner sees it."""
    job = jobs.get_for_user(request.user, job_id)
    context = {"nav_active": "reports", "job": job, "report": job.result.get("report")}
    if request.headers.get("HX-Request"):
        return render(request, "reports/job_progress.html", context)
    return render(request, "reports/job.html", context)


@login_required
def job_download(request: HttpRequest, job_id: str) -> HttpResponse:
    job = jobs.get_for_user(request.user, job_id)
    result_path = job.result_path if job.state == jobs.DONE else None
    if result_path is None:
        raise Http404
    action = job.result.get("audit", "download")
    with transaction.atomic():
        audit.record(
            action if action in ("export", "download") else "download",
            request=request,
            target_label=job.title,
            diff=job.result.get("audit_diff") or {"job": job.kind},
        )
    name = job.result.get("download_name") or result_path.name
    content_type = DOCX if result_path.suffix == ".docx" else None
    return FileResponse(
        result_path.open("rb"), as_attachment=True, filename=name, content_type=content_type
    )


urlpatterns = [
    path("word/", word_report, name="word"),
    path("jobs/<str:job_id>/", job_page, name="job"),
    path("jobs/<str:job_id>/download/", job_download, name="job_download"),
]
