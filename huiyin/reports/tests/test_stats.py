"""The statistics layer against a street counted by hand.

The period is P = [today − 200, today − 170] (31 days, both ends inclusive). Inside it:

| | received | channel | level | people | community | later |
|---|---|---|---|---|---|---|
| A | P.start 00:05 | visit (leader's reception) | street | 1 | 柑子园 | accepted next day, replied on day 10 (on time), concluded; rated 满意 |
| B | P.start + 5 | collective visit | city | 12 | 柑子园 (grid) | declined today |
| C | P.end 23:55 | letter | national | 1 | 翠屏路 | — |
| D | P.start + 10 | phone, repeat of A | province | 1 | 翠屏路 | accepted next day, replied today (late); rated 不满意 then 基本满意 |
| E | P.start + 2 | online | district | 1 | 柑子园 | — |
| F | P.start + 1 | assigned from above | street | 1 | 柑子园 | — |

Outside it: G at P.start − 1 23:55 and H at P.end + 1 00:05 (both national visits), and a
withdrawn petition inside P. Overdue at the end of P: B, E, F (their acceptance clocks ran
past due before P ended); A and D were decided in time, C's clocks were not yet due.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.models import Case
from huiyin.cases.services import withdraw_case
from huiyin.org.roles import Role
from huiyin.petitions.models import Channel, Level
from huiyin.petitions.services import record_follow_up, schedule_reception
from huiyin.petitions.tests.factories import petitioner, register, step
from huiyin.reports import stats
from huiyin.reports.stats import Period, Scope
from huiyin.testing import factories as f

ISSUE_KEYS = [
    "petitions.batches",
    "petitions.headcount",
    *[f"petitions.by_channel.{c}.{m}" for c in stats.CHANNELS for m in ("batches", "headcount")],
    *[f"petitions.by_level.{lv}.{m}" for lv in stats.LEVELS for m in ("batches", "headcount")],
    *[
        f"petitions.visits_by_level.{lv}.{m}"
        for lv in stats.LEVELS
        for m in ("batches", "headcount")
    ],
    "petitions.collective.batches",
    "petitions.collective.headcount",
    "petitions.first",
    "petitions.repeat",
    "petitions.accepted",
    "petitions.declined",
    "petitions.concluded",
    "petitions.overdue_open",
    "petitions.on_time_rate",
    "petitions.satisfaction_rate",
    "receptions.headcount",
    "goals.zero_national",
    "goals.zero_province",
    "goals.zero_city",
]


def at(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=CHINA_TZ)


@pytest.fixture
def period() -> Period:
    today = timezone.localdate()
    return Period(today - timedelta(days=200), today - timedelta(days=170))


@pytest.fixture
def street_cases(personas, community, other_community, grid, unit, period):
    """The petitions of the table above, by letter."""
    clerk = personas[Role.PETITION_CLERK]
    leader = personas[Role.LEADER]
    start, end = period.start, period.end
    slot = schedule_reception(
        actor=clerk,
        leader=leader.staff,
        kind="reception_day",
        on=start,
        start_time=time(0, 0),
        end_time=time(12, 0),
        place="街道信访接待室",
    )
    p = {}
    p["A"] = register(clerk, community=community, received_at=at(start, 0, 5), reception_slot=slot)
    collective = [petitioner("代表甲", is_representative=True)] + [
        petitioner(f"群众{i}", id_number="", phone="") for i in range(2)
    ]
    p["B"] = register(
        clerk,
        community=community,
        grid=grid,
        level=Level.CITY,
        is_collective=True,
        headcount=12,
        petitioners=collective,
        received_at=at(start + timedelta(days=5), 10, 0),
    )
    p["C"] = register(
        clerk,
        community=other_community,
        channel=Channel.LETTER,
        level=Level.NATIONAL,
        received_at=at(end, 23, 55),
    )
    p["D"] = register(
        clerk,
        community=other_community,
        channel=Channel.PHONE,
        level=Level.PROVINCE,
        repeat_of=p["A"].case.number,
        received_at=at(start + timedelta(days=10), 9, 0),
    )
    p["E"] = register(
        clerk,
        community=community,
        channel=Channel.ONLINE,
        level=Level.DISTRICT,
        received_at=at(start + timedelta(days=2), 9, 0),
    )
    p["F"] = register(
        clerk,
        community=community,
        channel=Channel.ASSIGNED,
        assigned_by="区信访局",
        received_at=at(start + timedelta(days=1), 9, 0),
    )
    # Outside the period, by five minutes each way; and one withdrawn inside it.
    p["G"] = register(
        clerk,
        community=community,
        level=Level.NATIONAL,
        received_at=at(start - timedelta(days=1), 23, 55),
    )
    p["H"] = register(
        clerk,
        community=community,
        level=Level.NATIONAL,
        received_at=at(end + timedelta(days=1), 0, 5),
    )
    withdrawn = register(clerk, community=community, level=Level.CITY, received_at=at(start, 12, 0))
    withdraw_case(withdrawn.case, actor=clerk, version=withdrawn.case.version, reason="重复登记")

    handler = personas[Role.DEPARTMENT_HANDLER]
    a_day = start
    step(p["A"].case, "accept", clerk, decided_on=a_day + timedelta(days=1), told_manner="written")
    step(
        p["A"].case,
        "reply",
        clerk,
        text="已答复",
        delivery="in_person",
        replied_on=a_day + timedelta(days=10),
    )
    step(p["A"].case, "conclude", clerk, concluded_on=a_day + timedelta(days=11))
    record_follow_up(p["A"], actor=clerk, satisfaction="satisfied")

    step(p["B"].case, "decline", clerk, reason="不属于信访事项", told_manner="written")

    d_day = start + timedelta(days=10)
    step(p["D"].case, "accept", clerk, decided_on=d_day + timedelta(days=1), told_manner="written")
    step(p["D"].case, "assign", clerk, unit=unit)
    step(p["D"].case, "start_handling", handler)
    step(p["D"].case, "reply", handler, text="已答复", delivery="post")
    record_follow_up(p["D"], actor=clerk, satisfaction="dissatisfied")
    record_follow_up(p["D"], actor=clerk, satisfaction="basically_satisfied")
    return p


def test_it_counts_the_hand_counted_street(street_cases, period):
    s = stats.compute(period)
    p = s["petitions"]
    assert (p["batches"], p["headcount"]) == (6, 17)
    assert p["by_channel"] == {
        "letter": {"batches": 1, "headcount": 1},
        "visit": {"batches": 2, "headcount": 13},
        "phone": {"batches": 1, "headcount": 1},
        "online": {"batches": 1, "headcount": 1},
        "assigned": {"batches": 1, "headcount": 1},
    }
    assert p["by_level"] == {
        "street": {"batches": 2, "headcount": 2},
        "district": {"batches": 1, "headcount": 1},
        "city": {"batches": 1, "headcount": 12},
        "province": {"batches": 1, "headcount": 1},
        "national": {"batches": 1, "headcount": 1},
    }
    assert p["visits_by_level"]["street"] == {"batches": 1, "headcount": 1}
    assert p["visits_by_level"]["city"] == {"batches": 1, "headcount": 12}
    assert p["visits_by_level"]["national"] == {"batches": 0, "headcount": 0}
    # 越级 (条例 art. 20): B (city), C (national), D (province); E (district) is only upward.
    assert p["over_level"] == {"batches": 3, "headcount": 14}
    assert p["upward"] == {"batches": 4, "headcount": 15}
    assert p["collective"] == {"batches": 1, "headcount": 12}
    assert (p["first"], p["repeat"]) == (5, 1)


def test_it_counts_a_collective_visit_as_one_batch_of_its_headcount(street_cases, period):
    p = stats.compute(period)["petitions"]
    assert p["collective"] == {"batches": 1, "headcount": 12}
    assert p["by_level"]["city"] == {"batches": 1, "headcount": 12}


def test_it_partitions_the_petitions_by_present_status(street_cases, period):
    p = stats.compute(period)["petitions"]
    assert {
        k: p[k] for k in ("registered", "accepted", "declined", "transferred", "concluded")
    } == {
        "registered": 3,
        "accepted": 1,
        "declined": 1,
        "transferred": 0,
        "concluded": 1,
    }


def test_it_rates_timeliness_and_satisfaction(street_cases, period):
    p = stats.compute(period)["petitions"]
    # A on time, D replied late; B, E and F owed the acceptance notice and were past due at
    # the end of P: answers not given in time count against the rate (1 / 5, not 1 / 2).
    assert p["on_time"] == {"met": 1, "late": 1, "overdue": 3}
    assert p["on_time_rate"] == 0.2
    # D's latest follow-up (基本满意) supersedes its first (不满意).
    assert p["rated"] == 2
    assert p["satisfaction"] == {"satisfied": 1, "basically_satisfied": 1, "dissatisfied": 0}
    assert p["satisfaction_rate"] == 1.0


def test_the_lists_behind_first_on_time_and_late_hold_exactly_those_petitions(
    street_cases, period, personas, client
):
    """The dashboard's drill-downs for 初信初访 and 按期答复 list the petitions counted."""
    from huiyin.petitions.queries import PetitionFilter
    from huiyin.reports.views.dashboard import Links, _figures

    leader = personas[Role.LEADER]
    dates = {"from": period.start.isoformat(), "to": period.end.isoformat()}

    def listed(**params) -> set[str]:
        cases = PetitionFilter({**dates, **params}, leader).queryset()
        return set(cases.values_list("number", flat=True))

    def numbers(*letters) -> set[str]:
        return {street_cases[letter].case.number for letter in letters}

    assert listed(first="1") == numbers("A", "B", "C", "E", "F")
    assert listed(answered="on_time") == numbers("A")
    assert listed(answered="late") == numbers("D")
    assert listed(answered=["on_time", "late"]) == numbers("A", "D")
    assert listed(first="1", answered="late") == set()
    bad = PetitionFilter({"answered": "soon"}, leader)
    assert bad.notices and "answered" not in bad.values

    figures = _figures(stats.compute(period, user=leader), Links(period))
    client.force_login(leader)
    for figure, count in (
        (figures["first"]["url"], 5),
        (figures["on_time"]["url"], 2),
        (figures["on_time"]["met_url"], 1),
        (figures["on_time"]["late_url"], 1),
    ):
        response = client.get(figure)
        assert response.status_code == 200
        assert response.context["page"].paginator.count == count, figure


