"""The demo disputes: a quarter of people's mediation, loaded through the real services, with
every outcome and the clocks that matter whatever the moment it is loaded at."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import models, transaction
from django.db.models import Min
from django.test import override_settings
from django.utils import timezone, translation

from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case, CaseEvent, Category, Clock
from huiyin.disputes import clocks
from huiyin.disputes import demo as disputes_demo
from huiyin.disputes.demo import plans
from huiyin.disputes.models import (
    Agreement,
    AgreementSignature,
    Committee,
    Consent,
    Dispute,
    FollowUp,
    JudicialConfirmation,
    MediationSession,
    Mediator,
    MediatorTraining,
    Party,
    Performance,
    RiskNote,
    Source,
    Status,
    Tier,
    Transfer,
)
from huiyin.org import demo as org_demo
from huiyin.org.management.commands.demo import demo_loaders
from huiyin.org.models import Community, Grid, Staff
from huiyin.petitions import demo as petitions_demo
from huiyin.petitions.models import Channel
from huiyin.petitions.services import register_petition
from huiyin.privacy import audit
from huiyin.privacy.models import AuditEntry
from huiyin.privacy.validators import validate_phone, validate_resident_id
from huiyin.screening import demo as screening_demo
from huiyin.screening import periods
from huiyin.screening.compliance import compliance
from huiyin.screening.models import ScreeningItem, ScreeningReport

pytestmark = pytest.mark.django_db

SPEECH = Path(__file__).resolve().parents[3].parent / "shared" / "seed" / "speech-simplified.txt"
PASSWORD = "demo-pass-123"

#: The moments where "today" goes wrong (scripts/clock-suite), counted from the real today.
_TODAY = timezone.localdate(timezone.now(), CHINA_TZ)
_NEXT_MONTH = (_TODAY.replace(day=28) + timedelta(days=4)).replace(day=1)
MOMENTS = {
    "tomorrow 00:10": datetime.combine(_TODAY + timedelta(days=1), time(0, 10), CHINA_TZ),
    "tomorrow 05:44": datetime.combine(_TODAY + timedelta(days=1), time(5, 44), CHINA_TZ),
    "last day of a month 23:30": datetime.combine(
        _NEXT_MONTH - timedelta(days=1), time(23, 30), CHINA_TZ
    ),
    "2027-01-01 00:30": datetime(2027, 1, 1, 0, 30, tzinfo=CHINA_TZ),
}


# --------------------------------------------------------------------------- loading


def neighbours_petition() -> Case:
    """A neighbours' petition of five weeks ago (the petitions demo makes many), through the
    petition service: the demo turns one like it into mediation."""
    clerk = User.objects.get(username="clerk")
    community = Community.objects.get(name="柑子园社区")
    staff = set(Staff.objects.values_list("name", flat=True))
    person = petitions_demo.People(avoid=staff).take(community.name)
    petition = register_petition(
        actor=clerk,
        data={
            "title": "反映柑子园小区楼上住户漏水纠纷",
            "description": "信访人反映楼上住户漏水纠纷，要求楼上住户维修防水并赔偿损失。",
            "channel": Channel.VISIT,
            "community": community,
            "category": Category.objects.get(kind=Kind.PETITION, name="邻里纠纷"),
            "received_at": timezone.now() - timedelta(days=35),
        },
        petitioners=[
            {
                "name": person.name,
                "id_number": person.id_number,
                "phone": person.phone,
                "address": person.address,
            }
        ],
    )
    return petition.case


def load_street(*, screening: bool = True) -> str:
    """The demo street, its accounts, one petition, then the disputes (and screening) demos."""
    org_demo.load_organisation()
    org_demo.load_accounts(PASSWORD)
    neighbours_petition()
    out = io.StringIO()
    with translation.override("en"):
        disputes_demo.load(out)
        if screening:
            screening_demo.load(out)
    return out.getvalue()


@pytest.fixture(scope="class")
def loaded(django_db_setup, django_db_blocker):
    """Loaded once for a class of read-only tests, rolled back after the last one."""
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast, transaction.atomic():
        output = load_street()
        yield output
        transaction.set_rollback(True)


def disputes():
    return Dispute.objects.select_related("case", "case__category")


def today() -> date:
    return timezone.localdate()


# --------------------------------------------------------------------------- what must be there


def check_every_outcome() -> None:
    rows = list(disputes())
    assert 60 <= len(rows) <= 90
    assert {d.case.status for d in rows} == set(Status.values)
    assert {d.outcome for d in rows} == {"", "agreement", "failed", "refused", "transferred"}
    assert set(Agreement.objects.values_list("form", flat=True)) == set(Agreement.Form.values)
    results = set(Performance.objects.values_list("result", flat=True))
    assert set(Performance.Result.values) <= results
    rulings = set(JudicialConfirmation.objects.values_list("result", flat=True))
    assert set(JudicialConfirmation.Result.values) <= rulings
    sources = {d.source for d in rows}
    assert set(Source.values) - {Source.OTHER} <= sources
    assert {Tier.GRID, Tier.COMMUNITY, Tier.UNIT, Tier.STREET} <= {d.tier for d in rows}
    out = Transfer.objects.filter(direction=Transfer.Direction.OUT)
    kinds = set(out.values_list("body_kind", flat=True))
    assert {Transfer.Body.ADMINISTRATIVE, Transfer.Body.COURT, Transfer.Body.ARBITRATION} <= kinds
    assert out.filter(department__name="城建办").exists()
    # Failures and refusals carry the art. 26 notice of other routes.
    for d in disputes().filter(outcome__in=["failed", "refused"]):
        assert d.routes_told_on and d.routes_text, d.case.number
    # Unperformed terms were closed with what the parties were told.
    for term in Performance.objects.exclude(result__in=["", Performance.Result.PERFORMED]):
        assert term.note
    assert FollowUp.objects.exists()
    top = {d.case.category.parent.name if d.case.category.parent else d.case.category.name
           for d in rows}  # fmt: skip
    assert {"邻里", "婚姻家庭", "物业", "劳动争议", "损害赔偿", "房屋宅基地", "合同", "消费"} <= top


def check_clocks(now: datetime) -> None:
    """The labour dispute past its 15 days, the court's period running, the confirmation
    window open and never the street's overdue."""
    day = timezone.localdate(now, CHINA_TZ)
    labour = [
        c for c in Case.objects.filter(kind=Kind.DISPUTE, status=Status.MEDIATING)
        if clocks.labour_arbitration_open(c, day)
    ]  # fmt: skip
    assert labour
    court = Clock.objects.filter(
        code__in=clocks.COURT_CLOCKS, stopped_at__isnull=True, due_on__gte=day
    )
    assert court.exists()
    assert Dispute.objects.filter(
        pk__in=court.values("case"), court_document__contains="民诉前调"
    ).exists()
    extended = Dispute.objects.exclude(court_extended_to=None).get()
    assert extended.court_extension_consented_on and extended.source == Source.COURT_ENTRUSTED

    windows = Clock.objects.filter(code=clocks.CONFIRMATION, stopped_at__isnull=True)
    open_windows = windows.filter(started_on__lte=day, due_on__gte=day, case__closed_at=None)
    assert open_windows.exists()
    assert set(windows.values_list("party", flat=True)) == {Clock.Party.PETITIONER}
    for window in open_windows:
        agreement = window.case.dispute.current_agreement()
        assert agreement.is_written and agreement.effective_on == window.started_on
        assert not agreement.confirmations.exists()
    # The case's due date is the office's nearest clock, never the parties' window.
    for case in Case.objects.filter(pk__in=windows.values("case")):
        office = Clock.objects.filter(
            case=case, stopped_at__isnull=True, party=Clock.Party.OFFICE
        ).aggregate(due=Min("due_on"))["due"]
        assert case.due_on == office, case.number
    # The agreement inside its window, its performance not yet due, is nobody's overdue.
    assert any(
        w.case.due_on is None or w.case.due_on >= day for w in open_windows.select_related("case")
    )


