"""Forms of the places, inspections, rectifications, campaigns and sensitive periods pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds
from huiyin.org.models import Community, Grid, Staff
from huiyin.patrols import rules
from huiyin.patrols.forms import (
    BoundedModelChoiceField,
    GridChoiceField,
    PhotoField,
    StaffChoiceField,
    date_widget,
    style,
)
from huiyin.patrols.models import (
    Authority,
    Checklist,
    Place,
    PlaceKind,
    ReinspectionResult,
    Result,
    SpecialCampaign,
)
from huiyin.patrols.services import inspections as inspection_rules
from huiyin.patrols.services import places as place_rules
from huiyin.patrols.services import sensitive as sensitive_rules

REFERRAL_AUTHORITIES = [(k, v) for k, v in Authority.choices if k != Authority.STREET]


class PlaceForm(forms.Form):
    kind = BoundedModelChoiceField(label=_("Kind"), queryset=PlaceKind.objects.none())
    name = forms.CharField(label=_("Name"), max_length=place_rules.NAME_MAX)
    address = forms.CharField(label=_("Address"), max_length=place_rules.ADDRESS_MAX)
    community = BoundedModelChoiceField(label=_("Community"), queryset=Community.objects.none())
    grid = GridChoiceField(label=_("Grid"), queryset=Grid.objects.none(), required=False)
    authority = forms.ChoiceField(label=_("Competent authority"), choices=Authority.choices)
    licences = forms.CharField(
        label=_("Licences"),
        required=False,
        max_length=place_rules.LICENCES_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The licences held, one per line: name, number, valid until."),
    )
    responsible_name = forms.CharField(
        label=_("Person responsible for the place"),
        required=False,
        max_length=place_rules.PERSON_MAX,
    )
    responsible_phone = forms.CharField(
        label=_("Their phone"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=place_rules.NOTE_MAX,
        help_text=_("The place and its compliance only: never guests', customers' or users' data."),
    )
    active = forms.BooleanField(label=_("In the registry"), required=False, initial=True)

    def __init__(self, *args, communities, grids, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = PlaceKind.objects.filter(active=True)
        self.fields["community"].queryset = communities
        self.fields["grid"].queryset = grids
        if editing:
            self.fields["responsible_phone"].help_text = _("Leave empty to keep the stored one.")
        style(self)


class ChecklistForm(forms.Form):
    kind = BoundedModelChoiceField(
        label=_("Kind of place"), queryset=PlaceKind.objects.all(), widget=forms.HiddenInput
    )
    items = forms.CharField(
        label=_("Items"),
        max_length=place_rules.ITEMS_MAX * (place_rules.ITEM_MAX + place_rules.BASIS_MAX + 4),
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("One item per line: the item, then | and its legal basis."),
    )
    note = forms.CharField(label=_("What changed"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)


class InspectionForm(forms.Form):
    """The inspection and, per checklist item, its result, note, deadline and photo."""

    inspected_on = bounds.DateField(label=_("Inspected on"), widget=date_widget())
    lead_authority = forms.ChoiceField(label=_("Lead authority"), choices=Authority.choices)
    staff = StaffChoiceField(
        label=_("Street staff on the team"),
        queryset=Staff.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    joint_members = forms.CharField(
        label=_("Joint members"),
        required=False,
        max_length=inspection_rules.JOINT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line: the department and the inspector, e.g. 消防救援 张某."),
    )
    campaign = BoundedModelChoiceField(
        label=_("Special campaign"), queryset=SpecialCampaign.objects.none(), required=False
    )
    findings = forms.CharField(
        label=_("Findings"),
        required=False,
        max_length=inspection_rules.FINDINGS_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=rules.HELP_MATTER,
    )
    responsible_party = forms.CharField(
        label=_("Responsible for the rectifications"),
        required=False,
        max_length=inspection_rules.PARTY_MAX,
        help_text=_("Default: the place itself."),
    )
    inspector_signatures = forms.CharField(
        label=_("Signed by the inspectors"),
        max_length=inspection_rules.SIGNATURES_MAX,
        help_text=_("The inspectors' names, as they signed the paper record."),
    )
    place_signature = forms.CharField(
        label=_("Signed for the place"), required=False, max_length=40
    )

    def __init__(self, *args, items, staff, campaigns, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        self.fields["staff"].queryset = staff
        self.fields["campaign"].queryset = campaigns
        for item in self.items:
            self.fields[f"result_{item.pk}"] = forms.ChoiceField(
                label=item.text, choices=Result.choices, widget=forms.RadioSelect
            )
            self.fields[f"note_{item.pk}"] = forms.CharField(
                label=_("Note"), required=False, max_length=inspection_rules.ITEM_NOTE_MAX
            )
            self.fields[f"deadline_{item.pk}"] = bounds.DateField(
                label=_("Rectify by"), required=False, future_ok=True, widget=date_widget()
            )
            self.fields[f"photo_{item.pk}"] = PhotoField(label=_("Photo"), multiple=False)
        style(self)

    def rows(self):
        """(item, result field, note field, deadline field, photo field) for the template."""
        return [
            (item, *(self[f"{name}_{item.pk}"] for name in ("result", "note", "deadline", "photo")))
            for item in self.items
        ]

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "inspected_on": data["inspected_on"],
            "lead_authority": data["lead_authority"],
            "staff": list(data["staff"]),
            "joint_members": data["joint_members"],
            "findings": data["findings"],
            "responsible_party": data["responsible_party"],
            "inspector_signatures": data["inspector_signatures"],
            "place_signature": data["place_signature"],
            "campaign": data["campaign"],
            "results": {i.pk: (data[f"result_{i.pk}"], data[f"note_{i.pk}"]) for i in self.items},
            "deadlines": {i.pk: data[f"deadline_{i.pk}"] for i in self.items},
            "files": {i.pk: data[f"photo_{i.pk}"] for i in self.items if data[f"photo_{i.pk}"]},
        }

    def service_key(self, key: str) -> str:
        """The field of a service's error key ("item-7" → "result_7", "deadline-7" → ...)."""
        if key.startswith("item-"):
            return f"result_{key[5:]}"
        if key.startswith("deadline-"):
            return f"deadline_{key[9:]}"
        return key


