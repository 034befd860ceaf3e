from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _install_triggers(sender, using, **kwargs):
    """After every migrate: the append-only triggers are there (see triggers.py)."""
    from huiyin.privacy import triggers

    triggers.install(connections[using])


def _audit_link():
    from django.urls import reverse

    from huiyin.front.navigation import Link

    return Link(
        _("Audit trail"),
        reverse("privacy:audit"),
        _("Every sign-in, change, identity view and export, hash-chained and verifiable."),
    )


class PrivacyConfig(AppConfig):
    name = "huiyin.privacy"
    verbose_name = _("Privacy and audit")

    def ready(self):
        from huiyin.front.navigation import register_system_link
        from huiyin.org.roles import Perm
        from huiyin.privacy import signals  # noqa: F401  (connects the sign-in receivers)

        post_migrate.connect(_install_triggers, sender=self, dispatch_uid="huiyin.privacy.triggers")
        register_system_link(Perm.AUDIT_VIEW, _audit_link)
