"""Review and re-examination (条例 art. 35, 36): the written answer's delivery starts the
petitioner's windows, the answering body owns the answer clock, a hearing is not counted.

Hand computations (start day not counted; a last day on a rest day moves to the next working
day; 2026 National Day: 10-01 to 10-07 off, see huiyin/cases/tests/test_deadlines.py):
  delivered 09-30 + 30 = 10-30 (Fri)                      -> 10-30, across National Day
  delivered 09-02 + 30 = 10-02, National Day              -> 10-08
  re-examination received 07-13 + 30 = 08-12 (Wed); a hearing 07-20..07-21 (2 days, both
  counted out) -> 07-13 + 32 = 08-14 (Fri)
"""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from huiyin.cases.exceptions import TransitionRefused
from huiyin.cases.models import Case, CaseEvent, Clock
from huiyin.petitions import workflow as wf
from huiyin.petitions.models import Petition
from huiyin.petitions.tests.factories import days_ago, register, running, step
from huiyin.reports import stats
from huiyin.reports.stats import Period

pytestmark = pytest.mark.django_db

D = date.fromisoformat


def clock(case, code) -> Clock:
    return Clock.objects.filter(case=case, code=code).latest("id")


def replied(clerk, *, received="2026-05-01", accepted="2026-05-02", **reply):
    case = register(clerk, received_at=D(received)).case
    step(case, "accept", clerk, decided_on=D(accepted), told_manner="written")
    step(case, "reply", clerk, text="处理意见书", **reply)
    return case


# --------------------------------------------------------------------------- delivery


def test_a_reply_by_phone_alone_does_not_start_the_review_window(clerk):
    case = replied(clerk, delivery="phone", replied_on=D("2026-09-01"))
    assert running(case, "review_request") is None
    petition = Petition.objects.get(pk=case.pk)
    assert (petition.reply_delivery, petition.reply_delivered_on) == ("phone", None)
    event = CaseEvent.objects.get(case=case, kind="reply")
    assert event.data["window_waits_for_delivery"] is True
    # A call is not the written answer: it can carry no delivery date ...
    with pytest.raises(TransitionRefused) as refused:
        step(case, "record_delivery", clerk, delivery="phone", delivered_on=D("2026-09-02"))
    assert str(refused.value) == str(wf.MSG_DELIVERY_NOT_WRITTEN)
    assert running(case, "review_request") is None
    # ... the written one, recorded besides, starts the window from the day it was received.
    step(case, "record_delivery", clerk, delivery="post", delivered_on=D("2026-09-30"))
    window = running(case, "review_request")
    assert (window.started_on, window.due_on, window.party) == (
        D("2026-09-30"),
        D("2026-10-30"),
        Clock.Party.PETITIONER,
    )
    petition = Petition.objects.get(pk=case.pk)
    assert (petition.reply_delivered_on, petition.reply_delivered_manner) == (
        D("2026-09-30"),
        "post",
    )
    event = CaseEvent.objects.get(case=case, kind="record_delivery")
    assert event.note == "Written answer delivered on 2026-09-30 (By post)."
    # Nothing more to record.
    with pytest.raises(TransitionRefused):
        step(case, "record_delivery", clerk, delivery="post", delivered_on=D("2026-10-01"))


def test_a_reply_by_phone_cannot_name_a_delivery_date(clerk):
    case = register(clerk, received_at=D("2026-08-01")).case
    step(case, "accept", clerk, decided_on=D("2026-08-02"))
    with pytest.raises(TransitionRefused) as refused:
        step(
            case,
            "reply",
            clerk,
            text="电话答复",
            delivery="phone",
            replied_on=D("2026-09-01"),
            delivered_on=D("2026-09-01"),
        )
    assert str(refused.value) == str(wf.MSG_DELIVERY_NOT_WRITTEN)


def test_the_review_window_runs_from_the_delivery_across_national_day(clerk):
    # Posted on 09-25 and received on 09-30: the 30 days run from 09-30 (art. 35).
    case = replied(clerk, delivery="post", replied_on=D("2026-09-25"), delivered_on=D("2026-09-30"))
    window = running(case, "review_request")
    assert (window.started_on, window.due_on) == (D("2026-09-30"), D("2026-10-30"))
    event = CaseEvent.objects.get(case=case, kind="reply")
    assert event.data["delivered_on"] == "2026-09-30"


def test_a_window_ending_in_the_national_day_holiday_ends_on_the_next_working_day(clerk):
    case = replied(clerk, delivery="in_person", replied_on=D("2026-09-02"))
    # Handed over in person: received that day.
    window = running(case, "review_request")
    assert (window.started_on, window.due_on) == (D("2026-09-02"), D("2026-10-08"))


