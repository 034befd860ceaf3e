"""Forms of the intake page and the public tracker.

They parse and present; the rules (headcount, representatives, ID check digits, dates not in
the future...) live in :mod:`huiyin.petitions.services`, whose ``PetitionInvalid.errors`` the
view puts back beside the fields with :func:`apply_errors`.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from datetime import datetime

from django import forms
from django.core.validators import MaxValueValidator
from django.db import connections, router
from django.db.models import Model, Q, QuerySet
from django.forms.models import ModelChoiceIterator
from django.forms.widgets import ChoiceWidget
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds
from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case, Category
from huiyin.org.access import reach_of
from huiyin.org.models import Community, Grid, Staff, Street, Unit
from huiyin.org.roles import Perm
from huiyin.petitions.models import (
    Channel,
    Level,
    Petition,
    Petitioner,
    ReceptionSlot,
    Satisfaction,
)

PETITIONER_PREFIX = "p"
#: The longest description of a matter (characters); longer text is refused beside the field.
MAX_DESCRIPTION = 5000
MAX_PETITIONERS = 50

# Phone and ID inputs: digits keyboard on tablets, no autofill of the clerk's own details.
_ID_ATTRS = {"autocomplete": "off", "inputmode": "text", "spellcheck": "false"}
_PHONE_ATTRS = {"autocomplete": "off", "inputmode": "tel"}


def _label(model, name: str):
    """A model field's (already translated) verbose name as a form label."""
    return capfirst(model._meta.get_field(name).verbose_name)


