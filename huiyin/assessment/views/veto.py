"""Veto proposals (一票否决建议): the list, a proposal with its matters and its steps.

Seeing needs ``assessment.view``; proposing, sending and recording the district's decision
``assessment.manage``; the body's response its own staff or the office."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from huiyin.assessment.forms import VetoDecisionForm, VetoForm, VetoResponseForm, VetoSendForm
from huiyin.assessment.models import Decision, VetoProposal
from huiyin.assessment.services import veto as service
from huiyin.assessment.services.common import MANAGE_PERM, VIEW_PERM, AssessmentInvalid, may
from huiyin.assessment.views.common import report, row_or_404, shown_matters
from huiyin.front.decorators import require_perm
from huiyin.org import own_streets


def _ctx(**more) -> dict:
    return {"nav_active": "assessment", "subnav_active": "vetoes", **more}


@require_perm(VIEW_PERM)
@require_GET
def veto_list(request: HttpRequest) -> HttpResponse:
    found = _mine(request).select_related("community", "unit").order_by("-created_at", "-id")
    return render(
        request,
        "assessment/vetoes.html",
        _ctx(proposals=list(found[:200]), may_manage=may(request.user, MANAGE_PERM)),
    )


@require_perm(MANAGE_PERM)
def veto_new(request: HttpRequest) -> HttpResponse:
    form = VetoForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = service.propose(
                actor=request.user, data=form.cleaned_data, body=form.chosen_body(), request=request
            )
        except AssessmentInvalid as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("The proposal was recorded."))
            return redirect("assessment:veto", proposal.pk)
    return render(request, "assessment/veto_form.html", _ctx(form=form))


def _mine(request):
    """The proposals about the bodies of the person's streets (another street's: 404)."""
    return VetoProposal.objects.filter(own_streets.body_in_streets(request.user))


def _proposal(request, pk) -> VetoProposal:
    return row_or_404(_mine(request).select_related("community", "unit"), pk)


@require_perm(VIEW_PERM)
@require_GET
def veto_detail(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal(request, pk)
    matters = [
        {"case": c.pk, "number": c.number, "kind": c.kind}
        for c in proposal.cases.order_by("received_at", "pk")
    ] + [{"order": o.pk, "number": o.number} for o in proposal.orders.order_by("issued_on", "pk")]
    shown, hidden = shown_matters(request.user, matters)
    manage = may(request.user, MANAGE_PERM)
    pending = proposal.decision == Decision.PENDING
    version = {"version": proposal.version}
    return render(
        request,
        "assessment/veto_detail.html",
        _ctx(
            proposal=proposal,
            shown=shown,
            hidden=hidden,
            response_form=VetoResponseForm(initial=version)
            if pending and not proposal.sent_on and service.may_respond(request.user, proposal)
            else None,
            send_form=VetoSendForm(initial=version)
            if manage and pending and proposal.response_on and not proposal.sent_on
            else None,
            decision_form=VetoDecisionForm(initial=version)
            if manage and pending and proposal.sent_on
            else None,
        ),
    )


def _step(request, pk, form_class, action, done) -> HttpResponse:
    proposal = _proposal(request, pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            action(proposal, actor=request.user, data=form.cleaned_data, request=request)
        except AssessmentInvalid as exc:
            report(request, exc)
        else:
            messages.success(request, done)
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("assessment:veto", proposal.pk)


@login_required
@require_POST
def veto_response(request: HttpRequest, pk: int) -> HttpResponse:
    if not service.may_respond(request.user, _proposal(request, pk)):
        raise PermissionDenied
    return _step(
        request, pk, VetoResponseForm, service.record_response, _("The response was recorded.")
    )


@require_perm(MANAGE_PERM)
@require_POST
def veto_send(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, VetoSendForm, service.send, _("The day it was sent was recorded."))


@require_perm(MANAGE_PERM)
@require_POST
def veto_decision(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        VetoDecisionForm,
        service.record_decision,
        _("The district's decision was recorded."),
    )


urlpatterns = [
    path("vetoes/", veto_list, name="vetoes"),
    path("vetoes/new/", veto_new, name="veto_new"),
    path("vetoes/<int:pk>/", veto_detail, name="veto"),
    path("vetoes/<int:pk>/response/", veto_response, name="veto_response"),
    path("vetoes/<int:pk>/send/", veto_send, name="veto_send"),
    path("vetoes/<int:pk>/decision/", veto_decision, name="veto_decision"),
]
