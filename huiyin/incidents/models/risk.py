"""Risk notes (风险提示 / 苗头信息): the street's own record of signs that a matter may turn into an
incident, never a statutory warning (预警 are issued by county level and above, 突发事件应对法
art. 63–64) and never about a person.

A note's subject is a matter, a place or a project (a wage-arrears site, a demolition project):
there is no person field, no type about a person's possible trip to a higher level, and its
level is the street's internal one, not a colour. Each note has at least one resolution task
(:class:`~huiyin.incidents.models.incident.Task`: mediation, a labour inspection, a reply…) and
closes with the action taken and any report upward; it can be linked to the incident or the
dispute it turned into.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SubjectKind(models.TextChoices):
    """What the note is about: never a person."""

    MATTER = "matter", _("A matter")
    PLACE = "place", _("A place")
    PROJECT = "project", _("A project")


class RiskType(models.TextChoices):
    WAGES = "wages", _("Wage arrears")
    LAND = "land", _("Land, demolition and resettlement")
    PROPERTY = "property", _("Property management")
    FINANCE = "finance", _("Investment and finance")
    SAFETY = "safety", _("Safety hazard")
    ENVIRONMENT = "environment", _("Environment")
    SERVICES = "services", _("Public services")
    OTHER = "other", _("Other")


class Level(models.TextChoices):
    """The street's internal level of attention (not a statutory warning level)."""

    LOW = "low", _("Low")
    ELEVATED = "elevated", _("Elevated")
    HIGH = "high", _("High")


class RiskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class RiskNoteQuerySet(models.QuerySet):
    def visible_to(self, user) -> RiskNoteQuerySet:
        """The notes inside the scope of the person's incident view (or that they wrote)."""
        from huiyin.org.access import reach_of
        from huiyin.org.roles import Perm

        reach = reach_of(user)
        condition = Q(pk__in=[])
        for perm in (Perm.INCIDENTS_VIEW, Perm.INCIDENTS_REPORT):
            scope = reach.scope(perm)
            if not scope.empty:
                condition |= scope.q(street="street", community="community", grid="grid")
        if getattr(user, "is_authenticated", False) and reach.can(Perm.INCIDENTS_REPORT):
            condition |= Q(created_by_id=user.pk)
        return self.filter(condition)


class RiskNote(models.Model):
    street = models.ForeignKey(
        "org.Street", models.PROTECT, related_name="risk_notes", verbose_name=_("street")
    )
    subject_kind = models.CharField(_("subject"), max_length=20, choices=SubjectKind.choices)
    subject = models.CharField(_("the matter, place or project"), max_length=200)
    risk_type = models.CharField(_("type"), max_length=20, choices=RiskType.choices)
    description = models.TextField(_("signs observed"))
    community = models.ForeignKey(
        "org.Community",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="risk_notes",
        verbose_name=_("community"),
    )
    grid = models.ForeignKey(
        "org.Grid",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="risk_notes",
        verbose_name=_("grid"),
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    level = models.CharField(_("internal level"), max_length=20, choices=Level.choices)
    noted_on = models.DateField(_("noted on"))
    status = models.CharField(
        _("status"), max_length=20, choices=RiskStatus.choices, default=RiskStatus.OPEN
    )
    action_taken = models.TextField(_("action taken"), blank=True)
    reported_upward = models.BooleanField(_("reported upward"), default=False)
    reported_to = models.CharField(_("reported to"), max_length=100, blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    # What it turned into (the matter, never a person).
    incident_case = models.ForeignKey(
        "cases.Case",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": "incident"},
        verbose_name=_("incident it turned into"),
    )
    dispute_case = models.ForeignKey(
        "cases.Case",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": "dispute"},
        verbose_name=_("dispute it turned into"),
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = RiskNoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("risk note")
        verbose_name_plural = _("risk notes")
        ordering = ["-noted_on", "-id"]
        indexes = [models.Index(fields=["status", "-noted_on"], name="risk_note_status")]

    def __str__(self) -> str:
        return self.subject

    def audit_label(self) -> str:
        return f"risk note {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status == RiskStatus.OPEN