class StepForm(forms.Form):
    version = forms.CharField(required=False, max_length=12, widget=forms.HiddenInput)
    on = bounds.DateField(label=_("On"), widget=date_widget())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)


class ReinspectForm(StepForm):
    result = forms.ChoiceField(label=_("Result"), choices=ReinspectionResult.choices)
    new_deadline = bounds.DateField(
        label=_("New deadline (when not rectified)"),
        required=False,
        future_ok=True,
        widget=date_widget(),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class ReferForm(StepForm):
    to = forms.ChoiceField(label=_("Referred to"), choices=REFERRAL_AUTHORITIES)


class ReferralResultForm(StepForm):
    result = forms.CharField(label=_("The department's result"), max_length=300)
    rectified = forms.BooleanField(label=_("Rectified"), required=False)


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    starts_on = bounds.DateField(label=_("From"), future_ok=True, widget=date_widget())
    ends_on = bounds.DateField(label=_("To"), future_ok=True, widget=date_widget())
    scope = forms.CharField(label=_("Scope"), required=False, max_length=300)
    checklist = BoundedModelChoiceField(
        label=_("Checklist"), queryset=Checklist.objects.none(), required=False
    )
    places = bounds.ModelMultipleChoiceField(
        label=_("Target places"),
        queryset=Place.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, places, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["checklist"].queryset = Checklist.objects.select_related("kind")
        self.fields["places"].queryset = places
        style(self)


class PeriodForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=sensitive_rules.NAME_MAX)
    starts_on = bounds.DateField(label=_("From"), future_ok=True, widget=date_widget())
    ends_on = bounds.DateField(label=_("To"), future_ok=True, widget=date_widget())
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)


class DailyForm(forms.Form):
    version = forms.CharField(required=False, max_length=12, widget=forms.HiddenInput)
    community = BoundedModelChoiceField(label=_("Community"), queryset=Community.objects.none())
    day = bounds.DateField(label=_("Day"), widget=date_widget())
    incident_count = forms.IntegerField(
        label=_("Incidents"), required=False, min_value=0, max_value=sensitive_rules.COUNT_MAX
    )
    incidents = forms.CharField(
        label=_("The incidents, briefly"),
        required=False,
        max_length=sensitive_rules.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=rules.HELP_MATTER,
    )
    risk_note_count = forms.IntegerField(
        label=_("Risk notes"), required=False, min_value=0, max_value=sensitive_rules.COUNT_MAX
    )
    risk_notes = forms.CharField(
        label=_("The risk notes, briefly"),
        required=False,
        max_length=sensitive_rules.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("About matters, places and projects (a wage-arrears site), never a person."),
    )

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        style(self)
