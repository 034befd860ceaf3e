"""Forms of the dispute pages: registering a dispute with its parties, adding a party.

They parse and present; the rules (the court's document for a court source, ID check digits,
amounts and counts within their bounds, dates not in the future, the committee serving the
place...) live in :mod:`huiyin.disputes.registration`, whose ``DisputeInvalid.errors`` the
view puts back beside the fields with :func:`apply_errors`. The community and grid offered are
those the person may register for, so a community or grid worker picks only their own.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Category
from huiyin.disputes.checks import FIELDS
from huiyin.disputes.models import Committee, Party, Source, Tier
from huiyin.disputes.registration import REGISTER_PERMS
from huiyin.org.access import Scope, reach_of
from huiyin.org.models import Community, Grid
from huiyin.org.streets import places_in_scope

PARTY_PREFIX = "party"
#: Rows of parties the registration page takes at once (the service's own bound is larger:
#: more are added on the case page).
MAX_FORM_PARTIES = 50
MAX_TEXT = 20000
MAX_DESCRIPTION = 5000

_ID_ATTRS = {"autocomplete": "off", "spellcheck": "false"}
_PHONE_ATTRS = {"autocomplete": "off", "inputmode": "tel"}

MSG_COURT_HELP = _(
    "For a court-referred dispute: the court, its document number and, for mediation "
    "entrusted after filing, whether the simplified procedure applies."
)
MSG_PETITION_HELP = _("For a dispute turned from a petition: the petition's number.")
MSG_AMOUNT_HELP = _("In yuan; leave empty when no money is in dispute. Mediation is free.")


def style(form: forms.BaseForm, *, mark: bool = False) -> None:
    """Bootstrap classes on every widget; with `mark`, fields with errors outlined in red."""
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs.setdefault("class", css)
        if (
            mark
            and form.is_bound
            and name in form.errors
            and "is-invalid" not in widget.attrs["class"]
        ):
            widget.attrs["class"] += " is-invalid"
            widget.attrs["aria-invalid"] = "true"


def register_scope(user) -> Scope:
    """Where the person may register disputes: the union of their registering permissions."""
    reach = reach_of(user)
    scopes = [reach.scope(perm) for perm in REGISTER_PERMS]
    return Scope(
        frozenset().union(*(s.street_ids for s in scopes)),
        frozenset().union(*(s.community_ids for s in scopes)),
        frozenset().union(*(s.grid_ids for s in scopes)),
        frozenset().union(*(s.unit_ids for s in scopes)),
        all_streets=any(s.everything for s in scopes),
    )


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return f"{obj.parent.name} › {obj.name}" if obj.parent_id else obj.name


class GridChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Grid) -> str:
        return f"{obj.community.name} · {obj.name}"


class CommitteeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Committee) -> str:
        return f"{obj.name}（{obj.get_tier_display()}）"


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RegisterForm(forms.Form):
    """The dispute: what it is about, where it came from, where and who handles it."""

    title = forms.CharField(label=FIELDS["title"], max_length=200)
    description = forms.CharField(
        label=FIELDS["description"],
        required=False,
        max_length=MAX_DESCRIPTION,
        help_text=bounds.max_length_help(MAX_DESCRIPTION),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    facts = forms.CharField(
        label=FIELDS["facts"],
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    claims = forms.CharField(
        label=FIELDS["claims"],
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    received_on = bounds.DateField(label=FIELDS["received_on"], widget=_date_widget())
    category = CategoryChoiceField(
        label=FIELDS["category"], queryset=Category.objects.none(), required=False
    )
    source = forms.ChoiceField(
        label=FIELDS["source"], choices=Source.choices, initial=Source.APPLICATION
    )
    court_name = forms.CharField(
        label=FIELDS["court_name"], required=False, max_length=100, help_text=MSG_COURT_HELP
    )
    court_document = forms.CharField(label=FIELDS["court_document"], required=False, max_length=60)
    simplified = forms.BooleanField(label=_("Simplified procedure"), required=False)
    materials_received_on = bounds.DateField(
        label=FIELDS["materials_received_on"], required=False, widget=_date_widget()
    )
    petition_number = forms.CharField(
        label=_("Petition number"), required=False, max_length=40, help_text=MSG_PETITION_HELP
    )
    community = forms.ModelChoiceField(
        label=FIELDS["community"], queryset=Community.objects.none(), required=False
    )
    grid = GridChoiceField(label=FIELDS["grid"], queryset=Grid.objects.none(), required=False)
    tier = forms.ChoiceField(
        label=FIELDS["tier"], choices=[("", "---------"), *Tier.choices], required=False
    )
    committee = CommitteeChoiceField(
        label=FIELDS["committee"], queryset=Committee.objects.none(), required=False
    )
    # Text, not numbers: the service bounds them and says what is wrong in the field's words.
    amount = forms.CharField(
        label=FIELDS["amount"],
        required=False,
        max_length=40,
        help_text=MSG_AMOUNT_HELP,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    people_count = forms.CharField(
        label=FIELDS["people_count"],
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        scope = register_scope(user) if user is not None else Scope.every_street()
        communities, grids = places_in_scope(scope)
        committees = Committee.objects.filter(active=True)
        if user is not None:  # the committees of the person's own streets
            committees = committees.filter(street_id__in=reach_of(user).street_ids)
        if not scope.street_wide:
            # Only one's own place: a grid worker their grids (and so their community).
            if scope.community_ids and not scope.grid_ids and len(scope.community_ids) == 1:
                self.initial.setdefault("community", next(iter(scope.community_ids)))
            if scope.grid_ids and not scope.community_ids:
                # A grid worker files for a grid: the grid says the community.
                self.fields["grid"].required = True
                if len(scope.grid_ids) == 1:
                    self.initial.setdefault("grid", next(iter(scope.grid_ids)))
            elif not scope.unit_ids:
                self.fields["community"].required = True
        self.fields["community"].queryset = communities.distinct()
        self.fields["grid"].queryset = grids.distinct()
        self.fields["category"].queryset = Category.objects.filter(
            kind=Kind.DISPUTE, active=True
        ).select_related("parent")
        self.fields["committee"].queryset = committees.order_by("order", "id")
        self.initial.setdefault("received_on", bounds.today())
        self.fields["title"].widget.attrs["maxlength"] = 200
        style(self)

    def service_data(self) -> dict:
        """The cleaned values as ``services.register_dispute`` takes them (the petition number
        is resolved by the view)."""
        data = dict(self.cleaned_data)
        data.pop("petition_number", None)
        if data["source"] not in (Source.COURT_ASSIGNED, Source.COURT_ENTRUSTED):
            # Typed before the source changed: not part of this dispute.
            data.update(court_name="", court_document="", materials_received_on=None)
            data["simplified"] = False
        data["tier"] = data.get("tier") or None
        return data


class PartyForm(forms.Form):
    """One party: a natural person (name, ID, phone, address) or an organisation (name, address,
    phone, legal representative). The service checks the ID (GB 11643) and the phone."""

    side = forms.ChoiceField(
        label=FIELDS["side"], choices=Party.Side.choices, initial=Party.Side.A, required=False
    )
    kind = forms.ChoiceField(
        label=FIELDS["kind"],
        choices=Party.PartyKind.choices,
        initial=Party.PartyKind.PERSON,
        required=False,
    )
    name = forms.CharField(label=FIELDS["name"], required=False, max_length=100)
    id_number = forms.CharField(
        label=FIELDS["id_number"],
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs=_ID_ATTRS),
    )
    phone = forms.CharField(
        label=FIELDS["phone"],
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs=_PHONE_ATTRS),
    )
    address = forms.CharField(label=FIELDS["address"], required=False, max_length=200)
    legal_representative = forms.CharField(
        label=FIELDS["legal_representative"],
        required=False,
        max_length=40,
        help_text=_("Organisations only."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("autocomplete", "off")
        style(self)

    def row(self) -> dict:
        data = dict(self.cleaned_data)
        data["side"] = data.get("side") or ""
        data["kind"] = data.get("kind") or Party.PartyKind.PERSON
        return data


BasePartyFormSet = forms.formset_factory(
    PartyForm,
    extra=0,
    max_num=MAX_FORM_PARTIES,
    validate_max=True,
    absolute_max=MAX_FORM_PARTIES,
)


class PartyFormSet(BasePartyFormSet):
    """The parties of a new dispute: one row per side to start with; more on request."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", PARTY_PREFIX)
        kwargs.setdefault("initial", [{"side": Party.Side.A}, {"side": Party.Side.B}])
        super().__init__(*args, **kwargs)

    def rows(self) -> tuple[list[dict], list[int]]:
        """The filled-in rows for the service, and each row's form index (for its errors).
        Rows left blank are skipped."""
        rows, index = [], []
        for i, form in enumerate(self.forms):
            if not hasattr(form, "cleaned_data"):
                continue
            data = form.cleaned_data
            filled = any(
                data.get(key)
                for key in (
                    "name",
                    "id_number",
                    "phone",
                    "address",
                    "legal_representative",
                )
            )
            if filled:
                rows.append(form.row())
                index.append(i)
        return rows, index


