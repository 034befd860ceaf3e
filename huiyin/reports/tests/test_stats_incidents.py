"""The incidents' figures (sections ``incidents`` and ``risk_notes``), counted by hand.

The period is March 2025 (Beijing). Incidents, made through the incidents' own services
(type, happened, learned of, first report upward after learning of it, place):

    A 火警        03-01 00:00  03-01 00:10  +60 min           on time (exactly the limit)
    B 非正常死亡   02-28 23:59  03-01 00:20  +10 min           happened the day before: not counted
    C 非正常死亡   03-05 23:30  03-05 23:40  03-06 00:41 (+61)  late, across midnight
    D 火警        03-10 23:20  03-10 23:30  03-11 00:30 (+60)  on time, across midnight (other community)
    E 群体性事件   03-15 09:00  03-15 09:30  none              late: never sent, limit long past
    F 生产安全事故 03-20 10:00  03-20 10:05  +30 min           on time; 3 deaths: 较大, derived
    G 火警        03-31 23:59  03-31 23:59  04-01 01:00 (+61)  late; happened at the last minute
    H 火警        04-01 00:00  04-01 00:00  +5 min            the morning after: not counted
    W 治安案件     03-12 10:00  03-12 10:00  +5 min            withdrawn: never counted

So in March: total 6 (A C D E F G); fire 3, unnatural_death 1, mass_incident 1,
production_safety 1; general 4 (A C D G), larger 1 (F), major 1 (E, chosen);
first reports on time 3 (A D F), late 3 (C E G), rate 0.5.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from huiyin.cases.services import withdraw_case
from huiyin.incidents import risk
from huiyin.incidents.models import RiskStatus
from huiyin.incidents.tests import factories as itf
from huiyin.org.roles import Role
from huiyin.reports import stats
from huiyin.reports.stats import incidents as incident_stats
from huiyin.reports.stats.engine import today as beijing_today

pytestmark = pytest.mark.usefixtures("types")

MARCH = stats.Period(date(2025, 3, 1), date(2025, 3, 31))
GOV = Role.GOVERNANCE_STAFF


@pytest.fixture
def types(db):
    from huiyin.incidents.types import ensure_default_types

    ensure_default_types()


def register(duty, key, type_name, happened, learned, *, community, grid=None, **extra):
    return itf.register(
        duty,
        title=f"事件{key}",
        type_name=type_name,
        community=community,
        grid=grid,
        occurred_at=itf.at(happened),
        learned_at=itf.at(learned),
        **extra,
    )


def first_report(case, duty, sent: datetime):
    return itf.report(case, duty, sent_at=sent)


@pytest.fixture
def march(personas, community, other_community, grid):
    return make_march(personas, community, other_community, grid)


def make_march(personas, community, other_community, grid) -> dict:
    """The incidents of the module docstring, by their letter."""
    duty = personas[GOV]
    rows = {
        "A": ("火警", "2025-03-01 00:00", "2025-03-01 00:10", 60, community, grid, {}),
        "B": ("非正常死亡", "2025-02-28 23:59", "2025-03-01 00:20", 10, community, None, {}),
        "C": ("非正常死亡", "2025-03-05 23:30", "2025-03-05 23:40", 61, community, None, {}),
        "D": ("火警", "2025-03-10 23:20", "2025-03-10 23:30", 60, other_community, None, {}),
        "E": (
            "群体性事件",
            "2025-03-15 09:00",
            "2025-03-15 09:30",
            None,
            community,
            None,
            {"people_count": 150, "grade": "major"},
        ),
        "F": (
            "生产安全事故",
            "2025-03-20 10:00",
            "2025-03-20 10:05",
            30,
            community,
            None,
            {"deaths": 3},
        ),
        "G": ("火警", "2025-03-31 23:59", "2025-03-31 23:59", 61, community, None, {}),
        "H": ("火警", "2025-04-01 00:00", "2025-04-01 00:00", 5, community, None, {}),
        "W": ("治安案件", "2025-03-12 10:00", "2025-03-12 10:00", 5, community, None, {}),
    }
    made = {}
    for key, (type_name, happened, learned, after, place, in_grid, extra) in rows.items():
        case = register(
            duty, key, type_name, happened, learned, community=place, grid=in_grid, **extra
        )
        if after is not None:
            first_report(case, duty, itf.at(learned) + timedelta(minutes=after))
        made[key] = case
    w = itf.refresh(made["W"])
    withdraw_case(w, actor=duty, version=w.version, reason="误报")
    return made


def figures(period=MARCH, **kw) -> dict:
    return stats.compute(period, **kw)["incidents"]


def test_the_sections_have_exactly_the_keys_of_the_readme(march):
    s = stats.compute(MARCH)
    i = s["incidents"]
    assert list(i) == ["total", "by_type", "by_grade", "first_reports", "reporting_on_time_rate"]
    assert list(i["by_type"]) == list(incident_stats.TYPE_KEYS.values())
    assert list(i["by_grade"]) == ["general", "larger", "major", "especially_major"]
    assert list(i["first_reports"]) == ["on_time", "late"]
    assert list(s["risk_notes"]) == ["opened", "closed"]
    flat = stats.flat(s)
    assert flat["incidents.by_type.unnatural_death"] == 1
    assert flat["incidents.first_reports.late"] == 3


def test_march_counted_by_hand(march):
    i = figures()
    assert i["total"] == 6
    assert {k: v for k, v in i["by_type"].items() if v} == {
        "fire": 3,
        "unnatural_death": 1,
        "mass_incident": 1,
        "production_safety": 1,
    }
    assert sum(i["by_type"].values()) == i["total"]
    assert i["by_grade"] == {"general": 4, "larger": 1, "major": 1, "especially_major": 0}
    assert i["first_reports"] == {"on_time": 3, "late": 3}
    assert i["reporting_on_time_rate"] == 0.5


def test_midnight_boundaries_by_the_time_it_happened(march):
    # The first day alone: A (00:00 sharp) and not B (23:59 the evening before), though B was
    # learned of on the first day.
    first = figures(stats.Period(date(2025, 3, 1), date(2025, 3, 1)))
    assert first["total"] == 1 and first["by_type"]["fire"] == 1
    # The last day alone: G (23:59), not H (00:00 the next morning).
    last = figures(stats.Period(date(2025, 3, 31), date(2025, 3, 31)))
    assert last["total"] == 1 and last["first_reports"] == {"on_time": 0, "late": 1}
    april = figures(stats.Period(date(2025, 4, 1), date(2025, 4, 30)))
    assert april["total"] == 1 and april["first_reports"] == {"on_time": 1, "late": 0}
    february = figures(stats.Period(date(2025, 2, 1), date(2025, 2, 28)))
    assert february["total"] == 1 and february["by_type"]["unnatural_death"] == 1


def test_sixty_minutes_is_on_time_sixty_one_is_late_across_midnight(march):
    # C: learned 23:40, reported 00:41 the next day; D: learned 23:30, reported 00:30.
    night_c = figures(stats.Period(date(2025, 3, 5), date(2025, 3, 5)))
    assert night_c["first_reports"] == {"on_time": 0, "late": 1}
    night_d = figures(stats.Period(date(2025, 3, 10), date(2025, 3, 10)))
    assert night_d["first_reports"] == {"on_time": 1, "late": 0}
    assert night_d["reporting_on_time_rate"] == 1.0


def test_a_second_past_the_limit_is_late():
    learned = itf.at("2025-03-05 23:40")
    now = itf.at("2025-04-01 00:00")
    due = learned + timedelta(minutes=60)
    check = incident_stats.first_report_status
    assert check(learned, due, 60, now) == "on_time"
    assert check(learned, due + timedelta(seconds=1), 60, now) == "late"
    assert check(learned, None, 60, due) == "pending"  # the limit is reached, not passed
    assert check(learned, None, 60, due + timedelta(seconds=1)) == "late"


def test_the_limit_is_the_incidents_apps_own(march, settings):
    # 事故灾难 (fire, safety accidents) get 90 minutes: G (+61) is on time now; C, an unnatural
    # death (社会安全事件), is still late at +61.
    settings.HUIYIN_INCIDENT_REPORT_LIMITS = {"事故灾难": {"first": 90}}
    assert figures()["first_reports"] == {"on_time": 4, "late": 2}
    # 较大 and above: 20 minutes (F, 较大, at +30 becomes late).
    settings.HUIYIN_INCIDENT_REPORT_LIMITS = {"*/larger": {"first": 20}}
    assert figures()["first_reports"] == {"on_time": 2, "late": 4}


def test_a_missing_report_within_its_limit_is_neither(personas, community):
    duty = personas[GOV]
    now = timezone.now().replace(microsecond=0)
    itf.register(
        duty,
        community=community,
        occurred_at=now - timedelta(minutes=15),
        learned_at=now - timedelta(minutes=10),
    )
    itf.register(
        duty,
        community=community,
        occurred_at=now - timedelta(hours=3),
        learned_at=now - timedelta(hours=2),
    )
    today = beijing_today()
    i = figures(stats.Period(today - timedelta(days=1), today))
    assert i["total"] == 2
    # The first still has 50 minutes; the second was never reported and its hour is past.
    assert i["first_reports"] == {"on_time": 0, "late": 1}
    assert i["reporting_on_time_rate"] == 0.0


def test_nothing_to_judge_gives_none_not_zero(db):
    i = figures()
    assert i["total"] == 0 and i["reporting_on_time_rate"] is None
    assert all(v == 0 for v in i["by_type"].values())


def test_who_counts_what(march, personas, other_community, grid):
    # The community worker: their community only (not D).
    mine = figures(user=personas[Role.COMMUNITY_WORKER])
    assert mine["total"] == 5 and mine["by_type"]["fire"] == 2
    assert mine["first_reports"] == {"on_time": 2, "late": 3}
    assert mine["reporting_on_time_rate"] == 0.4
    # The grid worker: their grid only (A).
    theirs = figures(user=personas[Role.GRID_WORKER])
    assert theirs["total"] == 1 and theirs["first_reports"] == {"on_time": 1, "late": 0}
    # The leader and the auditor: the whole street.
    assert figures(user=personas[Role.LEADER]) == figures()
    assert figures(user=personas[Role.AUDITOR])["total"] == 6
    # Who may not see incidents counts none.
    clerk = figures(user=personas[Role.PETITION_CLERK])
    assert clerk["total"] == 0 and clerk["reporting_on_time_rate"] is None
    # A scope: one community, one grid; a unit owns none of them.
    there = figures(scope=stats.Scope(community_id=other_community.pk))
    assert there["total"] == 1 and there["by_type"]["fire"] == 1
    assert figures(scope=stats.Scope(grid_id=grid.pk))["total"] == 1


def test_the_four_goals_are_true_or_false_never_null(march, personas):
    goals = stats.compute(MARCH)["goals"]
    four = (
        "no_major_political_incident",
        "no_illegal_gathering",
        "no_large_mass_incident",
        "no_violent_terror_incident",
    )
    assert [goals[g] for g in four] == [True, True, False, True]  # E: 150 people
    assert [b["number"] for b in goals["breaches"]["no_large_mass_incident"]] == [march["E"].number]
    empty = stats.compute(stats.Period(date(2025, 5, 1), date(2025, 5, 31)))["goals"]
    assert all(empty[g] is True for g in four)


def test_a_type_added_below_a_default_type_counts_in_it(march, personas, community):
    from huiyin.cases.models import Category
    from huiyin.incidents.types import type_named

    fire = type_named("火警")
    kitchen = Category.objects.create(kind="incident", parent=fire, name="厨房火灾", order=99)
    accidents = fire.parent
    gas = Category.objects.create(kind="incident", parent=accidents, name="燃气泄漏", order=99)
    duty = personas[GOV]
    for category in (kitchen, gas):
        itf.register(
            duty,
            community=community,
            category=category,
            occurred_at=itf.at("2025-03-25 12:00"),
            learned_at=itf.at("2025-03-25 12:00"),
        )
    i = figures()
    assert i["by_type"]["fire"] == 4
    assert i["by_type"][f"type_{gas.pk}"] == 1
    assert sum(i["by_type"].values()) == i["total"] == 8
    names = incident_stats.labels()
    assert names[f"incidents.by_type.type_{gas.pk}"] == "燃气泄漏"
    assert names["incidents.by_type.unnatural_death"] == "非正常死亡"


def test_a_fixed_number_of_queries(march, personas, community):
    leader = personas[Role.LEADER]
    stats.compute(MARCH, user=leader)  # what is read once and cached (the person's reach)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            incident_stats.figures(MARCH, user=leader)
        return len(queries)

    before = count()
    duty = personas[GOV]
    for n in range(5):
        case = itf.register(
            duty,
            community=community,
            occurred_at=itf.at(f"2025-03-2{n} 08:00"),
            learned_at=itf.at(f"2025-03-2{n} 08:05"),
        )
        first_report(case, duty, itf.at(f"2025-03-2{n} 08:30"))
    assert count() == before
    assert figures()["total"] == 11


# --------------------------------------------------------------------------- risk notes


def note(personas, community, **extra):
    return risk.create_risk_note(
        personas[GOV],
        subject_kind="project",
        subject="翠屏路拆迁安置项目",
        risk_type="land",
        description="部分住户对安置方案有意见",
        level="elevated",
        community=community,
        action="reply",
        task_title="约见住户代表，答复安置政策",
        owner=personas[Role.COMMUNITY_WORKER].staff.pk,
        due_at=timezone.now() + timedelta(days=2),
        **extra,
    )


def test_risk_notes_opened_and_closed_by_their_own_days(personas, community, other_community, unit):
    from huiyin.incidents.models import RiskNote

    today = beijing_today()
    a = note(personas, community, noted_on=today - timedelta(days=10))
    b = note(personas, community, noted_on=today - timedelta(days=3))
    c = note(personas, other_community, noted_on=today - timedelta(days=3))
    # a closed five days ago at 00:00 Beijing, c closed just before the period's first day.
    start = stats.Period(today - timedelta(days=5), today).bounds()[0]
    RiskNote.objects.filter(pk=a.pk).update(status=RiskStatus.CLOSED, closed_at=start)
    RiskNote.objects.filter(pk=c.pk).update(
        status=RiskStatus.CLOSED, closed_at=start - timedelta(seconds=1)
    )
    period = stats.Period(today - timedelta(days=5), today)
    assert stats.compute(period)["risk_notes"] == {"opened": 2, "closed": 1}  # b c; a
    mine = stats.compute(period, user=personas[Role.COMMUNITY_WORKER])["risk_notes"]
    assert mine == {"opened": 1, "closed": 1}  # b; a
    assert stats.compute(period, user=personas[Role.PETITION_CLERK])["risk_notes"] == {
        "opened": 0,
        "closed": 0,
    }
    assert stats.compute(period, scope=stats.Scope(unit_id=unit.pk))["risk_notes"] == {
        "opened": 0,
        "closed": 0,
    }
    assert b.status == RiskStatus.OPEN


def test_the_stats_table_prints_the_incident_figures_by_name(march):
    import io

    from django.core.management import call_command
    from django.utils import translation

    out = io.StringIO()
    with translation.override("en"):
        call_command("stats", "--from", "2025-03-01", "--to", "2025-03-31", stdout=out)
    lines = [line.strip() for line in out.getvalue().splitlines()]
    for line in (
        "Incidents (by the time they happened): 6",
        "非正常死亡: 1",
        "火警: 3",
        "Within the limit: 3",
        "Late or missing past the limit: 3",
        "First reports on time: 50.0%",
        "Risk notes noted: 0",
    ):
        assert line in lines, (line, lines)


def test_the_readme_names_every_key_and_every_key_is_there(db):
    from huiyin.reports.tests.test_stats_disputes import readme_keys

    flat = stats.flat(stats.compute(MARCH))
    prefixes = (
        "incidents",
        "risk_notes",
        "patrols",
        "inspections",
        "rectifications",
    )
    documented = [key for prefix in prefixes for key in readme_keys(prefix)]
    assert "incidents.by_grade.especially_major" in documented
    assert "rectifications.done_rate" in documented
    assert [key for key in documented if key not in flat] == []
    counted = {k for k in flat if k.startswith(tuple(f"{p}." for p in prefixes))}
    assert {k for k in counted if not k.startswith("incidents.by_type.")} <= set(documented)
