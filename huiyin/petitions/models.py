"""Petitions (信访): what only a petition has, beside its core :class:`~huiyin.cases.models.Case`.

Rows here change only through :mod:`huiyin.petitions.services` and the petition workflow
(:mod:`huiyin.petitions.workflow`), never by saving a form straight into a model.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huiyin.cases.models import AppendOnlyModel, Case, Clock
from huiyin.privacy.fields import BlindIndexField, EncryptedTextField


class Status(models.TextChoices):
    """The states of a petition (the workflow table is in workflow.py)."""

    REGISTERED = "registered", _("Registered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    TRANSFERRED = "transferred", _("Transferred")
    ASSIGNED = "assigned", _("Assigned")
    HANDLING = "handling", _("In handling")
    REPLIED = "replied", _("Replied")
    REVIEW_REQUESTED = "review_requested", _("Review requested")
    REVIEW_ANSWERED = "review_answered", _("Review answered")
    REEXAM_REQUESTED = "reexam_requested", _("Re-examination requested")
    REEXAM_ANSWERED = "reexam_answered", _("Re-examination answered")
    CONCLUDED = "concluded", _("Concluded")


class Channel(models.TextChoices):
    LETTER = "letter", _("Letter")
    VISIT = "visit", _("Visit")
    PHONE = "phone", _("Phone call")
    ONLINE = "online", _("Online")
    ASSIGNED = "assigned", _("Assigned from above")


class Level(models.TextChoices):
    """Where a petition was lodged, lowest first (the order decides "over-level")."""

    STREET = "street", _("Street")
    DISTRICT = "district", _("District")
    CITY = "city", _("City")
    PROVINCE = "province", _("Province")
    NATIONAL = "national", _("National")


LEVEL_RANK = {level: rank for rank, level in enumerate(Level.values)}


class Referral(models.TextChoices):
    """Where a declined matter belongs instead (诉访分离)."""

    COURT = "court", _("People's court (litigation)")
    ARBITRATION = "arbitration", _("Arbitration")
    ADMINISTRATIVE_REVIEW = "administrative_review", _("Administrative review")
    OTHER = "other", _("Other legal channel")


class TransferKind(models.TextChoices):
    """What a transfer is (转送): an ordinary one, or an accusation (检举控告) against a public
    official's duty-related misconduct, which goes to the discipline inspection and supervision
    body (纪检监察机关) as its own kind of transfer."""

    ORDINARY = "ordinary", _("Ordinary transfer")
    ACCUSATION = "accusation", _("Accusation against a public official, to the supervision body")


class Delivery(models.TextChoices):
    IN_PERSON = "in_person", _("Handed over in person")
    POST = "post", _("By post")
    PHONE = "phone", _("By phone")
    ONLINE = "online", _("Online")


#: The ways of delivering the written answer (送达): a call is not one (条例 art. 35, 36: the
#: petitioner's windows run from receiving the WRITTEN answer). "Online" is an electronic
#: delivery whose receipt is on record.
WRITTEN_DELIVERIES = (Delivery.IN_PERSON, Delivery.POST, Delivery.ONLINE)


class AnswerBody(models.TextChoices):
    """The body one level up that answers a review or re-examination (条例 art. 35, 36); only
    when it is this street do its answer clocks count among the street's."""

    STREET = "street", _("This street office")
    DISTRICT_GOVERNMENT = "district_government", _("District people's government")
    DISTRICT_PETITION_BUREAU = "district_petition_bureau", _("District petition bureau")
    DISTRICT_DEPARTMENT = "district_department", _("A department of the district")
    OTHER = "other", _("Another body")


class TellManner(models.TextChoices):
    """How the petitioner was told (a decision, an extension's reason): 书面, 当面, 电话…"""

    WRITTEN = "written", _("In writing")
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("By phone")
    ONLINE = "online", _("Online or by text message")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


# Receipt codes: no 0/O, 1/I/L, so a code read over the phone is not misheard.
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RECEIPT_LENGTH = 10


def new_receipt_code() -> str:
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _i in range(RECEIPT_LENGTH))


