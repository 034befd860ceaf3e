"""The petition workflow: every transition allowed and refused per role, and bad input."""

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from huiyin.cases.exceptions import MSG_STALE, StaleCase, TransitionRefused
from huiyin.cases.models import Case, CaseEvent
from huiyin.cases.workflow import available_transitions, fire, workflow_for
from huiyin.org.models import Staff
from huiyin.org.roles import Role
from huiyin.petitions import workflow as wf
from huiyin.petitions.models import Petition, Referral, Status
from huiyin.petitions.tests.factories import bring_to, days_ago, refresh, register, running, step
from huiyin.privacy.models import AuditEntry
from huiyin.testing import factories as f

pytestmark = pytest.mark.django_db

CLERK, HANDLER, LEADER = Role.PETITION_CLERK, Role.DEPARTMENT_HANDLER, Role.LEADER

# transition: (the state it is fired from, its payload)
SETUP = {
    "accept": ("registered", {}),
    "decline": ("registered", {"reason": "属于诉讼程序", "referral": Referral.COURT}),
    "transfer": ("registered", {"transferred_to": "区住建委"}),
    "record_notice": ("accepted", {"told_on": "TODAY", "told_manner": "written"}),
    "assign": ("accepted", {"unit": "UNIT"}),
    "start_handling": ("assigned", {}),
    "extend": (
        "handling",
        {
            "reason": "案情复杂，需调查",
            "new_due_on": "HANDLING+10",
            "told_on": "TODAY",
            "told_manner": "written",
        },
    ),
    "reply": ("handling", {"text": "经核查，已责令整改。", "delivery": "post"}),
    "conclude": ("replied", {}),
    "request_review": ("replied", {"text": "对处理意见不服", "body": "street"}),
    "answer_review": ("review_requested", {"text": "维持原处理意见"}),
    "request_reexam": ("review_answered", {"text": "请求复核", "body": "street"}),
    "answer_reexam": ("reexam_requested", {"text": "复核维持"}),
    # The review answer on the way to review_answered is not delivered yet.
    "record_delivery": ("review_answered", {"delivery": "post", "delivered_on": "TODAY"}),
    "hearing_start": ("reexam_requested", {}),
    "hearing_end": ("reexam_requested", {}),
    "object_return": ("registered", {"reason": "属于区住建委职责", "agreed_on": "TODAY"}),
}
#: Petitions registered otherwise than the default, and steps before the transition.
REGISTER = {"object_return": {"channel": "assigned", "assigned_by": "区信访局"}}
BEFORE = {"hearing_end": [("hearing_start", CLERK, {})]}
TARGET = {
    "accept": "accepted",
    "decline": "declined",
    "transfer": "transferred",
    "record_notice": "accepted",
    "assign": "assigned",
    "start_handling": "handling",
    "extend": "handling",
    "reply": "replied",
    "conclude": "concluded",
    "request_review": "review_requested",
    "answer_review": "review_answered",
    "request_reexam": "reexam_requested",
    "answer_reexam": "reexam_answered",
    "record_delivery": "review_answered",
    "hearing_start": "reexam_requested",
    "hearing_end": "reexam_requested",
    "object_return": "concluded",
}
ALLOWED = {
    "start_handling": {HANDLER},
    "extend": {LEADER},
    "reply": {CLERK, HANDLER},
}
STREET_WIDE_VIEWERS = {CLERK, Role.GOVERNANCE_STAFF, LEADER, Role.AUDITOR, Role.DISTRICT}
# States in which the case is owned by the handler's unit, so the handler sees it.
ASSIGNED_STATES = {
    "assigned",
    "handling",
    "replied",
    "review_requested",
    "review_answered",
    "reexam_requested",
}


def test_it_declares_every_transition_of_the_table_here():
    assert set(SETUP) == {t.name for t in wf.TRANSITIONS}
    assert wf.PAYLOAD["reply"] == (
        ("text", "delivery"),
        ("facts", "basis", "replied_on", "delivered_on"),
    )


def _payload(name, case, unit):
    payload = dict(SETUP[name][1])
    if payload.get("unit") == "UNIT":
        payload["unit"] = unit
    if payload.get("new_due_on") == "HANDLING+10":
        payload["new_due_on"] = running(case, "handling").due_on + timedelta(days=10)
    for key in ("told_on", "delivered_on", "agreed_on"):
        if payload.get(key) == "TODAY":
            payload[key] = timezone.localdate()
    return payload


