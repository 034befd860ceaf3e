"""The statutory clocks of a petition, each from its own start event, with pinned 2026 dates.

Hand computations (start day not counted; a last day on a rest day moves to the next working
day; see huiyin/cases/tests/test_deadlines.py for the 2026 holiday notice):
  received 09-18 + 15      = 10-03, National Day          -> 10-08
  received 09-29 + 5 wd    = 09-30, 10-08, 10-09, 10-10 (make-up Sat), 10-12
  received 02-05 + 15      = 02-20, Spring Festival       -> 02-24
  accepted 03-02 + 60      = 05-01, Labour Day            -> 05-06
  extension max 05-06 + 30 = 06-05 (Fri)
  replied 05-20 + 30       = 06-19, Dragon Boat Festival  -> 06-22
  review asked 06-01 + 30  = 07-01 (Wed)
  review answered 06-25 + 30 = 07-25 (Sat)               -> 07-27
  reexam asked 07-10 + 30  = 08-09 (Sun)                  -> 08-10
  accepted 2026-11-20 + 60 = 2027-01-19: no 2027 notice   -> warning
"""

from datetime import date

import pytest

from huiyin.cases import calendar
from huiyin.cases.exceptions import TransitionRefused
from huiyin.cases.models import CalendarDay, CalendarYear, Case, CaseEvent, Clock
from huiyin.org.roles import Role
from huiyin.petitions.models import Channel, Petition
from huiyin.petitions.services import PetitionInvalid
from huiyin.petitions.tests.factories import register, step

pytestmark = pytest.mark.django_db

D = date.fromisoformat


def clock(case, code) -> Clock:
    return Clock.objects.filter(case=case, code=code).latest("id")


def due_on(case) -> date | None:
    return Case.objects.get(pk=case.pk).due_on


def test_it_gives_15_days_to_register_and_to_tell_acceptance(clerk):
    case = register(clerk, received_at=D("2026-09-18")).case
    for code in ("register_transfer", "acceptance_notice"):
        c = clock(case, code)
        assert (c.started_on, c.due_on, c.running, c.party) == (
            D("2026-09-18"),
            D("2026-10-08"),
            True,
            Clock.Party.OFFICE,
        )
        assert not c.warning
    assert due_on(case) == D("2026-10-08")


def test_it_rolls_over_spring_festival(clerk):
    case = register(clerk, received_at=D("2026-02-05")).case
    assert clock(case, "acceptance_notice").due_on == D("2026-02-24")


def test_it_gives_5_working_days_to_object_across_national_day(clerk):
    case = register(
        clerk, channel=Channel.ASSIGNED, assigned_by="区信访局", received_at=D("2026-09-29")
    ).case
    objection = clock(case, "transfer_objection")
    assert (objection.due_on, objection.working_days, objection.days) == (D("2026-10-12"), True, 5)
    assert clock(case, "register_transfer").due_on == D("2026-10-14")
    assert due_on(case) == D("2026-10-12")
    step(case, "accept", clerk, decided_on=D("2026-10-09"))
    for code in ("transfer_objection", "register_transfer"):
        c = clock(case, code)
        assert (c.running, c.stopped_on, c.outcome) == (False, D("2026-10-09"), Clock.Outcome.MET)
    # Decided, but the petitioner is not told yet: the notice clock runs on (条例 art. 23).
    assert clock(case, "acceptance_notice").running
    handling = clock(case, "handling")
    assert (handling.started_on, handling.due_on) == (D("2026-10-09"), D("2026-12-08"))
    assert due_on(case) == D("2026-10-14")  # the notice is still owed
    step(case, "record_notice", clerk, told_on=D("2026-10-09"), told_manner="written")
    notice = clock(case, "acceptance_notice")
    assert (notice.running, notice.stopped_on, notice.outcome) == (
        False,
        D("2026-10-09"),
        Clock.Outcome.MET,
    )
    assert due_on(case) == D("2026-12-08")


def test_it_starts_no_objection_clock_for_matters_not_sent_to_us(clerk):
    case = register(clerk, channel=Channel.LETTER).case
    assert not Clock.objects.filter(case=case, code="transfer_objection").exists()


