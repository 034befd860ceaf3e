"""The five assurances' forms: rendering and first checks; the service decides (and re-checks)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from huiyin.assessment.forms import Styled, _text
from huiyin.assessment.models import AssuranceStatus
from huiyin.assessment.services.assurances import MAX_DESCRIPTION


class AssuranceForm(Styled):
    """One item: its status, description and (where the item has one) responsible person."""

    status = forms.ChoiceField(label=_("Status"), choices=AssuranceStatus.choices)
    description = _text(_("Description"), MAX_DESCRIPTION, required=False, rows=2)
    responsible = forms.ChoiceField(label=_("Responsible"), required=False, choices=())
    version = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, takes_responsible: bool = True, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        if takes_responsible:
            self.fields["responsible"].choices = [
                ("", "—"),
                *(staff if staff is not None else staff_choices(None)),
            ]
        else:
            del self.fields["responsible"]


def staff_choices(user) -> list[tuple[str, str]]:
    """The staff of the person's streets by name (every one without a person), read once per
    page and shared by the five items' forms."""
    from huiyin.org import own_streets

    found = own_streets.staff(user).order_by("name", "id").values_list("id", "name")
    return [(str(k), n) for k, n in found]


class EvidenceForm(Styled):
    title = _text(_("What it shows"), 200, required=False)
    file = forms.FileField(label=_("Evidence (PDF, PNG or JPEG)"))
