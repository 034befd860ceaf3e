"""The five assurances (五个落实): leadership, team, venue, funding and work in place.

Each community and each unit records, per year, the state of each of the five items — in
place (落实), partly (部分落实) or not (未落实) — with a short description, the responsible
staff member where the item has one (the leader in charge, the team's head, the person who
sees the work through) and evidence files (PDF or images, kept like a letter's scan: outside
the web root, type checked from the content, withdrawn with a reason, never deleted).

An item is *complete* when it is in place and at least one live evidence file backs it; a
body's completeness is its complete items out of five (:mod:`huiyin.assessment.services.assurances`).
A body with nothing recorded has 0 of 5.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from huiyin.assessment.bodies import one_body
from huiyin.cases.models import StoredFile, attachment_storage

EVIDENCE_DIR = "assurances"


class AssuranceItem(models.TextChoices):
    LEADERSHIP = "leadership", _("Leadership in place")
    TEAM = "team", _("Team in place")
    VENUE = "venue", _("Venue in place")
    FUNDING = "funding", _("Funding in place")
    WORK = "work", _("Work in place")


#: The items that name a responsible staff member (funding and the venue are things).
WITH_RESPONSIBLE = frozenset({AssuranceItem.LEADERSHIP, AssuranceItem.TEAM, AssuranceItem.WORK})


class AssuranceStatus(models.TextChoices):
    IN_PLACE = "in_place", _("In place")
    PARTLY = "partly", _("Partly in place")
    NOT_IN_PLACE = "not_in_place", _("Not in place")


class Assurance(models.Model):
    """One of the five items for one community or unit and one year."""

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
    item = models.CharField(_("item"), max_length=20, choices=AssuranceItem.choices)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=AssuranceStatus.choices,
        default=AssuranceStatus.NOT_IN_PLACE,
    )
    description = models.CharField(_("description"), max_length=500, blank=True)
    responsible = models.ForeignKey(
        "org.Staff",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible"),
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("five assurances item")
        verbose_name_plural = _("five assurances items")
        ordering = ["year", "community__order", "unit__name", "item", "id"]
        constraints = [
            one_body("assurance_one_body"),
            models.UniqueConstraint(
                fields=["year", "community", "item"],
                condition=Q(community__isnull=False),
                name="assurance_once_per_community_year_item",
            ),
            models.UniqueConstraint(
                fields=["year", "unit", "item"],
                condition=Q(unit__isnull=False),
                name="assurance_once_per_unit_year_item",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_item_display()}"

    def audit_label(self) -> str:
        body = self.community.name if self.community_id else self.unit.name
        return f"{self.year} · {body} · {self.get_item_display()}"


def evidence_path(instance, filename: str) -> str:
    return f"{EVIDENCE_DIR}/{instance.assurance_id}/{filename}"


class AssuranceEvidence(StoredFile):
    """A file showing an item is in place; withdrawn with a reason, never deleted."""

    assurance = models.ForeignKey(
        Assurance, models.PROTECT, related_name="evidence", verbose_name=_("item")
    )
    title = models.CharField(_("what it shows"), max_length=200, blank=True)
    file = models.FileField(
        _("evidence"), storage=attachment_storage, upload_to=evidence_path, max_length=200
    )

    class Meta:
        verbose_name = _("five assurances evidence")
        verbose_name_plural = _("five assurances evidence")
        ordering = ["-uploaded_at", "-id"]

    def audit_label(self) -> str:
        return self.assurance.audit_label()
