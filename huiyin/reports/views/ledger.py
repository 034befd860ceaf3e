"""Report pages: the ledgers (台账) out to Excel, the petition ledger in from Excel or CSV.

    /reports/ledger/                 the page: export form, link to the import
    /reports/ledger/export/?<filters>[&identity=1][&ledger=disputes]   the .xlsx (the list's
                                     filters: the petition list's, or the dispute list's for
                                     the dispute screening and people's mediation ledgers)
    /reports/ledger/import/          upload an .xlsx/.csv ledger → a job with progress

The work itself is in huiyin.reports.ledgers; an import runs as a job (huiyin.reports.jobs)
whose page shows the progress and then the result (huiyin.reports.views.word holds the job
pages).
"""

from __future__ import annotations

import tempfile
from pathlib import Path, PurePath

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds
from huiyin.front.decorators import require_perm
from huiyin.org.access import reach_of
from huiyin.org.models import Community
from huiyin.org.roles import Perm
from huiyin.reports import jobs
from huiyin.reports.ledgers import export, kinds
from huiyin.reports.ledgers.load import write_error_report
from huiyin.reports.ledgers.petitions import (
    export_petition_ledger,
    import_petition_ledger,
    may_export_identity,
    may_import,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Largest ledger accepted for import (bytes); a 100,000-row .xlsx is about 10 MB.
DEFAULT_MAX_UPLOAD = 100 * 1024 * 1024

MSG_FILE_TYPE = _("Choose an .xlsx or .csv file.")
MSG_FILE_EMPTY = _("The file is empty.")
MSG_FILE_TOO_BIG = _("The file is larger than %(mb)s MB.")

_DATE = {"type": "date", "class": "form-control"}


#: The ledgers the page exports: key → (who may, beside Perm.REPORTS_EXPORT; the file name).
#: The petition ledger is every exporter's, as before; the dispute ledgers need DISPUTES_VIEW.
EXPORTS = {
    "petitions": (None, _("petition-ledger-%(stamp)s.xlsx")),
    "disputes": (Perm.DISPUTES_VIEW, _("dispute-ledger-%(stamp)s.xlsx")),
    "mediations": (Perm.DISPUTES_VIEW, _("mediation-ledger-%(stamp)s.xlsx")),
}


def exportable(user) -> list[str]:
    """The keys of the ledgers `user` may export, in the page's order."""
    reach = reach_of(user)
    return [key for key, (perm, _name) in EXPORTS.items() if perm is None or reach.can(perm)]


def max_upload() -> int:
    return int(getattr(settings, "HUIYIN_LEDGER_MAX_BYTES", DEFAULT_MAX_UPLOAD))


class ExportForm(forms.Form):
    """The export's filters (GET, the petition list's names) and the identity box."""

    community = forms.ModelChoiceField(
        label=_("Community"),
        queryset=Community.objects.none(),
        required=False,
        empty_label=_("All communities"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    identity = forms.BooleanField(
        label=_("Include full identity (names, ID and phone numbers)"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, identity: bool, ledgers: list[str] = ("petitions",), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = Community.objects.order_by("order", "id")
        if len(ledgers) > 1:
            self.fields["ledger"] = forms.ChoiceField(
                label=_("Ledger"),
                choices=[(key, kinds.get(key).label) for key in ledgers],
                widget=forms.Select(attrs={"class": "form-select"}),
            )
        # "from" is a keyword: the date fields are added by name, as the petition list has them.
        self.fields["from"] = bounds.DateField(
            future_ok=True,
            label=_("Received from"),
            required=False,
            widget=forms.DateInput(attrs=_DATE, format="%Y-%m-%d"),
        )
        self.fields["to"] = bounds.DateField(
            future_ok=True,
            label=_("Received until"),
            required=False,
            widget=forms.DateInput(attrs=_DATE, format="%Y-%m-%d"),
        )
        self.order_fields(["ledger", "from", "to", "community", "identity"])
        if not identity:
            del self.fields["identity"]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Ledger file (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx,.csv"}),
    )
    dry_run = forms.BooleanField(
        label=_("Only check the file, import nothing"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if PurePath(upload.name or "").suffix.lower() not in (".xlsx", ".csv"):
            raise forms.ValidationError(MSG_FILE_TYPE)
        if not upload.size:
            raise forms.ValidationError(MSG_FILE_EMPTY)
        if upload.size > max_upload():
            raise forms.ValidationError(
                MSG_FILE_TOO_BIG % {"mb": round(max_upload() / 1024 / 1024)}
            )
        return upload


@require_perm(Perm.REPORTS_EXPORT, Perm.PETITIONS_REGISTER, Perm.ADMIN_MANAGE)
def ledger_page(request: HttpRequest) -> HttpResponse:
    reach = reach_of(request.user)
    if not (reach.can(Perm.REPORTS_EXPORT) or may_import(request.user)):
        # Registering in one community (a community worker) opens neither half of the page.
        raise PermissionDenied
    form = ExportForm(identity=may_export_identity(request.user), ledgers=exportable(request.user))
    return render(
        request,
        "reports/ledger.html",
        {
            "nav_active": "reports",
            "form": form,
            "may_export": reach.can(Perm.REPORTS_EXPORT),
            "may_import": may_import(request.user),
        },
    )


@require_perm(Perm.REPORTS_EXPORT)
def ledger_export(request: HttpRequest) -> HttpResponse:
    """The .xlsx of the matters the list shows with the same GET filters (audited): the
    petition ledger, or with ``ledger=disputes`` / ``mediations`` a dispute ledger."""
    key = request.GET.get("ledger") or "petitions"
    if key not in EXPORTS:
        raise Http404
    if key not in exportable(request.user):
        raise PermissionDenied
    with_identity = request.GET.get("identity") in ("1", "on", "true")
    params = request.GET.copy()
    params.pop("identity", None)
    params.pop("ledger", None)
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - FileResponse closes it
    try:
        if key == "petitions":
            export_petition_ledger(
                out, user=request.user, params=params, with_identity=with_identity, request=request
            )
        else:
            export.export_ledger(
                kinds.get(key),
                out,
                user=request.user,
                params=params,
                with_identity=with_identity,
                request=request,
            )
    except PermissionDenied:
        out.close()
        raise
    out.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = gettext(EXPORTS[key][1]) % {"stamp": stamp}
    return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX)


def _run_import(progress: jobs.Progress, *, path: str, filename: str, user, dry_run: bool) -> dict:
    try:
        report = import_petition_ledger(
            path, filename=filename, actor=user, dry_run=dry_run, progress=progress
        )
    finally:
        # The upload holds personal data: it goes as soon as it is read.
        Path(path).unlink(missing_ok=True)
    result = {"kind": "import", "report": report.as_dict()}
    if report.errors or report.duplicates or report.warnings or report.file_error:
        target = progress.result_file("errors.xlsx")
        write_error_report(report, target)
        result.update(
            file=target.name,
            download_name=gettext("import-check-%(file)s.xlsx") % {"file": PurePath(filename).stem},
            audit="download",
        )
    return result


@require_perm(Perm.PETITIONS_REGISTER, Perm.ADMIN_MANAGE)
def ledger_import(request: HttpRequest) -> HttpResponse:
    if not may_import(request.user):
        raise PermissionDenied
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            dry_run = form.cleaned_data["dry_run"]
            job = jobs.prepare(
                request.user,
                "ledger_import",
                _("Checking a ledger") if dry_run else _("Importing a ledger"),
            )
            suffix = PurePath(upload.name).suffix.lower()
            target = jobs.job_dir(job.id) / f"upload{suffix}"
            with target.open("wb") as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
            jobs.launch(
                job,
                _run_import,
                path=str(target),
                filename=PurePath(upload.name).name,
                user=request.user,
                dry_run=dry_run,
            )
            return redirect("reports:job", job.id)
    else:
        form = ImportForm()
    return render(
        request,
        "reports/ledger_import.html",
        {"nav_active": "reports", "form": form, "max_mb": round(max_upload() / 1024 / 1024)},
    )


urlpatterns = [
    path("ledger/", ledger_page, name="ledger"),
    path("ledger/export/", ledger_export, name="ledger_export"),
    path("ledger/import/", ledger_import, name="ledger_import"),
]
