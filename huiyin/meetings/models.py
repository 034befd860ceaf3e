"""Meetings (例会, 信访工作条例 art. 13) and the tasks they decide.

A meeting has a date, a chair and its attendees (staff), an agenda whose items may each name a
matter (a case), its decisions in words, and tasks: each a resolution action (调查核实, 答复,
调解 …, :class:`Action`) with an owner, a due date and optionally the matter it resolves. There
is no task for watching a person (no 稳控, no 看护): DESIGN.md principle 1. A task is open until
its owner or the office marks it done, with the day and the result; an open task past its due
date (Beijing today) is overdue. The next meeting's page shows what earlier meetings left open
and what was done since (follow-through); the minutes (会议纪要) are a document.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MeetingKind(models.TextChoices):
    REGULAR = "regular", _("Regular meeting (例会)")
    JOINT = "joint", _("Joint meeting (联席会议)")
    SPECIAL = "special", _("Special meeting on a matter (专题会议)")


class Action(models.TextChoices):
    """What a task does: resolve a matter. Nothing else is a task."""

    INVESTIGATE = "investigate", _("Investigate and verify the facts")
    REPLY = "reply", _("Reply")
    MEDIATE = "mediate", _("Mediate")
    RECTIFY = "rectify", _("Rectify")
    COORDINATE = "coordinate", _("Coordinate the departments")
    FOLLOW_UP = "follow_up", _("Follow-up visit")
    OTHER = "other", _("Other resolution action")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class Meeting(models.Model):
    street = models.ForeignKey(
        "org.Street", models.PROTECT, related_name="+", verbose_name=_("street")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    seq = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(_("number"), max_length=40, unique=True)
    held_on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=120)
    meeting_kind = models.CharField(
        _("kind of meeting"), max_length=12, choices=MeetingKind.choices
    )
    place = models.CharField(_("place"), max_length=80, blank=True)
    chair = models.ForeignKey(
        "org.Staff", models.PROTECT, related_name="+", verbose_name=_("chair")
    )
    attendees = models.ManyToManyField(
        "org.Staff", related_name="meetings", verbose_name=_("attendees")
    )
    decisions = models.TextField(_("decisions"), blank=True)
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
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-held_on", "-id"]
        constraints = [
            # Numbered per street and year: each street's first meeting of a year is 1号.
            models.UniqueConstraint(
                fields=["street", "year", "seq"], name="meeting_street_year_seq"
            ),
        ]
        indexes = [models.Index(fields=["held_on"], name="meeting_held_on")]

    def __str__(self) -> str:
        return self.number

    def audit_label(self) -> str:
        return self.number

    # What the document engine reads of its subject (huiyin.reports.documents.meetings).
    kind = "meeting"
    withdrawn = False

    @property
    def status_label(self) -> str:
        return str(self.get_meeting_kind_display())


class AgendaItem(models.Model):
    meeting = models.ForeignKey(
        Meeting, models.CASCADE, related_name="agenda", verbose_name=_("meeting")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    topic = models.CharField(_("topic"), max_length=200)
    case = models.ForeignKey(
        "cases.Case",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting_agenda",
        verbose_name=_("matter"),
    )
    note = models.TextField(_("discussion"), blank=True)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.meeting_id}:{self.order}"

    def audit_label(self) -> str:
        return f"agenda {self.pk}"


class MeetingTask(models.Model):
    meeting = models.ForeignKey(
        Meeting, models.PROTECT, related_name="tasks", verbose_name=_("meeting")
    )
    text = models.CharField(_("what to do"), max_length=300)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    owner = models.ForeignKey(
        "org.Staff", models.PROTECT, related_name="meeting_tasks", verbose_name=_("owner")
    )
    due_on = models.DateField(_("due on"))
    case = models.ForeignKey(
        "cases.Case",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting_tasks",
        verbose_name=_("matter"),
    )
    status = models.CharField(
        _("status"), max_length=8, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)
    result = models.TextField(_("result"), blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("marked done by"),
    )
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
        verbose_name = _("meeting task")
        verbose_name_plural = _("meeting tasks")
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open", done_on__isnull=True)
                | models.Q(status="done", done_on__isnull=False),
                name="meeting_task_done_has_day",
            ),
            models.CheckConstraint(
                condition=models.Q(action__in=Action.values),
                name="meeting_task_resolution_action",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="meeting_task_due")]

    def __str__(self) -> str:
        return f"task {self.pk}"

    def audit_label(self) -> str:
        return f"meeting task {self.pk}"

    @property
    def is_done(self) -> bool:
        return self.status == TaskStatus.DONE

    def overdue_on(self, day: date) -> bool:
        """Open at the end of `day` with its due date before it."""
        return self.status == TaskStatus.OPEN and self.due_on < day