def test_it_runs_the_clocks_from_acceptance_to_reexamination(clerk, personas):
    leader = personas[Role.LEADER]
    case = register(clerk, received_at=D("2026-03-01")).case
    assert clock(case, "acceptance_notice").due_on == D("2026-03-16")

    step(
        case,
        "accept",
        clerk,
        decided_on=D("2026-03-02"),
        told_on=D("2026-03-03"),
        told_manner="written",
    )
    assert clock(case, "acceptance_notice").outcome == Clock.Outcome.MET
    assert clock(case, "acceptance_notice").stopped_on == D("2026-03-03")
    assert (clock(case, "handling").days, clock(case, "handling").due_on) == (60, D("2026-05-06"))
    assert due_on(case) == D("2026-05-06")

    # One extension, by a leader before the due date, at most 30 days past it.
    told = {"approved_on": D("2026-05-05"), "told_on": D("2026-05-06"), "told_manner": "written"}
    with pytest.raises(TransitionRefused):
        step(case, "extend", leader, reason="复杂", new_due_on=D("2026-06-06"), **told)
    step(case, "extend", leader, reason="复杂", new_due_on=D("2026-06-05"), **told)
    handling = clock(case, "handling")
    assert (handling.due_on, handling.extended, handling.running) == (D("2026-06-05"), True, True)
    assert due_on(case) == D("2026-06-05")

    step(
        case,
        "reply",
        clerk,
        text="答复",
        delivery="post",
        replied_on=D("2026-05-20"),
        delivered_on=D("2026-05-20"),
    )
    handling = clock(case, "handling")
    assert (handling.stopped_on, handling.outcome) == (D("2026-05-20"), Clock.Outcome.MET)
    window = clock(case, "review_request")
    assert (window.due_on, window.party) == (D("2026-06-22"), Clock.Party.PETITIONER)
    assert due_on(case) is None  # the petitioner's window does not bind the office

    step(case, "request_review", clerk, requested_on=D("2026-06-01"), body="street")
    assert clock(case, "review_request").outcome == Clock.Outcome.MET
    assert clock(case, "review_answer").due_on == D("2026-07-01")
    assert due_on(case) == D("2026-07-01")

    step(
        case,
        "answer_review",
        clerk,
        text="维持",
        answered_on=D("2026-06-25"),
        delivery="in_person",
    )
    assert clock(case, "review_answer").outcome == Clock.Outcome.MET
    assert clock(case, "reexam_request").due_on == D("2026-07-27")

    step(case, "request_reexam", clerk, requested_on=D("2026-07-10"), body="street")
    assert clock(case, "reexam_answer").due_on == D("2026-08-10")

    step(case, "answer_reexam", clerk, text="维持", answered_on=D("2026-08-20"))
    reexam = clock(case, "reexam_answer")
    assert (reexam.stopped_on, reexam.outcome) == (D("2026-08-20"), Clock.Outcome.LATE)
    assert not Clock.objects.filter(case=case, stopped_at__isnull=True).exists()
    assert due_on(case) is None


def test_it_marks_a_late_reply(clerk):
    case = register(clerk, received_at=D("2026-03-01")).case
    step(case, "accept", clerk, decided_on=D("2026-03-02"))
    step(case, "reply", clerk, text="答复", delivery="post", replied_on=D("2026-05-07"))
    assert clock(case, "handling").outcome == Clock.Outcome.LATE


@pytest.mark.parametrize("decision", ["decline", "transfer"])
def test_it_stops_the_registration_clocks_on_any_decision(clerk, decision):
    case = register(
        clerk, channel=Channel.ASSIGNED, assigned_by="市信访局", received_at=D("2026-09-18")
    ).case
    payload = {"reason": "不属于本机关"} if decision == "decline" else {"transferred_to": "区法院"}
    step(case, decision, clerk, decided_on=D("2026-10-20"), told_manner="written", **payload)
    outcomes = dict(Clock.objects.filter(case=case).values_list("code", "outcome"))
    assert outcomes == {
        "register_transfer": Clock.Outcome.LATE,
        "acceptance_notice": Clock.Outcome.LATE,
        "transfer_objection": Clock.Outcome.LATE,
    }
    assert due_on(case) is None


def test_it_warns_when_a_clock_runs_into_a_year_without_holiday_data(clerk):
    CalendarYear.objects.filter(year__gte=2027).delete()
    CalendarDay.objects.filter(date__year__gte=2027).delete()
    calendar.invalidate()
    case = register(clerk, received_at=D("2026-11-10")).case
    assert not clock(case, "acceptance_notice").warning
    step(case, "accept", clerk, decided_on=D("2026-11-20"))
    handling = clock(case, "handling")
    assert (handling.due_on, handling.unknown_years, handling.warning) == (
        D("2027-01-19"),
        [2027],
        True,
    )
    event = case.events.filter(kind="clock_started", data__code="handling").get()
    assert event.data["unknown_years"] == [2027]


