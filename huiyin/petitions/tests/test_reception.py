"""Leaders' reception slots and the people received in them."""

from datetime import time, timedelta

import pytest
from django.core.exceptions import PermissionDenied

from huiyin.cases.models import Case
from huiyin.org.models import Staff
from huiyin.org.roles import Role
from huiyin.petitions.models import ReceptionSlot
from huiyin.petitions.services import (
    PetitionInvalid,
    reception_headcount,
    reception_slots,
    schedule_reception,
)
from huiyin.petitions.tests.factories import days_ago, petitioner, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader_staff(leader):
    return Staff.objects.get(user=leader)


def slot(actor, leader_staff, on, **overrides):
    values = {
        "leader": leader_staff,
        "kind": ReceptionSlot.SlotKind.RECEPTION_DAY,
        "on": on,
        "start_time": time(9),
        "end_time": time(12),
        "place": "街道信访接待室",
        **overrides,
    }
    return schedule_reception(actor=actor, **values)


def test_it_counts_the_people_received_in_a_leaders_slots(clerk, leader, leader_staff):
    day = slot(clerk, leader_staff, days_ago(20))
    outreach = slot(
        leader, leader_staff, days_ago(5), kind=ReceptionSlot.SlotKind.OUTREACH, place="果丰社区"
    )
    crowd = [
        petitioner(f"群众{i}", id_number="", phone="", is_representative=i < 3) for i in range(3)
    ]
    register(clerk, reception_slot=day, is_collective=True, headcount=12, petitioners=crowd)
    register(clerk, reception_slot=day)
    register(clerk, reception_slot=outreach, received_at=days_ago(5))
    withdrawn = register(clerk, reception_slot=day)
    Case.objects.filter(pk=withdrawn.pk).update(withdrawn=True)
    register(clerk)  # not at a reception

    assert reception_headcount(leader_staff, days_ago(30), days_ago(0)) == 14
    assert reception_headcount(leader_staff, days_ago(10), days_ago(0)) == 1
    assert reception_headcount(leader_staff, days_ago(3), days_ago(0)) == 0
    rows = {
        s.pk: (s.headcount, s.petition_count) for s in reception_slots(days_ago(30), days_ago(0))
    }
    assert rows == {day.pk: (13, 2), outreach.pk: (1, 1)}


def test_it_refuses_bad_slots(clerk, leader_staff):
    with pytest.raises(PetitionInvalid) as invalid:
        slot(
            clerk,
            Staff.objects.get(user=clerk),
            days_ago(1),
            kind="party",
            start_time=time(12),
            end_time=time(9),
            place="",
        )
    assert set(invalid.value.errors) == {"leader", "kind", "end_time", "place"}


def test_it_lets_only_the_office_and_leaders_schedule(personas, leader_staff):
    with pytest.raises(PermissionDenied):
        slot(personas[Role.GOVERNANCE_STAFF], leader_staff, days_ago(1) + timedelta(days=3))
    assert not ReceptionSlot.objects.exists()
