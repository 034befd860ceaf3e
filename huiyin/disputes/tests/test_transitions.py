"""The dispute workflow: every transition allowed and refused per role, and out of order."""

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from huiyin.cases.exceptions import TransitionRefused
from huiyin.cases.models import Case, CaseEvent
from huiyin.cases.workflow import available_transitions
from huiyin.disputes import workflow as wf
from huiyin.disputes.models import Performance, RiskNote
from huiyin.disputes.tests import factories as df
from huiyin.org.roles import Role
from huiyin.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db

MEDIATOR, GOV = Role.MEDIATOR, Role.GOVERNANCE_STAFF

# transition: (the state it is fired from, steps before it, its payload); "A"/"B" are the
# parties, "TERM" the first performance term, "MEDIATOR" the committee's mediator.
SETUP = {
    "consent": ("registered", [], {"party": "A"}),
    "refuse": ("registered", [], {"party": "B"}),
    "tell_rights": ("registered", [], {}),
    "assign_mediators": ("registered", [], {"mediators": ["MEDIATOR"]}),
    "start_mediation": (
        "registered",
        [("consent", {"party": "A"}), ("consent", {"party": "B"}), ("tell_rights", {})],
        {},
    ),
    "record_session": ("mediating", [], {"place": "社区调解室", "summary": "双方陈述"}),
    "note_risk": ("registered", [], {"risk": "双方言语冲突", "measures": "分开调解"}),
    "report_to_police": (
        "registered",
        [("note_risk", {"risk": "扬言动手", "measures": "稳住情绪", "police_matter": True})],
        {"reported_to": "柑子园派出所"},
    ),
    "police_answer": (
        "registered",
        [
            ("note_risk", {"risk": "扬言动手", "measures": "稳住情绪"}),
            ("report_to_police", {"reported_to": "柑子园派出所"}),
        ],
        {"answer": "已安排民警回访"},
    ),
    "escalate": ("registered", [], {"to_tier": "street"}),
    "extend_court_period": (
        "registered",
        [],
        {"new_due_on": "COURT+10", "parties_consented": True},
    ),
    "transfer": ("registered", [], {"body_kind": "administrative", "body": "区住建委"}),
    "transfer_result": ("transferred", [], {"result": "resolved"}),
    "record_agreement": (
        "mediating",
        [("record_session", {"place": "社区调解室", "summary": "双方陈述"})],
        "WRITTEN",
    ),
    "sign_agreement": (
        "mediating",
        [
            ("record_session", {"place": "社区调解室", "summary": "双方陈述"}),
            ("record_agreement", "UNSIGNED"),
        ],
        {"mediator_signed_on": "TODAY"},
    ),
    "record_performance": ("agreed", [], {"term": "TERM", "result": "performed"}),
    "close": ("agreed", [("record_performance", {"term": "TERM", "result": "performed"})], {}),
    "tell_routes": ("mediating", [], {"routes_manner": "in_person"}),
    "fail": ("mediating", [], {"reason": "分歧过大", "routes_manner": "written"}),
    "apply_confirmation": ("agreed", [], {"court": "南岸区人民法院"}),
    "record_confirmation": (
        "agreed",
        [("apply_confirmation", {"court": "南岸区人民法院"})],
        {"result": "confirmed"},
    ),
    "mediate_again": (
        "agreed",
        [
            ("apply_confirmation", {"court": "南岸区人民法院"}),
            ("record_confirmation", {"result": "rejected"}),
        ],
        {},
    ),
    "record_followup": ("agreed", [], {"note": "回访：双方满意"}),
    "correct_details": ("registered", [], {"category": "TYPE:欠薪", "reason": "登记时类型有误"}),
}
#: Disputes registered otherwise than the default.
REGISTER = {
    "extend_court_period": {
        "source": "court_assigned",
        "court_name": "南岸区人民法院",
        "court_document": "（2026）川1502民诉前调123号",
    }
}
TARGET = {
    "refuse": "refused",
    "start_mediation": "mediating",
    "transfer": "transferred",
    "record_agreement": "agreed",
    "record_performance": "performing",
    "close": "closed",
    "fail": "failed",
    "mediate_again": "mediating",
}
MEDIATE = {GOV, Role.COMMUNITY_WORKER, MEDIATOR}
WORK = MEDIATE | {Role.GRID_WORKER}
ALLOWED = {t.name: WORK if "disputes.screen" in t.perms else MEDIATE for t in wf.TRANSITIONS}
#: Who sees a dispute of 柑子园社区, 第1网格.
VIEWERS = WORK | {Role.LEADER, Role.AUDITOR, Role.DISTRICT}


