"""An assessment round: one published scheme applied to one period, and its results.

draft (computed, recomputed at will, manual items awarded) → published (the results shown
to every body; each may object within the scheme's ``objection_days``) → final (after the
window closed and every objection was answered). Each body's :class:`Score` keeps one
:class:`Point` per item, with what it was computed from (``detail``) and the matters behind
it (``matters``: the cases and supervision orders a lost point rests on).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from huiyin.assessment.bodies import one_body
from huiyin.assessment.models.schemes import Scheme, SchemeItem
from huiyin.cases.models import StoredFile, attachment_storage

EVIDENCE_DIR = "assessment"


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published, open to objections")
    FINAL = "final", _("Final")


class Round(models.Model):
    scheme = models.ForeignKey(
        Scheme, models.PROTECT, related_name="rounds", verbose_name=_("scheme")
    )
    # The street whose communities and units the round scores and ranks: each street assesses
    # its own, and sees only its own rounds.
    street = models.ForeignKey(
        "org.Street", models.PROTECT, related_name="+", verbose_name=_("street")
    )
    name = models.CharField(_("name"), max_length=100)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    status = models.CharField(
        _("status"), max_length=12, choices=RoundStatus.choices, default=RoundStatus.DRAFT
    )
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    objections_until = models.DateField(_("objections until"), null=True, blank=True)
    finalized_at = models.DateTimeField(_("final since"), null=True, blank=True)
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
        verbose_name = _("assessment round")
        verbose_name_plural = _("assessment rounds")
        ordering = ["-end", "-id"]

    def __str__(self) -> str:
        return self.name

    def audit_label(self) -> str:
        return f"{self.name} ({self.start}–{self.end})"


class Score(models.Model):
    """One body's result in a round."""

    round = models.ForeignKey(Round, models.CASCADE, related_name="scores", verbose_name=_("round"))
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
    total = models.DecimalField(_("score"), max_digits=8, decimal_places=2, default=0)
    max_total = models.DecimalField(_("of"), max_digits=8, decimal_places=2, default=0)
    vetoed = models.BooleanField(_("vetoed by the district"), default=False)
    rank = models.PositiveSmallIntegerField(_("rank"), default=0)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["rank", "id"]
        constraints = [one_body("score_one_body")]

    def __str__(self) -> str:
        return f"{self.round_id} {self.total}"


class Point(models.Model):
    """One item of one body's score: the points, what they were computed from, the matters."""

    score = models.ForeignKey(Score, models.CASCADE, related_name="points", verbose_name=_("score"))
    item = models.ForeignKey(SchemeItem, models.PROTECT, related_name="+", verbose_name=_("item"))
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2, null=True)
    max_points = models.DecimalField(_("maximum points"), max_digits=6, decimal_places=2)
    # What rules.explain() reads: method, key, value, target, floor, per_matter, matter count.
    detail = models.JSONField(_("details"), default=dict)
    # [{"case": id, "number": "…", "kind": "petition"} | {"order": id, "number": "…"}]
    matters = models.JSONField(_("matters"), default=list)
    # Set when an accepted objection changed the points (the computed ones stay in detail).
    adjusted = models.BooleanField(_("changed after an objection"), default=False)

    class Meta:
        verbose_name = _("point")
        verbose_name_plural = _("points")
        ordering = ["item__order", "item_id"]

    def __str__(self) -> str:
        return f"{self.score_id} {self.item_id} {self.points}"


def evidence_path(instance, filename: str) -> str:
    return f"{EVIDENCE_DIR}/{instance.round_id}/{filename}"


class ManualAward(StoredFile):
    """The points of a manual item for one body, with the evidence file they rest on."""

    round = models.ForeignKey(Round, models.PROTECT, related_name="awards", verbose_name=_("round"))
    item = models.ForeignKey(SchemeItem, models.PROTECT, related_name="+", verbose_name=_("item"))
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
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=500)
    file = models.FileField(
        _("evidence"), storage=attachment_storage, upload_to=evidence_path, max_length=200
    )

    class Meta:
        verbose_name = _("manual award")
        verbose_name_plural = _("manual awards")
        ordering = ["-uploaded_at", "-id"]
        constraints = [one_body("award_one_body")]

    def audit_label(self) -> str:
        return f"{self.round.name} · {self.item.title}"


class ObjectionOutcome(models.TextChoices):
    PENDING = "pending", _("Awaiting an answer")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class Objection(models.Model):
    """A body's objection to a point of its published score, and the office's answer."""

    round = models.ForeignKey(
        Round, models.PROTECT, related_name="objections", verbose_name=_("round")
    )
    point = models.ForeignKey(
        Point, models.PROTECT, related_name="objections", verbose_name=_("point")
    )
    text = models.TextField(_("objection"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("filed by"),
    )
    filed_on = models.DateField(_("filed on"))
    outcome = models.CharField(
        _("outcome"),
        max_length=10,
        choices=ObjectionOutcome.choices,
        default=ObjectionOutcome.PENDING,
    )
    answer = models.TextField(_("answer"), blank=True)
    new_points = models.DecimalField(
        _("points after the objection"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_on = models.DateField(_("answered on"), null=True, blank=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["filed_on", "id"]

    def __str__(self) -> str:
        return f"{self.round_id} {self.point_id} {self.outcome}"

    def audit_label(self) -> str:
        return f"{self.round.name} · {self.point.item.title}"
