"""Registering a dispute: the matter, its source, place, handling tier and both sides' parties.

One POST calls ``services.register_dispute`` (one transaction: the case numbered 调, the
dispute, its parties with their identity encrypted, the clocks). What the service refuses comes
back beside its field in Chinese; nothing is half written. "Add another party" posts the form
back with one more party row and registers nothing, so the page works without scripts.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from huiyin.cases import bounds
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case
from huiyin.disputes import services
from huiyin.disputes.forms import (
    MAX_FORM_PARTIES,
    PARTY_PREFIX,
    PartyFormSet,
    RegisterForm,
    apply_errors,
)
from huiyin.disputes.registration import (
    MSG_PETITION_CASE,
    REGISTER_PERMS,
    Errors,
    clean_registration,
)
from huiyin.disputes.views.lists import section_links
from huiyin.front.decorators import require_perm


def with_one_more_row(post: QueryDict) -> QueryDict:
    """The posted party rows and one empty row more (the "add another party" button)."""
    data = post.copy()
    key = f"{PARTY_PREFIX}-TOTAL_FORMS"
    current = bounds.bounded_int(data.get(key), 0, MAX_FORM_PARTIES, default=2)
    data[key] = str(max(1, min(current + 1, MAX_FORM_PARTIES)))
    return data


def petition_of(user, number: str) -> Case | None:
    """The petition of that number, if the person may see it (the one door)."""
    number = bounds.strip_nul(number or "").strip()
    if not number:
        return None
    return Case.objects.visible_to(user, kind=Kind.PETITION).filter(number=number).first()


@require_perm(*REGISTER_PERMS)
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    """Register a dispute found in screening, brought by a party, referred by a court..."""
    top: list[str] = []
    status = 200
    if request.method == "POST" and "add_party" in request.POST:
        data = with_one_more_row(request.POST)
        form = RegisterForm(data, user=request.user)
        formset = PartyFormSet(data)
        # Shown again as typed, without the errors of a form not yet sent.
        form._errors, formset._errors, formset._non_form_errors = {}, [], []
        for party_form in formset.forms:
            party_form._errors = {}
    elif request.method == "POST":
        form = RegisterForm(request.POST, user=request.user)
        formset = PartyFormSet(request.POST)
        form_ok, formset_ok = form.is_valid(), formset.is_valid()
        if form_ok and formset_ok:
            rows, index = formset.rows()
            data = form.service_data()
            number = form.cleaned_data.get("petition_number", "")
            petition = petition_of(request.user, number)
            if number and petition is None:
                # Every other problem is shown with it: the rules checked, nothing written.
                errors = Errors()
                clean_registration(request.user, {**data, "parties": rows}, errors)
                errors.add("petition_case", MSG_PETITION_CASE)
                top = apply_errors(dict(errors), form, formset, index)
            else:
                try:
                    case = services.register_dispute(
                        request.user,
                        **data,
                        parties=rows,
                        petition_case=petition,
                        request=request,
                    )
                except services.DisputeInvalid as invalid:
                    top = apply_errors(invalid.errors, form, formset, index)
                else:
                    messages.success(
                        request, _("Registered as %(number)s.") % {"number": case.number}
                    )
                    return redirect("disputes:detail", pk=case.pk)
        else:
            apply_errors({}, form, formset, [])
        top += [str(e) for e in formset.non_form_errors()]
        status = 400
    else:
        form = RegisterForm(user=request.user)
        formset = PartyFormSet()
    return render(
        request,
        "disputes/new.html",
        {
            "nav_active": "disputes",
            "form": form,
            "formset": formset,
            "party_errors": top,
            **section_links(request.user),
        },
        status=status,
    )


urlpatterns = [
    path("new/", new, name="new"),
]
