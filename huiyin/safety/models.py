"""平安创建: safe-community creation statuses, the community 四无 criteria, awareness surveys.

* :class:`Creation` — one community or unit (exactly one) applying for a title (平安社区/小区/
  家庭, 平安单位/校园/企业) for a year. Its status history is append-only: each
  :class:`StatusChange` (申报 applied, 考评 assessed, 命名 awarded, 撤销 revoked) is a row
  with its date, the awarding or deciding body, the document number and a note; a revocation
  carries its reason. ``Creation.status`` is the last change, kept for the lists.
* :class:`CriterionFigure` — one of the community's 四无 criteria for a period, always with its
  source. Criminal and public-security case counts come from the police's figures with the
  document they came from (the street does not count crimes); safety accidents may be taken
  from the incident ledger (source 事件台账); "上访案件" is only a figure someone reported, with
  its source — never computed from petitions, never a pass or a fail.
* :class:`Survey` — an awareness (知晓率) or participation (参与率) survey: method, sample
  size, date, numerator and denominator. The rate is computed, never entered.

Rows are never edited: a later figure or survey for the same thing supersedes the earlier one
in the summaries, and both stay on file.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from huiyin.assessment.bodies import one_body


class Category(models.TextChoices):
    COMMUNITY = "community", _("Safe community")
    COMPOUND = "compound", _("Safe residential compound")
    FAMILY = "family", _("Safe family")
    UNIT = "unit", _("Safe unit")
    CAMPUS = "campus", _("Safe campus")
    ENTERPRISE = "enterprise", _("Safe enterprise")


#: The titles a community applies for, and those a unit does.
COMMUNITY_CATEGORIES = (Category.COMMUNITY, Category.COMPOUND, Category.FAMILY)
UNIT_CATEGORIES = (Category.UNIT, Category.CAMPUS, Category.ENTERPRISE)


class Status(models.TextChoices):
    APPLIED = "applied", _("Applied")
    ASSESSED = "assessed", _("Assessed")
    AWARDED = "awarded", _("Awarded")
    REVOKED = "revoked", _("Revoked")


class Creation(models.Model):
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
    category = models.CharField(_("title"), max_length=20, choices=Category.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    subject = models.CharField(_("what is created"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("safety creation")
        verbose_name_plural = _("safety creations")
        ordering = ["-year", "category", "id"]
        constraints = [
            one_body("safety_creation_one_body"),
            models.UniqueConstraint(
                fields=["community", "category", "year", "subject"],
                condition=Q(community__isnull=False),
                name="safety_creation_unique_community",
            ),
            models.UniqueConstraint(
                fields=["unit", "category", "year", "subject"],
                condition=Q(unit__isnull=False),
                name="safety_creation_unique_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.category} {self.pk}"

    def audit_label(self) -> str:
        return f"{self.body_name} · {self.year} · {self.get_category_display()}"

    @property
    def body_name(self) -> str:
        return self.community.name if self.community_id else self.unit.name


class StatusChange(models.Model):
    creation = models.ForeignKey(
        Creation, models.CASCADE, related_name="changes", verbose_name=_("safety creation")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    on = models.DateField(_("date"))
    body = models.CharField(_("awarding or deciding body"), max_length=100, blank=True)
    document_ref = models.CharField(_("document number"), max_length=100, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    note = models.TextField(_("note"), blank=True)
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
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.creation_id} {self.status} {self.on}"


class Criterion(models.TextChoices):
    CRIMINAL = "criminal", _("Criminal cases")
    PUBLIC_ORDER = "public_order", _("Public-security cases")
    ACCIDENT = "accident", _("Safety accidents")
    PETITION = "petition", _("Petition cases (reported figure only)")


#: Counted by the police, entered from their figures with the document they came from.
POLICE_CRITERIA = (Criterion.CRIMINAL, Criterion.PUBLIC_ORDER)
#: The source recorded for a safety-accident count taken from the incident ledger.
INCIDENT_LEDGER = "事件台账"
MAX_FIGURE = 100_000


class CriterionFigure(models.Model):
    community = models.ForeignKey(
        "org.Community", models.PROTECT, related_name="+", verbose_name=_("community")
    )
    criterion = models.CharField(_("criterion"), max_length=20, choices=Criterion.choices)
    start = models.DateField(_("from"))
    end = models.DateField(_("until"))
    value = models.PositiveIntegerField(_("figure"))
    source = models.CharField(_("source"), max_length=200)
    source_ref = models.CharField(_("source document"), max_length=100, blank=True)
    from_incidents = models.BooleanField(_("counted from the incident ledger"), default=False)
    note = models.CharField(_("note"), max_length=500, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("criterion figure")
        verbose_name_plural = _("criterion figures")
        ordering = ["-end", "criterion", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="safety_figure_period"),
            models.CheckConstraint(condition=~Q(source=""), name="safety_figure_source"),
            models.CheckConstraint(
                condition=Q(value__lte=MAX_FIGURE), name="safety_figure_bounded"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community_id} {self.criterion} {self.start}–{self.end}"

    def audit_label(self) -> str:
        return f"{self.community.name} · {self.get_criterion_display()} · {self.start}–{self.end}"


class SurveyKind(models.TextChoices):
    AWARENESS = "awareness", _("Awareness rate")
    PARTICIPATION = "participation", _("Participation rate")


class SurveyMethod(models.TextChoices):
    QUESTIONNAIRE = "questionnaire", _("Questionnaire")
    HOUSEHOLD = "household", _("Household visits")
    PHONE = "phone", _("Telephone")
    ONLINE = "online", _("Online")


MAX_SAMPLE = 1_000_000


class Survey(models.Model):
    community = models.ForeignKey(
        "org.Community", models.PROTECT, related_name="+", verbose_name=_("community")
    )
    kind = models.CharField(_("rate"), max_length=20, choices=SurveyKind.choices)
    method = models.CharField(_("method"), max_length=20, choices=SurveyMethod.choices)
    conducted_on = models.DateField(_("conducted on"))
    conducted_by = models.CharField(_("conducted by"), max_length=100, blank=True)
    sample_size = models.PositiveIntegerField(_("sample size"))
    numerator = models.PositiveIntegerField(_("numerator"))
    denominator = models.PositiveIntegerField(_("denominator"))
    note = models.CharField(_("explanation"), max_length=500, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-conducted_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(denominator__gte=1), name="safety_survey_denominator"
            ),
            models.CheckConstraint(
                condition=Q(numerator__lte=F("denominator")), name="safety_survey_numerator"
            ),
            models.CheckConstraint(condition=Q(sample_size__gte=1), name="safety_survey_sample"),
        ]

    def __str__(self) -> str:
        return f"{self.community_id} {self.kind} {self.conducted_on}"

    def audit_label(self) -> str:
        return f"{self.community.name} · {self.get_kind_display()} · {self.conducted_on}"

    @property
    def rate(self) -> float:
        """numerator ÷ denominator, a fraction between 0 and 1 (four places)."""
        return round(self.numerator / self.denominator, 4)
