"""The public tracker /track/: the office, the matter's number and title, its stages and dates
(never a person, never the text of the matter or the unit it is about), one answer for every
miss (the code kept, the digits never), a rate limit per address held in the database, and
the petitioner's one rating after the reply."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from huiyin.petitions.models import FollowUp, TrackAttempt
from huiyin.petitions.tests.factories import (
    ID_1,
    PHONE_1,
    bring_to,
    days_ago,
    register,
    step,
)
from huiyin.petitions.views.public import client_address, track_rate
from huiyin.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db

TRACK = "/track/"
RATE = "/track/rate/"


def lookup(client, code, last4="5678", **extra):
    return client.post(TRACK, {"code": code, "last4": last4}, **extra)


def without_csrf(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def t(msgid: str, **params) -> str:
    """`msgid` as the page shows it (zh-hans; the English msgid until the catalogue has it)."""
    with translation.override("zh-hans"):
        text = gettext(msgid)
    return text % params if params else text


def zh(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def step_row(page: str, name: str) -> str:
    """The text of the progress list's row `name` ('' when absent)."""
    found = re.search(rf'<li [^>]*data-step="{name}">(.*?)</li>', page, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))) if found else ""


def test_it_asks_for_the_code_without_sign_in(client):
    response = client.get(TRACK)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="track-form"' in page and 'name="code"' in page and 'name="last4"' in page
    assert "csrfmiddlewaretoken" in page
    assert "no-store" in response["Cache-Control"]
    assert reverse("public:track") == TRACK


def test_it_shows_the_matter_and_nothing_personal(client, petition, personas, unit):
    bring_to(petition, "accepted", personas, unit=unit)
    response = lookup(client, petition.receipt_code)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="track-stage" data-stage="accepted">已受理</span>' in page
    # The organ, the matter's number and title: what the receipt says.
    street = petition.case.street.name
    assert f'id="track-organ">{street}办事处</div>' in page
    assert f'id="track-number">{petition.case.number}</span>' in page
    assert f'id="track-title">{petition.case.title}</h2>' in page
    received = petition.case.received_on
    assert zh(received) in step_row(page, "registered")
    assert 'id="track-dues"' in page  # the handling period runs
    for secret in ("张三", "张*", PHONE_1, "5678", ID_1, "翠屏路"):
        assert secret not in page, secret


def test_it_shows_a_registered_matter_waiting_for_the_decision(client, petition):
    page = lookup(client, petition.receipt_code).content.decode()
    assert 'data-stage="registered">已登记</span>' in page
    assert zh(petition.case.received_on) in step_row(page, "registered")
    assert t("not yet decided") in step_row(page, "decision")
    for later in ("accepted", "handling", "replied", "reply"):
        assert step_row(page, later) == "", later
    # Its running limits: register and transfer, tell the petitioner about acceptance.
    assert page.count('class="list-group-item px-0') == 2


def test_it_shows_the_acceptance_with_the_date_the_petitioner_was_told(
    client, petition, personas, clerk, unit
):
    case = step(petition.case, "accept", clerk, decided_on=days_ago(15))
    page = lookup(client, petition.receipt_code).content.decode()
    row = step_row(page, "accepted")
    assert t("Accepted; you were told in writing on") in row and zh(days_ago(15)) in row
    assert zh(days_ago(15)) in step_row(page, "handling")  # handling from the decision
    assert t("not yet replied") in step_row(page, "reply")
    # Handed over: the date, never the unit.
    step(case, "assign", clerk, unit=unit)
    page = lookup(client, petition.receipt_code).content.decode()
    assert zh(days_ago(0)) in step_row(page, "handling")
    assert t("Handed over for handling on") in step_row(page, "handling")
    assert unit.name not in page


def test_it_shows_the_date_the_written_reply_was_delivered(
    client, petition, personas, clerk, handler, unit
):
    case = step(petition.case, "accept", clerk, decided_on=days_ago(15))
    case = step(case, "assign", clerk, unit=unit)
    case = step(case, "start_handling", handler)
    step(
        case, "reply", handler, text="经核查，已责令整改。", delivery="post", replied_on=days_ago(2)
    )
    page = lookup(client, petition.receipt_code).content.decode()
    assert 'data-stage="replied">已答复</span>' in page
    row = step_row(page, "replied")
    assert t("Written reply delivered on") in row and zh(days_ago(2)) in row and "邮寄" in row
    assert 'id="track-delivered">' + zh(days_ago(2)) in page
    assert step_row(page, "reply") == ""
    # Handed over (recorded today) after the reply's date: that row would read out of order.
    assert step_row(page, "handling") == ""
    for secret in ("经核查", "已责令整改", unit.name):
        assert secret not in page, secret


