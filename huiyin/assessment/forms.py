"""The assessment's forms: rendering and first checks; the services decide (and re-check)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from huiyin.assessment import bodies, keys
from huiyin.assessment.models import (
    AppliesTo,
    Comparison,
    Decision,
    Ground,
    Method,
    Result,
    Step,
    VetoGround,
)
from huiyin.cases import bounds

_DATE = {"type": "date"}


class Styled(forms.Form):
    """Bootstrap classes on every widget; text limited and cleaned of NUL characters."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.Select | forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select form-select-sm")
            elif isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif not isinstance(widget, forms.HiddenInput):
                widget.attrs.setdefault("class", "form-control form-control-sm")
            if isinstance(field, forms.CharField) and field.max_length:
                widget.attrs.setdefault("maxlength", field.max_length)

    def clean(self):
        data = super().clean()
        for name, value in list(data.items()):
            if isinstance(value, str):
                data[name] = bounds.strip_nul(value)
        return data

    def add_service_errors(self, exc) -> None:
        for name, errors in exc.errors.items():
            for error in errors:
                self.add_error(name if name in self.fields else None, str(error))


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


class BodyField(forms.ChoiceField):
    """A community or a unit: "community-3" / "unit-7"."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Community or unit"))
        super().__init__(choices=(), **kwargs)

    def refresh(self, user=None) -> None:
        self.choices = [("", "—"), *bodies.choices(user)]


class WithBody(Styled):
    """A form naming a body: with `user`, one of the person's streets' bodies only."""

    body = BodyField()

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].refresh(user)

    def chosen_body(self):
        return bodies.parse(self.cleaned_data.get("body"))


# --------------------------------------------------------------------------- letters


class LetterForm(WithBody):
    year = forms.IntegerField(label=_("Year"), min_value=1990, max_value=9998)
    title = _text(_("Title"), 200, required=False, help_text=_("Leave empty for the usual title."))
    notes = _text(_("Notes"), 4000, required=False, rows=3)


class TargetForm(Styled):
    stat_key = forms.ChoiceField(label=_("Statistic"), choices=())
    label = _text(
        _("Target"), 200, required=False, help_text=_("Leave empty to use the statistic's name.")
    )
    comparison = forms.ChoiceField(label=_("Comparison"), choices=Comparison.choices)
    threshold = forms.DecimalField(
        label=_("Threshold"),
        min_value=0,
        max_value=100000,
        max_digits=10,
        decimal_places=2,
        help_text=_("A rate in per cent (95 for 95 %); a count as a number of matters."),
    )
    weight = forms.IntegerField(label=_("Weight"), min_value=1, max_value=100, initial=10)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stat_key"].choices = keys.choices()

    def clean(self):
        data = super().clean()
        _check_per_cent(self, "stat_key", ("threshold",))
        return data

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["threshold"] = _from_shown(data.get("stat_key"), data.get("threshold"))
        return data


MSG_PER_CENT = _("Enter a per cent between 0 and 100.")


def _check_per_cent(form, key_field: str, names: tuple[str, ...]) -> None:
    key = form.cleaned_data.get(key_field)
    if keys.unit_of(key) != keys.RATE:
        return
    for name in names:
        value = form.cleaned_data.get(name)
        if value is not None and value > 100:
            form.add_error(name, MSG_PER_CENT)


def _from_shown(key, number):
    """A rate entered in per cent as the fraction the statistics use."""
    if number is None:
        return None
    if keys.unit_of(key) == keys.RATE:
        return (Decimal(number) / 100).quantize(Decimal("0.0001"))
    return number


def _to_shown(key, number):
    if number is None:
        return None
    if keys.unit_of(key) == keys.RATE:
        return (Decimal(number) * 100).quantize(Decimal("0.01"))
    return number


class ScanForm(Styled):
    signed_on = _day(_("Signed on"))
    signed_by = _text(_("Signed by"), 100)
    file = forms.FileField(label=_("Signed scan (PDF, PNG or JPEG)"))


class WithdrawForm(Styled):
    reason = _text(_("Reason for withdrawal"), 500)


# --------------------------------------------------------------------------- schemes


class SchemeForm(Styled):
    name = _text(_("Name"), 100)
    description = _text(_("Description"), 4000, required=False, rows=3)
    valid_from = _day(_("Applies from"), future_ok=True)
    valid_to = _day(_("Applies until"), required=False, future_ok=True)
    objection_days = forms.IntegerField(
        label=_("Days for objections"), min_value=1, max_value=60, initial=7
    )


class SchemeHeaderForm(SchemeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["name"]


class ItemForm(Styled):
    title = _text(_("Item"), 200)
    applies_to = forms.ChoiceField(label=_("Applies to"), choices=AppliesTo.choices)
    method = forms.ChoiceField(label=_("Method"), choices=Method.choices)
    max_points = forms.DecimalField(
        label=_("Maximum points"), min_value=Decimal("0.5"), max_value=100, decimal_places=2
    )
    stat_key = forms.ChoiceField(label=_("Statistic"), choices=(), required=False)
    target = forms.DecimalField(
        label=_("Full points at"),
        required=False,
        min_value=0,
        max_value=100000,
        decimal_places=2,
        help_text=_("A rate in per cent; for a count, the most matters allowed."),
    )
    floor = forms.DecimalField(
        label=_("No points at"),
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=2,
        help_text=_("A rate in per cent (the proportional method only)."),
    )
    per_matter = forms.DecimalField(
        label=_("Points off per matter"),
        required=False,
        min_value=Decimal("0.01"),
        max_value=100,
        decimal_places=2,
    )
    note = _text(_("How it is judged"), 2000, required=False, rows=2)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stat_key"].choices = [("", "—"), *keys.choices()]

    @classmethod
    def initial_for(cls, item) -> dict:
        return {
            "title": item.title,
            "applies_to": item.applies_to,
            "method": item.method,
            "max_points": item.max_points,
            "stat_key": item.stat_key,
            "target": _to_shown(item.stat_key, item.target),
            "floor": _to_shown(item.stat_key, item.floor),
            "per_matter": item.per_matter,
            "note": item.note,
        }

    def clean(self):
        data = super().clean()
        _check_per_cent(self, "stat_key", ("target", "floor"))
        return data

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        key = data.get("stat_key")
        data["target"] = _from_shown(key, data.get("target"))
        data["floor"] = _from_shown(key, data.get("floor"))
        return data


# --------------------------------------------------------------------------- rounds


class RoundForm(Styled):
    scheme = forms.ChoiceField(label=_("Scheme"), choices=())
    name = _text(_("Name"), 100)
    start = _day(_("First day"), future_ok=True)
    end = _day(_("Last day"), future_ok=True)

    def __init__(self, *args, schemes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scheme"].choices = [(str(s.pk), str(s)) for s in schemes]


class AwardForm(WithBody):
    item = forms.ChoiceField(label=_("Manual item"), choices=())
    points = forms.DecimalField(label=_("Points"), min_value=0, max_value=100, decimal_places=2)
    reason = _text(_("Reason"), 500)
    file = forms.FileField(label=_("Evidence (PDF, image, Word or Excel)"))

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [(str(i.pk), i.title) for i in items]


class ObjectionForm(Styled):
    text = _text(_("Objection"), 2000, rows=3)


class AnswerForm(Styled):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("accepted", _("Accepted")), ("rejected", _("Rejected"))],
    )
    answer = _text(_("Answer"), 2000, rows=2)
    new_points = forms.DecimalField(
        label=_("Points after the objection"),
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=2,
    )


# --------------------------------------------------------------------------- veto


class VetoForm(WithBody):
    ground = forms.ChoiceField(label=_("Ground"), choices=VetoGround.choices)
    rule = _text(
        _("Rule that triggers it"),
        300,
        help_text=_("The published rule and its article, e.g. the responsibility letter's clause."),
    )
    cases = _text(
        _("Matters (case numbers)"),
        1000,
        required=False,
        rows=2,
        help_text=_("Incidents or disputes, one per line. A petition is never a ground."),
    )
    orders = _text(
        _("Supervision orders (numbers)"),
        1000,
        required=False,
        rows=2,
        help_text=_("One per line."),
    )
    investigation = _text(_("Investigation"), 4000, rows=4)
    investigated_on = _day(_("Investigated on"))


class VetoResponseForm(Styled):
    response = _text(_("The body's response"), 4000, rows=3)
    response_on = _day(_("Response received on"))
    version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=10**9
    )


class VetoSendForm(Styled):
    sent_on = _day(_("Sent to the district on"))
    district_body = _text(_("Deciding body"), 100, help_text=_("e.g. the district's committee"))
    version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=10**9
    )


class VetoDecisionForm(Styled):
    decision = forms.ChoiceField(
        label=_("District's decision"),
        choices=[
            (Decision.APPROVED, Decision.APPROVED.label),
            (Decision.REJECTED, Decision.REJECTED.label),
        ],
    )
    decided_on = _day(_("Decided on"))
    decision_ref = _text(_("Decision document"), 100, required=False)
    effective_from = _day(_("Effective from"), required=False, future_ok=True)
    effective_to = _day(_("Effective until"), required=False, future_ok=True)
    version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=10**9
    )


# --------------------------------------------------------------------------- supervision


class OrderForm(WithBody):
    leader = forms.ChoiceField(label=_("Issuing leader"), choices=(), required=False)
    cases = _text(
        _("Matters (case numbers)"),
        1000,
        rows=2,
        help_text=_("One per line: the petitions, disputes or incidents the order is about."),
    )
    ground = forms.ChoiceField(label=_("Ground (Regulations art. 40)"), choices=Ground.choices)
    instruction = _text(_("Leader's instruction"), 2000, rows=3)
    requirements = _text(_("Requirements"), 4000, rows=3)
    issued_on = _day(_("Issued on"))
    deadline = _day(_("Written feedback due on"), future_ok=True)

    def __init__(self, *args, leaders=(), **kwargs):
        super().__init__(*args, **kwargs)
        if leaders:
            self.fields["leader"].choices = [("", "—"), *((str(s.pk), s.name) for s in leaders)]
        else:
            del self.fields["leader"]

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["cases"] = data.get("cases", "").replace("，", "\n").splitlines()
        return data


class FeedbackForm(Styled):
    feedback = _text(_("Written feedback"), 4000, rows=4)
    feedback_on = _day(_("Feedback received on"))
    result = forms.ChoiceField(
        label=_("Were the suggestions adopted?"),
        choices=[c for c in Result.choices if c[0] != Result.PENDING],
    )
    version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=10**9
    )


class EscalationForm(Styled):
    step = forms.ChoiceField(label=_("Step (Regulations art. 39)"), choices=Step.choices)
    on = _day(_("Date"))
    note = _text(_("Note"), 2000, required=False, rows=2)


class CloseForm(Styled):
    result_note = _text(_("Result"), 2000, rows=2)
    version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=10**9
    )
