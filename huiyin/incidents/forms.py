"""Forms of the incident pages: registering an incident, one form per step of the case page,
a risk note and its steps.

They shape input; the rules live in :mod:`huiyin.incidents.registration`, the workflow's steps
and :mod:`huiyin.incidents.risk` (their messages are put back beside the fields). Numbers,
amounts and moments are text here: the services bound them and say what is wrong in the
field's own words. Moments are typed in Beijing time (``datetime-local``). One column on a
phone: every widget is full width.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Category
from huiyin.incidents import rules
from huiyin.incidents.checks import FIELDS, MAX_TEXT
from huiyin.incidents.grading import Grade
from huiyin.incidents.models import Level, Report, RiskType, Source, SubjectKind, Task, TaskAction
from huiyin.incidents.workflow import PAYLOAD
from huiyin.org.access import Scope, reach_of
from huiyin.org.models import Community, Grid, RoleGrant, Staff
from huiyin.org.roles import ROLE_PERMISSIONS, Perm, Role
from huiyin.org.streets import places_in_scope

MSG_PEOPLE_HELP = _(
    "An estimate of how many people are involved, and their demands as text: never a list of "
    "participants."
)
MSG_GRADE_HELP = _(
    "For a production-safety accident, a fire or a road traffic accident the grade is derived "
    "from deaths, serious injuries and the direct loss (Regulations art. 3)."
)
MSG_SUBJECT_HELP = _(
    "A matter, a place or a project (a wage-arrears site, a demolition project): never a "
    "person. No names, ID numbers or phone numbers."
)
MSG_KIN_HELP = _("Only as far as the handling needs: encrypted, shown masked.")
MSG_CASE_NUMBER_HELP = _("Its case number, as on the matter's page.")


def moment_widget() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def moment_field(key: str, *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=FIELDS[key], required=required, max_length=40, widget=moment_widget()
    )


def local_input(value) -> str:
    """A moment as a ``datetime-local`` input's value, in Beijing time."""
    return timezone.localtime(value, CHINA_TZ).strftime("%Y-%m-%dT%H:%M") if value else ""


def number_field(key: str, *, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=FIELDS[key],
        required=required,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


def text_field(key: str, *, required: bool = False, rows: int = 2, limit: int = MAX_TEXT):
    return forms.CharField(
        label=FIELDS[key],
        required=required,
        max_length=limit,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def style(form: forms.BaseForm) -> None:
    """Bootstrap classes on every widget, errors outlined in red (only those already found:
    reading ``form.errors`` here would validate a form still being built)."""
    errors = form._errors or {}
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs.setdefault("class", css)
        if name in errors and "is-invalid" not in widget.attrs["class"]:
            widget.attrs["class"] += " is-invalid"
            widget.attrs["aria-invalid"] = "true"


def apply_errors(form: forms.BaseForm, errors: dict) -> list[str]:
    """The service's errors beside their fields; returns those without a field."""
    top = []
    for key, messages in errors.items():
        field = key if key in form.fields else None
        for message in messages:
            if field is None:
                top.append(str(message))
            else:
                form.add_error(field, str(message))
    style(form)
    return top


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return f"{obj.parent.name} › {obj.name}" if obj.parent_id else obj.name


class GridChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Grid) -> str:
        return f"{obj.community.name} · {obj.name}"


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Staff) -> str:
        return f"{obj.name}（{obj.title}）" if obj.title else obj.name


def limit_places(form: forms.Form, scope: Scope) -> None:
    """Only the places the person may register for: a grid worker their grid."""
    communities, grids = places_in_scope(scope)
    if not scope.street_wide:
        if scope.grid_ids and not scope.community_ids:
            form.fields["grid"].required = True
            if len(scope.grid_ids) == 1:
                form.initial.setdefault("grid", next(iter(scope.grid_ids)))
        else:
            form.fields["community"].required = True
            if len(scope.community_ids) == 1:
                form.initial.setdefault("community", next(iter(scope.community_ids)))
    form.fields["community"].queryset = communities
    form.fields["grid"].queryset = grids


