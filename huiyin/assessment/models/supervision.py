"""Supervision orders (督办, 信访工作条例 art. 40) and their escalation steps (art. 39).

An order is issued by a leader to a community or a unit about one or more matters (cases):
the ground from art. 40's list, the leader's instruction (领导批示), what is required, the
deadline and the written feedback owed — whether the suggestions were adopted — with its date
and the result. Failing to answer is escalated: 约谈, 通报, 挂牌督办, 责令限期整改 (art. 39).
Art. 43 makes failing to supervise accountable in turn: the overdue orders are reminded in the
bell and listed for the dashboard.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from huiyin.assessment.bodies import one_body


class Ground(models.TextChoices):
    """条例 art. 40: the grounds on which a body is supervised."""

    IRREGULAR_HANDLING = "irregular_handling", _("Accepted or handled against the rules")
    SHIRKING = "shirking", _("Shirking responsibility (推诿)")
    PERFUNCTORY = "perfunctory", _("Perfunctory handling (敷衍)")
    DELAY = "delay", _("Delay (拖延)")
    FALSIFICATION = "falsification", _("Falsification (弄虚作假)")
    REFUSED_OPINION = "refused_opinion", _("Refusing to carry out the handling opinion")
    OTHER = "other", _("Other failure to handle as the Regulations require")


class Result(models.TextChoices):
    PENDING = "pending", _("Awaiting feedback")
    ADOPTED = "adopted", _("Suggestions adopted")
    PARTLY = "partly", _("Suggestions partly adopted")
    NOT_ADOPTED = "not_adopted", _("Suggestions not adopted")


class Step(models.TextChoices):
    """条例 art. 39: what follows an order not answered or not carried out."""

    INTERVIEW = "interview", _("Interview (约谈)")
    NOTICE = "notice", _("Notice of criticism (通报)")
    LISTED = "listed", _("Listed supervision (挂牌督办)")
    RECTIFY = "rectify", _("Ordered to rectify within a time limit")


class SupervisionOrder(models.Model):
    # The street of the body the order goes to (its community's or unit's): orders are
    # numbered per street and year.
    street = models.ForeignKey(
        "org.Street", models.PROTECT, related_name="+", verbose_name=_("street")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    seq = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(_("number"), max_length=40, unique=True)
    issued_on = models.DateField(_("issued on"))
    leader = models.ForeignKey(
        "org.Staff", models.PROTECT, related_name="+", verbose_name=_("issuing leader")
    )
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
    cases = models.ManyToManyField(
        "cases.Case", related_name="supervision_orders", verbose_name=_("matters")
    )
    ground = models.CharField(
        _("ground (Regulations art. 40)"), max_length=30, choices=Ground.choices
    )
    instruction = models.TextField(_("leader's instruction"))
    requirements = models.TextField(_("requirements"))
    deadline = models.DateField(_("written feedback due on"))
    feedback = models.TextField(_("written feedback"), blank=True)
    feedback_on = models.DateField(_("feedback received on"), null=True, blank=True)
    feedback_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("feedback recorded by"),
    )
    result = models.CharField(
        _("result"), max_length=12, choices=Result.choices, default=Result.PENDING
    )
    result_note = models.TextField(_("result"), blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    # The deadline last reminded about in the bell (claimed once by `huiyin tick`).
    reminded_overdue_for = models.DateField(null=True, blank=True, editable=False)
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
        verbose_name = _("supervision order")
        verbose_name_plural = _("supervision orders")
        ordering = ["-issued_on", "-id"]
        constraints = [
            one_body("supervision_one_body"),
            # Numbered per street and year: each street's first order of a year is 001号.
            models.UniqueConstraint(
                fields=["street", "year", "seq"], name="supervision_street_year_seq"
            ),
        ]
        indexes = [models.Index(fields=["deadline", "feedback_on"], name="supervision_due")]

    def __str__(self) -> str:
        return self.number

    def audit_label(self) -> str:
        return self.number

    @property
    def body_name(self) -> str:
        return self.community.name if self.community_id else self.unit.name

    # What the document engine reads of its subject (huiyin.reports.documents.supervision).
    kind = "supervision"
    withdrawn = False

    @property
    def title(self) -> str:
        return f"{self.body_name} · {self.get_ground_display()}"

    @property
    def status_label(self) -> str:
        if self.closed_on:
            return str(_("closed"))
        if self.feedback_on:
            return str(self.get_result_display())
        return str(Result.PENDING.label)

    def overdue_on(self, day) -> bool:
        """No written feedback by the end of its deadline, judged at the end of `day`."""
        return self.feedback_on is None and self.deadline < day

    @property
    def answered_late(self) -> bool:
        return self.feedback_on is not None and self.feedback_on > self.deadline


class Escalation(models.Model):
    order = models.ForeignKey(
        SupervisionOrder, models.PROTECT, related_name="escalations", verbose_name=_("order")
    )
    step = models.CharField(_("step"), max_length=12, choices=Step.choices)
    on = models.DateField(_("date"))
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation steps")
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.step} {self.on}"
