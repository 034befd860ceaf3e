"""The street's organisation: communities, grids, residents' groups, units, staff and roles."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from huiyin.org.roles import Role


class Street(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)
    short_name = models.CharField(
        _("short name"),
        max_length=10,
        help_text=_("Used in case numbers, e.g. 浓洄信〔2026〕0042号"),
    )

    class Meta:
        verbose_name = _("street")
        verbose_name_plural = _("streets")

    def __str__(self) -> str:
        return self.name


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
    """One role held by a staff member, over a scope: the whole street, a community, a grid or a unit."""

    staff = models.ForeignKey(
        Staff, models.CASCADE, related_name="grants", verbose_name=_("staff member")
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
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

    @property
    def scope_label(self) -> str:
        if self.grid_id:
            return str(self.grid)
        if self.community_id:
            return str(self.community)
        if self.unit_id:
            return str(self.unit)
        return str(_("Whole street"))
