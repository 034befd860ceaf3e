"""The public tracker /track/: stage and dates only, one answer for every miss, a rate limit
per address held in the database, and the petitioner's one rating after the reply."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from huiyin.petitions.models import FollowUp, TrackAttempt
from huiyin.petitions.tests.factories import ID_1, PHONE_1, bring_to
from huiyin.petitions.views.public import client_address, track_rate
from huiyin.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db

TRACK = "/track/"
RATE = "/track/rate/"


def lookup(client, code, last4="5678", **extra):
    return client.post(TRACK, {"code": code, "last4": last4}, **extra)


def without_csrf(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def test_it_asks_for_the_code_without_sign_in(client):
    response = client.get(TRACK)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="track-form"' in page and 'name="code"' in page and 'name="last4"' in page
    assert "csrfmiddlewaretoken" in page
    assert "no-store" in response["Cache-Control"]
    assert reverse("public:track") == TRACK


def test_it_shows_the_stage_and_nothing_personal(client, petition, personas, unit):
    bring_to(petition, "accepted", personas, unit=unit)
    response = lookup(client, petition.receipt_code)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="track-stage" data-stage="accepted">已受理</span>' in page
    received = petition.case.received_on
    assert f"{received.year}年{received.month}月{received.day}日" in page
    assert 'id="track-dues"' in page  # the handling period runs
    for secret in (
        "张三",
        "张*",
        PHONE_1,
        "5678",
        ID_1,
        "翠屏路",
        petition.case.title,
        petition.case.number,
    ):
        assert secret not in page, secret


def test_it_gives_wrong_digits_and_an_unknown_code_the_same_answer(client, petition):
    wrong_digits = lookup(client, petition.receipt_code, "0000")
    unknown_code = lookup(client, "ZZZZZZZZZZ", "5678")
    assert wrong_digits.status_code == unknown_code.status_code == 200
    assert without_csrf(wrong_digits) == without_csrf(unknown_code)
    assert "没有与该回执码和电话号码相符的事项。" in without_csrf(wrong_digits)
    assert petition.receipt_code not in without_csrf(wrong_digits)
    # Both lookups are on the audit trail, found or not.
    found = AuditEntry.objects.filter(action="petition.track").values_list("diff", flat=True)
    assert list(found) == [{"found": False}, {"found": False}]


def test_it_refuses_malformed_input_with_a_message(client):
    response = lookup(client, "", "12")
    assert response.status_code == 400
    assert response.content.decode().count("invalid-feedback") == 2


def test_it_limits_lookups_per_address(client, petition, settings):
    settings.HUIYIN_TRACK_RATE = "3/10m"
    for _ in range(3):
        assert lookup(client, petition.receipt_code).status_code == 200
    refused = lookup(client, petition.receipt_code)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "600"
    page = refused.content.decode()
    assert 'id="track-message"' in page and 'id="track-result"' not in page
    # Over the limit the lookup is not even made (nor audited).
    assert AuditEntry.objects.filter(action="petition.track").count() == 3
    # Ratings count too: they would otherwise let digits be guessed.
    assert client.post(RATE, {"code": petition.receipt_code, "last4": "5678"}).status_code == 429
    # Another address has its own count.
    other = lookup(client, petition.receipt_code, REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 200


def test_it_forgets_lookups_once_out_of_the_window(client, petition, settings):
    settings.HUIYIN_TRACK_RATE = "2/1m"
    old = timezone.now() - timedelta(minutes=2)
    TrackAttempt.objects.bulk_create(
        [TrackAttempt(client="x" * 64, at=old), TrackAttempt(client="y" * 64, at=old)]
    )
    assert lookup(client, petition.receipt_code).status_code == 200
    assert lookup(client, petition.receipt_code).status_code == 200
    assert lookup(client, petition.receipt_code).status_code == 429
    # Rows out of the window are deleted; the rest hold no address.
    clients = set(TrackAttempt.objects.values_list("client", flat=True))
    assert len(clients) == 1
    [key] = clients
    assert len(key) == 64 and "127.0.0.1" not in key


def test_it_reads_the_rate_from_settings_with_a_sane_default(settings, monkeypatch):
    monkeypatch.delenv("HUIYIN_TRACK_RATE", raising=False)
    settings.HUIYIN_TRACK_RATE = None
    assert track_rate() == (10, 600)
    settings.HUIYIN_TRACK_RATE = "5/1h"
    assert track_rate() == (5, 3600)
    settings.HUIYIN_TRACK_RATE = None
    monkeypatch.setenv("HUIYIN_TRACK_RATE", "20/90")
    assert track_rate() == (20, 90)
    for bad in ("ten per minute", "0/10m", "10/0", "10/10d"):
        settings.HUIYIN_TRACK_RATE = bad
        with pytest.raises(ImproperlyConfigured):
            track_rate()


def test_it_trusts_the_forwarded_address_only_behind_the_proxy(rf, settings):
    request = rf.post(TRACK, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.0.0.9")
    settings.TRUSTED_PROXIES = []
    assert client_address(request) == "127.0.0.1"
    settings.TRUSTED_PROXIES = ["127.0.0.1", "::1"]
    assert client_address(request) == "10.0.0.9"
    # From a peer that is not the proxy, the header is the client's own claim.
    spoofed = rf.post(TRACK, REMOTE_ADDR="10.0.0.7", HTTP_X_FORWARDED_FOR="10.0.0.9")
    assert client_address(spoofed) == "10.0.0.7"


def test_it_counts_lookups_per_forwarded_address_behind_the_proxy(client, petition, settings):
    settings.HUIYIN_TRACK_RATE = "2/10m"
    settings.TRUSTED_PROXIES = ["127.0.0.1", "::1"]
    codes = [
        lookup(client, petition.receipt_code, HTTP_X_FORWARDED_FOR="10.0.0.1").status_code
        for _ in range(3)
    ]
    assert codes == [200, 200, 429]
    # Everyone comes through nginx (127.0.0.1): another address still has its own count.
    assert lookup(client, petition.receipt_code, HTTP_X_FORWARDED_FOR="10.0.0.2").status_code == 200


def test_it_needs_the_csrf_token(petition):
    strict = Client(enforce_csrf_checks=True)
    assert lookup(strict, petition.receipt_code).status_code == 403
    assert not AuditEntry.objects.filter(action="petition.track").exists()
    response = strict.get(TRACK)
    token = response.cookies["csrftoken"].value
    ok = strict.post(
        TRACK, {"code": petition.receipt_code, "last4": "5678", "csrfmiddlewaretoken": token}
    )
    assert ok.status_code == 200 and 'id="track-stage"' in ok.content.decode()


# --------------------------------------------------------------------------- rating


def test_it_offers_no_rating_before_the_reply(client, petition):
    page = lookup(client, petition.receipt_code).content.decode()
    assert 'id="rating-form"' not in page
    response = client.post(
        RATE, {"code": petition.receipt_code, "last4": "5678", "satisfaction": "satisfied"}
    )
    assert response.status_code == 200
    assert "收到答复后才能评价办理情况。" in response.content.decode()
    assert not FollowUp.objects.exists()


def test_it_takes_one_rating_after_the_reply(client, petition, personas, unit):
    bring_to(petition, "replied", personas, unit=unit)
    page = lookup(client, petition.receipt_code).content.decode()
    assert 'id="rating-form"' in page and "已答复" in page
    rating = {
        "code": petition.receipt_code,
        "last4": "5678",
        "satisfaction": "basically_satisfied",
        "note": "答复及时",
    }
    first = client.post(RATE, rating)
    assert first.status_code == 200
    follow_up = FollowUp.objects.get()
    assert (follow_up.source, follow_up.satisfaction, follow_up.note) == (
        "public",
        "basically_satisfied",
        "答复及时",
    )
    page = first.content.decode()
    assert 'id="rating-form"' not in page and 'id="track-rated"' in page
    second = client.post(RATE, {**rating, "satisfaction": "dissatisfied"})
    assert "该事项已评价过。" in second.content.decode()
    assert FollowUp.objects.count() == 1


def test_it_asks_again_for_a_missing_choice(client, petition, personas, unit):
    bring_to(petition, "replied", personas, unit=unit)
    response = client.post(RATE, {"code": petition.receipt_code, "last4": "5678"})
    page = response.content.decode()
    assert 'id="rating-form"' in page and "invalid-feedback" in page
    assert not FollowUp.objects.exists()


def test_it_refuses_a_rating_with_wrong_digits_like_an_unknown_code(
    client, petition, personas, unit
):
    bring_to(petition, "replied", personas, unit=unit)
    wrong = client.post(
        RATE, {"code": petition.receipt_code, "last4": "0000", "satisfaction": "satisfied"}
    )
    unknown = client.post(
        RATE, {"code": "ZZZZZZZZZZ", "last4": "5678", "satisfaction": "satisfied"}
    )
    assert without_csrf(wrong) == without_csrf(unknown)
    assert 'id="track-form"' in without_csrf(wrong)
    assert not FollowUp.objects.exists()
    assert client.get(RATE).status_code == 405
