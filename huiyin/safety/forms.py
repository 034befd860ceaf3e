"""平安创建's forms: rendering and first checks; the services decide (and re-check)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from huiyin.assessment.forms import Styled, WithBody, _day, _text
from huiyin.safety.models import (
    MAX_FIGURE,
    MAX_SAMPLE,
    Category,
    Criterion,
    Status,
    SurveyKind,
    SurveyMethod,
)


def _version():
    return forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=10**9
    )


class CommunityField(forms.ChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Community"))
        super().__init__(choices=(), **kwargs)

    def refresh(self, user=None) -> None:
        """The communities of the person's streets (every street's without a person)."""
        from huiyin.org import own_streets

        found = own_streets.communities(user).values_list("id", "name")
        self.choices = [("", "—"), *((str(pk), name) for pk, name in found)]


class WithCommunity(Styled):
    community = CommunityField()

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].refresh(user)


class CreationForm(WithBody):
    category = forms.ChoiceField(
        label=_("Title"),
        choices=Category.choices,
        help_text=_(
            "A community: safe community, compound or family; a unit: unit, campus or enterprise."
        ),
    )
    year = forms.IntegerField(label=_("Year"), min_value=1990, max_value=9998)
    subject = _text(
        _("What is created"),
        100,
        required=False,
        help_text=_(
            "Only when not the body itself: the compound's name, or for families how many "
            "households. Never a resident's name."
        ),
    )


class StatusForm(Styled):
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices)
    on = _day(_("Date"))
    body = _text(
        _("Awarding or deciding body"),
        100,
        required=False,
        help_text=_("Needed for an award and a revocation, e.g. the district's committee."),
    )
    document_ref = _text(_("Document number"), 100, required=False)
    reason = _text(_("Reason (for a revocation)"), 2000, required=False, rows=2)
    note = _text(_("Note"), 2000, required=False, rows=2)
    version = _version()

    def __init__(self, *args, allowed=(), **kwargs):
        super().__init__(*args, **kwargs)
        if allowed:
            self.fields["status"].choices = [(s, Status(s).label) for s in allowed]


class FigureForm(WithCommunity):
    criterion = forms.ChoiceField(label=_("Criterion"), choices=Criterion.choices)
    start = _day(_("From"))
    end = _day(_("Until"))
    from_incidents = forms.BooleanField(
        label=_("Count safety accidents from the incident ledger"),
        required=False,
        help_text=_(
            "Fires, production-safety and road-traffic accidents recorded for the community in "
            "the period; the figure and its source are then filled in for you."
        ),
    )
    value = forms.IntegerField(label=_("Figure"), min_value=0, max_value=MAX_FIGURE, required=False)
    source = _text(
        _("Source"),
        200,
        required=False,
        help_text=_(
            "Who gave the figure and in which statistic, e.g. the police station's report."
        ),
    )
    source_ref = _text(
        _("Source document"),
        100,
        required=False,
        help_text=_("Its number or title; required for criminal and public-security cases."),
    )
    note = _text(_("Note"), 500, required=False)


class SurveyForm(WithCommunity):
    kind = forms.ChoiceField(label=_("Rate"), choices=SurveyKind.choices)
    method = forms.ChoiceField(label=_("Method"), choices=SurveyMethod.choices)
    conducted_on = _day(_("Conducted on"))
    conducted_by = _text(_("Conducted by"), 100, required=False)
    sample_size = forms.IntegerField(label=_("Sample size"), min_value=1, max_value=MAX_SAMPLE)
    numerator = forms.IntegerField(
        label=_("Numerator"),
        min_value=0,
        max_value=MAX_SAMPLE,
        help_text=_("e.g. the answers showing awareness"),
    )
    denominator = forms.IntegerField(
        label=_("Denominator"),
        min_value=1,
        max_value=MAX_SAMPLE,
        help_text=_("e.g. the valid answers"),
    )
    note = _text(
        _("Explanation"),
        500,
        required=False,
        help_text=_("Needed when the denominator exceeds the sample size."),
    )
