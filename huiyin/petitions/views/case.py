"""The case page of a petition and the actions on it.

Every view reads the case through ``Case.objects.get_for_user`` (404 outside one's scope,
audited) and changes it only through ``workflow.fire`` and the services, called outside any
transaction of ours so that a refusal's audit entry stays. A refusal re-renders the page with
its message: 409 for a stale version, 400 otherwise; nothing is changed.
"""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from huiyin.cases import bounds, deadlines
from huiyin.cases.attachments import attach, open_attachment, withdraw_attachment
from huiyin.cases.exceptions import AttachmentRefused, CaseRefused, StaleCase
from huiyin.cases.kinds import Kind, spec
from huiyin.cases.models import Attachment, Case, CaseEvent
from huiyin.cases.services import add_note, holds, withdraw_case
from huiyin.cases.workflow import available_transitions, event_label, fire, workflow_for
from huiyin.front.decorators import require_perm
from huiyin.org.access import reach_of
from huiyin.org.roles import Perm
from huiyin.petitions import keycases, services
from huiyin.petitions.models import (
    Channel,
    Delivery,
    FollowUp,
    KeyCase,
    Level,
    Petition,
    Petitioner,
    Referral,
    Satisfaction,
)
from huiyin.petitions.transition_forms import (
    FollowUpForm,
    NoteForm,
    ReasonForm,
    TransitionForm,
    UploadForm,
)

#: Who may open a petition's page: those who see petitions, and those who register them (a
#: community worker sees only the ones they registered: the door, visible_to, decides the rows).
SEES_PETITIONS = (Perm.PETITIONS_VIEW, Perm.PETITIONS_REGISTER)

MSG_FIX_FIELDS = _("Please correct the fields marked below.")
MSG_DONE = _("“%(action)s” done.")
MSG_NOTE_ADDED = _("Note added.")
MSG_FOLLOW_UP_ADDED = _("Follow-up recorded.")
MSG_UPLOADED = _("Attachment added.")
MSG_ATTACHMENT_WITHDRAWN = _("Attachment withdrawn.")
MSG_CASE_WITHDRAWN = _("The matter was withdrawn.")
MSG_UNKNOWN_YEAR = _(
    "The %(year)s holiday schedule has not been entered yet; the time limit is computed with "
    "weekends only."
)


def _case(request: HttpRequest, pk: int) -> Case:
    """The petition's case if the person may see it; Http404 (audited) otherwise."""
    return (
        Case.objects.filter(kind=Kind.PETITION)
        .select_related("street", "community", "grid", "category", "owner_unit", "owner")
        .get_for_user(request.user, pk)
    )


def _petition(case: Case) -> Petition:
    return Petition.objects.select_related(
        "complained_unit",
        "received_by",
        "reception_slot__leader",
        "repeat_of__case",
        "extension_approved_by",
    ).get(pk=case.pk)


def _url_or(name: str, args: list, fallback: str) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return fallback


# --------------------------------------------------------------------------- the page


def _event_detail(event: CaseEvent) -> str:
    """A short line of what the event's data says (never personal data: there is none)."""
    data = event.data or {}
    if event.kind == "clock_started" and data.get("code") in deadlines.LIMITS:
        return gettext("%(limit)s, due %(date)s") % {
            "limit": deadlines.LIMITS[data["code"]].label,
            "date": data.get("due_on", ""),
        }
    if event.kind == "assign" and data.get("unit_name"):
        return gettext("To %(unit)s") % {"unit": data["unit_name"]}
    if event.kind == "transfer" and data.get("transferred_to"):
        return gettext("To %(unit)s") % {"unit": data["transferred_to"]}
    if event.kind == "decline" and data.get("referral") in Referral.values:
        return gettext("Referred to: %(channel)s") % {"channel": Referral(data["referral"]).label}
    if event.kind == "extend" and data.get("new_due_on"):
        return gettext("New time limit %(date)s") % {"date": data["new_due_on"]}
    if event.kind == "reply" and data.get("delivery") in Delivery.values:
        return gettext("Delivered: %(how)s") % {"how": Delivery(data["delivery"]).label}
    if event.kind == "follow_up" and data.get("satisfaction") in Satisfaction.values:
        return str(Satisfaction(data["satisfaction"]).label)
    if event.kind in ("attachment_added", "attachment_withdrawn") and data.get("name"):
        return str(data["name"])
    if event.kind == "registered" and data.get("channel") in Channel.values:
        parts = [str(Channel(data["channel"]).label)]
        if data.get("level") in Level.values:
            parts.append(str(Level(data["level"]).label))
        return " · ".join(parts)
    return ""


