"""Personal API tokens and service accounts: made, found, revoked and rate-limited here.

    token, secret = create_token(owner=user, name="区平台对接", scope="write", days=90)
    secret                       # "hy_3f9a0c1d2e_…": shown once, never stored
    find("hy_3f9a0c1d2e_…")      # the ApiToken, or raises TokenRefused (why, for the 401)

A token is ``hy_<prefix>_<secret>``: the prefix (10 hex digits) finds the row, the SHA-256 of
the whole token is compared in constant time. Nothing but the hash and the prefix is kept;
the audit trail names a token by its id and prefix, never by the token.

Rate limit: at most ``HUIYIN_API_RATE_PER_MINUTE`` calls (default 120) per token and calendar
minute, counted in the token's row by one conditional UPDATE (so every server process shares
it). Service accounts: a user with no usable password (no web sign-in), a Staff row and one
fixed role grant (:func:`create_service_account`).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from huiyin.api.models import ApiToken, Scope, ServiceAccount
from huiyin.env import envint

TOKEN_RE = re.compile(r"hy_([0-9a-f]{10})_([A-Za-z0-9_-]{20,64})")
#: Longest a token may live, and the default.
MAX_DAYS = 365
DEFAULT_DAYS = 90
MAX_NAME = 60

MSG_NO_TOKEN = _("Sign in with an API token: send the header “Authorization: Bearer <token>”.")
MSG_BAD_TOKEN = _("The API token is not valid.")
MSG_EXPIRED = _("The API token has expired; make a new one on your API tokens page.")
MSG_REVOKED = _("The API token was revoked.")
MSG_INACTIVE = _("The account of this API token is disabled.")
MSG_NAME = _("Give the token a name of at most %(max)s characters.")
MSG_DAYS = _("A token lives between 1 and %(max)s days.")
MSG_SCOPE = _("Choose read or write.")


class TokenRefused(Exception):
    """The token in a request is missing, unknown, expired or revoked (`message` says which)."""

    def __init__(self, message: str | Promise, token: ApiToken | None = None):
        super().__init__(message)
        self.message = message
        self.token = token


class TokenInvalid(Exception):
    """The input for a new token was refused; `errors` maps field names to messages."""

    def __init__(self, errors: dict[str, list[str | Promise]]):
        super().__init__(errors)
        self.errors = errors


def rate_per_minute() -> int:
    value = getattr(settings, "HUIYIN_API_RATE_PER_MINUTE", None)
    if value is None:
        value = envint("HUIYIN_API_RATE_PER_MINUTE", 120, minimum=1)
    return max(int(value), 1)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_secret() -> tuple[str, str]:
    while True:
        prefix = secrets.token_hex(5)
        if not ApiToken.objects.filter(prefix=prefix).exists():
            return prefix, f"hy_{prefix}_{secrets.token_urlsafe(32)}"


def clean(name, scope, days) -> tuple[str, str, int]:
    """The name, scope and lifetime of a new token, checked (TokenInvalid otherwise)."""
    errors: dict[str, list] = {}
    text = str(name or "").replace("\x00", "").strip()
    if not text or len(text) > MAX_NAME:
        errors["name"] = [str(MSG_NAME) % {"max": MAX_NAME}]
    if scope not in Scope.values:
        errors["scope"] = [MSG_SCOPE]
    try:
        lifetime = int(days if days not in (None, "") else DEFAULT_DAYS)
    except (TypeError, ValueError, OverflowError):
        lifetime = 0
    if not 1 <= lifetime <= MAX_DAYS:
        errors["days"] = [str(MSG_DAYS) % {"max": MAX_DAYS}]
    if errors:
        raise TokenInvalid(errors)
    return text, scope, lifetime


def create_token(
    *, owner, name: str, scope: str = Scope.READ, days: int = DEFAULT_DAYS, actor=None, request=None
) -> tuple[ApiToken, str]:
    """A new token of `owner` and the token itself (show it once; it is not kept)."""
    from huiyin.privacy.audit import record

    name, scope, days = clean(name, scope, days)
    now = timezone.now()
    with transaction.atomic():
        prefix, secret = _new_secret()
        token = ApiToken.objects.create(
            owner=owner,
            name=name,
            prefix=prefix,
            token_hash=digest(secret),
            scope=scope,
            created_at=now,
            created_by=actor or owner,
            expires_at=now + timedelta(days=days),
        )
        record(
            "api.token_created",
            actor=actor or owner,
            target=token,
            diff={"token": token.pk, "scope": scope, "days": days, "owner": owner.pk},
            request=request,
        )
    return token, secret


def revoke(token: ApiToken, *, actor, request=None) -> bool:
    """Revoke `token` (no-op when it already is); True when this call revoked it."""
    from huiyin.privacy.audit import record

    with transaction.atomic():
        changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if changed:
            record(
                "api.token_revoked",
                actor=actor,
                target=token,
                diff={"token": token.pk},
                request=request,
            )
    token.refresh_from_db(fields=["revoked_at"])
    return bool(changed)


def tokens_of(user):
    return ApiToken.objects.filter(owner=user).order_by("-created_at", "-id")


# --------------------------------------------------------------------------- checking


def bearer(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (None when there is none)."""
    if not header:
        return None
    scheme, _sep, value = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def find(text: str | None, *, now: datetime | None = None) -> ApiToken:
    """The live token `text` names, its owner loaded; TokenRefused otherwise.

    An unknown token and a wrong secret get the same answer; an expired or revoked one says
    so (its row is known: `TokenRefused.token` lets the caller audit the attempt).
    """
    if not text:
        raise TokenRefused(MSG_NO_TOKEN)
    match = TOKEN_RE.fullmatch(text[:100])
    if match is None or len(text) > 100:
        raise TokenRefused(MSG_BAD_TOKEN)
    token = ApiToken.objects.select_related("owner").filter(prefix=match.group(1)).first()
    if token is None or not hmac.compare_digest(token.token_hash, digest(text)):
        raise TokenRefused(MSG_BAD_TOKEN)
    now = now or timezone.now()
    if token.revoked:
        raise TokenRefused(MSG_REVOKED, token)
    if token.expired(now):
        raise TokenRefused(MSG_EXPIRED, token)
    if not token.owner.is_active:
        raise TokenRefused(MSG_INACTIVE, token)
    return token


