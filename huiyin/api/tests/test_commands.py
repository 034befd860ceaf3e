"""`huiyin api-demo` over HTTP against a live server, `huiyin api-token` for service accounts,
and the API tokens page."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from huiyin.api.models import ApiToken, ServiceAccount
from huiyin.cases.models import Case
from huiyin.org.models import RoleGrant
from huiyin.org.roles import Role


@pytest.mark.django_db(transaction=True)
def test_api_demo_registers_assigns_and_reads_statistics(live_server, personas, unit, capsys):
    call_command("api-demo", "--url", live_server.url, "--user", "clerk")
    out = capsys.readouterr().out
    case = Case.objects.get()
    assert case.status == "assigned" and case.owner_unit_id == unit.pk
    assert case.number in out
    assert re.search(r"^4\. ", out, re.MULTILINE)
    # The run's token was revoked after it.
    assert ApiToken.objects.get().revoked


@pytest.mark.django_db(transaction=True)
def test_api_demo_reports_a_refusal(live_server, personas, unit, capsys):
    with pytest.raises(SystemExit) as stop:
        call_command("api-demo", "--url", live_server.url, "--user", "auditor")
    assert stop.value.code == 1
    assert "403" in capsys.readouterr().err
    assert not Case.objects.exists()


def test_api_demo_needs_a_token_or_user(db):
    with pytest.raises(CommandError):
        call_command("api-demo")
    with pytest.raises(CommandError):
        call_command("api-demo", "--user", "nobody")


def test_service_account_and_tokens(db, community, capsys, call):
    call_command(
        "api-token",
        "service",
        "svc-12345",
        "--system",
        "12345热线",
        "--role",
        Role.PETITION_CLERK,
        "--community",
        community.name,
        "--scope",
        "write",
    )
    out = capsys.readouterr().out
    secret = re.search(r"^hy_\S+$", out, re.MULTILINE).group(0)
    account = ServiceAccount.objects.get()
    grant = RoleGrant.objects.get(staff__user=account.user)
    assert grant.role == Role.PETITION_CLERK and grant.community_id == community.pk
    assert not account.user.has_usable_password()
    assert call(secret, "get", "/api/v1/reference/communities").status_code == 200
    call_command("api-token", "list")
    listing = capsys.readouterr().out
    assert "svc-12345" in listing and secret not in listing
    prefix = ApiToken.objects.get().prefix
    call_command("api-token", "revoke", prefix)
    assert call(secret, "get", "/api/v1/reference/communities").status_code == 401
    with pytest.raises(CommandError):
        call_command("api-token", "service", "svc-12345", "--system", "x", "--role", "leader")
    with pytest.raises(CommandError):
        call_command("api-token", "new", "--user", "svc-12345", "--name", "x", "--days", "9999")


def test_tokens_page_makes_shows_once_and_revokes(client, personas):
    clerk = personas[Role.PETITION_CLERK]
    client.force_login(clerk)
    page = client.get("/api/tokens/")
    assert page.status_code == 200 and b"token-form" in page.content
    made = client.post("/api/tokens/", {"name": "区平台", "scope": "write", "days": 30})
    assert made.status_code == 200
    secret = re.search(rb"hy_[0-9a-f]{10}_[A-Za-z0-9_-]+", made.content).group(0).decode()
    assert "no-store" in made["Cache-Control"]
    token = ApiToken.objects.get(owner=clerk)
    assert token.scope == "write"
    # Shown once: the list shows the prefix, never the token again.
    again = client.get("/api/tokens/")
    assert token.prefix.encode() in again.content and secret.encode() not in again.content
    # Nobody else revokes it; its owner does.
    other = personas[Role.LEADER]
    client.force_login(other)
    assert client.post(f"/api/tokens/{token.pk}/revoke/").status_code == 404
    client.force_login(clerk)
    assert client.post(f"/api/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked


def test_tokens_page_refuses_bad_input_and_people_without_a_role(client, personas, outsider):
    client.force_login(personas[Role.PETITION_CLERK])
    bad = client.post("/api/tokens/", {"name": "", "scope": "root", "days": 10**9})
    assert bad.status_code == 400
    assert not ApiToken.objects.exists()
    client.force_login(outsider)
    assert client.get("/api/tokens/").status_code == 403
    client.logout()
    assert client.get("/api/tokens/").status_code == 302
