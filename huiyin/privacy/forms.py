from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds
from huiyin.privacy.audit import action_label, target_type_label


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False)
    actor = forms.CharField(label=_("Account"), required=False, max_length=150)
    target_type = forms.ChoiceField(label=_("Object type"), required=False)
    date_from = bounds.DateField(
        future_ok=True,
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = bounds.DateField(
        future_ok=True,
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    # Successful sign-ins and sign-outs are hidden unless asked for (failed ones always show).
    logins = forms.BooleanField(label=_("Show sign-ins"), required=False)

    def __init__(self, *args, actions=(), target_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["action"].choices = everything + sorted(
            ((code, action_label(code)) for code in actions), key=lambda c: c[1]
        )
        self.fields["target_type"].choices = everything + sorted(
            ((t, target_type_label(t)) for t in target_types), key=lambda c: c[1]
        )
        for field in self.fields.values():
            if isinstance(field, forms.BooleanField):
                css = "form-check-input"
            elif isinstance(field, forms.ChoiceField):
                css = "form-select form-select-sm"
            else:
                css = "form-control form-control-sm"
            field.widget.attrs.setdefault("class", css)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data
