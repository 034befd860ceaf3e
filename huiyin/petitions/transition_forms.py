"""Forms of the case page: one per workflow transition (from ``workflow.PAYLOAD``) and the rest.

The forms only shape input; the rules stay in ``workflow.fire`` and the services, whose
refusals the views show. Every transition form carries the case ``version`` the user saw.
"""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds, clocks
from huiyin.cases.models import Case
from huiyin.cases.workflow import Transition
from huiyin.org.models import Staff, Unit
from huiyin.org.roles import ROLE_PERMISSIONS, Perm
from huiyin.petitions.models import (
    WRITTEN_DELIVERIES,
    AnswerBody,
    Delivery,
    Petition,
    Referral,
    Satisfaction,
    TellManner,
)
from huiyin.petitions.workflow import FIELDS, PAYLOAD, concerned_staff_ids, extension_limits

DATE_KEYS = frozenset(
    {
        "decided_on",
        "new_due_on",
        "told_on",
        "replied_on",
        "concluded_on",
        "requested_on",
        "answered_on",
        "approved_on",
        "delivered_on",
        "body_received_on",
        "hearing_started_on",
        "hearing_ended_on",
        "objected_on",
        "agreed_on",
    }
)
#: Dates that default to today (the service does the same when they are left empty). The
#: delivery date is left empty unless required: empty means "not received yet".
TODAY_KEYS = DATE_KEYS - {"new_due_on", "told_on", "delivered_on", "body_received_on"}
LONG_TEXT_KEYS = frozenset({"reason", "text", "note", "facts", "basis"})
#: Keys the form asks for though the service takes them as optional (a reply from an old
#: ledger may have only its text): a reply written in Huiyin states its facts and basis.
FORM_REQUIRED: dict[str, frozenset[str]] = {"reply": frozenset({"facts", "basis"})}

MSG_DELIVERED_LATER = _(
    "The day the petitioner received the written answer: the petitioner's 30 days run from it "
    "(Regulations art. 35, 36). Handed over in person: that day unless you give another. Leave "
    "empty for a reply by phone or one posted and not yet received; then use “Record the "
    "delivery of the written answer”."
)
MSG_BODY_RECEIVED = _(
    "The answer's 30 days run from this day; empty: the day of the request. Only this "
    "street's own answers count among its time limits."
)
MSG_TOLD_LATER = _(
    "Leave empty until the petitioner is told (Regulations art. 23: the time limit runs until "
    "then); "
    "then use “Record the notice to the petitioner”."
)

#: Clearer labels for a key in a particular transition.
LABELS: dict[tuple[str, str], Promise] = {
    ("reply", "facts"): _("Facts found (Regulations art. 32)"),
    ("reply", "basis"): _("Basis in law or policy"),
    ("reply", "text"): _("Opinion"),
    ("request_review", "text"): _("What the petitioner asks"),
    ("request_reexam", "text"): _("What the petitioner asks"),
    ("answer_review", "text"): _("Review answer"),
    ("answer_reexam", "text"): _("Re-examination answer"),
    ("decline", "reason"): _("Reason for declining"),
    ("request_review", "body"): _("Reviewing body (one level up)"),
    ("request_reexam", "body"): _("Re-examining body (one level up)"),
    ("record_delivery", "delivery"): _("How the written answer was delivered"),
    ("answer_review", "delivery"): _("How the review answer was given"),
    ("object_return", "reason"): _("Reasons for the objection"),
    ("extend", "reason"): _("Reason for the extension (told to the petitioner)"),
    ("extend", "told_on"): _("Date the petitioner was told the reason"),
    ("extend", "told_manner"): _("How the petitioner was told the reason"),
}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _css(field: forms.Field) -> forms.Field:
    """Bootstrap's small controls (radio buttons are laid out by the template)."""
    widget = field.widget
    if isinstance(widget, forms.RadioSelect):
        return field
    small = (
        "form-select form-select-sm"
        if isinstance(widget, forms.Select)
        else "form-control form-control-sm"
    )
    widget.attrs.setdefault("class", small)
    return field


class HandlerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Staff) -> str:
        return f"{obj.name}（{obj.unit.name}）" if obj.unit_id else obj.name


def handlers() -> QuerySet[Staff]:
    """Staff who may handle petitions, for the handler select."""
    roles = [role for role, perms in ROLE_PERMISSIONS.items() if Perm.PETITIONS_HANDLE in perms]
    return (
        Staff.objects.filter(grants__role__in=roles)
        .select_related("unit")
        .distinct()
        .order_by("unit__name", "name")
    )