class Snapshot:
    def __init__(self, case):
        self.case = case
        self.state = self.read()
        self.refusals = AuditEntry.objects.filter(action="case.transition_refused").count()
        self.denials = AuditEntry.objects.filter(action="access.denied").count()

    def read(self):
        case = Case.objects.get(pk=self.case.pk)
        petition = Petition.objects.get(pk=self.case.pk)
        return (
            case.status,
            case.version,
            case.owner_unit_id,
            case.due_on,
            CaseEvent.objects.filter(case=case).count(),
            case.clocks.count(),
            petition.replied_on,
            petition.extension_due_on,
        )

    def unchanged(self):
        return self.read() == self.state

    def refusal_audited(self):
        return AuditEntry.objects.filter(action="case.transition_refused").count() == (
            self.refusals + 1
        )

    def denial_audited(self):
        return AuditEntry.objects.filter(action="access.denied").count() == self.denials + 1


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("name", list(SETUP))
def test_it_allows_and_refuses_each_transition_per_role(personas, community, unit, name, role):
    clerk = personas[CLERK]
    source = SETUP[name][0]
    petition = register(clerk, community=community, **REGISTER.get(name, {}))
    case = bring_to(petition, source, personas, unit=unit)
    for before, before_role, before_payload in BEFORE.get(name, []):
        case = step(case, before, personas[before_role], **before_payload)
    user = personas[role]
    payload = _payload(name, case, unit)
    allowed = role in ALLOWED.get(name, {CLERK})
    visible = role in STREET_WIDE_VIEWERS or (role == HANDLER and source in ASSIGNED_STATES)
    offered = {t.name for t in available_transitions(case, user)}

    snapshot = Snapshot(case)
    if allowed:
        assert name in offered
        result = fire(case, name, actor=user, version=case.version, **payload)
        assert result.status == TARGET[name]
        assert result.version == case.version + 1
        assert CaseEvent.objects.filter(case=case, kind=name).count() == 1
        assert AuditEntry.objects.filter(action="case.transition", target_id=str(case.pk)).exists()
    elif visible:
        assert name not in offered
        with pytest.raises(TransitionRefused) as refused:
            fire(case, name, actor=user, version=case.version, **payload)
        assert str(refused.value) == (
            f"Your role does not allow “{wf.PETITION_WORKFLOW.by_name[name].label}” on this matter."
        )
        assert snapshot.unchanged()
        assert snapshot.refusal_audited()
    else:
        assert offered == set()
        with pytest.raises(Http404):
            fire(case, name, actor=user, version=case.version, **payload)
        assert snapshot.unchanged()
        assert snapshot.denial_audited()


# --------------------------------------------------------------------------- bad input


@pytest.fixture
def case(petition):
    return petition.case


def refused(case, name, user, message=None, *, version=None, **payload):
    """Fire, expect a refusal with `message`, and check nothing changed and it was audited."""
    snapshot = Snapshot(case)
    current = Case.objects.get(pk=case.pk)
    with pytest.raises((TransitionRefused, StaleCase)) as caught:
        fire(
            current,
            name,
            actor=user,
            version=current.version if version is None else version,
            **payload,
        )
    if message is not None:
        assert str(caught.value) == str(message)
    assert snapshot.unchanged()
    assert snapshot.refusal_audited()
    entry = AuditEntry.objects.filter(action="case.transition_refused").order_by("-seq").first()
    assert entry.target_id == str(case.pk)
    assert entry.diff["transition"] == name
    assert entry.diff["reason"] == str(caught.value)
    return caught.value


def test_it_refuses_a_reply_dated_before_receipt(case, personas, unit, clerk):
    step(case, "accept", clerk, decided_on=case.received_on)
    step(case, "assign", clerk, unit=unit)
    before = case.received_on - timedelta(days=1)
    refused(
        case,
        "reply",
        personas[HANDLER],
        f"“Date of reply” cannot be earlier than {case.received_on.isoformat()}.",
        text="答复",
        delivery="post",
        replied_on=before,
    )


def test_it_refuses_a_reply_dated_in_the_future(case, personas, unit, clerk):
    bring_to(case.petition, "handling", personas, unit=unit)
    tomorrow = timezone.localdate() + timedelta(days=1)
    refused(
        case,
        "reply",
        personas[HANDLER],
        "“Date of reply” cannot be in the future.",
        text="答复",
        delivery="post",
        replied_on=tomorrow.isoformat(),
    )