def test_it_declares_every_transition_of_the_table_here():
    assert set(SETUP) == {t.name for t in wf.TRANSITIONS}
    assert ALLOWED["note_risk"] == WORK and ALLOWED["record_session"] == MEDIATE
    assert wf.PAYLOAD["record_session"][0] == ("place", "summary")


def _payload(case, payload):
    if payload == "WRITTEN":
        return df.written_agreement(case)
    if payload == "UNSIGNED":
        return df.written_agreement(case, sign=False)
    parties = df.parties(case)
    out = dict(payload)
    for key, value in payload.items():
        if value == "A":
            out[key] = parties[0].pk
        elif value == "B":
            out[key] = parties[-1].pk
        elif value == "TERM":
            term = Performance.objects.filter(agreement__dispute_id=case.pk).first()
            out[key] = term.pk if term else 1
        elif value == "TODAY":
            out[key] = timezone.localdate()
        elif value == "COURT+10":
            clock = df.running(case, "court_assigned")
            out[key] = (clock.due_on if clock else timezone.localdate()) + timedelta(days=10)
        elif isinstance(value, str) and value.startswith("TYPE:"):
            out[key] = df.dispute_type(value.removeprefix("TYPE:")).pk
        elif value == ["MEDIATOR"]:
            out[key] = [m.pk for m in df._mediators(case)]
    return out


def _prepare(personas, community, grid, name):
    df.committee(community)
    case = df.register(personas[GOV], community=community, grid=grid, **REGISTER.get(name, {}))
    state, before, _payload_spec = SETUP[name]
    case = df.bring_to(case, state, personas)
    for step_name, payload in before:
        role = MEDIATOR if MEDIATOR in ALLOWED[step_name] else GOV
        case = df.step(case, step_name, personas[role], **_payload(case, payload))
    return case


class Snapshot:
    def __init__(self, case):
        self.case = case
        self.state = self.read()
        self.refusals = AuditEntry.objects.filter(action="case.transition_refused").count()

    def read(self):
        case = Case.objects.get(pk=self.case.pk)
        return (
            case.status,
            case.version,
            case.due_on,
            case.owner_id,
            CaseEvent.objects.filter(case=case).count(),
            case.clocks.count(),
        )

    def unchanged(self):
        return self.read() == self.state

    def refusal_audited(self):
        count = AuditEntry.objects.filter(action="case.transition_refused").count()
        return count == self.refusals + 1


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("name", list(SETUP))
def test_it_allows_and_refuses_each_transition_per_role(personas, community, grid, name, role):
    case = _prepare(personas, community, grid, name)
    payload = _payload(case, SETUP[name][2])
    snapshot = Snapshot(case)
    actor = personas[role]
    if role in ALLOWED[name]:
        after = df.step(case, name, actor, **payload)
        assert after.status == TARGET.get(name, case.status)
        assert after.version == case.version + 1
        event = CaseEvent.objects.filter(case=case).exclude(kind="clock_started").latest("id")
        assert event.kind == name and event.actor == actor
        assert AuditEntry.objects.filter(action="case.transition", target_id=str(case.pk)).exists()
    elif role in VIEWERS:
        with pytest.raises(TransitionRefused) as refused:
            df.step(case, name, actor, **payload)
        assert "Your role does not allow" in str(refused.value.message)
        assert snapshot.unchanged() and snapshot.refusal_audited()
    else:
        with pytest.raises(Http404):
            df.step(case, name, actor, **payload)
        assert snapshot.unchanged()


#: A state each transition cannot be fired from ("correct_details" may be fired from every
#: state but refuses an ended dispute in words of its own: test_correction.py).
WRONG_STATE = {
    name: next(
        s
        for s in ("closed", "registered", "mediating", "refused", "agreed")
        if s not in next(t.sources for t in wf.TRANSITIONS if t.name == name)
    )
    for name in SETUP
    if name != "correct_details"
}


