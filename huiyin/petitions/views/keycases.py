"""Key cases (包案, "五个一"): the board, marking a petition or a dispute, progress entries,
seeing it through.

The rules are in :mod:`huiyin.petitions.keycases` (``mark_key_case``, ``add_progress``,
``close_key_case``, ``key_case_board``); these views parse the forms and show the answers.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from huiyin.cases import bounds
from huiyin.cases.exceptions import TransitionRefused
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case, _staff_id
from huiyin.cases.views import case_url
from huiyin.front.decorators import require_perm
from huiyin.org.access import reach_of
from huiyin.org.models import Staff, Unit
from huiyin.org.roles import Perm
from huiyin.petitions import keycases, services
from huiyin.petitions.models import KeyCase, KeyCaseProgress

# --------------------------------------------------------------------------- forms


def style(form: forms.BaseForm) -> None:
    """Bootstrap classes on the widgets; a red outline on fields with errors."""
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        if form.is_bound and name in form.errors:
            css += " is-invalid"
            widget.attrs["aria-invalid"] = "true"
        widget.attrs["class"] = css


def apply_invalid(form: forms.BaseForm, errors: dict, keys: dict[str, str | None]) -> None:
    """Put a service's PetitionInvalid errors beside their fields (`keys`: service → form)."""
    for key, messages_ in errors.items():
        field = keys.get(key)
        for message in messages_:
            form.add_error(field if field in form.fields else None, str(message))


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Staff) -> str:
        return f"{obj.name}（{obj.unit.name}）" if obj.unit_id else obj.name


class TeamField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Staff) -> str:
        return f"{obj.name}（{obj.unit.name}）" if obj.unit_id else obj.name


