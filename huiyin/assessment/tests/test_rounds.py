"""Rounds: computed → published (objections within the window) → final; manual awards."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from huiyin.assessment.models import Method, ObjectionOutcome, Round, RoundStatus, Score
from huiyin.assessment.services import rounds
from huiyin.assessment.services.common import AssessmentInvalid
from huiyin.org.roles import Role

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def office(personas):
    return personas[Role.GOVERNANCE_STAFF]


@pytest.fixture
def past(handled):
    today = timezone.localdate()
    return {
        "name": "上月考核",
        "start": today - timedelta(days=30),
        "end": today - timedelta(days=1),
    }


@pytest.fixture
def computed(office, scheme, past) -> Round:
    return rounds.create_round(actor=office, scheme=scheme, data=past)


def score_of(found: Round, community) -> Score:
    return found.scores.get(community=community)


def test_a_round_stores_every_body_ranked(computed, community, other_community, unit):
    computed.refresh_from_db()
    assert computed.status == RoundStatus.DRAFT and computed.computed_at is not None
    bodies = {(s.community_id, s.unit_id) for s in computed.scores.all()}
    assert {(community.pk, None), (other_community.pk, None), (None, unit.pk)} <= bodies
    for score in computed.scores.all():
        assert score.points.count() == 5
        assert score.total == sum(p.points for p in score.points.all() if p.points is not None)


def test_a_round_before_the_scheme_applies_is_refused(office, scheme, past):
    early = {**past, "start": scheme.valid_from - timedelta(days=1)}
    with pytest.raises(AssessmentInvalid) as refused:
        rounds.create_round(actor=office, scheme=scheme, data=early)
    assert "start" in refused.value.errors


def test_results_are_published_only_after_the_period(office, scheme, handled):
    today = timezone.localdate()
    found = rounds.create_round(
        actor=office,
        scheme=scheme,
        data={"name": "本月", "start": today - timedelta(days=3), "end": today},
    )
    with pytest.raises(AssessmentInvalid):
        rounds.publish_round(found, actor=office)


def test_a_body_objects_within_the_window_and_the_office_answers(
    computed, office, personas, community, other_community, scheme
):
    published = rounds.publish_round(computed, actor=office)
    assert published.objections_until == timezone.localdate() + timedelta(
        days=scheme.objection_days
    )
    worker = personas[Role.COMMUNITY_WORKER]  # 柑子园社区's own staff
    mine = score_of(computed, community).points.get(item__order=1)
    theirs = score_of(computed, other_community).points.get(item__order=1)
    objection = rounds.file_objection(mine, actor=worker, text="p4 的答复日期登记有误")
    with pytest.raises(PermissionDenied):
        rounds.file_objection(theirs, actor=worker, text="不是本社区")
    for role in (Role.GRID_WORKER, Role.DEPARTMENT_HANDLER, Role.PETITION_CLERK):
        with pytest.raises(PermissionDenied):
            rounds.file_objection(mine, actor=personas[role], text="x")
    # The office answers: accepted, the point changes and the ranking follows.
    answered = rounds.answer_objection(
        objection,
        actor=office,
        data={
            "outcome": "accepted",
            "answer": "经核实，更正为满分。",
            "new_points": mine.max_points,
        },
    )
    assert answered.outcome == ObjectionOutcome.ACCEPTED
    mine.refresh_from_db()
    assert mine.points == mine.max_points and mine.adjusted
    score = score_of(computed, community)
    assert score.total == sum(p.points for p in score.points.all() if p.points is not None)
    with pytest.raises(AssessmentInvalid):  # answered once
        rounds.answer_objection(
            objection, actor=office, data={"outcome": "rejected", "answer": "x"}
        )


def test_no_objection_after_the_window(computed, office, personas, community):
    rounds.publish_round(computed, actor=office)
    Round.objects.filter(pk=computed.pk).update(
        objections_until=timezone.localdate() - timedelta(days=1)
    )
    point = score_of(computed, community).points.first()
    with pytest.raises(AssessmentInvalid):
        rounds.file_objection(point, actor=personas[Role.COMMUNITY_WORKER], text="晚了")


def test_final_after_the_window_closed_and_every_objection_answered(
    computed, office, personas, community
):
    rounds.publish_round(computed, actor=office)
    point = score_of(computed, community).points.first()
    objection = rounds.file_objection(point, actor=office, text="代社区书面提出")
    with pytest.raises(AssessmentInvalid):  # the window is still open
        rounds.finalize(computed, actor=office)
    Round.objects.filter(pk=computed.pk).update(
        objections_until=timezone.localdate() - timedelta(days=1)
    )
    with pytest.raises(AssessmentInvalid) as refused:  # one objection unanswered
        rounds.finalize(computed, actor=office)
    assert rounds.MSG_PENDING in refused.value.errors["__all__"]
    rounds.answer_objection(
        objection, actor=office, data={"outcome": "rejected", "answer": "计算无误"}
    )
    assert rounds.finalize(computed, actor=office).status == RoundStatus.FINAL
    with pytest.raises(AssessmentInvalid):
        rounds.compute_round(computed, actor=office)


def test_a_manual_item_is_awarded_with_its_evidence(computed, office, community, scheme):
    manual = scheme.items.get(method=Method.MANUAL)
    from huiyin.assessment.bodies import Body

    body = Body("community", community.pk, community.name)
    with pytest.raises(AssessmentInvalid) as refused:
        rounds.award(
            computed,
            actor=office,
            item_id=manual.pk,
            body=body,
            data={"points": 4, "reason": "台账规范"},
            uploaded=None,
        )
    assert "file" in refused.value.errors
    exe = SimpleUploadedFile("a.pdf", b"MZ\x90\x00" * 10, "application/pdf")
    with pytest.raises(AssessmentInvalid) as refused:
        rounds.award(
            computed,
            actor=office,
            item_id=manual.pk,
            body=body,
            data={"points": 4, "reason": "台账规范"},
            uploaded=exe,
        )
    assert "file" in refused.value.errors
    with pytest.raises(AssessmentInvalid):  # more than the item's maximum
        rounds.award(
            computed,
            actor=office,
            item_id=manual.pk,
            body=body,
            data={"points": 99, "reason": "x"},
            uploaded=SimpleUploadedFile("e.pdf", PDF),
        )
    rounds.award(
        computed,
        actor=office,
        item_id=manual.pk,
        body=body,
        data={"points": "4", "reason": "台账规范"},
        uploaded=SimpleUploadedFile("台账.pdf", PDF),
    )
    point = score_of(computed, community).points.get(item=manual)
    assert point.points == Decimal("4.00") and point.detail["state"] == "manual"
