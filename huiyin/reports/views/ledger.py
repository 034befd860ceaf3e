"""Report pages: the ledgers (台账) out to Excel, and in from Excel or CSV.

    /reports/ledger/                 the page: export form, link to the import
    /reports/ledger/export/?<filters>[&identity=1][&ledger=disputes]   the .xlsx (the list's
                                     filters: the petition list's, or the dispute list's for
                                     the dispute screening and people's mediation ledgers, the
                                     incident list's for the incident ledger; ``from``/``to``/
                                     ``community`` for the patrol and rectification ledgers)
    /reports/ledger/import/          upload an .xlsx/.csv ledger (POST ``ledger=petitions|
                                     disputes|mediations|incidents``, the kinds the person may
                                     import: :func:`importable`; ``street=<id>`` when the
                                     person holds grants in several streets) → a job with
                                     progress

The patrol ledger (巡查台账) and the hazard rectification ledger (隐患整改台账) are exported
only (:data:`EXPORT_ONLY`): patrols and inspections are recorded on their own pages.

A person whose grants are in several streets (a district office, an administrator over
several streets) says which street the ledger is of, as ``huiyin import-ledger --street`` does:
the rows' communities are looked up in that street (``streets.working_in``). The choice offers
only the streets they hold a grant in (the header's chosen street preselected), and the job checks it
again against their grants when it runs.

The work itself is in huiyin.reports.ledgers; an import runs as a job (huiyin.reports.jobs)
whose page shows the progress and then the result (huiyin.reports.views.word holds the job
pages).
"""

from __future__ import annotations

