"""Each scoring rule against the hand-counted street of conftest.py."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from huiyin.assessment import keys, rules, scoring
from huiyin.assessment.bodies import Body
from huiyin.assessment.models import Method, SchemeItem

pytestmark = pytest.mark.django_db


@dataclass
class Award:
    points: Decimal
    reason: str = "台账规范"
    pk: int = 1


def by_name(results):
    return {r.body.name: r for r in results}


def points(result):
    return [p.computed.points for p in result.points]


def test_each_rule_against_the_hand_counted_street(handled, scheme, period, community, unit):
    manual = scheme.items.get(method=Method.MANUAL)
    awards = {(manual.pk, Body("community", community.pk, "").key): Award(Decimal("4"))}
    results = by_name(scoring.score(scheme, period, awards=awards))
    a, b, u = results["柑子园社区"], results["翠屏路社区"], results["城建办"]
    # 柑子园: rate 0.6 → 20 × (0.6 − 0.5) ÷ (0.9 − 0.5) = 5; one overdue → 10 − 3 = 7;
    # basis 0.75 < 1 → 0; one late > 0 → 0; awarded 4.
    assert points(a) == [Decimal("5.00"), Decimal("7.00"), 0, 0, Decimal("4.00")]
    assert (a.total, a.max_total) == (Decimal("16.00"), Decimal("50.00"))
    # 翠屏路: everything on time with its basis; nothing awarded.
    assert points(b) == [20, 10, 10, 5, 0]
    assert b.total == Decimal("45.00")
    # 城建办 owns the replied petitions: 0.8 → 20 × 0.3 ÷ 0.4 = 15; none overdue; 0.8 < 1; late.
    assert points(u) == [Decimal("15.00"), 10, 0, 0, 0]
    assert (b.rank, a.rank, u.rank) == (1, 2, 1)


def test_the_matters_behind_a_lost_point_are_the_overdue_and_late_petitions(
    handled, scheme, period
):
    a = by_name(scoring.score(scheme, period))["柑子园社区"]
    on_time, overdue, basis = a.points[0], a.points[1], a.points[2]
    assert {m["number"] for m in on_time.matters} == {
        handled["p3"].case.number,
        handled["p4"].case.number,
    }
    assert [m["number"] for m in overdue.matters] == [handled["p3"].case.number]
    assert [m["number"] for m in basis.matters] == [handled["p2"].case.number]
    # A point not lost rests on no matter.
    b = by_name(scoring.score(scheme, period))["翠屏路社区"]
    assert all(p.matters == [] for p in b.points)


def test_each_point_is_explained(handled, scheme, period):
    a = by_name(scoring.score(scheme, period))["柑子园社区"]
    texts = [rules.explain(p.computed.detail) for p in a.points]
    assert "60.0%" in texts[0] and "90.0%" in texts[0] and "50.0%" in texts[0]
    assert "5" in texts[0] and "20" in texts[0]
    assert "3" in texts[1] and "7" in texts[1]


def test_a_missing_statistic_is_not_available_and_left_out_of_the_total(scheme):
    item = SchemeItem(method=Method.RATE, stat_key="rectifications.done_rate", max_points=10)
    item.target, item.floor = Decimal("0.9"), Decimal("0.5")
    computed = rules.points_of(item, {"petitions.on_time_rate": 1.0})
    assert computed.points is None and not computed.available
    assert "rectifications" not in rules.explain(computed.detail)  # the label, not the key


def test_no_matter_to_judge_gives_full_points():
    item = SchemeItem(method=Method.RATE, stat_key="petitions.on_time_rate", max_points=20)
    item.target, item.floor = Decimal("0.95"), Decimal("0.6")
    assert rules.points_of(item, {"petitions.on_time_rate": None}).points == 20


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1.0, "20.00"), (0.95, "20.00"), (0.775, "10.00"), (0.6, "0.00"), (0.1, "0.00")],
)
def test_the_rate_rule_at_its_edges(value, expected):
    item = SchemeItem(method=Method.RATE, stat_key="petitions.on_time_rate", max_points=20)
    item.target, item.floor = Decimal("0.95"), Decimal("0.6")
    assert rules.points_of(item, {"petitions.on_time_rate": value}).points == Decimal(expected)


def test_deductions_stop_at_zero():
    item = SchemeItem(method=Method.DEDUCT, stat_key="petitions.overdue_open", max_points=10)
    item.per_matter = Decimal(2)
    assert rules.points_of(item, {"petitions.overdue_open": 3}).points == Decimal("4.00")
    assert rules.points_of(item, {"petitions.overdue_open": 9}).points == 0


def test_the_screening_rate_is_derived_from_its_figures():
    figures = {"screening.on_time": 9, "screening.expected": 10}
    assert keys.value(figures, "screening.on_time_rate") == 0.9
    assert (
        keys.value({"screening.on_time": 0, "screening.expected": 0}, "screening.on_time_rate")
        is None
    )
    assert keys.value({}, "screening.on_time_rate") is keys.MISSING
