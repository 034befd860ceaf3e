"""Supervision orders are numbered per street and year: each street's first order of a year is
001号, the sequence continues within the street, and the order carries the street of the body
it goes to. A number another street already holds is refused with a message."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction

from huiyin.assessment.bodies import Body
from huiyin.assessment.models import SupervisionOrder
from huiyin.assessment.services import supervision
from huiyin.assessment.services.common import AssessmentInvalid, today
from huiyin.org.models import Street
from huiyin.org.roles import Role
from huiyin.petitions.tests.factories import register
from huiyin.testing import factories as f

pytestmark = pytest.mark.django_db


def _side(street: Street, suffix: str):
    """A street's leader, clerk, unit and one matter of its own."""
    community = f.CommunityFactory(street=street, name=f"石门社区{suffix}")
    unit = f.UnitFactory(street=street, name=f"城建办{suffix}")
    clerk = f.person(Role.PETITION_CLERK, username=f"clerk{suffix}", street=street)
    leader = f.person(Role.LEADER, username=f"leader{suffix}", street=street)
    case = register(clerk, community=community, title="楼道堆物久拖未决").case
    return leader, Body("unit", unit.pk, unit.name), case


@pytest.fixture
def street_b(personas):
    return f.StreetFactory(name="溪桥街道", short_name="溪桥")


def _issue(leader, body, case, issued_on: date) -> SupervisionOrder:
    return supervision.issue_order(
        actor=leader,
        data={
            "cases": [case.number],
            "ground": "delay",
            "instruction": "请五日内拿出处理意见。",
            "requirements": "书面反馈是否采纳督办意见。",
            "issued_on": issued_on,
            "deadline": issued_on + timedelta(days=5),
        },
        body=body,
    )


def test_each_street_starts_at_one_and_continues_within_the_street(personas, street, street_b):
    leader_a, body_a, case_a = _side(street, "-a")
    leader_b, body_b, case_b = _side(street_b, "-b")
    year = today().year
    a1 = _issue(leader_a, body_a, case_a, date(year, 1, 5))
    a2 = _issue(leader_a, body_a, case_a, date(year, 1, 6))
    b1 = _issue(leader_b, body_b, case_b, date(year, 1, 7))
    b2 = _issue(leader_b, body_b, case_b, date(year, 1, 8))
    a3 = _issue(leader_a, body_a, case_a, date(year, 1, 9))
    assert (a1.street, b1.street) == (street, street_b)
    assert [o.seq for o in (a1, a2, a3)] == [1, 2, 3]
    assert [o.seq for o in (b1, b2)] == [1, 2]
    assert b1.number == f"溪桥督〔{year}〕001号"
    assert a1.number == f"浓洄督〔{year}〕001号"
    assert a3.number == f"浓洄督〔{year}〕003号"


def test_a_new_year_starts_again_at_one_in_each_street(personas, street, street_b):
    leader_a, body_a, case_a = _side(street, "-a")
    leader_b, body_b, case_b = _side(street_b, "-b")
    year = today().year
    _issue(leader_a, body_a, case_a, date(year - 1, 12, 1))
    _issue(leader_b, body_b, case_b, date(year - 1, 12, 2))
    a = _issue(leader_a, body_a, case_a, date(year, 1, 6))
    b = _issue(leader_b, body_b, case_b, date(year, 1, 7))
    assert (a.number, b.number) == (f"浓洄督〔{year}〕001号", f"溪桥督〔{year}〕001号")


def test_an_order_to_a_community_carries_the_communitys_street(personas, street_b):
    leader_b, _unit_body, case_b = _side(street_b, "-b")
    community = case_b.community
    order = _issue(leader_b, Body("community", community.pk, community.name), case_b, today())
    assert order.street == street_b
    assert order.number.startswith("溪桥督")


def test_the_database_refuses_one_number_twice_in_a_street(personas, street, street_b):
    leader_a, body_a, case_a = _side(street, "-a")
    order = _issue(leader_a, body_a, case_a, today())
    with pytest.raises(IntegrityError), transaction.atomic():
        twin = SupervisionOrder.objects.get(pk=order.pk)
        twin.pk, twin.number = None, "另一个编号"
        twin.save()


def test_a_number_another_street_holds_is_refused_with_a_message(personas, street):
    """Street C has no short name and is named as 浓洄's short name: its numbers would be
    浓洄's (the administration refuses such a street; this one came in another way)."""
    leader_a, body_a, case_a = _side(street, "-a")
    _issue(leader_a, body_a, case_a, today())
    twin = Street.objects.create(name="浓洄", short_name="")
    leader_c, body_c, case_c = _side(twin, "-c")
    with pytest.raises(AssessmentInvalid) as refused:
        _issue(leader_c, body_c, case_c, today())
    message = " ".join(str(m) for m in refused.value.errors["__all__"])
    assert f"浓洄督〔{today().year}〕001号" in message
    assert not SupervisionOrder.objects.filter(street=twin).exists()


def test_a_leader_of_one_street_cannot_order_about_anothers_matter(personas, street, street_b):
    leader_a, body_a, _case_a = _side(street, "-a")
    _leader_b, _body_b, case_b = _side(street_b, "-b")
    with pytest.raises(AssessmentInvalid):
        _issue(leader_a, body_a, case_b, today())
    assert not SupervisionOrder.objects.exists()
