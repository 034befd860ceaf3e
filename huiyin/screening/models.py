"""Weekly dispute screening reports (一周一排查、一周一上报).

Every reporting body — a community, a grid, or a unit given the duty — files one
:class:`ScreeningReport` per period (an ISO week by default, see :mod:`.periods`): either a
nil report (零报告, "本周无新增") or the disputes found, each a :class:`ScreeningItem` that
links a dispute case (one registered through the disputes kind, or an open one already on
record). Items are matters with a count of the people involved, never a list of residents.

A body is named by three columns used the same way on duties, reports: ``grid`` (with its
``community`` filled in too, so a community's scope covers its grids' rows), ``community``
alone, or ``unit`` alone. A second filing for the same body and period amends the report;
each filing and amendment is kept as a :class:`ScreeningReportVersion` (append-only).
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from huiyin.cases.models import AppendOnlyModel

#: The three shapes a body may have (a grid row carries its community as well).
BODY_SHAPE = (
    Q(grid__isnull=False, community__isnull=False, unit__isnull=True)
    | Q(grid__isnull=True, community__isnull=False, unit__isnull=True)
    | Q(grid__isnull=True, community__isnull=True, unit__isnull=False)
)


PERIOD_CHOICES = [("week", _("ISO week")), ("month", _("Month"))]


class BodyKind(models.TextChoices):
    COMMUNITY = "community", _("Community")
    GRID = "grid", _("Grid")
    UNIT = "unit", _("Unit")


class BodyFields(models.Model):
    """The reporting body: a community, a grid (with its community) or a unit."""

    street = models.ForeignKey(
        "org.Street", models.PROTECT, related_name="+", verbose_name=_("street")
    )
    community = models.ForeignKey(
        "org.Community",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("community"),
    )
    grid = models.ForeignKey(
        "org.Grid", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("grid")
    )
    unit = models.ForeignKey(
        "org.Unit", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("unit")
    )

    class Meta:
        abstract = True

    @property
    def body_kind(self) -> str:
        if self.grid_id:
            return BodyKind.GRID
        if self.unit_id:
            return BodyKind.UNIT
        return BodyKind.COMMUNITY

    @property
    def body_key(self) -> tuple[str, int]:
        """("grid", 7), ("community", 3) or ("unit", 2): the same for a duty and its reports."""
        kind = self.body_kind
        pk = {"grid": self.grid_id, "unit": self.unit_id}.get(kind, self.community_id)
        return kind, pk

    @property
    def body_name(self) -> str:
        if self.grid_id:
            return str(self.grid)
        if self.unit_id:
            return self.unit.name
        return self.community.name


class ScreeningDuty(BodyFields):
    """Who must report: one body, from a day and, once it ends, to a day.

    Every community and grid of a street has one by default (``services.ensure_duties``);
    a unit (a school, an enterprise, a hospital) reports once an administrator gives it one.
    Ending a duty (a grid merged into another) keeps its reports; a body whose duty ended is
    not given a new one automatically.
    """

    active_from = models.DateField(_("reports from"))
    active_to = models.DateField(_("reports until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    # The period `huiyin tick` last reminded about, as "due soon" and as "missed": claimed
    # with a conditional UPDATE so two copies of tick never remind twice (as Clock does).
    reminded_soon_for = models.DateField(_("reminded due soon for"), null=True, blank=True)
    reminded_missed_for = models.DateField(_("reminded missed for"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("screening duty")
        verbose_name_plural = _("screening duties")
        ordering = ["street", "community__order", "grid__order", "unit__name", "id"]
        constraints = [
            models.CheckConstraint(condition=BODY_SHAPE, name="screening_duty_body_shape"),
            models.CheckConstraint(
                condition=Q(active_to__isnull=True) | Q(active_to__gte=models.F("active_from")),
                name="screening_duty_dates_in_order",
            ),
            # One running duty per body; ended ones stay as history.
            models.UniqueConstraint(
                fields=["grid"],
                condition=Q(grid__isnull=False, active_to__isnull=True),
                name="screening_duty_one_open_grid",
            ),
            models.UniqueConstraint(
                fields=["community"],
                condition=Q(grid__isnull=True, community__isnull=False, active_to__isnull=True),
                name="screening_duty_one_open_community",
            ),
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(unit__isnull=False, active_to__isnull=True),
                name="screening_duty_one_open_unit",
            ),
        ]

    def __str__(self) -> str:
        return self.body_name

    def audit_label(self) -> str:
        return self.body_name

    def active_in(self, start, end) -> bool:
        """Whether the duty runs on some day of [start, end]."""
        return self.active_from <= end and (self.active_to is None or self.active_to >= start)


class ScreeningReport(BodyFields):
    """One body's report for one period; a second filing amends it (see the versions)."""

    period_kind = models.CharField(
        _("period"), max_length=10, choices=PERIOD_CHOICES, default="week"
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    # The deadline this report was judged against, fixed when it was first filed.
    deadline = models.DateTimeField(_("deadline"))
    is_nil = models.BooleanField(_("nil report"), default=False)
    note = models.TextField(_("note"), blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="+",
        verbose_name=_("filed by"),
    )
    filed_at = models.DateTimeField(_("filed at"))
    amended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last amended by"),
    )
    amended_at = models.DateTimeField(_("last amended at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("screening report")
        verbose_name_plural = _("screening reports")
        ordering = ["-period_start", "community__order", "grid__order", "id"]
        constraints = [
            models.CheckConstraint(condition=BODY_SHAPE, name="screening_report_body_shape"),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="screening_report_period_in_order",
            ),
            models.UniqueConstraint(
                fields=["grid", "period_start", "period_end"],
                condition=Q(grid__isnull=False),
                name="screening_report_once_per_grid",
            ),
            models.UniqueConstraint(
                fields=["community", "period_start", "period_end"],
                condition=Q(grid__isnull=True, community__isnull=False),
                name="screening_report_once_per_community",
            ),
            models.UniqueConstraint(
                fields=["unit", "period_start", "period_end"],
                condition=Q(unit__isnull=False),
                name="screening_report_once_per_unit",
            ),
        ]
        indexes = [models.Index(fields=["street", "period_start"], name="screening_report_period")]

    def __str__(self) -> str:
        return f"{self.body_name} {self.period_start}"

    def audit_label(self) -> str:
        return f"{self.body_name} {self.period_label}"

    @property
    def period_label(self) -> str:
        return self.period.label

    @property
    def period(self):
        from huiyin.screening.periods import Period

        return Period(self.period_start, self.period_end, self.period_kind)

    @property
    def on_time(self) -> bool:
        """Filed no later than its deadline (an amendment afterwards does not make it late)."""
        return on_time(self.filed_at, self.deadline)


def on_time(filed_at: datetime, deadline: datetime) -> bool:
    return filed_at <= deadline


class ScreeningReportVersion(AppendOnlyModel):
    """The report as one filing left it: the first filing is version 1, each amendment the next.

    Append-only, like a case's timeline: nothing here is ever changed or removed.
    """

    class Action(models.TextChoices):
        FILED = "filed", _("Filed")
        AMENDED = "amended", _("Amended")

    report = models.ForeignKey(
        ScreeningReport, models.PROTECT, related_name="versions", verbose_name=_("report")
    )
    version = models.PositiveIntegerField(_("version"))
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("by")
    )
    is_nil = models.BooleanField(_("nil report"), default=False)
    note = models.TextField(_("note"), blank=True)
    # How many disputes the report listed after this filing, and how many it added.
    item_count = models.PositiveIntegerField(_("disputes listed"), default=0)
    items_added = models.PositiveIntegerField(_("disputes added"), default=0)
    on_time = models.BooleanField(_("before the deadline"), default=True)

    class Meta(AppendOnlyModel.Meta):
        verbose_name = _("screening report version")
        verbose_name_plural = _("screening report versions")
        ordering = ["report", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "version"], name="screening_version_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.report_id} v{self.version}"