import tempfile
from pathlib import Path, PurePath

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds
from huiyin.front.decorators import require_perm
from huiyin.org import streets
from huiyin.org.access import reach_of
from huiyin.org.models import Community, Street
from huiyin.org.roles import Perm
from huiyin.org.street_choice import chosen_street_id, full_street_ids
from huiyin.reports import jobs
from huiyin.reports.ledgers import export, kinds
from huiyin.reports.ledgers.load import import_ledger, write_error_report
from huiyin.reports.ledgers.petitions import (
    export_petition_ledger,
    may_export_identity,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Largest ledger accepted for import (bytes); a 100,000-row .xlsx is about 10 MB.
DEFAULT_MAX_UPLOAD = 100 * 1024 * 1024

MSG_FILE_TYPE = _("Choose an .xlsx or .csv file.")
MSG_FILE_EMPTY = _("The file is empty.")
MSG_FILE_TOO_BIG = _("The file is larger than %(mb)s MB.")
MSG_STREET = _("Choose the street the ledger is of: one of the streets you work in.")
#: The longest street value read from the form (an id).
MAX_STREET = 12
MSG_STREET_GONE = _("You hold no role in that street any more: nothing was imported.")

_DATE = {"type": "date", "class": "form-control"}


#: The ledgers the page exports: key → (who may, beside Perm.REPORTS_EXPORT; the file name).
#: The petition ledger is every exporter's, as before; the dispute ledgers need DISPUTES_VIEW,
#: the incident ledger INCIDENTS_VIEW, the patrol ledgers PATROLS_VIEW. Which rows: the kind's
#: own (``visible_to`` for cases, huiyin.patrols.access for patrols and rectifications).
EXPORTS = {
    "petitions": (None, _("petition-ledger-%(stamp)s.xlsx")),
    "disputes": (Perm.DISPUTES_VIEW, _("dispute-ledger-%(stamp)s.xlsx")),
    "mediations": (Perm.DISPUTES_VIEW, _("mediation-ledger-%(stamp)s.xlsx")),
    "incidents": (Perm.INCIDENTS_VIEW, _("incident-ledger-%(stamp)s.xlsx")),
    "patrols": (Perm.PATROLS_VIEW, _("patrol-ledger-%(stamp)s.xlsx")),
    "rectifications": (Perm.PATROLS_VIEW, _("rectification-ledger-%(stamp)s.xlsx")),
}

#: Ledgers exported only: the page says so, and the import never offers them.
EXPORT_ONLY = ("patrols", "rectifications")


def exportable(user) -> list[str]:
    """The keys of the ledgers `user` may export, in the page's order."""
    reach = reach_of(user)
    return [key for key, (perm, _name) in EXPORTS.items() if perm is None or reach.can(perm)]


def screens_communities(user) -> bool:
    """Whether `user` screens disputes street-wide or for whole communities (or administers).

    Every row of a dispute ledger names its 所属社区, and the import checks each row against
    the importer's registering scope (``disputes_names.Lookups.may_register``: the community,
    or the unit of the row's committee). A grid's scope covers no community, so a grid worker
    is not offered an import whose every row would be refused.
    """
    reach = reach_of(user)
    if reach.can(Perm.ADMIN_MANAGE):
        return True
    scope = reach.scope(Perm.DISPUTES_SCREEN)
    return scope.street_wide or bool(scope.community_ids)


def reports_incidents_for_communities(user) -> bool:
    """Whether `user` registers incidents street-wide or for whole communities (or administers).

    Every row of the incident ledger names its 所属社区 (or none: the street), and the import
    checks each row against the importer's ``incidents.report`` scope
    (``incidents_check.Lookups.may_register``), which a grid's scope never covers: a grid
    worker is not offered an import whose every row would be refused.
    """
    reach = reach_of(user)
    if reach.can(Perm.ADMIN_MANAGE):
        return True
    scope = reach.scope(Perm.INCIDENTS_REPORT)
    return scope.street_wide or bool(scope.community_ids)


#: The ledgers the page imports, in the page's order: key → who may (beside the kind's own
#: ``may_import``, which the import checks again; each row is checked against the importer's
#: scope by the kind). Petitions: the petition office; the dispute ledgers: those who screen
#: disputes for the street or a community; the incident ledger: those who register incidents
#: for the street or a community.
IMPORTS = {
    "petitions": None,
    "disputes": screens_communities,
    "mediations": screens_communities,
    "incidents": reports_incidents_for_communities,
}


def importable(user) -> list[str]:
    """The keys of the ledgers `user` may import on the page, in the page's order."""
    return [
        key
        for key, check in IMPORTS.items()
        if kinds.get(key).may_import(user) and (check is None or check(user))
    ]


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
    """The upload: which ledger (only the kinds the person may import; a choice only when
    there are several), the file and the dry-run box."""

    file = forms.FileField(
        label=_("Ledger file (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx,.csv"}),
    )
    dry_run = forms.BooleanField(
        label=_("Only check the file, import nothing"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, ledgers: list[str], choices: list[Street] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.ledgers = ledgers
        self.streets = {street.pk: street for street in choices}
        if len(self.streets) > 1:
            # Several streets: which one the ledger is of (only theirs; no default guessed).
            self.fields["street"] = forms.ChoiceField(
                label=_("Street"),
                choices=[("", "—"), *((s.pk, s.name) for s in choices)],
                error_messages={"required": MSG_STREET, "invalid_choice": MSG_STREET},
                widget=forms.Select(attrs={"class": "form-select"}),
            )
        self.fields["ledger"] = forms.ChoiceField(
            label=_("Ledger"),
            choices=[(key, kinds.get(key).label) for key in ledgers],
            required=False,
            widget=(
                forms.Select(attrs={"class": "form-select"})
                if len(ledgers) > 1
                else forms.HiddenInput
            ),
        )
        self.order_fields(["street", "ledger", "file", "dry_run"])

    def clean_street(self) -> Street | None:
        value = str(self.cleaned_data.get("street") or "")[:MAX_STREET]
        street = self.streets.get(int(value)) if value.isascii() and value.isdigit() else None
        if street is None:
            raise forms.ValidationError(MSG_STREET)
        return street

    def clean_ledger(self) -> str:
        return self.cleaned_data.get("ledger") or self.ledgers[0]

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


@require_perm(Perm.REPORTS_EXPORT, Perm.PETITIONS_REGISTER, Perm.DISPUTES_SCREEN, Perm.ADMIN_MANAGE)
def ledger_page(request: HttpRequest) -> HttpResponse:
    reach = reach_of(request.user)
    imports = importable(request.user)
    if not (reach.can(Perm.REPORTS_EXPORT) or imports):
        # Registering petitions in one community, screening one grid: neither half of the page.
        raise PermissionDenied
    exports = exportable(request.user) if reach.can(Perm.REPORTS_EXPORT) else []
    form = ExportForm(identity=may_export_identity(request.user), ledgers=exports or ["petitions"])
    return render(
        request,
        "reports/ledger.html",
        {
            "nav_active": "reports",
            "form": form,
            "may_export": reach.can(Perm.REPORTS_EXPORT),
            "may_import": bool(imports),
            "exports": exports,
            "export_only": [
                {"key": key, "label": kinds.get(key).label} for key in EXPORT_ONLY if key in exports
            ],
        },
    )


@require_perm(Perm.REPORTS_EXPORT)
def ledger_export(request: HttpRequest) -> HttpResponse:
    """The .xlsx of the matters the list shows with the same GET filters (audited): the
    petition ledger, or with ``ledger=disputes`` / ``mediations`` a dispute ledger,
    ``incidents`` the incident ledger, ``patrols`` / ``rectifications`` a patrol ledger."""
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


def _run_import(
    progress: jobs.Progress,
    *,
    path: str,
    filename: str,
    user,
    dry_run: bool,
    ledger: str,
    street: int | None = None,
) -> dict:
    try:
        # The street chosen on the form, checked again against the person's grants now.
        chosen = None
        if street is not None:
            chosen = Street.objects.filter(pk=street).first()
            if chosen is None or chosen.pk not in reach_of(user).street_ids:
                raise ValidationError(MSG_STREET_GONE)  # the job page shows the message
        with streets.working_in(chosen):
            report = import_ledger(
                kinds.get(ledger),
                path,
                filename=filename,
                actor=user,
                dry_run=dry_run,
                progress=progress,
            )
    finally:
        # The upload holds personal data: it goes as soon as it is read.
        Path(path).unlink(missing_ok=True)
    result = {"kind": "import", "ledger": ledger, "report": report.as_dict()}
    if chosen is not None:
        result["street"] = chosen.name
    if report.errors or report.duplicates or report.warnings or report.file_error:
        target = progress.result_file("errors.xlsx")
        write_error_report(report, target)
        result.update(
            file=target.name,
            download_name=gettext("import-check-%(file)s.xlsx") % {"file": PurePath(filename).stem},
            audit="download",
        )
    return result


def import_streets(user) -> list[Street]:
    """The streets `user` may import a ledger of: every street they hold a grant in, whatever
    street the header narrows the page to (a choice is offered only when there are several)."""
    ids = full_street_ids(user)
    if len(ids) < 2:
        return []
    return list(Street.objects.filter(pk__in=ids).order_by("pk"))


@require_perm(Perm.PETITIONS_REGISTER, Perm.DISPUTES_SCREEN, Perm.ADMIN_MANAGE)
def ledger_import(request: HttpRequest) -> HttpResponse:
    ledgers = importable(request.user)
    if not ledgers:
        raise PermissionDenied
    choices = import_streets(request.user)
    if request.method == "POST":
        if request.POST.get("ledger") in set(IMPORTS) - set(ledgers):
            # A ledger the page did not offer this person: refused, not read as another kind.
            raise PermissionDenied
        form = ImportForm(request.POST, request.FILES, ledgers=ledgers, choices=choices)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            dry_run = form.cleaned_data["dry_run"]
            ledger = form.cleaned_data["ledger"]
            street = form.cleaned_data.get("street")
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
                ledger=ledger,
                street=street.pk if street is not None else None,
            )
            return redirect("reports:job", job.id)
    else:
        chosen = chosen_street_id(request)
        initial = {"street": chosen} if any(s.pk == chosen for s in choices) else {}
        form = ImportForm(ledgers=ledgers, choices=choices, initial=initial)
    return render(
        request,
        "reports/ledger_import.html",
        {
            "nav_active": "reports",
            "form": form,
            "max_mb": round(max_upload() / 1024 / 1024),
            "petitions": "petitions" in ledgers,
            "disputes": "disputes" in ledgers or "mediations" in ledgers,
            "dispute_required": "、".join(kinds.get("disputes").required),
            "incidents": "incidents" in ledgers,
            "incident_required": "、".join(kinds.get("incidents").required),
            "several": len(ledgers) > 1,
            "export_only": [kinds.get(key).label for key in EXPORT_ONLY],
        },
    )


urlpatterns = [
    path("ledger/", ledger_page, name="ledger"),
    path("ledger/export/", ledger_export, name="ledger_export"),
    path("ledger/import/", ledger_import, name="ledger_import"),
]
