"""The two directories' authentication backends, after django-axes and the local accounts.

settings.AUTHENTICATION_BACKENDS keeps axes first (a locked-out client is refused before any
password is checked anywhere), then Django's ModelBackend (local accounts, argon2), then these
when configured. A directory account has no usable Huiyin password, so the ModelBackend never
lets it in; a local account is never taken over by a directory user of the same name
(huiyin.directory.services).
"""

from __future__ import annotations

import hashlib
import logging

import jwt
import requests
from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.utils.translation import gettext_lazy as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from huiyin.directory import services
from huiyin.directory.models import Source

logger = logging.getLogger(__name__)


def _refused(request, refusal: services.Refused, source: str) -> PermissionDenied:
    """Audit the refusal and stop: PermissionDenied ends Django's walk through the backends."""
    services.refuse(request, refusal, source)
    return PermissionDenied(refusal.reason)


# --------------------------------------------------------------------------- LDAP

try:
    import ldap
    from django_auth_ldap.backend import LDAPBackend as _LDAPBackend
    from django_auth_ldap.backend import ldap_error
except ImportError:  # the `ldap` extra is not installed: settings refuse HUIYIN_LDAP_URL then
    ldap = ldap_error = None
    _LDAPBackend = object

UNREACHABLE = _(
    "The directory cannot be reached just now. Try again in a moment; "
    "a local Huiyin account can still sign in."
)


def _first(attrs, name: str):
    """An LDAP attribute's first value (attribute names are case-insensitive)."""
    wanted = name.lower()
    for key, values in (attrs or {}).items():
        if key.lower() == wanted and values:
            value = values[0]
            return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return None


class LDAPBackend(_LDAPBackend):
    """django-auth-ldap, with Huiyin's accounts, Staff and grants made by services.sign_in."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        # The sign-in form's bound: a name longer than any account's goes to no directory.
        if not isinstance(username, str) or len(username.strip()) > services.MAX_USERNAME:
            return None
        try:
            return super().authenticate(request, username=username, password=password, **kwargs)
        except services.Refused as refusal:
            raise _refused(request, refusal, Source.LDAP) from None

    def get_or_build_user(self, username, ldap_user):
        # Called once the password is proved and before anything is saved. The groups and
        # attributes are read from the directory here, outside any transaction; sign_in()
        # then writes the account, its Staff row and its grants in one.
        directory = settings.HUIYIN_DIRECTORY
        groups = ldap_user.group_names
        attrs = ldap_user.attrs
        user = services.sign_in(
            source=Source.LDAP,
            subject=username.lower(),
            username=username.lower(),
            groups=groups,
            name=_first(attrs, directory.ldap_name_attr),
            email=_first(attrs, directory.ldap_email_attr),
            request=ldap_user._request,
        )
        # "Not built": django-auth-ldap then neither sets a password nor saves it again.
        return user, False


def _ldap_failed(sender, context, user, request, exception, **kwargs):
    """An LDAP error (django-auth-ldap reports and swallows it): logged, and told on the page."""
    logger.warning("LDAP %s failed: %s", context, exception)
    if request is not None and isinstance(exception, ldap.SERVER_DOWN | ldap.TIMEOUT):
        setattr(request, services.REFUSAL_ATTR, str(UNREACHABLE))


if ldap_error is not None:
    ldap_error.connect(_ldap_failed, sender=LDAPBackend, dispatch_uid="huiyin.directory.ldap")


# --------------------------------------------------------------------------- OpenID Connect


class OIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's code flow, the ID token checked in full, the account by `sub`."""

    def authenticate(self, request, **kwargs):
        # Only the callback view asks with a nonce; a sign-in form's credentials are not ours.
        if request is None or "nonce" not in kwargs or {"username", "password"} & kwargs.keys():
            return None
        try:
            return super().authenticate(request, **kwargs)
        except services.Refused as refusal:
            raise _refused(request, refusal, Source.OIDC) from None
        except (
            SuspiciousOperation,
            requests.RequestException,
            jwt.PyJWTError,
            ValueError,
            KeyError,
            TypeError,
        ) as exc:
            # A provider down, a token that does not verify, an answer that is not JSON:
            # a failed sign-in with the page's message, never a server error.
            logger.warning("OpenID Connect sign-in failed: %s: %s", type(exc).__name__, exc)
            return None

    def _verify_jws(self, payload, key):
        """The signature, and the claims mozilla-django-oidc leaves unchecked: iss and aud."""
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation("the ID token's algorithm is not the one configured")
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.HUIYIN_DIRECTORY.oidc_issuer,
                leeway=60,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise SuspiciousOperation(f"the ID token is refused: {exc}") from None

    def get_or_create_user(self, access_token, id_token, payload):
        directory = settings.HUIYIN_DIRECTORY
        info = self.get_userinfo(access_token, id_token, payload)
        if not isinstance(info, dict):
            raise SuspiciousOperation("the userinfo answer is not an object")
        # OIDC Core 5.3.2: the userinfo's sub must be the ID token's, or it is someone else's.
        if info.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("the userinfo's sub is not the ID token's")
        claims = {**payload, **info}
        subject = payload.get("sub")
        subject = subject if isinstance(subject, str) else ""
        groups = [
            *services.bounded_groups(payload.get(directory.oidc_groups_claim) or []),
            *services.bounded_groups(info.get(directory.oidc_groups_claim) or []),
        ]
        email = claims.get("email") if claims.get("email_verified") is not False else None
        return services.sign_in(
            source=Source.OIDC,
            subject=subject,
            username=_username(claims.get(directory.oidc_username_claim), subject),
            groups=groups,
            name=claims.get(directory.oidc_name_claim),
            email=email,
            request=self.request,
        )


def _username(claimed, subject: str) -> str:
    """The provider's user name when Django can hold it, else one made from the `sub`."""
    if services.valid_username(claimed):
        return claimed
    digest = hashlib.sha256(subject.encode("utf-8", "replace")).hexdigest()[:20]
    return f"oidc-{digest}"