class ScreeningItem(AppendOnlyModel):
    """One dispute found: a dispute case, registered from the report or linked to it.

    Only the count of people involved is kept here: who they are belongs to the dispute's own
    record (matters, not people).
    """

    class How(models.TextChoices):
        REGISTERED = "registered", _("Registered from this report")
        LINKED = "linked", _("Linked to an open dispute")

    report = models.ForeignKey(
        ScreeningReport, models.PROTECT, related_name="items", verbose_name=_("report")
    )
    case = models.ForeignKey(
        "cases.Case", models.PROTECT, related_name="screening_items", verbose_name=_("dispute")
    )
    how = models.CharField(_("how"), max_length=12, choices=How.choices)
    people_count = models.PositiveIntegerField(_("people involved"))
    added_in_version = models.PositiveIntegerField(_("added in version"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("added by")
    )
    added_at = models.DateTimeField(_("added at"))

    class Meta(AppendOnlyModel.Meta):
        verbose_name = _("dispute found")
        verbose_name_plural = _("disputes found")
        ordering = ["report", "id"]
        constraints = [
            models.UniqueConstraint(fields=["report", "case"], name="screening_item_once"),
            models.CheckConstraint(
                condition=Q(people_count__gte=1), name="screening_item_people_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.case_id}"


class ScreeningNotice(models.Model):
    """A reminder from `huiyin tick` to one person: a body's report is due soon, or missed.

    Once per person, body (duty), period and kind: the unique constraint is the database's
    guarantee, the duty's ``reminded_*_for`` columns the claim that keeps two copies of tick
    from doing the work twice.
    """

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Due soon")
        MISSED = "missed", _("Missed")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="screening_notices",
        verbose_name=_("recipient"),
    )
    duty = models.ForeignKey(
        ScreeningDuty, models.CASCADE, related_name="notices", verbose_name=_("screening duty")
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    deadline = models.DateTimeField(_("deadline"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    message = models.CharField(_("message"), max_length=300)
    created_at = models.DateTimeField(_("created at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("screening reminder")
        verbose_name_plural = _("screening reminders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "duty", "period_start", "kind"],
                name="screening_notice_once",
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="screening_notice_unread")]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.kind} {self.duty_id} {self.period_start}"
