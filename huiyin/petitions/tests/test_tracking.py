"""The public status page's service: receipt code + last four digits, and the rating."""

import pytest

from huiyin.cases.models import CaseEvent
from huiyin.petitions.models import FollowUp, Satisfaction, Status
from huiyin.petitions.services import (
    MSG_RATE_NOT_YET,
    MSG_RATE_ONCE,
    MSG_TRACK_NOT_FOUND,
    RatingRefused,
    TrackView,
    rate_from_public,
    track,
)
from huiyin.petitions.tests.factories import (
    ID_2,
    PHONE_2,
    bring_to,
    days_ago,
    petitioner,
    register,
)
from huiyin.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_it_shows_the_matter_its_stage_and_dates_only(petition):
    view = track(petition.receipt_code, "5678")
    assert isinstance(view, TrackView)
    assert (view.stage, view.stage_label) == (Status.REGISTERED, "Registered")
    assert view.received_on == days_ago(20)
    assert [d.label for d in view.dues] == [
        "Register and transfer or assign the matter",
        "Tell the petitioner in writing whether the matter is accepted",
    ]
    assert not view.can_rate and not view.rated
    # What the receipt says: the office, the number, the title; nothing decided yet.
    case = petition.case
    assert (view.street, view.number, view.title) == (case.street.name, case.number, case.title)
    assert (view.decision, view.handling_since, view.delivery_label) == ("", None, "")
    text = repr(view)
    for secret in ("张三", "张*", "5678", "1381234", "翠屏路"):
        assert secret not in text


def test_it_tells_the_decision_and_the_delivery_of_the_reply(petition, personas, unit):
    bring_to(petition, "replied", personas, unit=unit)
    view = track(petition.receipt_code, "5678")
    today = days_ago(0)
    assert (view.decision, view.decided_on) == (Status.ACCEPTED, today)
    assert view.handling_since == today  # the day it was handed over (the unit is not named)
    assert (view.replied_on, view.delivery_label) == (today, "Handed over in person")
    assert unit.name not in repr(view) and "责令整改" not in repr(view)


def test_it_tells_where_a_transferred_matter_went(petition, personas, unit):
    bring_to(petition, "transferred", personas, unit=unit)
    view = track(petition.receipt_code, "5678")
    assert (view.decision, view.transferred_to, view.referral_label) == (
        Status.TRANSFERRED,
        "区住建委",
        "",
    )
    assert view.handling_since is None and view.replied_on is None


def test_it_answers_the_same_for_an_unknown_code_and_wrong_digits(petition):
    assert track(petition.receipt_code, "0000") is None
    assert track("ZZZZZZZZZZ", "5678") is None
    assert track("", "") is None
    assert track(petition.receipt_code, "56789") is None
    assert track(petition.receipt_code + "'; --", "5678") is None


def test_it_accepts_any_petitioner_phone_and_careless_typing(clerk):
    petition = register(
        clerk, petitioners=[petitioner(), petitioner("李四", id_number=ID_2, phone=PHONE_2)]
    )
    assert track(petition.receipt_code.lower(), "４３２１") is not None
    assert track(f" {petition.receipt_code} ", "5678") is not None


def test_it_audits_every_lookup(petition):
    track(petition.receipt_code, "5678")
    track(petition.receipt_code, "0000")
    entries = AuditEntry.objects.filter(action="petition.track").order_by("seq")
    assert [e.diff["found"] for e in entries] == [True, False]
    assert entries[0].target_id == str(petition.pk)
    assert entries[1].target_id == ""


def test_it_hides_withdrawn_matters(petition):
    petition.case.__class__.objects.filter(pk=petition.pk).update(withdrawn=True)
    assert track(petition.receipt_code, "5678") is None


def test_it_shows_the_reply_date_once_replied(petition, personas, unit):
    bring_to(petition, "replied", personas, unit=unit)
    view = track(petition.receipt_code, "5678")
    assert (view.stage, view.stage_label) == (Status.REPLIED, "Replied")
    assert view.replied_on is not None
    assert view.dues == ()  # only the petitioner's window runs now
    assert view.can_rate


def test_it_takes_a_rating_only_after_the_reply(petition):
    with pytest.raises(RatingRefused) as refused:
        rate_from_public(petition.receipt_code, "5678", Satisfaction.SATISFIED)
    assert refused.value.message == MSG_RATE_NOT_YET
    assert not FollowUp.objects.exists()


def test_it_takes_one_rating_only(petition, personas, unit):
    bring_to(petition, "replied", personas, unit=unit)
    rating = rate_from_public(
        petition.receipt_code, "5678", Satisfaction.BASICALLY_SATISFIED, note="还行"
    )
    assert (rating.source, rating.by, rating.satisfaction) == (
        "public",
        None,
        "basically_satisfied",
    )
    assert CaseEvent.objects.filter(case=petition.case, kind="follow_up").count() == 1
    with pytest.raises(RatingRefused) as refused:
        rate_from_public(petition.receipt_code, "5678", Satisfaction.DISSATISFIED)
    assert refused.value.message == MSG_RATE_ONCE
    assert FollowUp.objects.count() == 1
    view = track(petition.receipt_code, "5678")
    assert view.rated and not view.can_rate


def test_it_refuses_a_rating_with_wrong_digits_like_an_unknown_code(petition, personas, unit):
    bring_to(petition, "replied", personas, unit=unit)
    for code, digits in ((petition.receipt_code, "0000"), ("ZZZZZZZZZZ", "5678")):
        with pytest.raises(RatingRefused) as refused:
            rate_from_public(code, digits, Satisfaction.SATISFIED)
        assert refused.value.message == MSG_TRACK_NOT_FOUND
    with pytest.raises(RatingRefused):
        rate_from_public(petition.receipt_code, "5678", "ecstatic")
