"""Forms of a campaign's commendations: put a 先进单位, 先进个人 or 通报批评 on its list; withdraw one.

The rules (one body, staff for an individual, the basis, the dates) are the service's
(:func:`huiyin.reports.commendations.add_commendation`); the form bounds the input and offers
the campaign's own participants and the office's staff.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds
from huiyin.org import own_streets
from huiyin.org.models import Community, Staff, Unit
from huiyin.reports.commendations import (
    BASIS_MAX,
    DOC_NUMBER_MAX,
    REASON_MAX,
    Commendation,
)
from huiyin.reports.models import Campaign

_DATE = {"type": "date", "class": "form-control"}


class CommendationForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=Commendation.Kind.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    party = forms.ChoiceField(
        label=_("Community or unit"),
        required=False,
        help_text=_("For an advanced unit or a criticism."),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    staff = forms.ModelChoiceField(
        label=_("Staff member"),
        queryset=Staff.objects.none(),
        required=False,
        empty_label=_("(choose)"),
        help_text=_("For an advanced individual."),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    basis = forms.CharField(
        label=_("Basis"),
        max_length=BASIS_MAX,
        help_text=bounds.max_length_help(BASIS_MAX),
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )
    decided_on = bounds.DateField(
        label=_("Decided on"), widget=forms.DateInput(attrs=_DATE, format="%Y-%m-%d")
    )
    doc_number = forms.CharField(
        label=_("Document number"),
        max_length=DOC_NUMBER_MAX,
        required=False,
        help_text=_("Leave empty to use the notice's number, or the next one of the year."),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    def __init__(self, *args, campaign: Campaign, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        choices = [("", _("(choose)"))]
        choices += [(f"community:{c.pk}", c.name) for c in campaign.communities.all()]
        choices += [(f"unit:{u.pk}", u.name) for u in campaign.units.all()]
        self.fields["party"].choices = choices
        # The staff of the person's streets (every one without a person).
        self.fields["staff"].queryset = (
            own_streets.staff(user).filter(user__is_active=True).order_by("name", "pk")
        )

    def party_objects(self) -> tuple[Community | None, Unit | None]:
        kind, _sep, pk = (self.cleaned_data.get("party") or "").partition(":")
        if kind == "community":
            return self.campaign.communities.filter(pk=int(pk)).first(), None
        if kind == "unit":
            return None, self.campaign.units.filter(pk=int(pk)).first()
        return None, None


class WithdrawCommendationForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for withdrawal"),
        max_length=REASON_MAX,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
