from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from huiyin.mail import services
from huiyin.mail.models import MAX_EMAIL, Mode, Topic


class PreferenceForm(forms.Form):
    email = forms.CharField(
        label=_("E-mail address"),
        max_length=MAX_EMAIL,
        required=False,
        help_text=_("Your address on the office's mail system."),
    )
    reminders = forms.ChoiceField(
        label=Topic.REMINDERS.label, choices=Mode.choices, widget=forms.RadioSelect
    )
    assignments = forms.ChoiceField(
        label=Topic.ASSIGNMENTS.label, choices=Mode.choices, widget=forms.RadioSelect
    )
    supervision = forms.ChoiceField(
        label=Topic.SUPERVISION.label, choices=Mode.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update(
            {"class": "form-control", "autocomplete": "email", "inputmode": "email"}
        )
        for name in Topic.values:
            self.fields[name].widget.attrs["class"] = "form-check-input"
        if self.is_bound and "email" in self.errors:
            self.fields["email"].widget.attrs["class"] += " is-invalid"

    def clean_email(self) -> str:
        return services.clean_email(self.cleaned_data.get("email", ""))

    def clean(self) -> dict:
        data = super().clean()
        chosen = [data.get(t) for t in Topic.values]
        if "email" not in self.errors and not data.get("email") and Mode.DAILY in chosen:
            self.add_error("email", ValidationError(services.MSG_EMAIL_NEEDED))
        return data
