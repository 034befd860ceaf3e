"""Decision risk assessments (社会稳定风险评估, 重大行政决策程序暂行条例 art. 22–24, 42 参照).

An assessment is of a decision or project, never of a person: its consultations are counted
by stakeholder group (how many took part, for, against, neutral — never who), its risk points
are issues (the compensation standard, the procedure), each rated for likelihood and impact
with the measures that prevent it, and each measure is followed up by a member of staff.

    draft → consulting → reviewed → concluded → decided

A consultation moves a draft to consulting; the four-dimension review (合法性、合理性、可行性、
可控性, 中办发〔2012〕2号) moves it to reviewed; the conclusion and its level (local:
:mod:`huiyin.riskassessments.levels`) need both; the decision taken needs the conclusion.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from huiyin.riskassessments import levels

MAX_PARTICIPANTS = 100_000


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONSULTING = "consulting", _("Consulting")
    REVIEWED = "reviewed", _("Reviewed")
    CONCLUDED = "concluded", _("Concluded")
    DECIDED = "decided", _("Decided")


#: The order of the statuses: a step never goes back.
STATUS_ORDER = [s.value for s in Status]


class AssessorKind(models.TextChoices):
    SELF = "self", _("Assessed by the responsible body itself")
    THIRD_PARTY = "third_party", _("Third-party assessor")


class DecisionTaken(models.TextChoices):
    IMPLEMENT = levels.IMPLEMENT, _("Implement")
    ADJUSTED = levels.ADJUSTED, _("Implement after adjustment")
    POSTPONE = levels.POSTPONE, _("Postpone")
    REJECT = levels.REJECT, _("Do not implement")


class Finding(models.TextChoices):
    PASS = "pass", _("Passes")
    CONCERN = "concern", _("Concern")


#: The four dimensions of the review (四性), in their order: (field prefix, label, 中文).
DIMENSIONS = (
    ("legality", _("Legality"), "合法性"),
    ("reasonableness", _("Reasonableness"), "合理性"),
    ("feasibility", _("Feasibility"), "可行性"),
    ("controllability", _("Controllability"), "可控性"),
)


class RiskAssessment(models.Model):
    year = models.PositiveSmallIntegerField(_("year"))
    seq = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(_("number"), max_length=40, unique=True)
    street = models.ForeignKey(
        "org.Street", models.PROTECT, related_name="+", verbose_name=_("street")
    )
    title = models.CharField(_("decision or project"), max_length=200)
    description = models.TextField(_("description of the decision or project"))
    unit = models.ForeignKey(
        "org.Unit",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible unit"),
    )
    body_name = models.CharField(_("responsible body"), max_length=100, blank=True)
    leader = models.ForeignKey(
        "org.Staff", models.PROTECT, related_name="+", verbose_name=_("responsible leader")
    )
    assessor_kind = models.CharField(
        _("assessor"), max_length=12, choices=AssessorKind.choices, default=AssessorKind.SELF
    )
    assessor_name = models.CharField(_("assessing body"), max_length=100)
    plan = models.TextField(_("assessment plan"))
    response_plan = models.TextField(_("response plan"), blank=True)
    opened_on = models.DateField(_("assessment started on"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    # The four-dimension review (四性): a finding and pass/concern each.
    legality_result = models.CharField(max_length=8, choices=Finding.choices, blank=True)
    legality_finding = models.TextField(blank=True)
    reasonableness_result = models.CharField(max_length=8, choices=Finding.choices, blank=True)
    reasonableness_finding = models.TextField(blank=True)
    feasibility_result = models.CharField(max_length=8, choices=Finding.choices, blank=True)
    feasibility_finding = models.TextField(blank=True)
    controllability_result = models.CharField(max_length=8, choices=Finding.choices, blank=True)
    controllability_finding = models.TextField(blank=True)
    reviewed_on = models.DateField(_("reviewed on"), null=True, blank=True)
    # The conclusion: its level is one of levels.levels() (local, configurable).
    level = models.CharField(_("risk level"), max_length=20, blank=True)
    conclusion = models.TextField(_("conclusion"), blank=True)
    concluded_on = models.DateField(_("concluded on"), null=True, blank=True)
    # The decision taken on it (the assessment is an important basis, art. 24).
    decision = models.CharField(
        _("decision taken"), max_length=12, choices=DecisionTaken.choices, blank=True
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decision_body = models.CharField(_("deciding body"), max_length=100, blank=True)
    decision_note = models.TextField(_("note on the decision"), blank=True)
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
        verbose_name = _("decision risk assessment")
        verbose_name_plural = _("decision risk assessments")
        ordering = ["-opened_on", "-id"]
        constraints = [
            # Numbered per street and year: each street's first assessment of a year is 001号.
            models.UniqueConstraint(
                fields=["street", "year", "seq"], name="riskassessment_street_year_seq"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def audit_label(self) -> str:
        return self.number

    # What the document engine reads of its subject (huiyin.reports.documents.riskassessments).
    kind = "riskassessment"
    withdrawn = False

    @property
    def status_label(self) -> str:
        return str(self.get_status_display())

    @property
    def responsible(self) -> str:
        return self.unit.name if self.unit_id else self.body_name

    @property
    def level_info(self) -> levels.Level | None:
        return levels.by_code(self.level) if self.level else None

    def reached(self, status: str) -> bool:
        return STATUS_ORDER.index(self.status) >= STATUS_ORDER.index(status)

    @property
    def review_rows(self) -> list[dict]:
        return [
            {
                "code": code,
                "label": label,
                "name": name,
                "result": getattr(self, f"{code}_result"),
                "finding": getattr(self, f"{code}_finding"),
            }
            for code, label, name in DIMENSIONS
        ]

    @property
    def review_complete(self) -> bool:
        return all(row["result"] and row["finding"].strip() for row in self.review_rows)


class Method(models.TextChoices):
    QUESTIONNAIRE = "questionnaire", _("Questionnaire (问卷)")
    FORUM = "forum", _("Forum (座谈)")
    HEARING = "hearing", _("Hearing (听证)")
    PUBLICITY = "publicity", _("Public notice for comments (公示)")
    VISIT = "visit", _("Visits (走访)")


class Consultation(models.Model):
    """One consultation of one stakeholder group, in aggregate: never who said what."""

    assessment = models.ForeignKey(
        RiskAssessment, models.PROTECT, related_name="consultations", verbose_name=_("assessment")
    )
    method = models.CharField(_("method"), max_length=14, choices=Method.choices)
    group = models.CharField(_("stakeholder group"), max_length=100)
    held_on = models.DateField(_("held on"))
    participants = models.PositiveIntegerField(_("participants"))
    in_favour = models.PositiveIntegerField(_("in favour"), default=0)
    against = models.PositiveIntegerField(_("against"), default=0)
    neutral = models.PositiveIntegerField(_("neutral or no view"), default=0)
    summary = models.TextField(_("summary of views"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["held_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(participants__gte=1, participants__lte=MAX_PARTICIPANTS),
                name="consultation_participants",
            ),
            models.CheckConstraint(
                condition=Q(participants__gte=F("in_favour") + F("against") + F("neutral")),
                name="consultation_counts_bounded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id} {self.method} {self.held_on}"


class RiskPoint(models.Model):
    """An issue (补偿标准, 程序), never a person; rated likelihood × impact."""

    assessment = models.ForeignKey(
        RiskAssessment, models.PROTECT, related_name="risk_points", verbose_name=_("assessment")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    issue = models.CharField(_("risk point (an issue)"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    likelihood = models.PositiveSmallIntegerField(_("likelihood (1–5)"))
    impact = models.PositiveSmallIntegerField(_("impact (1–5)"))
    measures = models.TextField(_("prevention measures"))

    class Meta:
        verbose_name = _("risk point")
        verbose_name_plural = _("risk points")
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(likelihood__gte=1, likelihood__lte=5, impact__gte=1, impact__lte=5),
                name="riskpoint_rating_bounds",
            ),
        ]

    def __str__(self) -> str:
        return self.issue

    @property
    def rating(self) -> int:
        return self.likelihood * self.impact

    @property
    def band(self) -> str:
        return levels.band(self.rating)

    @property
    def band_label(self) -> str:
        return str(BAND_LABELS[self.band])


BAND_LABELS = {"low": _("Low"), "medium": _("Medium"), "high": _("High")}


class MeasureStatus(models.TextChoices):
    OPEN = "open", _("In progress")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("No longer needed")


class Measure(models.Model):
    """A measure followed up: who sees to it, by when, and whether it was done."""

    risk_point = models.ForeignKey(
        RiskPoint, models.PROTECT, related_name="followups", verbose_name=_("risk point")
    )
    action = models.CharField(_("measure"), max_length=200)
    owner = models.ForeignKey(
        "org.Staff", models.PROTECT, related_name="+", verbose_name=_("responsible staff")
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=8, choices=MeasureStatus.choices, default=MeasureStatus.OPEN
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"], name="riskmeasure_due")]

    def __str__(self) -> str:
        return self.action

    def overdue_on(self, day) -> bool:
        """Not done by the end of its due day, judged at the end of `day` (Beijing)."""
        return self.status == MeasureStatus.OPEN and self.due_on < day
