import pytest
from django.http import Http404

from huiyin.cases.exceptions import TransitionRefused
from huiyin.org.roles import Role
from huiyin.petitions.models import FollowUp, Satisfaction
from huiyin.petitions.services import (
    MSG_FOLLOW_UP_BEFORE_REPLY,
    MSG_NO_PERM,
    PetitionInvalid,
    record_follow_up,
)
from huiyin.petitions.tests.factories import bring_to

pytestmark = pytest.mark.django_db


def test_it_records_a_follow_up_after_the_reply(petition, personas, unit, clerk, handler):
    with pytest.raises(TransitionRefused) as refused:
        record_follow_up(petition, actor=clerk, satisfaction=Satisfaction.SATISFIED)
    assert refused.value.message == MSG_FOLLOW_UP_BEFORE_REPLY
    bring_to(petition, "replied", personas, unit=unit)
    first = record_follow_up(petition, actor=handler, satisfaction=Satisfaction.DISSATISFIED)
    second = record_follow_up(
        petition, actor=clerk, satisfaction=Satisfaction.SATISFIED, note="再次回访，已满意"
    )
    assert [f.satisfaction for f in FollowUp.objects.order_by("id")] == [
        "dissatisfied",
        "satisfied",
    ]
    assert first.by.user == handler and second.note == "再次回访，已满意"
    assert petition.case.events.filter(kind="follow_up").count() == 2


def test_it_refuses_follow_ups_by_readers_and_bad_input(petition, personas, unit, clerk):
    bring_to(petition, "replied", personas, unit=unit)
    with pytest.raises(TransitionRefused) as refused:
        record_follow_up(petition, actor=personas[Role.AUDITOR], satisfaction="satisfied")
    assert refused.value.message == MSG_NO_PERM
    with pytest.raises(Http404):
        record_follow_up(petition, actor=personas[Role.MEDIATOR], satisfaction="satisfied")
    with pytest.raises(PetitionInvalid) as invalid:
        record_follow_up(petition, actor=clerk, satisfaction="meh", on="2000-01-01")
    assert set(invalid.value.errors) == {"satisfaction", "on"}
    assert not FollowUp.objects.exists()
