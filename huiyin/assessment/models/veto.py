"""Veto proposals (一票否决建议): the street proposes, the district decides.

Under the 1991 中央综治委 一票否决权制规定 the veto is decided by county-level bodies and above;
a street holds a right to propose, after inspection and assessment. A proposal names the rule
that triggers it, rests on matters — incidents, disputes and supervision orders with a
recorded handling failure, at least one — never on a citizen's petition (a petition's handling
failure enters through the supervision order issued on it), records the investigation, the
body's response, the day it was sent to the district, the district's decision and the period
the veto has effect.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from huiyin.assessment.bodies import one_body


class VetoGround(models.TextChoices):
    MAJOR_INCIDENT = "major_incident", _("A major incident with a recorded handling failure")
    LATE_REPORT = "late_report", _("An incident concealed or reported late")
    ORDER_IGNORED = "order_ignored", _("A supervision order ignored")
    RECTIFICATION_REFUSED = "rectification_refused", _("A rectification refused or not done")
    OTHER = "other", _("Another handling failure named in the published rules")


class Decision(models.TextChoices):
    PENDING = "pending", _("Not decided yet")
    APPROVED = "approved", _("Veto decided")
    REJECTED = "rejected", _("Not approved")


class VetoProposal(models.Model):
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
    ground = models.CharField(_("ground"), max_length=30, choices=VetoGround.choices)
    rule = models.CharField(_("rule that triggers it"), max_length=300)
    cases = models.ManyToManyField(
        "cases.Case", blank=True, related_name="+", verbose_name=_("matters")
    )
    orders = models.ManyToManyField(
        "assessment.SupervisionOrder",
        blank=True,
        related_name="veto_proposals",
        verbose_name=_("supervision orders"),
    )
    investigation = models.TextField(_("investigation"))
    investigated_on = models.DateField(_("investigated on"))
    response = models.TextField(_("the body's response"), blank=True)
    response_on = models.DateField(_("response received on"), null=True, blank=True)
    sent_on = models.DateField(_("sent to the district on"), null=True, blank=True)
    district_body = models.CharField(_("deciding body"), max_length=100, blank=True)
    decision = models.CharField(
        _("district's decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decision_ref = models.CharField(_("decision document"), max_length=100, blank=True)
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    effective_to = models.DateField(_("effective until"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("veto proposal")
        verbose_name_plural = _("veto proposals")
        ordering = ["-created_at", "-id"]
        constraints = [one_body("veto_one_body")]

    def __str__(self) -> str:
        return f"{self.pk} {self.rule[:40]}"

    def audit_label(self) -> str:
        return f"{self.body_name} · {self.get_ground_display()}"

    @property
    def body_name(self) -> str:
        return self.community.name if self.community_id else self.unit.name

    @property
    def stage(self) -> str:
        if self.decision != Decision.PENDING:
            return "decided"
        if self.sent_on:
            return "sent"
        if self.response_on:
            return "answered"
        return "investigated"
