"""API access: personal tokens and service accounts (see :mod:`huiyin.api.tokens`).

A token is shown once, when it is made; only the SHA-256 of it is kept, with a short public
prefix to find the row. A service account is an ordinary account of another system (the
district's platform, the 12345 hotline) that cannot sign in on the web (no usable password)
and holds one fixed role grant; its tokens act with that role and scope.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")


class ApiToken(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=60)
    # The public part of the token ("hy_<prefix>_<secret>"), to find the row; not a secret.
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    token_hash = models.CharField(_("SHA-256 of the token"), max_length=64)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    # The rate limit's current minute and the calls counted in it (one conditional UPDATE).
    rate_window = models.DateTimeField(null=True, blank=True, editable=False)
    rate_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="api_token_owner")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    def audit_label(self) -> str:
        return f"{self.prefix} {self.name}"[:200]

    @property
    def can_write(self) -> bool:
        return self.scope == Scope.WRITE

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def expired(self, now=None) -> bool:
        return self.expires_at <= (now or timezone.now())

    def active(self, now=None) -> bool:
        return not self.revoked and not self.expired(now)


class ServiceAccount(models.Model):
    """Another system's account: no web sign-in, one fixed role grant (made by a command)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="service_account",
        verbose_name=_("account"),
    )
    system = models.CharField(_("system"), max_length=100)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("service account")
        verbose_name_plural = _("service accounts")

    def __str__(self) -> str:
        return self.system
