"""Supervision orders: issued by a leader from a matter, answered in writing, overdue in the
bell once, counted in the statistics, written as a 督办单."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone

from huiyin.assessment import documents
from huiyin.assessment.apps import SUPERVISION_EVENT
from huiyin.assessment.bodies import Body
from huiyin.assessment.models import Escalation, Result, SupervisionOrder
from huiyin.assessment.reminders import remind
from huiyin.assessment.services import supervision
from huiyin.assessment.services.common import AssessmentInvalid
from huiyin.cases.models import CaseEvent, Notification
from huiyin.org.roles import Role
from huiyin.petitions.tests.factories import register, step
from huiyin.reports import stats

pytestmark = pytest.mark.django_db


@pytest.fixture
def petition(personas, community, unit):
    """A petition assigned to 城建办 (which its handler therefore sees)."""
    clerk = personas[Role.PETITION_CLERK]
    found = register(clerk, community=community, title="楼道堆物久拖未决")
    step(step(found.case, "accept", clerk), "assign", clerk, unit=unit)
    found.refresh_from_db()
    return found


@pytest.fixture
def unit_body(unit):
    return Body("unit", unit.pk, unit.name)


def issue(personas, petition, unit_body, **more) -> SupervisionOrder:
    today = timezone.localdate()
    data = {
        "cases": [petition.case.number],
        "ground": "delay",
        "instruction": "请城建办五日内拿出处理意见，按时答复群众。",
        "requirements": "查明事实，依法答复，书面反馈是否采纳督办意见。",
        "issued_on": today,
        "deadline": today + timedelta(days=5),
        **more,
    }
    return supervision.issue_order(actor=personas[Role.LEADER], data=data, body=unit_body)


def test_a_leader_issues_an_order_from_a_matter_and_the_timeline_records_it(
    personas, petition, unit_body
):
    order = issue(personas, petition, unit_body)
    year = timezone.localdate().year
    assert order.number == f"浓洄督〔{year}〕001号"
    assert order.leader == personas[Role.LEADER].staff
    assert list(order.cases.all()) == [petition.case]
    event = CaseEvent.objects.get(case=petition.case, kind=SUPERVISION_EVENT)
    assert event.note.startswith("请城建办")
    assert event.data["number"] == order.number
    assert event.label != SUPERVISION_EVENT  # a readable label, not the code
    second = issue(personas, petition, unit_body)
    assert second.number == f"浓洄督〔{year}〕002号"


@pytest.mark.parametrize(
    "role", [Role.PETITION_CLERK, Role.COMMUNITY_WORKER, Role.DEPARTMENT_HANDLER, Role.AUDITOR]
)
def test_only_a_leader_or_the_office_issues_one(personas, petition, unit_body, role):
    with pytest.raises(PermissionDenied):
        supervision.issue_order(actor=personas[role], data={}, body=unit_body)


def test_an_order_needs_a_matter_the_issuer_may_see_and_a_sane_deadline(
    personas, petition, unit_body
):
    today = timezone.localdate()
    for bad, field in (
        ({"cases": []}, "cases"),
        ({"cases": ["浓洄信〔2026〕9999号"]}, "cases"),
        ({"cases": ["1" * 30]}, "cases"),
        ({"deadline": today - timedelta(days=1)}, "deadline"),
        ({"issued_on": today + timedelta(days=3)}, "issued_on"),
        ({"ground": "petitioned_too_often"}, "ground"),
        ({"instruction": ""}, "instruction"),
        ({"instruction": "x" * 5000}, "instruction"),
    ):
        with pytest.raises(AssessmentInvalid) as refused:
            issue(personas, petition, unit_body, **bad)
        assert field in refused.value.errors, bad
    assert not SupervisionOrder.objects.exists()
    assert not CaseEvent.objects.filter(kind=SUPERVISION_EVENT).exists()


def test_the_unit_answers_in_writing_and_the_office_closes(personas, petition, unit_body):
    order = issue(personas, petition, unit_body)
    handler = personas[Role.DEPARTMENT_HANDLER]  # 城建办's own staff
    with pytest.raises(PermissionDenied):
        supervision.record_feedback(order, actor=personas[Role.COMMUNITY_WORKER], data={})
    answered = supervision.record_feedback(
        order,
        actor=handler,
        data={"feedback": "已答复群众，采纳督办意见。", "result": Result.ADOPTED},
    )
    assert answered.feedback_on == timezone.localdate() and not answered.answered_late
    with pytest.raises(AssessmentInvalid):  # once
        supervision.record_feedback(
            answered, actor=handler, data={"feedback": "再", "result": "adopted"}
        )
    escalation = supervision.escalate(
        answered, actor=personas[Role.LEADER], data={"step": "interview"}
    )
    assert isinstance(escalation, Escalation)
    closed = supervision.close_order(
        answered, actor=personas[Role.GOVERNANCE_STAFF], data={"result_note": "已办结"}
    )
    assert closed.closed_on is not None
    with pytest.raises(AssessmentInvalid):
        supervision.escalate(closed, actor=personas[Role.LEADER], data={"step": "notice"})


def overdue_order(personas, petition, unit_body) -> SupervisionOrder:
    order = issue(personas, petition, unit_body)
    today = timezone.localdate()
    SupervisionOrder.objects.filter(pk=order.pk).update(
        issued_on=today - timedelta(days=10), deadline=today - timedelta(days=2)
    )
    return SupervisionOrder.objects.get(pk=order.pk)


def test_an_overdue_order_is_reminded_in_the_bell_once(personas, petition, unit_body):
    order = overdue_order(personas, petition, unit_body)
    today = timezone.localdate()
    assert remind(today)[0] == 1
    notes = Notification.objects.filter(codes=["supervision_order"])
    recipients = set(notes.values_list("recipient__username", flat=True))
    # The leader, the office and the unit's own handler: each may see the petition.
    assert {"leader", "governance", "handler"} <= recipients
    # Never someone who may not see the matter (the community worker: no petition view).
    assert "community1" not in recipients
    assert all(order.number in n.message for n in notes)
    count = notes.count()
    assert remind(today) == (0, 0)
    call_command("tick", stdout=io.StringIO())
    assert Notification.objects.filter(codes=["supervision_order"]).count() == count
    # A new deadline, past again, is reminded again.
    SupervisionOrder.objects.filter(pk=order.pk).update(deadline=today - timedelta(days=1))
    assert remind(today)[0] == 1


def test_an_answered_order_is_never_reminded(personas, petition, unit_body):
    order = overdue_order(personas, petition, unit_body)
    supervision.record_feedback(
        order,
        actor=personas[Role.GOVERNANCE_STAFF],
        data={"feedback": "书面反馈", "result": "partly"},
    )
    assert remind(timezone.localdate()) == (0, 0)


def test_the_dashboard_lists_the_overdue_orders(personas, petition, unit_body):
    late = overdue_order(personas, petition, unit_body)
    issue(personas, petition, unit_body)  # within its deadline
    assert list(supervision.overdue_orders()) == [late]
    assert list(supervision.overdue_orders(user=personas[Role.DEPARTMENT_HANDLER])) == [late]
    assert list(supervision.overdue_orders(user=personas[Role.GRID_WORKER])) == []


def test_the_statistics_count_orders_issued_answered_and_overdue(
    personas, petition, unit_body, unit
):
    late = overdue_order(personas, petition, unit_body)
    on_time = issue(personas, petition, unit_body)
    supervision.record_feedback(
        on_time,
        actor=personas[Role.DEPARTMENT_HANDLER],
        data={"feedback": "已办", "result": "adopted"},
    )
    issue(personas, petition, unit_body)  # open, within its deadline
    today = timezone.localdate()
    period = stats.Period(today - timedelta(days=30), today)
    s = stats.compute(period)["supervision"]
    assert (s["issued"], s["answered_on_time"], s["overdue"], s["open"]) == (3, 1, 1, 1)
    assert s["on_time_rate"] == 0.5
    assert stats.compute(period, scope=stats.Scope(unit_id=unit.pk))["supervision"]["issued"] == 3
    assert (
        stats.compute(period, scope=stats.Scope(community_id=petition.case.community_id))[
            "supervision"
        ]["issued"]
        == 0
    )
    assert stats.compute(period, user=personas[Role.PETITION_CLERK])["supervision"]["issued"] == 0
    assert late.overdue_on(today)


def test_the_supervision_order_document(personas, petition, unit_body, tmp_path):
    order = issue(personas, petition, unit_body)
    data = documents.order_docx(order)
    assert data[:2] == b"PK"
    import zipfile

    text = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    for expected in (order.number, petition.case.number, "拖延", "第四十条", unit_body.name):
        assert expected in text
    hidden = documents.order_docx(order, cases=[], hidden=1)
    assert (
        petition.case.number
        not in zipfile.ZipFile(io.BytesIO(hidden)).read("word/document.xml").decode()
    )
