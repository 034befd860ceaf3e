"""Reporting upward: limits per class and grade, the delay in minutes across midnight and a
holiday, the art. 13 window, and the overdue reports in the bell (once each)."""

from __future__ import annotations

from datetime import UTC, date, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone, translation

from huiyin.cases.models import Notification
from huiyin.cases.reminders import tick
from huiyin.incidents import reminders, reporting
from huiyin.incidents.models import Incident, Report
from huiyin.incidents.tests import factories as itf
from huiyin.org.roles import Role

pytestmark = pytest.mark.usefixtures("types")

at = itf.at


def test_the_delay_across_midnight_is_counted_in_real_minutes():
    assert reporting.delay_minutes(at("2025-06-10 23:40"), at("2025-06-11 00:25")) == 45
    # The same moments read in another zone: the same delay.
    utc = at("2025-06-11 00:25").astimezone(UTC)
    assert reporting.delay_minutes(at("2025-06-10 23:40"), utc) == 45


def test_a_holiday_stops_nothing():
    # 2025-10-01 is the National Day holiday: the minutes run as on any night.
    learned, sent = at("2025-09-30 23:30"), at("2025-10-01 01:00")
    deadline = reporting.Deadline(reporting.FIRST, 60, learned, sent)
    assert deadline.delay == 90 and deadline.on_time is False
    assert deadline.due_at == at("2025-10-01 00:30")
    assert deadline.late_by() == 30


def test_on_time_at_the_limit_and_late_a_minute_after():
    learned = at("2025-06-10 23:30")
    assert reporting.Deadline(reporting.FIRST, 60, learned, at("2025-06-11 00:30")).on_time
    assert not reporting.Deadline(reporting.FIRST, 60, learned, at("2025-06-11 00:31")).on_time
    missing = reporting.Deadline(reporting.FIRST, 60, learned, None)
    assert missing.overdue(at("2025-06-11 00:31")) and not missing.overdue(at("2025-06-11 00:30"))


def test_minutes_read_as_days_hours_minutes():
    with translation.override("en"):
        assert reporting.minutes_text(45) == "45 min"
        assert reporting.minutes_text(75) == "1 h 15 min"
        assert reporting.minutes_text(1505) == "1 d 1 h 5 min"


def test_limits_per_class_and_grade(settings):
    assert reporting.limits_for("事故灾难", "general") == {"first": 60, "written": 120}
    settings.HUIYIN_INCIDENT_REPORT_LIMITS = {
        "default": {"first": 30, "written": 60},
        "*/major": {"first": 20},
        "社会安全事件": {"first": 15, "written": 40},
        "事故灾难/especially_major": {"first": 10},
    }
    assert reporting.limits_for("自然灾害", "general") == {"first": 30, "written": 60}
    assert reporting.limits_for("自然灾害", "major") == {"first": 20, "written": 60}
    assert reporting.limits_for("社会安全事件", "major") == {"first": 15, "written": 40}
    assert reporting.limits_for("事故灾难", "especially_major") == {"first": 10, "written": 60}
    for bad in ({"default": {"first": -1}}, {"default": {"phone": 5}}, {"x": 5}, ["x"]):
        settings.HUIYIN_INCIDENT_REPORT_LIMITS = bad
        with pytest.raises(ImproperlyConfigured):
            reporting.limits_for("自然灾害", "general")


def test_the_case_shows_each_report_delay(personas, community):
    duty = personas[Role.GOVERNANCE_STAFF]
    learned = itf.ago(hours=5)
    case = itf.register(
        duty, community=community, occurred_at=learned - timedelta(minutes=10), learned_at=learned
    )
    itf.report(case, duty, sent_at=learned + timedelta(minutes=42))
    itf.report(case, duty, channel="written", sent_at=learned + timedelta(minutes=130))
    first, written = reporting.deadlines_of(itf.incident(case))
    assert (first.delay, first.on_time) == (42, True)
    assert (written.delay, written.on_time) == (130, False)
    assert written.late_by() == 10


def test_the_supplement_window_of_art_13(personas, community):
    duty = personas[Role.GOVERNANCE_STAFF]
    # A fire on 2025-09-24: 7 days end on 2025-10-01, a holiday, so on the next working day.
    fire = itf.register(
        duty,
        community=community,
        occurred_at=at("2025-09-24 10:00"),
        learned_at=at("2025-09-24 10:05"),
    )
    assert reporting.supplement_until(itf.incident(fire)) == date(2025, 10, 9)
    accident = itf.register(
        duty,
        community=community,
        type_name="生产安全事故",
        occurred_at=at("2025-03-03 10:00"),
        learned_at=at("2025-03-03 10:05"),
    )
    assert reporting.supplement_until(itf.incident(accident)) == date(2025, 4, 2)
    gathering = itf.register(duty, community=community, type_name="群体性事件")
    assert reporting.supplement_until(itf.incident(gathering)) is None


def _overdue_case(personas, community, grid, minutes_ago=90):
    duty = personas[Role.GOVERNANCE_STAFF]
    learned = itf.ago(minutes=minutes_ago)
    return itf.register(
        duty,
        community=community,
        grid=grid,
        occurred_at=learned - timedelta(minutes=5),
        learned_at=learned,
    )


def test_an_overdue_first_report_rings_the_bell_once(personas, community, grid):
    case = _overdue_case(personas, community, grid)
    tick()
    notes = Notification.objects.filter(case=case)
    told = {n.recipient.username for n in notes}
    assert {"governance", "community1", "grid1"} <= told
    assert "auditor" not in told and "clerk" not in told
    assert all(n.kind == "overdue" and n.codes == ["incident_first_report"] for n in notes)
    assert case.number in notes.first().text
    count = notes.count()
    tick()
    assert Notification.objects.filter(case=case).count() == count
    # The written report falls due too: the same day's notification names both, unread again.
    Incident.objects.filter(pk=case.pk).update(learned_at=itf.ago(minutes=150))
    limits, _sent = reminders.remind()
    assert limits == 2  # the first report's due moment moved: reminded again, with the written
    mine = Notification.objects.filter(case=case, recipient=personas[Role.GOVERNANCE_STAFF])
    codes = {code for note in mine for code in note.codes}
    assert codes == {"incident_first_report", "incident_written_report"}
    assert reminders.remind() == (0, 0)


def test_the_leader_in_charge_is_told_and_a_sent_report_is_not_overdue(personas, community, grid):
    duty = personas[Role.GOVERNANCE_STAFF]
    case = _overdue_case(personas, community, grid, minutes_ago=70)
    itf.bring_to(case, "handling", personas)
    tick()
    told = set(Notification.objects.filter(case=case).values_list("recipient__username", flat=True))
    assert "leader" in told
    done = _overdue_case(personas, community, grid, minutes_ago=70)
    itf.report(done, duty, sent_at=timezone.now())
    tick()
    assert not Notification.objects.filter(case=done).exists()
    assert Report.objects.filter(incident_id=done.pk).count() == 1


def test_a_withdrawn_or_closed_incident_is_never_reminded(personas, community, grid):
    from huiyin.cases.services import withdraw_case

    duty = personas[Role.GOVERNANCE_STAFF]
    case = _overdue_case(personas, community, grid)
    withdraw_case(case, actor=duty, version=case.version, reason="重复登记")
    tick()
    assert not Notification.objects.filter(case=case).exists()
