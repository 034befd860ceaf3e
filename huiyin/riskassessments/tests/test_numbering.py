"""Assessments are numbered per street and year: each street's first assessment of a year is
001号, the sequence continues within the street, and a new year starts again at 001号."""

from __future__ import annotations

from datetime import date

import pytest

from huiyin.org.models import Street
from huiyin.org.roles import Role
from huiyin.riskassessments import services as s
from huiyin.riskassessments.models import RiskAssessment
from huiyin.testing import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def street_b(personas):
    """A second street, made after street A's personas (whose whole-street grants are A's)."""
    return f.StreetFactory(name="溪桥街道", short_name="溪桥")


@pytest.fixture
def office_b(street_b):
    return f.person(Role.GOVERNANCE_STAFF, username="governance-b", street=street_b)


@pytest.fixture
def leader_b(street_b):
    return f.person(Role.LEADER, username="leader-b", street=street_b)


def _assess(actor, leader, opened_on: date, *, unit=None) -> RiskAssessment:
    return s.create_assessment(
        actor=actor,
        data={
            "title": "老旧小区加装电梯项目",
            "description": "加装电梯6部。",
            "unit": unit.pk if unit else None,
            "body_name": "" if unit else "街道城建办",
            "leader": leader.staff.pk,
            "assessor_kind": "self",
            "assessor_name": "综治办评估小组",
            "plan": "问卷、座谈。",
            "opened_on": opened_on,
        },
    )


def test_each_street_starts_at_one_and_continues_within_the_street(
    personas, office, office_b, leader_b, street_b, unit
):
    leader = personas[Role.LEADER]
    year = s.today().year
    day = date(year, 1, 1)
    a1 = _assess(office, leader, day, unit=unit)
    a2 = _assess(office, leader, day)
    b1 = _assess(office_b, leader_b, day)
    b_unit = f.UnitFactory(street=street_b, name="溪桥城建办")
    b2 = _assess(office_b, leader_b, day, unit=b_unit)
    with pytest.raises(s.AssessmentInvalid):  # another street's unit is no choice of A's
        _assess(office, leader, day, unit=b_unit)
    with pytest.raises(s.AssessmentInvalid):  # nor another street's leader
        _assess(office_b, leader, day)
    a3 = _assess(office, leader, day)
    assert [r.street for r in (b1, b2)] == [street_b, street_b]
    assert [r.seq for r in (a1, a2, a3)] == [1, 2, 3]
    assert [r.seq for r in (b1, b2)] == [1, 2]
    assert (b1.number, b2.number) == (f"溪桥稳评〔{year}〕001号", f"溪桥稳评〔{year}〕002号")
    assert a3.number == f"浓洄稳评〔{year}〕003号"


def test_a_new_year_starts_again_at_one_in_each_street(personas, office, office_b, leader_b):
    leader = personas[Role.LEADER]
    year = s.today().year
    _assess(office, leader, date(year - 1, 11, 3))
    _assess(office, leader, date(year - 1, 12, 1))
    _assess(office_b, leader_b, date(year - 1, 12, 2))
    a = _assess(office, leader, date(year, 1, 1))
    b = _assess(office_b, leader_b, date(year, 1, 1))
    assert (a.number, b.number) == (f"浓洄稳评〔{year}〕001号", f"溪桥稳评〔{year}〕001号")
    late = _assess(office_b, leader_b, date(year - 1, 12, 20))
    assert late.number == f"溪桥稳评〔{year - 1}〕002号"


def test_two_streets_sharing_a_short_name_get_a_clear_refusal(personas, office):
    """Street C has no short name and is named 浓洄: its 001号 would be 浓洄's."""
    leader = personas[Role.LEADER]
    year = s.today().year
    _assess(office, leader, date(year, 1, 1))
    # Short names are unique; a street with none, named as 浓洄's short name, numbers alike
    # (the administration refuses it; this one came in another way).
    twin = Street.objects.create(name="浓洄", short_name="")
    office_c = f.person(Role.GOVERNANCE_STAFF, username="governance-c", street=twin)
    leader_c = f.person(Role.LEADER, username="leader-c", street=twin)
    with pytest.raises(s.AssessmentInvalid) as refused:
        _assess(office_c, leader_c, date(year, 1, 1))
    message = " ".join(str(m) for m in refused.value.errors["__all__"])
    assert f"浓洄稳评〔{year}〕001号" in message and "浓洄" in message
    assert not RiskAssessment.objects.filter(street=twin).exists()
