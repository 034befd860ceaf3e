"""OpenID Connect sign-in: the authorization-code flow through the real views, against a small
provider on loopback (provider.py) that signs its ID tokens with a key made for the run."""

from __future__ import annotations

import http.client
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from huiyin.directory.models import DirectoryAccount
from huiyin.directory.services import Refused
from huiyin.directory.tests.conftest import MAPPING
from huiyin.directory.tests.provider import CLIENT_ID, Provider
from huiyin.directory.views import FAILED
from huiyin.org.models import RoleGrant
from huiyin.org.roles import Role
from huiyin.privacy.models import AuditEntry

ZHANG = {
    "sub": "f3a9c0de-0001",
    "preferred_username": "zhang.wei",
    "name": "张伟",
    "email": "zhangwei@jd.example.gov.cn",
    "email_verified": True,
    "groups": ["hy-clerks", "hy-gzy", "canteen"],
}


@pytest.fixture(scope="module")
def provider():
    running = Provider()
    yield running
    running.stop()


@pytest.fixture
def oidc_on(provider, directory_env, personas):
    provider.tamper, provider.groups_in = "", "userinfo"
    return directory_env({**provider.env(), "HUIYIN_DIRECTORY_GROUPS": MAPPING})


def at_provider(url: str) -> str:
    """The browser at the provider: where its answer sends the browser back to."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", f"{parts.path}?{parts.query}")
        answer = connection.getresponse()
        answer.read()
        assert answer.status == 302, answer.status
        return answer.getheader("Location")
    finally:
        connection.close()


def start(client, provider, person) -> str:
    """Press the button; returns the address the provider sends the browser back to."""
    provider.person = person
    response = client.get(reverse("oidc_authentication_init"))
    assert response.status_code == 302
    assert response["Location"].startswith(provider.issuer + "/authorize?")
    return at_provider(response["Location"])


def come_back(client, back: str):
    parts = urlsplit(back)
    assert parts.path == reverse("oidc_authentication_callback")
    return client.get(f"{parts.path}?{parts.query}")


def sign_in(client, provider, person):
    return come_back(client, start(client, provider, person))


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def page_message(client) -> str:
    html = client.get(reverse("login")).content.decode()
    found = re.search(r'login-message" role="alert">(.*?)</div>', html, re.S)
    return found.group(1).strip() if found else ""


def grants(username):
    return {
        (g.role, g.community.name if g.community else None)
        for g in RoleGrant.objects.filter(staff__user__username=username).select_related(
            "community"
        )
    }


def test_the_button_shows_only_when_oidc_is_configured(client, db, directory_env, provider):
    html = client.get(reverse("login")).content.decode()
    assert 'id="oidc-sign-in"' not in html
    assert client.get(reverse("oidc_authentication_init")).status_code == 404
    assert client.get(reverse("oidc_authentication_callback")).status_code == 404

    directory_env(
        {
            **provider.env(),
            "HUIYIN_DIRECTORY_GROUPS": MAPPING,
            "HUIYIN_OIDC_LABEL": "政务统一身份认证",
        }
    )
    html = client.get(reverse("login") + "?next=/petitions/").content.decode()
    assert 'id="oidc-sign-in"' in html and "政务统一身份认证" in html
    assert 'href="/oidc/authenticate/?next=%2Fpetitions%2F"' in html
    # The page keeps to the CSP: scripts only from files, no inline script or handler.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\son[a-z]+=", html)


def test_the_code_flow_signs_in_with_the_mapped_grants(client, provider, oidc_on):
    request = client.get(reverse("oidc_authentication_init") + "?next=/petitions/")
    query = parse_qs(urlsplit(request["Location"]).query)
    assert query["client_id"] == [CLIENT_ID] and query["response_type"] == ["code"]
    assert query["redirect_uri"] == ["http://testserver/oidc/callback/"]
    assert query["code_challenge_method"] == ["S256"]
    assert query["state"][0] and query["nonce"][0]
    provider.person = ZHANG
    response = come_back(client, at_provider(request["Location"]))
    assert response.status_code == 302 and response["Location"] == "/petitions/"
    assert signed_in(client)

    user = get_user_model().objects.get(username="zhang.wei")
    assert not user.has_usable_password()
    assert user.staff.name == "张伟" and user.email == "zhangwei@jd.example.gov.cn"
    assert grants("zhang.wei") == {
        (Role.PETITION_CLERK, None),
        (Role.COMMUNITY_WORKER, "柑子园社区"),
    }
    account = DirectoryAccount.objects.get(user=user)
    assert (account.source, account.subject) == ("oidc", ZHANG["sub"])
    sync = AuditEntry.objects.get(action="directory.sync")
    assert sync.actor == user and sync.diff["source"] == "oidc"
    assert AuditEntry.objects.filter(action="auth.login", actor=user).exists()
    # The provider was asked for the token, the key and the userinfo: real HTTP.
    assert {"/authorize", "/token", "/jwks", "/userinfo"} <= set(provider.requests)


def test_groups_in_the_id_token_count_and_a_change_counts_at_the_next_sign_in(
    client, provider, oidc_on
):
    provider.groups_in = "id_token"
    assert sign_in(client, provider, ZHANG).status_code == 302
    assert grants("zhang.wei") == {
        (Role.PETITION_CLERK, None),
        (Role.COMMUNITY_WORKER, "柑子园社区"),
    }
    client.post(reverse("logout"))
    # The same person (same sub) under a new user name keeps the account; groups changed.
    moved = {**ZHANG, "preferred_username": "zw2", "groups": ["hy-leaders"]}
    assert sign_in(client, provider, moved).status_code == 302
    assert grants("zhang.wei") == {(Role.LEADER, None)}
    assert DirectoryAccount.objects.count() == 1


def test_a_person_in_no_mapped_group_is_refused_in_chinese(client, provider, oidc_on):
    stranger = {**ZHANG, "sub": "f3a9c0de-0002", "preferred_username": "x1", "groups": ["canteen"]}
    response = sign_in(client, provider, stranger)
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert not signed_in(client)
    assert page_message(client) == str(Refused.MESSAGES[Refused.NO_GROUP])
    assert not get_user_model().objects.filter(username="x1").exists()
    refused = AuditEntry.objects.get(action="directory.refused")
    assert refused.diff["source"] == "oidc" and refused.diff["reason"] == "no_mapped_group"


def test_a_state_that_is_not_this_sessions_is_refused(client, provider, oidc_on):
    back = start(client, provider, ZHANG)
    forged = re.sub(r"state=[^&]+", "state=forged-state", back)
    response = come_back(client, forged)
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert not signed_in(client)
    assert page_message(client) == str(FAILED)
    # Another browser (no state at all in its session) cannot use the real answer either.
    from django.test import Client

    other = Client()
    assert come_back(other, back).status_code == 302
    assert "_auth_user_id" not in other.session


def test_an_answer_is_good_once(client, provider, oidc_on):
    back = start(client, provider, ZHANG)
    assert come_back(client, back).status_code == 302 and signed_in(client)
    client.post(reverse("logout"))
    response = come_back(client, back)
    assert response["Location"] == reverse("login") and not signed_in(client)


@pytest.mark.parametrize("tamper", ["nonce", "audience", "issuer", "key", "userinfo_sub"])
def test_a_token_that_does_not_verify_is_refused(client, provider, oidc_on, tamper):
    provider.tamper = tamper
    response = sign_in(client, provider, ZHANG)
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert not signed_in(client)
    assert not get_user_model().objects.filter(username="zhang.wei").exists()


def test_a_cancelled_sign_in_and_nonsense_come_back_to_the_page(client, provider, oidc_on):
    url = reverse("oidc_authentication_callback")
    for query in ("?error=access_denied&state=x", "?code=" + "x" * 5000 + "&state=y", "?junk=1"):
        response = client.get(url + query)
        assert response.status_code == 302 and response["Location"] == reverse("login")
    assert not signed_in(client)


def test_a_provider_that_is_down_is_a_failed_sign_in_not_an_error(
    client, provider, oidc_on, settings
):
    back = start(client, provider, ZHANG)
    settings.OIDC_OP_TOKEN_ENDPOINT = "http://127.0.0.1:9/token"
    response = come_back(client, back)
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert page_message(client) == str(FAILED)


def test_the_sign_in_form_never_reaches_the_provider(client, provider, oidc_on):
    before = len(provider.requests)
    response = client.post(
        reverse("login") + "?code=abc&state=def", {"username": "zhang.wei", "password": "x" * 12}
    )
    assert response.status_code == 200
    assert len(provider.requests) == before
