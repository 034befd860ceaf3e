"""The incident part of a case, its reports upward and the tasks of its handling.

An incident is one :class:`~huiyin.cases.models.Case` (kind "incident", letter 事) plus an
:class:`Incident` row: the case's ``received_at`` is the moment the street learned of it, its
category the incident type (below one of the four classes of 突发事件应对法 art. 2). Rows change
only through :mod:`huiyin.incidents.registration` and the incident workflow.

Matters, not people: the people involved are an estimated count and their demands as text,
never a list of participants; the only people named are staff (the leader in charge, a task's
owner) and, for an unnatural death, the next of kin as far as the handling needs, encrypted at
rest and masked on screen.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from huiyin.cases.models import Case
from huiyin.incidents.grading import Grade
from huiyin.privacy.fields import EncryptedTextField


class Status(models.TextChoices):
    """The states of an incident (the workflow table is in workflow.py)."""

    REGISTERED = "registered", _("Registered")
    HANDLING = "handling", _("Being handled")
    CONCLUDED = "concluded", _("Disposal concluded")
    CLOSED = "closed", _("Closed")


class Source(models.TextChoices):
    """How the street learned of the incident."""

    GRID = "grid", _("Grid worker")
    COMMUNITY = "community", _("Community")
    RESIDENT = "resident", _("A resident's report")
    POLICE = "police", _("Police notification")
    HOTLINE = "hotline", _("Hotline (110, 119, 120, 12345)")
    DEPARTMENT = "department", _("A department or unit")
    PATROL = "patrol", _("Found on patrol")
    HIGHER = "higher", _("Notified by a higher level")
    OTHER = "other", _("Other")


class Incident(models.Model):
    """The incident part of a case (primary key = the case)."""

    case = models.OneToOneField(
        Case, models.PROTECT, primary_key=True, related_name="incident", verbose_name=_("case")
    )
    occurred_at = models.DateTimeField(_("happened at"))
    # The moment the street learned of it: the reporting limits run from here (= case.received_at).
    learned_at = models.DateTimeField(_("learned of at"))
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    place = models.CharField(_("place"), max_length=200, blank=True)
    grade = models.CharField(
        _("grade"), max_length=20, choices=Grade.choices, default=Grade.GENERAL
    )
    # True when the grade was derived from casualties and loss (条例 art. 3), not chosen.
    grade_derived = models.BooleanField(_("grade derived from casualties and loss"), default=False)
    dispute_case = models.ForeignKey(
        Case,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": "dispute"},
        verbose_name=_("dispute behind it"),
    )
    petition_case = models.ForeignKey(
        Case,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": "petition"},
        verbose_name=_("petition behind it"),
    )
    people_count = models.PositiveIntegerField(
        _("people involved (estimate)"), null=True, blank=True
    )
    demands = models.TextField(_("demands"), blank=True)
    deaths = models.PositiveIntegerField(_("deaths"), default=0)
    missing = models.PositiveIntegerField(_("missing"), default=0)
    serious_injuries = models.PositiveIntegerField(_("seriously injured"), default=0)
    minor_injuries = models.PositiveIntegerField(_("slightly injured"), default=0)
    direct_loss = models.DecimalField(
        _("direct loss (yuan, first estimate)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
    )
    loss_note = models.TextField(_("initial loss"), blank=True)
    measures = models.TextField(_("measures taken"), blank=True)
    leader = models.ForeignKey(
        "org.Staff",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents_led",
        verbose_name=_("leader in charge"),
    )
    outcome = models.TextField(_("outcome"), blank=True)
    concluded_at = models.DateTimeField(_("disposal concluded at"), null=True, blank=True)
    aftermath = models.TextField(_("aftermath"), blank=True)
    evaluation = models.TextField(_("follow-up evaluation"), blank=True)
    evaluated_on = models.DateField(_("evaluated on"), null=True, blank=True)

    # An unnatural death: its cause is the police's to establish.
    police_notified_at = models.DateTimeField(_("police notified at"), null=True, blank=True)
    police_unit = models.CharField(_("police unit"), max_length=100, blank=True)
    conclusion_received_at = models.DateTimeField(
        _("police conclusion received at"), null=True, blank=True
    )
    police_conclusion = models.TextField(_("police conclusion"), blank=True)
    # The next of kin, only as far as the handling needs: encrypted, masked copies for pages.
    kin_name = EncryptedTextField(_("next of kin"), blank=True)
    kin_name_masked = models.CharField(_("next of kin (masked)"), max_length=40, blank=True)
    kin_relation = models.CharField(_("relation"), max_length=20, blank=True)
    kin_phone = EncryptedTextField(_("next of kin's phone"), blank=True)
    kin_phone_masked = models.CharField(_("phone (masked)"), max_length=20, blank=True)

    # The report due moment `huiyin tick` last reminded about as overdue (first, written):
    # claimed with a conditional UPDATE so two copies never remind twice.
    first_reminded_for = models.DateTimeField(null=True, blank=True, editable=False)
    written_reminded_for = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        constraints = [
            models.CheckConstraint(
                condition=Q(direct_loss__isnull=True) | Q(direct_loss__gte=0),
                name="incident_loss_min",
            ),
            models.CheckConstraint(
                condition=Q(people_count__isnull=True) | Q(people_count__gte=1),
                name="incident_people_min",
            ),
        ]
        indexes = [
            models.Index(fields=["occurred_at"], name="incident_occurred"),
            models.Index(fields=["grade"], name="incident_grade"),
        ]

    def __str__(self) -> str:
        return self.case.number

    def audit_label(self) -> str:
        return self.case.number

    @property
    def casualties(self) -> int:
        return self.deaths + self.missing + self.serious_injuries + self.minor_injuries


class Report(models.Model):
    """One report upward: 初报, 续报 n or 终报, by phone first and then in writing.

    A report is a fact once sent: it is recorded, never changed; a correction is the next 续报.
    """

    class Kind(models.TextChoices):
        FIRST = "first", _("First report")
        FOLLOW_UP = "follow_up", _("Follow-up report")
        FINAL = "final", _("Final report")

    class Channel(models.TextChoices):
        PHONE = "phone", _("By phone")
        WRITTEN = "written", _("In writing")
        IN_PERSON = "in_person", _("In person")
        OTHER = "other", _("Other")

    incident = models.ForeignKey(
        Incident, models.PROTECT, related_name="reports", verbose_name=_("incident")
    )
    kind = models.CharField(_("report"), max_length=20, choices=Kind.choices)
    # 续报一, 二 …: the number of a follow-up report; 0 for the first and the final report.
    seq = models.PositiveSmallIntegerField(_("number"), default=0)
    sent_at = models.DateTimeField(_("sent at"))
    recipient = models.CharField(_("to whom"), max_length=100)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    contents = models.TextField(_("contents"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("report upward")
        verbose_name_plural = _("reports upward")
        ordering = ["sent_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "kind", "seq", "channel"], name="incident_report_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.kind} {self.seq}"

    def audit_label(self) -> str:
        return f"{self.incident_id}:{self.kind}:{self.seq}"


class TaskAction(models.TextChoices):
    """What a task does: resolving the matter, never watching a person (no 稳控, no 看护)."""

    RESCUE = "rescue", _("Rescue and medical care")
    SITE = "site", _("Secure the site")
    VERIFY = "verify", _("Verify the facts")
    MEDIATE = "mediate", _("Mediation")
    LABOUR = "labour_inspection", _("Labour inspection")
    REPLY = "reply", _("Reply to the demands")
    AFTERMATH = "aftermath", _("Aftermath and relief")
    RECTIFY = "rectify", _("Rectify the hazard")
    COORDINATE = "coordinate", _("Coordinate the departments")
    OTHER = "other", _("Other")


class Task(models.Model):
    """A task of an incident's handling or a risk note's resolution: what, who (staff), by when."""

    incident = models.ForeignKey(
        Incident,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("incident"),
    )
    risk_note = models.ForeignKey(
        "incidents.RiskNote",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("risk note"),
    )
    action = models.CharField(_("action"), max_length=30, choices=TaskAction.choices)
    title = models.CharField(_("what to do"), max_length=200)
    owner = models.ForeignKey(
        "org.Staff", models.PROTECT, related_name="incident_tasks", verbose_name=_("owner")
    )
    due_at = models.DateTimeField(_("due at"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    result = models.TextField(_("result"), blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
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
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["due_at", "id"]
        constraints = [
            # Every task serves exactly one matter: an incident or a risk note.
            models.CheckConstraint(
                condition=(
                    Q(incident__isnull=False, risk_note__isnull=True)
                    | Q(incident__isnull=True, risk_note__isnull=False)
                ),
                name="incident_task_one_matter",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def audit_label(self) -> str:
        return f"task {self.pk}"

    @property
    def done(self) -> bool:
        return self.done_at is not None
