"""OpenID Connect's two pages: off to the provider, and back from it (mozilla-django-oidc).

Both answer 404 unless OIDC is configured. Every way the callback can fail (the person
cancelled, a state that is not this session's, a token that does not verify, a refusal) ends
on the sign-in page with a message in Chinese, never a 400 or a 500.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.generic import View
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from huiyin.directory import services

logger = logging.getLogger(__name__)

# A provider's code and state are a few hundred characters; a longer one is not read.
MAX_PARAMETER = 2048
MAX_PARAMETERS = 20

FAILED = _(
    "Sign-in through the identity provider did not succeed. Try again, or sign in with "
    "your Huiyin account."
)


def _configured() -> None:
    if not settings.HUIYIN_DIRECTORY.oidc:
        raise Http404


class SignInView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider, with a fresh state, nonce and PKCE challenge."""

    def __init__(self, **kwargs):
        # The library reads its settings here, which exist only when OIDC is configured.
        View.__init__(self, **kwargs)

    def get(self, request):
        _configured()
        self.OIDC_OP_AUTH_ENDPOINT = settings.OIDC_OP_AUTHORIZATION_ENDPOINT
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


class CallbackView(OIDCAuthenticationCallbackView):
    """Back from the provider: the state must be this session's, the nonce the token's."""

    def get(self, request):
        _configured()
        if len(request.GET) > MAX_PARAMETERS or any(
            len(value) > MAX_PARAMETER for value in request.GET.values()
        ):
            return self.login_failure()
        try:
            return super().get(request)
        except SuspiciousOperation as exc:
            # A state this session never sent: a replayed or forged callback.
            logger.warning("OpenID Connect callback refused: %s", exc)
            return self.login_failure()

    def login_failure(self):
        messages.error(self.request, services.refusal_message(self.request) or FAILED)
        return redirect("login")