class TransitionForm(forms.Form):
    """The payload of one transition, with the case version as a hidden field."""

    # Passed to fire() as typed: a missing or bad version is a stale form (409), not a field error.
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(
        self, transition: Transition, case: Case, petition: Petition, *args, **kwargs
    ) -> None:
        kwargs.setdefault("prefix", transition.name)
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("version", case.version)
        super().__init__(*args, **kwargs)
        self.transition, self.case, self.petition = transition, case, petition
        required, optional = PAYLOAD[transition.name]
        asked = FORM_REQUIRED.get(transition.name, frozenset())
        for key in (*required, *optional):
            self.fields[key] = self._field(key, required=key in required or key in asked)
        if transition.name == "reply":
            # As the 处理意见书 reads: the facts, the basis, then the opinion.
            self.order_fields(["facts", "basis", "text"])

    @property
    def name(self) -> str:
        return self.transition.name

    @property
    def label(self) -> str:
        return str(self.transition.label)

    def _label(self, key: str) -> str | Promise:
        return LABELS.get((self.transition.name, key), FIELDS.get(key, key))

    def _field(self, key: str, *, required: bool) -> forms.Field:
        label = self._label(key)
        today = timezone.localdate()
        field: forms.Field
        if key in DATE_KEYS:
            widget = DateInput()
            if key != "new_due_on":
                widget.attrs["max"] = today.isoformat()
            field = bounds.DateField(
                label=label,
                required=required,
                widget=widget,
                future_ok=key == "new_due_on",
            )
            if key in TODAY_KEYS or (key in ("told_on", "delivered_on") and required):
                field.initial = today
            if key == "told_on" and not required:
                field.help_text = MSG_TOLD_LATER
            if key == "delivered_on" and not required:
                field.help_text = MSG_DELIVERED_LATER
            if key == "body_received_on":
                field.help_text = MSG_BODY_RECEIVED
            if key == "new_due_on":
                self._extension_hint(field)
        elif key == "unit":
            units = Unit.objects.filter(street_id=self.case.street_id).order_by("kind", "name")
            if self.petition.complained_unit_id:
                # Never to the unit complained about (条例 art. 30, 46); the service refuses too.
                units = units.exclude(pk=self.petition.complained_unit_id)
            field = forms.ModelChoiceField(units, label=label, required=required)
            field.initial = self.case.owner_unit_id
        elif key == "handler":
            # Never the person complained about, nor one who stepped aside (the service
            # refuses them too: 条例 art. 28, 30).
            choices = handlers().exclude(pk__in=concerned_staff_ids(self.petition))
            field = HandlerChoice(choices, label=label, required=required)
            field.initial = self.case.owner_id
        elif key == "delivery":
            choices = Delivery.choices
            if self.transition.name == "record_delivery":
                # A call is not the written answer (条例 art. 35); the service refuses it too.
                choices = [(v, text) for v, text in choices if v in WRITTEN_DELIVERIES]
            field = forms.ChoiceField(
                choices=[("", "---------"), *choices], label=label, required=required
            )
        elif key == "body":
            field = forms.ChoiceField(
                choices=[("", "---------"), *AnswerBody.choices], label=label, required=required
            )
        elif key == "told_manner":
            field = forms.ChoiceField(
                choices=[("", "---------"), *TellManner.choices], label=label, required=required
            )
        elif key == "referral":
            field = forms.ChoiceField(
                choices=[("", "---------"), *Referral.choices], label=label, required=required
            )
        elif key == "transfer_kind":
            from huiyin.petitions.models import TransferKind

            # An accusation against a public official goes to the 纪检监察 body: its own kind.
            field = forms.ChoiceField(choices=TransferKind.choices, label=label, required=required)
            field.initial = TransferKind.ORDINARY
        elif key in LONG_TEXT_KEYS:
            field = forms.CharField(
                label=label,
                required=required,
                max_length=5000,
                help_text=bounds.max_length_help(5000),
                widget=forms.Textarea(attrs={"rows": 3 if key != "note" else 2}),
            )
        else:
            field = forms.CharField(label=label, required=required, max_length=200)
        return _css(field)

    def _extension_hint(self, field: forms.Field) -> None:
        clock = clocks.running_clock(self.case, "handling")
        if clock is None:
            return
        _base, latest = extension_limits(self.petition, clock)
        field.help_text = _("Now due %(current)s; at most %(latest)s.") % {
            "current": clock.due_on.isoformat(),
            "latest": latest.isoformat(),
        }
        field.widget.attrs.update(min=clock.due_on.isoformat(), max=latest.isoformat())

    def payload(self) -> dict:
        """The cleaned values for ``fire``: empty optional values left out."""
        result = {}
        for key, value in self.cleaned_data.items():
            if key == "version" or value in (None, ""):
                continue
            result[key] = value
        return result


class FollowUpForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label=_("Satisfaction"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    on = bounds.DateField(label=_("Date of the follow-up"), widget=DateInput(), required=False)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        help_text=bounds.max_length_help(2000),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["on"].initial = today
        self.fields["on"].widget.attrs["max"] = today.isoformat()
        self.fields["satisfaction"].widget.attrs["class"] = "form-check-input"
        for field in self.fields.values():
            _css(field)


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"),
        max_length=5000,
        help_text=bounds.max_length_help(5000),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _css(self.fields["text"])


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _css(self.fields["file"])


class ReasonForm(forms.Form):
    """A reason, and for the case itself the version: withdrawing a case or an attachment."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        help_text=bounds.max_length_help(2000),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _css(self.fields["reason"])


__all__ = [
    "FollowUpForm",
    "NoteForm",
    "ReasonForm",
    "TransitionForm",
    "UploadForm",
    "handlers",
]