def check_dates(now: datetime) -> None:
    """Nothing dated after today or before the matter was received; steps in order."""
    day = timezone.localdate(now, CHINA_TZ)
    first = day - timedelta(days=petitions_demo.PERIOD_DAYS)
    for d in disputes():
        received = d.case.received_on
        assert first <= received <= day
        assert d.case.received_at <= now
        chain = [received, d.started_on, d.ended_on, d.closed_on]
        chain = [x for x in chain if x is not None]
        assert chain == sorted(chain) and chain[-1] <= day, d.case.number
    dated = [
        (Consent.objects.values_list("party__dispute__case", "on")),
        (MediationSession.objects.values_list("dispute__case", "on")),
        (Agreement.objects.values_list("dispute__case", "reached_on")),
        (Agreement.objects.exclude(effective_on=None).values_list("dispute__case", "effective_on")),
        (AgreementSignature.objects.values_list("agreement__dispute__case", "signed_on")),
        (Performance.objects.exclude(checked_on=None).values_list(
            "agreement__dispute__case", "checked_on")),
        (FollowUp.objects.values_list("dispute__case", "on")),
        (Transfer.objects.values_list("dispute__case", "on")),
        (JudicialConfirmation.objects.values_list("agreement__dispute__case", "applied_on")),
        (RiskNote.objects.values_list("dispute__case", "noted_on")),
    ]  # fmt: skip
    received = dict(Case.objects.filter(kind=Kind.DISPUTE).values_list("pk", "received_at"))
    for rows in dated:
        for case_id, on in rows:
            assert timezone.localdate(received[case_id], CHINA_TZ) <= on <= day
    for agreement in Agreement.objects.exclude(effective_on=None):
        assert agreement.reached_on <= agreement.effective_on
        for term in agreement.performances.exclude(checked_on=None):
            assert agreement.reached_on <= term.checked_on
    for ruling in JudicialConfirmation.objects.exclude(result_on=None):
        assert ruling.agreement.effective_on <= ruling.applied_on <= ruling.result_on <= day


