"""The people's mediation committees (人民调解委员会), their mediators, terms and training.

Kept in Huiyin so that the tier and the mediators of a dispute are chosen from real records
(人民调解法 art. 8–9, 13–14; 人民调解委员会组织条例). Administrators edit them in the admin.
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Tier(models.TextChoices):
    """Who handles a dispute, lowest first ("小事不出社区，大事不出街道")."""

    GRID = "grid", _("Grid mediation group")
    COMMUNITY = "community", _("Community mediation committee")
    UNIT = "unit", _("Unit mediation committee")
    STREET = "street", _("Street mediation committee")
    DISTRICT = "district", _("District")


#: The height of each tier: escalation goes to a higher one. A unit's committee sits beside
#: the communities' (both answer to the street's).
TIER_RANK: dict[str, int] = {
    Tier.GRID: 0,
    Tier.COMMUNITY: 1,
    Tier.UNIT: 1,
    Tier.STREET: 2,
    Tier.DISTRICT: 3,
}

#: The next tier up, offered when the mediation guideline passes (条例 art. 15(3)).
NEXT_TIER: dict[str, str] = {
    Tier.GRID: Tier.COMMUNITY,
    Tier.COMMUNITY: Tier.STREET,
    Tier.UNIT: Tier.STREET,
    Tier.STREET: Tier.DISTRICT,
}


class Committee(models.Model):
    """A people's mediation committee, or a grid's mediation group (网格调解小组)."""

    street = models.ForeignKey(
        "org.Street", models.PROTECT, related_name="mediation_committees", verbose_name=_("street")
    )
    name = models.CharField(_("name"), max_length=100)
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices)
    community = models.ForeignKey(
        "org.Community",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="mediation_committees",
        verbose_name=_("community"),
    )
    grid = models.ForeignKey(
        "org.Grid",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="mediation_committees",
        verbose_name=_("grid"),
    )
    unit = models.ForeignKey(
        "org.Unit",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="mediation_committees",
        verbose_name=_("unit"),
    )
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("mediation committee")
        verbose_name_plural = _("mediation committees")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["street", "name"], name="committee_unique_name"),
            # Each tier names its place: a grid's group its grid (and community), a community's
            # committee its community, a unit's its unit; the street's and the district's none.
            models.CheckConstraint(
                condition=(
                    Q(tier="grid", grid__isnull=False, community__isnull=False, unit__isnull=True)
                    | Q(
                        tier="community",
                        community__isnull=False,
                        grid__isnull=True,
                        unit__isnull=True,
                    )
                    | Q(tier="unit", unit__isnull=False, grid__isnull=True)
                    | Q(
                        tier__in=["street", "district"],
                        community__isnull=True,
                        grid__isnull=True,
                        unit__isnull=True,
                    )
                ),
                name="committee_place_fits_tier",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # A grid's group is also its community's (the community's workers see its disputes).
        if self.tier == Tier.GRID and self.grid_id and self.community_id is None:
            self.community_id = self.grid.community_id
            fields = kwargs.get("update_fields")
            if fields is not None:
                kwargs["update_fields"] = [*fields, "community"]
        super().save(*args, **kwargs)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors = {}
        if self.tier == Tier.GRID:
            if self.grid_id is None:
                errors["grid"] = _("A grid mediation group belongs to a grid.")
            elif self.community_id is not None and self.grid.community_id != self.community_id:
                errors["community"] = _("The grid is not in the chosen community.")
            elif self.community_id is None:
                # Filled from the grid now, so the constraint's check passes (save does it too).
                self.community_id = self.grid.community_id
        if self.tier == Tier.COMMUNITY and self.community_id is None:
            errors["community"] = _("A community mediation committee belongs to a community.")
        if self.tier == Tier.UNIT and self.unit_id is None:
            errors["unit"] = _("A unit mediation committee belongs to a unit.")
        if self.tier in (Tier.STREET, Tier.DISTRICT) and (
            self.community_id or self.grid_id or self.unit_id
        ):
            errors["tier"] = _("A street or district committee names no community, grid or unit.")
        if errors:
            raise ValidationError(errors)


class Mediator(models.Model):
    """A people's mediator (人民调解员) of a committee, for a term (art. 13–14)."""

    committee = models.ForeignKey(
        Committee, models.PROTECT, related_name="mediators", verbose_name=_("committee")
    )
    name = models.CharField(_("name"), max_length=40)
    staff = models.ForeignKey(
        "org.Staff",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="mediator_posts",
        verbose_name=_("staff account"),
        help_text=_("The mediator's own account in Huiyin, if they have one."),
    )
    term_start = models.DateField(_("term starts"))
    term_end = models.DateField(_("term ends"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("mediator")
        verbose_name_plural = _("mediators")
        ordering = ["committee__order", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__isnull=True) | Q(term_end__gte=models.F("term_start")),
                name="mediator_term_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def in_term(self, on: date) -> bool:
        """Whether the mediator is active and within the term on the day `on`."""
        return (
            self.active and self.term_start <= on and (self.term_end is None or on <= self.term_end)
        )


class MediatorTraining(models.Model):
    """One training a mediator attended (业务培训, art. 14)."""

    mediator = models.ForeignKey(
        Mediator, models.CASCADE, related_name="trainings", verbose_name=_("mediator")
    )
    on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    hours = models.DecimalField(_("training hours"), max_digits=5, decimal_places=1)

    class Meta:
        verbose_name = _("mediator training")
        verbose_name_plural = _("mediator trainings")
        ordering = ["-on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0, hours__lte=1000), name="training_hours_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.on} {self.title}"
