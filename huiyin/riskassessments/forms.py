"""The risk assessment's forms: rendering and first checks; the services decide (and re-check)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from huiyin.assessment.forms import Styled
from huiyin.cases import bounds
from huiyin.org import own_streets
from huiyin.riskassessments import levels
from huiyin.riskassessments.models import (
    DIMENSIONS,
    MAX_PARTICIPANTS,
    AssessorKind,
    DecisionTaken,
    Finding,
    MeasureStatus,
    Method,
)

_DATE = {"type": "date"}


def _text(label, limit, *, required=True, rows=None, help_text=""):
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput
    return forms.CharField(
        label=label, max_length=limit, required=required, widget=widget, help_text=help_text
    )


def _day(label, *, required=True, future_ok=False):
    return bounds.DateField(
        label=label,
        required=required,
        future_ok=future_ok,
        widget=forms.DateInput(attrs=_DATE, format="%Y-%m-%d"),
    )


def _count(label, low, high, **kwargs):
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        **kwargs,
    )


def _version():
    return forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=10**9
    )


def _staff_choices(user) -> list[tuple[str, str]]:
    """The staff of the person's streets (every street's without a person)."""
    staff = own_streets.staff(user).values_list("pk", "name")
    return [("", "—"), *((str(pk), name) for pk, name in staff)]


class AssessmentForm(Styled):
    title = _text(_("Decision or project"), 200)
    description = _text(_("Description of the decision or project"), 4000, rows=3)
    unit = forms.ChoiceField(label=_("Responsible unit"), choices=(), required=False)
    body_name = _text(
        _("Responsible body"),
        100,
        required=False,
        help_text=_("When the responsible body is not one of the street's units."),
    )
    leader = forms.ChoiceField(label=_("Responsible leader"), choices=())
    assessor_kind = forms.ChoiceField(label=_("Assessor"), choices=AssessorKind.choices)
    assessor_name = _text(_("Assessing body"), 100)
    plan = _text(_("Assessment plan"), 4000, rows=4)
    response_plan = _text(_("Response plan"), 4000, required=False, rows=3)
    opened_on = _day(_("Assessment started on"))
    version = _version()

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        units = own_streets.units(user).values_list("pk", "name")
        self.fields["unit"].choices = [("", "—"), *((str(pk), name) for pk, name in units)]
        self.fields["leader"].choices = _staff_choices(user)


class ConsultationForm(Styled):
    method = forms.ChoiceField(label=_("Method"), choices=Method.choices)
    group = _text(
        _("Stakeholder group"),
        100,
        help_text=_("A group, never a person: e.g. residents of the buildings to be demolished."),
    )
    held_on = _day(_("Held on"))
    participants = _count(_("Participants"), 1, MAX_PARTICIPANTS)
    in_favour = _count(_("In favour"), 0, MAX_PARTICIPANTS, initial=0)
    against = _count(_("Against"), 0, MAX_PARTICIPANTS, initial=0)
    neutral = _count(_("Neutral or no view"), 0, MAX_PARTICIPANTS, initial=0)
    summary = _text(_("Summary of views"), 4000, rows=3)


class RiskPointForm(Styled):
    issue = _text(
        _("Risk point (an issue)"),
        200,
        help_text=_("An issue such as the compensation standard or the procedure; never a person."),
    )
    description = _text(_("Description"), 2000, required=False, rows=2)
    likelihood = forms.TypedChoiceField(
        label=_("Likelihood (1–5)"), choices=[(i, i) for i in range(1, 6)], coerce=int
    )
    impact = forms.TypedChoiceField(
        label=_("Impact (1–5)"), choices=[(i, i) for i in range(1, 6)], coerce=int
    )
    measures = _text(_("Prevention measures"), 4000, rows=3)


class ReviewForm(Styled):
    reviewed_on = _day(_("Reviewed on"))
    version = _version()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, label, _name in DIMENSIONS:
            self.fields[f"{code}_result"] = forms.ChoiceField(
                label=label,
                choices=[("", "—"), *Finding.choices],
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
            self.fields[f"{code}_finding"] = _text(_("Finding"), 2000, rows=2)
            self.fields[f"{code}_finding"].widget.attrs.update(
                {"class": "form-control form-control-sm", "maxlength": 2000}
            )
        self.order_fields(
            [*(f for c, _l, _n in DIMENSIONS for f in (f"{c}_result", f"{c}_finding"))]
        )


class ConcludeForm(Styled):
    level = forms.ChoiceField(label=_("Risk level"), choices=())
    conclusion = _text(_("Conclusion"), 4000, rows=3)
    concluded_on = _day(_("Concluded on"))
    version = _version()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [("", "—"), *levels.choices()]


class DecideForm(Styled):
    decision = forms.ChoiceField(label=_("Decision taken"), choices=DecisionTaken.choices)
    decided_on = _day(_("Decided on"))
    decision_body = _text(_("Deciding body"), 100, help_text=_("e.g. the office's working meeting"))
    decision_note = _text(_("Note on the decision"), 2000, required=False, rows=2)
    version = _version()


class MeasureForm(Styled):
    risk_point = forms.ChoiceField(label=_("Risk point"), choices=())
    action = _text(_("Measure"), 200)
    owner = forms.ChoiceField(label=_("Responsible staff"), choices=())
    due_on = _day(_("Due on"), future_ok=True)
    note = _text(_("Note"), 2000, required=False, rows=2)

    def __init__(self, *args, points=(), user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = _staff_choices(user)
        self.fields["risk_point"].choices = [
            ("", "—"),
            *((str(p.pk), f"{p.order}. {p.issue}") for p in points),
        ]


class MeasureUpdateForm(Styled):
    status = forms.ChoiceField(label=_("Status"), choices=MeasureStatus.choices)
    done_on = _day(_("Done on"), required=False)
    due_on = _day(_("Due on"), required=False, future_ok=True)
    note = _text(_("Note"), 2000, required=False, rows=2)
    version = _version()