def check_found_in_screening() -> None:
    """Disputes found in screening were registered from their grid's report of that week."""
    registered = ScreeningItem.objects.filter(how=ScreeningItem.How.REGISTERED)
    assert registered.count() >= 6
    for item in registered.select_related("case__dispute", "report"):
        assert item.case.dispute.source == Source.SCREENING
        assert item.report.grid_id == item.case.grid_id
        assert item.report.period_start <= item.case.received_on <= item.report.period_end
        assert item.report.filed_at <= timezone.now()


def check_screening(now: datetime) -> None:
    """The board's Monday question has an answer: a grid that did not report."""
    street = org_demo.street()
    last = periods.current(now).previous()
    reported = set(
        ScreeningReport.objects.filter(period_start=last.start, grid__isnull=False).values_list(
            "grid_id", flat=True
        )
    )
    expected = set(Grid.objects.filter(community__street=street).values_list("pk", flat=True))
    assert expected - reported, "every grid reported last week"
    assert compliance(street, last.previous(), last, moment=now).totals["missing"] >= 1
    linked = ScreeningItem.objects.filter(how=ScreeningItem.How.LINKED)
    assert linked.exists()
    assert not linked.exclude(report__community_id=models.F("case__community_id")).exists()


# --------------------------------------------------------------------------- the loaded demo