def test_it_shows_review_and_re_examination_dates(client, petition, personas, unit):
    bring_to(petition, "reexam_answered", personas, unit=unit)
    page = lookup(client, petition.receipt_code).content.decode()
    today = zh(days_ago(0))
    for name in ("review_requested", "review_answered", "reexam_requested", "reexam_answered"):
        assert today in step_row(page, name), name
    for secret in ("对处理意见不服", "维持原处理意见", "请求复核", "复核维持"):
        assert secret not in page, secret


def test_it_shows_a_declined_matter_and_where_it_belongs(client, petition, clerk):
    step(
        petition.case,
        "decline",
        clerk,
        reason="属于劳动争议，李某某所在公司拖欠工资",
        referral="arbitration",
        decided_on=days_ago(5),
    )
    page = lookup(client, petition.receipt_code).content.decode()
    row = step_row(page, "declined")
    assert (
        t("Not accepted; you were told in writing on") in row
        and zh(days_ago(5)) in row
        and "仲裁" in row
    )
    assert "李某某" not in page and "拖欠工资" not in page  # the reason's text stays inside
    assert step_row(page, "reply") == ""


def test_it_shows_a_transferred_matter_and_where_it_went(client, petition, personas, unit):
    bring_to(petition, "transferred", personas, unit=unit)
    page = lookup(client, petition.receipt_code).content.decode()
    row = step_row(page, "transferred")
    assert t("Transferred; you were told in writing on") in row
    assert t("Transferred to: %(to)s", to="区住建委") in row


def test_it_never_names_the_unit_complained_about(client, clerk, community, unit):
    petition = register(
        clerk, community=community, complained_unit=unit.pk, complained_text="王某某物业公司"
    )
    page = lookup(client, petition.receipt_code).content.decode()
    assert 'id="track-result"' in page
    assert unit.name not in page and "王某某" not in page


def test_it_tells_what_the_four_digits_are(client):
    page = client.get(TRACK).content.decode()
    hint = re.search(r'id="track-last4-hint">(.*?)</div>', page, re.S).group(1)
    assert (
        t(
            "The last four digits of the phone number you gave when the matter was registered "
            "(any of the petitioners' numbers, for a joint petition)."
        )
        in hint
    )
    assert (
        t(
            "An anonymous letter, or a matter registered without a phone number, cannot be checked "
            "here: call or visit the petition office of the sub-district with your receipt code."
        )
        in hint
    )


def test_it_gives_wrong_digits_and_an_unknown_code_the_same_answer(client, petition):
    wrong_digits = lookup(client, petition.receipt_code, "0000")
    unknown_code = lookup(client, "ZZZZZZZZZZ", "5678")
    assert wrong_digits.status_code == unknown_code.status_code == 200
    # The same page but for the code typed, which stays in its box; the digits never do.
    assert without_csrf(wrong_digits).replace(petition.receipt_code, "CODE") == without_csrf(
        unknown_code
    ).replace("ZZZZZZZZZZ", "CODE")
    assert "没有与该回执码和电话号码相符的事项。" in without_csrf(wrong_digits)
    assert f'name="code" value="{petition.receipt_code}"' in without_csrf(wrong_digits)
    assert 'name="code" value="ZZZZZZZZZZ"' in without_csrf(unknown_code)
    assert 'id="track-result"' not in without_csrf(wrong_digits)
    assert "0000" not in without_csrf(wrong_digits) and "5678" not in without_csrf(unknown_code)
    # Both lookups are on the audit trail, found or not.
    found = AuditEntry.objects.filter(action="petition.track").values_list("diff", flat=True)
    assert list(found) == [{"found": False}, {"found": False}]


def test_it_refuses_malformed_input_with_a_message(client):
    response = lookup(client, "", "12")
    assert response.status_code == 400
    assert response.content.decode().count("invalid-feedback") == 2


def test_it_keeps_the_code_but_not_the_digits_of_malformed_input(client):
    response = lookup(client, "7K2M9QXR4T", "98a")
    assert response.status_code == 400
    page = without_csrf(response)
    assert 'name="code" value="7K2M9QXR4T"' in page
    assert "98a" not in page
    assert re.search(r'<input[^>]*name="last4"[^>]*>', page) and not re.search(
        r'<input[^>]*name="last4"[^>]*value=', page
    )


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
    assert without_csrf(wrong).replace(petition.receipt_code, "CODE") == without_csrf(
        unknown
    ).replace("ZZZZZZZZZZ", "CODE")
    assert 'id="track-form"' in without_csrf(wrong)
    assert "0000" not in without_csrf(wrong)
    assert not FollowUp.objects.exists()
    assert client.get(RATE).status_code == 405
