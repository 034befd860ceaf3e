"""The 四无 goals from a handful of incidents, counted by hand.

The period is June 2025 (Beijing). Incidents (type, happened at, people involved):

    A 群体性事件  06-01 00:05  120   in the period, ≥100: breaks "no large mass incident"
    B 群体性事件  06-15 10:00   99   below 100: breaks nothing
    C 群体性事件  06-20 10:00  (none) no estimate: breaks nothing
    D 非法聚集    06-30 23:55   30   breaks "no illegal gathering"
    E 重大政治事件 05-31 23:55    —   the evening before: not counted
    F 暴力恐怖事件 07-01 00:05    —   the morning after: not counted
    G 暴力恐怖事件 06-10 09:00    —   withdrawn: never counted
    H 火警        06-12 12:00    —   breaks nothing

So: no_major_political_incident held, no_illegal_gathering broken by D, no_large_mass_incident
broken by A, no_violent_terror_incident held. In the other community only: everything held
except the gathering D (registered there).
"""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ImproperlyConfigured

from huiyin.cases.services import withdraw_case
from huiyin.incidents.goals import GOALS, four_nos
from huiyin.incidents.tests import factories as itf
from huiyin.org.roles import Role
from huiyin.reports.stats import Period, Scope, compute

pytestmark = pytest.mark.usefixtures("types")

JUNE = Period(date(2025, 6, 1), date(2025, 6, 30))


@pytest.fixture
def fixtures(personas, community, other_community, grid):
    duty = personas[Role.GOVERNANCE_STAFF]
    rows = {
        "A": ("群体性事件", "2025-06-01 00:05", 120, community),
        "B": ("群体性事件", "2025-06-15 10:00", 99, community),
        "C": ("群体性事件", "2025-06-20 10:00", None, community),
        "D": ("非法聚集", "2025-06-30 23:55", 30, other_community),
        "E": ("重大政治事件", "2025-05-31 23:55", None, community),
        "F": ("暴力恐怖事件", "2025-07-01 00:05", None, community),
        "G": ("暴力恐怖事件", "2025-06-10 09:00", None, community),
        "H": ("火警", "2025-06-12 12:00", None, community),
    }
    made = {}
    for key, (type_name, when, people, place) in rows.items():
        made[key] = itf.register(
            duty,
            title=f"事件{key}",
            type_name=type_name,
            community=place,
            grid=grid if place == community else None,
            occurred_at=itf.at(when),
            learned_at=itf.at(when),
            people_count=people,
        )
    g = made["G"]
    withdraw_case(g, actor=duty, version=g.version, reason="误报")
    return made


def _numbers(result, goal):
    return [i["number"] for i in result[goal]["incidents"]]


def test_the_four_goals_counted_by_hand(fixtures):
    result = four_nos(JUNE)
    assert [result[g]["held"] for g in GOALS] == [True, False, False, True]
    assert _numbers(result, "no_illegal_gathering") == [fixtures["D"].number]
    assert _numbers(result, "no_large_mass_incident") == [fixtures["A"].number]
    assert result["no_major_political_incident"]["incidents"] == []
    item = result["no_large_mass_incident"]["incidents"][0]
    assert item["people_count"] == 120 and item["type"] == "群体性事件"


def test_a_scope_and_a_user_count_only_their_part(fixtures, personas, other_community, community):
    there = four_nos(JUNE, scope=Scope(community_id=other_community.pk))
    assert [there[g]["held"] for g in GOALS] == [True, False, True, True]
    # The community worker sees only their community: the gathering D is not theirs.
    mine = four_nos(JUNE, user=personas[Role.COMMUNITY_WORKER])
    assert [mine[g]["held"] for g in GOALS] == [True, True, False, True]
    # Someone who may not see incidents breaks nothing they cannot see.
    clerk = four_nos(JUNE, user=personas[Role.PETITION_CLERK])
    assert all(clerk[g]["held"] for g in GOALS)


def test_the_mapping_and_the_threshold_are_configurable(fixtures, settings):
    settings.HUIYIN_INCIDENT_LARGE_MASS = 99
    result = four_nos(JUNE)
    assert _numbers(result, "no_large_mass_incident") == [
        fixtures["A"].number,
        fixtures["B"].number,
    ]
    settings.HUIYIN_INCIDENT_GOALS = {"no_major_political_incident": ["火警"]}
    assert _numbers(four_nos(JUNE), "no_major_political_incident") == [fixtures["H"].number]
    settings.HUIYIN_INCIDENT_GOALS = {"no_such_goal": ["火警"]}
    with pytest.raises(ImproperlyConfigured):
        four_nos(JUNE)
    settings.HUIYIN_INCIDENT_GOALS = {}
    settings.HUIYIN_INCIDENT_LARGE_MASS = 0
    with pytest.raises(ImproperlyConfigured):
        four_nos(JUNE)


def test_the_statistics_carry_the_goals_under_their_keys(fixtures, personas):
    goals = compute(JUNE)["goals"]
    assert goals["no_major_political_incident"] is True
    assert goals["no_illegal_gathering"] is False
    assert goals["no_large_mass_incident"] is False
    assert goals["no_violent_terror_incident"] is True
    assert [b["number"] for b in goals["breaches"]["no_illegal_gathering"]] == [
        fixtures["D"].number
    ]
    mine = compute(JUNE, user=personas[Role.COMMUNITY_WORKER])["goals"]
    assert mine["no_illegal_gathering"] is True


def test_no_incident_recorded_means_every_goal_held(db):
    assert all(v["held"] for v in four_nos(JUNE).values())