# --------------------------------------------------------------------------- 条例 art. 23


def test_the_notice_clock_runs_after_the_decision_until_the_petitioner_is_told(clerk):
    case = register(clerk, received_at=D("2026-03-01")).case
    step(case, "accept", clerk, decided_on=D("2026-03-02"))
    assert clock(case, "register_transfer").outcome == Clock.Outcome.MET  # art. 22: decided
    notice = clock(case, "acceptance_notice")
    assert notice.running and notice.due_on == D("2026-03-16")
    step(case, "record_notice", clerk, told_on=D("2026-03-10"), told_manner="phone")
    notice = clock(case, "acceptance_notice")
    assert (notice.stopped_on, notice.outcome) == (D("2026-03-10"), Clock.Outcome.MET)
    petition = Petition.objects.get(pk=case.pk)
    assert (petition.notice_told_on, petition.notice_manner) == (D("2026-03-10"), "phone")
    event = CaseEvent.objects.get(case=case, kind="record_notice")
    assert (event.data["told_on"], event.data["told_manner"]) == ("2026-03-10", "phone")
    # Nothing left to record.
    with pytest.raises(TransitionRefused):
        step(case, "record_notice", clerk, told_on=D("2026-03-11"), told_manner="phone")


def test_a_notice_cannot_be_dated_before_the_decision(clerk):
    case = register(clerk, received_at=D("2026-03-01")).case
    with pytest.raises(TransitionRefused):
        step(
            case,
            "accept",
            clerk,
            decided_on=D("2026-03-05"),
            told_on=D("2026-03-04"),
            told_manner="written",
        )
    with pytest.raises(TransitionRefused):  # a date without a manner
        step(case, "accept", clerk, decided_on=D("2026-03-05"), told_on=D("2026-03-06"))
    step(case, "accept", clerk, decided_on=D("2026-03-05"))
    with pytest.raises(TransitionRefused):
        step(case, "record_notice", clerk, told_on=D("2026-03-04"), told_manner="written")


def test_a_written_reply_tells_the_petitioner_at_the_latest(clerk):
    case = register(clerk, received_at=D("2026-03-01")).case
    step(case, "accept", clerk, decided_on=D("2026-03-02"))
    step(case, "reply", clerk, text="答复", delivery="post", replied_on=D("2026-03-20"))
    notice = clock(case, "acceptance_notice")
    assert (notice.stopped_on, notice.outcome) == (D("2026-03-20"), Clock.Outcome.LATE)


def test_a_visitor_told_on_the_spot_stops_the_notice_clock_at_registration(clerk):
    petition = register(clerk, received_at=D("2026-03-01"), told_on_the_spot=True)
    notice = clock(petition.case, "acceptance_notice")
    assert (notice.running, notice.stopped_on, notice.outcome) == (
        False,
        D("2026-03-01"),
        Clock.Outcome.MET,
    )
    petition = Petition.objects.get(pk=petition.pk)
    assert petition.notice_on_the_spot and petition.notice_told_on == D("2026-03-01")
    assert clock(petition.case, "register_transfer").running  # art. 22 runs on
    # The decision later needs no second notice.
    step(petition.case, "decline", clerk, reason="不属于信访事项", decided_on=D("2026-03-02"))
    step(petition.case, "conclude", clerk, concluded_on=D("2026-03-02"))


def test_only_a_visitor_can_be_told_on_the_spot(clerk):
    with pytest.raises(PetitionInvalid) as caught:
        register(clerk, channel=Channel.LETTER, told_on_the_spot=True)
    assert "told_on_the_spot" in caught.value.errors


def test_no_notice_is_owed_when_the_name_or_address_is_unclear(clerk):
    petition = register(
        clerk, channel=Channel.LETTER, contact_unclear=True, received_at=D("2026-03-01")
    )
    case = petition.case
    assert not Clock.objects.filter(case=case, code="acceptance_notice").exists()
    assert clock(case, "register_transfer").running  # art. 22 still binds the office
    assert not Petition.objects.get(pk=petition.pk).notice_owed
    step(case, "transfer", clerk, transferred_to="区人社局", decided_on=D("2026-03-02"))
    assert clock(case, "register_transfer").outcome == Clock.Outcome.MET
    step(case, "conclude", clerk, concluded_on=D("2026-03-02"))  # no notice to wait for
    assert due_on(case) is None
