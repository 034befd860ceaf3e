"""Which accounts the directory owns.

An account signed in through a directory is the directory's: its roles are replaced from the
person's groups at every sign-in, and it has no Huiyin password. A local account (no row
here) is never taken over by a directory user of the same name, so the first administrator
and any account an office keeps for emergencies stay local.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    LDAP = "ldap", _("LDAP directory")
    OIDC = "oidc", _("OpenID Connect provider")


class DirectoryAccount(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="directory_account",
        verbose_name=_("account"),
    )
    source = models.CharField(_("directory"), max_length=10, choices=Source.choices)
    # The person's identifier in that directory: the LDAP user name (as signed in with,
    # lower-cased) or the provider's `sub` claim, which never changes for a person.
    subject = models.CharField(_("directory identifier"), max_length=255)
    # The groups of the last sign-in that the mapping knows (the others are not kept).
    groups = models.JSONField(_("directory groups"), default=list, blank=True)
    synced_at = models.DateTimeField(_("roles last taken from the directory"))

    class Meta:
        verbose_name = _("directory account")
        verbose_name_plural = _("directory accounts")
        constraints = [
            models.UniqueConstraint(fields=["source", "subject"], name="directory_unique_subject")
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} · {self.subject}"