def _page(
    request: HttpRequest,
    case: Case,
    *,
    bound: Mapping[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render the case page; `bound` replaces blank forms by the ones the person submitted."""
    bound = dict(bound or {})
    user = request.user
    reach = reach_of(user)
    petition = _petition(case)
    kind = spec(case.kind)

    clock_rows = list(case.clocks.order_by("stopped_at", "due_on", "id"))
    warnings = sorted({year for c in clock_rows if c.running for year in c.unknown_years})
    events = list(case.events.select_related("actor__staff").order_by("at", "id"))
    for event in events:
        event.display_label = event_label(case.kind, event.kind)
        event.detail = _event_detail(event)

    transitions = [] if case.withdrawn else available_transitions(case, user)
    transition_forms = [
        bound.get(f"do:{t.name}") or TransitionForm(t, case, petition) for t in transitions
    ]
    can_work = not case.withdrawn and holds(user, case, *kind.work_perms)
    can_follow_up = (
        not case.withdrawn
        and petition.has_reply
        and holds(user, case, Perm.PETITIONS_DECIDE, Perm.PETITIONS_HANDLE)
    )
    can_withdraw = not case.withdrawn and holds(user, case, kind.manage_perm)
    key_case = (
        KeyCase.objects.select_related("leader", "responsible_unit").filter(case_id=case.pk).first()
    )
    own_units = {g.unit_id for g in reach.grants if g.unit_id}
    repeat_visible = (
        petition.repeat_of_id is not None
        and Case.objects.visible_to(user).filter(pk=petition.repeat_of_id).exists()
    )
    context = {
        "nav_active": "petitions",
        "case": case,
        "petition": petition,
        "clocks": clock_rows,
        "running_clocks": [c for c in clock_rows if c.running],
        "holiday_warnings": [str(MSG_UNKNOWN_YEAR) % {"year": y} for y in warnings],
        "petitioners": services.petitioners_for_display(petition),
        "can_reveal": reach.can(Perm.IDENTITY_VIEW),
        # 条例 art. 30, 46: whoever acts for the unit complained about never reads its name here.
        "show_complained": petition.complained_unit_id not in own_units,
        "repeat_visible": repeat_visible,
        "events": events,
        "attachments": list(
            case.attachments.filter(withdrawn=False)
            .select_related("uploaded_by__staff")
            .order_by("uploaded_at", "id")
        ),
        "transition_forms": transition_forms,
        "can_work": can_work,
        "note_form": bound.get("note") or NoteForm(),
        "upload_form": bound.get("upload") or UploadForm(),
        "can_follow_up": can_follow_up,
        "follow_up_form": bound.get("follow_up") or FollowUpForm(),
        "follow_ups": list(
            FollowUp.objects.filter(petition=petition).select_related("by").order_by("on", "id")
        ),
        "can_withdraw": can_withdraw,
        "withdraw_form": bound.get("withdraw") or ReasonForm(initial={"version": case.version}),
        "key_case": key_case,
        "can_mark_key_case": key_case is None
        and not case.withdrawn
        and keycases.may_mark(user, case),
        "key_case_url": _url_or(
            "petitions:keycase", [key_case.pk], f"/petitions/keycases/{key_case.pk}/"
        )
        if key_case
        else "",
        # The receipt shows the petitioners' names in full: identity holders only.
        "can_print_receipt": reach.can(Perm.PETITIONS_REGISTER) and reach.can(Perm.IDENTITY_VIEW),
        "receipt_url": _url_or("petitions:receipt", [case.pk], f"/petitions/{case.pk}/receipt/"),
        "keycase_url": _url_or(
            "petitions:keycase_new", [case.pk], f"/petitions/{case.pk}/keycase/"
        ),
        # Who registers without the list (a community worker) finds theirs on the home page.
        "list_url": reverse("petitions:list")
        if reach.can(Perm.PETITIONS_VIEW)
        else reverse("home"),
    }
    return render(request, "petitions/case_detail.html", context, status=status)


@require_perm(*SEES_PETITIONS)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _case(request, pk))


# --------------------------------------------------------------------------- actions


def _refused(
    request: HttpRequest,
    pk: int,
    refusal: CaseRefused,
    bound: Mapping[str, forms.Form] | None = None,
) -> HttpResponse:
    """The page again with the refusal's message: 409 (fresh forms) when stale, else 400."""
    messages.error(request, str(refusal.message))
    case = _case(request, pk)
    if isinstance(refusal, StaleCase):
        return _page(request, case, status=409)
    return _page(request, case, bound=bound, status=400)


def _invalid(request: HttpRequest, case: Case, key: str, form: forms.Form) -> HttpResponse:
    messages.error(request, str(MSG_FIX_FIELDS))
    return _page(request, case, bound={key: form}, status=400)


@require_POST
@require_perm(*SEES_PETITIONS)
def transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    case = _case(request, pk)
    chosen = workflow_for(case.kind).by_name.get(name)
    if chosen is None:
        raise Http404
    form = TransitionForm(chosen, case, _petition(case), data=request.POST)
    key = f"do:{name}"
    if not form.is_valid():
        return _invalid(request, case, key, form)
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
        return _refused(request, pk, refusal, {key: form})
    messages.success(request, str(MSG_DONE) % {"action": chosen.label})
    return redirect("petitions:detail", pk)


@require_POST
@require_perm(*SEES_PETITIONS)
def note(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _invalid(request, case, "note", form)
    try:
        add_note(case, actor=request.user, text=form.cleaned_data["text"], request=request)
    except CaseRefused as refusal:
        return _refused(request, pk, refusal, {"note": form})
    messages.success(request, str(MSG_NOTE_ADDED))
    return redirect("petitions:detail", pk)


@require_POST
@require_perm(*SEES_PETITIONS)
def follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        return _invalid(request, case, "follow_up", form)
    try:
        services.record_follow_up(
            Petition.objects.get(pk=case.pk),
            actor=request.user,
            satisfaction=form.cleaned_data["satisfaction"],
            on=form.cleaned_data["on"],
            note=form.cleaned_data["note"],
            request=request,
        )
    except services.PetitionInvalid as invalid:
        for field, problems in invalid.errors.items():
            for problem in problems:
                form.add_error(field if field in form.fields else None, str(problem))
        return _invalid(request, case, "follow_up", form)
    except CaseRefused as refusal:
        return _refused(request, pk, refusal, {"follow_up": form})
    messages.success(request, str(MSG_FOLLOW_UP_ADDED))
    return redirect("petitions:detail", pk)


@require_POST
@require_perm(*SEES_PETITIONS)
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _invalid(request, case, "upload", form)
    try:
        attach(case, form.cleaned_data["file"], actor=request.user, request=request)
    except AttachmentRefused as refusal:
        # The file's own problem (type, size): shown beside the field.
        form.add_error("file", str(refusal.message))
        return _invalid(request, case, "upload", form)
    except CaseRefused as refusal:
        return _refused(request, pk, refusal, {"upload": form})
    messages.success(request, str(MSG_UPLOADED))
    return redirect("petitions:detail", pk)


@login_required
def attachment(request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
    """Download through the door: 404 outside one's scope; every download audited."""
    if not Attachment.objects.filter(pk=attachment_id, case_id=pk).exists():
        raise Http404
    found, handle = open_attachment(request.user, attachment_id, request=request)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=found.original_name,
        content_type=found.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@require_perm(*SEES_PETITIONS)
def attachment_withdraw(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    case = _case(request, pk)
    if not Attachment.objects.filter(pk=attachment_id, case_id=case.pk).exists():
        raise Http404
    try:
        withdraw_attachment(
            request.user,
            attachment_id,
            # Raw text from outside: no NUL (PostgreSQL refuses it), no more than the form takes.
            reason=bounds.strip_nul(request.POST.get("reason", ""))[:2000],
            request=request,
        )
    except CaseRefused as refusal:
        return _refused(request, pk, refusal)
    messages.success(request, str(MSG_ATTACHMENT_WITHDRAWN))
    return redirect("petitions:detail", pk)


@require_POST
@require_perm(*SEES_PETITIONS)
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _invalid(request, case, "withdraw", form)
    try:
        withdraw_case(
            case,
            actor=request.user,
            version=form.cleaned_data.get("version") or "",
            reason=form.cleaned_data["reason"],
            request=request,
        )
    except CaseRefused as refusal:
        return _refused(request, pk, refusal, {"withdraw": form})
    messages.success(request, str(MSG_CASE_WITHDRAWN))
    return redirect("petitions:detail", pk)


@never_cache
@require_POST
@login_required
def identity(request: HttpRequest, pk: int, petitioner_id: int) -> HttpResponse:
    """A petitioner's full identity: IDENTITY_VIEW only (403 otherwise), audited either way."""
    row = (
        Petitioner.objects.filter(pk=petitioner_id, petition_id=pk)
        .values("id", "is_representative", "order")
        .first()
    )
    if row is None:
        raise Http404
    # Through the case's door (404), then IDENTITY_VIEW (PermissionDenied -> 403); audited.
    shown = services.petitioner_identity(request, petitioner_id)
    context = {"p": row, "identity": shown, "case_pk": pk}
    if request.headers.get("HX-Request"):
        return render(request, "petitions/_petitioner_row.html", context)
    case = _case(request, pk)
    return render(
        request,
        "petitions/case_identity.html",
        {**context, "case": case, "nav_active": "petitions"},
    )


urlpatterns = [
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/do/<slug:name>/", transition, name="transition"),
    path("<int:pk>/note/", note, name="case_note"),
    path("<int:pk>/follow-up/", follow_up, name="case_follow_up"),
    path("<int:pk>/withdraw/", withdraw, name="case_withdraw"),
    path("<int:pk>/identity/<int:petitioner_id>/", identity, name="identity"),
    path("<int:pk>/attachments/", upload, name="attachment_upload"),
    path("<int:pk>/attachments/<int:attachment_id>/", attachment, name="attachment"),
    path(
        "<int:pk>/attachments/<int:attachment_id>/withdraw/",
        attachment_withdraw,
        name="attachment_withdraw",
    ),
]
