"""Sensitive periods: daily reports (or nil reports) on the weekly screening's compliance table."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied

from huiyin.org.roles import Role
from huiyin.patrols import reminders, rules, services
from huiyin.patrols.models import DailyNotice, DailyReport
from huiyin.patrols.services import PatrolInvalid, sensitive
from huiyin.screening import compliance as table
from huiyin.screening import periods

pytestmark = pytest.mark.django_db


def at(day, hh=0, mm=0, ss=0, us=0):
    return datetime.combine(day, time(hh, mm, ss, us), tzinfo=periods.CHINA_TZ)


@pytest.fixture
def day():
    """A day of the period three days ago (every deadline of it past by now)."""
    return periods.today() - timedelta(days=3)


@pytest.fixture
def period(governance, day, community, other_community):
    return services.create_period(
        governance,
        name="国庆特殊时期",
        starts_on=day - timedelta(days=2),
        ends_on=day + timedelta(days=10),
    )


def file(actor, period, community, on, moment, **data):
    data.setdefault("nil", True)
    return services.file_daily(actor, period, community, on, moment=moment, **data)


def statuses(period, moment, on):
    result = sensitive.compliance(period, first=on, last=on, moment=moment)
    return {row.body.name: row.status for row in result.rows}


def test_the_report_for_a_day_is_due_the_next_morning(period, community_worker, community, day):
    assert sensitive.deadline_of(day) == at(day + timedelta(days=1), 9)
    report, created = file(
        community_worker, period, community, day, at(day + timedelta(days=1), 0, 30)
    )
    assert created and report.deadline == at(day + timedelta(days=1), 9)
    row = sensitive.compliance(period, first=day, last=day, moment=at(day, 23)).rows
    assert {r.status for r in row if r.body.pk == community.pk} == {table.ON_TIME}


def test_compliance_across_midnight_and_at_the_deadline(period, community_worker, community, day):
    nine = at(day + timedelta(days=1), 9)
    # Before the deadline nothing is missing yet; one microsecond after it is.
    assert set(statuses(period, nine, day).values()) == {table.PENDING}
    assert set(statuses(period, nine + timedelta(microseconds=1), day).values()) == {table.MISSING}
    file(community_worker, period, community, day, nine)
    assert statuses(period, nine + timedelta(hours=1), day)["柑子园社区"] == table.ON_TIME
    # Filed one microsecond after the deadline: late (and the other community's report too).
    file(community_worker, period, community, day - timedelta(days=1), at(day, 9, 0, 0, 1))
    assert statuses(period, nine, day - timedelta(days=1))["柑子园社区"] == table.LATE
    assert DailyReport.objects.count() == 2


def test_a_same_day_deadline_makes_a_report_after_midnight_late(
    settings, period, community_worker, community, day
):
    settings.HUIYIN_SENSITIVE_DEADLINE_DAYS = 0
    settings.HUIYIN_SENSITIVE_DEADLINE_TIME = "23:59"
    assert sensitive.deadline_of(day) == at(day, 23, 59)
    file(community_worker, period, community, day, at(day + timedelta(days=1), 0, 0, 30))
    assert statuses(period, at(day + timedelta(days=1), 1), day)["柑子园社区"] == table.LATE
    report, created = file(
        community_worker, period, community, day, at(day + timedelta(days=1), 2), version=1
    )
    assert not created and report.version == 2
    assert statuses(period, at(day + timedelta(days=1), 3), day)["柑子园社区"] == table.LATE


def test_the_due_day_turns_at_the_deadline(period, day):
    next_day = day + timedelta(days=1)
    # Until the deadline of yesterday's report, yesterday's is due; then today's.
    assert sensitive.due_day(period, at(next_day, 8, 59)) == day
    assert sensitive.due_day(period, at(next_day, 9, 0, 0, 1)) == next_day
    assert sensitive.due_day(period, at(period.starts_on, 8)) == period.starts_on
    assert sensitive.due_day(period, at(period.starts_on - timedelta(days=1), 12)) is None


def test_every_community_is_a_row_and_the_totals_add_up(period, community_worker, community, day):
    file(community_worker, period, community, day, at(day, 20))
    result = sensitive.compliance(period, moment=at(day + timedelta(days=1), 12))
    days = (day - period.starts_on).days + 2  # from the first day to the day after `day`
    assert len(result.periods) == days and len(result.rows) == 2 * days
    assert result.totals["on_time"] == 1 and result.totals["nil"] == 1
    assert result.totals["missing"] == 2 * (days - 1) - 1
    assert result.by_period[day.isoformat()]["on_time"] == 1


def test_a_report_with_incidents_and_risk_notes(period, community_worker, community, day):
    with pytest.raises(PatrolInvalid) as refused:
        file(community_worker, period, community, day, at(day, 20), nil=False)
    assert "__all__" in refused.value.errors
    with pytest.raises(PatrolInvalid) as refused:
        file(community_worker, period, community, day, at(day, 20), nil=True, incident_count=1)
    with pytest.raises(PatrolInvalid) as refused:
        file(community_worker, period, community, day, at(day, 20), nil=False, risk_note_count=1)
    assert "risk_notes" in refused.value.errors
    with pytest.raises(PatrolInvalid) as refused:
        file(
            community_worker, period, community, day, at(day, 20), nil=False,
            risk_note_count=1, risk_notes="某工地欠薪，联系人13812345678",
        )  # fmt: skip
    assert refused.value.errors["risk_notes"] == [rules.MSG_PHONE]
    report, _ = file(
        community_worker, period, community, day, at(day, 20), nil=False,
        risk_note_count=1, risk_notes="某工地欠薪，已转劳动监察",
    )  # fmt: skip
    assert not report.is_nil and report.risk_note_count == 1


def test_bad_daily_input_is_bounded(period, community_worker, community, day):
    for on in (period.starts_on - timedelta(days=1), periods.today() + timedelta(days=1)):
        with pytest.raises(PatrolInvalid) as refused:
            file(community_worker, period, community, on, at(day, 20))
        assert "day" in refused.value.errors
    with pytest.raises(PatrolInvalid) as refused:
        file(
            community_worker, period, community, day, at(day, 20), nil=False,
            incident_count="99999999999999999999", incidents="x" * 3000,
        )  # fmt: skip
    assert {"incident_count", "incidents"} <= set(refused.value.errors)


def test_who_files_for_which_community(personas, period, community, other_community, day):
    with pytest.raises(PermissionDenied):
        file(personas[Role.COMMUNITY_WORKER], period, other_community, day, at(day, 20))
    for role in (Role.GRID_WORKER, Role.LEADER, Role.AUDITOR):
        with pytest.raises(PermissionDenied):
            file(personas[role], period, community, day, at(day, 20))
    file(personas[Role.GOVERNANCE_STAFF], period, other_community, day, at(day, 20))


def test_only_the_office_makes_a_sensitive_period_and_it_is_bounded(personas, day):
    with pytest.raises(PermissionDenied):
        services.create_period(
            personas[Role.COMMUNITY_WORKER], name="x", starts_on=day, ends_on=day
        )
    with pytest.raises(PatrolInvalid) as refused:
        services.create_period(
            personas[Role.GOVERNANCE_STAFF],
            name="x",
            starts_on=day,
            ends_on=day + timedelta(days=200),
        )
    assert "ends_on" in refused.value.errors


def test_daily_reminders_once_each(period, personas, community, other_community, day):
    next_day = day + timedelta(days=1)
    soon = reminders.remind(at(next_day, 6))
    assert soon.due_soon == 2 and reminders.remind(at(next_day, 7)).due_soon == 0
    missed = reminders.remind(at(next_day, 9, 0, 1))
    assert missed.missed == 2 and reminders.remind(at(next_day, 12)).missed == 0
    told = set(
        DailyNotice.objects.filter(kind="missed").values_list(
            "recipient__username", "community__name"
        )
    )
    # The community's own worker, and the street's office for both.
    assert ("community1", "柑子园社区") in told
    assert ("governance", "翠屏路社区") in told and ("governance", "柑子园社区") in told
    assert ("community1", "翠屏路社区") not in told


def test_a_day_is_a_screening_period_of_its_own():
    on = periods.parse("2026-06-08", periods.DAY)
    assert (on.start, on.end, on.label) == (on.start, on.start, "2026-06-08")
    assert on.next().label == "2026-06-09" and on.previous().label == "2026-06-07"
    for bad in ("2026-02-30", "2026-6-8", "２０２６-06-08", "2026-06-08x", "9999-01-01", 7):
        assert periods.parse(bad, periods.DAY) is None