class TestTheLoadedDemo:
    def test_it_loads_a_quarter_once(self, loaded):
        assert "Demo disputes:" in loaded and "Demo screening:" in loaded
        counts = (Dispute.objects.count(), Party.objects.count(), ScreeningReport.objects.count())
        out = io.StringIO()
        with translation.override("en"):
            disputes_demo.load(out)
            screening_demo.load(out)
        assert "Demo disputes already loaded" in out.getvalue()
        assert "Demo screening already loaded" in out.getvalue()
        assert (
            Dispute.objects.count(),
            Party.objects.count(),
            ScreeningReport.objects.count(),
        ) == (counts)
        received = [c.received_on for c in Case.objects.filter(kind=Kind.DISPUTE)]
        # Most weeks of the quarter have disputes.
        assert len({(today() - d).days // 7 for d in received}) >= 10

    def test_every_source_tier_and_outcome(self, loaded):
        check_every_outcome()

    def test_the_clocks_that_matter(self, loaded):
        check_clocks(timezone.now())
        check_dates(timezone.now())

    def test_escalated_to_the_street_after_its_month(self, loaded):
        event = CaseEvent.objects.get(kind="escalate")
        assert (event.data["from_tier"], event.data["to_tier"]) == (Tier.COMMUNITY, Tier.STREET)
        dispute = event.case.dispute
        assert dispute.tier == Tier.STREET and dispute.committee.tier == Tier.STREET
        first = Clock.objects.filter(case=event.case, code=clocks.GUIDELINE).order_by("id")[0]
        assert first.due_on < date.fromisoformat(event.data["on"])

    def test_confirmed_and_rejected_with_the_art_355_warning(self, loaded):
        rejected = JudicialConfirmation.objects.get(result=JudicialConfirmation.Result.REJECTED)
        case = rejected.agreement.dispute.case
        assert case.category.name == "房屋宅基地" and "355" in rejected.warning
        assert case.status == Status.MEDIATING  # mediated again after the ruling
        assert CaseEvent.objects.filter(case=case, kind="mediate_again").exists()
        confirmed = JudicialConfirmation.objects.get(result=JudicialConfirmation.Result.CONFIRMED)
        assert not confirmed.late

    def test_risk_notes_and_the_police(self, loaded):
        notes = RiskNote.objects.all()
        assert notes.count() >= 3
        reported = notes.get(reported_on__isnull=False)
        assert reported.police_matter and reported.reported_to == "浓洄派出所"
        assert reported.police_answer and reported.answered_on >= reported.reported_on
        # A note ends with its dispute, never carried on; an open dispute's is open.
        for note in notes.select_related("dispute__case"):
            assert (note.ended_on is None) == (note.dispute.case.closed_at is None)
        assert notes.filter(ended_on=None).exists()

    def test_a_petition_turned_into_mediation_is_linked_both_ways(self, loaded):
        dispute = Dispute.objects.get(source=Source.PETITION)
        assert dispute.petition_case.kind == Kind.PETITION
        assert {p.side for p in dispute.parties.all()} == {"a", "b"}
        assert Consent.objects.filter(party__dispute=dispute, agreed=True).count() == (
            dispute.parties.count()
        )
        note = CaseEvent.objects.get(case=dispute.petition_case, kind="note")
        assert note.data["dispute"] == dispute.pk

    def test_committees_mediators_and_who_sees_their_own(self, loaded):
        street = org_demo.street()
        tiers = Counter(Committee.objects.values_list("tier", flat=True))
        assert tiers[Tier.STREET] == 1 and tiers[Tier.COMMUNITY] == 5 and tiers[Tier.UNIT] == 1
        assert tiers[Tier.GRID] >= 3
        assert Committee.objects.get(tier=Tier.STREET).name == f"{street.name}人民调解委员会"
        for username in ("mediator", "community1", "community2"):
            staff = Staff.objects.get(user__username=username)
            post = Mediator.objects.get(staff=staff)
            assert post.name == staff.name and post.in_term(today())
            assert Case.objects.filter(kind=Kind.DISPUTE, owner=staff).exists(), username
        assert Mediator.objects.filter(active=False).exists()
        assert MediatorTraining.objects.count() >= 3
        for dispute in disputes().exclude(committee=None):
            for mediator in dispute.mediators.all():
                assert mediator.committee_id == dispute.committee_id

    def test_parties_are_made_up_valid_and_masked(self, loaded):
        parties = list(Party.objects.all())
        staff = set(Staff.objects.values_list("name", flat=True))
        people = [p for p in parties if p.is_person]
        assert not {p.name for p in people} & (staff | set(petitions_demo.NAMES_IN_SPEECH))
        if SPEECH.exists():
            speech = SPEECH.read_text(encoding="utf-8")
            assert [p.name for p in people if p.name in speech] == []
        for person in people:
            assert validate_resident_id(person.id_number) == person.id_number
            assert (
                person.id_number_masked == person.id_number[:6] + "********" + person.id_number[-4:]
            )
            assert validate_phone(person.phone) == person.phone
            assert person.name_masked != person.name
        organisations = [p for p in parties if not p.is_person]
        assert organisations and all(
            o.legal_representative and not o.id_number for o in organisations
        )

    def test_it_goes_through_the_services(self, loaded):
        assert audit.verify().ok
        assert not AuditEntry.objects.filter(
            action__in=["case.transition_refused", "access.denied"]
        ).exists()
        cases = Case.objects.filter(kind=Kind.DISPUTE)
        assert CaseEvent.objects.filter(case__in=cases, kind="registered").count() == cases.count()

    def test_a_wage_arrears_dispute_is_held_under_bao_an(self, loaded):
        from huiyin.petitions.models import KeyCase

        key = KeyCase.objects.select_related("case", "leader").get(case__kind=Kind.DISPUTE)
        assert Dispute.objects.get(pk=key.case_id).is_labour
        assert key.leader.user.username == "leader" and key.closed_at is None
        assert key.time_limit > today()

    def test_found_in_screening_and_the_board_has_its_missing_grid(self, loaded):
        check_found_in_screening()
        check_screening(timezone.now())


# --------------------------------------------------------------------------- at every moment


@pytest.mark.parametrize("moment", list(MOMENTS.values()), ids=list(MOMENTS))
def test_it_loads_at_the_moments_where_today_goes_wrong(moment, monkeypatch):
    # The set pieces are what a moment can break; fewer drawn disputes keep this quick.
    monkeypatch.setattr(plans, "BACKGROUND", 12)
    with time_machine.travel(moment, tick=True):
        load_street(screening=False)  # the screening demo's own tests move the clock for it
        now = timezone.now()
        check_every_outcome_at_a_moment()
        check_clocks(now)
        check_dates(now)
        check_found_in_screening()


def check_every_outcome_at_a_moment() -> None:
    rows = list(disputes())
    assert {d.case.status for d in rows} == set(Status.values)
    assert {d.outcome for d in rows} == {"", "agreement", "failed", "refused", "transferred"}
    assert set(Performance.Result.values) <= set(
        Performance.objects.values_list("result", flat=True)
    )
    assert set(JudicialConfirmation.Result.values) <= set(
        JudicialConfirmation.objects.values_list("result", flat=True)
    )


def test_it_plans_in_order_whatever_the_day(db):
    """Planned on days around Spring Festival, National Day and New Year (no loading)."""
    org_demo.load_organisation()
    org_demo.load_accounts(PASSWORD)
    street = org_demo.street()
    beside = {"record_followup", "police_answer", "transfer_result"}
    for day in (date(2026, 2, 23), date(2026, 10, 4), date(2026, 10, 9), date(2027, 1, 4)):
        now = datetime.combine(day, time(7, 30), tzinfo=CHINA_TZ)
        planned = disputes_demo.planner_for(street, now).plan()
        assert 60 <= len(planned) <= 90, day
        for plan in planned:
            days = [s.on for s in plan.steps if s.action not in beside]
            assert days == sorted(days), (day, plan.text["title"])
            assert all(plan.received_on <= s.on <= day for s in plan.steps)
        # The same seed, the same quarter.
        again = disputes_demo.planner_for(street, now).plan()
        assert [_signature(p) for p in again] == [_signature(p) for p in planned]


def _signature(plan) -> tuple:
    return (
        plan.received_on,
        plan.source,
        plan.committee,
        plan.text["title"],
        plan.amount,
        tuple(p["name"] for p in plan.parties),
        tuple((s.on, s.action, s.actor) for s in plan.steps),
    )


def test_the_demo_command_runs_it_after_the_petitions_and_before_the_screening():
    modules = [load.__module__ for load in demo_loaders()]
    assert modules.index("huiyin.petitions.demo") < modules.index("huiyin.disputes.demo")
    assert modules.index("huiyin.disputes.demo") < modules.index("huiyin.screening.demo")


def test_it_leaves_nothing_behind_when_a_step_fails(db, monkeypatch):
    org_demo.load_organisation()
    org_demo.load_accounts(PASSWORD)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setitem(disputes_demo.loader.SERVICES, "record_followup", broken)
    with pytest.raises(RuntimeError):
        disputes_demo.load(io.StringIO())
    assert not Case.objects.filter(kind=Kind.DISPUTE).exists()
    assert not Committee.objects.exists() and not ScreeningReport.objects.exists()


def test_it_skips_without_the_demo_accounts(db):
    org_demo.load_organisation()
    out = io.StringIO()
    with translation.override("en"):
        disputes_demo.load(out)
    assert "skipped" in out.getvalue()
    assert not Dispute.objects.exists()
