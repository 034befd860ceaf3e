"""The section ``risk_assessments`` of the statistics, counted by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest

from huiyin.org.roles import Role
from huiyin.reports import stats
from huiyin.riskassessments import services as s
from huiyin.riskassessments.tests.conftest import consultation_data, review_data

pytestmark = pytest.mark.django_db


def test_counts_by_status_level_and_measures(personas, assessment, office, unit):
    day = s.today()
    s.add_consultation(assessment, actor=office, data=consultation_data(day))
    point = s.add_risk_point(
        assessment,
        actor=office,
        data={"issue": "补偿安置标准", "likelihood": 4, "impact": 4, "measures": "公示"},
    )
    s.record_review(assessment, actor=office, data=review_data(day))
    assessment.refresh_from_db()
    s.conclude(assessment, actor=office, data={"level": "medium", "conclusion": "调整后实施"})
    owner = personas[Role.LEADER].staff.pk
    late = s.add_measure(
        point, actor=office, data={"action": "送达", "owner": owner, "due_on": day - timedelta(1)}
    )
    s.add_measure(
        point, actor=office, data={"action": "公示", "owner": owner, "due_on": day + timedelta(3)}
    )
    done = s.add_measure(
        point, actor=office, data={"action": "复核", "owner": owner, "due_on": day}
    )
    s.update_measure(done, actor=office, data={"status": "done", "done_on": day})
    assert late.overdue_on(day)
    period = stats.Period(day - timedelta(days=30), day)
    found = stats.compute(period)["risk_assessments"]
    assert found["opened"] == 1
    assert found["by_status"]["concluded"] == 1
    assert found["by_level"] == {"high": 0, "medium": 1, "low": 0}
    assert found["measures"] == {"set": 3, "open": 1, "done": 1, "overdue": 1, "dropped": 0}
    outsider = stats.compute(period, user=personas[Role.PETITION_CLERK])["risk_assessments"]
    assert outsider["opened"] == 0
    other = stats.compute(period, scope=stats.Scope(unit_id=unit.pk + 1000))
    assert other["risk_assessments"]["opened"] == 0
