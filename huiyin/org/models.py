"""The streets' organisation: communities, grids, residents' groups, units, staff and roles.

One Huiyin may serve a whole district: every street is the top scope of its own rows, and a
role grant names the street it covers (or a community, grid or unit inside one).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from huiyin.org.roles import Role

MSG_SHORT_NAME_TAKEN = _(
    "Another street already has this short name. The short name begins the street's case,"
    " meeting and order numbers, so each street needs its own."
)
MSG_PREFIX_TAKEN = _(
    "The numbers of this street would begin with “%(prefix)s”, as those of %(street)s do."
    " Give this street a short name of its own."
)


class Street(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)
    short_name = models.CharField(
        _("short name"),
        max_length=10,
        help_text=_("Used in case numbers, e.g. 浓洄信〔2026〕0042号"),
    )
    # Per-street branding: the issuing organ on the masthead and signature of documents.
    office_name = models.CharField(
        _("issuing office"),
        max_length=60,
        blank=True,
        help_text=_(
            "Named on the masthead and signature of documents, e.g. 浓洄街道办事处;"
            " empty: the street's name followed by 办事处."
        ),
    )

    class Meta:
        verbose_name = _("street")
        verbose_name_plural = _("streets")
        constraints = [
            # The short name begins every number of the street's cases, meetings and orders,
            # and a case number is unique across the streets: two streets with one short name
            # would number alike. Empty (the full name is used instead) may repeat.
            models.UniqueConstraint(
                fields=["short_name"],
                condition=~Q(short_name=""),
                name="street_unique_short_name",
                violation_error_message=MSG_SHORT_NAME_TAKEN,
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def number_prefix(self) -> str:
        """What the street's numbers begin with: its short name, else its name."""
        return self.short_name or self.name

    def clean(self) -> None:
        """A street whose numbers would begin as another's (one's short name being the other's
        full name, the other having no short name) is refused: they would number alike."""
        super().clean()
        prefix = self.number_prefix
        if not prefix:
            return
        others = Street.objects.exclude(pk=self.pk) if self.pk else Street.objects.all()
        clash = others.filter(Q(short_name="", name=prefix) | Q(short_name=prefix)).first()
        if clash is None or (self.short_name and clash.short_name == self.short_name):
            return  # nothing, or the same short name: the unique constraint says so
        field = "short_name" if self.short_name else "name"
        raise ValidationError(
            {field: MSG_PREFIX_TAKEN % {"prefix": prefix, "street": clash.name}},
            code="street_number_prefix",
        )


