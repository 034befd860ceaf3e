"""The case page of a dispute and the mediation steps taken on it.

Every view reads the case through ``Case.objects.get_for_user`` (404 outside one's scope,
audited) and changes it only through ``workflow.fire`` and the dispute services, called outside
any transaction of ours so that a refusal's audit entry stays. A refusal re-renders the page
with the service's message: 409 for a stale version, 400 otherwise; nothing is changed.

Parties are shown masked to everyone; the full identity is one audited reveal (a POST), for
identity viewers and those who mediate the dispute (:func:`services.party_identity`).
"""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from huiyin.cases import bounds
from huiyin.cases.exceptions import CaseRefused, StaleCase
from huiyin.cases.kinds import Kind, spec
from huiyin.cases.models import Case
from huiyin.cases.services import add_note, holds
from huiyin.cases.workflow import available_transitions, fire, workflow_for
from huiyin.disputes import services
from huiyin.disputes.forms import AddPartyForm, apply_errors
from huiyin.disputes.models import Dispute, Party, Status
from huiyin.disputes.registration import REGISTER_PERMS
from huiyin.disputes.step_forms import StepData, StepForm
from huiyin.disputes.views import case_data
from huiyin.disputes.views.documents import case_documents
from huiyin.disputes.views.lists import section_links
from huiyin.front.decorators import require_perm
from huiyin.org.roles import Perm
from huiyin.petitions.transition_forms import NoteForm

#: Who may open a dispute's page: the door (visible_to) decides the rows.
SEES_DISPUTES = (Perm.DISPUTES_VIEW, Perm.DISPUTES_SCREEN, Perm.DISPUTES_MEDIATE)

MSG_FIX_FIELDS = _("Please correct the fields marked below.")
MSG_DONE = _("“%(action)s” done.")
MSG_NOTE_ADDED = _("Note added.")
MSG_PARTY_ADDED = _("Party added.")


def bounded_id(value) -> int:
    """An id from the address, within the database's range (else 404, never an overflow)."""
    number = bounds.bounded_int(value, 1, bounds.MAX_ID)
    if number is None:
        raise Http404
    return number


def load_case(request: HttpRequest, pk: int) -> Case:
    """The dispute's case if the person may see it; Http404 (audited) otherwise."""
    pk = bounded_id(pk)
    return (
        Case.objects.filter(kind=Kind.DISPUTE)
        .select_related("street", "community", "grid", "category", "owner_unit", "owner")
        .get_for_user(request.user, pk)
    )


def load_dispute(case: Case) -> Dispute:
    dispute = Dispute.objects.select_related("committee", "petition_case").get(pk=case.pk)
    dispute.case = case
    return dispute