def _style(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.RadioSelect | forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs.setdefault("class", css)


def mark_invalid(form: forms.BaseForm) -> None:
    """Give the widgets of fields with errors Bootstrap's red outline (and say so to readers)."""
    for name in form.errors:
        if name in form.fields:
            attrs = form.fields[name].widget.attrs
            if "is-invalid" not in attrs.get("class", ""):
                attrs["class"] = (attrs.get("class", "") + " is-invalid").strip()
            attrs["aria-invalid"] = "true"


_FIELD_COPY = forms.Field.__deepcopy__
_CHOICE_FIELD_COPY = forms.ChoiceField.__deepcopy__
_MODEL_CHOICE_FIELD_COPY = forms.ModelChoiceField.__deepcopy__
_WIDGET_COPY = forms.Widget.__deepcopy__
_CHOICE_WIDGET_COPY = ChoiceWidget.__deepcopy__


@functools.cache
def _plain(cls: type) -> bool:
    """Whether copy.copy() of an instance is a new instance with the same attributes."""
    return (
        cls.__reduce_ex__ is object.__reduce_ex__
        and cls.__reduce__ is object.__reduce__
        and cls.__getstate__ is object.__getstate__
        and not hasattr(cls, "__copy__")
        and not hasattr(cls, "__setstate__")
        and not hasattr(cls, "__slots__")
    )


def _shallow(obj):
    new = object.__new__(type(obj))
    new.__dict__.update(obj.__dict__)
    return new


def _copy_widget(widget: forms.Widget, memo: dict) -> forms.Widget:
    """What Widget.__deepcopy__ (ChoiceWidget's) makes, without copy.copy's general path."""
    if id(widget) in memo:
        return memo[id(widget)]
    how = type(widget).__deepcopy__
    if how not in (_WIDGET_COPY, _CHOICE_WIDGET_COPY) or not _plain(type(widget)):
        return copy.deepcopy(widget, memo)
    result = _shallow(widget)
    result.attrs = widget.attrs.copy()
    if how is _CHOICE_WIDGET_COPY:
        result.choices = copy.copy(widget.choices)
    memo[id(widget)] = result
    return result


def _copy_field(field: forms.Field, memo: dict) -> forms.Field:
    """What Field.__deepcopy__ (ChoiceField's, ModelChoiceField's) makes, without copy.copy's
    general path; any other kind of field is deep-copied as Django does."""
    how = type(field).__deepcopy__
    if how not in (_FIELD_COPY, _CHOICE_FIELD_COPY, _MODEL_CHOICE_FIELD_COPY) or not _plain(
        type(field)
    ):
        return copy.deepcopy(field, memo)
    result = _shallow(field)
    memo[id(field)] = result
    result.widget = _copy_widget(field.widget, memo)
    result.error_messages = field.error_messages.copy()
    result.validators = field.validators[:]
    if how is _CHOICE_FIELD_COPY:
        result._choices = copy.deepcopy(field._choices, memo)
    elif how is _MODEL_CHOICE_FIELD_COPY and field.queryset is not None:
        result.queryset = field.queryset.all()
    return result


class QuicklyCopiedFields(dict):
    """A form's ``base_fields``, which every form deep-copies as it is made (BaseForm): each
    field copied as its own ``__deepcopy__`` does, but a new object with the same attributes
    made directly instead of through copy.copy()'s reduce protocol — the intake form's 20
    fields and their widgets were 0.21 ms of every intake (now 0.08 ms)."""

    def __deepcopy__(self, memo: dict) -> dict:
        return {name: _copy_field(field, memo) for name, field in self.items()}


class _LazyOptions(ModelChoiceIterator):
    """The options of a :class:`LazyModelChoiceField`, read from its queryset when listed."""

    def __init__(self, field: LazyModelChoiceField):  # (Django's asks for the queryset here)
        self.field = field

    @property
    def queryset(self) -> QuerySet:
        return self.field.queryset


class LazyModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose queryset a function given to :meth:`defer` builds when it is
    first needed: to check a value that was sent, or to list the options on the page.

    A POST of the intake form fills two or three of its six choice fields; the querysets of
    the others (built, then cloned by the form) were half a millisecond of every intake.
    """

    iterator = _LazyOptions

    def __init__(self, *args, **kwargs):
        self._make: Callable[[], QuerySet] | None = None
        self._known: Model | None = None
        kwargs.setdefault("queryset", None)
        super().__init__(*args, **kwargs)

    def know(self, instance: Model) -> None:
        """`instance` is known to be in this field's queryset (read with another field's): a
        value naming exactly its id is taken as it is, without a query of its own."""
        self._known = instance

    def to_python(self, value):
        known = self._known
        if known is not None and isinstance(value, str) and value == str(known.pk):
            return known
        return super().to_python(value)

    def defer(self, make: Callable[[], QuerySet]) -> None:
        self._make = make
        self.widget.choices = self.choices

    @property
    def queryset(self) -> QuerySet | None:
        if self._make is not None:
            make, self._make = self._make, None
            self._set_queryset(make())
        return self._queryset

    @queryset.setter
    def queryset(self, queryset: QuerySet | None) -> None:
        self._make = None
        self._set_queryset(queryset)


class GridChoiceField(LazyModelChoiceField):
    def label_from_instance(self, obj: Grid) -> str:
        return obj.name  # the community is chosen beside it


class CategoryChoiceField(LazyModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return f"{obj.parent.name} › {obj.name}" if obj.parent_id else obj.name


class StaffChoiceField(LazyModelChoiceField):
    def label_from_instance(self, obj: Staff) -> str:
        return f"{obj.name}（{obj.unit.name}）" if obj.unit_id else obj.name


class SlotChoiceField(LazyModelChoiceField):
    def label_from_instance(self, obj: ReceptionSlot) -> str:
        return (
            f"{obj.leader.name} · {obj.get_kind_display()} · "
            f"{obj.start_time:%H:%M}–{obj.end_time:%H:%M} · {obj.place}"
        )


class IntakeForm(forms.Form):
    """The matter: channel, level, time, place, category, what it is about, who and how many."""

    channel = forms.ChoiceField(
        label=_label(Petition, "channel"),
        choices=Channel.choices,
        initial=Channel.VISIT,
        widget=forms.RadioSelect,
    )
    assigned_by = forms.CharField(
        label=_label(Petition, "assigned_by"), required=False, max_length=100
    )
    assigned_doc_no = forms.CharField(
        label=_label(Petition, "assigned_doc_no"), required=False, max_length=60
    )
    level = forms.ChoiceField(
        label=_label(Petition, "level"), choices=Level.choices, initial=Level.STREET
    )
    handling_level = forms.ChoiceField(
        label=_label(Petition, "handling_level"), choices=Level.choices, initial=Level.STREET
    )
    received_at = bounds.DateTimeField(
        label=_label(Case, "received_at"),
        future_message=_("The date received cannot be in the future."),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    # The querysets of the choice fields are given per form (the person's own communities...).
    community = LazyModelChoiceField(label=_label(Case, "community"), required=False)
    grid = GridChoiceField(label=_label(Case, "grid"), required=False)
    category = CategoryChoiceField(label=_label(Case, "category"), required=False)
    title = forms.CharField(label=_("Title of the matter"), required=False, max_length=200)
    description = forms.CharField(
        label=_label(Case, "description"),
        required=False,
        max_length=MAX_DESCRIPTION,
        help_text=bounds.max_length_help(MAX_DESCRIPTION),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    is_collective = forms.BooleanField(label=_label(Petition, "is_collective"), required=False)
    headcount = forms.IntegerField(
        label=_label(Petition, "headcount"),
        required=False,
        help_text=_("People who came (person-times). Leave empty for one person per petitioner."),
    )
    told_on_the_spot = forms.BooleanField(
        label=_("Told on the spot whether the matter is accepted"),
        required=False,
        help_text=_("Visits only (Regulations art. 23): the notice is recorded at registration."),
    )
    is_anonymous = forms.BooleanField(
        label=_("Anonymous letter"),
        required=False,
        help_text=_(
            "Letters only (Regulations art. 19): registered without a petitioner; no notice is "
            "owed and there is no receipt code lookup."
        ),
    )
    contact_unclear = forms.BooleanField(
        label=_("Name or address unclear: the petitioner cannot be told"),
        required=False,
        help_text=_("No notice of acceptance is owed then (Regulations art. 23)."),
    )
    complained_unit = LazyModelChoiceField(
        label=_label(Petition, "complained_unit"), required=False
    )
    complained_staff = StaffChoiceField(
        label=_label(Petition, "complained_staff"),
        required=False,
        help_text=_("Regulations art. 30, 46: that person will never see this petition."),
    )
    complained_text = forms.CharField(
        label=_label(Petition, "complained_text"), required=False, max_length=200
    )
    reception_slot = SlotChoiceField(label=_("Leader's reception today"), required=False)
    repeat_of = forms.CharField(
        label=_("Repeat of petition number"),
        required=False,
        max_length=40,
        help_text=_("For a repeat petition: the number of the earlier one."),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].defer(lambda: _communities_for(user))
        scope = reach_of(user).scope(Perm.PETITIONS_REGISTER) if user is not None else None
        if scope is not None and not scope.street_wide:
            # Registering for one's own communities only: say so beside the field, not with a 403.
            self.fields["community"].required = True
            if len(scope.community_ids) == 1 and not (scope.grid_ids or scope.unit_ids):
                # One community (a community worker's own): chosen already.
                self.initial.setdefault("community", next(iter(scope.community_ids)))
        community_id = self._community_id()
        self.fields["grid"].defer(lambda: grids_of(community_id))
        if self.is_bound and community_id is not None:
            self._read_grid_with_community(community_id, scope)
        self.fields["category"].defer(
            lambda: Category.objects.filter(kind=Kind.PETITION, active=True).select_related(
                "parent"
            )
        )
        self.fields["complained_unit"].defer(lambda: _units_for(user))
        self.fields["complained_staff"].defer(
            lambda: _staff_for(user).order_by("unit__name", "name")
        )
        today = timezone.localdate(timezone.now(), CHINA_TZ)
        self.fields["reception_slot"].defer(
            lambda: ReceptionSlot.objects.filter(date=today).select_related("leader")
        )
        if not self.is_bound:
            self.initial.setdefault(
                "received_at",
                timezone.localtime(timezone.now(), CHINA_TZ).replace(second=0, microsecond=0),
            )
        _style(self)
        self.fields["channel"].widget.attrs["class"] = "btn-check"
        # The grid options follow the community (htmx; without it, after a submit).
        self.fields["community"].widget.attrs.update(
            {
                "hx-get": reverse("petitions:intake_grids"),
                "hx-trigger": "change",
                "hx-target": "#" + self["grid"].auto_id,
                "hx-swap": "innerHTML",
            }
        )
        self.fields["title"].widget.attrs["maxlength"] = 200
        # The plausible number of people is a setting (HUIYIN_MAX_HEADCOUNT): checked here too.
        most = bounds.max_headcount()
        self.fields["headcount"].validators.append(MaxValueValidator(most))
        self.fields["headcount"].widget.attrs["max"] = most

    def _read_grid_with_community(self, community_id: int, scope) -> None:
        """The grid sent and its community in one query, when the grid is in that community
        and the community is one the person may choose: both fields then take them without a
        query each. Otherwise each field reads and checks its own value, as always."""
        grid_id = bounds.bounded_int(self.data.get(self.add_prefix("grid")), 1, bounds.MAX_ID)
        if grid_id is None:
            return
        if scope is not None and not scope.street_wide and community_id not in scope.community_ids:
            return  # (the community field says why)
        grid = grid_with_community(grid_id, community_id)
        if (
            grid is not None
            and scope is not None
            and community_id not in scope.community_ids
            and grid.community.street_id not in scope.street_ids
        ):
            return  # whole streets: those streets' own, never another's
        if grid is not None:
            self.fields["community"].know(grid.community)
            self.fields["grid"].know(grid)

    def _community_id(self) -> int | None:
        raw = self.data.get(self.add_prefix("community")) if self.is_bound else None
        raw = raw or self.initial.get("community")
        return bounds.bounded_int(getattr(raw, "pk", raw), 1, bounds.MAX_ID)

    #: The check boxes about telling the petitioner (条例 art. 19, 23), shown together.
    NOTICE_FIELDS = ("told_on_the_spot", "contact_unclear", "is_anonymous")

    @property
    def notice_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.NOTICE_FIELDS]

    @property
    def shows_assigned(self) -> bool:
        """Whether the sender and document number fields show (the channel is "assigned")."""
        value = self.data.get(self.add_prefix("channel")) if self.is_bound else None
        return (value or self.initial.get("channel")) == Channel.ASSIGNED

    def service_data(self) -> dict:
        """The cleaned values as ``services.register_petition(data=...)`` takes them."""
        data = dict(self.cleaned_data)
        if data["channel"] != Channel.ASSIGNED:
            # Typed before switching channel: not part of this petition.
            data["assigned_by"] = data["assigned_doc_no"] = ""
        if isinstance(data.get("received_at"), datetime):
            data["received_at"] = data["received_at"].replace(second=0, microsecond=0)
        return data


IntakeForm.base_fields = QuicklyCopiedFields(IntakeForm.base_fields)


def _units_for(user) -> QuerySet:
    """The units of the person's own streets (all of them without a person)."""
    units = Unit.objects.all()
    if user is not None:
        units = units.filter(street_id__in=reach_of(user).street_ids)
    return units


