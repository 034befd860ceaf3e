"""Commendations and criticism of a campaign (表彰 and 通报批评), and the numbers of their notices.

A campaign ends with a notice (通报): the 先进单位 (a participating community or unit) and the
先进个人 (members of the office's staff) it commends, each with the basis of the decision, and
— in a notice of its own — the communities or units it criticises (通报批评). Each row carries
the 发文字号 of the notice that decides it: the rows of one campaign and one notice share it,
and a new notice takes the next number of the year (浓洄综治〔2026〕3号; the organ code after
the street's short name is the setting ``HUIYIN_NOTICE_CODE``, default 综治).

Rows change only through :func:`add_commendation` and :func:`withdraw_commendation`: they
check the permission of the campaign pages (``huiyin.reports.models.MANAGE_PERM``), validate
with translatable messages and write an audit entry in the same transaction. A row is never
deleted: it is withdrawn with a reason and leaves the lists and the notices.

The models are imported at the bottom of ``huiyin.reports.models`` so Django sees them.
"""

from __future__ import annotations

import re
from datetime import date

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds
from huiyin.reports.campaign_streets import refusals
from huiyin.reports.models import (
    MANAGE_PERM,
    Campaign,
    CampaignInvalid,
    _require,
)

#: Organ code between the street's short name and the year in a notice's 发文字号.
DEFAULT_NOTICE_CODE = "综治"
BASIS_MAX = 1000
REASON_MAX = 500
DOC_NUMBER_MAX = 40
#: 浓洄综治〔2026〕3号: anything short before the year, a number after it.
DOC_NUMBER_SHAPE = re.compile(r"^\S{1,20}〔(\d{4})〕(\d{1,6})号$")

MSG_KIND = _("Choose what the row is: an advanced unit, an advanced individual or a criticism.")
MSG_ONE_BODY = _("Choose either a community or a unit, not both.")
MSG_NOT_PARTICIPANT = _("This community or unit does not take part in the campaign.")
MSG_STAFF_REQUIRED = _("An advanced individual must be a member of the office's staff.")
MSG_NO_STAFF_FOR_BODY = _("Only an advanced individual names a member of staff.")
MSG_BASIS = _("Give the basis for the decision.")
MSG_BASIS_LONG = _("The basis has at most %(limit)s characters.")
MSG_DECIDED_FUTURE = _("The decision date cannot be in the future.")
MSG_DECIDED_EARLY = _("The decision date cannot be before the campaign starts.")
MSG_DOC_NUMBER = _("Write the document number as 浓洄综治〔2026〕3号.")
MSG_DUPLICATE = _("This one is already on the campaign's list.")
MSG_REASON = _("Please give the reason for withdrawing it.")
MSG_REASON_LONG = _("The reason has at most %(limit)s characters.")
MSG_ALREADY_WITHDRAWN = _("This was already withdrawn.")


def notice_code() -> str:
    return str(getattr(settings, "HUIYIN_NOTICE_CODE", "") or DEFAULT_NOTICE_CODE)[:10]


