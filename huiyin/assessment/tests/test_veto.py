"""Veto proposals rest on matters and handling records, never on a citizen's petition; the
street proposes, the district decides, and a decided veto marks the body in the ranking."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from huiyin.assessment.bodies import Body
from huiyin.assessment.models import Decision, SupervisionOrder, VetoProposal
from huiyin.assessment.scoring import score
from huiyin.assessment.services import supervision, veto
from huiyin.assessment.services.common import AssessmentInvalid
from huiyin.org.roles import Role
from huiyin.petitions.tests.factories import register

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(personas):
    return personas[Role.GOVERNANCE_STAFF]


@pytest.fixture
def body(community):
    return Body("community", community.pk, community.name)


@pytest.fixture
def dispute(personas, community, grid):
    from huiyin.disputes.services import register_dispute

    return register_dispute(
        personas[Role.GOVERNANCE_STAFF],
        title="工地欠薪引发聚集",
        community=community,
        grid=grid,
        source="application",
        received_on=timezone.localdate(),
        parties=[
            {"side": "a", "name": "甲某", "address": "一号楼"},
            {"side": "b", "name": "乙公司", "address": "二号楼"},
        ],
    )


def data(**more) -> dict:
    return {
        "ground": "major_incident",
        "rule": "目标管理责任书第五条：发生重大群体性事件且处置不力的",
        "investigation": "经调查，该社区未按规定上报、未落实处置措施。",
        "investigated_on": timezone.localdate(),
        **more,
    }


def test_a_proposal_without_a_matter_is_refused(office, body):
    with pytest.raises(AssessmentInvalid) as refused:
        veto.propose(actor=office, data=data(), body=body)
    assert refused.value.errors["cases"] == [veto.MSG_NO_MATTER]
    assert not VetoProposal.objects.exists()


def test_a_petition_is_never_a_ground(office, body, personas, community):
    petition = register(personas[Role.PETITION_CLERK], community=community)
    with pytest.raises(AssessmentInvalid) as refused:
        veto.propose(actor=office, data=data(cases=petition.case.number), body=body)
    assert "cases" in refused.value.errors
    assert petition.case.number in str(refused.value.errors["cases"][0])
    assert not VetoProposal.objects.exists()


def test_only_the_office_proposes(personas, body, dispute):
    for role in (Role.LEADER, Role.COMMUNITY_WORKER, Role.PETITION_CLERK):
        with pytest.raises(PermissionDenied):
            veto.propose(actor=personas[role], data=data(cases=dispute.number), body=body)


def test_a_proposal_on_a_matter_goes_its_way_to_the_district(
    office, body, dispute, personas, community
):
    proposal = veto.propose(actor=office, data=data(cases=dispute.number), body=body)
    assert list(proposal.cases.all()) == [dispute]
    today = timezone.localdate()
    with pytest.raises(AssessmentInvalid):  # the body is heard first
        veto.send(proposal, actor=office, data={"sent_on": today, "district_body": "区综治委"})
    proposal = veto.record_response(
        proposal,
        actor=personas[Role.COMMUNITY_WORKER],  # the community's own staff
        data={"response": "已整改，请求从轻。", "response_on": today},
    )
    with pytest.raises(AssessmentInvalid):  # no decision before it is sent
        veto.record_decision(
            proposal, actor=office, data={"decision": "approved", "decided_on": today}
        )
    proposal = veto.send(
        proposal, actor=office, data={"sent_on": today, "district_body": "区综治委"}
    )
    with pytest.raises(AssessmentInvalid):  # a decided veto needs its period of effect
        veto.record_decision(
            proposal, actor=office, data={"decision": "approved", "decided_on": today}
        )
    proposal = veto.record_decision(
        proposal,
        actor=office,
        data={
            "decision": "approved",
            "decided_on": today,
            "decision_ref": "区综治委〔2026〕3号",
            "effective_from": today,
            "effective_to": today + timedelta(days=364),
        },
    )
    assert proposal.decision == Decision.APPROVED
    with pytest.raises(AssessmentInvalid):  # closed
        veto.record_response(proposal, actor=office, data={"response": "x", "response_on": today})


def test_a_decided_veto_marks_the_body_in_the_ranking(office, body, dispute, scheme, community):
    proposal = veto.propose(actor=office, data=data(cases=dispute.number), body=body)
    today = timezone.localdate()
    VetoProposal.objects.filter(pk=proposal.pk).update(
        decision=Decision.APPROVED, effective_from=today - timedelta(days=10), effective_to=today
    )
    from huiyin.reports.stats import Period

    results = score(scheme, Period(today - timedelta(days=30), today))
    communities = [r for r in results if r.body.kind == "community"]
    mine = next(r for r in communities if r.body.id == community.pk)
    assert mine.vetoed
    assert communities[-1] is mine  # ranked after every body not vetoed
    # A proposal still pending, or a veto in effect outside the period, marks nothing.
    VetoProposal.objects.filter(pk=proposal.pk).update(effective_to=today - timedelta(days=40))
    later = score(scheme, Period(today - timedelta(days=30), today))
    assert not any(r.vetoed for r in later)


def test_a_proposal_may_rest_on_a_supervision_order_ignored(
    office, body, personas, community, unit
):
    clerk = personas[Role.PETITION_CLERK]
    petition = register(clerk, community=community)
    today = timezone.localdate()
    order = supervision.issue_order(
        actor=personas[Role.LEADER],
        data={
            "cases": [petition.case.number],
            "ground": "refused_opinion",
            "instruction": "限期落实处理意见。",
            "requirements": "书面反馈。",
            "deadline": today,
        },
        body=body,
    )
    proposal = veto.propose(
        actor=office, data=data(ground="order_ignored", orders=order.number), body=body
    )
    assert list(proposal.orders.all()) == [order]
    # An order to another body is no ground for this one.
    SupervisionOrder.objects.filter(pk=order.pk).update(community=None, unit=unit)
    with pytest.raises(AssessmentInvalid):
        veto.propose(actor=office, data=data(orders=order.number), body=body)