def test_it_refuses_a_reply_without_text_or_delivery(case, personas, unit):
    bring_to(case.petition, "handling", personas, unit=unit)
    handler = personas[HANDLER]
    refused(case, "reply", handler, "Please fill in “Text”.", text=" ", delivery="post")
    refused(case, "reply", handler, wf.MSG_DELIVERY, text="答复", delivery="pigeon")


def test_it_records_the_reply(case, personas, unit):
    bring_to(case.petition, "handling", personas, unit=unit)
    handler = personas[HANDLER]
    step(
        case, "reply", handler, text="处理意见书正文", delivery="in_person", replied_on=days_ago(0)
    )
    petition = refresh(case.petition)
    assert (petition.reply_text, petition.replied_on) == ("处理意见书正文", days_ago(0))
    assert (petition.reply_delivery, petition.replied_by) == ("in_person", handler)
    assert CaseEvent.objects.get(case=case, kind="reply").note == "处理意见书正文"


TOLD = {"told_manner": "written"}


def _told(**payload):
    """An extension's payload with the telling of its reason (today, in writing)."""
    return {"told_on": timezone.localdate(), **TOLD, **payload}


def test_it_allows_one_extension_only_by_the_offices_rule(case, personas, unit):
    bring_to(case.petition, "handling", personas, unit=unit)
    leader = personas[LEADER]
    due = running(case, "handling").due_on
    step(case, "extend", leader, **_told(reason="需现场勘查", new_due_on=due + timedelta(days=10)))
    petition = refresh(case.petition)
    assert petition.extension_due_on == due + timedelta(days=10)
    assert petition.extension_approved_by == Staff.objects.get(user=leader)
    assert petition.extension_reason == "需现场勘查"
    assert (petition.extension_count, petition.extension_from_due_on) == (1, due)
    error = refused(
        case,
        "extend",
        leader,
        wf.MSG_EXTEND_ONCE,
        **_told(reason="还要延", new_due_on=due + timedelta(days=20)),
    )
    assert "art. 34" not in str(error)  # the office's rule, not the Regulations'
    assert "extend" not in {t.name for t in available_transitions(case, leader)}


def test_it_allows_a_second_extension_within_30_days_in_total_where_the_office_does(
    case, personas, unit, settings
):
    settings.HUIYIN_PETITION_EXTEND_ONCE = False
    bring_to(case.petition, "handling", personas, unit=unit)
    leader = personas[LEADER]
    due = running(case, "handling").due_on
    step(case, "extend", leader, **_told(reason="需勘查", new_due_on=due + timedelta(days=10)))
    latest = wf.extension_limits(refresh(case.petition), running(case, "handling"))[1]
    error = refused(
        case, "extend", leader, **_told(reason="再延", new_due_on=latest + timedelta(days=1))
    )
    assert f"at most 30 days in total to the time limit {due.isoformat()}" in str(error)
    step(case, "extend", leader, **_told(reason="再延", new_due_on=latest))
    petition = refresh(case.petition)
    assert (petition.extension_count, petition.extension_due_on) == (2, latest)
    assert running(case, "handling").due_on == latest


def test_it_limits_the_extension_to_30_days(case, personas, unit):
    bring_to(case.petition, "handling", personas, unit=unit)
    leader = personas[LEADER]
    due = running(case, "handling").due_on
    error = refused(
        case, "extend", leader, **_told(reason="r", new_due_on=due + timedelta(days=45))
    )
    assert str(error).startswith("Extensions add at most 30 days in total")
    refused(
        case,
        "extend",
        leader,
        f"The new time limit must be later than the current one, {due.isoformat()}.",
        **_told(reason="r", new_due_on=due),
    )
    refused(case, "extend", leader, "Please fill in “Reason”.", **_told(reason="", new_due_on=due))


def _backdate_handling(case, due):
    """Make the running handling period end on `due` (a matter accepted long ago)."""
    from huiyin.cases.models import Clock

    Clock.objects.filter(case=case, code="handling", stopped_at__isnull=True).update(due_on=due)


def test_it_refuses_an_extension_approved_on_the_due_date(case, personas, unit):
    bring_to(case.petition, "handling", personas, unit=unit)
    leader = personas[LEADER]
    today = timezone.localdate()
    _backdate_handling(case, today)
    error = refused(
        case, "extend", leader, **_told(reason="迟了", new_due_on=today + timedelta(days=10))
    )
    assert "can no longer be extended" in str(error)
    assert "art. 34" in str(error)
    assert running(case, "handling").due_on == today


