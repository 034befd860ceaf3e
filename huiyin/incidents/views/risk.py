"""Risk note pages (风险提示 / 苗头信息): the list (cards on a phone), a new note with its first
resolution task, and a note's page with its tasks, closing and the link to the incident or
dispute it turned into.

Rows come through ``RiskNote.objects.visible_to`` (the incident view's scope); changes through
:mod:`huiyin.incidents.risk`, whose refusals are shown on the page (400, 409 when stale).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from huiyin.cases import bounds
from huiyin.cases.exceptions import CaseRefused, StaleCase
from huiyin.cases.models import Case
from huiyin.front.decorators import require_perm
from huiyin.incidents import risk
from huiyin.incidents.forms import (
    CloseRiskForm,
    FinishRiskTaskForm,
    LinkRiskForm,
    RiskNoteForm,
    TaskFields,
    apply_errors,
    style,
)
from huiyin.incidents.models import Level, RiskNote, RiskStatus, Task
from huiyin.incidents.registration import IncidentInvalid
from huiyin.incidents.views.lists import SEES, section_links
from huiyin.org.access import reach_of
from huiyin.org.roles import Perm

PAGE_SIZE = 30


@require_GET
@require_perm(*SEES)
def risk_list(request: HttpRequest) -> HttpResponse:
    notes = RiskNote.objects.visible_to(request.user).select_related("community", "grid")
    status = request.GET.get("status", "")
    if status in RiskStatus.values:
        notes = notes.filter(status=status)
    level = request.GET.get("level", "")
    if level in Level.values:
        notes = notes.filter(level=level)
    page = Paginator(notes.order_by("-noted_on", "-id"), PAGE_SIZE).get_page(
        bounds.bounded_int(request.GET.get("page"), 1, bounds.MAX_PAGE, 1)
    )
    return render(
        request,
        "incidents/risk_list.html",
        {
            "nav_active": "incidents",
            "page": page,
            "status": status if status in RiskStatus.values else "",
            "level": level if level in Level.values else "",
            "statuses": RiskStatus.choices,
            "levels": Level.choices,
            "can_add": reach_of(request.user).can(Perm.INCIDENTS_REPORT),
            **section_links(request.user),
        },
    )


@require_perm(Perm.INCIDENTS_REPORT)
def risk_new(request: HttpRequest) -> HttpResponse:
    top: list[str] = []
    status = 200
    if request.method == "POST":
        form = RiskNoteForm(request.POST, user=request.user)
        status = 400
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
            try:
                note = risk.create_risk_note(request.user, request=request, **data)
            except IncidentInvalid as problem:
                top = apply_errors(form, problem.errors)
            except PermissionDenied:
                top = [_("You may not record a risk note in this place.")]
            else:
                messages.success(request, _("Risk note recorded."))
                return redirect("incidents:risk_detail", note.pk)
        style(form)
    else:
        form = RiskNoteForm(user=request.user)
    return render(
        request,
        "incidents/risk_new.html",
        {"nav_active": "incidents", "form": form, "top_errors": top, **section_links(request.user)},
        status=status,
    )


def _page(request, note: RiskNote, *, bound=None, status: int = 200) -> HttpResponse:
    bound = bound or {}
    user = request.user
    can_change = note.is_open and risk.may_change(user, note)
    tasks = list(Task.objects.filter(risk_note=note).select_related("owner"))
    links = {}
    for key, name in (("incident_case", "incidents:detail"), ("dispute_case", "disputes:detail")):
        linked = getattr(note, key)
        visible = linked is not None and Case.objects.visible_to(user).filter(pk=linked.pk).exists()
        links[key] = {"case": linked, "visible": visible, "url_name": name}
    staff_id = getattr(getattr(user, "staff", None), "pk", None)
    own_open = any(t.owner_id == staff_id and not t.done for t in tasks)
    initial = {"version": note.version}
    return render(
        request,
        "incidents/risk_detail.html",
        {
            "nav_active": "incidents",
            "note": note,
            "tasks": tasks,
            "links": links,
            "can_change": can_change,
            "can_finish": note.is_open and (can_change or own_open),
            "can_link": risk.may_change(user, note),
            "task_form": bound.get("task") or TaskFields(),
            "finish_form": bound.get("finish") or FinishRiskTaskForm(initial=initial, note=note),
            "close_form": bound.get("close") or CloseRiskForm(initial=initial),
            "link_form": bound.get("link") or LinkRiskForm(initial=initial),
            **section_links(user),
        },
        status=status,
    )


@require_GET
@require_perm(*SEES)
def risk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, risk.get_for_user(request.user, pk))


def _act(request, pk, key: str, form: forms.Form, action) -> HttpResponse:
    note = risk.get_for_user(request.user, pk)
    if not form.is_valid():
        style(form)
        messages.error(request, _("Please correct the fields marked below."))
        return _page(request, note, bound={key: form}, status=400)
    try:
        action(note, form.cleaned_data)
    except IncidentInvalid as problem:
        for text in apply_errors(form, problem.errors):
            messages.error(request, text)
        return _page(request, note, bound={key: form}, status=400)
    except CaseRefused as refusal:
        messages.error(request, str(refusal.message))
        if isinstance(refusal, StaleCase):
            return _page(request, risk.get_for_user(request.user, pk), status=409)
        return _page(request, note, bound={key: form}, status=400)
    messages.success(request, _("Saved."))
    return redirect("incidents:risk_detail", note.pk)


@require_POST
@require_perm(*SEES)
def risk_task(request: HttpRequest, pk: int) -> HttpResponse:
    def add(note, data):
        clean = {k: (v.pk if hasattr(v, "pk") else v) for k, v in data.items()}
        risk.add_task(note, request.user, request=request, **clean)

    return _act(request, pk, "task", TaskFields(request.POST), add)


@require_POST
@require_perm(*SEES)
def risk_finish(request: HttpRequest, pk: int) -> HttpResponse:
    note = risk.get_for_user(request.user, pk)

    def finish(note, data):
        risk.finish_task(
            note,
            request.user,
            task=data["task"].pk,
            result=data["result"],
            version=data["version"],
            request=request,
        )

    return _act(request, pk, "finish", FinishRiskTaskForm(request.POST, note=note), finish)


@require_POST
@require_perm(*SEES)
def risk_close(request: HttpRequest, pk: int) -> HttpResponse:
    def close(note, data):
        risk.close_risk_note(
            note,
            request.user,
            action_taken=data["action_taken"],
            reported_upward=data["reported_upward"],
            reported_to=data["reported_to"],
            reported_at=data["reported_at"] or None,
            version=data["version"],
            request=request,
        )

    return _act(request, pk, "close", CloseRiskForm(request.POST), close)


@require_POST
@require_perm(*SEES)
def risk_link(request: HttpRequest, pk: int) -> HttpResponse:
    def link(note, data):
        risk.link_risk_note(
            note,
            request.user,
            incident=data["incident"],
            dispute=data["dispute"],
            version=data["version"],
            request=request,
        )

    return _act(request, pk, "link", LinkRiskForm(request.POST), link)


urlpatterns = [
    path("risk-notes/", risk_list, name="risk_list"),
    path("risk-notes/new/", risk_new, name="risk_new"),
    path("risk-notes/<int:pk>/", risk_detail, name="risk_detail"),
    path("risk-notes/<int:pk>/tasks/", risk_task, name="risk_task"),
    path("risk-notes/<int:pk>/finish/", risk_finish, name="risk_finish"),
    path("risk-notes/<int:pk>/close/", risk_close, name="risk_close"),
    path("risk-notes/<int:pk>/link/", risk_link, name="risk_link"),
]
