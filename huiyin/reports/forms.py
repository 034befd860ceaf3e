"""Forms of the report pages: the dashboard's period picker and the campaign forms."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds
from huiyin.org import own_streets
from huiyin.org.models import Community, Unit
from huiyin.reports.models import WRITTEN, WRITTEN_MAX, Campaign
from huiyin.reports.stats import Period

#: The longest custom period the dashboard draws (ten years of weekly points).
MAX_PERIOD_DAYS = 3660

MSG_TO_BEFORE_FROM = _("The end date cannot be earlier than the start date.")
MSG_TOO_LONG = _("Choose a period of at most ten years.")
MSG_CHOOSE_CAMPAIGN = _("Choose a campaign.")
MSG_DATE_REQUIRED = _("Enter a date.")

_DATE = {"type": "date", "class": "form-control form-control-sm"}


class PeriodForm(forms.Form):
    """The dashboard's period: this week, this month, a campaign or custom dates (GET).

    GET parameters: ``period=week|month|campaign|custom``, ``campaign=<id>``, ``from``, ``to``
    (YYYY-MM-DD, both inclusive). Unbound or invalid: this month.
    """

    PERIODS = (
        ("week", _("This week")),
        ("month", _("This month")),
        ("campaign", _("A campaign")),
        ("custom", _("Custom dates")),
    )

    period = forms.ChoiceField(
        label=_("Period"),
        choices=PERIODS,
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    campaign = forms.ModelChoiceField(
        label=_("Campaign"),
        queryset=Campaign.objects.none(),
        required=False,
        empty_label=_("(choose)"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args, today: date | None = None, user=None, **kwargs):
        kwargs.setdefault("initial", {"period": "month"})
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        campaigns = Campaign.objects.all()
        if user is not None:  # the campaigns of the person's streets
            from huiyin.reports.campaign_streets import campaigns_of

            campaigns = campaigns_of(user)
        self.fields["campaign"].queryset = campaigns.order_by("-start", "-id")
        # "from" is a Python keyword: these two fields are added by name.
        self.fields["from"] = bounds.DateField(
            label=_("From"),
            required=False,
            future_ok=True,
            widget=forms.DateInput(attrs=_DATE, format="%Y-%m-%d"),
        )
        self.fields["to"] = bounds.DateField(
            label=_("To"),
            required=False,
            future_ok=True,
            widget=forms.DateInput(attrs=_DATE, format="%Y-%m-%d"),
        )

    def clean(self):
        data = super().clean()
        kind = data.get("period") or "month"
        data["period"] = kind
        if kind == "campaign" and not data.get("campaign") and "campaign" not in self.errors:
            self.add_error("campaign", MSG_CHOOSE_CAMPAIGN)
        if kind == "custom":
            start, end = data.get("from"), data.get("to")
            for name, value in (("from", start), ("to", end)):
                if value is None and name not in self.errors:
                    self.add_error(name, MSG_DATE_REQUIRED)
            if start and end:
                if end < start:
                    self.add_error("to", MSG_TO_BEFORE_FROM)
                elif (end - start).days + 1 > MAX_PERIOD_DAYS:
                    self.add_error("to", MSG_TOO_LONG)
        return data

    def resolve(self) -> tuple[Period, str, Campaign | None]:
        """The period chosen (this month when the form is unbound or invalid), its kind and
        the campaign when one was chosen."""
        if not self.is_bound or not self.is_valid():
            return Period.this_month(self.today), "month", None
        data = self.cleaned_data
        kind = data["period"]
        if kind == "week":
            return Period.this_week(self.today), kind, None
        if kind == "campaign":
            return Period.of_campaign(data["campaign"]), kind, data["campaign"]
        if kind == "custom":
            return Period(data["from"], data["to"]), kind, None
        return Period.this_month(self.today), "month", None


class CampaignForm(forms.Form):
    """Create or edit a campaign; `version` carries the version the editor loaded."""

    name = forms.CharField(label=_("Campaign name"), max_length=100)
    theme = forms.CharField(label=_("Theme"), max_length=200, required=False)
    start = bounds.DateField(
        label=_("First day"),
        future_ok=True,
        widget=forms.DateInput(attrs=_DATE, format="%Y-%m-%d"),
    )
    end = bounds.DateField(
        label=_("Last day"),
        future_ok=True,
        widget=forms.DateInput(attrs=_DATE, format="%Y-%m-%d"),
    )
    goals = forms.CharField(
        label=_("Goals"),
        required=False,
        max_length=2000,
        help_text=bounds.max_length_help(2000),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    problems = forms.CharField(
        label=_("Problems (for the report)"),
        required=False,
        max_length=WRITTEN_MAX,
        help_text=bounds.max_length_help(WRITTEN_MAX),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    next_steps = forms.CharField(
        label=_("Next steps (for the report)"),
        required=False,
        max_length=WRITTEN_MAX,
        help_text=bounds.max_length_help(WRITTEN_MAX),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    communities = bounds.ModelMultipleChoiceField(
        label=_("Participating communities"),
        queryset=Community.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    units = bounds.ModelMultipleChoiceField(
        label=_("Participating units"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The communities and units of the person's streets (every one without a person).
        self.fields["communities"].queryset = own_streets.communities(user).order_by("order", "id")
        self.fields["units"].queryset = own_streets.units(user).order_by("kind", "name")
        # The report's written sections after who takes part.
        self.order_fields(
            ["name", "theme", "start", "end", "goals", "communities", "units", *WRITTEN]
        )
        for name in ("name", "theme", "goals", *WRITTEN):
            self.fields[name].widget.attrs.setdefault("class", "form-control")
        # Each community and unit a Bootstrap checkbox (the template lays them out).
        for name in ("communities", "units"):
            self.fields[name].widget.attrs.setdefault("class", "form-check-input")
        # The dates as tall as the other inputs of this form.
        for name in ("start", "end"):
            self.fields[name].widget.attrs["class"] = "form-control"

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The campaign cannot end before it starts."))
        return data

    @classmethod
    def initial_for(cls, campaign: Campaign) -> dict:
        return {
            "name": campaign.name,
            "theme": campaign.theme,
            "start": campaign.start,
            "end": campaign.end,
            "goals": campaign.goals,
            "problems": campaign.problems,
            "next_steps": campaign.next_steps,
            "communities": list(campaign.communities.all()),
            "units": list(campaign.units.all()),
            "version": campaign.version,
        }


class PledgeForm(forms.Form):
    """Upload a signed pledge of one participating community or unit."""

    party = forms.ChoiceField(
        label=_("Signed for"), widget=forms.Select(attrs={"class": "form-select"})
    )
    signed_on = bounds.DateField(
        label=_("Signed on"), widget=forms.DateInput(attrs=_DATE, format="%Y-%m-%d")
    )
    signed_by = forms.CharField(
        label=_("Signed by"),
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control"}),
        help_text=_("The person who signed, with their title."),
    )
    file = forms.FileField(
        label=_("Scanned pledge"),
        help_text=_("PDF, PNG or JPEG."),
        widget=forms.ClearableFileInput(
            attrs={"class": "form-control", "accept": ".pdf,.png,.jpg,.jpeg"}
        ),
    )

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        choices = [("", _("(choose)"))]
        choices += [(f"community:{c.pk}", c.name) for c in campaign.communities.all()]
        choices += [(f"unit:{u.pk}", u.name) for u in campaign.units.all()]
        self.fields["party"].choices = choices

    def party_objects(self) -> tuple[Community | None, Unit | None]:
        kind, _sep, pk = self.cleaned_data["party"].partition(":")
        if kind == "community":
            return self.campaign.communities.get(pk=int(pk)), None
        return None, self.campaign.units.get(pk=int(pk))


class WithdrawPledgeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for withdrawal"),
        max_length=500,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
