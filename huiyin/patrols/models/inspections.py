"""Inspections of key places and the rectifications they (and patrol findings) give rise to.

An inspection is made against one version of its place's checklist: each item passes, fails
or does not apply, with an optional photo of the premises. It records its team — the street's
staff and the joint members from 公安, 文化执法, 消防救援, 市场监管 — and its **lead
authority**, since orders backed by penalties belong to the competent department (the street
records its referral and the result). Each failed item becomes a :class:`Rectification`:
item, legal basis, responsible party, deadline, re-inspection and its result, referral.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from huiyin.cases.models import StoredFile, attachment_storage
from huiyin.patrols.models.patrols import photo_path
from huiyin.patrols.models.places import Authority, Checklist, ChecklistItem, Place

#: Inspection numbers: 浓洄检〔2026〕0003号 (the documents' case-number shape).
NUMBER_LETTER = "检"


class Inspection(models.Model):
    street = models.ForeignKey(
        "org.Street", models.PROTECT, related_name="+", verbose_name=_("street")
    )
    place = models.ForeignKey(
        Place, models.PROTECT, related_name="inspections", verbose_name=_("place")
    )
    # Copied from the place when inspected: the place may move grids later.
    community = models.ForeignKey(
        "org.Community", models.PROTECT, related_name="+", verbose_name=_("community")
    )
    grid = models.ForeignKey(
        "org.Grid", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("grid")
    )
    checklist = models.ForeignKey(
        Checklist, models.PROTECT, related_name="inspections", verbose_name=_("checklist version")
    )
    campaign = models.ForeignKey(
        "patrols.SpecialCampaign",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="inspections",
        verbose_name=_("special campaign"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    seq = models.PositiveIntegerField(_("sequence number"))
    number = models.CharField(_("number"), max_length=40, unique=True)
    inspected_on = models.DateField(_("inspected on"))
    lead_authority = models.CharField(_("lead authority"), max_length=12, choices=Authority.choices)
    staff = models.ManyToManyField(
        "org.Staff", related_name="+", blank=True, verbose_name=_("street staff on the team")
    )
    joint_members = models.TextField(_("joint members"), blank=True)
    findings = models.TextField(_("findings"), blank=True)
    inspector_signatures = models.CharField(_("signed by the inspectors"), max_length=200)
    place_signature = models.CharField(_("signed for the place"), max_length=40, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-inspected_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["street", "year", "seq"], name="inspection_number")
        ]

    def __str__(self) -> str:
        return self.number

    def audit_label(self) -> str:
        return self.number

    # What the shared document engine reads of its subject (as of a case).
    kind = "inspection"
    withdrawn = False

    @property
    def title(self) -> str:
        return self.place.name

    @property
    def status_label(self) -> str:
        return str(_("Inspected"))


class Result(models.TextChoices):
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")
    NA = "na", _("Not applicable")


class ItemResult(models.Model):
    inspection = models.ForeignKey(
        Inspection, models.PROTECT, related_name="results", verbose_name=_("inspection")
    )
    item = models.ForeignKey(
        ChecklistItem, models.PROTECT, related_name="+", verbose_name=_("checklist item")
    )
    result = models.CharField(_("result"), max_length=4, choices=Result.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("checklist result")
        verbose_name_plural = _("checklist results")
        ordering = ["inspection", "item__order"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="item_result_once")
        ]

    def __str__(self) -> str:
        return f"{self.inspection_id}/{self.item_id}: {self.result}"


class ResultPhoto(StoredFile):
    """A photo of the premises for one checklist item (never of a person)."""

    result = models.ForeignKey(
        ItemResult, models.PROTECT, related_name="photos", verbose_name=_("checklist result")
    )
    file = models.FileField(
        _("file"), storage=attachment_storage, upload_to=photo_path, max_length=200
    )

    class Meta:
        verbose_name = _("inspection photo")
        verbose_name_plural = _("inspection photos")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("Being rectified")
    REFERRED = "referred", _("Referred to the competent department")
    DONE = "done", _("Rectified")


class ReinspectionResult(models.TextChoices):
    PASSED = "passed", _("Rectified")
    FAILED = "failed", _("Not rectified")


class Rectification(models.Model):
    """One thing to put right by a deadline: a failed checklist item, or a patrol finding."""

    street = models.ForeignKey(
        "org.Street", models.PROTECT, related_name="+", verbose_name=_("street")
    )
    community = models.ForeignKey(
        "org.Community", models.PROTECT, related_name="+", verbose_name=_("community")
    )
    grid = models.ForeignKey(
        "org.Grid", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("grid")
    )
    place = models.ForeignKey(
        Place,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="rectifications",
        verbose_name=_("place"),
    )
    inspection = models.ForeignKey(
        Inspection,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="rectifications",
        verbose_name=_("inspection"),
    )
    result = models.OneToOneField(
        ItemResult,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="rectification",
        verbose_name=_("failed item"),
    )
    item = models.CharField(_("what to rectify"), max_length=300)
    basis = models.CharField(_("legal basis"), max_length=200, blank=True)
    responsible_party = models.CharField(_("responsible party"), max_length=100)
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RectificationStatus.choices,
        default=RectificationStatus.OPEN,
    )
    reinspected_on = models.DateField(_("re-inspected on"), null=True, blank=True)
    reinspection_result = models.CharField(
        _("re-inspection result"),
        max_length=8,
        choices=ReinspectionResult.choices,
        blank=True,
    )
    reinspection_note = models.CharField(_("re-inspection note"), max_length=300, blank=True)
    referred_to = models.CharField(
        _("referred to"), max_length=12, choices=Authority.choices, blank=True
    )
    referred_on = models.DateField(_("referred on"), null=True, blank=True)
    referral_result = models.CharField(_("the department's result"), max_length=300, blank=True)
    done_on = models.DateField(_("rectified on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"))
    version = models.PositiveIntegerField(_("version"), default=1)
    # The deadline `huiyin tick` last reminded about as overdue: claimed with a conditional
    # UPDATE so two copies of tick never remind twice (as the case clocks are).
    reminded_overdue_for = models.DateField(_("reminded overdue for"), null=True, blank=True)

    class Meta:
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        ordering = ["deadline", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done") | Q(done_on__isnull=False),
                name="rectification_done_has_day",
            )
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="rectification_due")]

    def __str__(self) -> str:
        return self.item[:40]

    def audit_label(self) -> str:
        return f"{self.pk}: {self.item[:40]}"

    @property
    def is_open(self) -> bool:
        return self.status != RectificationStatus.DONE

    def overdue_on(self, day) -> bool:
        return self.is_open and self.deadline < day


class RectificationNotice(models.Model):
    """A reminder from `huiyin tick`: a rectification is past its deadline. Once per person,
    rectification and deadline (a new deadline after a failed re-inspection is reminded again)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="rectification_notices",
        verbose_name=_("recipient"),
    )
    rectification = models.ForeignKey(
        Rectification, models.CASCADE, related_name="notices", verbose_name=_("rectification")
    )
    deadline = models.DateField(_("deadline"))
    message = models.CharField(_("message"), max_length=300)
    created_at = models.DateTimeField(_("created at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("rectification reminder")
        verbose_name_plural = _("rectification reminders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "rectification", "deadline"], name="rectification_notice_once"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="rectification_notice_unread")
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.rectification_id} {self.deadline}"
