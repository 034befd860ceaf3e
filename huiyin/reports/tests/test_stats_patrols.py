"""The patrols' figures (sections ``patrols``, ``inspections``, ``rectifications``), counted by
hand on March 2025 (Beijing), everything made through the patrols' own services (then dated
back, as if recorded then):

    patrols   P1 grid (第1网格)       03-01 00:00   90 min  volunteers v1 v2
              P2 community route     03-15 20:00   45 min  volunteer v1
              P3 other community     03-31 23:59   20 min  volunteer v3
              P4                     02-28 23:59   60 min  v1        the evening before
              P5                     04-01 00:00   60 min  v1        the morning after
    inspections  I1 网吧 (grid)        03-05   two items failed → R1, R2
                 I2 other community  03-31   one failed       → R3
                 I3 网吧               04-01   one failed       → R5
    rectifications (opened, deadline, rectified on)
              R1  03-05  03-10  03-08        done
              R2  03-05  03-20  —            overdue on 03-31
              R3  03-31  03-31  —            open, due that very day: not overdue
              R4  03-15  03-25  04-02        a patrol finding; rectified after March: overdue then
              R5  04-01  04-10  —

So March: patrols 3, hours (90+45+20)/60 = 2.6, volunteers 2+1+1 = 4; inspections 2, items
failed 3; rectifications opened 4 (R1–R4), done 1, open 3, overdue 2 (R2 R4), rate 0.25.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from huiyin.org.roles import Role
from huiyin.patrols import services
from huiyin.patrols.models import PlaceKind, Rectification
from huiyin.patrols.tests.factories import bj, inspect, started
from huiyin.reports import stats
from huiyin.reports.stats import patrols as patrol_stats

MARCH = stats.Period(date(2025, 3, 1), date(2025, 3, 31))
APRIL = stats.Period(date(2025, 4, 1), date(2025, 4, 30))


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def photo_dir(settings, tmp_path):
    settings.ATTACHMENT_DIR = tmp_path / "attachments"


def dated(rectification: Rectification, *, opened: str, deadline: date, done_on=None) -> None:
    fields = {"created_at": bj(opened), "deadline": deadline}
    if done_on is not None:
        fields.update(status="done", done_on=done_on)
    Rectification.objects.filter(pk=rectification.pk).update(**fields)


@pytest.fixture
def march(personas, community, other_community, grid):
    make_march(personas, community, other_community, grid)


def make_march(personas, community, other_community, grid) -> None:
    """The patrols, inspections and rectifications of the module docstring."""
    from huiyin.patrols.defaults import ensure_defaults

    ensure_defaults()
    gov = personas[Role.GOVERNANCE_STAFF]
    v1 = services.add_volunteer(gov, community=community, name="王红袖")
    v2 = services.add_volunteer(gov, community=community, name="李红袖")
    v3 = services.add_volunteer(gov, community=other_community, name="赵红袖")

    def patrol(when, minutes, volunteers, **place):
        kind = "volunteer" if volunteers else "grid"
        return services.record_patrol(
            gov,
            kind=kind,
            started_at=bj(when),
            duration_minutes=minutes,
            volunteers=[v.pk for v in volunteers],
            **place,
        )

    p1 = patrol("2025-03-01 00:00", 90, [v1, v2], grid=grid)
    patrol("2025-03-15 20:00", 45, [v1], community=community, route="翠屏路沿线")
    patrol("2025-03-31 23:59", 20, [v3], community=other_community, route="果丰路")
    patrol("2025-02-28 23:59", 60, [v1], grid=grid)
    patrol("2025-04-01 00:00", 60, [v1], grid=grid)

    cafe_kind = PlaceKind.objects.get(code="internet_cafe")
    cafe = services.save_place(
        gov, kind=cafe_kind, name="极速网咖", address="翠屏路12号", community=community,
        grid=grid, authority="culture", responsible_name="王经理",
    )  # fmt: skip
    other = services.save_place(
        gov, kind=cafe_kind, name="果丰网吧", address="果丰路3号", community=other_community,
        authority="culture", responsible_name="钱经理",
    )  # fmt: skip
    i1 = inspect(gov, cafe, fail=(1, 2), inspected_on=date(2025, 3, 5))
    i2 = inspect(gov, other, fail=(1,), inspected_on=date(2025, 3, 31))
    i3 = inspect(gov, cafe, fail=(3,), inspected_on=date(2025, 4, 1))
    r1, r2 = i1.rectifications.order_by("id")
    dated(r1, opened="2025-03-05 10:00", deadline=date(2025, 3, 10), done_on=date(2025, 3, 8))
    dated(r2, opened="2025-03-05 10:00", deadline=date(2025, 3, 20))
    dated(i2.rectifications.get(), opened="2025-03-31 23:00", deadline=date(2025, 3, 31))
    dated(i3.rectifications.get(), opened="2025-04-01 09:00", deadline=date(2025, 4, 10))
    finding = services.add_finding(
        gov, p1, kind="fire_risk", location="3栋楼道", description="楼道堆放杂物，堵塞消防通道"
    )
    deadline = started(hours=0).date() + timedelta(days=3)
    r4 = services.to_rectification(gov, finding, responsible_party="物业公司", deadline=deadline)
    dated(r4, opened="2025-03-15 21:00", deadline=date(2025, 3, 25), done_on=date(2025, 4, 2))


def test_the_sections_have_exactly_the_keys_of_the_readme(db):
    s = stats.compute(MARCH)
    assert list(s["patrols"]) == ["count", "hours", "volunteer_headcount"]
    assert list(s["inspections"]) == ["count", "items_failed"]
    assert list(s["rectifications"]) == ["opened", "done", "open", "overdue", "done_rate"]
    assert s["rectifications"]["done_rate"] is None  # nothing opened: no rate, not 0


def test_march_counted_by_hand(march):
    s = stats.compute(MARCH)
    assert s["patrols"] == {"count": 3, "hours": 2.6, "volunteer_headcount": 4}
    assert s["inspections"] == {"count": 2, "items_failed": 3}
    assert s["rectifications"] == {
        "opened": 4,
        "done": 1,
        "open": 3,
        "overdue": 2,
        "done_rate": 0.25,
    }


def test_midnight_boundaries(march):
    first = stats.compute(stats.Period(date(2025, 3, 1), date(2025, 3, 1)))
    assert first["patrols"] == {"count": 1, "hours": 1.5, "volunteer_headcount": 2}
    last = stats.compute(stats.Period(date(2025, 3, 31), date(2025, 3, 31)))
    assert last["patrols"]["count"] == 1 and last["inspections"]["count"] == 1
    # R3: opened at 23:00 and due that day, so not overdue at the end of it.
    assert last["rectifications"] == {
        "opened": 1,
        "done": 0,
        "open": 1,
        "overdue": 0,
        "done_rate": 0.0,
    }
    april = stats.compute(APRIL)
    assert april["patrols"]["count"] == 1 and april["inspections"] == {
        "count": 1,
        "items_failed": 1,
    }
    assert april["rectifications"]["opened"] == 1 and april["rectifications"]["overdue"] == 1


def test_a_rectification_done_later_was_overdue_then(march):
    # R4 was rectified on 04-02: at the end of March it was open past its deadline (March
    # counts it overdue, above); at the end of 04-02 it is done. Opened 03-15 to 04-02: R3, R4,
    # R5; done by then: R4; overdue on 04-02: R3 (due 03-31), not R5 (due 04-10).
    s = stats.compute(stats.Period(date(2025, 3, 15), date(2025, 4, 2)))["rectifications"]
    assert s == {"opened": 3, "done": 1, "open": 2, "overdue": 1, "done_rate": 0.3333}


def test_who_counts_what(march, personas, other_community, grid, unit):
    worker = stats.compute(MARCH, user=personas[Role.COMMUNITY_WORKER])
    assert worker["patrols"] == {"count": 2, "hours": 2.3, "volunteer_headcount": 3}  # 135 min
    assert worker["inspections"] == {"count": 1, "items_failed": 2}
    assert worker["rectifications"]["opened"] == 3 and worker["rectifications"]["overdue"] == 2
    in_grid = stats.compute(MARCH, user=personas[Role.GRID_WORKER])
    assert in_grid["patrols"]["count"] == 1
    assert in_grid["rectifications"] == {
        "opened": 3,
        "done": 1,
        "open": 2,
        "overdue": 2,
        "done_rate": 0.3333,
    }
    assert stats.compute(MARCH, user=personas[Role.LEADER])["patrols"]["count"] == 3
    clerk = stats.compute(MARCH, user=personas[Role.PETITION_CLERK])
    assert clerk["patrols"] == {"count": 0, "hours": 0.0, "volunteer_headcount": 0}
    assert clerk["rectifications"]["done_rate"] is None
    there = stats.compute(MARCH, scope=stats.Scope(community_id=other_community.pk))
    assert there["patrols"]["count"] == 1 and there["rectifications"]["opened"] == 1
    assert stats.compute(MARCH, scope=stats.Scope(grid_id=grid.pk))["inspections"]["count"] == 1
    assert stats.compute(MARCH, scope=stats.Scope(unit_id=unit.pk))["patrols"]["count"] == 0


def test_an_outsider_counts_nothing(march, outsider):
    s = stats.compute(MARCH, user=outsider)
    assert s["patrols"]["count"] == s["inspections"]["count"] == 0
    assert s["rectifications"]["opened"] == 0


def test_a_fixed_number_of_queries(march, personas, grid):
    leader = personas[Role.LEADER]
    stats.compute(MARCH, user=leader)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            patrol_stats.figures(MARCH, user=leader)
        return len(queries)

    before = count()
    gov = personas[Role.GOVERNANCE_STAFF]
    for n in range(4):
        services.record_patrol(
            gov, kind="grid", grid=grid, started_at=bj(f"2025-03-2{n} 09:00"), duration_minutes=30
        )
    assert count() == before
    assert patrol_stats.figures(MARCH)["patrols"]["count"] == 7


def test_the_table_names_every_figure(march):
    names = patrol_stats.labels()
    for key in stats.flat({k: stats.compute(MARCH)[k] for k in patrol_stats.SECTIONS}):
        assert key in names, key
