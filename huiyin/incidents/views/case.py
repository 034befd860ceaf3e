"""The case page of an incident, its steps, notes, the next of kin's reveal and its documents.

Every view reads the case through ``Case.objects.get_for_user`` (404 outside one's scope,
audited) and changes it only through ``workflow.fire`` and the core's services, called outside
any transaction of ours so that a refusal's audit entry stays. A refusal re-renders the page
with the service's message: 409 for a stale version, 400 otherwise; nothing is changed.
"""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from huiyin.cases import bounds
from huiyin.cases.exceptions import CaseRefused, StaleCase
from huiyin.cases.kinds import Kind, spec
from huiyin.cases.models import Case
from huiyin.cases.services import add_note, holds
from huiyin.cases.workflow import available_transitions, fire, workflow_for
from huiyin.front.decorators import require_perm
from huiyin.incidents import services
from huiyin.incidents.forms import NoteForm, StepForm, style
from huiyin.incidents.models import Incident
from huiyin.incidents.views import case_data
from huiyin.incidents.views.lists import SEES, section_links
from huiyin.privacy import audit
from huiyin.reports import documents
from huiyin.reports.documents.render import EXPORT_ACTION

MSG_FIX_FIELDS = _("Please correct the fields marked below.")
MSG_DONE = _("“%(action)s” done.")
MSG_NOTE_ADDED = _("Note added.")
#: The largest report number an address may name (续报N).
MAX_RECORD = 100_000


def bounded_id(value) -> int:
    number = bounds.bounded_int(value, 1, bounds.MAX_ID)
    if number is None:
        raise Http404
    return number


def load_case(request: HttpRequest, pk) -> Case:
    return (
        Case.objects.filter(kind=Kind.INCIDENT)
        .select_related("street", "community", "grid", "category__parent", "owner_unit", "owner")
        .get_for_user(request.user, bounded_id(pk))
    )


def case_documents(case: Case) -> list[dict]:
    return [
        {
            "label": s.label,
            "slug": s.slug,
            "url": reverse("incidents:document", args=[case.pk, s.slug]),
        }
        for s in documents.available(case)
    ]


def page(
    request: HttpRequest,
    case: Case,
    *,
    bound: Mapping[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    bound = dict(bound or {})
    user = request.user
    data = case_data.record(case, user)
    incident = data["incident"]
    transitions = [] if case.withdrawn else available_transitions(case, user)
    step_forms = [
        bound.get(f"do:{t.name}") or StepForm(t, case, incident, user) for t in transitions
    ]
    context = {
        "nav_active": "incidents",
        "case": case,
        **data,
        "step_forms": step_forms,
        "can_work": not case.withdrawn and holds(user, case, *spec(case.kind).work_perms),
        "note_form": bound.get("note") or NoteForm(),
        "documents": [] if case.withdrawn else case_documents(case),
        **section_links(user),
    }
    return render(request, "incidents/detail.html", context, status=status)


@require_perm(*SEES)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return page(request, load_case(request, pk))


def refused(request, pk, refusal: CaseRefused, bound=None) -> HttpResponse:
    messages.error(request, str(refusal.message))
    case = load_case(request, pk)
    if isinstance(refusal, StaleCase):
        return page(request, case, status=409)
    return page(request, case, bound=bound, status=400)


@require_POST
@require_perm(*SEES)
def transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    case = load_case(request, pk)
    chosen = workflow_for(case.kind).by_name.get(name)
    if chosen is None:
        raise Http404
    incident = Incident.objects.get(pk=case.pk)
    incident.case = case
    form = StepForm(chosen, case, incident, request.user, data=request.POST)
    key = f"do:{name}"
    if not form.is_valid():
        style(form)
        messages.error(request, str(MSG_FIX_FIELDS))
        return page(request, case, bound={key: form}, status=400)
    try:
        fire(
            case,
            name,
            actor=request.user,
            version=form.cleaned_data.get("version"),
            request=request,
            **form.payload(),
        )
    except CaseRefused as refusal:
        return refused(request, pk, refusal, {key: form})
    messages.success(request, str(MSG_DONE) % {"action": chosen.label})
    return redirect("incidents:detail", case.pk)


@require_POST
@require_perm(*SEES)
def note(request: HttpRequest, pk: int) -> HttpResponse:
    """A line of the disposal log (处置过程): the case's timeline."""
    case = load_case(request, pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, str(MSG_FIX_FIELDS))
        return page(request, case, bound={"note": form}, status=400)
    try:
        add_note(case, actor=request.user, text=form.cleaned_data["text"], request=request)
    except CaseRefused as refusal:
        return refused(request, pk, refusal, {"note": form})
    messages.success(request, str(MSG_NOTE_ADDED))
    return redirect("incidents:detail", case.pk)


@never_cache
@require_POST
@require_perm(*SEES)
def kin(request: HttpRequest, pk: int) -> HttpResponse:
    """The next of kin in full: for those who handle the incident, audited either way."""
    shown = services.kin_identity(request, bounded_id(pk))
    case = load_case(request, pk)
    return render(
        request,
        "incidents/kin.html",
        {"case": case, "kin": shown, "nav_active": "incidents"},
    )


@require_GET
@require_perm(*SEES)
def document(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    chosen = next((s for s in documents.all_documents(Kind.INCIDENT) if s.slug == slug), None)
    if chosen is None:
        raise Http404
    case = load_case(request, pk)
    options = {}
    for name in chosen.options:
        raw = request.GET.get(name)
        if raw not in (None, ""):
            number = bounds.bounded_int(raw, 1, MAX_RECORD)
            if number is None:
                raise Http404
            options[name] = str(number)
    try:
        data = documents.render(chosen, case, options=options)
    except documents.DocumentRefused as refusal:
        messages.error(request, refusal.message)
        return redirect("incidents:detail", case.pk)
    with transaction.atomic():
        audit.record(
            EXPORT_ACTION,
            request=request,
            target=case,
            diff={"document": chosen.name, "fields": [], **options},
        )
    response = HttpResponse(data, content_type=documents.DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        True, documents.filename(chosen, case)
    )
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/do/<slug:name>/", transition, name="transition"),
    path("<int:pk>/note/", note, name="case_note"),
    path("<int:pk>/kin/", kin, name="kin"),
    path("<int:pk>/documents/<slug:slug>/", document, name="document"),
]