def _staff_for(user) -> QuerySet:
    """The staff of the person's own streets, and those of no unit."""
    staff = Staff.objects.select_related("unit")
    if user is not None:
        streets = reach_of(user).street_ids
        staff = staff.filter(Q(unit__isnull=True) | Q(unit__street_id__in=streets))
    return staff


def _communities_for(user):
    """The communities the person may register petitions for (as the service checks them)."""
    scope = reach_of(user).scope(Perm.PETITIONS_REGISTER) if user is not None else None
    communities = Community.objects.select_related("street")
    if scope is None:
        return communities
    if scope.street_wide:  # the person's whole streets, never another's
        return communities.filter(Q(street_id__in=scope.street_ids) | Q(pk__in=scope.community_ids))
    return communities.filter(pk__in=scope.community_ids)


def grid_with_community(grid_id: int, community_id: int) -> Grid | None:
    """The grid if it is in that community, its community and street loaded with it — what
    ``Grid.objects.select_related("community__street").filter(pk=, community_id=)`` gives —
    read by one written-out statement (its building through the ORM was 0.34 ms of every
    intake); each value converted as the ORM converts it."""
    alias = router.db_for_read(Grid)
    db = connections[alias]
    quote = db.ops.quote_name
    chain = ((Grid, "g"), (Community, "c"), (Street, "s"))
    columns = [f"{t}.{quote(f.column)}" for model, t in chain for f in model._meta.concrete_fields]
    with db.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM {quote(Grid._meta.db_table)} g "  # noqa: S608
            f"INNER JOIN {quote(Community._meta.db_table)} c "
            f"ON c.{quote('id')} = g.{quote('community_id')} "
            f"INNER JOIN {quote(Street._meta.db_table)} s "
            f"ON s.{quote('id')} = c.{quote('street_id')} "
            f"WHERE g.{quote('id')} = %s AND g.{quote('community_id')} = %s",
            [grid_id, community_id],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    values = iter(row)
    grid, community, street = (_from_row(model, t, alias, db, values) for model, t in chain)
    Grid._meta.get_field("community").set_cached_value(grid, community)
    Community._meta.get_field("street").set_cached_value(community, street)
    return grid


