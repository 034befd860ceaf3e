"""Sign-in events go to the audit trail: success, failure and sign-out."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from huiyin.privacy import audit
from huiyin.privacy.client import client_address


@receiver(user_logged_in, dispatch_uid="huiyin.privacy.login")
def on_login(sender, request, user, **kwargs):
    audit.record("auth.login", actor=user, request=request)


@receiver(user_logged_out, dispatch_uid="huiyin.privacy.logout")
def on_logout(sender, request, user, **kwargs):
    # `user` is None when nobody was signed in: the sign-out is still an event.
    audit.record("auth.logout", actor=user, request=request)


@receiver(user_login_failed, dispatch_uid="huiyin.privacy.login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs):
    # Django has already replaced the password in `credentials` with stars.
    tried = str(credentials.get("username") or "")
    audit.record(
        "auth.login_failed",
        actor=None,
        target_label=tried,
        ip=client_address(request) if request is not None else None,
    )
