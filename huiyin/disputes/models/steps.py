"""What each mediation step records: consent, rights, risk, sessions, agreement, performance,
follow-up, transfers (三调对接) and judicial confirmation.

Written only by the dispute workflow's transitions, each with its timeline event and audit
entry in one transaction. Consents and rights notices are history (append-only); the others
are completed in later steps (a signature added, a police answer, a court's result).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huiyin.cases.models import AppendOnlyModel
from huiyin.disputes.models.dispute import Dispute, Manner, Party


class Consent(AppendOnlyModel):
    """A party agreed to mediation, or refused it (人民调解法 art. 17: a refusal ends it)."""

    party = models.ForeignKey(
        Party, models.PROTECT, related_name="consents", verbose_name=_("party")
    )
    agreed = models.BooleanField(_("agreed to mediation"))
    on = models.DateField(_("date"))
    manner = models.CharField(_("manner"), max_length=20, choices=Manner.choices)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta(AppendOnlyModel.Meta):
        verbose_name = _("consent to mediation")
        verbose_name_plural = _("consents to mediation")
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.party_id} {self.on} {self.agreed}"


class RightsNotice(AppendOnlyModel):
    """The parties told of the nature and effect of people's mediation and of their rights and
    duties (人民调解法 art. 23–24; 2002 rules art. 30). No party: every party present."""

    dispute = models.ForeignKey(
        Dispute, models.PROTECT, related_name="rights_notices", verbose_name=_("dispute")
    )
    party = models.ForeignKey(
        Party,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="rights_notices",
        verbose_name=_("party"),
    )
    on = models.DateField(_("date"))
    manner = models.CharField(_("manner"), max_length=20, choices=Manner.choices)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta(AppendOnlyModel.Meta):
        verbose_name = _("notice of rights")
        verbose_name_plural = _("notices of rights")
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.on}"


class RiskNote(models.Model):
    """Escalation risk of THIS dispute with its preventive measures, and the report to the
    police when it may become a public-security or criminal case (人民调解法 art. 25).

    It lives on the dispute and ends with it (``ended_on``): never about a person, never
    carried to another matter, never searchable by a person.
    """

    dispute = models.ForeignKey(
        Dispute, models.PROTECT, related_name="risk_notes", verbose_name=_("dispute")
    )
    noted_on = models.DateField(_("noted on"))
    risk = models.TextField(_("risk of escalation"))
    measures = models.TextField(_("preventive measures"))
    police_matter = models.BooleanField(
        _("may become a public-security or criminal case"), default=False
    )
    reported_on = models.DateField(_("reported to the police on"), null=True, blank=True)
    reported_to = models.CharField(_("reported to"), max_length=100, blank=True)
    police_answer = models.TextField(_("police answer"), blank=True)
    answered_on = models.DateField(_("police answered on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("risk note")
        verbose_name_plural = _("risk notes")
        ordering = ["noted_on", "id"]

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.noted_on}"

    @property
    def open(self) -> bool:
        return self.ended_on is None

    @property
    def police_report_missing(self) -> bool:
        """A police matter not reported yet (art. 25): the case page warns."""
        return self.police_matter and self.reported_on is None and self.ended_on is None


class MediationSession(models.Model):
    """One mediation session and its record (调解笔录, art. 27).

    Invitees (art. 20) are described by their role ("双方所在村民小组长"), with the parties'
    consent: never a list of people.
    """

    dispute = models.ForeignKey(
        Dispute, models.PROTECT, related_name="sessions", verbose_name=_("dispute")
    )
    on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=100)
    mediators = models.ManyToManyField(
        "disputes.Mediator", related_name="sessions", verbose_name=_("mediators")
    )
    public = models.BooleanField(_("held in public"), default=False)
    invitees = models.TextField(_("invited (roles)"), blank=True)
    invitees_consented = models.BooleanField(_("parties agreed to the invitees"), default=False)
    summary = models.TextField(_("record of the session"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.on}"


class Agreement(models.Model):
    """The mediation agreement: written (调解协议书, art. 29) or oral (art. 28, 30).

    A written one records the art. 29 contents (the parties' basic information comes from the
    Party rows), a signature per party, the mediator's signature and the committee's seal; it
    takes effect on the day the last of them was made (``effective_on``, art. 29(2)). An oral
    one records its content and takes effect the day it was reached.
    """

    class Form(models.TextChoices):
        WRITTEN = "written", _("Written agreement")
        ORAL = "oral", _("Oral agreement")

    dispute = models.ForeignKey(
        Dispute, models.PROTECT, related_name="agreements", verbose_name=_("dispute")
    )
    form = models.CharField(_("form of agreement"), max_length=10, choices=Form.choices)
    reached_on = models.DateField(_("reached on"))
    facts_and_issues = models.TextField(_("main facts and disputed matters"), blank=True)
    responsibilities = models.TextField(_("each party's responsibility"), blank=True)
    terms = models.TextField(_("agreed terms"), blank=True)
    performance_manner = models.TextField(_("manner of performance"), blank=True)
    performance_place = models.CharField(_("place of performance"), max_length=200, blank=True)
    content = models.TextField(_("content of the oral agreement"), blank=True)
    mediator = models.ForeignKey(
        "disputes.Mediator",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("mediator who signed"),
    )
    mediator_signed_on = models.DateField(_("mediator signed on"), null=True, blank=True)
    sealed_on = models.DateField(_("committee seal affixed on"), null=True, blank=True)
    effective_on = models.DateField(_("effective on"), null=True, blank=True)
    copies = models.PositiveSmallIntegerField(_("copies"), default=3)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("mediation agreement")
        verbose_name_plural = _("mediation agreements")
        ordering = ["reached_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_on__isnull=True)
                | Q(effective_on__gte=models.F("reached_on")),
                name="agreement_effective_after_reached",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.get_form_display()} {self.reached_on}"

    @property
    def is_written(self) -> bool:
        return self.form == self.Form.WRITTEN

    @property
    def effective(self) -> bool:
        return self.effective_on is not None


class AgreementSignature(models.Model):
    """A party's signature, seal or fingerprint on a written agreement, with its date."""

    class Mark(models.TextChoices):
        SIGNATURE = "signature", _("Signature")
        SEAL = "seal", _("Seal")
        FINGERPRINT = "fingerprint", _("Fingerprint")

    agreement = models.ForeignKey(
        Agreement, models.PROTECT, related_name="signatures", verbose_name=_("mediation agreement")
    )
    party = models.ForeignKey(
        Party, models.PROTECT, related_name="signatures", verbose_name=_("party")
    )
    signed_on = models.DateField(_("signed on"))
    mark = models.CharField(
        _("signed with"), max_length=20, choices=Mark.choices, default=Mark.SIGNATURE
    )

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["signed_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "party"], name="signature_once_per_party")
        ]

    def __str__(self) -> str:
        return f"{self.agreement_id} {self.party_id} {self.signed_on}"


