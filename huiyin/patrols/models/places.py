"""Key places (重点部位) and the versioned checklists they are inspected against.

The registry describes a place and its compliance: name, kind, address, grid, licences, the
competent authority and the person responsible for the place. It never holds a hotel's guest
register or an internet café's user log (旅馆业治安管理办法 art. 6, 网吧条例 art. 23: real-name
data kept for the police and culture authorities, not for the street).

A checklist belongs to a kind of place and has versions: editing one makes the next version,
so an inspection keeps the version it was made with (its items, their wording and basis).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from huiyin.privacy.fields import EncryptedTextField


class Authority(models.TextChoices):
    """The departments competent over key places (and the street itself, inspecting by its
    duties, 安全生产法 art. 9)."""

    CULTURE = "culture", _("Culture and tourism")
    POLICE = "police", _("Public security")
    FIRE = "fire", _("Fire and rescue")
    MARKET = "market", _("Market regulation")
    EMERGENCY = "emergency", _("Emergency management")
    STREET = "street", _("Street office")


class PlaceKind(models.Model):
    """A kind of key place (宾馆, 网吧, ...): editable; the defaults come with the app."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=40, unique=True)
    authority = models.CharField(
        _("usual competent authority"), max_length=12, choices=Authority.choices, blank=True
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("kind of key place")
        verbose_name_plural = _("kinds of key place")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class Place(models.Model):
    street = models.ForeignKey(
        "org.Street", models.PROTECT, related_name="+", verbose_name=_("street")
    )
    community = models.ForeignKey(
        "org.Community", models.PROTECT, related_name="+", verbose_name=_("community")
    )
    grid = models.ForeignKey(
        "org.Grid", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("grid")
    )
    kind = models.ForeignKey(
        PlaceKind, models.PROTECT, related_name="places", verbose_name=_("kind")
    )
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200)
    licences = models.TextField(_("licences"), blank=True)
    authority = models.CharField(_("competent authority"), max_length=12, choices=Authority.choices)
    responsible_name = models.CharField(_("person responsible"), max_length=40, blank=True)
    responsible_phone = EncryptedTextField(_("phone of the person responsible"), blank=True)
    responsible_phone_masked = models.CharField(_("phone (masked)"), max_length=20, blank=True)
    active = models.BooleanField(_("in the registry"), default=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("key place")
        verbose_name_plural = _("key places")
        ordering = ["community__order", "kind__order", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["street", "name", "address"], name="place_unique_name_address"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def audit_label(self) -> str:
        return self.name


class Checklist(models.Model):
    """One version of the checklist of a kind of place. Never changed once made: editing it
    makes the next version (the newest is the one in use)."""

    kind = models.ForeignKey(
        PlaceKind, models.PROTECT, related_name="checklists", verbose_name=_("kind of place")
    )
    version = models.PositiveIntegerField(_("version"))
    note = models.CharField(_("what changed"), max_length=200, blank=True)
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
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")
        ordering = ["kind__order", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="checklist_unique_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="checklist_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.kind.name} v{self.version}"


class ChecklistItem(models.Model):
    checklist = models.ForeignKey(
        Checklist, models.PROTECT, related_name="items", verbose_name=_("checklist")
    )
    order = models.PositiveSmallIntegerField(_("order"))
    text = models.CharField(_("item"), max_length=200)
    basis = models.CharField(_("legal basis"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["checklist", "order"]
        constraints = [
            models.UniqueConstraint(fields=["checklist", "order"], name="checklist_item_order")
        ]

    def __str__(self) -> str:
        return self.text