def test_a_posted_reply_waits_for_its_receipt(clerk):
    case = replied(clerk, delivery="post", replied_on=D("2026-09-01"))
    assert running(case, "review_request") is None
    with pytest.raises(TransitionRefused):  # received before it was sent
        step(case, "record_delivery", clerk, delivery="post", delivered_on=D("2026-08-31"))
    step(case, "record_delivery", clerk, delivery="post", delivered_on=D("2026-09-04"))
    assert running(case, "review_request").due_on == D("2026-10-08")  # 10-04, National Day


def test_the_review_answer_delivery_starts_the_reexamination_window(clerk):
    case = replied(clerk, delivery="in_person", replied_on=D("2026-06-01"))
    step(case, "request_review", clerk, requested_on=D("2026-06-10"), body="street")
    step(case, "answer_review", clerk, text="维持", answered_on=D("2026-07-01"))
    assert running(case, "reexam_request") is None
    step(case, "record_delivery", clerk, delivery="online", delivered_on=D("2026-07-03"))
    window = running(case, "reexam_request")
    assert (window.started_on, window.due_on) == (D("2026-07-03"), D("2026-08-03"))  # 08-02 Sun
    petition = Petition.objects.get(pk=case.pk)
    assert petition.review_answer_delivered_on == D("2026-07-03")
    assert petition.reply_delivered_on == D("2026-06-01")


# --------------------------------------------------------------------------- the answering body


def test_the_review_answer_clock_runs_from_the_day_the_body_received_the_request(clerk):
    case = replied(clerk, delivery="in_person", replied_on=D("2026-06-01"))
    step(
        case,
        "request_review",
        clerk,
        requested_on=D("2026-06-10"),
        body="district_government",
        body_received_on=D("2026-06-12"),
    )
    answer = running(case, "review_answer")
    assert (answer.started_on, answer.due_on, answer.party) == (
        D("2026-06-12"),
        D("2026-07-13"),  # 07-12 is a Sunday
        Clock.Party.OTHER_BODY,
    )
    petition = Petition.objects.get(pk=case.pk)
    assert (petition.review_body, petition.review_received_on) == (
        "district_government",
        D("2026-06-12"),
    )
    # Not the street's time limit: no due date of the case.
    assert Case.objects.get(pk=case.pk).due_on is None
    event = CaseEvent.objects.get(case=case, kind="request_review")
    assert event.data["answered_by_street"] is False


def test_a_review_request_names_the_body_that_answers(clerk):
    case = replied(clerk, delivery="in_person", replied_on=D("2026-06-01"))
    with pytest.raises(TransitionRefused):
        step(case, "request_review", clerk, requested_on=D("2026-06-10"))
    with pytest.raises(TransitionRefused) as refused:
        step(case, "request_review", clerk, requested_on=D("2026-06-10"), body="moon")
    assert str(refused.value) == str(wf.MSG_ANSWER_BODY)
    with pytest.raises(TransitionRefused):  # received before it was asked
        step(
            case,
            "request_review",
            clerk,
            requested_on=D("2026-06-10"),
            body="street",
            body_received_on=D("2026-06-09"),
        )


def _overdue_review(clerk, community, body):
    """Replied in person 70 days ago; a review asked 60 days ago, unanswered since."""
    case = register(clerk, community=community, received_at=days_ago(80)).case
    step(case, "accept", clerk, decided_on=days_ago(79), told_manner="written")
    step(case, "reply", clerk, text="答复", delivery="in_person", replied_on=days_ago(70))
    step(case, "request_review", clerk, requested_on=days_ago(60), body=body)
    return Case.objects.get(pk=case.pk)


def test_another_bodys_answer_clock_is_not_in_the_streets_overdue_figures(clerk, community):
    theirs = _overdue_review(clerk, community, "district_government")
    ours = _overdue_review(clerk, community, "street")
    assert running(theirs, "review_answer").party == Clock.Party.OTHER_BODY
    assert running(ours, "review_answer").party == Clock.Party.OFFICE
    assert running(theirs, "review_answer").due_on < timezone.localdate()
    today = timezone.localdate()
    # Up to today (the dashboard's figure and its list) ...
    period = Period(days_ago(90), today)
    figures, _communities, _grids = stats.dashboard(period)
    assert figures["petitions"]["overdue_open"] == 1
    assert [c.pk for c in stats.overdue_cases()] == [ours.pk]
    # ... and for a period in the past, reconstructed from the clocks.
    past = Period(days_ago(90), days_ago(2))
    assert stats.compute(past)["petitions"]["overdue_open"] == 1


# --------------------------------------------------------------------------- hearings


def _reexamination(clerk, body="street"):
    case = replied(clerk, delivery="in_person", replied_on=D("2026-06-01"))
    step(case, "request_review", clerk, requested_on=D("2026-06-10"), body="street")
    step(
        case, "answer_review", clerk, text="维持", answered_on=D("2026-07-01"), delivery="in_person"
    )
    step(case, "request_reexam", clerk, requested_on=D("2026-07-13"), body=body)
    return case


