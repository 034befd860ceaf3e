"""Meetings are numbered per street and year: each street's first meeting of a year is 1号,
the sequence continues within the street, and a new year starts again at 1号."""

from __future__ import annotations

from datetime import date

import pytest

from huiyin.meetings import services
from huiyin.meetings.models import Meeting
from huiyin.meetings.services import MeetingInvalid
from huiyin.org.models import Street
from huiyin.org.roles import Role
from huiyin.testing import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def office_b(personas):
    """The 综治办 of a second street, made after street A's personas."""
    street = f.StreetFactory(name="溪桥街道", short_name="溪桥")
    return f.person(Role.GOVERNANCE_STAFF, username="governance-b", street=street)


@pytest.fixture
def chair_b(office_b):
    """Street B's leader: a meeting of B is chaired by one of B's staff."""
    street = office_b.staff.grants.get().street
    return f.person(Role.LEADER, username="leader-b", street=street)


def _meeting(actor, chair, held_on: date) -> Meeting:
    return services.save_meeting(
        actor=actor,
        data={
            "held_on": held_on,
            "title": "信访工作例会",
            "meeting_kind": "regular",
            "chair": chair.staff.pk,
            "attendees": [],
        },
    )


def test_each_street_starts_at_one_and_continues_within_the_street(
    personas, office, office_b, chair_b
):
    chair = personas[Role.LEADER]
    year = services.today().year
    a1 = _meeting(office, chair, date(year, 1, 5))
    a2 = _meeting(office, chair, date(year, 1, 12))
    b1 = _meeting(office_b, chair_b, date(year, 2, 1))
    a3 = _meeting(office, chair, date(year, 2, 9))
    b2 = _meeting(office_b, chair_b, date(year, 3, 1))
    with pytest.raises(MeetingInvalid):  # another street's staff is no choice
        _meeting(office_b, chair, date(year, 3, 2))
    assert (a1.street.short_name, b1.street.short_name) == ("浓洄", "溪桥")
    assert [m.seq for m in (a1, a2, a3)] == [1, 2, 3]
    assert [m.seq for m in (b1, b2)] == [1, 2]
    assert b1.number == f"溪桥会纪〔{year}〕1号"
    assert b2.number == f"溪桥会纪〔{year}〕2号"
    assert a3.number == f"浓洄会纪〔{year}〕3号"


def test_a_new_year_starts_again_at_one_in_each_street(personas, office, office_b, chair_b):
    chair = personas[Role.LEADER]
    year = services.today().year
    _meeting(office, chair, date(year - 1, 11, 3))
    _meeting(office, chair, date(year - 1, 12, 1))
    _meeting(office_b, chair_b, date(year - 1, 12, 2))
    a = _meeting(office, chair, date(year, 1, 6))
    b = _meeting(office_b, chair_b, date(year, 1, 7))
    assert (a.number, b.number) == (f"浓洄会纪〔{year}〕1号", f"溪桥会纪〔{year}〕1号")
    again = _meeting(office_b, chair_b, date(year - 1, 12, 20))
    assert again.number == f"溪桥会纪〔{year - 1}〕2号"


def test_two_streets_sharing_a_short_name_get_a_clear_refusal(personas, office):
    """Street C has no short name and is named 浓洄: its 1号 would be 浓洄's."""
    chair = personas[Role.LEADER]
    year = services.today().year
    _meeting(office, chair, date(year, 1, 5))
    # Short names are unique; a street with none, named as 浓洄's short name, numbers alike
    # (the administration refuses it; this one came in another way).
    twin = Street.objects.create(name="浓洄", short_name="")
    office_c = f.person(Role.GOVERNANCE_STAFF, username="governance-c", street=twin)
    chair_c = f.person(Role.LEADER, username="leader-c", street=twin)
    with pytest.raises(MeetingInvalid) as refused:
        _meeting(office_c, chair_c, date(year, 1, 9))
    message = " ".join(str(m) for m in refused.value.errors["__all__"])
    assert f"浓洄会纪〔{year}〕1号" in message and "浓洄" in message
    assert not Meeting.objects.filter(street=twin).exists()