def test_it_counts_what_was_overdue_at_the_end_of_a_past_period(street_cases, period):
    assert stats.compute(period)["petitions"]["overdue_open"] == 3


def test_it_counts_leaders_receptions(street_cases, period, personas):
    receptions = stats.compute(period)["receptions"]
    leader = personas[Role.LEADER].staff
    assert receptions["headcount"] == 1
    assert receptions["by_leader"] == [
        {"id": leader.pk, "name": leader.name, "batches": 1, "headcount": 1}
    ]


def test_it_counts_only_visits_towards_the_three_zero_goals(street_cases, period):
    s = stats.compute(period)
    goals, visits = s["goals"], s["petitions"]["visits_by_level"]
    # C (a national letter) and D (a provincial call) are not visits: the goals hold.
    assert (goals["zero_national"], goals["zero_province"], goals["zero_city"]) == (
        True,
        True,
        False,
    )
    assert goals["channels"] == ["visit"]
    for goal, level in stats.GOALS.items():
        assert goals["counts"][goal] == visits[level]
    assert goals["breaches"]["zero_national"] == []
    # B (declined) owed its acceptance notice past its due date at the end of the period.
    b = street_cases["B"].case
    assert goals["breaches"]["zero_city"] == [
        {"id": b.pk, "number": b.number, "handling": "overdue"}
    ]