class ReceptionSlot(models.Model):
    """A leader's reception: a reception day, an outreach visit or a roving reception."""

    class SlotKind(models.TextChoices):
        RECEPTION_DAY = "reception_day", _("Reception day")
        OUTREACH = "outreach", _("Outreach visit")
        ROVING = "roving", _("Roving reception")

    leader = models.ForeignKey(
        "org.Staff", models.PROTECT, related_name="reception_slots", verbose_name=_("leader")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=SlotKind.choices)
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"))
    place = models.CharField(_("place"), max_length=100)
    community = models.ForeignKey(
        "org.Community",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="reception_slots",
        verbose_name=_("community"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("reception slot")
        verbose_name_plural = _("reception slots")
        ordering = ["date", "start_time", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")), name="reception_slot_times"
            )
        ]
        indexes = [models.Index(fields=["leader", "date"], name="reception_slot_leader_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class PetitionQuerySet(models.QuerySet):
    def over_level(self) -> PetitionQuerySet:
        """Petitions lodged above the level that should handle them and the next level up
        (越级访, 条例 art. 20 "本级或者上一级"), as the statistics count them."""
        condition = Q(pk__in=[])
        for handling, rank in LEVEL_RANK.items():
            higher = [lvl for lvl, r in LEVEL_RANK.items() if r > rank + 1]
            if higher:
                condition |= Q(handling_level=handling, level__in=higher)
        return self.filter(condition)


class Petition(models.Model):
    """The petition part of a case (primary key = the case)."""

    case = models.OneToOneField(
        Case, models.PROTECT, primary_key=True, related_name="petition", verbose_name=_("case")
    )
    receipt_code = models.CharField(_("receipt code"), max_length=16, unique=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    assigned_by = models.CharField(_("assigned by"), max_length=100, blank=True)
    assigned_doc_no = models.CharField(_("document number"), max_length=60, blank=True)
    level = models.CharField(
        _("lodged at"), max_length=20, choices=Level.choices, default=Level.STREET
    )
    handling_level = models.CharField(
        _("level that should handle it"),
        max_length=20,
        choices=Level.choices,
        default=Level.STREET,
    )
    is_collective = models.BooleanField(_("collective visit"), default=False)
    headcount = models.PositiveIntegerField(_("headcount"), default=1)
    complained_unit = models.ForeignKey(
        "org.Unit",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("unit complained about"),
    )
    # 条例 art. 30, 46: the staff member complained about never sees the petition (an indexed
    # column: Case.objects.visible_to excludes on it).
    complained_staff = models.ForeignKey(
        "org.Staff",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("staff member complained about"),
    )
    complained_text = models.CharField(
        _("unit or person complained about"), max_length=200, blank=True
    )
    received_by = models.ForeignKey(
        "org.Staff",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="petitions_received",
        verbose_name=_("received by"),
    )
    reception_slot = models.ForeignKey(
        ReceptionSlot,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="petitions",
        verbose_name=_("reception slot"),
    )
    repeat_of = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="repeats",
        verbose_name=_("repeat of"),
    )
    # 重复信访 as recorded. Always set with `repeat_of`; also set alone when the office marked
    # the petition a repeat but the earlier one is not in Huiyin (a ledger's own mark): the
    # statistics count this mark, the link stays optional.
    is_repeat = models.BooleanField(_("repeat petition"), default=False)
    # 条例 art. 36: a petition on facts already re-examined is flagged, never blocked.
    after_reexamination = models.BooleanField(_("after re-examination"), default=False)

    # Decision on acceptance.
    accept_decision_on = models.DateField(_("decided on"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    referral_channel = models.CharField(
        _("referred to"), max_length=30, choices=Referral.choices, blank=True
    )
    transferred_to = models.CharField(_("transferred to"), max_length=200, blank=True)
    transfer_kind = models.CharField(
        _("kind of transfer"), max_length=20, choices=TransferKind.choices, blank=True
    )

    # Telling the petitioner whether the matter is accepted (条例 art. 23): on the spot, or in
    # writing (受理 / 不予受理 / 转送告知书). The acceptance_notice clock stops on the day told.
    notice_told_on = models.DateField(
        _("petitioner told of the decision on"), null=True, blank=True
    )
    notice_manner = models.CharField(
        _("petitioner told of the decision"), max_length=20, choices=TellManner.choices, blank=True
    )
    notice_on_the_spot = models.BooleanField(_("told on the spot"), default=False)
    # 条例 art. 23: no notice is owed when the name or address is unclear (no clock runs).
    contact_unclear = models.BooleanField(_("name or address unclear"), default=False)
    # 条例 art. 19: an anonymous letter is registered and counted like any other; it names no
    # petitioner, so no notice is owed and there is no tracker (no phone to check).
    is_anonymous = models.BooleanField(_("anonymous"), default=False)
    # 条例 art. 20: a collective visit with more representatives than allowed; the visitors
    # were advised on the spot (art. 47). A warning recorded on the case, never a refusal.
    representatives_exceeded = models.BooleanField(
        _("more representatives than allowed"), default=False
    )

    # The one extension of the handling period (条例 art. 34).
    extension_reason = models.TextField(_("reason for extension"), blank=True)
    extension_approved_by = models.ForeignKey(
        "org.Staff",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("extension approved by"),
    )
    extension_due_on = models.DateField(_("extended to"), null=True, blank=True)
    extension_told_on = models.DateField(_("petitioner told on"), null=True, blank=True)
    # How the reason was told (the 延期告知书 needs it), when the leader approved, how many
    # extensions there were (the office may allow more than one within the 30 days) and the
    # due date before the first one: the 30 days count from it.
    extension_told_manner = models.CharField(
        _("petitioner told"), max_length=20, choices=TellManner.choices, blank=True
    )
    extension_approved_on = models.DateField(_("extension approved on"), null=True, blank=True)
    extension_count = models.PositiveSmallIntegerField(_("extensions"), default=0)
    extension_from_due_on = models.DateField(
        _("time limit before the extension"), null=True, blank=True
    )
    # Approved on or after the last day of the period (recorded only where the office's rules
    # say so): the period had ended, the handling stays late.
    extension_late = models.BooleanField(
        _("extension approved after the period ended"), default=False
    )

    # The written reply (处理意见书, 条例 art. 32): the facts found, the basis in law or policy,
    # and the opinion (`reply_text`); the review rights are printed from the clocks.
    reply_facts = models.TextField(_("facts found"), blank=True)
    reply_basis = models.TextField(_("basis in law or policy"), blank=True)
    reply_text = models.TextField(_("reply"), blank=True)
    replied_on = models.DateField(_("replied on"), null=True, blank=True)
    reply_delivery = models.CharField(
        _("delivered"), max_length=20, choices=Delivery.choices, blank=True
    )
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("replied by"),
    )
    concluded_on = models.DateField(_("concluded on"), null=True, blank=True)

    # The written reply's delivery (送达): the review window runs from it (条例 art. 35). A reply
    # by phone alone, or one posted and not yet received, leaves it empty.
    reply_delivered_on = models.DateField(_("reply delivered on"), null=True, blank=True)
    reply_delivered_manner = models.CharField(
        _("reply delivered"), max_length=20, choices=Delivery.choices, blank=True
    )

    # Review (复查) and re-examination (复核).
    review_requested_on = models.DateField(_("review requested on"), null=True, blank=True)
    review_request_text = models.TextField(_("review request"), blank=True)
    review_request_late = models.BooleanField(_("review requested late"), default=False)
    review_body = models.CharField(
        _("reviewing body"), max_length=30, choices=AnswerBody.choices, blank=True
    )
    review_received_on = models.DateField(
        _("review request received by that body on"), null=True, blank=True
    )
    review_answered_on = models.DateField(_("review answered on"), null=True, blank=True)
    review_answer_text = models.TextField(_("review answer"), blank=True)
    # The review answer's delivery: the re-examination window runs from it (条例 art. 36).
    review_answer_delivered_on = models.DateField(
        _("review answer delivered on"), null=True, blank=True
    )
    review_answer_delivered_manner = models.CharField(
        _("review answer delivered"), max_length=20, choices=Delivery.choices, blank=True
    )
    reexam_requested_on = models.DateField(_("re-examination requested on"), null=True, blank=True)
    reexam_request_text = models.TextField(_("re-examination request"), blank=True)
    reexam_request_late = models.BooleanField(_("re-examination requested late"), default=False)
    reexam_body = models.CharField(
        _("re-examining body"), max_length=30, choices=AnswerBody.choices, blank=True
    )
    reexam_received_on = models.DateField(
        _("re-examination request received by that body on"), null=True, blank=True
    )
    reexam_answered_on = models.DateField(_("re-examination answered on"), null=True, blank=True)
    reexam_answer_text = models.TextField(_("re-examination answer"), blank=True)
    # Set by the re-examination answer: the same facts and reasons are closed (条例 art. 36).
    reexam_closed_facts = models.BooleanField(_("facts closed by re-examination"), default=False)

    # Objection to a misdirected assignment (条例 art. 23): the matter is not the street's; the
    # street objected, the sender agreed and took the file back. The case is concluded with
    # this outcome ("returned to the sender"), not transferred.
    objected_on = models.DateField(_("objected on"), null=True, blank=True)
    objection_reason = models.TextField(_("reasons for the objection"), blank=True)
    sender_agreed_on = models.DateField(_("sender agreed on"), null=True, blank=True)

    # Written by the database, never by Django (huiyin/petitions/latest.py): the statistics,
    # the assessment and the list group petitions by these, and a look-up per petition cost
    # seconds at a city. NULL: no handling clock stopped yet / no follow-up yet.
    latest_handling = models.CharField(
        _("latest handling outcome"),
        max_length=20,
        choices=Clock.Outcome.choices,
        null=True,
        editable=False,
    )
    latest_rating = models.CharField(
        _("latest rating"),
        max_length=30,
        choices=Satisfaction.choices,
        null=True,
        editable=False,
    )

    objects = PetitionQuerySet.as_manager()

    class Meta:
        verbose_name = _("petition")
        verbose_name_plural = _("petitions")
        constraints = [
            models.CheckConstraint(condition=Q(headcount__gte=1), name="petition_headcount_min"),
            models.CheckConstraint(
                condition=Q(repeat_of__isnull=True) | Q(is_repeat=True),
                name="petition_repeat_link_is_repeat",
            ),
        ]
        indexes = [
            models.Index(fields=["channel"], name="petition_channel"),
            models.Index(fields=["level"], name="petition_level"),
            # Every list asks "which petitions are about this person or unit" (visible_to's
            # exclusion, 条例 art. 30, 46). Almost no petition names one: on SQLite the plain
            # foreign-key indexes hold every NULL and the planner, seeing a million rows per
            # key, scanned the whole table — a cost that grew with the history. These hold
            # only the petitions that name someone.
            models.Index(
                fields=["complained_unit"],
                condition=Q(complained_unit__isnull=False),
                name="petition_complained_unit",
            ),
            models.Index(
                fields=["complained_staff"],
                condition=Q(complained_staff__isnull=False),
                name="petition_complained_staff",
            ),
            # The statistics' list of receptions and 三零 breaches reads these few petitions
            # (a leader's reception, or lodged at the city or above) instead of every petition
            # of the period (bench/README.md, "Two passes fewer").
            models.Index(
                fields=["case"],
                condition=Q(reception_slot__isnull=False)
                | Q(level__in=[Level.CITY, Level.PROVINCE, Level.NATIONAL]),
                name="petition_goals_receptions",
            ),
        ]

    def __str__(self) -> str:
        return self.case.number

    def save(self, *args, **kwargs) -> None:
        # A link to an earlier petition makes this one a repeat (the constraint holds it).
        if self.repeat_of_id is not None and not self.is_repeat:
            self.is_repeat = True
            fields = kwargs.get("update_fields")
            if fields is not None and not {"repeat_of", "repeat_of_id"}.isdisjoint(fields):
                kwargs["update_fields"] = [*fields, "is_repeat"]
        super().save(*args, **kwargs)

    def audit_label(self) -> str:
        return self.case.number

    @property
    def is_over_level(self) -> bool:
        """越级: above the handling level and the next level up (条例 art. 20)."""
        return LEVEL_RANK[self.level] > LEVEL_RANK[self.handling_level] + 1

    @property
    def extended(self) -> bool:
        return self.extension_due_on is not None

    @property
    def representatives_warning(self) -> str:
        """The warning shown on the case page, or "" (条例 art. 20)."""
        if not self.representatives_exceeded:
            return ""
        from huiyin.petitions.services import MSG_REPRESENTATIVES_WARNING, _max_representatives

        return str(MSG_REPRESENTATIVES_WARNING) % {"max": _max_representatives()}

    @property
    def notice_owed(self) -> bool:
        """Whether the petitioner is owed the notice of acceptance (条例 art. 23)."""
        return not (self.contact_unclear or self.is_anonymous)

    @property
    def has_reply(self) -> bool:
        return self.replied_on is not None

    @property
    def returned_to_sender(self) -> bool:
        return self.sender_agreed_on is not None


class PetitionRecusal(AppendOnlyModel):
    """A staff member who steps aside from a petition (回避, 条例 art. 28): declared by the
    person, or decided by the office or a leader. From then on the case is out of their sight
    (``Case.objects.visible_to``). History: added, never changed or removed."""

    case = models.ForeignKey(Case, models.PROTECT, related_name="recusals", verbose_name=_("case"))
    # No index of its own: the unique (staff, case) index serves the exclusion's lookup by staff.
    staff = models.ForeignKey(
        "org.Staff",
        models.PROTECT,
        related_name="recusals",
        db_index=False,
        verbose_name=_("staff member"),
    )
    reason = models.TextField(_("reason"))
    declared = models.BooleanField(_("declared by the staff member"), default=False)
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
        verbose_name = _("recusal")
        verbose_name_plural = _("recusals")
        ordering = ["recorded_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["staff", "case"], name="recusal_once_per_case"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.staff_id}"

    def audit_label(self) -> str:
        return self.case.number


class Petitioner(models.Model):
    """A person who lodged the petition. Identity is encrypted at rest; masked copies for lists."""

    petition = models.ForeignKey(
        Petition, models.PROTECT, related_name="petitioners", verbose_name=_("petition")
    )
    # The blind index of the name: the list's exact lookup of a returning petitioner's matters.
    name = EncryptedTextField(_("name"), index_field="name_hash", index_purpose="name")
    name_hash = BlindIndexField()
    name_masked = models.CharField(_("name (masked)"), max_length=40)
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
    # blind_index("<receipt code>:<last four digits>"): the public tracker's key, nothing more.
    track_hash = BlindIndexField()
    address = EncryptedTextField(_("address"), blank=True)
    is_representative = models.BooleanField(_("representative"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("petitioner")
        verbose_name_plural = _("petitioners")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name_masked

    def audit_label(self) -> str:
        return self.name_masked


class FollowUp(models.Model):
    """A follow-up (回访) with the petitioner's satisfaction; the public rating is one of them."""

    class Source(models.TextChoices):
        STAFF = "staff", _("Follow-up by staff")
        PUBLIC = "public", _("Rated by the petitioner online")

    petition = models.ForeignKey(
        Petition, models.PROTECT, related_name="follow_ups", verbose_name=_("petition")
    )
    on = models.DateField(_("date"))
    by = models.ForeignKey(
        "org.Staff",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("visited by"),
    )
    satisfaction = models.CharField(_("satisfaction"), max_length=30, choices=Satisfaction.choices)
    note = models.TextField(_("note"), blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.STAFF
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["on", "id"]
        constraints = [
            # 条例 art. 21: the petitioner rates the handling once.
            models.UniqueConstraint(
                fields=["petition"], condition=Q(source="public"), name="follow_up_one_public"
            )
        ]

    def __str__(self) -> str:
        return f"{self.on} {self.get_satisfaction_display()}"


class KeyCase(models.Model):
    """包案 ("五个一"): one leader, one team, one plan, one time limit, seen through — for a
    petition or a dispute (:mod:`huiyin.petitions.keycases`)."""

    case = models.OneToOneField(
        Case, models.PROTECT, related_name="key_case", verbose_name=_("case")
    )
    leader = models.ForeignKey(
        "org.Staff", models.PROTECT, related_name="key_cases", verbose_name=_("leader")
    )
    team = models.ManyToManyField(
        "org.Staff", blank=True, related_name="key_case_teams", verbose_name=_("team")
    )
    team_note = models.CharField(_("team (others)"), max_length=200, blank=True)
    plan = models.TextField(_("plan"))
    time_limit = models.DateField(_("time limit"))
    responsible_unit = models.ForeignKey(
        "org.Unit",
        models.PROTECT,
        related_name="key_cases",
        verbose_name=_("responsible unit"),
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
    closed_at = models.DateTimeField(_("seen through on"), null=True, blank=True)

    class Meta:
        verbose_name = _("key case")
        verbose_name_plural = _("key cases")
        ordering = ["time_limit", "id"]

    def __str__(self) -> str:
        return self.case.number

    def audit_label(self) -> str:
        return self.case.number


class KeyCaseProgress(AppendOnlyModel):
    """One progress entry of a key case (append-only)."""

    key_case = models.ForeignKey(
        KeyCase, models.PROTECT, related_name="progress", verbose_name=_("key case")
    )
    at = models.DateTimeField(_("time"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    text = models.TextField(_("progress"))

    class Meta(AppendOnlyModel.Meta):
        verbose_name = _("key case progress")
        verbose_name_plural = _("key case progress")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.key_case_id} {self.at:%Y-%m-%d}"


class TrackAttempt(models.Model):
    """One lookup on the public tracker, kept only while it counts for the rate limit.

    Rows (not per-process memory) so that every server process sees the same count. `client`
    is a keyed hash of the address: the table holds no address, and the rows are deleted as
    soon as they leave the window (see :meth:`hit`).
    """

    client = models.CharField(_("client"), max_length=64)
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("tracker lookup")
        verbose_name_plural = _("tracker lookups")
        indexes = [
            models.Index(fields=["client", "at"], name="track_attempt_client_at"),
            models.Index(fields=["at"], name="track_attempt_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S}"

    @classmethod
    def hit(cls, client: str, *, window_seconds: int) -> int:
        """Count one attempt by `client`; the attempts in the window, this one included.

        Call it outside a transaction: the row commits before the count, so two processes
        racing each see the other's row and the limit holds across processes.
        """
        now = timezone.now()
        start = now - timedelta(seconds=window_seconds)
        cls.objects.create(client=client, at=now)
        cls.objects.filter(at__lt=start).delete()
        return cls.objects.filter(client=client, at__gte=start).count()