def test_a_hearing_suspends_and_resumes_the_reexamination_clock(clerk):
    case = _reexamination(clerk)
    assert running(case, "reexam_answer").due_on == D("2026-08-12")
    assert Case.objects.get(pk=case.pk).due_on == D("2026-08-12")

    step(case, "hearing_start", clerk, hearing_started_on=D("2026-07-20"))
    suspended = running(case, "reexam_answer")
    assert (suspended.suspended, suspended.suspended_on) == (True, D("2026-07-20"))
    # While suspended the clock sets no due date: it cannot fall overdue during the hearing.
    assert Case.objects.get(pk=case.pk).due_on is None
    with pytest.raises(TransitionRefused) as refused:  # answered in the middle of a hearing
        step(case, "answer_reexam", clerk, text="维持", answered_on=D("2026-07-21"))
    assert str(refused.value) == str(wf.MSG_HEARING_RUNNING)
    with pytest.raises(TransitionRefused):  # one hearing at a time
        step(case, "hearing_start", clerk, hearing_started_on=D("2026-07-21"))

    step(case, "hearing_end", clerk, hearing_ended_on=D("2026-07-21"))
    resumed = running(case, "reexam_answer")
    assert (resumed.suspended, resumed.suspended_days, resumed.due_on) == (
        False,
        2,
        D("2026-08-14"),
    )
    assert Case.objects.get(pk=case.pk).due_on == D("2026-08-14")

    events = {e.kind: e for e in CaseEvent.objects.filter(case=case)}
    assert events["hearing_start"].data["hearing_started_on"] == "2026-07-20"
    assert events["hearing_end"].data == {
        "hearing_started_on": "2026-07-20",
        "hearing_ended_on": "2026-07-21",
        "days_not_counted": 2,
        "old_due_on": "2026-08-12",
        "new_due_on": "2026-08-14",
    }
    assert "2026-08-14" in events["hearing_end"].note

    step(case, "answer_reexam", clerk, text="维持", answered_on=D("2026-08-14"))
    assert clock(case, "reexam_answer").outcome == Clock.Outcome.MET


def test_a_second_hearing_adds_its_days(clerk):
    case = _reexamination(clerk)
    step(case, "hearing_start", clerk, hearing_started_on=D("2026-07-20"))
    step(case, "hearing_end", clerk, hearing_ended_on=D("2026-07-20"))  # one day
    assert running(case, "reexam_answer").due_on == D("2026-08-13")
    step(case, "hearing_start", clerk, hearing_started_on=D("2026-07-27"))
    step(case, "hearing_end", clerk, hearing_ended_on=D("2026-07-28"))
    # 30 + 3 days: 08-15 is a Saturday.
    assert running(case, "reexam_answer").due_on == D("2026-08-17")


def test_a_hearing_is_only_for_a_running_reexamination(clerk, personas, community, unit):
    case = replied(clerk, delivery="in_person", replied_on=D("2026-06-01"))
    with pytest.raises(TransitionRefused):
        step(case, "hearing_start", clerk)
    case = _reexamination(clerk)
    with pytest.raises(TransitionRefused) as refused:
        step(case, "hearing_end", clerk, hearing_ended_on=D("2026-07-21"))
    assert str(refused.value) == str(wf.MSG_NO_HEARING)
    step(case, "hearing_start", clerk, hearing_started_on=D("2026-07-20"))
    with pytest.raises(TransitionRefused):  # ends before it began
        step(case, "hearing_end", clerk, hearing_ended_on=D("2026-07-19"))


def test_the_hearing_days_move_another_bodys_clock_too(clerk):
    case = _reexamination(clerk, body="district_government")
    assert running(case, "reexam_answer").party == Clock.Party.OTHER_BODY
    step(case, "hearing_start", clerk, hearing_started_on=D("2026-07-20"))
    step(case, "hearing_end", clerk, hearing_ended_on=D("2026-07-21"))
    assert running(case, "reexam_answer").due_on == D("2026-08-14")
    assert Case.objects.get(pk=case.pk).due_on is None


def test_the_holiday_table_keeps_the_suspended_days(clerk):
    from huiyin.cases import clocks

    case = _reexamination(clerk)
    step(case, "hearing_start", clerk, hearing_started_on=D("2026-07-20"))
    step(case, "hearing_end", clerk, hearing_ended_on=D("2026-07-21"))
    clocks.refresh_clocks_for_years([2026])
    assert running(case, "reexam_answer").due_on == D("2026-08-14")
    assert clocks.suspended_days(D("2026-07-20"), D("2026-07-20") + timedelta(days=2)) == 3