def test_it_names_the_due_date_in_chinese(case, personas, unit):
    from django.utils import translation

    from huiyin.cases.exceptions import TransitionRefused

    bring_to(case.petition, "handling", personas, unit=unit)
    today = timezone.localdate()
    _backdate_handling(case, today)
    current = Case.objects.get(pk=case.pk)
    with translation.override("zh-hans"), pytest.raises(TransitionRefused) as caught:
        fire(
            current,
            "extend",
            actor=personas[LEADER],
            version=current.version,
            **_told(reason="迟了", new_due_on=today + timedelta(days=5)),
        )
    assert f"{today.year}年{today.month}月{today.day}日" in str(caught.value.message)


def test_it_accepts_an_extension_approved_the_day_before_the_due_date(case, personas, unit):
    bring_to(case.petition, "handling", personas, unit=unit)
    leader = personas[LEADER]
    today = timezone.localdate()
    _backdate_handling(case, today + timedelta(days=1))
    step(
        case, "extend", leader, **_told(reason="赶在届满前", new_due_on=today + timedelta(days=20))
    )
    assert running(case, "handling").due_on == today + timedelta(days=20)
    assert not refresh(case.petition).extension_late


def test_it_refuses_a_backdated_approval_on_the_due_date(case, personas, clerk):
    step(case, "accept", clerk, decided_on=days_ago(10))
    today = timezone.localdate()
    due = today - timedelta(days=1)
    _backdate_handling(case, due)
    error = refused(
        case,
        "extend",
        personas[LEADER],
        **_told(reason="补录", new_due_on=due + timedelta(days=5), approved_on=due),
    )
    assert "can no longer be extended" in str(error)
    # The day before the due date was still in time.
    step(
        case,
        "extend",
        personas[LEADER],
        **_told(
            reason="补录", new_due_on=due + timedelta(days=5), approved_on=due - timedelta(days=1)
        ),
    )
    assert running(case, "handling").due_on == due + timedelta(days=5)


def test_it_records_a_late_extension_where_the_office_says_so(case, personas, unit, settings):
    settings.HUIYIN_PETITION_LATE_EXTENSION_RECORDED = True
    bring_to(case.petition, "handling", personas, unit=unit)
    leader = personas[LEADER]
    today = timezone.localdate()
    _backdate_handling(case, today - timedelta(days=2))
    step(case, "extend", leader, **_told(reason="逾期补批", new_due_on=today + timedelta(days=10)))
    petition = refresh(case.petition)
    assert petition.extension_late
    assert petition.extension_due_on == today + timedelta(days=10)
    handling = running(case, "handling")
    assert handling.due_on == today - timedelta(days=2)  # the period ended: still late
    assert CaseEvent.objects.get(case=case, kind="extend").data["late"] is True
    step(case, "reply", personas[HANDLER], text="答复", delivery="post")
    from huiyin.cases.models import Clock

    stopped = Clock.objects.get(case=case, code="handling")
    assert stopped.outcome == Clock.Outcome.LATE


def test_it_records_when_and_how_the_reason_was_told(case, personas, unit):
    bring_to(case.petition, "handling", personas, unit=unit)
    leader = personas[LEADER]
    due = running(case, "handling").due_on
    today = timezone.localdate()
    refused(
        case,
        "extend",
        leader,
        "Please fill in “How the petitioner was told”.",
        reason="r",
        new_due_on=due + timedelta(days=5),
        told_on=today,
    )
    refused(
        case,
        "extend",
        leader,
        "Please fill in “Date the petitioner was told”.",
        reason="r",
        new_due_on=due + timedelta(days=5),
        told_manner="phone",
    )
    refused(
        case,
        "extend",
        leader,
        wf.MSG_TOLD_MANNER,
        reason="r",
        new_due_on=due + timedelta(days=5),
        told_on=today,
        told_manner="pigeon",
    )
    step(
        case,
        "extend",
        leader,
        reason="需鉴定",
        new_due_on=due + timedelta(days=5),
        told_on=today,
        told_manner="phone",
    )
    petition = refresh(case.petition)
    assert (petition.extension_told_on, petition.extension_told_manner) == (today, "phone")
    assert petition.extension_approved_on == today
    data = CaseEvent.objects.get(case=case, kind="extend").data
    assert (data["told_on"], data["told_manner"]) == (today.isoformat(), "phone")
    assert data["approved_on"] == today.isoformat()


