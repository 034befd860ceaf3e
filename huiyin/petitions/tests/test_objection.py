"""Objection to a misdirected assignment (条例 art. 23): a matter assigned from above that is
not the street's is objected to within 5 working days and returned to the sender.

Hand computation: received 2026-09-29 + 5 working days = 09-30, 10-08, 10-09, 10-10 (make-up
Saturday), 10-12 (see test_clocks.py).
"""

from datetime import date

import pytest
from django.utils import timezone

from huiyin.cases.exceptions import TransitionRefused
from huiyin.cases.models import Case, CaseEvent, Clock
from huiyin.cases.workflow import available_transitions
from huiyin.petitions import workflow as wf
from huiyin.petitions.models import Channel, Petition, Status
from huiyin.petitions.tests.factories import register, step

pytestmark = pytest.mark.django_db

D = date.fromisoformat
REASON = "反映事项属区住建委职责，不属本街道办理范围。"


def clock(case, code) -> Clock:
    return Clock.objects.filter(case=case, code=code).latest("id")


def assigned_from_above(clerk, **extra):
    return register(
        clerk,
        channel=Channel.ASSIGNED,
        assigned_by="区信访局",
        assigned_doc_no="区信交〔2026〕88号",
        received_at=D("2026-09-29"),
        **extra,
    ).case


def test_an_objection_within_5_working_days_is_met_and_returns_the_matter(clerk):
    case = assigned_from_above(clerk)
    assert "object_return" in {t.name for t in available_transitions(case, clerk)}
    result = step(
        case,
        "object_return",
        clerk,
        reason=REASON,
        objected_on=D("2026-10-12"),
        agreed_on=D("2026-10-14"),
    )
    assert (result.status, result.closed_at is not None, result.due_on) == (
        Status.CONCLUDED,
        True,
        None,
    )
    objection = clock(case, "transfer_objection")
    assert (objection.stopped_on, objection.outcome) == (D("2026-10-12"), Clock.Outcome.MET)
    assert clock(case, "register_transfer").outcome == Clock.Outcome.MET
    # The sender has the matter again: the street owes the petitioner no notice of its own.
    assert clock(case, "acceptance_notice").outcome == Clock.Outcome.CANCELLED
    assert not Clock.objects.filter(case=case, stopped_at__isnull=True).exists()
    petition = Petition.objects.get(pk=case.pk)
    assert (
        petition.objected_on,
        petition.sender_agreed_on,
        petition.concluded_on,
        petition.objection_reason,
        petition.transferred_to,
        petition.returned_to_sender,
    ) == (D("2026-10-12"), D("2026-10-14"), D("2026-10-14"), REASON, "", True)
    event = CaseEvent.objects.get(case=case, kind="object_return")
    assert (event.note, event.to_status) == (REASON, Status.CONCLUDED)
    assert event.data == {
        "objected_on": "2026-10-12",
        "agreed_on": "2026-10-14",
        "sender": "区信访局",
        "late": False,
        "answer": "returned_to_sender",
    }
    # Concluded with its outcome: no reply owed, nothing to review.
    assert available_transitions(Case.objects.get(pk=case.pk), clerk) == []


def test_an_objection_after_5_working_days_is_late(clerk):
    case = assigned_from_above(clerk)
    step(
        case,
        "object_return",
        clerk,
        reason=REASON,
        objected_on=D("2026-10-13"),
        agreed_on=D("2026-10-13"),
    )
    objection = clock(case, "transfer_objection")
    assert (objection.stopped_on, objection.outcome) == (D("2026-10-13"), Clock.Outcome.LATE)
    assert CaseEvent.objects.get(case=case, kind="object_return").data["late"] is True
    assert Case.objects.get(pk=case.pk).status == Status.CONCLUDED


@pytest.mark.parametrize("channel", [Channel.VISIT, Channel.LETTER, Channel.ONLINE])
def test_it_is_not_offered_for_a_petition_not_assigned_from_above(clerk, channel):
    case = register(clerk, channel=channel, received_at=D("2026-09-29")).case
    assert "object_return" not in {t.name for t in available_transitions(case, clerk)}
    with pytest.raises(TransitionRefused) as refused:
        step(case, "object_return", clerk, reason=REASON, agreed_on=D("2026-10-09"))
    assert str(refused.value) == str(wf.MSG_NOT_ASSIGNED_FROM_ABOVE)


