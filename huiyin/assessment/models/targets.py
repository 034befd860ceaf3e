"""Responsibility letters (目标责任书) and their measurable targets.

A letter binds one community or one unit for one calendar year to targets, each tied to a
handling-quality statistic of :mod:`huiyin.assessment.keys` (按期办结率 ≥ 95 %, 排查按时上报率
≥ 90 % …), with a weight. Its signed scan is kept like a pledge's (outside the web root, type
checked from the content, size bounded); once a scan is kept the targets are fixed — withdraw
the scan (with a reason) to change them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from huiyin.assessment.bodies import one_body
from huiyin.cases.models import StoredFile, attachment_storage

LETTER_DIR = "letters"


class Comparison(models.TextChoices):
    AT_LEAST = "at_least", _("at least")
    AT_MOST = "at_most", _("at most")


class Letter(models.Model):
    """One 目标责任书: a community's or a unit's targets for a year."""

    year = models.PositiveSmallIntegerField(_("year"))
    community = models.ForeignKey(
        "org.Community",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("community"),
    )
    unit = models.ForeignKey(
        "org.Unit", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("unit")
    )
    title = models.CharField(_("title"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
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
        verbose_name = _("responsibility letter")
        verbose_name_plural = _("responsibility letters")
        ordering = ["-year", "community__order", "unit__name", "id"]
        constraints = [
            one_body("letter_one_body"),
            models.UniqueConstraint(
                fields=["year", "community"],
                condition=Q(community__isnull=False),
                name="letter_once_per_community_year",
            ),
            models.UniqueConstraint(
                fields=["year", "unit"],
                condition=Q(unit__isnull=False),
                name="letter_once_per_unit_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.title}"

    def audit_label(self) -> str:
        return f"{self.year} · {self.body_name}"

    @property
    def body_name(self) -> str:
        return self.community.name if self.community_id else self.unit.name


class Target(models.Model):
    """One measurable target of a letter: a statistic, a threshold and a weight."""

    letter = models.ForeignKey(
        Letter, models.CASCADE, related_name="targets", verbose_name=_("letter")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    label = models.CharField(_("target"), max_length=200)
    stat_key = models.CharField(_("statistic"), max_length=120)
    comparison = models.CharField(
        _("comparison"), max_length=10, choices=Comparison.choices, default=Comparison.AT_LEAST
    )
    # In the statistic's own unit: a rate as a fraction (0.95), a count as a number.
    threshold = models.DecimalField(_("threshold"), max_digits=10, decimal_places=4)
    weight = models.PositiveSmallIntegerField(_("weight"), default=10)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.label


def scan_path(instance, filename: str) -> str:
    return f"{LETTER_DIR}/{instance.letter_id}/{filename}"


class LetterScan(StoredFile):
    """The signed letter's scan (PDF or image); withdrawn with a reason, never deleted."""

    letter = models.ForeignKey(
        Letter, models.PROTECT, related_name="scans", verbose_name=_("letter")
    )
    signed_on = models.DateField(_("signed on"))
    signed_by = models.CharField(_("signed by"), max_length=100)
    file = models.FileField(
        _("signed scan"), storage=attachment_storage, upload_to=scan_path, max_length=200
    )

    class Meta:
        verbose_name = _("signed letter")
        verbose_name_plural = _("signed letters")
        ordering = ["-signed_on", "-id"]

    def audit_label(self) -> str:
        return self.letter.audit_label()