class Commendation(models.Model):
    """One line of a campaign's 表彰通报 (a 先进单位 or 先进个人) or of its 通报批评."""

    class Kind(models.TextChoices):
        UNIT = "unit", _("Advanced unit")
        STAFF = "staff", _("Advanced individual")
        CRITICISM = "criticism", _("Criticism")

    campaign = models.ForeignKey(
        Campaign, models.PROTECT, related_name="commendations", verbose_name=_("campaign")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    community = models.ForeignKey(
        "org.Community",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("community"),
    )
    unit = models.ForeignKey(
        "org.Unit",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
    )
    staff = models.ForeignKey(
        "org.Staff",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="commendations",
        verbose_name=_("staff member"),
    )
    basis = models.TextField(_("basis"), max_length=BASIS_MAX)
    decided_on = models.DateField(_("decided on"))
    doc_number = models.CharField(_("document number"), max_length=DOC_NUMBER_MAX)
    withdrawn = models.BooleanField(_("withdrawn"), default=False)
    withdrawn_reason = models.CharField(
        _("reason for withdrawal"), max_length=REASON_MAX, blank=True
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
        app_label = "reports"
        verbose_name = _("commendation")
        verbose_name_plural = _("commendations")
        ordering = ["kind", "decided_on", "id"]
        constraints = [
            # A unit or a criticism names exactly one body; an individual names staff only.
            models.CheckConstraint(
                condition=(
                    Q(
                        kind__in=["unit", "criticism"],
                        staff__isnull=True,
                        community__isnull=False,
                        unit__isnull=True,
                    )
                    | Q(
                        kind__in=["unit", "criticism"],
                        staff__isnull=True,
                        community__isnull=True,
                        unit__isnull=False,
                    )
                    | Q(
                        kind="staff", staff__isnull=False, community__isnull=True, unit__isnull=True
                    )
                ),
                name="commendation_one_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign.name} · {self.get_kind_display()} · {self.subject_name}"

    def audit_label(self) -> str:
        return str(self)

    @property
    def subject(self):
        return self.staff or self.community or self.unit

    @property
    def subject_name(self) -> str:
        subject = self.subject
        return subject.name if subject is not None else ""

    @property
    def notice(self) -> str:
        """Which notice decides it: "commendation" (表彰通报) or "criticism" (通报批评)."""
        return notice_of(self.kind)


def notice_of(kind: str) -> str:
    return "criticism" if kind == Commendation.Kind.CRITICISM else "commendation"


def _notice_kinds(notice: str) -> list[str]:
    if notice == "criticism":
        return [Commendation.Kind.CRITICISM]
    return [Commendation.Kind.UNIT, Commendation.Kind.STAFF]


def live(campaign: Campaign, notice: str | None = None):
    """The campaign's rows not withdrawn (of one notice when given), in the notice's order."""
    rows = Commendation.objects.filter(campaign=campaign, withdrawn=False).select_related(
        "community", "unit", "staff__unit"
    )
    if notice is not None:
        rows = rows.filter(kind__in=_notice_kinds(notice))
    return rows.order_by("kind", "community__order", "unit__name", "staff__name", "id")


def notice_number(campaign: Campaign, notice: str) -> str:
    """The 发文字号 the campaign's live rows of `notice` share ("" when it has none)."""
    return (
        live(campaign, notice)
        .exclude(doc_number="")
        .order_by("decided_on", "id")
        .values_list("doc_number", flat=True)
        .first()
        or ""
    )


def _street_short(campaign: Campaign) -> str:

    body = campaign.communities.select_related("street").first()
    street = body.street if body else _street_of_creator(campaign)
    return (street.short_name or street.name) if street else ""


def _street_of_creator(campaign: Campaign):
    """A campaign of no community: the street of whoever created it (else the first street)."""
    from huiyin.org import streets
    from huiyin.org.models import Street

    found = streets.street_of(campaign.created_by) if campaign.created_by_id else None
    return found or Street.objects.order_by("id").first()


def next_number(campaign: Campaign, year: int) -> str:
    """The next free 发文字号 of `year` under the office's prefix (浓洄综治〔2026〕4号)."""
    prefix = f"{_street_short(campaign)}{notice_code()}"
    taken = Commendation.objects.filter(doc_number__startswith=f"{prefix}〔{year}〕").values_list(
        "doc_number", flat=True
    )
    highest = 0
    for number in taken:
        match = DOC_NUMBER_SHAPE.match(number)
        if match:
            highest = max(highest, int(match.group(2)))
    return f"{prefix}〔{year}〕{highest + 1}号"


# --------------------------------------------------------------------------- services


def add_commendation(
    campaign: Campaign,
    *,
    actor,
    kind: str,
    basis: str,
    decided_on: date | None,
    community=None,
    unit=None,
    staff=None,
    doc_number: str = "",
    request=None,
) -> Commendation:
    """Put a 先进单位, 先进个人 or 通报批评 on the campaign's list, with its basis.

    A unit or a criticism names exactly one participating community or unit; an individual
    names a member of staff. `doc_number` empty: the number the campaign's notice already has,
    or the next of the decision's year. PermissionDenied without the campaign pages' manage
    permission; CampaignInvalid for bad input. One transaction: the row and its audit entry.
    """
    from huiyin.privacy.audit import record

    _require(actor, MANAGE_PERM)
    errors: dict[str, list] = {}

    def add(key: str, message) -> None:
        errors.setdefault(key, []).append(message)

    if kind not in Commendation.Kind.values:
        add("kind", MSG_KIND)
    elif kind == Commendation.Kind.STAFF:
        if staff is None:
            add("staff", MSG_STAFF_REQUIRED)
        if community is not None or unit is not None:
            add("party", MSG_STAFF_REQUIRED)
    else:
        if staff is not None:
            add("staff", MSG_NO_STAFF_FOR_BODY)
        if (community is None) == (unit is None):
            add("party", MSG_ONE_BODY)
        else:
            among = campaign.communities if community is not None else campaign.units
            if not among.filter(pk=(community or unit).pk).exists():
                add("party", MSG_NOT_PARTICIPANT)
    # Only the actor's streets' bodies and staff (the form offers no other; a forged or stale
    # choice is refused here too).
    refused = refusals(
        actor,
        communities=[community] if community is not None else (),
        units=[unit] if unit is not None else (),
        staff=staff,
    )
    if "staff" in refused:
        add("staff", refused["staff"][0])
    if ("communities" in refused or "units" in refused) and "party" not in errors:
        add("party", (refused.get("communities") or refused["units"])[0])
    basis = bounds.strip_nul(basis or "").strip()
    if not basis:
        add("basis", MSG_BASIS)
    elif len(basis) > BASIS_MAX:
        add("basis", MSG_BASIS_LONG % {"limit": BASIS_MAX})
    if not isinstance(decided_on, date):
        add("decided_on", _("This field is required."))
    elif decided_on > bounds.today():
        add("decided_on", MSG_DECIDED_FUTURE)
    elif decided_on < campaign.start:
        add("decided_on", MSG_DECIDED_EARLY)
    doc_number = bounds.strip_nul(doc_number or "").strip()
    if doc_number and (len(doc_number) > DOC_NUMBER_MAX or not DOC_NUMBER_SHAPE.match(doc_number)):
        add("doc_number", MSG_DOC_NUMBER)
    if errors:
        raise CampaignInvalid(errors)

    with transaction.atomic():
        # One writer per campaign at a time: the duplicate check and the number hold.
        Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
        same = Commendation.objects.filter(campaign=campaign, kind=kind, withdrawn=False)
        if same.filter(community=community, unit=unit, staff=staff).exists():
            raise CampaignInvalid({"party": [MSG_DUPLICATE]})
        if not doc_number:
            doc_number = notice_number(campaign, notice_of(kind)) or next_number(
                campaign, decided_on.year
            )
        try:
            row = Commendation.objects.create(
                campaign=campaign,
                kind=kind,
                community=community,
                unit=unit,
                staff=staff,
                basis=basis,
                decided_on=decided_on,
                doc_number=doc_number,
                created_by=actor,
            )
        except IntegrityError:  # pragma: no cover - the checks above come first
            raise CampaignInvalid({"party": [MSG_ONE_BODY]}) from None
        record(
            "object.create",
            actor=actor,
            target=row,
            diff={
                "kind": kind,
                "subject": row.subject_name,
                "basis": basis,
                "decided_on": decided_on.isoformat(),
                "doc_number": doc_number,
            },
            request=request,
        )
    return row


def withdraw_commendation(actor, row: Commendation, *, reason: str, request=None) -> Commendation:
    """Withdraw a row with a reason (never deleted); it leaves the lists and the notices."""
    from huiyin.privacy.audit import record

    _require(actor, MANAGE_PERM)
    reason = bounds.strip_nul(reason or "").strip()
    if not reason:
        raise CampaignInvalid({"reason": [MSG_REASON]})
    if len(reason) > REASON_MAX:
        raise CampaignInvalid({"reason": [MSG_REASON_LONG % {"limit": REASON_MAX}]})
    with transaction.atomic():
        updated = Commendation.objects.filter(pk=row.pk, withdrawn=False).update(
            withdrawn=True, withdrawn_reason=reason
        )
        if not updated:
            raise CampaignInvalid({"reason": [MSG_ALREADY_WITHDRAWN]})
        row.withdrawn, row.withdrawn_reason = True, reason
        record(
            "object.update",
            actor=actor,
            target=row,
            diff={"withdrawn": [False, True], "reason": reason},
            request=request,
        )
    return row


def counts(campaign: Campaign | None) -> dict[str, int]:
    """The campaign's live rows by kind: {"unit": 3, "staff": 21, "criticism": 1}."""
    found = dict.fromkeys(Commendation.Kind.values, 0)
    if campaign is None:
        return found
    rows = (
        Commendation.objects.filter(campaign=campaign, withdrawn=False)
        .values("kind")
        .annotate(n=models.Count("pk"))
    )
    for row in rows:
        found[row["kind"]] = row["n"]
    return found