class Performance(models.Model):
    """One performance term of an agreement with its due date, and the committee's check of it
    (art. 31): performed, partly performed, not performed."""

    class Result(models.TextChoices):
        PERFORMED = "performed", _("Performed")
        PARTLY = "partly", _("Partly performed")
        NOT_PERFORMED = "not_performed", _("Not performed")

    agreement = models.ForeignKey(
        Agreement,
        models.PROTECT,
        related_name="performances",
        verbose_name=_("mediation agreement"),
    )
    term = models.CharField(_("item to perform"), max_length=500)
    due_on = models.DateField(_("due on"))
    result = models.CharField(_("result"), max_length=20, choices=Result.choices, blank=True)
    checked_on = models.DateField(_("checked on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("performance term")
        verbose_name_plural = _("performance terms")
        ordering = ["due_on", "order", "id"]

    def __str__(self) -> str:
        return f"{self.agreement_id} {self.due_on}"

    @property
    def settled(self) -> bool:
        """The committee's check is done: performed, or checked on or after the due date."""
        return self.result == self.Result.PERFORMED or (
            bool(self.result) and self.checked_on is not None and self.checked_on >= self.due_on
        )


class FollowUp(models.Model):
    """A follow-up visit (回访) after the agreement."""

    dispute = models.ForeignKey(
        Dispute, models.PROTECT, related_name="follow_ups", verbose_name=_("dispute")
    )
    on = models.DateField(_("date"))
    manner = models.CharField(_("manner"), max_length=20, choices=Manner.choices)
    by = models.ForeignKey(
        "org.Staff",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("visited by"),
    )
    note = models.TextField(_("result of the visit"))
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.on}"


class Transfer(models.Model):
    """A transfer between people's, administrative and judicial mediation and other bodies
    (三调对接, 条例 art. 37): incoming (the source of the dispute) or outgoing (it leaves)."""

    class Direction(models.TextChoices):
        IN = "in", _("Received from")
        OUT = "out", _("Transferred to")

    class Body(models.TextChoices):
        PEOPLES = "peoples", _("Another people's mediation committee")
        ADMINISTRATIVE = "administrative", _("Administrative mediation (a department)")
        JUDICIAL = "judicial", _("Judicial mediation")
        TRADE = "trade", _("Trade or professional mediation body")
        POLICE = "police", _("Police")
        ARBITRATION = "arbitration", _("Arbitration")
        COURT = "court", _("Court")
        PETITION = "petition", _("Petition office")
        OTHER = "other", _("Other body")

    class Result(models.TextChoices):
        PENDING = "pending", _("Awaiting the result")
        ACCEPTED = "accepted", _("Accepted by that body")
        RESOLVED = "resolved", _("Resolved there")
        NOT_RESOLVED = "not_resolved", _("Not resolved there")
        RETURNED = "returned", _("Returned by that body")

    dispute = models.ForeignKey(
        Dispute, models.PROTECT, related_name="transfers", verbose_name=_("dispute")
    )
    direction = models.CharField(
        _("direction of transfer"), max_length=3, choices=Direction.choices
    )
    body_kind = models.CharField(_("kind of body"), max_length=20, choices=Body.choices)
    body = models.CharField(_("receiving body"), max_length=100)
    department = models.ForeignKey(
        "org.Unit",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    on = models.DateField(_("date"))
    result = models.CharField(
        _("result"), max_length=20, choices=Result.choices, default=Result.PENDING
    )
    result_on = models.DateField(_("result on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["on", "id"]
        indexes = [models.Index(fields=["direction", "body_kind"], name="transfer_body")]

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.direction} {self.body}"


class JudicialConfirmation(models.Model):
    """The parties' joint application for judicial confirmation of a written agreement
    (人民调解法 art. 33; 民事诉讼法 art. 205–206) and the court's ruling."""

    class Result(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed as valid")
        REJECTED = "rejected", _("Rejected by the court")

    agreement = models.ForeignKey(
        Agreement,
        models.PROTECT,
        related_name="confirmations",
        verbose_name=_("mediation agreement"),
    )
    court = models.CharField(_("court"), max_length=100)
    applied_on = models.DateField(_("applied on"))
    # Applied after the parties' 30-day window: recorded, never refused (the court decides).
    late = models.BooleanField(_("applied after the window"), default=False)
    warning = models.TextField(_("warnings for the application"), blank=True)
    result = models.CharField(_("result"), max_length=20, choices=Result.choices, blank=True)
    result_on = models.DateField(_("ruled on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("judicial confirmation")
        verbose_name_plural = _("judicial confirmations")
        ordering = ["applied_on", "id"]

    def __str__(self) -> str:
        return f"{self.agreement_id} {self.court} {self.applied_on}"

    @property
    def pending(self) -> bool:
        return not self.result
