"""Tokens: shown once, stored hashed, expire and are revoked; scopes; the rate limit; the audit
trail names the token's id, never the token."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from huiyin.api import tokens
from huiyin.api.models import ApiToken
from huiyin.api.tests.conftest import problem
from huiyin.org.roles import Role
from huiyin.privacy.models import AuditEntry

LIST = "/api/v1/reference/communities"


@pytest.fixture
def clerk(personas):
    return personas[Role.PETITION_CLERK]


def test_a_token_is_kept_only_as_its_hash(clerk):
    token, secret = tokens.create_token(owner=clerk, name="区平台", scope="read", days=30)
    assert secret.startswith(f"hy_{token.prefix}_")
    row = ApiToken.objects.get(pk=token.pk)
    assert row.token_hash == tokens.digest(secret)
    assert secret not in str(list(ApiToken.objects.values()))
    assert tokens.find(secret).pk == token.pk


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Basic dXNlcjpwYXNz", "Bearer hy_0000000000_" + "x" * 43, "Bearer \x7f"],
)
def test_no_or_bad_token_is_401(client, db, header):
    extra = {"HTTP_ACCEPT_LANGUAGE": "en"}
    if header is not None:
        extra["HTTP_AUTHORIZATION"] = header
    response = client.get(LIST, **extra)
    assert response.status_code == 401
    assert problem(response)["type"].endswith("unauthenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_secret_is_401(call, clerk, token_of):
    secret = token_of(clerk)
    forged = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    assert call(forged, "get", LIST).status_code == 401


def test_expired_token_is_401_and_audited(call, clerk):
    token, secret = tokens.create_token(owner=clerk, name="x", days=1)
    assert call(secret, "get", LIST).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = call(secret, "get", LIST)
    assert response.status_code == 401
    assert "expired" in problem(response)["detail"]
    entry = AuditEntry.objects.filter(action="api.call").order_by("-seq").first()
    assert entry.diff["token"] == token.pk and entry.diff["status"] == 401


def test_revoked_token_is_401(call, clerk):
    token, secret = tokens.create_token(owner=clerk, name="x", days=1)
    assert call(secret, "get", LIST).status_code == 200
    assert tokens.revoke(token, actor=clerk)
    assert not tokens.revoke(token, actor=clerk)  # once
    response = call(secret, "get", LIST)
    assert response.status_code == 401
    assert "revoked" in problem(response)["detail"]


def test_a_disabled_account_is_401(call, clerk, token_of):
    secret = token_of(clerk)
    clerk.is_active = False
    clerk.save(update_fields=["is_active"])
    assert call(secret, "get", LIST).status_code == 401


def test_a_read_token_cannot_write(call, clerk):
    response = call(clerk, "post", "/api/v1/petitions", {"title": "x"}, scope="read")
    assert response.status_code == 403
    assert problem(response)["type"].endswith("scope")


def test_a_session_never_opens_the_api(client, clerk):
    client.force_login(clerk)
    assert client.get(LIST).status_code == 401
    assert client.post("/api/v1/petitions", {}, content_type="application/json").status_code == 401


def test_every_call_is_audited_with_the_token_id_never_the_token(call, clerk, token_of):
    secret = token_of(clerk)
    call(secret, "get", LIST)
    entry = AuditEntry.objects.filter(action="api.call").order_by("-seq").first()
    token = ApiToken.objects.get(owner=clerk)
    assert entry.actor_id == clerk.pk
    assert entry.diff == {"token": token.pk, "method": "GET", "path": LIST, "status": 200}
    assert not AuditEntry.objects.filter(diff__icontains=secret.split("_")[-1]).exists()
    assert secret not in str(list(AuditEntry.objects.values()))


def test_rate_limit_429_with_retry_after(call, clerk, settings):
    settings.HUIYIN_API_RATE_PER_MINUTE = 3
    token, secret = tokens.create_token(owner=clerk, name="x", days=1)
    now = timezone.now().replace(second=10, microsecond=0)
    for _ in range(3):
        assert tokens.hit(token, now) is None
    assert tokens.hit(token, now) == 50
    # The next minute starts afresh.
    assert tokens.hit(token, now + timedelta(minutes=1)) is None
    ApiToken.objects.filter(pk=token.pk).update(rate_window=None, rate_count=0)
    statuses = [call(secret, "get", LIST).status_code for _ in range(5)]
    assert statuses.count(429) >= 1 and statuses[0] == 200
    response = call(secret, "get", LIST)
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert problem(response)["type"].endswith("rate-limited")


def test_token_input_is_checked(clerk):
    with pytest.raises(tokens.TokenInvalid) as caught:
        tokens.create_token(owner=clerk, name="", scope="admin", days=10**30)
    assert set(caught.value.errors) == {"name", "scope", "days"}
    with pytest.raises(tokens.TokenInvalid):
        tokens.create_token(owner=clerk, name="x\x00" * 40, days=0)


def test_service_account_acts_with_its_fixed_grant(call, db, community):
    from huiyin.api.tokens import ServiceGrant, create_service_account

    account = create_service_account(
        username="svc-12345",
        system="12345热线",
        grant=ServiceGrant(Role.PETITION_CLERK),
    )
    assert not account.user.has_usable_password()
    _token, secret = tokens.create_token(owner=account.user, name="热线", scope="write", days=30)
    response = call(secret, "get", "/api/v1/cases", kind="petition")
    assert response.status_code == 200
    # Its grant allows no disputes, as a clerk's does not.
    assert call(secret, "get", "/api/v1/cases", kind="dispute").status_code == 403