def test_it_refuses_to_conclude_without_a_reply(case, personas, unit, clerk):
    refused(case, "conclude", clerk, wf.MSG_NO_REPLY)
    bring_to(case.petition, "handling", personas, unit=unit)
    refused(case, "conclude", clerk, wf.MSG_NO_REPLY)
    assert "conclude" not in {t.name for t in available_transitions(case, clerk)}


def test_it_concludes_a_declined_matter_with_its_decline_notice(case, clerk):
    step(case, "decline", clerk, reason="已进入诉讼程序", referral=Referral.COURT)
    petition = refresh(case.petition)
    assert (petition.decline_reason, petition.referral_channel) == ("已进入诉讼程序", "court")
    # The notice is the answer: not recorded yet, the matter cannot be concluded.
    refused(case, "conclude", clerk, wf.MSG_NOTICE_FIRST)
    step(case, "record_notice", clerk, told_on=timezone.localdate(), told_manner="written")
    concluded = step(case, "conclude", clerk)
    assert concluded.status == Status.CONCLUDED and concluded.closed_at is not None
    assert CaseEvent.objects.get(case=case, kind="conclude").data["answer"] == "decline_notice"


def test_it_refuses_a_decline_without_reason_or_with_an_odd_referral(case, clerk):
    refused(case, "decline", clerk, "Please fill in “Reason”.", reason="")
    refused(case, "decline", clerk, wf.MSG_REFERRAL, reason="r", referral="astrology")


def test_it_concludes_a_transferred_matter(case, clerk):
    step(case, "transfer", clerk, transferred_to="区人社局", told_manner="written")
    assert refresh(case.petition).transferred_to == "区人社局"
    assert step(case, "conclude", clerk).status == Status.CONCLUDED


def test_it_refuses_to_assign_to_the_unit_complained_about(clerk, community, unit):
    case = register(clerk, community=community, complained_unit=unit).case
    step(case, "accept", clerk)
    refused(case, "assign", clerk, wf.MSG_ASSIGN_COMPLAINED, unit=unit)


def test_it_assigns_a_handler_of_the_unit_only(case, clerk, personas, unit, street):
    step(case, "accept", clerk)
    outsider_staff = Staff.objects.get(user=personas[Role.MEDIATOR])
    refused(case, "assign", clerk, wf.MSG_HANDLER_NOT_IN_UNIT, unit=unit, handler=outsider_staff)
    refused(case, "assign", clerk, wf.MSG_UNIT_UNKNOWN, unit=999_999)
    handler_staff = Staff.objects.get(user=personas[HANDLER])
    assigned = step(case, "assign", clerk, unit=unit.pk, handler=handler_staff.pk)
    assert (assigned.owner_unit, assigned.owner) == (unit, handler_staff)
    other = f.UnitFactory(street=street, name="社事办")
    reassigned = step(case, "assign", clerk, unit=other)
    assert (reassigned.owner_unit, reassigned.owner) == (other, None)


def test_it_makes_the_handler_the_owner_when_handling_starts(case, personas, unit):
    result = bring_to(case.petition, "handling", personas, unit=unit)
    assert result.owner == Staff.objects.get(user=personas[HANDLER])


def test_it_refuses_a_stale_version(case, clerk, personas):
    first = Case.objects.get(pk=case.pk)
    second = Case.objects.get(pk=case.pk)
    fire(first, "accept", actor=clerk, version=first.version)
    error = refused(case, "decline", clerk, MSG_STALE, version=second.version, reason="重复")
    assert isinstance(error, StaleCase)
    assert str(error) == "This matter was changed by someone else; reload it and try again."
    assert Case.objects.get(pk=case.pk).status == Status.ACCEPTED


def test_it_lets_two_stale_writers_fail_and_the_first_win(case, clerk, personas):
    seen = Case.objects.get(pk=case.pk).version
    fire(case, "accept", actor=clerk, version=seen)
    for name, payload in (("decline", {"reason": "r"}), ("transfer", {"transferred_to": "区"})):
        refused(case, name, clerk, MSG_STALE, version=seen, **payload)
    assert Case.objects.get(pk=case.pk).version == seen + 1


def test_it_refuses_a_transition_from_the_wrong_state(case, clerk):
    refused(
        case,
        "answer_review",
        clerk,
        "“Record the review answer” is not possible while the matter is “Registered”.",
        text="x",
    )