def test_it_lists_the_petitions_that_broke_each_goal(street_cases, period, settings):
    settings.HUIYIN_GOAL_CHANNELS = list(stats.CHANNELS)
    goals = stats.compute(period)["goals"]
    assert (goals["zero_national"], goals["zero_province"], goals["zero_city"]) == (
        False,
        False,
        False,
    )
    number = {k: v.case.number for k, v in street_cases.items()}
    assert [b["number"] for b in goals["breaches"]["zero_national"]] == [number["C"]]
    assert [b["number"] for b in goals["breaches"]["zero_province"]] == [number["D"]]
    assert [b["number"] for b in goals["breaches"]["zero_city"]] == [number["B"]]
    assert goals["breaches"]["zero_city"][0]["id"] == street_cases["B"].case.pk
    # No incident recorded: the 四无 are held (huiyin/incidents/tests/test_goals.py counts them).
    for goal in stats.INCIDENT_GOALS:
        assert goals[goal] is True and goals["breaches"][goal] == []


def test_it_includes_both_boundary_days_and_nothing_beyond(street_cases, period, settings):
    settings.HUIYIN_GOAL_CHANNELS = ["visit", "letter"]
    numbers = {b["number"] for b in stats.compute(period)["goals"]["breaches"]["zero_national"]}
    # G (the evening before) and H (the morning after) are national too, and not counted.
    assert numbers == {street_cases["C"].case.number}
    one_day = Period(period.start, period.start)
    assert stats.compute(one_day)["petitions"]["batches"] == 1  # A at 00:05
    last_day = Period(period.end, period.end)
    assert stats.compute(last_day)["petitions"]["batches"] == 1  # C at 23:55
    before = Period(period.start - timedelta(days=1), period.start - timedelta(days=1))
    assert stats.compute(before)["petitions"]["by_level"]["national"]["batches"] == 1  # G


