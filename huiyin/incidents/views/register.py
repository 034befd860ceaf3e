"""Registering an incident: one column on a phone, the service's messages beside the fields.

A risk note that turned into an incident is named by ``?risk_note=<id>``: the form carries it,
and the registration links the note to the new incident.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from huiyin.cases import bounds
from huiyin.front.decorators import require_perm
from huiyin.incidents import reporting
from huiyin.incidents.forms import RegisterForm, apply_errors, style
from huiyin.incidents.models import RiskNote
from huiyin.incidents.registration import IncidentInvalid, register_incident
from huiyin.org.roles import Perm


def _risk_note(request: HttpRequest) -> RiskNote | None:
    pk = bounds.bounded_int(request.GET.get("risk_note"), 1, bounds.MAX_ID)
    if pk is None:
        return None
    return RiskNote.objects.visible_to(request.user).filter(pk=pk).first()


@require_perm(Perm.INCIDENTS_REPORT)
def new(request: HttpRequest) -> HttpResponse:
    top: list[str] = []
    if request.method == "POST":
        form = RegisterForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                case = register_incident(request.user, request=request, **form.service_data())
            except IncidentInvalid as problem:
                top = apply_errors(form, problem.errors)
            except PermissionDenied:
                top = [_("You may not register an incident in this place.")]
            else:
                messages.success(
                    request, _("Incident %(number)s registered.") % {"number": case.number}
                )
                return redirect("incidents:detail", case.pk)
        style(form)
        status = 400
    else:
        note = _risk_note(request)
        initial = {}
        if note is not None:
            initial = {
                "risk_note": note.pk,
                "title": note.subject,
                "description": note.description,
                "community": note.community_id,
                "grid": note.grid_id,
                "place": note.place,
            }
        form = RegisterForm(initial=initial, user=request.user)
        status = 200
    return render(
        request,
        "incidents/new.html",
        {
            "nav_active": "incidents",
            "form": form,
            "top_errors": top,
            "district_note": reporting.district_note(),
            "can_register": True,
        },
        status=status,
    )


urlpatterns = [path("new/", new, name="new")]
