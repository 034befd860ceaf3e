"""The patrol pages' forms: one column on a phone, every value bounded before the services.

The services check the rules again (who may record where, matters not people); a refusal
comes back beside its field through :func:`apply_errors`.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds
from huiyin.org.models import Community, Grid, Staff
from huiyin.patrols import photos, rules
from huiyin.patrols.models import (
    MAX_DURATION_MINUTES,
    FindingKind,
    PatrolKind,
    Place,
    Volunteer,
)
from huiyin.patrols.services import findings as finding_steps
from huiyin.patrols.services import patrols as patrol_rules


def style(form: forms.BaseForm) -> None:
    """Bootstrap classes on the widgets; a red outline on fields with errors."""
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput):
            continue
        if isinstance(
            widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple
        ):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        if form.is_bound and name in form.errors:
            css += " is-invalid"
            widget.attrs["aria-invalid"] = "true"
        widget.attrs["class"] = css


def apply_errors(form: forms.BaseForm, errors: dict) -> list[str]:
    """Put a service's refusals beside their fields; what has no field comes back for the top."""
    top = []
    for key, messages in errors.items():
        for message in messages:
            if key in form.fields:
                form.add_error(key, str(message))
            else:
                top.append(str(message))
    style(form)
    return top


class BoundedModelChoiceField(forms.ModelChoiceField):
    """An id out of any column's range is an invalid choice, never a database error."""

    def to_python(self, value):
        if (
            value not in self.empty_values
            and not isinstance(value, self.queryset.model)
            and bounds.bounded_int(value, 1, bounds.MAX_ID) is None
        ):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class GridChoiceField(BoundedModelChoiceField):
    def label_from_instance(self, obj: Grid) -> str:
        return f"{obj.community.name} · {obj.name}"


class StaffChoiceField(bounds.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Staff) -> str:
        return obj.name


def date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotoField(forms.FileField):
    """Photos from the phone's camera: several files in one input, each checked by content."""

    def __init__(self, *args, multiple: bool = True, **kwargs):
        attrs = {"accept": "image/*", "capture": "environment"}
        widget = MultiplePhotoInput(attrs=attrs) if multiple else forms.ClearableFileInput(attrs)
        kwargs.setdefault("widget", widget)
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", photos.HELP_PHOTO)
        super().__init__(*args, **kwargs)
        self.multiple = multiple

    def clean(self, data, initial=None):
        if not self.multiple:
            return super().clean(data, initial)
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d][: photos.MAX_PER_FINDING + 1]
        return [single(data, initial)] if data else []


class PatrolForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=PatrolKind.choices, initial=PatrolKind.GRID)
    grid = GridChoiceField(label=_("Grid"), queryset=Grid.objects.none(), required=False)
    community = BoundedModelChoiceField(
        label=_("Community (for a route across grids)"),
        queryset=Community.objects.none(),
        required=False,
    )
    route = forms.CharField(
        label=_("Route"),
        required=False,
        max_length=patrol_rules.ROUTE_MAX,
        help_text=_("The streets or buildings covered, e.g. 翠屏路—滨江路—3号楼."),
    )
    started_at = bounds.DateTimeField(
        label=_("Started at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"),
        min_value=1,
        max_value=MAX_DURATION_MINUTES,
        initial=60,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    staff = StaffChoiceField(
        label=_("Staff on the team"),
        queryset=Staff.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty when you patrolled alone."),
    )
    volunteers = bounds.ModelMultipleChoiceField(
        label=_("Volunteers on the team (red armbands)"),
        queryset=Volunteer.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    police_unit = forms.CharField(
        label=_("Police unit (joint patrol)"),
        required=False,
        max_length=patrol_rules.POLICE_UNIT_MAX,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=patrol_rules.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=rules.HELP_MATTER,
    )

    def __init__(self, *args, grids, communities, staff, volunteers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grids
        self.fields["community"].queryset = communities
        self.fields["staff"].queryset = staff
        self.fields["volunteers"].queryset = volunteers
        style(self)


class FindingForm(forms.Form):
    kind = forms.ChoiceField(label=_("What was found"), choices=FindingKind.choices)
    location = forms.CharField(
        label=_("Where"),
        max_length=patrol_rules.LOCATION_MAX,
        help_text=_("The place of the condition, e.g. 3号楼北侧消防通道."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=patrol_rules.DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=rules.HELP_MATTER,
    )
    place = BoundedModelChoiceField(
        label=_("Key place (if any)"), queryset=Place.objects.none(), required=False
    )
    photos = PhotoField(label=_("Photos"))

    def __init__(self, *args, places, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = places
        style(self)


STEP_CHOICES = [
    ("rectification", _("Becomes a rectification")),
    ("dispute", _("Becomes a dispute")),
    ("incident", _("Becomes an incident")),
    ("link", _("Link a case on record")),
    ("noted", _("Handled on the spot")),
]


class FindingStepForm(forms.Form):
    """One step on a finding; the page shows one small form per step, each naming its own."""

    action = forms.ChoiceField(choices=STEP_CHOICES, widget=forms.HiddenInput)
    responsible_party = forms.CharField(
        label=_("Responsible party"), required=False, max_length=finding_steps.PARTY_MAX
    )
    deadline = bounds.DateField(
        label=_("Deadline"), required=False, future_ok=True, widget=date_widget()
    )
    basis = forms.CharField(label=_("Legal basis"), required=False, max_length=200)
    title = forms.CharField(label=_("Title"), required=False, max_length=finding_steps.TITLE_MAX)
    link_kind = forms.ChoiceField(
        label=_("Kind of case"),
        required=False,
        choices=[("dispute", _("Dispute")), ("incident", _("Incident"))],
    )
    number = forms.CharField(
        label=_("Case number"), required=False, max_length=finding_steps.NUMBER_MAX
    )
    note = forms.CharField(label=_("How it was handled"), required=False, max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)


class VolunteerForm(forms.Form):
    community = BoundedModelChoiceField(label=_("Community"), queryset=Community.objects.none())
    name = forms.CharField(label=_("Name"), max_length=patrol_rules.NAME_MAX)
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        style(self)


class RosterForm(forms.Form):
    grid = GridChoiceField(label=_("Grid"), queryset=Grid.objects.none())
    day = bounds.DateField(label=_("Day"), future_ok=True, widget=date_widget())
    kind = forms.ChoiceField(label=_("Type"), choices=PatrolKind.choices)
    member = forms.ChoiceField(label=_("Who"))
    note = forms.CharField(label=_("Note"), required=False, max_length=100)

    def __init__(self, *args, grids, staff, volunteers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grids
        self.fields["member"].choices = (
            [("", "---------")]
            + [(f"s{s.pk}", s.name) for s in staff]
            + [(f"v{v.pk}", f"{v.name}（{_('volunteer')}）") for v in volunteers]
        )
        style(self)

    def member_ids(self) -> tuple[int | None, int | None]:
        token = self.cleaned_data.get("member") or ""
        pk = bounds.bounded_int(token[1:], 1, bounds.MAX_ID)
        return (pk, None) if token[:1] == "s" else (None, pk)