@pytest.mark.parametrize("name", list(WRONG_STATE))
def test_it_refuses_each_transition_out_of_order(personas, community, grid, name):
    df.committee(community)
    case = df.register(personas[GOV], community=community, grid=grid)
    case = df.bring_to(case, WRONG_STATE[name], personas)
    snapshot = Snapshot(case)
    with pytest.raises(TransitionRefused) as refused:
        df.step(case, name, personas[GOV], **_payload(case, SETUP[name][2]))
    assert "is not possible while the matter is" in str(refused.value.message)
    assert snapshot.unchanged() and snapshot.refusal_audited()


@pytest.fixture
def case(personas, community, grid):
    df.committee(community)
    return df.register(personas[GOV], community=community, grid=grid)


def test_a_refusal_by_either_party_ends_the_mediation(case, personas, mediator_user):
    case = df.bring_to(case, "mediating", personas)
    df.step(case, "note_risk", mediator_user, risk="扬言报复", measures="分别做工作")
    assert df.running(case, "mediation_guideline") is not None
    b = df.parties(case)[-1]
    after = df.step(case, "refuse", mediator_user, party=b.pk, note="被申请人明确拒绝调解")
    assert after.status == "refused" and after.closed_at is not None
    dispute = after.dispute
    assert dispute.outcome == "refused" and dispute.ended_on == timezone.localdate()
    assert df.running(case, "mediation_guideline") is None
    # The risk note ends with the dispute (never carried on).
    assert not RiskNote.objects.filter(dispute=dispute, ended_on__isnull=True).exists()
    names = {t.name for t in available_transitions(after, mediator_user)}
    assert names == {"tell_routes"}


def test_a_refusal_before_mediation_means_no_mediation(case, mediator_user):
    a = df.parties(case)[0]
    after = df.step(
        case, "refuse", mediator_user, party=a.pk, routes_manner="written", routes_text="可诉讼"
    )
    assert after.status == "refused"
    assert after.dispute.routes_told_on == timezone.localdate()


def test_mediation_starts_only_with_every_consent_and_the_rights_told(case, mediator_user):
    a, b = df.parties(case)
    with pytest.raises(TransitionRefused) as refused:
        df.step(case, "start_mediation", mediator_user)
    assert "every party's consent" in str(refused.value.message)
    assert "张*" in str(refused.value.message) and "李*" in str(refused.value.message)
    df.step(case, "consent", mediator_user, party=a.pk)
    df.step(case, "consent", mediator_user, party=b.pk)
    with pytest.raises(TransitionRefused) as refused:
        df.step(case, "start_mediation", mediator_user)
    assert "rights and duties" in str(refused.value.message)
    df.step(case, "tell_rights", mediator_user, party=a.pk)
    with pytest.raises(TransitionRefused) as refused:
        df.step(case, "start_mediation", mediator_user)
    assert "李*" in str(refused.value.message) and "张*" not in str(refused.value.message)
    df.step(case, "tell_rights", mediator_user, party=b.pk)
    assert df.step(case, "start_mediation", mediator_user).status == "mediating"


def test_mediation_needs_a_party_on_each_side(personas, community, mediator_user):
    case = df.register(personas[GOV], community=community, parties=[df.person("张三", "a")])
    a = df.parties(case)[0]
    df.step(case, "consent", mediator_user, party=a.pk)
    df.step(case, "tell_rights", mediator_user)
    with pytest.raises(TransitionRefused) as refused:
        df.step(case, "start_mediation", mediator_user)
    assert "each side" in str(refused.value.message)


def test_a_consent_names_a_party_of_this_dispute(case, personas, community, mediator_user):
    other = df.register(personas[GOV], community=community)
    with pytest.raises(TransitionRefused) as refused:
        df.step(case, "consent", mediator_user, party=df.parties(other)[0].pk)
    assert "party of this dispute" in str(refused.value.message)
    for bad in ("abc", 10**30, -1, "1" * 5000):
        with pytest.raises(TransitionRefused):
            df.step(case, "consent", mediator_user, party=bad)


