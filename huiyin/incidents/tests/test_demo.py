"""The demo incidents and patrols: a quarter loaded through the real services — the unnatural
death reported late, the fire closed with its final report, the gathering over wages behind a
dispute of the disputes demo, the risk notes about projects, patrols in every grid, the
internet café's inspection with one item rectified and one overdue — whatever the moment it is
loaded at."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta

import chinese_calendar
import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import transaction
from django.test import override_settings
from django.utils import timezone, translation

from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case, CaseEvent, Category
from huiyin.disputes import demo as disputes_demo
from huiyin.disputes.demo import plans as dispute_plans
from huiyin.disputes.registration import register_dispute
from huiyin.disputes.types import ensure_default_types as ensure_dispute_types
from huiyin.incidents import demo as incidents_demo
from huiyin.incidents import goals, reporting
from huiyin.incidents.models import Incident, Report, RiskNote, RiskStatus, Task
from huiyin.org import demo as org_demo
from huiyin.org.management.commands.demo import demo_loaders
from huiyin.org.models import Community, Grid, Staff
from huiyin.patrols import demo as patrols_demo
from huiyin.patrols import services as patrol_services
from huiyin.patrols.models import (
    Finding,
    FindingOutcome,
    Inspection,
    Patrol,
    PatrolKind,
    Place,
    Rectification,
    RectificationStatus,
    RosterEntry,
    Volunteer,
)
from huiyin.petitions import demo as petitions_demo
from huiyin.privacy import audit
from huiyin.privacy.models import AuditEntry
from huiyin.reports.stats.engine import Period

pytestmark = pytest.mark.django_db

PASSWORD = "demo-pass-123"


def _moments() -> dict[str, datetime]:
    """The moments where "today" goes wrong (scripts/clock-suite), counted from the real today:
    just before and after midnight, before office hours, a month's end, a statutory holiday."""
    today = timezone.localdate(timezone.now(), CHINA_TZ)
    first_next = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
    holiday = next(
        (d for d in sorted(chinese_calendar.holidays) if d > today and d.weekday() < 5),
        date(today.year + 1, 1, 1),
    )

    def at(day: date, hhmm: str) -> datetime:
        hour, minute = (int(x) for x in hhmm.split(":"))
        return datetime.combine(day, time(hour, minute), CHINA_TZ)

    # (Tomorrow at 00:30 and 23:30: test_the_same_day_gives_the_same_demo.)
    return {
        "last day of a month 23:30": at(first_next - timedelta(days=1), "23:30"),
        "first of a month 00:30": at(first_next, "00:30"),
        "a statutory holiday 07:59": at(holiday, "07:59"),
    }


MOMENTS = _moments()


def wage_dispute() -> Case:
    """One wage-arrears dispute of two months ago, through the disputes service (what the
    incidents take of the disputes demo, without the seconds the whole of it costs)."""
    ensure_dispute_types()
    community = Community.objects.get(name="果丰社区")
    return register_dispute(
        User.objects.get(username="governance"),
        title="果丰新村工地拖欠农民工工资纠纷",
        description="分包方拖欠农民工工资，多次催讨未果。",
        community=community,
        grid=Grid.objects.get(community=community, order=1),
        category=Category.objects.get(kind=Kind.DISPUTE, name="欠薪"),
        source="application",
        received_on=today() - timedelta(days=60),
        people_count=30,
    )


def load_street(*, disputes: bool = False) -> str:
    """The demo street and its accounts; the disputes demo (few drawn disputes: the set pieces
    are what the incidents use) or one wage-arrears dispute; the incidents and patrols demos."""
    org_demo.load_organisation()
    org_demo.load_accounts(PASSWORD)
    out = io.StringIO()
    with translation.override("en"), pytest.MonkeyPatch.context() as patch:
        if disputes:
            patch.setattr(dispute_plans, "BACKGROUND", 4)
            disputes_demo.load(out)
        else:
            wage_dispute()
        incidents_demo.load(out)
        patrols_demo.load(out)
    return out.getvalue()


@pytest.fixture(scope="class")
def loaded(django_db_setup, django_db_blocker):
    """Loaded once for a class of read-only tests, rolled back after the last one."""
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast, transaction.atomic():
        output = load_street(disputes=True)
        yield output
        transaction.set_rollback(True)


def today() -> date:
    return timezone.localdate(timezone.now(), CHINA_TZ)


def incident(type_name: str) -> Incident:
    return Incident.objects.select_related("case__category__parent", "leader__user").get(
        case__category__name=type_name
    )


def first_report(found: Incident) -> reporting.Deadline:
    return reporting.deadlines_of(found)[0]


# --------------------------------------------------------------------------- what must be there


def check_incidents(now: datetime) -> None:
    day = timezone.localdate(now, CHINA_TZ)
    death = incident("非正常死亡")
    first = first_report(death)
    assert first.on_time is False and first.delay == 95 and first.late_by() == 35
    assert death.case.status == "closed" and death.outcome and death.evaluation
    assert death.police_notified_at and death.police_conclusion and death.kin_name_masked
    assert death.kin_name != death.kin_name_masked and death.kin_phone
    assert death.leader.user.username == "leader"

    fire = incident("火警")
    assert first_report(fire).on_time is True and reporting.deadlines_of(fire)[1].on_time
    assert fire.case.status == "closed" and fire.outcome and fire.grade == "general"
    assert fire.grade_derived
    kinds = list(fire.reports.values_list("kind", flat=True))
    assert kinds[0] == "first" and kinds[-1] == "final"
    assert fire.reports.get(kind="final").sent_at >= fire.concluded_at
    assert fire.leader.user.username == "leader2"
    closed = CaseEvent.objects.get(case=fire.case, kind="close")
    assert closed.actor.username == "leader2"  # the leader in charge closes it
    assert not Task.objects.filter(incident=fire, done_at=None).exists()

    gathering = incident("群体性事件")
    assert gathering.people_count == incidents_demo.GATHERING_PEOPLE < goals.large_mass()
    assert gathering.demands and gathering.case.status == "closed"
    dispute = gathering.dispute_case
    assert dispute is not None and dispute.kind == Kind.DISPUTE
    assert dispute.category.name == "欠薪" and dispute.received_at < gathering.occurred_at
    assert incidents_demo.construction_site(dispute) in gathering.place
    assert (gathering.case.community_id, gathering.case.grid_id) == (
        dispute.community_id,
        dispute.grid_id,
    )
    note = RiskNote.objects.get(incident_case=gathering.case)
    assert note.subject_kind == "project" and note.risk_type == "wages"
    assert note.status == RiskStatus.CLOSED and note.reported_upward and note.action_taken
    assert note.noted_on <= timezone.localdate(gathering.occurred_at, CHINA_TZ)

    open_note = RiskNote.objects.get(status=RiskStatus.OPEN)
    assert open_note.subject_kind == "project" and open_note.tasks.filter(done_at=None).exists()
    accident = incident("道路交通事故")
    assert accident.case.closed_at is None and accident.tasks.filter(done_at=None).exists()

    # Nothing dated after today; every report after the street learned of it.
    for row in Incident.objects.select_related("case"):
        assert row.occurred_at <= row.learned_at <= now
        assert timezone.localdate(row.learned_at, CHINA_TZ) < day
        for report in row.reports.all():
            assert row.learned_at <= report.sent_at <= now
        if row.concluded_at:
            assert row.learned_at <= row.concluded_at <= now
    assert not Report.objects.filter(sent_at__gt=now).exists()
    assert not RiskNote.objects.filter(noted_on__gt=day).exists()
    # None of the 四无 is broken by the demo (the gathering is not large).
    held = goals.four_nos(Period(day - timedelta(days=120), day))
    assert all(goal["held"] for goal in held.values())


def check_patrols(now: datetime) -> None:
    day = timezone.localdate(now, CHINA_TZ)
    street = org_demo.street()
    grids = set(Grid.objects.filter(community__street=street).values_list("pk", flat=True))
    patrols = Patrol.objects.filter(street=street)
    assert set(patrols.values_list("grid", flat=True)) == grids
    assert not patrols.filter(started_at__gt=now).exists()
    oldest = min(patrols.values_list("started_at", flat=True))
    assert (day - timezone.localdate(oldest, CHINA_TZ)).days >= 80  # across the quarter
    for grid in grids:  # every grid in every month of it
        ages = {
            min((day - timezone.localdate(at, CHINA_TZ)).days // 30, 2)
            for at in patrols.filter(grid=grid).values_list("started_at", flat=True)
        }
        assert ages == {0, 1, 2}, grid
    assert set(patrols.values_list("kind", flat=True)) == set(PatrolKind.values)
    assert not patrols.filter(kind=PatrolKind.VOLUNTEER, volunteers=None).exists()
    assert Volunteer.objects.filter(street=street).count() == 5 * patrols_demo.VOLUNTEERS
    assert RosterEntry.objects.count() == 3
    outcomes = set(Finding.objects.values_list("outcome", flat=True))
    assert outcomes == {FindingOutcome.RECTIFICATION, FindingOutcome.NOTED}

    cafe = Place.objects.get(kind__code="internet_cafe")
    inspection = Inspection.objects.get(place=cafe)
    assert inspection.results.filter(result="fail").count() == 2
    assert inspection.lead_authority == "culture" and inspection.inspected_on < day
    done, late = (
        Rectification.objects.get(inspection=inspection, status=RectificationStatus.DONE),
        Rectification.objects.get(inspection=inspection, status=RectificationStatus.OPEN),
    )
    assert "禁入标志" in done.item and done.reinspection_result == "passed"
    assert inspection.inspected_on <= done.reinspected_on <= done.deadline < day
    assert "灭火器" in late.item and late.deadline < day and late.overdue_on(day)
    assert list(patrol_services.overdue(on=day)) == [late]
    assert set(Inspection.objects.values_list("place__kind__code", flat=True)) == {
        "internet_cafe",
        "hotel",
        "school_surroundings",
    }
    for row in Rectification.objects.all():
        assert row.done_on is None or row.done_on <= day


def check_services() -> None:
    """Every row through the services: a registration event for every incident, nothing
    refused or denied, the audit chain whole."""
    assert audit.verify().ok
    assert not AuditEntry.objects.filter(
        action__in=["case.transition_refused", "access.denied"]
    ).exists()
    cases = Case.objects.filter(kind=Kind.INCIDENT)
    assert CaseEvent.objects.filter(case__in=cases, kind="registered").count() == cases.count()
    assert AuditEntry.objects.filter(action="patrol.record").count() == Patrol.objects.count()
    assert AuditEntry.objects.filter(action="inspection.record").count() == 3


# --------------------------------------------------------------------------- the loaded demo


class TestTheLoadedDemo:
    def test_it_loads_once(self, loaded):
        assert "Demo incidents: 4 incidents (3 closed, 1 being handled)" in loaded
        assert "Demo patrols:" in loaded and "(1 overdue)" in loaded
        counts = (Case.objects.count(), RiskNote.objects.count(), Patrol.objects.count())
        counts += (Rectification.objects.count(), AuditEntry.objects.count())
        out = io.StringIO()
        with translation.override("en"):
            incidents_demo.load(out)
            patrols_demo.load(out)
        assert "Demo incidents already loaded" in out.getvalue()
        assert "Demo patrols already loaded" in out.getvalue()
        again = (Case.objects.count(), RiskNote.objects.count(), Patrol.objects.count())
        again += (Rectification.objects.count(), AuditEntry.objects.count())
        assert again == counts

    def test_the_incidents(self, loaded):
        check_incidents(timezone.now())

    def test_the_patrols_places_and_inspections(self, loaded):
        check_patrols(timezone.now())

    def test_it_goes_through_the_services(self, loaded):
        check_services()

    def test_the_people_are_made_up(self, loaded):
        death = incident("非正常死亡")
        staff = set(Staff.objects.values_list("name", flat=True))
        made_up = {death.kin_name, *Volunteer.objects.values_list("name", flat=True)}
        made_up.add(Place.objects.get(kind__code="internet_cafe").responsible_name)
        assert not made_up & (staff | set(petitions_demo.NAMES_IN_SPEECH))
        assert len(made_up) == 2 + Volunteer.objects.count()


# --------------------------------------------------------------------------- at every moment


@pytest.fixture
def quick(settings, monkeypatch):
    """Cheap hashing, and every grid patrolled every four weeks instead of two (still in every
    month of the quarter): what a moment can break is the dates, not the number of patrols."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setattr(patrols_demo, "EVERY_DAYS", 28)


@pytest.mark.parametrize("moment", list(MOMENTS.values()), ids=list(MOMENTS))
def test_it_loads_at_the_moments_where_today_goes_wrong(moment, quick):
    with time_machine.travel(moment, tick=True):
        load_street()
        now = timezone.now()
        check_incidents(now)
        check_patrols(now)
        check_services()


def test_the_same_day_gives_the_same_demo(quick):
    """Loaded at 00:30 and at 23:30 of one day: the same moments and dates."""
    day = today() + timedelta(days=1)
    seen = []
    for hhmm in (time(0, 30), time(23, 30)):
        with transaction.atomic(), time_machine.travel(datetime.combine(day, hhmm, CHINA_TZ)):
            load_street()
            seen.append(
                (
                    sorted(Incident.objects.values_list("occurred_at", "learned_at")),
                    sorted(Report.objects.values_list("sent_at", flat=True)),
                    sorted(Patrol.objects.values_list("started_at", flat=True)),
                    sorted(Rectification.objects.values_list("deadline", flat=True)),
                    Incident.objects.get(case__category__name="非正常死亡").kin_name,
                )
            )
            transaction.set_rollback(True)
    assert seen[0] == seen[1]


def test_the_demo_command_runs_them_after_the_disputes():
    modules = [load.__module__ for load in demo_loaders()]
    assert modules.index("huiyin.disputes.demo") < modules.index("huiyin.incidents.demo")
    assert modules.index("huiyin.incidents.demo") < modules.index("huiyin.patrols.demo")


def test_without_the_disputes_demo_the_gathering_stands_alone(quick):
    org_demo.load_organisation()
    org_demo.load_accounts(PASSWORD)
    with translation.override("en"):
        incidents_demo.load(io.StringIO())
    assert incident("群体性事件").dispute_case is None


def test_it_leaves_nothing_behind_when_a_step_fails(quick, monkeypatch):
    org_demo.load_organisation()
    org_demo.load_accounts(PASSWORD)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(incidents_demo.risk, "close_risk_note", broken)
    with pytest.raises(RuntimeError):
        incidents_demo.load(io.StringIO())
    assert not Case.objects.filter(kind=Kind.INCIDENT).exists()
    assert not RiskNote.objects.exists() and not Task.objects.exists()

    monkeypatch.setattr(patrols_demo.services, "reinspect", broken)
    with pytest.raises(RuntimeError):
        patrols_demo.load(io.StringIO())
    assert not Patrol.objects.exists() and not Place.objects.exists()
    assert not Volunteer.objects.exists()


def test_they_skip_without_the_demo_accounts():
    org_demo.load_organisation()
    out = io.StringIO()
    with translation.override("en"):
        incidents_demo.load(out)
        patrols_demo.load(out)
    assert "Demo incidents skipped" in out.getvalue()
    assert "Demo patrols skipped" in out.getvalue()
    assert not Incident.objects.exists() and not Patrol.objects.exists()
