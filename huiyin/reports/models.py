"""Campaigns (百日大会战) and the pledges (承诺书) communities and units sign for them.

Rows change only through the functions at the bottom of this module (the campaign services):
they check the person's permission, validate with translatable messages, keep the version
for optimistic locking and write an audit entry in the same transaction.

Who may do what (documented in the README):

* see campaigns, their pledges and download a pledge's scan: Perm.REPORTS_VIEW;
* create or edit a campaign, upload or withdraw a pledge: Perm.ASSESSMENT_MANAGE — campaigns
  and pledges belong to the responsibility and assessment system that the 综治办 runs.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from huiyin.cases.attachments import EXTENSIONS, JPEG, MSG_TYPE, PDF, PNG, inspect_upload
from huiyin.cases.exceptions import AttachmentRefused, StaleCase
from huiyin.cases.models import StoredFile, attachment_storage
from huiyin.org.access import reach_of
from huiyin.org.roles import Perm

#: Permission to create and edit campaigns and to upload or withdraw pledges.
MANAGE_PERM = Perm.ASSESSMENT_MANAGE
#: Permission to see campaigns and download pledges.
VIEW_PERM = Perm.REPORTS_VIEW

#: A pledge is a scan: PDF or an image.
PLEDGE_TYPES = (PDF, PNG, JPEG)
PLEDGE_DIR = "pledges"

MSG_PLEDGE_TYPE = _("Attach the scanned pledge as a PDF or an image (PNG or JPEG).")
MSG_PLEDGE_PARTY = _("Choose either a community or a unit, not both.")
MSG_PLEDGE_NOT_IN_CAMPAIGN = _("This community or unit does not take part in the campaign.")
MSG_PLEDGE_DATE_FUTURE = _("The signing date cannot be in the future.")
MSG_REASON = _("Please give the reason for withdrawing the pledge.")
MSG_END_BEFORE_START = _("The campaign cannot end before it starts.")
MSG_ALREADY_WITHDRAWN = _("This pledge was already withdrawn.")
MSG_WRITTEN_LONG = _("At most %(limit)s characters.")

#: The longest 存在问题 and 下步工作 an office writes for a campaign.
WRITTEN_MAX = 4000


class CampaignInvalid(Exception):
    """Input refused; `errors` maps field names to lists of translatable messages."""

    def __init__(self, errors: dict[str, list[str | Promise]]):
        super().__init__(errors)
        self.errors = errors

    def __str__(self) -> str:
        return "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in self.errors.items())


class Campaign(models.Model):
    """A campaign such as the 百日大会战: a theme, a period, goals and who takes part."""

    name = models.CharField(_("name"), max_length=100)
    theme = models.CharField(_("theme"), max_length=200, blank=True)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    goals = models.TextField(_("goals"), blank=True)
    # Written by the office for the campaign's report (总结会): 存在问题 and 下步工作.
    problems = models.TextField(_("problems"), blank=True, max_length=WRITTEN_MAX)
    next_steps = models.TextField(_("next steps"), blank=True, max_length=WRITTEN_MAX)
    communities = models.ManyToManyField(
        "org.Community",
        blank=True,
        related_name="campaigns",
        verbose_name=_("participating communities"),
    )
    units = models.ManyToManyField(
        "org.Unit", blank=True, related_name="campaigns", verbose_name=_("participating units")
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
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-start", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="campaign_period")
        ]

    def __str__(self) -> str:
        return self.name

    def audit_label(self) -> str:
        return self.name

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def is_running(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.start <= today <= self.end


def pledge_path(instance, filename: str) -> str:
    # The name is chosen by add_pledge(); this is only a fallback.
    return f"{PLEDGE_DIR}/{instance.campaign_id}/{filename}"


class Pledge(StoredFile):
    """A signed pledge (承诺书) of one community or unit for a campaign, with its scan.

    The scan lives outside the web root (settings.ATTACHMENT_DIR/pledges) and is read only
    through :func:`open_pledge`. A pledge is withdrawn with a reason, never deleted.
    """

    campaign = models.ForeignKey(
        Campaign, models.PROTECT, related_name="pledges", verbose_name=_("campaign")
    )
    community = models.ForeignKey(
        "org.Community",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="pledges",
        verbose_name=_("community"),
    )
    unit = models.ForeignKey(
        "org.Unit",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="pledges",
        verbose_name=_("unit"),
    )
    signed_on = models.DateField(_("signed on"))
    signed_by = models.CharField(_("signed by"), max_length=100)
    file = models.FileField(
        _("scanned pledge"), storage=attachment_storage, upload_to=pledge_path, max_length=200
    )

    class Meta:
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        ordering = ["signed_on", "id"]
        constraints = [
            # Signed by exactly one party: a community or a unit.
            models.CheckConstraint(
                condition=(
                    Q(community__isnull=False, unit__isnull=True)
                    | Q(community__isnull=True, unit__isnull=False)
                ),
                name="pledge_one_party",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign.name} · {self.party}"

    def audit_label(self) -> str:
        return f"{self.campaign.name} · {self.party}"

    @property
    def party(self):
        return self.community if self.community_id else self.unit


# --------------------------------------------------------------------------- services


def may_view(user) -> bool:
    return reach_of(user).can(VIEW_PERM)


def may_manage(user) -> bool:
    return reach_of(user).can(MANAGE_PERM)


def _require(user, perm: str) -> None:
    if not reach_of(user).can(perm):
        raise PermissionDenied


#: The campaign's written sections of its report.
WRITTEN = ("problems", "next_steps")


def save_campaign(
    *,
    actor,
    data: dict,
    campaign: Campaign | None = None,
    version: int | None = None,
    request=None,
) -> Campaign:
    """Create a campaign (campaign=None) or change one whose `version` the editor loaded.

    `data`: name, theme, start, end, goals, problems, next_steps, communities, units (model
    instances or ids); problems and next_steps (存在问题, 下步工作) at most WRITTEN_MAX characters.
    PermissionDenied without MANAGE_PERM; CampaignInvalid for bad input; StaleCase when the
    campaign changed since `version` was read.
    """
    from huiyin.privacy.audit import changes, record

    _require(actor, MANAGE_PERM)
    errors: dict[str, list] = {}
    name = (data.get("name") or "").strip()
    if not name:
        errors.setdefault("name", []).append(_("This field is required."))
    start, end = data.get("start"), data.get("end")
    for key, value in (("start", start), ("end", end)):
        if not isinstance(value, date):
            errors.setdefault(key, []).append(_("This field is required."))
    if isinstance(start, date) and isinstance(end, date) and end < start:
        errors.setdefault("end", []).append(MSG_END_BEFORE_START)
    # A key left out keeps what was written (a caller that does not edit them).
    written = {
        key: (data.get(key) or "").replace("\x00", "").strip() for key in WRITTEN if key in data
    }
    for key, text in written.items():
        if len(text) > WRITTEN_MAX:
            errors.setdefault(key, []).append(MSG_WRITTEN_LONG % {"limit": WRITTEN_MAX})
    # Only the actor's streets' communities and units take part (the form offers no other).
    from huiyin.reports.campaign_streets import refusals

    for key, messages in refusals(
        actor, communities=data.get("communities"), units=data.get("units")
    ).items():
        errors.setdefault(key, []).extend(messages)
    if errors:
        raise CampaignInvalid(errors)
    fields = {
        "name": name[:100],
        "theme": (data.get("theme") or "").strip()[:200],
        "start": start,
        "end": end,
        "goals": (data.get("goals") or "").strip(),
        **written,
    }
    communities = list(data.get("communities") or [])
    units = list(data.get("units") or [])
    with transaction.atomic():
        if campaign is None:
            campaign = Campaign.objects.create(created_by=actor, **fields)
            before: dict = {}
            action = "object.create"
        else:
            current = Campaign.objects.select_for_update().get(pk=campaign.pk)
            if version is not None and current.version != version:
                raise StaleCase
            before = {k: getattr(current, k) for k in fields}
            before["communities"] = sorted(current.communities.values_list("pk", flat=True))
            before["units"] = sorted(current.units.values_list("pk", flat=True))
            for key, value in fields.items():
                setattr(current, key, value)
            current.version += 1
            current.save(update_fields=[*fields, "version"])
            campaign = current
            action = "object.update"
        campaign.communities.set(communities)
        campaign.units.set(units)
        after = dict(fields)
        after["communities"] = sorted(campaign.communities.values_list("pk", flat=True))
        after["units"] = sorted(campaign.units.values_list("pk", flat=True))
        record(
            action,
            actor=actor,
            target=campaign,
            diff=changes(before, after) if before else after,
            request=request,
        )
    return campaign


def add_pledge(
    campaign: Campaign,
    uploaded_file,
    *,
    actor,
    signed_on: date,
    signed_by: str,
    community=None,
    unit=None,
    request=None,
) -> Pledge:
    """Store a signed pledge with its scan (type checked from the content, size limited).

    The file is stored under settings.ATTACHMENT_DIR/pledges/<campaign>/, outside the web
    root, with the size and content checks of case attachments (huiyin.cases.attachments);
    only PDF, PNG and JPEG scans are kept. PermissionDenied without MANAGE_PERM;
    CampaignInvalid for bad input. One transaction: the row and its audit entry.
    """
    from huiyin.privacy.audit import record

    _require(actor, MANAGE_PERM)
    errors: dict[str, list] = {}

    def add(key: str, message) -> None:
        errors.setdefault(key, []).append(message)

    if (community is None) == (unit is None):
        add("party", MSG_PLEDGE_PARTY)
    else:
        takes_part = (
            campaign.communities.filter(pk=community.pk).exists()
            if community is not None
            else campaign.units.filter(pk=unit.pk).exists()
        )
        if not takes_part:
            add("party", MSG_PLEDGE_NOT_IN_CAMPAIGN)
        else:  # and of the actor's streets (a campaign of another street is not theirs)
            from huiyin.reports.campaign_streets import refusals

            refused = refusals(
                actor, communities=[community] if community else (), units=[unit] if unit else ()
            )
            if refused:
                add("party", next(iter(refused.values()))[0])
    if not isinstance(signed_on, date):
        add("signed_on", _("This field is required."))
    elif signed_on > timezone.localdate():
        add("signed_on", MSG_PLEDGE_DATE_FUTURE)
    signed_by = (signed_by or "").strip()
    if not signed_by:
        add("signed_by", _("This field is required."))

    facts = None
    if uploaded_file is None:
        add("file", _("This field is required."))
    else:
        try:
            facts = inspect_upload(uploaded_file, allowed=PLEDGE_TYPES)
        except AttachmentRefused as refusal:
            add("file", MSG_PLEDGE_TYPE if refusal.message == MSG_TYPE else refusal.message)
    if errors:
        raise CampaignInvalid(errors)

    content_type, size, original = facts.content_type, facts.size, facts.original_name
    pledge = Pledge(
        campaign=campaign,
        community=community,
        unit=unit,
        signed_on=signed_on,
        signed_by=signed_by[:100],
        original_name=original,
        content_type=content_type,
        size=size,
        sha256=facts.sha256,
        uploaded_by=actor,
    )
    storage = Pledge._meta.get_field("file").storage
    saved = storage.save(
        f"{PLEDGE_DIR}/{campaign.pk}/{uuid.uuid4().hex}{EXTENSIONS[content_type]}", uploaded_file
    )
    try:
        with transaction.atomic():
            pledge.file.name = saved
            pledge.save()
            record(
                "object.create",
                actor=actor,
                target=pledge,
                diff={"type": content_type, "size": size, "sha256": pledge.sha256},
                request=request,
            )
    except BaseException:
        # No row, no file: a failed upload leaves nothing behind.
        storage.delete(saved)
        raise
    return pledge


def open_pledge(user, pledge_id: int, *, request=None) -> tuple[Pledge, BinaryIO]:
    """The pledge and an open handle on its scan, for a holder of VIEW_PERM; audited "download".

    PermissionDenied without the permission; Http404 for no such (or a withdrawn) pledge or a
    missing file. The caller closes the handle (FileResponse does).
    """
    from huiyin.privacy.audit import record

    _require(user, VIEW_PERM)
    pledge = (
        Pledge.objects.select_related("campaign", "community", "unit")
        .filter(pk=pledge_id, withdrawn=False)
        .first()
    )
    if pledge is None:
        raise Http404
    try:
        handle = pledge.file.storage.open(pledge.file.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    with transaction.atomic():
        record(
            "download",
            actor=user,
            target=pledge,
            diff={"type": pledge.content_type},
            request=request,
        )
    return pledge, handle


def withdraw_pledge(user, pledge: Pledge, *, reason: str, request=None) -> Pledge:
    """Mark a pledge withdrawn with a reason (never deleted); it leaves lists and downloads."""
    from huiyin.privacy.audit import record

    _require(user, MANAGE_PERM)
    reason = (reason or "").strip()
    if not reason:
        raise CampaignInvalid({"reason": [MSG_REASON]})
    with transaction.atomic():
        updated = Pledge.objects.filter(pk=pledge.pk, withdrawn=False).update(
            withdrawn=True, withdrawn_reason=reason
        )
        if not updated:
            raise CampaignInvalid({"reason": [MSG_ALREADY_WITHDRAWN]})
        pledge.withdrawn, pledge.withdrawn_reason = True, reason
        record(
            "object.update",
            actor=user,
            target=pledge,
            diff={"withdrawn": [False, True], "reason": reason},
            request=request,
        )
    return pledge


# The commendations (表彰, 通报批评) live in a module of their own; imported so Django sees them.
from huiyin.reports.commendations import Commendation  # noqa: E402, F401
