"""Special campaigns (专项整治) and sensitive periods (特殊时期) with their daily reports.

A special campaign has a name, a period, a scope, a checklist and target places; its progress
is read from the inspections made for it and their rectifications.

During a sensitive period every community files a **daily report** — the incidents and risk
notes of the day, or a nil report (零报告) — judged on the same compliance table as the weekly
dispute screening (huiyin.screening.compliance) with days for periods. The report is about
matters: its text is checked like a patrol finding (no ID numbers, phones or plates).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from huiyin.patrols.models.places import Checklist, Place

#: The longest sensitive period (days) and campaign (days).
MAX_SENSITIVE_DAYS = 92
MAX_CAMPAIGN_DAYS = 366


class SpecialCampaign(models.Model):
    street = models.ForeignKey(
        "org.Street", models.PROTECT, related_name="+", verbose_name=_("street")
    )
    name = models.CharField(_("name"), max_length=100)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    scope = models.CharField(_("scope"), max_length=300, blank=True)
    checklist = models.ForeignKey(
        Checklist,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("checklist"),
    )
    places = models.ManyToManyField(
        Place, related_name="campaigns", blank=True, verbose_name=_("target places")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("special campaign")
        verbose_name_plural = _("special campaigns")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="campaign_dates_in_order"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def audit_label(self) -> str:
        return self.name


class SensitivePeriod(models.Model):
    street = models.ForeignKey(
        "org.Street", models.PROTECT, related_name="+", verbose_name=_("street")
    )
    name = models.CharField(_("name"), max_length=100)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sensitive period")
        verbose_name_plural = _("sensitive periods")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="sensitive_period_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def audit_label(self) -> str:
        return self.name

    def covers(self, day) -> bool:
        return self.starts_on <= day <= self.ends_on


class DailyReport(models.Model):
    """One community's report for one day of a sensitive period; a second filing amends it."""

    period = models.ForeignKey(
        SensitivePeriod, models.PROTECT, related_name="reports", verbose_name=_("sensitive period")
    )
    community = models.ForeignKey(
        "org.Community", models.PROTECT, related_name="+", verbose_name=_("community")
    )
    day = models.DateField(_("day"))
    # The deadline this report was judged against, fixed when it was first filed.
    deadline = models.DateTimeField(_("deadline"))
    is_nil = models.BooleanField(_("nil report"), default=False)
    incident_count = models.PositiveSmallIntegerField(_("incidents"), default=0)
    incidents = models.TextField(_("incidents of the day"), blank=True)
    risk_note_count = models.PositiveSmallIntegerField(_("risk notes"), default=0)
    risk_notes = models.TextField(_("risk notes of the day"), blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("filed by")
    )
    filed_at = models.DateTimeField(_("filed at"))
    amended_at = models.DateTimeField(_("last amended at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")
        ordering = ["-day", "community__order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "community", "day"], name="daily_report_once"
            ),
            models.CheckConstraint(
                condition=Q(is_nil=False) | Q(incident_count=0, risk_note_count=0),
                name="daily_report_nil_is_empty",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community_id} {self.day}"

    def audit_label(self) -> str:
        return f"{self.period_id}/{self.community_id} {self.day}"


class DailyNotice(models.Model):
    """A reminder from `huiyin tick` to one person: a community's daily report is due soon or
    missed. Once per person, period, community, day and kind (the unique constraint)."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Due soon")
        MISSED = "missed", _("Missed")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="daily_notices",
        verbose_name=_("recipient"),
    )
    period = models.ForeignKey(
        SensitivePeriod, models.CASCADE, related_name="notices", verbose_name=_("sensitive period")
    )
    community = models.ForeignKey(
        "org.Community", models.CASCADE, related_name="+", verbose_name=_("community")
    )
    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    message = models.CharField(_("message"), max_length=300)
    created_at = models.DateTimeField(_("created at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("daily report reminder")
        verbose_name_plural = _("daily report reminders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "period", "community", "day", "kind"],
                name="daily_notice_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.kind} {self.community_id} {self.day}"


class DailyReminderClaim(models.Model):
    """Which (period, community, day, kind) `huiyin tick` has reminded about: inserting the
    row is the claim, so two copies of tick never remind twice."""

    period = models.ForeignKey(SensitivePeriod, models.CASCADE, related_name="+")
    community = models.ForeignKey("org.Community", models.CASCADE, related_name="+")
    day = models.DateField()
    kind = models.CharField(max_length=10)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period", "community", "day", "kind"], name="daily_reminder_claim_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period_id} {self.community_id} {self.day} {self.kind}"