def test_it_leaves_withdrawn_petitions_out(street_cases, period):
    assert Case.objects.filter(withdrawn=True).count() == 1
    assert stats.compute(period)["petitions"]["by_level"]["city"]["batches"] == 1


def test_it_counts_only_what_a_community_limited_user_may_see(street_cases, period, community):
    limited = f.person(Role.PETITION_CLERK, username="clerk-ganziyuan", community=community)
    s = stats.compute(period, user=limited)
    assert (s["petitions"]["batches"], s["petitions"]["headcount"]) == (4, 15)
    assert s["goals"]["zero_national"] is True
    assert s["goals"]["zero_province"] is True
    assert s["goals"]["zero_city"] is False
    assert [row["name"] for row in stats.per_community(period, user=limited)] == ["柑子园社区"]


def test_it_counts_nothing_for_a_person_without_petition_access(street_cases, period, personas):
    s = stats.compute(period, user=personas[Role.COMMUNITY_WORKER])
    assert s["petitions"]["batches"] == 0
    assert s["goals"]["zero_national"] is True


def test_it_narrows_to_a_scope(street_cases, period, other_community, grid):
    s = stats.compute(period, scope=Scope(community_id=other_community.pk))
    assert (s["petitions"]["batches"], s["petitions"]["headcount"]) == (2, 2)
    assert s["scope"] == {"community": other_community.pk, "grid": None, "unit": None}
    assert stats.compute(period, scope=Scope(grid_id=grid.pk))["petitions"]["batches"] == 1


def test_it_breaks_the_numbers_down_per_community(street_cases, period, community, other_community):
    rows = {row["id"]: row for row in stats.per_community(period)}
    assert rows[community.pk] == {
        "id": community.pk,
        "name": "柑子园社区",
        "batches": 4,
        "headcount": 15,
        "over_level_batches": 1,
        "over_level_headcount": 12,
        "upward_batches": 2,
        "upward_headcount": 13,
        "collective_batches": 1,
        "collective_headcount": 12,
        "repeat": 0,
        "concluded": 1,
        "overdue_open": 3,
    }
    assert rows[other_community.pk]["batches"] == 2
    assert rows[other_community.pk]["over_level_batches"] == 2
    assert rows[other_community.pk]["repeat"] == 1
    assert sum(r["batches"] for r in rows.values()) == stats.compute(period)["petitions"]["batches"]


def test_it_breaks_the_numbers_down_per_grid_with_its_boundary(street_cases, period, grid):
    grid.geometry = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}
    grid.save(update_fields=["geometry"])
    rows = stats.per_grid(period)
    assert [(r["name"], r["community"], r["batches"], r["headcount"]) for r in rows] == [
        ("第1网格", "柑子园社区", 1, 12)
    ]
    assert rows[0]["geometry"]["type"] == "Polygon"