def test_it_is_not_offered_once_the_matter_is_decided(clerk):
    case = assigned_from_above(clerk)
    step(case, "accept", clerk, decided_on=D("2026-10-09"))
    assert "object_return" not in {t.name for t in available_transitions(case, clerk)}


def test_it_requires_reasons_and_the_senders_agreement(clerk):
    case = assigned_from_above(clerk)
    with pytest.raises(TransitionRefused) as refused:
        step(case, "object_return", clerk, reason="  ", agreed_on=D("2026-10-09"))
    assert str(refused.value) == "Please fill in “Reason”."
    with pytest.raises(TransitionRefused) as refused:
        step(case, "object_return", clerk, reason=REASON)
    assert str(refused.value) == "Please fill in “Date the sender agreed”."
    with pytest.raises(TransitionRefused):  # agreed before the objection was made
        step(
            case,
            "object_return",
            clerk,
            reason=REASON,
            objected_on=D("2026-10-09"),
            agreed_on=D("2026-10-08"),
        )
    assert Case.objects.get(pk=case.pk).status == Status.REGISTERED
    assert clock(case, "transfer_objection").running


def test_it_is_for_the_office_not_a_handler(clerk, handler):
    case = assigned_from_above(clerk)
    assert "object_return" not in {t.name for t in available_transitions(case, handler)}


# --------------------------------------------------------------------------- the case page


def test_the_case_page_offers_the_objection_and_shows_the_return(client, clerk):
    case = assigned_from_above(clerk)
    client.force_login(clerk)
    html = client.get(f"/petitions/{case.pk}/").content.decode()
    assert 'data-transition="object_return"' in html
    assert 'name="object_return-reason"' in html
    today = timezone.localdate().isoformat()
    current = Case.objects.get(pk=case.pk)
    response = client.post(
        f"/petitions/{case.pk}/do/object_return/",
        {
            "object_return-version": current.version,
            "object_return-reason": REASON,
            "object_return-objected_on": "2026-10-12",
            "object_return-agreed_on": today,
        },
    )
    assert response.status_code == 302
    html = client.get(f"/petitions/{case.pk}/").content.decode()
    assert 'id="returned"' in html and REASON in html
    assert 'id="returned-badge"' in html
    assert 'data-event="object_return"' in html
    assert 'data-transition="object_return"' not in html


def test_the_case_page_shows_delivery_body_and_hearing(client, clerk):
    case = register(clerk, received_at=D("2026-05-01")).case
    step(case, "accept", clerk, decided_on=D("2026-05-02"))
    step(case, "reply", clerk, text="答复", delivery="phone", replied_on=D("2026-06-01"))
    client.force_login(clerk)
    html = client.get(f"/petitions/{case.pk}/").content.decode()
    assert 'id="reply-delivery" data-delivered="0"' in html
    assert 'data-transition="record_delivery"' in html
    step(case, "record_delivery", clerk, delivery="post", delivered_on=D("2026-06-03"))
    step(case, "request_review", clerk, requested_on=D("2026-06-10"), body="street")
    step(
        case, "answer_review", clerk, text="维持", answered_on=D("2026-07-01"), delivery="in_person"
    )
    step(case, "request_reexam", clerk, requested_on=D("2026-07-13"), body="district_government")
    step(case, "hearing_start", clerk, hearing_started_on=D("2026-07-20"))
    html = client.get(f"/petitions/{case.pk}/").content.decode()
    assert 'id="reply-delivery" data-delivered="1"' in html
    assert 'data-body="district_government"' in html
    assert 'data-other-body="1"' in html
    assert 'data-suspended="1"' in html
    assert 'data-transition="hearing_end"' in html
    assert 'data-event="hearing_start"' in html
    step(case, "hearing_end", clerk, hearing_ended_on=D("2026-07-21"))
    html = client.get(f"/petitions/{case.pk}/").content.decode()
    assert 'data-suspended-days="2"' in html
    assert 'data-event="hearing_end"' in html