class RegisterForm(forms.Form):
    """An incident, in the order the duty officer hears of it."""

    category = CategoryChoiceField(label=FIELDS["category"], queryset=Category.objects.none())
    title = forms.CharField(label=FIELDS["title"], max_length=200)
    occurred_at = moment_field("occurred_at")
    learned_at = moment_field("learned_at")
    source = forms.ChoiceField(label=FIELDS["source"], choices=Source.choices)
    community = forms.ModelChoiceField(
        label=FIELDS["community"], queryset=Community.objects.none(), required=False
    )
    grid = GridChoiceField(label=FIELDS["grid"], queryset=Grid.objects.none(), required=False)
    place = forms.CharField(label=FIELDS["place"], max_length=200, required=False)
    description = text_field("description", rows=3)
    people_count = number_field("people_count")
    demands = text_field("demands")
    deaths = number_field("deaths")
    missing = number_field("missing")
    serious_injuries = number_field("serious_injuries")
    minor_injuries = number_field("minor_injuries")
    direct_loss = forms.CharField(
        label=FIELDS["direct_loss"],
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    loss_note = text_field("loss_note")
    measures = text_field("measures")
    grade = forms.ChoiceField(
        label=FIELDS["grade"],
        choices=[("", "---------"), *Grade.choices],
        required=False,
        help_text=MSG_GRADE_HELP,
    )
    dispute_case = forms.CharField(
        label=FIELDS["dispute_case"], max_length=40, required=False, help_text=MSG_CASE_NUMBER_HELP
    )
    petition_case = forms.CharField(label=FIELDS["petition_case"], max_length=40, required=False)
    risk_note = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        scope = reach_of(user).scope(Perm.INCIDENTS_REPORT) if user else Scope.every_street()
        limit_places(self, scope)
        self.fields["category"].queryset = (
            Category.objects.filter(kind=Kind.INCIDENT, active=True, parent__isnull=False)
            .select_related("parent")
            .order_by("parent__order", "order", "id")
        )
        now = local_input(timezone.now())
        self.initial.setdefault("learned_at", now)
        self.initial.setdefault("occurred_at", now)
        self.fields["people_count"].help_text = MSG_PEOPLE_HELP
        style(self)

    def service_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        data.setdefault("title", "")
        return data


# --------------------------------------------------------------------------- the case page

#: Keys shown as multi-line text, and the moments among the payload keys.
TEXT_KEYS = {
    "measures", "note", "demands", "loss_note", "contents", "result", "outcome", "aftermath",
    "evaluation", "police_conclusion",
}  # fmt: skip
MOMENT_KEYS = {"sent_at", "due_at", "police_notified_at", "conclusion_received_at", "concluded_at"}
NUMBER_KEYS = {"people_count", "deaths", "missing", "serious_injuries", "minor_injuries", "seq"}
LABELS = {
    ("conclude", "outcome"): _("Outcome of the disposal"),
    ("close", "note"): _("Note (optional)"),
    ("resume", "note"): _("Why the handling resumes"),
    ("respond", "note"): _("Note (optional)"),
    ("update_situation", "note"): _("What changed"),
}


def leaders(street_id: int | None = None):
    """The leaders (of `street_id`'s street when given)."""
    grants = Q(grants__role=Role.LEADER)
    if street_id is not None:
        grants &= Q(grants__street_id=street_id)
    return Staff.objects.filter(grants, user__is_active=True).distinct().order_by("name")


def task_roles() -> list[str]:
    """Who may own a task: those who work on incidents, and the leaders."""
    working = [r for r, perms in ROLE_PERMISSIONS.items() if Perm.INCIDENTS_REPORT in perms]
    return [*working, Role.LEADER]


def owners(case):
    """Staff whose incident roles cover the case (one query): who a task may go to."""
    roles = task_roles()
    covers = Q(community__isnull=True, grid__isnull=True, unit__isnull=True, street=case.street_id)
    if case.community_id:
        covers |= Q(community_id=case.community_id)
    if case.grid_id:
        covers |= Q(grid_id=case.grid_id)
    staff = RoleGrant.objects.filter(covers, role__in=roles, staff__user__is_active=True)
    return Staff.objects.filter(pk__in=staff.values("staff_id")).order_by("name")


def report_draft(incident) -> str:
    """A first report's draft: for a safety accident the contents of 条例 art. 12."""
    if rules.is_safety(incident.case.category):
        heads = [
            "一、事故发生单位概况：",
            "二、事故发生的时间、地点以及事故现场情况：",
            "三、事故的简要经过：",
            "四、已经造成或者可能造成的伤亡人数（包括下落不明的人数）和初步估计的直接经济损失：",
            "五、已经采取的措施：",
            "六、其他应当报告的情况：",
        ]
    else:
        heads = [
            "一、接报时间及来源：",
            "二、发生时间、地点：",
            "三、事件性质、涉及范围：",
            "四、伤亡及损失情况：",
            "五、发展趋势：",
            "六、到场领导及已采取的措施：",
            "七、需要协调解决的事项：",
        ]
    return "\n".join(heads)


class StepForm(forms.Form):
    """One step of the case page, its fields from the workflow's payload keys."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, transition, case, incident, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.transition = transition
        self.name = transition.name
        self.label = transition.label
        required, optional = PAYLOAD[transition.name]
        for key in (*required, *optional):
            self.fields[key] = self._field(key, key in required, case, incident, user)
            label = LABELS.get((self.name, key))
            if label:
                self.fields[key].label = label
        self.initial["version"] = case.version
        self._initial(case, incident)
        style(self)

    def _field(self, key, required, case, incident, user) -> forms.Field:
        if key == "leader":
            return StaffChoiceField(
                label=FIELDS[key], queryset=leaders(case.street_id), required=required
            )
        if key == "owner":
            return StaffChoiceField(label=FIELDS[key], queryset=owners(case), required=required)
        if key == "task":
            tasks = Task.objects.filter(incident_id=case.pk, done_at__isnull=True)
            return forms.ModelChoiceField(
                label=FIELDS[key], queryset=tasks.order_by("due_at"), required=required
            )
        choices = {
            "kind": Report.Kind.choices,
            "channel": Report.Channel.choices,
            "action": TaskAction.choices,
            "grade": Grade.choices,
        }.get(key)
        if choices is not None:
            return forms.ChoiceField(label=FIELDS[key], choices=choices, required=required)
        if key in MOMENT_KEYS:
            return moment_field(key, required=required)
        if key in NUMBER_KEYS:
            return number_field(key, required=required)
        if key == "evaluated_on":
            return forms.CharField(
                label=FIELDS[key],
                required=False,
                max_length=20,
                widget=forms.DateInput(attrs={"type": "date"}),
            )
        if key in TEXT_KEYS:
            rows = 6 if key == "contents" else 2
            return text_field(key, required=required, rows=rows)
        field = forms.CharField(label=FIELDS[key], required=required, max_length=200)
        if key.startswith("kin_"):
            field.help_text = MSG_KIN_HELP
            field.widget.attrs["autocomplete"] = "off"
        return field

    def _initial(self, case, incident) -> None:
        now = timezone.now()
        if self.name == "update_situation":
            for key in ("people_count", "demands", "deaths", "missing", "serious_injuries",
                        "minor_injuries", "direct_loss", "loss_note", "measures", "grade"):  # fmt: skip
                value = getattr(incident, key)
                self.initial[key] = "" if value is None else value
        elif self.name == "record_report":
            self.initial.update(sent_at=local_input(now), contents=report_draft(incident))
            self.initial["kind"] = Report.Kind.FIRST
        elif self.name == "add_task":
            self.initial["due_at"] = local_input(now + timedelta(hours=2))
        elif self.name == "respond":
            self.initial["measures"] = incident.measures

    def payload(self) -> dict:
        out = {}
        for key, value in self.cleaned_data.items():
            if key == "version" or value is None:
                continue
            out[key] = value.pk if hasattr(value, "pk") else value
        if self.name != "update_situation":
            out = {k: v for k, v in out.items() if v != ""}
        return out


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)


# --------------------------------------------------------------------------- risk notes


class TaskFields(forms.Form):
    action = forms.ChoiceField(label=FIELDS["action"], choices=TaskAction.choices)
    task_title = forms.CharField(label=FIELDS["task_title"], max_length=200)
    owner = StaffChoiceField(label=FIELDS["owner"], queryset=Staff.objects.none())
    due_at = moment_field("due_at")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        roles = task_roles()
        self.fields["owner"].queryset = (
            Staff.objects.filter(grants__role__in=roles, user__is_active=True)
            .distinct()
            .order_by("name")
        )
        self.initial.setdefault("due_at", local_input(timezone.now() + timedelta(days=3)))
        style(self)


class RiskNoteForm(TaskFields):
    """A risk note and its first resolution task (a note without one is refused)."""

    subject_kind = forms.ChoiceField(label=FIELDS["subject_kind"], choices=SubjectKind.choices)
    subject = forms.CharField(label=FIELDS["subject"], max_length=200, help_text=MSG_SUBJECT_HELP)
    risk_type = forms.ChoiceField(label=FIELDS["risk_type"], choices=RiskType.choices)
    level = forms.ChoiceField(label=FIELDS["level"], choices=Level.choices)
    description = text_field("description", required=True, rows=3)
    community = forms.ModelChoiceField(
        label=FIELDS["community"], queryset=Community.objects.none(), required=False
    )
    grid = GridChoiceField(label=FIELDS["grid"], queryset=Grid.objects.none(), required=False)
    place = forms.CharField(label=FIELDS["place"], max_length=200, required=False)
    noted_on = forms.CharField(
        label=FIELDS["noted_on"],
        max_length=20,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    field_order = [
        "subject_kind", "subject", "risk_type", "level", "description", "community", "grid",
        "place", "noted_on", "action", "task_title", "owner", "due_at",
    ]  # fmt: skip

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        scope = reach_of(user).scope(Perm.INCIDENTS_REPORT) if user else Scope.every_street()
        limit_places(self, scope)
        self.initial.setdefault("noted_on", timezone.localdate(timezone=CHINA_TZ).isoformat())
        self.order_fields(self.field_order)
        style(self)


class CloseRiskForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    action_taken = text_field("action_taken", required=True, rows=3)
    reported_upward = forms.BooleanField(label=FIELDS["reported_upward"], required=False)
    reported_to = forms.CharField(label=FIELDS["reported_to"], max_length=100, required=False)
    reported_at = moment_field("reported_at", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)


class FinishRiskTaskForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    task = forms.ModelChoiceField(label=FIELDS["task"], queryset=Task.objects.none())
    result = text_field("result", required=True)

    def __init__(self, *args, note=None, **kwargs):
        super().__init__(*args, **kwargs)
        if note is not None:
            self.fields["task"].queryset = Task.objects.filter(risk_note=note, done_at__isnull=True)
        style(self)


class LinkRiskForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    incident = forms.CharField(label=_("Incident number"), max_length=40, required=False)
    dispute = forms.CharField(
        label=_("Dispute number"), max_length=40, required=False, help_text=MSG_CASE_NUMBER_HELP
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)
