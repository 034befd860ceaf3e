"""The demo petitions: three months of a quiet street, loaded once through the real services."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Q
from django.test import override_settings
from django.utils import timezone, translation

from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case, CaseEvent, Clock
from huiyin.org import demo as org_demo
from huiyin.org.models import Staff
from huiyin.petitions import demo, services
from huiyin.petitions.models import (
    Channel,
    FollowUp,
    KeyCase,
    Level,
    Petition,
    Petitioner,
    ReceptionSlot,
    Satisfaction,
    Status,
)
from huiyin.privacy import audit
from huiyin.privacy.models import AuditEntry
from huiyin.privacy.validators import validate_phone, validate_resident_id

pytestmark = pytest.mark.django_db

SPEECH = Path(__file__).resolve().parents[3].parent / "shared" / "seed" / "speech-simplified.txt"

#: The state a petition is left in by the last transition of its plan.
TARGET = {
    "accept": Status.ACCEPTED,
    "decline": Status.DECLINED,
    "transfer": Status.TRANSFERRED,
    "assign": Status.ASSIGNED,
    "start_handling": Status.HANDLING,
    "reply": Status.REPLIED,
    "conclude": Status.CONCLUDED,
    "request_review": Status.REVIEW_REQUESTED,
    "answer_review": Status.REVIEW_ANSWERED,
    "request_reexam": Status.REEXAM_REQUESTED,
    "answer_reexam": Status.REEXAM_ANSWERED,
}


def load_demo() -> str:
    out = io.StringIO()
    call_command("demo", no_serve=True, password="demo-pass-123", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="class")
def loaded(django_db_setup, django_db_blocker):
    """The demo loaded once for a class of read-only tests, rolled back after the last one.

    Each test's own transaction nests inside this one (as a savepoint), so a test sees the
    loaded street and leaves it as it found it; loading costs seconds, reading it does not.
    """
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast, translation.override("en"), transaction.atomic():
        output = load_demo()
        yield output
        transaction.set_rollback(True)


def counts() -> dict[str, int]:
    return {
        "petitions": Petition.objects.count(),
        "petitioners": Petitioner.objects.count(),
        "slots": ReceptionSlot.objects.count(),
        "key_cases": KeyCase.objects.count(),
        "follow_ups": FollowUp.objects.count(),
        "events": CaseEvent.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def petition_cases():
    """The demo's petitions (the demo street also has disputes, from their own loader)."""
    return Case.objects.filter(kind=Kind.PETITION)