class KeyCaseForm(forms.Form):
    leader = StaffChoiceField(
        queryset=Staff.objects.none(),
        label=gettext_lazy("Leader"),
        empty_label=gettext_lazy("— choose a leader —"),
    )
    team = TeamField(
        queryset=Staff.objects.none(),
        required=False,
        label=gettext_lazy("Team"),
        help_text=gettext_lazy("Hold Ctrl to choose several people."),
    )
    team_note = forms.CharField(
        required=False,
        max_length=200,
        label=gettext_lazy("Team (others)"),
        help_text=gettext_lazy("People outside Huiyin, e.g. the community party secretary."),
    )
    plan = forms.CharField(
        label=gettext_lazy("Plan"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    time_limit = bounds.DateField(
        future_ok=True,
        label=gettext_lazy("Time limit"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    responsible_unit = forms.ModelChoiceField(
        queryset=Unit.objects.none(), label=gettext_lazy("Unit responsible")
    )

    field_order = ["leader", "responsible_unit", "time_limit", "team", "team_note", "plan"]

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = services.approvers().select_related("unit")
        self.fields["team"].queryset = Staff.objects.select_related("unit").order_by("name")
        self.fields["team"].widget.attrs["size"] = 6
        self.fields["responsible_unit"].queryset = Unit.objects.filter(street_id=case.street_id)


STATES = (
    ("open", gettext_lazy("Not yet seen through")),
    ("late", gettext_lazy("Past the time limit")),
    ("closed", gettext_lazy("Seen through")),
    ("all", gettext_lazy("All")),
)


class BoardFilter(forms.Form):
    leader = StaffChoiceField(
        queryset=Staff.objects.none(),
        required=False,
        label=gettext_lazy("Leader"),
        empty_label=gettext_lazy("All leaders"),
    )
    state = forms.ChoiceField(choices=STATES, required=False, label=gettext_lazy("State"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = services.approvers().select_related("unit")


class ProgressForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Progress made"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
    )


# --------------------------------------------------------------------------- the board


def _nav(case: Case) -> str:
    return "disputes" if case.kind == Kind.DISPUTE else "petitions"


@dataclass(frozen=True)
class BoardLine:
    row: services.KeyCaseRow
    leader_id: int
    plan: str
    last_progress: str
    mine: bool
    case_url: str

    @property
    def overdue_days(self) -> int:
        return -self.row.days_left


def _details(ids: list[int]) -> dict[int, tuple[int, str, str]]:
    """Leader id, plan and latest progress text per key case (one query; not in the board row)."""
    if not ids:
        return {}
    latest = (
        KeyCaseProgress.objects.filter(key_case=OuterRef("pk"))
        .order_by("-at", "-id")
        .values("text")[:1]
    )
    rows = (
        KeyCase.objects.filter(pk__in=ids)
        .annotate(last_text=Subquery(latest))
        .values_list("pk", "leader_id", "plan", "last_text")
    )
    return {pk: (leader_id, plan, last or "") for pk, leader_id, plan, last in rows}


def _keep(row: services.KeyCaseRow, state: str) -> bool:
    if state == "open":
        return not row.closed
    if state == "late":
        return row.overdue
    if state == "closed":
        return row.closed
    return True


@require_perm(*keycases.BOARD_PERMS)
def board(request: HttpRequest) -> HttpResponse:
    """Every key case the person may see; a leader's own first."""
    form = BoardFilter(request.GET or None)
    leader, state = None, "open"
    if form.is_bound and form.is_valid():
        leader = form.cleaned_data["leader"]
        state = form.cleaned_data["state"] or "open"
    style(form)
    rows = keycases.key_case_board(request.user, include_closed=state in ("closed", "all"))
    details = _details([r.key_case_id for r in rows])
    me = _staff_id(request.user)
    lines = []
    for row in rows:
        leader_id, plan, last = details.get(row.key_case_id, (None, "", ""))
        if not _keep(row, state) or (leader is not None and leader_id != leader.pk):
            continue
        lines.append(
            BoardLine(row, leader_id, plan, last, leader_id == me, case_url(row.kind, row.case_id))
        )
    # sorted() is stable: within "mine" and "others" the service's order (time limit) stays.
    lines.sort(key=lambda line: not line.mine)
    return render(
        request,
        "petitions/keycase_board.html",
        {
            "nav_active": "petitions"
            if reach_of(request.user).can(Perm.PETITIONS_VIEW)
            else "disputes",
            "subnav_active": "keycases",
            "form": form,
            "lines": lines,
            "state": state,
            "may_mark": keycases.may_mark_any(request.user),
        },
    )


# --------------------------------------------------------------------------- marking


@require_perm(Perm.PETITIONS_APPROVE, Perm.PETITIONS_DECIDE, Perm.DISPUTES_SCREEN)
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a petition or a dispute as a key case: one leader, one team, one plan, one time
    limit."""
    case = Case.objects.get_for_user(request.user, pk)
    if case.kind not in keycases.RULES:
        raise Http404
    existing = KeyCase.objects.filter(case_id=case.pk).values_list("pk", flat=True).first()
    if existing is not None:
        messages.info(request, _("This matter is already a key case."))
        return redirect("petitions:keycase", pk=existing)
    if not keycases.may_mark(request.user, case):
        raise PermissionDenied
    status = 200
    if request.method == "POST":
        form = KeyCaseForm(request.POST, case=case)
        if form.is_valid():
            data = form.cleaned_data
            try:
                key_case = keycases.mark_key_case(
                    case,
                    actor=request.user,
                    leader=data["leader"],
                    team=data["team"],
                    team_note=data["team_note"],
                    plan=data["plan"],
                    time_limit=data["time_limit"],
                    responsible_unit=data["responsible_unit"],
                    request=request,
                )
            except services.PetitionInvalid as invalid:
                apply_invalid(
                    form,
                    invalid.errors,
                    {k: k for k in ("leader", "team", "plan", "time_limit", "responsible_unit")},
                )
                status = 400
            except TransitionRefused as refused:
                form.add_error(None, str(refused.message))
                status = 403
            else:
                messages.success(
                    request,
                    _("%(number)s is now a key case.") % {"number": case.number},
                )
                return redirect("petitions:keycase", pk=key_case.pk)
        else:
            status = 400
    else:
        me = _staff_id(request.user)
        initial = {"responsible_unit": case.owner_unit_id}
        if me is not None and services.approvers().filter(pk=me).exists():
            initial["leader"] = me
        form = KeyCaseForm(case=case, initial=initial)
    style(form)
    return render(
        request,
        "petitions/keycase_form.html",
        {
            "nav_active": _nav(case),
            "subnav_active": "keycases",
            "case": case,
            "case_url": case_url(case.kind, case.pk),
            "form": form,
            "today": timezone.localdate(),
        },
        status=status,
    )


# --------------------------------------------------------------------------- one key case


def _key_case_for(user, pk: int) -> KeyCase:
    """The key case if its case is visible to `user` (the one door); else Http404."""
    case_id = KeyCase.objects.filter(pk=pk).values_list("case_id", flat=True).first()
    if case_id is None:
        raise Http404
    Case.objects.get_for_user(user, case_id)
    return (
        KeyCase.objects.select_related("case", "leader__unit", "responsible_unit")
        .prefetch_related("team__unit")
        .get(pk=pk)
    )


def _render_detail(
    request: HttpRequest,
    key_case: KeyCase,
    *,
    progress_form: ProgressForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    case = key_case.case
    team = list(key_case.team.all())
    may_progress = keycases.may_work_on(request.user, key_case, case)
    may_close = key_case.closed_at is None and keycases.may_close(request.user, key_case, case)
    form = progress_form or ProgressForm()
    style(form)
    return render(
        request,
        "petitions/keycase_detail.html",
        {
            "nav_active": _nav(case),
            "subnav_active": "keycases",
            "key_case": key_case,
            "case": case,
            "case_url": case_url(case.kind, case.pk),
            "team": team,
            "progress": key_case.progress.select_related("by__staff").order_by("-at", "-id"),
            "progress_form": form,
            "may_progress": may_progress,
            "may_close": may_close,
            "error": error,
            "days_left": (key_case.time_limit - timezone.localdate()).days,
        },
        status=status,
    )


@require_perm(*keycases.BOARD_PERMS)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _key_case_for(request.user, pk))


@require_perm(*keycases.BOARD_PERMS)
@require_POST
def progress(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a progress entry (its leader, team, the petition office or the unit's handler)."""
    key_case = _key_case_for(request.user, pk)
    form = ProgressForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, key_case, progress_form=form, status=400)
    try:
        keycases.add_progress(
            key_case, actor=request.user, text=form.cleaned_data["text"], request=request
        )
    except services.PetitionInvalid as invalid:
        apply_invalid(form, invalid.errors, {"text": "text"})
        return _render_detail(request, key_case, progress_form=form, status=400)
    except TransitionRefused as refused:
        return _render_detail(request, key_case, error=str(refused.message), status=403)
    messages.success(request, _("Progress recorded."))
    return redirect("petitions:keycase", pk=key_case.pk)


@require_perm(*keycases.BOARD_PERMS)
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the key case seen through (its leader, or a leader over the petition)."""
    key_case = _key_case_for(request.user, pk)
    if key_case.closed_at is not None:
        messages.info(request, _("This key case was already seen through."))
        return redirect("petitions:keycase", pk=key_case.pk)
    try:
        keycases.close_key_case(key_case, actor=request.user, request=request)
    except TransitionRefused as refused:
        return _render_detail(request, key_case, error=str(refused.message), status=403)
    messages.success(request, _("The key case is marked as seen through."))
    return redirect("petitions:keycase", pk=key_case.pk)


urlpatterns = [
    path("keycases/", board, name="keycases"),
    path("keycases/<int:pk>/", detail, name="keycase"),
    path("keycases/<int:pk>/progress/", progress, name="keycase_progress"),
    path("keycases/<int:pk>/close/", close, name="keycase_close"),
    path("<int:pk>/keycase/", new, name="keycase_new"),
]