def test_it_records_a_late_review_request_and_flags_it(clerk, personas, community, unit):
    case = register(clerk, community=community, received_at=days_ago(80)).case
    step(case, "accept", clerk, decided_on=days_ago(79))
    step(
        case,
        "reply",
        clerk,
        text="答复",
        delivery="post",
        replied_on=days_ago(40),
        delivered_on=days_ago(38),
    )
    result = step(
        case, "request_review", clerk, text="不服", requested_on=days_ago(1), body="street"
    )
    assert result.status == Status.REVIEW_REQUESTED
    petition = refresh(case.petition)
    assert petition.review_request_late
    assert CaseEvent.objects.get(case=case, kind="request_review").data["late"] is True


def test_a_review_request_is_not_late_before_the_written_answer_was_delivered(clerk, community):
    """Posted 40 days ago and never recorded as received: the window never began (art. 35)."""
    case = register(clerk, community=community, received_at=days_ago(80)).case
    step(case, "accept", clerk, decided_on=days_ago(79))
    step(case, "reply", clerk, text="答复", delivery="post", replied_on=days_ago(40))
    assert running(case, "review_request") is None
    step(case, "request_review", clerk, requested_on=days_ago(1), body="district_government")
    assert not refresh(case.petition).review_request_late


def test_it_waits_for_the_review_answer_before_concluding(case, personas, unit, clerk):
    bring_to(case.petition, "review_requested", personas, unit=unit)
    refused(case, "conclude", clerk, wf.MSG_REQUEST_PENDING)


def test_it_reopens_a_concluded_matter_for_a_review_once(case, personas, unit, clerk):
    bring_to(case.petition, "replied", personas, unit=unit)
    concluded = step(case, "conclude", clerk)
    assert concluded.closed_at is not None
    assert refresh(case.petition).concluded_on == timezone.localdate()
    reopened = step(case, "request_review", clerk, body="street")
    assert (reopened.status, reopened.closed_at) == (Status.REVIEW_REQUESTED, None)
    assert refresh(case.petition).concluded_on is None
    step(case, "answer_review", clerk, text="维持")
    step(case, "conclude", clerk)
    refused(case, "request_review", clerk, wf.MSG_REVIEW_ALREADY)


def test_it_closes_the_facts_after_the_reexamination(case, personas, unit):
    bring_to(case.petition, "reexam_answered", personas, unit=unit)
    petition = refresh(case.petition)
    assert petition.reexam_closed_facts
    assert petition.reexam_answer_text == "复核维持"


def test_it_keeps_the_handler_of_another_unit_out(case, personas, unit, street, clerk):
    bring_to(case.petition, "assigned", personas, unit=unit)
    other_unit = f.UnitFactory(street=street, name="经发办")
    stranger = f.person(HANDLER, username="handler-elsewhere", unit=other_unit)
    with pytest.raises(Http404):
        fire(case, "start_handling", actor=stranger, version=Case.objects.get(pk=case.pk).version)


def test_it_never_gives_the_matter_to_a_handler_who_stepped_aside_or_is_complained_about(
    case, clerk, personas, unit
):
    from huiyin.petitions import recusal
    from huiyin.petitions.transition_forms import TransitionForm

    step(case, "accept", clerk)
    handler_staff = Staff.objects.get(user=personas[HANDLER])
    recusal.recuse(case, actor=clerk, staff=handler_staff, reason="系信访人亲属")
    message = str(wf.MSG_HANDLER_CONCERNED) % {"name": handler_staff.name}
    refused(case, "assign", clerk, message, unit=unit, handler=handler_staff)
    # Nor is the person offered on the form.
    transition = workflow_for(case.kind).by_name["assign"]
    form = TransitionForm(transition, Case.objects.get(pk=case.pk), case.petition)
    assert handler_staff not in form.fields["handler"].queryset
    assert Case.objects.get(pk=case.pk).owner is None


def test_it_never_gives_the_matter_to_the_staff_member_it_complains_about(
    clerk, personas, community, unit
):
    handler_staff = Staff.objects.get(user=personas[HANDLER])
    case = register(clerk, community=community, complained_staff=handler_staff).case
    step(case, "accept", clerk)
    message = str(wf.MSG_HANDLER_CONCERNED) % {"name": handler_staff.name}
    refused(case, "assign", clerk, message, unit=unit, handler=handler_staff)