class TestTheLoadedDemo:
    """What a person finds in the demo street (one load for all of these tests)."""

    def test_it_loads_three_months_of_petitions_once(self, loaded):
        first = counts()
        assert 150 <= first["petitions"] <= 250
        assert "Demo petitions:" in loaded

        again = load_demo()

        assert counts() == first
        assert "Demo petitions already loaded: nothing added." in again
        today = timezone.localdate()
        received = [c.received_on for c in petition_cases()]
        assert min(received) >= today - timedelta(days=demo.PERIOD_DAYS)
        assert max(received) <= today
        # Every week of the three months has its petitions.
        assert len({(today - d).days // 7 for d in received}) >= demo.PERIOD_DAYS // 7

    def test_it_shows_every_state_with_some_overdue_and_some_due_soon(self, loaded):
        today = timezone.localdate()
        states = Counter(petition_cases().values_list("status", flat=True))
        assert set(states) == set(Status.values)
        assert states[Status.CONCLUDED] > states[Status.REGISTERED]

        open_cases = petition_cases().filter(closed_at__isnull=True)
        overdue = open_cases.filter(due_on__lt=today)
        assert 3 <= overdue.count() <= 12
        late = Clock.objects.filter(
            case__kind=Kind.PETITION,
            stopped_at__isnull=True,
            party=Clock.Party.OFFICE,
            due_on__lt=today,
        ).values_list("code", flat=True)
        assert {"acceptance_notice", "handling"} <= set(late)
        assert open_cases.filter(due_on__gte=today, due_on__lte=today + timedelta(days=3)).exists()
        extended = Petition.objects.filter(extension_due_on__isnull=False)
        assert extended.exists()
        assert all(p.extension_approved_by.user.username in ("leader", "leader2") for p in extended)

    def test_it_covers_channels_levels_and_collective_visits(self, loaded):
        petitions = Petition.objects.all()
        total = petitions.count()
        channels = Counter(petitions.values_list("channel", flat=True))
        assert set(channels) == set(Channel.values)
        assert channels[Channel.VISIT] + channels[Channel.PHONE] > total / 2
        for assigned in petitions.filter(channel=Channel.ASSIGNED):
            assert assigned.assigned_by and assigned.assigned_doc_no
        levels = Counter(petitions.values_list("level", flat=True))
        assert levels[Level.STREET] > 0.9 * total
        assert 1 <= levels[Level.DISTRICT] <= 10
        assert 1 <= levels[Level.CITY] <= 4
        assert 1 <= levels[Level.PROVINCE] <= 2
        assert levels[Level.NATIONAL] <= 1
        # 越级 (条例 art. 20): above the street and the district (the next level up).
        above_district = total - levels[Level.STREET] - levels[Level.DISTRICT]
        assert petitions.over_level().count() == above_district

        collective = petitions.filter(is_collective=True).annotate(
            reps=Count("petitioners", filter=Q(petitioners__is_representative=True))
        )
        assert 0.05 * total <= collective.count() <= 0.10 * total
        for visit in collective:
            assert 5 <= visit.headcount <= 40
            assert 1 <= visit.reps <= 5
        # Five communities, and most grids, have petitions; every seeded category is used.
        cases = petition_cases()
        assert cases.values("community").distinct().count() == 5
        assert cases.exclude(grid=None).values("grid").distinct().count() >= 15
        assert cases.values("category").distinct().count() == 9

    def test_it_builds_key_cases_reception_days_repeats_and_follow_ups(self, loaded):
        today = timezone.localdate()
        leaders = set(Staff.objects.filter(user__username__in=["leader", "leader2"]))
        key_cases = list(KeyCase.objects.all())
        assert 3 <= len(key_cases) <= 5
        for key_case in key_cases:
            assert key_case.leader in leaders
            assert key_case.plan and key_case.responsible_unit_id
            assert key_case.progress.exists()
        assert KeyCase.objects.filter(closed_at__isnull=True).count() >= 3
        board = services.key_case_board(demo.demo_users()["leader"])
        assert {row.key_case_id for row in board} <= {k.pk for k in key_cases}
        assert board

        slots = ReceptionSlot.objects.all()
        assert set(slots.values_list("kind", flat=True)) == set(ReceptionSlot.SlotKind.values)
        weekly = slots.filter(kind=ReceptionSlot.SlotKind.RECEPTION_DAY, date__lte=today)
        assert weekly.count() >= 10
        assert slots.filter(
            date__gt=today
        ).exists()  # the coming reception days are on the calendar
        in_slots = Petition.objects.filter(reception_slot__isnull=False).select_related("case")
        assert in_slots.count() >= 20
        assert all(p.case.received_on == p.reception_slot.date for p in in_slots)
        start = today - timedelta(days=demo.PERIOD_DAYS)
        for username in ("leader", "leader2"):
            staff = Staff.objects.get(user__username=username)
            assert services.reception_headcount(staff, start, today) > 0

        repeats = Petition.objects.filter(repeat_of__isnull=False).select_related("case")
        assert repeats.count() >= 5
        for repeat in repeats:
            assert repeat.case.received_at > repeat.repeat_of.case.received_at
            assert {p.id_number_hash for p in repeat.petitioners.all()} & {
                p.id_number_hash for p in repeat.repeat_of.petitioners.all()
            } or {p.phone_hash for p in repeat.petitioners.all()} & {
                p.phone_hash for p in repeat.repeat_of.petitioners.all()
            }
        # One comes after a re-examination on the same facts: flagged (条例 art. 36).
        assert repeats.filter(after_reexamination=True).count() == 1

        # Some petitioners rated the handling themselves on the tracker, on the record too.
        rated = FollowUp.objects.filter(source=FollowUp.Source.PUBLIC).count()
        assert rated >= 1
        assert AuditEntry.objects.filter(action="object.create", diff__source="public").count() == (
            rated
        )
        satisfaction = Counter(FollowUp.objects.values_list("satisfaction", flat=True))
        assert satisfaction[Satisfaction.SATISFIED] > sum(satisfaction.values()) / 2
        assert set(satisfaction) == set(Satisfaction.values)

    def test_it_makes_up_people_with_valid_ids_and_mobiles_and_no_name_from_the_speech(
        self, loaded
    ):
        people = list(Petitioner.objects.all())
        names = {p.name for p in people}
        staff_names = set(Staff.objects.values_list("name", flat=True))
        assert not names & staff_names
        assert not names & demo.NAMES_IN_SPEECH
        pool = {name for name, _male in demo.People(avoid=staff_names).names}
        assert names <= pool
        if SPEECH.exists():
            speech = SPEECH.read_text(encoding="utf-8")
            assert [n for n in pool if n in speech] == []
        with_id = [p for p in people if p.id_number]
        assert len(with_id) > 0.6 * len(people)
        for person in with_id:
            assert validate_resident_id(person.id_number) == person.id_number
            assert (
                person.id_number_masked == person.id_number[:6] + "********" + person.id_number[-4:]
            )
        for person in people:
            assert validate_phone(person.phone) == person.phone
            assert len(person.phone) == 11

    def test_it_goes_through_the_services_so_every_change_is_on_record(self, loaded):
        assert audit.verify().ok
        cases = Case.objects.all()
        assert (
            CaseEvent.objects.filter(kind="registered").values("case").distinct().count()
            == cases.count()
        )
        transitions = CaseEvent.objects.exclude(from_status="").exclude(to_status="")
        assert AuditEntry.objects.filter(action="case.transition").count() == transitions.count()
        assert not AuditEntry.objects.filter(
            action__in=["case.transition_refused", "access.denied"]
        )
        # Decisions and replies carry the day they happened, not the day of loading.
        today = timezone.localdate()
        replied = Petition.objects.exclude(replied_on=None).select_related("case")
        assert any(p.replied_on < today - timedelta(days=30) for p in replied)
        for p in replied:
            assert p.case.received_on <= p.accept_decision_on <= p.replied_on <= today
        # Handlers reply for their units; the clerk for the units without an account.
        repliers = set(replied.values_list("replied_by__username", flat=True))
        assert {"handler", "handler2", "clerk"} <= repliers


def test_it_plans_every_state_whatever_the_day(db):
    """Planned for days around Spring Festival and National Day (no loading, just the plan)."""
    org_demo.load_organisation()
    org_demo.load_accounts("demo-pass-123")
    street, users = org_demo.street(), demo.demo_users()
    for today in (date(2026, 2, 23), date(2026, 10, 4), date(2026, 10, 8), date(2027, 1, 4)):
        now = datetime.combine(today, time(10, 15), tzinfo=CHINA_TZ)
        planner = demo.planner_for(street, users, now)
        plans = planner.plan()
        assert 150 <= len(plans) <= 250, today
        final = Counter()
        for plan in plans:
            moves = [s.action for s in plan.steps if s.action in TARGET]
            final[TARGET[moves[-1]] if moves else Status.REGISTERED] += 1
            # Transitions follow each other; a follow-up visit may come after a later step.
            days = [s.on for s in plan.steps if s.action in TARGET or s.action == "extend"]
            assert days == sorted(days), (today, plan.data["title"])
            assert all(plan.received_on <= s.on <= today for s in plan.steps)
            assert plan.received_at <= now
        assert set(final) == set(Status.values), (today, final)


def test_it_leaves_nothing_behind_when_a_step_fails(db, monkeypatch):
    org_demo.load_organisation()
    org_demo.load_accounts("demo-pass-123")

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "add_progress", broken)
    with pytest.raises(RuntimeError):
        demo.load(io.StringIO())
    assert counts()["petitions"] == counts()["slots"] == 0
    assert not AuditEntry.objects.exists()


def test_it_skips_without_the_demo_accounts(db):
    org_demo.load_organisation()
    out = io.StringIO()
    demo.load(out)
    assert "skipped" in out.getvalue()
    assert not Petition.objects.exists()