def touch(token: ApiToken, now: datetime | None = None) -> None:
    """Record the token's use (at most once a minute, so a busy client writes little)."""
    now = now or timezone.now()
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - timedelta(minutes=1))
    ).update(last_used_at=now)


def hit(token: ApiToken, now: datetime | None = None) -> int | None:
    """Count one call; the seconds to wait when the token is over its limit, else None."""
    now = now or timezone.now()
    window = now.replace(second=0, microsecond=0)
    rows = ApiToken.objects.filter(pk=token.pk)
    if not rows.filter(rate_window=window).update(rate_count=F("rate_count") + 1):
        # A new minute (two processes may both start it: the count is then one low).
        rows.exclude(rate_window=window).update(rate_window=window, rate_count=1)
    count = rows.values_list("rate_count", flat=True).first() or 0
    if count <= rate_per_minute():
        return None
    return max(math.ceil((window + timedelta(minutes=1) - now).total_seconds()), 1)


# --------------------------------------------------------------------------- service accounts


@dataclass(frozen=True)
class ServiceGrant:
    role: str
    community_id: int | None = None
    grid_id: int | None = None
    unit_id: int | None = None
    street_id: int | None = None  # a whole-street grant's street (else the place's, or the only)


def create_service_account(
    *, username: str, system: str, grant: ServiceGrant, note: str = ""
) -> ServiceAccount:
    """A user that cannot sign in on the web, its Staff row and its one role grant."""
    from huiyin.org.models import RoleGrant, Staff

    User = get_user_model()
    with transaction.atomic():
        user = User(username=username, is_active=True)
        user.set_unusable_password()
        user.save()
        staff = Staff.objects.create(user=user, name=system[:40], title=str(_("Service account")))
        RoleGrant.objects.create(
            staff=staff,
            role=grant.role,
            community_id=grant.community_id,
            grid_id=grant.grid_id,
            unit_id=grant.unit_id,
            street_id=grant.street_id,
        )
        return ServiceAccount.objects.create(user=user, system=system[:100], note=note[:200])