def page(
    request: HttpRequest,
    case: Case,
    *,
    bound: Mapping[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render the case page; `bound` replaces blank forms by the ones the person submitted."""
    bound = dict(bound or {})
    user = request.user
    today = bounds.today()
    dispute = load_dispute(case)
    transitions = [] if case.withdrawn else available_transitions(case, user)
    step_data = StepData(case, dispute, today)
    step_forms = [bound.get(f"do:{t.name}") or StepForm(t, step_data) for t in transitions]
    can_work = not case.withdrawn and holds(user, case, *spec(case.kind).work_perms)
    can_add_party = (
        not case.withdrawn
        and case.status in (Status.REGISTERED, Status.MEDIATING)
        and holds(user, case, *REGISTER_PERMS)
    )
    context = {
        "nav_active": "disputes",
        "case": case,
        "today": today,
        **case_data.record(case, dispute, user, today),
        "can_reveal": case_data.may_see_identity(user, case),
        "step_forms": step_forms,
        "can_work": can_work,
        "note_form": bound.get("note") or NoteForm(),
        "can_add_party": can_add_party,
        "party_form": bound.get("party") or AddPartyForm(),
        "documents": case_documents(user, case),
        **_key_case(user, case),
        **section_links(user),
    }
    return render(request, "disputes/detail.html", context, status=status)


def _key_case(user, case: Case) -> dict:
    """The dispute's 包案, if any, and whether this person may make it one (the same
    mechanism and board as petitions)."""
    from huiyin.petitions import keycases
    from huiyin.petitions.models import KeyCase

    found = (
        KeyCase.objects.select_related("leader", "responsible_unit").filter(case_id=case.pk).first()
    )
    return {
        "key_case": found,
        "key_case_url": reverse("petitions:keycase", args=[found.pk]) if found else "",
        "can_mark_key_case": found is None and not case.withdrawn and keycases.may_mark(user, case),
    }


@require_perm(*SEES_DISPUTES)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return page(request, load_case(request, pk))


# --------------------------------------------------------------------------- actions


def refused(
    request: HttpRequest,
    pk: int,
    refusal: CaseRefused,
    bound: Mapping[str, forms.Form] | None = None,
) -> HttpResponse:
    """The page again with the refusal's message: 409 (fresh forms) when stale, else 400."""
    messages.error(request, str(refusal.message))
    case = load_case(request, pk)
    if isinstance(refusal, StaleCase):
        return page(request, case, status=409)
    return page(request, case, bound=bound, status=400)


def invalid(request: HttpRequest, case: Case, key: str, form: forms.Form) -> HttpResponse:
    messages.error(request, str(MSG_FIX_FIELDS))
    return page(request, case, bound={key: form}, status=400)


@require_POST
@require_perm(*SEES_DISPUTES)
def transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    case = load_case(request, pk)
    chosen = workflow_for(case.kind).by_name.get(name)
    if chosen is None:
        raise Http404
    step_data = StepData(case, load_dispute(case), bounds.today())
    form = StepForm(chosen, step_data, data=request.POST)
    key = f"do:{name}"
    if not form.is_valid():
        return invalid(request, case, key, form)
    try:
        # Not inside a transaction of ours: a refusal's audit entry must stay.
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
    return redirect("disputes:detail", pk)


@require_POST
@require_perm(*SEES_DISPUTES)
def note(request: HttpRequest, pk: int) -> HttpResponse:
    case = load_case(request, pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return invalid(request, case, "note", form)
    try:
        add_note(case, actor=request.user, text=form.cleaned_data["text"], request=request)
    except CaseRefused as refusal:
        return refused(request, pk, refusal, {"note": form})
    messages.success(request, str(MSG_NOTE_ADDED))
    return redirect("disputes:detail", pk)


@require_POST
@require_perm(*REGISTER_PERMS)
def add_party(request: HttpRequest, pk: int) -> HttpResponse:
    """A party added before the mediation ends (a dispute found in screening may have none)."""
    case = load_case(request, pk)
    form = AddPartyForm(request.POST)
    if not form.is_valid():
        return invalid(request, case, "party", form)
    row = form.row()
    try:
        services.add_party(
            case,
            request.user,
            side=row["side"],
            name=row["name"],
            kind=row["kind"],
            id_number=row["id_number"],
            phone=row["phone"],
            address=row["address"],
            legal_representative=row["legal_representative"],
            request=request,
        )
    except services.DisputeInvalid as problem:
        # "party.phone" -> the phone field; "party" -> the form as a whole.
        errors = {key.removeprefix("party."): value for key, value in problem.errors.items()}
        for key, texts in errors.items():
            for text in texts:
                form.add_error(key if key in form.fields else None, str(text))
        apply_errors({}, form, None, [])
        return invalid(request, case, "party", form)
    except CaseRefused as refusal:
        return refused(request, pk, refusal, {"party": form})
    messages.success(request, str(MSG_PARTY_ADDED))
    return redirect("disputes:detail", pk)


@never_cache
@require_POST
@login_required
def identity(request: HttpRequest, pk: int, party_id: int) -> HttpResponse:
    """A party's full identity: for identity viewers and the dispute's mediators (403
    otherwise), audited either way (services.party_identity)."""
    pk, party_id = bounded_id(pk), bounded_id(party_id)
    row = (
        Party.objects.filter(pk=party_id, dispute_id=pk)
        .values("id", "side", "kind", "legal_representative", "order")
        .first()
    )
    if row is None:
        raise Http404
    # Through the case's door (404), then the permission (PermissionDenied -> 403); audited.
    shown = services.party_identity(request, party_id)
    row["is_person"] = row["kind"] == Party.PartyKind.PERSON
    row["side_label"] = Party.Side(row["side"]).label
    context = {"p": row, "identity": shown, "case_pk": pk}
    if request.headers.get("HX-Request"):
        return render(request, "disputes/_party_row.html", context)
    case = load_case(request, pk)
    return render(
        request,
        "disputes/identity.html",
        {**context, "case": case, "nav_active": "disputes"},
    )


def detail_url(pk: int) -> str:
    return reverse("disputes:detail", args=[pk])


urlpatterns = [
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/do/<slug:name>/", transition, name="transition"),
    path("<int:pk>/note/", note, name="case_note"),
    path("<int:pk>/parties/", add_party, name="add_party"),
    path("<int:pk>/identity/<int:party_id>/", identity, name="identity"),
]
