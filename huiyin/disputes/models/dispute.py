"""The dispute part of a case and its parties.

A dispute is one :class:`~huiyin.cases.models.Case` (kind "dispute", letter 调) plus a
:class:`Dispute` row; its parties are :class:`Party` rows, with a natural person's identity
encrypted at rest and masked exactly like a petitioner's. Rows change only through
:mod:`huiyin.disputes.services` and the dispute workflow (:mod:`huiyin.disputes.workflow`).
No fee field anywhere: people's mediation is free (人民调解法 art. 4).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from huiyin.cases.models import Case
from huiyin.disputes.models.registry import Tier
from huiyin.privacy.fields import BlindIndexField, EncryptedTextField


class Status(models.TextChoices):
    """The states of a dispute (the workflow table is in workflow.py)."""

    REGISTERED = "registered", _("Registered")
    MEDIATING = "mediating", _("In mediation")
    AGREED = "agreed", _("Agreement reached")
    PERFORMING = "performing", _("Performance under supervision")
    CLOSED = "closed", _("Closed with agreement")
    FAILED = "failed", _("Mediation failed")
    REFUSED = "refused", _("Mediation refused")
    TRANSFERRED = "transferred", _("Transferred")


class Source(models.TextChoices):
    """How the dispute came to the committee (人民调解法 art. 17–18; 条例 art. 33)."""

    APPLICATION = "application", _("A party's application")
    INITIATIVE = "initiative", _("Mediation on the committee's initiative")
    SCREENING = "screening", _("Found in screening")
    COURT_ASSIGNED = "court_assigned", _("Assigned by a court before filing")
    COURT_ENTRUSTED = "court_entrusted", _("Entrusted by a court after filing")
    POLICE = "police", _("Referred by the police")
    PETITION = "petition", _("Turned from a petition")
    PATROL = "patrol", _("Found on patrol")
    OTHER = "other", _("Other")


#: Sources that name the court and its document (特邀调解规定 art. 11, 27).
COURT_SOURCES = (Source.COURT_ASSIGNED, Source.COURT_ENTRUSTED)


class Outcome(models.TextChoices):
    """How the mediation ended (the ledger's 调解结果, besides "in mediation")."""

    AGREEMENT = "agreement", _("Mediated successfully")
    FAILED = "failed", _("Mediation failed")
    REFUSED = "refused", _("A party refused mediation")
    TRANSFERRED = "transferred", _("Transferred")


class ChosenBy(models.TextChoices):
    """Who chose the mediators (art. 19)."""

    PARTIES = "parties", _("Chosen by the parties")
    COMMITTEE = "committee", _("Assigned by the committee")


class Manner(models.TextChoices):
    """How something was told or agreed (consent, rights, the art. 26 notice, a follow-up)."""

    WRITTEN = "written", _("In writing")
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("By phone")
    OTHER = "other", _("Other")


_DEPTH = ("case__category", "case__category__parent", "case__category__parent__parent")


class DisputeQuerySet(models.QuerySet):
    def of_type(self, category) -> DisputeQuerySet:
        """Disputes of `category` or of any type below it (a ledger or a figure naming 劳动争议
        takes in 欠薪); the seeded tree is two levels deep, three are looked at."""
        condition = Q(pk__in=[])
        for path in _DEPTH:
            condition |= Q(**{path: category})
        return self.filter(condition)

    def labour(self) -> DisputeQuerySet:
        """Labour disputes (HUIYIN_DISPUTE_LABOUR_TYPES and the types below them)."""
        from huiyin.disputes.rules import labour_types

        names = labour_types()
        condition = Q(pk__in=[])
        for path in _DEPTH:
            condition |= Q(**{f"{path}__name__in": names})
        return self.filter(condition)


class Dispute(models.Model):
    """The dispute part of a case (primary key = the case)."""

    case = models.OneToOneField(
        Case, models.PROTECT, primary_key=True, related_name="dispute", verbose_name=_("case")
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    # The front desk's receipt code (the same codes as petitions'): the public tracker follows
    # it with a party's track_hash. None for disputes registered elsewhere (no slip given).
    receipt_code = models.CharField(
        _("receipt code"), max_length=16, unique=True, null=True, blank=True, editable=False
    )
    # Court-referred mediation (特邀调解): the court, its document, and for 委托 the procedure.
    court_name = models.CharField(_("court"), max_length=100, blank=True)
    court_document = models.CharField(_("court document number"), max_length=60, blank=True)
    simplified = models.BooleanField(_("simplified procedure"), default=False)
    # The day the mediator signed for the court's materials: the court period runs from it
    # (特邀调解规定 art. 27); the date received when not given.
    materials_received_on = models.DateField(
        _("court materials received on"), null=True, blank=True
    )
    # 信访转入 (条例 art. 33): the petition this mediation came from.
    petition_case = models.ForeignKey(
        Case,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="mediations",
        limit_choices_to={"kind": "petition"},
        verbose_name=_("petition it came from"),
    )
    facts = models.TextField(_("facts"), blank=True)
    claims = models.TextField(_("claims"), blank=True)
    amount = models.DecimalField(
        _("amount involved (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    people_count = models.PositiveIntegerField(_("people involved"), null=True, blank=True)
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices)
    committee = models.ForeignKey(
        "disputes.Committee",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="disputes",
        verbose_name=_("committee"),
    )
    mediators = models.ManyToManyField(
        "disputes.Mediator", blank=True, related_name="disputes", verbose_name=_("mediators")
    )
    mediators_chosen_by = models.CharField(
        _("mediators chosen by"), max_length=20, choices=ChosenBy.choices, blank=True
    )

    # The mediation itself: started (受理), ended (agreement, failure, refusal, transfer).
    started_on = models.DateField(_("mediation started on"), null=True, blank=True)
    ended_on = models.DateField(_("mediation ended on"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    failure_reason = models.TextField(_("reason mediation failed"), blank=True)
    # Art. 26: the parties were told they may go to arbitration, administrative or judicial
    # routes; required before a failure is recorded.
    routes_told_on = models.DateField(_("told of other routes on"), null=True, blank=True)
    routes_manner = models.CharField(
        _("told of other routes"), max_length=20, choices=Manner.choices, blank=True
    )
    routes_text = models.TextField(_("routes the parties were told of"), blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    # A court period extended with every party's consent (特邀调解规定 art. 27).
    court_extended_to = models.DateField(_("court period extended to"), null=True, blank=True)
    court_extension_consented_on = models.DateField(
        _("parties consented to the extension on"), null=True, blank=True
    )

    objects = DisputeQuerySet.as_manager()

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="dispute_amount_min"
            ),
            models.CheckConstraint(
                condition=Q(people_count__isnull=True) | Q(people_count__gte=1),
                name="dispute_people_min",
            ),
        ]
        indexes = [
            # The list's source, tier and committee filters: each value's disputes read from
            # the index alone, their cases then found by key in the cases' index
            # ``dispute_case_filters`` (migration 0008; bench/README.md, "Dispute list").
            models.Index(fields=["source", "case"], name="dispute_source_case"),
            models.Index(fields=["tier", "case"], name="dispute_tier_case"),
            models.Index(fields=["committee", "case"], name="dispute_committee_case"),
            # The statistics count mediations started and ended in a period: by these dates,
            # so their cost follows the period, not the history.
            models.Index(fields=["started_on"], name="dispute_started_on"),
            models.Index(fields=["ended_on"], name="dispute_ended_on"),
        ]

    def __str__(self) -> str:
        return self.case.number

    def audit_label(self) -> str:
        return self.case.number

    @property
    def is_labour(self) -> bool:
        """A labour dispute (劳动争议, 欠薪 below it): derived from the type, never stored."""
        from huiyin.disputes.rules import is_labour_category

        return is_labour_category(self.case.category)

    @property
    def is_court_referred(self) -> bool:
        return self.source in COURT_SOURCES

    def current_agreement(self):
        """The latest agreement (a new one follows a rejected judicial confirmation)."""
        return self.agreements.order_by("-id").first()


class Party(models.Model):
    """One party of a dispute: side A (申请人) or side B (被申请人).

    A natural person's name, ID number, phone and address are encrypted at rest with masked
    copies for lists, and the same blind indexes as a petitioner's for exact look-up. An
    organisation has its name, address and legal representative. A party exists only in its
    dispute's record: nothing links it to another matter.
    """

    class Side(models.TextChoices):
        A = "a", _("Applicant")
        B = "b", _("Respondent")

    class PartyKind(models.TextChoices):
        PERSON = "person", _("Natural person")
        ORGANISATION = "organisation", _("Organisation")

    dispute = models.ForeignKey(
        Dispute, models.PROTECT, related_name="parties", verbose_name=_("dispute")
    )
    side = models.CharField(_("side"), max_length=1, choices=Side.choices)
    kind = models.CharField(
        _("kind of party"), max_length=20, choices=PartyKind.choices, default=PartyKind.PERSON
    )
    name = EncryptedTextField(_("name"), index_field="name_hash", index_purpose="name")
    name_hash = BlindIndexField()
    # A person's name masked (张*); an organisation's name as it is.
    name_masked = models.CharField(_("name (masked)"), max_length=100)
    id_number = EncryptedTextField(
        _("resident ID"), blank=True, index_field="id_number_hash", index_purpose="resident_id"
    )
    id_number_hash = BlindIndexField()
    id_number_masked = models.CharField(_("resident ID (masked)"), max_length=20, blank=True)
    phone = EncryptedTextField(
        _("phone"), blank=True, index_field="phone_hash", index_purpose="phone"
    )
    phone_hash = BlindIndexField()
    phone_masked = models.CharField(_("phone (masked)"), max_length=20, blank=True)
    address = EncryptedTextField(_("address"), blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=40, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # Receipt code + the phone's last four digits, blind-indexed like a petitioner's: only the
    # party who was given the receipt at the front desk has one.
    track_hash = BlindIndexField()

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["side", "order", "id"]

    def __str__(self) -> str:
        return self.name_masked

    def audit_label(self) -> str:
        return self.name_masked

    @property
    def is_person(self) -> bool:
        return self.kind == self.PartyKind.PERSON
