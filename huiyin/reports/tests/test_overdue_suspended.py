"""Overdue on a past day for a clock suspended by a re-examination hearing (条例 art. 36).

The re-examination answer clock below: request received 07-13, 30 days -> due 08-12 (Wed).
Hand computations (calendar days, start day not counted, a rest day at the end moves on):
  a hearing 07-20..08-20 (32 days not counted): 07-13 + 62 = 09-13 (Sun) -> 09-14 (Mon)
  a hearing 08-20..09-30 (42 days not counted, begun when the clock was already overdue):
  07-13 + 72 = 09-23 (Wed)
"""

from datetime import date

import pytest

from huiyin.cases.models import Clock
from huiyin.org.roles import Role
from huiyin.petitions.tests.factories import register, running, step
from huiyin.reports import stats
from huiyin.reports.stats import Period, overdue_clock_q

pytestmark = pytest.mark.django_db

D = date.fromisoformat


@pytest.fixture
def clerk(personas):
    return personas[Role.PETITION_CLERK]


def reexamination(clerk):
    """A petition whose re-examination the street answers: only that clock of the office runs."""
    case = register(clerk, received_at=D("2026-05-01")).case
    step(case, "accept", clerk, decided_on=D("2026-05-02"), told_manner="written")
    step(case, "reply", clerk, text="处理意见书", delivery="in_person", replied_on=D("2026-06-01"))
    step(case, "request_review", clerk, requested_on=D("2026-06-10"), body="street")
    step(
        case, "answer_review", clerk, text="维持", answered_on=D("2026-07-01"), delivery="in_person"
    )
    step(case, "request_reexam", clerk, requested_on=D("2026-07-13"), body="street")
    assert running(case, "reexam_answer").due_on == D("2026-08-12")
    return case


def overdue_on(case, day: str) -> bool:
    return Clock.objects.filter(overdue_clock_q(D(day)), case=case).exists()


def overdue_open(until: str) -> int:
    return stats.compute(Period(D("2026-04-01"), D(until)))["petitions"]["overdue_open"]


def test_a_clock_suspended_across_the_period_end_is_not_overdue_while_suspended(clerk):
    case = reexamination(clerk)
    step(case, "hearing_start", clerk, hearing_started_on=D("2026-07-20"))
    # The hearing still runs: its days are not counted, past the old due date too.
    for day in ("2026-07-20", "2026-08-13", "2026-08-31"):
        assert not overdue_on(case, day), day
    assert overdue_open("2026-08-31") == 0

    step(case, "hearing_end", clerk, hearing_ended_on=D("2026-08-20"))
    assert running(case, "reexam_answer").due_on == D("2026-09-14")
    assert not overdue_on(case, "2026-07-19")  # before the hearing, before 08-12
    for day in ("2026-07-20", "2026-08-13", "2026-08-20"):  # the hearing's days
        assert not overdue_on(case, day), day
    assert not overdue_on(case, "2026-09-14")  # its last day, the hearing counted out
    assert overdue_on(case, "2026-09-15")
    assert overdue_open("2026-08-15") == 0
    assert overdue_open("2026-09-15") == 1


def test_a_clock_overdue_before_its_suspension_counts_as_overdue_then(clerk):
    case = reexamination(clerk)
    # Overdue from 08-13; a hearing from 08-20 to 09-30 moves the due date to 09-23.
    step(case, "hearing_start", clerk, hearing_started_on=D("2026-08-20"))
    step(case, "hearing_end", clerk, hearing_ended_on=D("2026-09-30"))
    assert running(case, "reexam_answer").due_on == D("2026-09-23")
    assert not overdue_on(case, "2026-08-12")
    # Past the due date it had then (08-12), which the later hearing does not undo.
    assert overdue_on(case, "2026-08-13") and overdue_on(case, "2026-08-19")
    assert overdue_open("2026-08-19") == 1
    # Not on the hearing's days; after it, past the due date moved by them.
    assert not overdue_on(case, "2026-08-20") and not overdue_on(case, "2026-09-30")
    assert overdue_open("2026-09-30") == 0
    assert overdue_on(case, "2026-10-01")


def test_two_hearings_each_leave_their_own_due_date_in_force(clerk):
    case = reexamination(clerk)
    # 07-20 (1 day): due 08-13; 08-14..08-14 (1 day, begun the day after that): due 08-14.
    step(case, "hearing_start", clerk, hearing_started_on=D("2026-07-20"))
    step(case, "hearing_end", clerk, hearing_ended_on=D("2026-07-20"))
    step(case, "hearing_start", clerk, hearing_started_on=D("2026-08-15"))
    step(case, "hearing_end", clerk, hearing_ended_on=D("2026-08-15"))
    assert running(case, "reexam_answer").due_on == D("2026-08-14")
    assert not overdue_on(case, "2026-08-13")  # due 08-13 after the first hearing
    assert overdue_on(case, "2026-08-14")  # past 08-13: the second hearing came later
    assert not overdue_on(case, "2026-08-15")  # the second hearing's day
    assert overdue_on(case, "2026-08-16")  # past 08-14


def test_an_answer_stops_it_and_another_bodys_clock_is_never_the_streets(clerk):
    case = reexamination(clerk)
    step(case, "hearing_start", clerk, hearing_started_on=D("2026-08-20"))
    step(case, "hearing_end", clerk, hearing_ended_on=D("2026-08-21"))
    step(case, "answer_reexam", clerk, text="维持", answered_on=D("2026-08-25"))
    assert overdue_on(case, "2026-08-19")
    assert not overdue_on(case, "2026-08-25")  # answered that day

    other = register(clerk, received_at=D("2026-05-01"), title="另一事项").case
    step(other, "accept", clerk, decided_on=D("2026-05-02"), told_manner="written")
    step(other, "reply", clerk, text="意见", delivery="in_person", replied_on=D("2026-06-01"))
    step(other, "request_review", clerk, requested_on=D("2026-06-10"), body="district_government")
    assert running(other, "review_answer").party == Clock.Party.OTHER_BODY
    assert not overdue_on(other, "2026-08-01")