def _from_row(model, table: str, alias: str, db, values):
    fields = model._meta.concrete_fields
    converted = []
    for field in fields:
        value = next(values)
        column = field.get_col(table)
        for convert in db.ops.get_db_converters(column) + column.get_db_converters(db):
            value = convert(value, column, db)
        converted.append(value)
    return model.from_db(alias, [f.attname for f in fields], converted)


def grids_of(community_id: int | None):
    if community_id is None:
        return Grid.objects.none()
    return Grid.objects.filter(community_id=community_id).select_related("community")


class PetitionerForm(forms.Form):
    """One petitioner: the service validates the ID (GB 11643) and the phone number."""

    name = forms.CharField(label=_("Full name"), required=False, max_length=40)
    id_number = forms.CharField(
        label=_label(Petitioner, "id_number"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs=_ID_ATTRS),
    )
    phone = forms.CharField(
        label=_label(Petitioner, "phone"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs=_PHONE_ATTRS),
    )
    address = forms.CharField(label=_label(Petitioner, "address"), required=False, max_length=200)
    is_representative = forms.BooleanField(
        label=_label(Petitioner, "is_representative"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)
        for name in ("name", "id_number", "phone", "address"):
            attrs = self.fields[name].widget.attrs
            attrs["class"] += " form-control-sm"
            attrs["autocomplete"] = "off"
            attrs["placeholder"] = self.fields[name].label
        # The duplicate hint: typing an ID or phone asks for earlier petitions of that person.
        similar_url = reverse("petitions:similar")
        for name in ("id_number", "phone"):
            self.fields[name].widget.attrs.update(
                {
                    "hx-post": similar_url,
                    "hx-trigger": "change",
                    "hx-include": "closest .hy-petitioner",
                    "hx-target": "next .hy-similar",
                    "hx-sync": "closest .hy-petitioner:replace",
                }
            )


PetitionerForm.base_fields = QuicklyCopiedFields(PetitionerForm.base_fields)


BasePetitionerFormSet = forms.formset_factory(
    PetitionerForm,
    extra=0,
    min_num=1,
    max_num=MAX_PETITIONERS,
    validate_max=True,
    absolute_max=MAX_PETITIONERS,
)


class PetitionerFormSet(BasePetitionerFormSet):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", PETITIONER_PREFIX)
        super().__init__(*args, **kwargs)

    def rows(self) -> tuple[list[dict], list[int]]:
        """The filled-in rows for the service, and each row's form index (for its errors).

        Blank rows (added and left empty, or removed in the page) are skipped.
        """
        rows, index = [], []
        for i, form in enumerate(self.forms):
            if form.has_changed() and hasattr(form, "cleaned_data"):
                rows.append(dict(form.cleaned_data))
                index.append(i)
        return rows, index


def apply_errors(
    errors: dict, form: IntakeForm, formset: PetitionerFormSet, index: list[int]
) -> list[str]:
    """Put the service's errors beside their fields; returns those about the petitioners as a whole.

    Keys are a field of the form (``"headcount"``), ``"petitioners"``, or
    ``"petitioners.<row>.<field>"`` where <row> counts the rows given to the service.
    """
    about_petitioners: list[str] = []
    for key, messages in errors.items():
        texts = [str(m) for m in messages]
        if key == "petitioners":
            about_petitioners.extend(texts)
            continue
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "petitioners" and parts[1].isdigit():
            row = int(parts[1])
            if row < len(index):
                target = formset.forms[index[row]]
                field = parts[2] if parts[2] in target.fields else None
                for text in texts:
                    target.add_error(field, text)
                continue
        field = key if key in form.fields else None
        for text in texts:
            form.add_error(field, text)
    mark_invalid(form)
    for petitioner_form in formset.forms:
        mark_invalid(petitioner_form)
    return about_petitioners


class TrackForm(forms.Form):
    """The public tracker's question: the receipt code and the phone's last four digits."""

    code = forms.CharField(
        label=_("Receipt code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "autofocus": True,
                "spellcheck": "false",
                "class": "form-control form-control-lg text-uppercase",
            }
        ),
    )
    last4 = forms.CharField(
        label=_("Last four digits of the phone number"),
        max_length=4,
        min_length=4,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "inputmode": "numeric",
                "class": "form-control form-control-lg",
            }
        ),
        help_text=_("The phone number you gave when the matter was registered."),
    )


class RatingForm(forms.Form):
    """The petitioner's rating of the handling (条例 art. 21)."""

    code = forms.CharField(max_length=20, widget=forms.HiddenInput)
    last4 = forms.CharField(max_length=4, widget=forms.HiddenInput)
    satisfaction = forms.ChoiceField(
        label=_("How satisfied are you with the handling?"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    note = forms.CharField(
        label=_("Anything you would like to add (optional)"),
        required=False,
        max_length=500,
        help_text=bounds.max_length_help(500),
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )
