"""The time limits of a dispute, each from its own start event, across holidays and month ends.

Hand computations (start day not counted; a last day on a rest day moves to the next working
day; the 2026 notice: National Day 10-01..10-07, make-up working days 09-20 and 10-10 (Sat),
Spring Festival 02-15..02-23, make-up 02-14 and 02-28 (Sat)):
  mediation started 09-05 + 30  = 10-05, National Day       -> 10-08
  mediation started 09-10 + 30  = 10-10, a make-up Saturday -> 10-10
  labour received 09-20 + 15    = 10-05                     -> 10-08
  委派 materials 09-03 + 30      = 10-03                     -> 10-08
  委托 materials 09-22 + 15      = 10-07                     -> 10-08
  委托 简易 09-28 + 7            = 10-05                     -> 10-08
  labour received 01-31 + 15    = 02-15, Spring Festival    -> 02-24  (a month's end start)
  mediation started 01-29 + 30  = 02-28, a make-up Saturday -> 02-28  (a month's end)
  mediation started 04-30 + 30  = 05-30 (Sat)               -> 06-01
  agreement effective 09-01 + 30 = 10-01, National Day      -> 10-08  (the parties' window)
  performance due 10-03 (agreed, a holiday)                 -> 10-08
  agreement effective 12-02 + 30 = 2027-01-01: no 2027 notice -> provisional; with it -> 01-04
The Spring Festival of 2027 is tested against a notice entered as an administrator would
(the days below are the test's own, not the State Council's).
"""

from datetime import date, datetime, timedelta

import pytest
import time_machine

from huiyin.cases import reminders
from huiyin.cases.clocks import close_lapsed_windows
from huiyin.cases.models import CalendarDay, CalendarYear, Case, Clock, Notification
from huiyin.disputes import clocks, services
from huiyin.disputes.tests import factories as df
from huiyin.org.roles import Role
from huiyin.testing.clock import BEIJING

pytestmark = pytest.mark.django_db

D = date.fromisoformat
COURT = {"court_name": "南岸区人民法院", "court_document": "（2026）川1502民诉前调88号"}


def clock(case, code) -> Clock:
    return Clock.objects.filter(case=case, code=code).latest("id")


def due_on(case):
    return Case.objects.get(pk=case.pk).due_on


@pytest.fixture
def committee(community):
    return df.committee(community)


def started(case, personas, on):
    """Consents, rights, a mediator, and mediation started on `on`."""
    mediator = personas[Role.MEDIATOR]
    a, b = df.parties(case)
    for party in (a, b):
        df.step(case, "consent", mediator, party=party.pk, on=on)
    df.step(case, "tell_rights", mediator, on=on)
    mediators = [m.pk for m in df._mediators(case)]
    df.step(case, "assign_mediators", personas[Role.GOVERNANCE_STAFF], mediators=mediators)
    return df.step(case, "start_mediation", mediator, started_on=on)


@pytest.mark.parametrize(
    ("start", "due"),
    [
        ("2026-09-05", "2026-10-08"),
        ("2026-09-10", "2026-10-10"),
        ("2026-01-29", "2026-02-28"),
        ("2026-04-30", "2026-06-01"),
    ],
)
def test_the_mediation_guideline_is_a_month_from_the_start(
    governance, community, committee, personas, start, due
):
    case = df.register(governance, community=community, received_on=D(start))
    started(case, personas, D(start))
    c = clock(case, "mediation_guideline")
    assert (c.started_on, c.due_on, c.days, c.party) == (D(start), D(due), 30, "office")
    assert c.article.endswith("第三十三条") and due_on(case) == D(due)


def test_a_passed_guideline_offers_the_next_tier_and_escalation_restarts_it(
    governance, community, committee, personas
):
    case = df.register(governance, community=community, received_on=D("2026-09-05"))
    started(case, personas, D("2026-09-05"))
    assert services.escalation_offer(case, D("2026-10-08")) is None
    assert services.escalation_offer(case, D("2026-10-09")) == "street"
    street = df.committee(street=case.street)
    services.escalate(case, governance, "street", street, on=D("2026-10-09"))
    old = Clock.objects.filter(case=case, code="mediation_guideline").order_by("id").first()
    assert (old.stopped_on, old.outcome) == (D("2026-10-09"), "late")
    assert clock(case, "mediation_guideline").due_on == D("2026-11-09")
    assert services.escalation_offer(case, D("2026-10-10")) is None


def test_the_labour_15_days_cross_national_day_and_then_arbitration_is_open(
    governance, community, committee, personas
):
    case = df.register(
        governance,
        community=community,
        category=df.dispute_type("劳动争议"),
        received_on=D("2026-09-20"),
    )
    c = clock(case, "labour_mediation")
    assert (c.started_on, c.due_on, c.days) == (D("2026-09-20"), D("2026-10-08"), 15)
    assert c.article == "劳动争议调解仲裁法 第十四条"
    assert not services.labour_arbitration_open(case, D("2026-10-08"))
    assert services.labour_arbitration_open(case, D("2026-10-09"))
    # The mediation ends (an oral agreement): the clock stops, late, and the question is moot.
    started(case, personas, D("2026-09-21"))
    mediator = personas[Role.MEDIATOR]
    df.step(
        case, "record_session", mediator, place="调解室", summary="欠薪核对", on=D("2026-10-09")
    )
    df.step(
        case,
        "record_agreement",
        mediator,
        form="oral",
        content="当场付清",
        reached_on=D("2026-10-09"),
    )
    assert clock(case, "labour_mediation").outcome == "late"
    assert not services.labour_arbitration_open(case, D("2026-10-10"))


def test_the_labour_days_from_a_months_end_cross_the_spring_festival(governance, community):
    case = df.register(
        governance,
        community=community,
        category=df.dispute_type("欠薪"),
        received_on=D("2026-01-31"),
    )
    assert clock(case, "labour_mediation").due_on == D("2026-02-24")


@pytest.mark.parametrize(
    ("source", "simplified", "start", "code", "days"),
    [
        ("court_assigned", False, "2026-09-03", "court_assigned", 30),
        ("court_entrusted", False, "2026-09-22", "court_entrusted", 15),
        ("court_entrusted", True, "2026-09-28", "court_entrusted_simple", 7),
    ],
)
def test_court_periods_run_from_the_materials_across_national_day(
    governance, community, source, simplified, start, code, days
):
    case = df.register(
        governance,
        community=community,
        source=source,
        simplified=simplified,
        received_on=D(start) - timedelta(days=1),
        materials_received_on=D(start),
        **COURT,
    )
    c = clock(case, code)
    assert (c.started_on, c.due_on, c.days) == (D(start), D("2026-10-08"), days)
    assert "特邀调解" in c.article
    assert due_on(case) == D("2026-10-08")


def test_court_periods_are_configurable(governance, community, settings):
    settings.HUIYIN_LIMITS = {"court_entrusted": 20, "mediation_guideline": 45}
    case = df.register(
        governance,
        community=community,
        source="court_entrusted",
        received_on=D("2026-06-01"),
        **COURT,
    )
    assert clock(case, "court_entrusted").due_on == D("2026-06-22")  # 06-21 is a Sunday


def _agreed(case, personas, on, **extra):
    started(case, personas, on)
    mediator = personas[Role.MEDIATOR]
    df.step(case, "record_session", mediator, place="调解室", summary="达成一致", on=on)
    payload = df.written_agreement(case, on=on, **extra)
    return df.step(case, "record_agreement", mediator, **payload)


def test_the_confirmation_window_is_the_parties_and_never_the_streets_overdue(
    governance, community, committee, personas
):
    case = df.register(governance, community=community, received_on=D("2026-08-20"))
    performance = [{"term": "赔偿2000元", "due_on": D("2026-10-03")}]
    _agreed(case, personas, D("2026-09-01"), performance=performance)
    window = clock(case, "judicial_confirmation")
    assert (window.started_on, window.due_on, window.party) == (
        D("2026-09-01"),
        D("2026-10-08"),
        Clock.Party.PETITIONER,
    )
    assert window.article == "人民调解法 第三十三条"
    # Performance (the office's check) is due the agreed day, moved past the holiday.
    term = clock(case, "performance")
    assert (term.due_on, term.party) == (D("2026-10-08"), "office")
    mediator = personas[Role.MEDIATOR]
    term_pk = case.dispute.current_agreement().performances.get().pk
    df.step(
        case,
        "record_performance",
        mediator,
        term=term_pk,
        result="performed",
        checked_on=D("2026-10-08"),
    )
    df.step(case, "close", mediator, closed_on=D("2026-10-08"))
    # Closed: the window still runs for the parties, and the case is due nowhere.
    assert clock(case, "judicial_confirmation").running
    assert due_on(case) is None
    late = D("2026-11-20")
    assert not Case.objects.filter(pk=case.pk, due_on__lt=late).exists()
    from huiyin.reports.stats import overdue_clock_q as _overdue_clock_q

    assert not Clock.objects.filter(_overdue_clock_q(late), case=case).exists()
    result = reminders.remind(late)
    assert not Notification.objects.filter(case=case).exists() and result.overdue == 0
    # `huiyin tick` closes the unused window as lapsed.
    assert close_lapsed_windows(late) == 1
    assert clock(case, "judicial_confirmation").outcome == Clock.Outcome.LAPSED


def test_a_late_application_is_recorded_with_its_flag(governance, community, committee, personas):
    case = df.register(governance, community=community, received_on=D("2026-08-20"))
    _agreed(case, personas, D("2026-09-01"))
    mediator = personas[Role.MEDIATOR]
    df.step(
        case, "apply_confirmation", mediator, court="南岸区人民法院", applied_on=D("2026-10-09")
    )
    application = case.dispute.current_agreement().confirmations.get()
    assert application.late and "30 days" in application.warning
    assert clock(case, "judicial_confirmation").outcome == "late"


def test_an_application_in_time_stops_the_window_met(governance, community, committee, personas):
    case = df.register(
        governance,
        community=community,
        category=df.dispute_type("婚姻家庭"),
        received_on=D("2026-08-20"),
    )
    _agreed(case, personas, D("2026-09-01"))
    mediator = personas[Role.MEDIATOR]
    assert "personal status" in services.confirmation_warning(case)
    after = df.step(
        case, "apply_confirmation", mediator, court="南岸区人民法院", applied_on=D("2026-10-08")
    )
    application = after.dispute.current_agreement().confirmations.get()
    assert not application.late and "personal status" in application.warning
    assert clock(case, "judicial_confirmation").outcome == "met"
    event = after.events.get(kind="apply_confirmation")
    assert event.data["warnings"] and event.data["late"] is False


def test_a_title_type_warns_and_an_ordinary_type_does_not(governance, community):
    land = df.register(governance, community=community, category=df.dispute_type("土地承包"))
    assert "title to property" in services.confirmation_warning(land)
    neighbours = df.register(governance, community=community, category=df.dispute_type("邻里"))
    assert services.confirmation_warning(neighbours) == ""


def test_performance_runs_term_by_term(governance, community, committee, personas):
    case = df.register(governance, community=community, received_on=D("2026-08-20"))
    terms = [
        {"term": "首期1000元", "due_on": D("2026-09-30")},
        {"term": "二期1000元", "due_on": D("2026-10-31")},  # a Saturday
    ]
    _agreed(case, personas, D("2026-09-01"), performance=terms)
    assert clock(case, "performance").due_on == D("2026-09-30")
    mediator = personas[Role.MEDIATOR]
    first, second = case.dispute.current_agreement().performances.order_by("due_on")
    # A check before the due date that finds it partly done keeps the clock on that term.
    df.step(
        case,
        "record_performance",
        mediator,
        term=first.pk,
        result="partly",
        checked_on=D("2026-09-20"),
    )
    assert clock(case, "performance").due_on == D("2026-09-30")
    df.step(
        case,
        "record_performance",
        mediator,
        term=first.pk,
        result="performed",
        checked_on=D("2026-09-29"),
    )
    stopped = Clock.objects.filter(case=case, code="performance").order_by("id").first()
    assert (stopped.outcome, stopped.stopped_on) == ("met", D("2026-09-29"))
    assert clock(case, "performance").due_on == D("2026-11-02")
    after = df.step(
        case,
        "record_performance",
        mediator,
        term=second.pk,
        result="not_performed",
        checked_on=D("2026-11-03"),
    )
    assert clocks.running(case, "performance") is None
    assert clock(case, "performance").outcome == "late"
    assert after.status == "performing"


def test_a_labour_agreement_not_performed_points_to_a_payment_order(
    governance, community, committee, personas
):
    case = df.register(
        governance,
        community=community,
        category=df.dispute_type("欠薪"),
        received_on=D("2026-08-20"),
    )
    _agreed(case, personas, D("2026-09-01"))
    term = case.dispute.current_agreement().performances.get()
    after = df.step(
        case, "record_performance", personas[Role.MEDIATOR], term=term.pk, result="not_performed"
    )
    assert after.events.get(kind="record_performance").data["payment_order_route"] is True


def test_a_window_into_a_year_without_its_notice_is_provisional_until_entered(
    governance, community, committee, personas, django_capture_on_commit_callbacks
):
    case = df.register(governance, community=community, received_on=D("2026-11-25"))
    _agreed(case, personas, D("2026-12-02"))
    window = clock(case, "judicial_confirmation")
    assert window.due_on == D("2027-01-01") and window.warning
    with django_capture_on_commit_callbacks(execute=True):
        _enter_2027()
    window.refresh_from_db()
    assert window.due_on == D("2027-01-04") and not window.warning


def _enter_2027():
    """A 2027 notice as an administrator enters it (the test's own days)."""
    holidays = [D("2027-01-01")] + [D("2027-02-06") + timedelta(days=i) for i in range(9)]
    for day in holidays:
        CalendarDay.objects.create(date=day, kind=CalendarDay.DayKind.HOLIDAY, note="测试")
    CalendarDay.objects.create(date=D("2027-02-20"), kind=CalendarDay.DayKind.WORKDAY, note="测试")
    CalendarYear.objects.create(year=2027, source="测试")


def test_every_clock_crosses_the_2027_spring_festival(governance, community, committee, personas):
    _enter_2027()
    with time_machine.travel(datetime(2027, 3, 10, 10, 0, tzinfo=BEIJING), tick=False):
        labour = df.register(
            governance,
            community=community,
            category=df.dispute_type("欠薪"),
            received_on=D("2027-01-29"),
        )
        assert clock(labour, "labour_mediation").due_on == D("2027-02-15")  # 02-13 -> Mon 02-15
        court = df.register(
            governance,
            community=community,
            source="court_entrusted",
            simplified=True,
            received_on=D("2027-02-01"),
            **COURT,
        )
        assert clock(court, "court_entrusted_simple").due_on == D("2027-02-15")
        case = df.register(governance, community=community, received_on=D("2027-01-08"))
        performance = [{"term": "赔偿", "due_on": D("2027-02-10")}]
        _agreed(case, personas, D("2027-01-12"), performance=performance)
        assert clock(case, "judicial_confirmation").due_on == D("2027-02-15")  # 02-11
        assert clock(case, "performance").due_on == D("2027-02-15")
        other = df.register(governance, community=community, received_on=D("2027-01-08"))
        started(other, personas, D("2027-01-10"))
        assert clock(other, "mediation_guideline").due_on == D("2027-02-15")  # 02-09
        assert not any(
            c.warning for c in Clock.objects.filter(case__in=[labour, court, case, other])
        )