@pytest.mark.parametrize(
    "missing",
    [
        "facts_and_issues",
        "responsibilities",
        "terms",
        "performance_manner",
        "performance_place",
        "performance",
    ],
)
def test_a_written_agreement_without_its_article_29_contents_is_refused(
    case, personas, mediator_user, missing
):
    case = df.bring_to(case, "mediating", personas)
    df.step(case, "record_session", mediator_user, place="调解室", summary="双方陈述")
    payload = df.written_agreement(case, **{missing: [] if missing == "performance" else ""})
    snapshot = Snapshot(case)
    with pytest.raises(TransitionRefused) as refused:
        df.step(case, "record_agreement", mediator_user, **payload)
    message = str(refused.value.message)
    assert "art. 29" in message
    from huiyin.disputes.checks import label

    assert label(missing) in message
    assert snapshot.unchanged()
    # The same contents as an oral agreement, with its content recorded: accepted.
    oral = {"form": "oral", "content": "楼上住户当场赔偿2000元，双方和解。"}
    after = df.step(case, "record_agreement", mediator_user, **oral)
    assert after.status == "agreed"
    agreement = after.dispute.current_agreement()
    assert agreement.effective_on == agreement.reached_on == timezone.localdate()
    # An oral agreement is not one the parties take to court for confirmation.
    assert df.running(case, "judicial_confirmation") is None


def test_a_written_agreement_names_each_party_with_an_address(personas, community, mediator_user):
    parties = [df.person("张三", "a", address=""), df.person("李四", "b", id_number=df.ID_2)]
    case = df.register(personas[GOV], community=community, parties=parties)
    df.committee(community)
    case = df.bring_to(case, "mediating", personas)
    df.step(case, "record_session", mediator_user, place="调解室", summary="双方陈述")
    with pytest.raises(TransitionRefused) as refused:
        df.step(case, "record_agreement", mediator_user, **df.written_agreement(case))
    assert "address is missing for 张*" in str(refused.value.message)


def test_an_oral_agreement_needs_its_content(case, personas, mediator_user):
    case = df.bring_to(case, "mediating", personas)
    df.step(case, "record_session", mediator_user, place="调解室", summary="双方陈述")
    with pytest.raises(TransitionRefused) as refused:
        df.step(case, "record_agreement", mediator_user, form="oral")
    assert "content of the oral agreement" in str(refused.value.message)


def test_an_agreement_comes_out_of_a_session(case, personas, mediator_user):
    case = df.bring_to(case, "mediating", personas)
    with pytest.raises(TransitionRefused) as refused:
        df.step(case, "record_agreement", mediator_user, **df.written_agreement(case))
    assert "session" in str(refused.value.message)


def test_the_agreement_takes_effect_on_the_last_signature_or_seal(case, personas, mediator_user):
    case = df.bring_to(case, "mediating", personas)
    df.step(case, "record_session", mediator_user, place="调解室", summary="双方陈述")
    today = timezone.localdate()
    a, b = df.parties(case)
    payload = df.written_agreement(case, sign=False)
    payload.update(signatures={a.pk: today}, mediator_signed_on=today)
    after = df.step(case, "record_agreement", mediator_user, **payload)
    agreement = after.dispute.current_agreement()
    assert agreement.effective_on is None
    assert df.running(case, "judicial_confirmation") is None
    assert df.running(case, "performance") is None
    # Nothing new: refused; then B signs, and the seal is affixed: in effect that day.
    with pytest.raises(TransitionRefused):
        df.step(case, "sign_agreement", mediator_user)
    df.step(case, "sign_agreement", mediator_user, signatures=[{"party": b.pk, "on": today}])
    assert after.dispute.current_agreement().effective_on is None
    df.step(case, "sign_agreement", mediator_user, sealed_on=today)
    agreement.refresh_from_db()
    assert agreement.effective_on == today
    window = df.running(case, "judicial_confirmation")
    assert window is not None and window.party == "petitioner"
    assert df.running(case, "performance").due_on >= today + timedelta(days=10)
    with pytest.raises(TransitionRefused) as refused:
        df.step(case, "sign_agreement", mediator_user, sealed_on=today)
    assert "No written agreement is waiting" in str(refused.value.message)


