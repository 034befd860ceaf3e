"""A person's choice of e-mail reminders and the record of each day's digest.

Mail is an extra way to the same in-app notifications (the bell), never another source of
them: each person chooses per kind — reminders of time limits, assignments, supervision
orders (督办) — whether it comes in the day's digest or not at all. A digest row is written
before the mail leaves (claimed: one per person and day, a unique constraint) and kept with
the ids it covered, so a rerun sends nothing twice and a failed send is tried again.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: The longest address accepted (RFC 5321's limit on a forward path).
MAX_EMAIL = 254


class Mode(models.TextChoices):
    DAILY = "daily", _("In the daily digest")
    OFF = "off", _("Not by e-mail")


class Topic(models.TextChoices):
    """What a line of a digest is about (the kinds a person chooses)."""

    REMINDERS = "reminders", _("Reminders of time limits")
    ASSIGNMENTS = "assignments", _("Matters assigned to me or my unit")
    SUPERVISION = "supervision", _("Supervision orders (督办)")


class MailPreference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="mail_preference",
        verbose_name=_("account"),
    )
    email = models.EmailField(_("e-mail address"), max_length=MAX_EMAIL, blank=True)
    reminders = models.CharField(
        Topic.REMINDERS.label, max_length=10, choices=Mode.choices, default=Mode.DAILY
    )
    assignments = models.CharField(
        Topic.ASSIGNMENTS.label, max_length=10, choices=Mode.choices, default=Mode.DAILY
    )
    supervision = models.CharField(
        Topic.SUPERVISION.label, max_length=10, choices=Mode.choices, default=Mode.DAILY
    )
    # Nothing older than this goes into a digest: turning mail on sends no backlog.
    since = models.DateTimeField(_("mail since"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("e-mail reminder preference")
        verbose_name_plural = _("e-mail reminder preferences")

    def __str__(self) -> str:
        return str(self.user_id)

    def audit_label(self) -> str:
        # The address is personal data: the audit trail names the account only.
        return str(self.user_id)

    def topics(self) -> set[str]:
        return {t for t in Topic.values if getattr(self, t) == Mode.DAILY}

    @property
    def active(self) -> bool:
        return bool(self.email) and bool(self.topics())


class MailDigest(models.Model):
    """One person's digest of one day (Beijing): claimed, then sent."""

    class Status(models.TextChoices):
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="mail_digests",
        verbose_name=_("account"),
    )
    day = models.DateField(_("day"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SENDING
    )
    claimed_at = models.DateTimeField(_("claimed at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    count = models.PositiveIntegerField(_("items"), default=0)
    # What the mail covered: never listed again in a later digest.
    notification_ids = models.JSONField(_("notifications"), default=list, blank=True)
    event_ids = models.JSONField(_("assignments"), default=list, blank=True)
    order_ids = models.JSONField(_("supervision orders"), default=list, blank=True)

    class Meta:
        verbose_name = _("e-mail digest")
        verbose_name_plural = _("e-mail digests")
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="mail_digest_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"
