"""Assessment schemes (考核方案): items with their maximum points, versioned, published ahead.

A scheme is a name and a version. A version is a draft until it is published; a published
version is never edited again (a change is a new version, a draft copy). A version applies
from ``valid_from`` (and until ``valid_to``, when set); an office's version is published only
before that day — every rule is known before the period it judges starts. The built-in scheme
(:func:`huiyin.assessment.defaults.ensure_default_scheme`) is published with the software
itself (its rules are in the code and the README) and applies from the system's first day.

Each item is a rule — points computed from a handling-quality statistic
(:mod:`huiyin.assessment.keys`) — or a manual item, awarded per body with an evidence file.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_OBJECTION_DAYS = 7


class SchemeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class AppliesTo(models.TextChoices):
    BOTH = "both", _("Communities and units")
    COMMUNITY = "community", _("Communities")
    UNIT = "unit", _("Units")


class Method(models.TextChoices):
    # Full points at or above `target`, none at or below `floor`, in proportion between.
    RATE = "rate", _("In proportion to a rate")
    # Full points when the statistic meets `target` (a rate: at least; a count: at most).
    THRESHOLD = "threshold", _("All or nothing at a threshold")
    # `per_matter` points off for each matter handled badly, down to zero.
    DEDUCT = "deduct", _("Points off per matter handled badly")
    # Awarded per body by the office, with an evidence file.
    MANUAL = "manual", _("Awarded by the office with evidence")


class Scheme(models.Model):
    name = models.CharField(_("name"), max_length=100)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    built_in = models.BooleanField(_("built-in"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=SchemeStatus.choices, default=SchemeStatus.DRAFT
    )
    description = models.TextField(_("description"), blank=True)
    valid_from = models.DateField(_("applies from"))
    valid_to = models.DateField(_("applies until"), null=True, blank=True)
    objection_days = models.PositiveSmallIntegerField(
        _("days for objections"), default=DEFAULT_OBJECTION_DAYS
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    based_on = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("based on"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("assessment scheme")
        verbose_name_plural = _("assessment schemes")
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="scheme_name_version"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def audit_label(self) -> str:
        return str(self)

    @property
    def published(self) -> bool:
        return self.status == SchemeStatus.PUBLISHED


class SchemeItem(models.Model):
    scheme = models.ForeignKey(
        Scheme, models.CASCADE, related_name="items", verbose_name=_("scheme")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("item"), max_length=200)
    applies_to = models.CharField(
        _("applies to"), max_length=10, choices=AppliesTo.choices, default=AppliesTo.BOTH
    )
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    max_points = models.DecimalField(_("maximum points"), max_digits=6, decimal_places=2)
    stat_key = models.CharField(_("statistic"), max_length=120, blank=True)
    # In the statistic's own unit (a rate as a fraction).
    target = models.DecimalField(
        _("full points at"), max_digits=10, decimal_places=4, null=True, blank=True
    )
    floor = models.DecimalField(
        _("no points at"), max_digits=10, decimal_places=4, null=True, blank=True
    )
    per_matter = models.DecimalField(
        _("points off per matter"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    note = models.TextField(_("how it is judged"), blank=True)

    class Meta:
        verbose_name = _("scheme item")
        verbose_name_plural = _("scheme items")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.title

    def applies(self, kind: str) -> bool:
        return self.applies_to in (AppliesTo.BOTH, kind)