def apply_errors(
    errors: dict, form: RegisterForm, formset: PartyFormSet | None, index: list[int]
) -> list[str]:
    """Put the service's errors beside their fields; returns those for the page's top.

    Keys are a field of the form (``"amount"``), ``"parties"`` or ``"parties.<row>.<field>"``
    where <row> counts the rows given to the service; ``"petition_case"`` is the petition
    number's.
    """
    top: list[str] = []
    for key, messages in errors.items():
        texts = [str(m) for m in messages]
        if key == "parties" or key == "party":
            top.extend(texts)
            continue
        parts = key.split(".")
        if formset is not None and len(parts) == 3 and parts[0] == "parties":
            row = bounds.bounded_int(parts[1], 0, MAX_FORM_PARTIES)
            if row is not None and row < len(index):
                target = formset.forms[index[row]]
                field = parts[2] if parts[2] in target.fields else None
                for text in texts:
                    target.add_error(field, text)
                continue
        if key == "petition_case":
            key = "petition_number"
        field = key if key in form.fields else None
        for text in texts:
            form.add_error(field, text)
    style(form, mark=True)
    if formset is not None:
        for party_form in formset.forms:
            style(party_form, mark=True)
    return top


class AddPartyForm(PartyForm):
    """A party added on the case page (before the mediation ends)."""

    prefix = "add_party"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("side", "name"):
            self.fields[name].required = True


__all__ = [
    "AddPartyForm",
    "PartyForm",
    "PartyFormSet",
    "RegisterForm",
    "apply_errors",
    "register_scope",
    "style",
]
