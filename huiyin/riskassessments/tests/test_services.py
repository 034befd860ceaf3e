"""The rules of a decision risk assessment: the refusals, the rating bands, the bounded
consultation counts, the configurable levels and overdue measures at midnight."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.test import override_settings

from huiyin.cases.deadlines import CHINA_TZ
from huiyin.privacy.models import AuditEntry
from huiyin.riskassessments import levels
from huiyin.riskassessments import services as s
from huiyin.riskassessments.models import Consultation, Measure, RiskPoint, Status
from huiyin.riskassessments.tests.conftest import consultation_data, review_data

pytestmark = pytest.mark.django_db


def messages_of(exc) -> str:
    return " ".join(str(m) for found in exc.value.errors.values() for m in found)


def test_numbered_and_audited(assessment):
    assert assessment.number.endswith(f"稳评〔{assessment.year}〕001号")
    assert assessment.status == Status.DRAFT
    assert AuditEntry.objects.filter(action="riskassessment.create").count() == 1


def test_concluding_without_a_consultation_is_refused(office, assessment):
    day = s.today()
    assessment = s.record_review(assessment, actor=office, data=review_data(day))
    with pytest.raises(s.AssessmentInvalid) as exc:
        s.conclude(assessment, actor=office, data={"level": "low", "conclusion": "可以实施"})
    assert str(s.MSG_NEEDS_CONSULTATION) in messages_of(exc)
    assessment.refresh_from_db()
    assert assessment.status == Status.REVIEWED and not assessment.level


def test_concluding_without_the_whole_review_is_refused(office, assessment):
    day = s.today()
    s.add_consultation(assessment, actor=office, data=consultation_data(day))
    assessment.refresh_from_db()
    assert assessment.status == Status.CONSULTING
    with pytest.raises(s.AssessmentInvalid) as exc:
        s.conclude(assessment, actor=office, data={"level": "low", "conclusion": "可以实施"})
    assert str(s.MSG_NEEDS_REVIEW) in messages_of(exc)
    # A review missing one dimension is refused too, and writes nothing.
    partial = review_data(day)
    partial["controllability_finding"] = ""
    with pytest.raises(s.AssessmentInvalid):
        s.record_review(assessment, actor=office, data=partial)
    assessment.refresh_from_db()
    assert assessment.legality_finding == "" and assessment.status == Status.CONSULTING


def _concluded(office, assessment, level="medium"):
    day = s.today()
    s.add_consultation(assessment, actor=office, data=consultation_data(day))
    assessment = s.record_review(assessment, actor=office, data=review_data(day))
    return s.conclude(assessment, actor=office, data={"level": level, "conclusion": "调整后实施。"})


def test_a_decision_before_the_conclusion_is_refused(office, assessment):
    data = {"decision": "implement", "decision_body": "主任办公会"}
    with pytest.raises(s.AssessmentInvalid) as exc:
        s.decide(assessment, actor=office, data=data)
    assert str(s.MSG_NOT_CONCLUDED) in messages_of(exc)
    assessment = _concluded(office, assessment)
    assessment = s.decide(assessment, actor=office, data=data)
    assert assessment.status == Status.DECIDED
    with pytest.raises(s.AssessmentInvalid):
        s.decide(assessment, actor=office, data=data)


def test_a_high_level_leaves_only_postponing_or_not_implementing(office, assessment):
    assessment = _concluded(office, assessment, level="high")
    with pytest.raises(s.AssessmentInvalid) as exc:
        s.decide(assessment, actor=office, data={"decision": "implement", "decision_body": "会"})
    assert "decision" in exc.value.errors
    found = s.decide(assessment, actor=office, data={"decision": "postpone", "decision_body": "会"})
    assert found.decision == "postpone"


def test_a_concluded_assessment_takes_no_more_risk_points(office, assessment):
    assessment = _concluded(office, assessment)
    with pytest.raises(s.AssessmentInvalid):
        s.add_risk_point(
            assessment,
            actor=office,
            data={"issue": "补偿", "likelihood": 1, "impact": 1, "measures": "公示"},
        )


@pytest.mark.parametrize(
    "likelihood,impact,band",
    [
        (1, 1, "low"),
        (2, 3, "low"),
        (3, 2, "low"),
        (2, 4, "medium"),
        (3, 4, "medium"),
        (3, 5, "high"),
        (4, 4, "high"),
        (5, 5, "high"),
    ],
)
def test_rating_bands(office, assessment, likelihood, impact, band):
    point = s.add_risk_point(
        assessment,
        actor=office,
        data={
            "issue": "补偿安置标准",
            "likelihood": likelihood,
            "impact": impact,
            "measures": "公示",
        },
    )
    assert point.rating == likelihood * impact
    assert point.band == band


@pytest.mark.parametrize("likelihood,impact", [(0, 3), (6, 3), (3, 0), (3, 9), ("x", 2)])
def test_ratings_out_of_range_are_refused(office, assessment, likelihood, impact):
    with pytest.raises(s.AssessmentInvalid):
        s.add_risk_point(
            assessment,
            actor=office,
            data={"issue": "程序", "likelihood": likelihood, "impact": impact, "measures": "公开"},
        )
    assert not RiskPoint.objects.exists()


@pytest.mark.parametrize("issue", ["重点人员张某某", "住户 13800138000 反映", "稳控对象"])
def test_a_risk_point_is_an_issue_never_a_person(office, assessment, issue):
    with pytest.raises(s.AssessmentInvalid) as exc:
        s.add_risk_point(
            assessment,
            actor=office,
            data={"issue": issue, "likelihood": 3, "impact": 3, "measures": "公开"},
        )
    assert "issue" in exc.value.errors


@pytest.mark.parametrize(
    "counts",
    [
        {"participants": 0, "in_favour": 0, "against": 0, "neutral": 0},
        {"participants": 10, "in_favour": 6, "against": 3, "neutral": 2},
        {"participants": 10, "in_favour": -1, "against": 0, "neutral": 0},
        {"participants": 100_001, "in_favour": 0, "against": 0, "neutral": 0},
    ],
)
def test_consultation_counts_are_bounded(office, assessment, counts):
    with pytest.raises(s.AssessmentInvalid):
        s.add_consultation(assessment, actor=office, data=consultation_data(s.today(), **counts))
    assert not Consultation.objects.exists()


def test_consultation_counts_may_leave_some_unstated(office, assessment):
    row = s.add_consultation(
        assessment,
        actor=office,
        data=consultation_data(s.today(), participants=10, in_favour=6, against=3, neutral=1),
    )
    assert row.participants == 10


def test_only_the_office_changes_an_assessment(personas, assessment):
    from huiyin.org.roles import Role

    for role in (Role.LEADER, Role.AUDITOR, Role.COMMUNITY_WORKER):
        with pytest.raises(PermissionDenied):
            s.add_consultation(assessment, actor=personas[role], data=consultation_data(s.today()))


@override_settings(
    HUIYIN_RISK_LEVELS=[
        {"code": "A", "name": "A级", "advice": "不实施", "allows": ["reject"]},
        {"code": "B", "name": "B级", "advice": "可以实施"},
    ]
)
def test_levels_come_from_the_settings(office, assessment):
    assert [level.code for level in levels.levels()] == ["A", "B"]
    with pytest.raises(s.AssessmentInvalid):
        _concluded(office, assessment, level="medium")
    assessment.refresh_from_db()
    found = s.conclude(assessment, actor=office, data={"level": "A", "conclusion": "不实施"})
    with pytest.raises(s.AssessmentInvalid):
        s.decide(found, actor=office, data={"decision": "adjusted", "decision_body": "会"})


def test_a_measure_is_overdue_from_the_first_minute_after_its_due_day(office, assessment, personas):
    from huiyin.org.roles import Role

    point = s.add_risk_point(
        assessment,
        actor=office,
        data={"issue": "补偿安置标准", "likelihood": 4, "impact": 4, "measures": "公示"},
    )
    due = s.today() + timedelta(days=3)
    measure = s.add_measure(
        point,
        actor=office,
        data={"action": "分户送达评估结果", "owner": personas[Role.LEADER].staff.pk, "due_on": due},
    )
    last_minute = datetime.combine(due, datetime.max.time(), tzinfo=CHINA_TZ).replace(microsecond=0)
    with time_machine.travel(last_minute, tick=False):
        assert s.today() == due
        assert not measure.overdue_on(s.today())
        assert not s.overdue_measures().exists()
    with time_machine.travel(last_minute + timedelta(seconds=1), tick=False):
        assert measure.overdue_on(s.today())
        assert list(s.overdue_measures()) == [measure]
        # Done: no longer overdue, and the day it was done is required.
        with pytest.raises(s.AssessmentInvalid):
            s.update_measure(measure, actor=office, data={"status": "done"})
        done = s.update_measure(
            measure, actor=office, data={"status": "done", "done_on": s.today()}
        )
        assert not done.overdue_on(s.today())
        assert not s.overdue_measures().exists()
    assert Measure.objects.get().status == "done"
    assert AuditEntry.objects.filter(action="riskassessment.measure").count() == 2
