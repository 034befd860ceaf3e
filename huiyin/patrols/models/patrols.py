"""Patrols (巡逻/巡查): who went where, when and for how long, and what they found.

A patrol covers a grid (or a route within a community): a grid worker's round (网格巡查), a
volunteer patrol (治安志愿巡逻, the "红袖章") or a joint patrol with the police (联防). Its team
is staff and volunteers from the street's volunteer roster (:class:`Volunteer`: team members,
never the residents patrolled).

What a patrol records are **findings of conditions and events** — a hazard, a fire risk, a
damaged facility, a dispute, an event — never a person: the text is checked for ID numbers,
phone numbers and car plates (:mod:`huiyin.patrols.rules`), the photos are of premises and
conditions. A finding becomes a rectification, a dispute or an incident in one step.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from huiyin.cases.models import StoredFile, attachment_storage
from huiyin.privacy.fields import EncryptedTextField

#: A patrol lasts at least a minute and at most a day.
MAX_DURATION_MINUTES = 24 * 60


class PatrolKind(models.TextChoices):
    GRID = "grid", _("Grid patrol")
    VOLUNTEER = "volunteer", _("Volunteer security patrol (red armband)")
    JOINT = "joint", _("Joint patrol with the police")


class Volunteer(models.Model):
    """A member of the street's volunteer patrol roster (红袖章): a team member, with a phone to
    call them for a shift. Never a list of residents."""

    street = models.ForeignKey(
        "org.Street", models.PROTECT, related_name="+", verbose_name=_("street")
    )
    community = models.ForeignKey(
        "org.Community",
        models.PROTECT,
        related_name="+",
        verbose_name=_("community"),
    )
    name = models.CharField(_("name"), max_length=40)
    phone = EncryptedTextField(_("phone"), blank=True)
    phone_masked = models.CharField(_("phone (masked)"), max_length=20, blank=True)
    active = models.BooleanField(_("on the roster"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("patrol volunteer")
        verbose_name_plural = _("patrol volunteers")
        ordering = ["community__order", "name", "id"]

    def __str__(self) -> str:
        return self.name

    def audit_label(self) -> str:
        return f"{self.community_id}/{self.pk}"


class Patrol(models.Model):
    street = models.ForeignKey(
        "org.Street", models.PROTECT, related_name="+", verbose_name=_("street")
    )
    community = models.ForeignKey(
        "org.Community", models.PROTECT, related_name="+", verbose_name=_("community")
    )
    grid = models.ForeignKey(
        "org.Grid", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("grid")
    )
    route = models.CharField(_("route"), max_length=200, blank=True)
    kind = models.CharField(_("type"), max_length=12, choices=PatrolKind.choices)
    started_at = models.DateTimeField(_("started at"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    staff = models.ManyToManyField(
        "org.Staff", related_name="+", blank=True, verbose_name=_("staff on the team")
    )
    volunteers = models.ManyToManyField(
        Volunteer, related_name="patrols", blank=True, verbose_name=_("volunteers on the team")
    )
    police_unit = models.CharField(_("police unit (joint patrol)"), max_length=80, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("patrol")
        verbose_name_plural = _("patrols")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1, duration_minutes__lte=MAX_DURATION_MINUTES),
                name="patrol_duration_in_range",
            ),
            models.CheckConstraint(
                condition=Q(grid__isnull=False) | ~Q(route=""), name="patrol_grid_or_route"
            ),
        ]
        indexes = [models.Index(fields=["street", "started_at"], name="patrol_started")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d}"

    def audit_label(self) -> str:
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def place_label(self) -> str:
        if self.grid_id:
            return str(self.grid) + (f" · {self.route}" if self.route else "")
        return f"{self.community.name} · {self.route}"


class FindingKind(models.TextChoices):
    """What a patrol may record: conditions and events, never persons."""

    HAZARD = "hazard", _("Safety hazard")
    FIRE_RISK = "fire_risk", _("Fire risk")
    DAMAGED_FACILITY = "damaged_facility", _("Damaged facility")
    CONDITION = "condition", _("Environment or order condition")
    DISPUTE = "dispute", _("Dispute")
    EVENT = "event", _("Event")


class FindingOutcome(models.TextChoices):
    OPEN = "open", _("Open")
    NOTED = "noted", _("Handled on the spot")
    RECTIFICATION = "rectification", _("Became a rectification")
    DISPUTE = "dispute", _("Became a dispute")
    INCIDENT = "incident", _("Became an incident")


class Finding(models.Model):
    patrol = models.ForeignKey(
        Patrol, models.PROTECT, related_name="findings", verbose_name=_("patrol")
    )
    kind = models.CharField(_("type"), max_length=20, choices=FindingKind.choices)
    location = models.CharField(_("where"), max_length=200)
    description = models.TextField(_("what was found"))
    place = models.ForeignKey(
        "patrols.Place",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="findings",
        verbose_name=_("key place"),
    )
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=FindingOutcome.choices, default=FindingOutcome.OPEN
    )
    outcome_note = models.CharField(_("how it was handled"), max_length=300, blank=True)
    rectification = models.OneToOneField(
        "patrols.Rectification",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="finding",
        verbose_name=_("rectification"),
    )
    # The dispute or incident the finding became (a case of that kind).
    case = models.ForeignKey(
        "cases.Case",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("case"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("patrol finding")
        verbose_name_plural = _("patrol findings")
        ordering = ["patrol", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.location}"

    def audit_label(self) -> str:
        return f"{self.get_kind_display()} {self.patrol_id}/{self.pk}"


def photo_path(instance, filename: str) -> str:
    # The name is chosen by the photo service; this is only a fallback.
    return f"patrols/{filename}"


class FindingPhoto(StoredFile):
    """A photo of the premises or the condition found (never of a person)."""

    finding = models.ForeignKey(
        Finding, models.PROTECT, related_name="photos", verbose_name=_("finding")
    )
    file = models.FileField(
        _("file"), storage=attachment_storage, upload_to=photo_path, max_length=200
    )

    class Meta:
        verbose_name = _("finding photo")
        verbose_name_plural = _("finding photos")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class RosterEntry(models.Model):
    """Who is on patrol in a grid on a day of a week (the weekly patrol roster)."""

    grid = models.ForeignKey("org.Grid", models.PROTECT, related_name="+", verbose_name=_("grid"))
    week_start = models.DateField(_("week of"))  # the Monday
    day = models.DateField(_("day"))
    kind = models.CharField(_("type"), max_length=12, choices=PatrolKind.choices)
    staff = models.ForeignKey(
        "org.Staff",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff member"),
    )
    volunteer = models.ForeignKey(
        Volunteer,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("volunteer"),
    )
    note = models.CharField(_("note"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("patrol roster entry")
        verbose_name_plural = _("patrol roster entries")
        ordering = ["week_start", "grid", "day", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(staff__isnull=False, volunteer__isnull=True)
                | Q(staff__isnull=True, volunteer__isnull=False),
                name="roster_one_person",
            ),
            models.CheckConstraint(
                condition=Q(day__gte=models.F("week_start")), name="roster_day_in_week"
            ),
        ]
        indexes = [models.Index(fields=["week_start", "grid"], name="roster_week_grid")]

    def __str__(self) -> str:
        return f"{self.grid_id} {self.day}"

    @property
    def member_name(self) -> str:
        return self.staff.name if self.staff_id else self.volunteer.name