def test_it_gives_a_weekly_trend_of_mondays_adding_up(street_cases, period):
    trend = stats.weekly_trend(period)
    assert all(row["week_start"].weekday() == 0 for row in trend)
    assert trend[0]["week_start"] <= period.start < trend[0]["week_start"] + timedelta(days=7)
    assert trend[-1]["week_start"] <= period.end
    assert sum(row["batches"] for row in trend) == 6
    assert sum(row["headcount"] for row in trend) == 17
    weeks = [row["week_start"] for row in trend]
    assert weeks == sorted(set(weeks))


def test_it_lists_overdue_and_due_soon_petitions(street_cases, personas):
    today = timezone.localdate()
    overdue = list(stats.overdue_cases(today=today))
    # B was declined, A concluded, D replied: C, E, F, G and H wait, long past due (today,
    # whatever the period).
    assert {c.pk for c in overdue} == {street_cases[k].case.pk for k in "CEFGH"}
    assert [c.due_on for c in overdue] == sorted(c.due_on for c in overdue)
    assert list(stats.due_soon_cases(today=today)) == []
    fresh = register(personas[Role.PETITION_CLERK], received_at=today)
    soon = list(stats.due_soon_cases(today=fresh.case.due_on - timedelta(days=1)))
    assert fresh.case in soon
    assert list(stats.overdue_cases(user=personas[Role.COMMUNITY_WORKER])) == []


def test_it_answers_an_empty_period_with_zeros_and_no_rates(db):
    s = stats.compute(Period(date(2020, 1, 1), date(2020, 1, 31)))
    assert s["petitions"]["batches"] == 0
    assert s["petitions"]["on_time_rate"] is None
    assert s["petitions"]["satisfaction_rate"] is None
    assert s["goals"]["zero_national"] is True
    assert s["receptions"] == {"headcount": 0, "batches": 0, "by_leader": []}


def test_it_keeps_the_issue_keys_in_flat_form(db):
    flat = stats.flat(stats.compute(Period(date(2020, 1, 1), date(2020, 1, 7))))
    missing = [key for key in ISSUE_KEYS if key not in flat]
    assert missing == []
    assert flat["period.start"] == "2020-01-01"
    assert flat["goals.breaches.zero_city"] == []


def test_it_computes_with_three_queries(street_cases, period, django_assert_num_queries):
    from huiyin.reports.stats import petitions

    # The aggregate, the petitions behind the lists, the incidents behind the 四无.
    with django_assert_num_queries(3):
        petitions.figures(period)


