"""Sign-in throttling behind nginx: counted per client address, not per proxy.

Every request reaches Django from nginx (127.0.0.1); the client's address is the one nginx
appended to X-Forwarded-For. Five wrong passwords from anywhere must not lock out everyone,
nor the account's owner signing in from elsewhere.
"""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from huiyin.privacy.models import AuditEntry
from huiyin.testing.factories import PASSWORD

WRONG = "wrong-wrong-1"


@pytest.fixture(autouse=True)
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "::1"]
    settings.PROXY_CLIENT_HEADER = "HTTP_X_FORWARDED_FOR"


def sign_in(username: str, password: str, forwarded: str, remote: str = "127.0.0.1"):
    """One sign-in through nginx, from a fresh browser at `forwarded`."""
    return Client().post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=remote,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_failures_from_five_addresses_lock_neither_another_account_nor_the_owner(personas):
    limit = settings.AXES_FAILURE_LIMIT
    guessers = [f"10.0.0.{n}" for n in range(1, limit + 1)]
    for address in guessers:
        assert sign_in("leader", WRONG, address).status_code == 200
    # Another account, even from one of the guessing addresses.
    assert sign_in("clerk", PASSWORD, guessers[0]).status_code == 302
    # The account guessed at, from a sixth address.
    assert sign_in("leader", PASSWORD, "10.0.0.99").status_code == 302
    # The audit trail holds the addresses nginx saw, not nginx's.
    failed = AuditEntry.objects.filter(action="auth.login_failed", target_label="leader")
    assert sorted(failed.values_list("ip", flat=True)) == guessers
    login = AuditEntry.objects.filter(action="auth.login", actor_label="leader").get()
    assert login.ip == "10.0.0.99"


def test_an_address_that_keeps_failing_is_still_locked(personas):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit):
        sign_in("leader", WRONG, "10.0.0.7")
    # The guesser's address is locked, for that account and for any other...
    assert sign_in("leader", PASSWORD, "10.0.0.7").status_code == 429
    assert sign_in("clerk", PASSWORD, "10.0.0.7").status_code == 429
    # ...and spraying many names from one address locks that address too.
    for n in range(limit):
        sign_in(f"guess{n}", WRONG, "10.0.0.8")
    assert sign_in("clerk", PASSWORD, "10.0.0.8").status_code == 429
    # Nobody else is.
    assert sign_in("leader", PASSWORD, "10.0.0.9").status_code == 302


def test_a_forged_header_from_outside_the_proxy_changes_nothing(personas):
    """A client that reaches gunicorn directly cannot pick a new address per attempt."""
    limit = settings.AXES_FAILURE_LIMIT
    for n in range(limit):
        sign_in("leader", WRONG, f"10.0.1.{n}", remote="192.168.5.5")
    assert sign_in("leader", PASSWORD, "10.0.1.99", remote="192.168.5.5").status_code == 429
    ips = set(AuditEntry.objects.filter(action="auth.login_failed").values_list("ip", flat=True))
    assert ips == {"192.168.5.5"}