def test_a_failure_needs_the_notice_of_other_routes(case, personas, mediator_user):
    case = df.bring_to(case, "mediating", personas)
    with pytest.raises(TransitionRefused) as refused:
        df.step(case, "fail", mediator_user, reason="分歧过大")
    assert "art. 26" in str(refused.value.message)
    df.step(case, "tell_routes", mediator_user, routes_manner="written", routes_text="可申请仲裁")
    with pytest.raises(TransitionRefused):
        df.step(case, "tell_routes", mediator_user, routes_manner="written")
    after = df.step(case, "fail", mediator_user, reason="分歧过大")
    assert after.status == "failed" and after.dispute.outcome == "failed"
    assert after.dispute.routes_text == "可申请仲裁"


def test_closing_needs_every_term_checked_and_a_note_when_unperformed(
    case, personas, mediator_user
):
    case = df.bring_to(case, "agreed", personas)
    with pytest.raises(TransitionRefused) as refused:
        df.step(case, "close", mediator_user)
    assert "every term" in str(refused.value.message)
    term = Performance.objects.get(agreement__dispute_id=case.pk)
    df.step(case, "record_performance", mediator_user, term=term.pk, result="not_performed")
    with pytest.raises(TransitionRefused) as refused:
        df.step(case, "close", mediator_user)
    assert "not fully performed" in str(refused.value.message)
    after = df.step(case, "close", mediator_user, note="已告知可向人民法院起诉")
    assert after.status == "closed" and after.closed_at is not None
    assert df.running(case, "performance") is None


def test_invitees_come_only_with_the_parties_consent(case, personas, mediator_user):
    case = df.bring_to(case, "mediating", personas)
    with pytest.raises(TransitionRefused) as refused:
        df.step(
            case, "record_session", mediator_user, place="调解室", summary="记录", invitees="楼长"
        )
    assert "art. 20" in str(refused.value.message)
    df.step(
        case,
        "record_session",
        mediator_user,
        place="调解室",
        summary="记录",
        invitees="楼长、双方亲属各一人",
        invitees_consented=True,
        public=True,
    )


def test_escalation_goes_up_and_restarts_the_guideline(case, personas, governance):
    case = df.bring_to(case, "mediating", personas)
    street_committee = df.committee(street=case.street)
    first = df.running(case, "mediation_guideline")
    with pytest.raises(TransitionRefused) as refused:
        df.step(case, "escalate", governance, to_tier="grid")
    assert "higher tier" in str(refused.value.message)
    with pytest.raises(TransitionRefused):
        df.step(case, "escalate", governance, to_tier="district", committee=street_committee.pk)
    after = df.step(case, "escalate", governance, to_tier="street", committee=street_committee.pk)
    dispute = after.dispute
    assert (dispute.tier, dispute.committee_id) == ("street", street_committee.pk)
    assert list(dispute.mediators.all()) == []
    second = df.running(case, "mediation_guideline")
    assert second.pk != first.pk and second.started_on == timezone.localdate()
    df.step(case, "escalate", governance, to_tier="district")
    with pytest.raises(TransitionRefused) as refused:
        df.step(case, "escalate", governance, to_tier="district")
    assert "highest tier" in str(refused.value.message)


def test_a_court_period_is_extended_only_with_every_partys_consent(personas, community, governance):
    case = df.register(governance, community=community, **REGISTER["extend_court_period"])
    mediator = personas[MEDIATOR]
    due = df.running(case, "court_assigned").due_on
    with pytest.raises(TransitionRefused) as refused:
        df.step(
            case,
            "extend_court_period",
            mediator,
            new_due_on=due + timedelta(days=10),
            parties_consented=False,
        )
    assert "consent" in str(refused.value.message)
    with pytest.raises(TransitionRefused):
        df.step(case, "extend_court_period", mediator, new_due_on=due, parties_consented=True)
    df.step(
        case,
        "extend_court_period",
        mediator,
        new_due_on=due + timedelta(days=10),
        parties_consented="yes",
    )
    clock = df.running(case, "court_assigned")
    assert clock.extended and clock.due_on == due + timedelta(days=10)
    assert df.refresh(case).dispute.court_extended_to == clock.due_on
