"""The filing page's forms: the report's note and the disputes found, one row each.

Every value is bounded here (lengths, counts, ids) before the services see it; the services
check the rules again (who may file, which disputes are open and in the area).
"""

from __future__ import annotations

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds
from huiyin.org.models import Community
from huiyin.screening import services


def style(form: forms.BaseForm) -> None:
    """Bootstrap classes on the widgets; a red outline on fields with errors."""
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput | forms.CheckboxInput):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        if form.is_bound and name in form.errors:
            css += " is-invalid"
            widget.attrs["aria-invalid"] = "true"
        widget.attrs["class"] = css


class ReportForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=services.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=bounds.max_length_help(services.NOTE_MAX),
    )
    version = forms.CharField(required=False, max_length=12, widget=forms.HiddenInput)

    def clean_note(self) -> str:
        return bounds.strip_nul(self.cleaned_data["note"]).strip()


LINK, NEW = "link", "new"
MODES = [
    (LINK, _("On record: give its number")),
    (NEW, _("New: register it now")),
]


class ItemForm(forms.Form):
    """One dispute found. An untouched row is left out."""

    mode = forms.ChoiceField(
        label=_("The dispute is"),
        choices=MODES,
        initial=LINK,
        widget=forms.Select(attrs={"data-screening-mode": ""}),
    )
    number = forms.CharField(
        label=_("Dispute number"),
        required=False,
        max_length=services.NUMBER_MAX,
        help_text=_("For example 调〔2026〕15号, or just 2026-15."),
    )
    title = forms.CharField(label=_("Short title"), required=False, max_length=services.TITLE_MAX)
    category = forms.ChoiceField(label=_("Dispute type"), required=False)
    description = forms.CharField(
        label=_("What it is about"),
        required=False,
        max_length=services.DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The matter, not the people: names and numbers go on the dispute's page."),
    )
    community = forms.ChoiceField(label=_("Community where it arose"), required=False)
    found_on = bounds.DateField(
        label=_("Found on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    people_count = forms.IntegerField(
        label=_("People involved"),
        min_value=1,
        max_value=bounds.max_headcount(),
        initial=1,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, categories=(), communities=(), unit_body=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("— choose a type —"))] + [
            (str(c.pk), "\u3000" * depth + c.name) for c, depth in categories
        ]
        self.category_required = bool(categories)
        if unit_body:
            self.fields["community"].choices = [("", _("— choose a community —"))] + [
                (str(c.pk), c.name) for c in communities
            ]
        else:
            del self.fields["community"]

    def clean(self):
        data = super().clean()
        mode = data.get("mode")
        if mode == LINK and not (data.get("number") or "").strip():
            self.add_error("number", services.MSG_NUMBER_REQUIRED)
        if mode == NEW:
            if not (data.get("title") or "").strip():
                self.add_error("title", services.MSG_TITLE)
            if self.category_required and not data.get("category"):
                self.add_error("category", services.MSG_CATEGORY)
            if "community" in self.fields and not data.get("community"):
                self.add_error("community", services.MSG_COMMUNITY)
        if data.get("people_count") is None and "people_count" not in self.errors:
            self.add_error("people_count", services.MSG_PEOPLE % {"limit": bounds.max_headcount()})
        return data


class BaseItemFormSet(forms.BaseFormSet):
    def __init__(self, *args, categories=(), communities=(), unit_body=False, **kwargs):
        self.item_kwargs = {
            "categories": categories,
            "communities": communities,
            "unit_body": unit_body,
        }
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return dict(self.item_kwargs)

    def filled(self) -> list[tuple[int, dict]]:
        """(row index, cleaned data) of the rows the person filled in."""
        return [
            (index, form.cleaned_data)
            for index, form in enumerate(self.forms)
            if form.has_changed() and form.cleaned_data
        ]


ItemFormSet = formset_factory(
    ItemForm,
    formset=BaseItemFormSet,
    extra=1,
    max_num=services.ITEMS_MAX,
    validate_max=True,
    absolute_max=services.ITEMS_MAX,
)


def community_choices(street_id: int):
    return Community.objects.filter(street_id=street_id).order_by("order", "id")