def test_it_breaks_down_with_a_constant_number_of_queries(
    street_cases, period, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        stats.per_community(period)
    with django_assert_max_num_queries(2):
        stats.per_grid(period)
    with django_assert_max_num_queries(1):
        stats.weekly_trend(period)


def test_it_builds_periods_of_weeks_months_and_campaigns():
    assert Period.this_week(date(2026, 11, 29)) == Period(date(2026, 11, 23), date(2026, 11, 29))
    assert Period.this_week(date(2026, 11, 23)) == Period(date(2026, 11, 23), date(2026, 11, 29))
    assert Period.this_month(date(2024, 2, 10)) == Period(date(2024, 2, 1), date(2024, 2, 29))

    class Campaign:
        start, end = date(2026, 8, 22), date(2026, 11, 29)

    assert Period.of_campaign(Campaign()).days == 100
    with pytest.raises(ValueError):
        Period(date(2026, 2, 2), date(2026, 2, 1))


def test_it_judges_overdue_on_the_earlier_of_period_end_and_today():
    today = date(2026, 11, 29)
    assert Period(date(2026, 11, 1), date(2026, 11, 30)).reference_day(today) == today
    assert Period(date(2026, 10, 1), date(2026, 10, 31)).reference_day(today) == date(2026, 10, 31)


def test_it_counts_what_is_overdue_today_for_a_period_reaching_today(street_cases, period):
    today = timezone.localdate()
    up_to_today = Period(period.start, today)
    # Received from P.start on and past due today: C, E, F and H (G came the day before).
    assert stats.compute(up_to_today)["petitions"]["overdue_open"] == 4
    listed = stats.overdue_cases(today=today).filter(received_at__gte=up_to_today.bounds()[0])
    assert listed.count() == 4


def test_an_open_matter_past_its_due_date_keeps_the_on_time_rate_below_100(personas, unit):
    """Replied on time and one matter overdue, unanswered: never 100 % beside it."""
    from huiyin.petitions.tests.factories import bring_to

    clerk = personas[Role.PETITION_CLERK]
    today = timezone.localdate()
    replied = bring_to(register(clerk, received_at=today), "replied", personas, unit=unit)
    assert replied.clocks.get(code="handling").outcome == "met"
    period = Period(today, today)
    assert stats.compute(period)["petitions"]["on_time_rate"] == 1.0

    late = register(clerk, received_at=today)
    late.case.clocks.filter(stopped_at=None).update(due_on=today - timedelta(days=1))
    Case.objects.filter(pk=late.case.pk).update(due_on=today - timedelta(days=1))

    p = stats.compute(period)["petitions"]
    assert p["overdue_open"] == 1
    assert p["on_time"] == {"met": 1, "late": 0, "overdue": 1}
    assert p["on_time_rate"] == 0.5
    assert p["on_time_rate"] < 1


@pytest.mark.parametrize("older_first", [True, False])
def test_a_petition_counts_by_its_latest_handling_clock_not_an_earlier_one(
    personas, unit, older_first
):
    """A handling clock stopped, then another (handled again): the later outcome counts,
    whichever row was written first (a higher id is not a later stop)."""
    from huiyin.cases.models import Clock
    from huiyin.petitions.tests.factories import bring_to

    clerk = personas[Role.PETITION_CLERK]
    today = timezone.localdate()
    replied = bring_to(register(clerk, received_at=today), "replied", personas, unit=unit)
    current = replied.clocks.get(code="handling")
    assert current.outcome == Clock.Outcome.MET
    earlier = Clock(
        case=current.case,
        code="handling",
        started_on=current.started_on,
        due_on=current.due_on,
        days=current.days,
        stopped_at=current.stopped_at - timedelta(hours=1),
        stopped_on=current.stopped_on,
        outcome=Clock.Outcome.LATE,
    )
    if older_first:
        # Written before: the id order and the stopping order agree.
        current.delete()
        earlier.save()
        current.pk = None
        current.save()
    else:
        earlier.save()  # written after: a higher id, but stopped earlier
    period = Period(today, today)
    assert stats.compute(period)["petitions"]["on_time"] == {"met": 1, "late": 0, "overdue": 0}
    earlier.stopped_at = current.stopped_at + timedelta(hours=1)
    earlier.save()
    assert stats.compute(period)["petitions"]["on_time"] == {"met": 0, "late": 1, "overdue": 0}


def test_the_replies_count_written_replies_and_those_that_state_their_basis(personas, unit):
    """处理意见书: two written (one stating its basis in law, one not), one not yet written;
    within the period only, and for a reader only within what they see."""
    from huiyin.petitions.models import Petition
    from huiyin.petitions.tests.factories import bring_to

    clerk = personas[Role.PETITION_CLERK]
    today = timezone.localdate()
    period = Period(today - timedelta(days=5), today)
    based = bring_to(register(clerk, received_at=today), "replied", personas, unit=unit)
    bare = bring_to(register(clerk, received_at=today), "replied", personas, unit=unit)
    register(clerk, received_at=today)  # not replied
    earlier = bring_to(
        register(clerk, received_at=today - timedelta(days=30)), "replied", personas, unit=unit
    )
    Petition.objects.filter(case=based).update(reply_basis="《信访工作条例》第三十二条")
    Petition.objects.filter(case__in=[bare, earlier]).update(reply_basis="")
    expected = {"written": 2, "with_basis": 1, "without_basis": 1, "with_basis_rate": 0.5}
    assert stats.compute(period)["replies"] == expected
    assert stats.compute(period, user=clerk)["replies"] == expected
    Petition.objects.filter(case=bare).update(replied_on=None)
    assert stats.compute(period)["replies"] == {
        "written": 1,
        "with_basis": 1,
        "without_basis": 0,
        "with_basis_rate": 1.0,
    }