class Community(models.Model):
    street = models.ForeignKey(
        Street, models.PROTECT, related_name="communities", verbose_name=_("street")
    )
    name = models.CharField(_("name"), max_length=50)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["street", "name"], name="community_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Grid(models.Model):
    community = models.ForeignKey(
        Community, models.PROTECT, related_name="grids", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=50)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # A GeoJSON geometry (Polygon or MultiPolygon) in lon/lat, drawn on the offline grid map.
    geometry = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True)

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["community__order", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="grid_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.community.name}·{self.name}"


class ResidentsGroup(models.Model):
    grid = models.ForeignKey(
        Grid, models.PROTECT, related_name="residents_groups", verbose_name=_("grid")
    )
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        verbose_name = _("residents' group")
        verbose_name_plural = _("residents' groups")
        constraints = [
            models.UniqueConstraint(fields=["grid", "name"], name="residents_group_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    class Kind(models.TextChoices):
        OFFICE_DEPARTMENT = "office_department", _("Office department")
        POLICE_STATION = "police_station", _("Police station")
        SCHOOL = "school", _("School")
        ENTERPRISE = "enterprise", _("Enterprise")
        HOSPITAL = "hospital", _("Hospital")
        OTHER = "other", _("Other")

    street = models.ForeignKey(
        Street, models.PROTECT, related_name="units", verbose_name=_("street")
    )
    community = models.ForeignKey(
        Community,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
        verbose_name=_("community"),
        help_text=_("Leave empty for a unit attached to the street."),
    )
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["street", "name"], name="unit_unique_name")]

    def __str__(self) -> str:
        return self.name


class Staff(models.Model):
    """A person who works in Huiyin: a profile on Django's user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="staff", verbose_name=_("account")
    )
    name = models.CharField(_("full name"), max_length=40)
    title = models.CharField(_("job title"), max_length=60, blank=True)
    unit = models.ForeignKey(
        Unit, models.PROTECT, null=True, blank=True, related_name="staff", verbose_name=_("unit")
    )

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RoleGrant(models.Model):
    """One role held by a staff member, over a scope: a whole street, a community, a grid or a
    unit. `street` is always set: the street a whole-street grant covers, or the street of the
    community, grid or unit (filled in on save), so no grant reaches across streets."""

    staff = models.ForeignKey(
        Staff, models.CASCADE, related_name="grants", verbose_name=_("staff member")
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    street = models.ForeignKey(
        Street,
        models.PROTECT,
        blank=True,
        related_name="grants",
        verbose_name=_("street"),
        help_text=_("The street the role covers; filled in from the community, grid or unit."),
    )
    community = models.ForeignKey(
        Community, models.PROTECT, null=True, blank=True, verbose_name=_("community")
    )
    grid = models.ForeignKey(Grid, models.PROTECT, null=True, blank=True, verbose_name=_("grid"))
    unit = models.ForeignKey(Unit, models.PROTECT, null=True, blank=True, verbose_name=_("unit"))

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            # A scope is the whole street (none set) or exactly one community, grid or unit.
            models.CheckConstraint(
                condition=(
                    Q(community__isnull=True, grid__isnull=True)
                    | Q(community__isnull=True, unit__isnull=True)
                    | Q(grid__isnull=True, unit__isnull=True)
                ),
                name="role_grant_one_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} · {self.scope_label}"

    def save(self, *args, **kwargs) -> None:
        # The street follows the part of it the grant names, whatever was passed in.
        street_id = self.derived_street_id()
        if street_id is None:
            raise ValidationError({"street": MSG_WHICH_STREET})
        self.street_id = street_id
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        if self.role == Role.DISTRICT and not self.whole_street:
            raise ValidationError(
                {"role": _("A district role covers whole streets: give a street, not a part.")}
            )
        street_id = self.derived_street_id()
        if street_id is None:
            raise ValidationError({"street": MSG_WHICH_STREET})
        self.street_id = street_id

    @property
    def whole_street(self) -> bool:
        return not (self.community_id or self.grid_id or self.unit_id)

    @property
    def scope_label(self) -> str:
        if self.grid_id:
            return str(self.grid)
        if self.community_id:
            return str(self.community)
        if self.unit_id:
            return str(self.unit)
        if self.role == Role.DISTRICT and self.street_id:
            return self.street.name  # a district officer holds one grant per street
        return str(_("Whole street"))

    def derived_street_id(self) -> int | None:
        """The street of the community, grid or unit; for a whole-street grant the street
        given, or the only street when there is one (None: several and none given)."""
        if self.grid_id:
            return (
                Grid.objects.filter(pk=self.grid_id)
                .values_list("community__street_id", flat=True)
                .first()
            )
        if self.community_id:
            return (
                Community.objects.filter(pk=self.community_id)
                .values_list("street_id", flat=True)
                .first()
            )
        if self.unit_id:
            return Unit.objects.filter(pk=self.unit_id).values_list("street_id", flat=True).first()
        if self.street_id:
            return self.street_id
        from huiyin.org.streets import only_street

        only = only_street()
        return only.pk if only is not None else None


MSG_WHICH_STREET = _("There are several streets: say which street the role covers.")


class StreetDay(models.Model):
    """A street's own day off or working day, over the national holiday table (a local
    festival, a day worked instead): the deadlines of that street's matters count with it."""

    class DayKind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday (day off)")
        WORKDAY = "workday", _("Make-up working day")

    street = models.ForeignKey(
        Street, models.CASCADE, related_name="calendar_days", verbose_name=_("street")
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=DayKind.choices)
    note = models.CharField(_("note"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("street's own holiday or working day")
        verbose_name_plural = _("streets' own holidays and working days")
        ordering = ["street", "date"]
        constraints = [
            models.UniqueConstraint(fields=["street", "date"], name="street_day_unique_date")
        ]

    def __str__(self) -> str:
        return f"{self.street} {self.date} {self.get_kind_display()}"
