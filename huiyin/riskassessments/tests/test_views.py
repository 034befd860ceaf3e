"""The pages: who may read and change, the steps through the forms, the report as a document,
the demo."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils import translation
from docx import Document

from huiyin.org.roles import Role
from huiyin.privacy.models import AuditEntry
from huiyin.riskassessments import services as s
from huiyin.riskassessments.models import Consultation, RiskAssessment, Status
from huiyin.riskassessments.tests.conftest import consultation_data, review_data
from huiyin.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


def client_of(client, user):
    client.force_login(user)
    return client


def test_readers_read_and_only_the_office_changes(client, personas, outsider, assessment):
    detail = reverse("riskassessments:detail", args=[assessment.pk])
    for role in (Role.LEADER, Role.AUDITOR, Role.COMMUNITY_WORKER, Role.GOVERNANCE_STAFF):
        client.force_login(personas[role])
        assert client.get(reverse("riskassessments:index")).status_code == 200
        assert client.get(detail).status_code == 200
    for role in (Role.PETITION_CLERK, Role.GRID_WORKER, Role.MEDIATOR, Role.DEPARTMENT_HANDLER):
        client.force_login(personas[role])
        assert client.get(reverse("riskassessments:index")).status_code == 403
        assert client.get(detail).status_code == 403
        assert (
            client.get(reverse("riskassessments:document", args=[assessment.pk])).status_code == 403
        )
    client.force_login(outsider)
    assert client.get(detail).status_code == 403
    client.force_login(personas[Role.LEADER])
    post = reverse("riskassessments:consultation_add", args=[assessment.pk])
    assert client.post(post, consultation_data(s.today())).status_code == 403
    assert client.get(reverse("riskassessments:new")).status_code == 403
    assert not Consultation.objects.exists()
    client.logout()
    assert client.get(detail).status_code == 302  # to the login page


def test_unknown_ids_are_404(client, personas):
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    assert client.get("/risk-assessments/999999/").status_code == 404
    assert client.get("/risk-assessments/99999999999999999999999/").status_code == 404


def test_the_office_walks_an_assessment_through_its_steps(client, personas, unit):
    office = client_of(client, personas[Role.GOVERNANCE_STAFF])
    day = s.today().isoformat()
    response = office.post(
        reverse("riskassessments:new"),
        {
            "title": "老旧小区改造项目",
            "description": "加装电梯、管网改造。",
            "unit": unit.pk,
            "leader": personas[Role.LEADER].staff.pk,
            "assessor_kind": "third_party",
            "assessor_name": "某评估机构",
            "plan": "问卷、座谈。",
            "opened_on": day,
        },
    )
    found = RiskAssessment.objects.get()
    assert response.status_code == 302
    detail = reverse("riskassessments:detail", args=[found.pk])
    # The counts beyond the participants: a clear message, nothing written.
    with translation.override("en"):
        bad = consultation_data(day, participants=5, in_favour=5, against=1, neutral=0)
        page = office.post(
            reverse("riskassessments:consultation_add", args=[found.pk]), bad, follow=True
        )
    assert "超过参与人数5人" in page.content.decode()
    assert not Consultation.objects.exists()
    office.post(
        reverse("riskassessments:consultation_add", args=[found.pk]), consultation_data(day)
    )
    office.post(
        reverse("riskassessments:risk_add", args=[found.pk]),
        {"issue": "补偿安置标准", "likelihood": 4, "impact": 4, "measures": "评估结果公示"},
    )
    office.post(reverse("riskassessments:review", args=[found.pk]), review_data(day))
    office.post(
        reverse("riskassessments:conclude", args=[found.pk]),
        {"level": "medium", "conclusion": "调整后实施", "concluded_on": day},
    )
    office.post(
        reverse("riskassessments:decide", args=[found.pk]),
        {"decision": "adjusted", "decided_on": day, "decision_body": "主任办公会"},
    )
    point = found.risk_points.get()
    office.post(
        reverse("riskassessments:measure_add", args=[found.pk]),
        {
            "risk_point": point.pk,
            "action": "分户送达评估结果",
            "owner": personas[Role.LEADER].staff.pk,
            "due_on": day,
        },
    )
    found.refresh_from_db()
    assert found.status == Status.DECIDED and found.level == "medium"
    measure = point.followups.get()
    office.post(
        reverse("riskassessments:measure_update", args=[measure.pk]),
        {"status": "done", "done_on": day, "version": measure.version, "next": "measures"},
    )
    measure.refresh_from_db()
    assert measure.status == "done"
    page = office.get(detail).content.decode()
    assert "补偿安置标准" in page and 'data-band="high"' in page
    assert office.get(reverse("riskassessments:measures") + "?show=all").status_code == 200
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "riskassessment.create",
        "riskassessment.consultation",
        "riskassessment.risk",
        "riskassessment.review",
        "riskassessment.conclude",
        "riskassessment.decide",
        "riskassessment.measure",
    } <= actions


def test_the_report_names_the_title_and_the_risk_points(client, personas, assessment):
    office = personas[Role.GOVERNANCE_STAFF]
    day = s.today()
    s.add_consultation(assessment, actor=office, data=consultation_data(day))
    s.add_risk_point(
        assessment,
        actor=office,
        data={"issue": "补偿安置标准", "likelihood": 4, "impact": 4, "measures": "评估结果公示"},
    )
    s.add_risk_point(
        assessment,
        actor=office,
        data={"issue": "征收程序公开", "likelihood": 2, "impact": 3, "measures": "全程公开"},
    )
    client.force_login(personas[Role.AUDITOR])
    response = client.get(reverse("riskassessments:document", args=[assessment.pk]))
    assert response.status_code == 200
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert "柑子园社区危旧房屋征收拆迁项目" in text and "社会稳定风险评估报告" in text
    assert "补偿安置标准" in cells and "征收程序公开" in cells and "16（较高）" in cells
    assert "拟征收房屋住户" in cells
    assert doc.core_properties.title == f"社会稳定风险评估报告 {assessment.number}"
    assert AuditEntry.objects.filter(action="document.export").count() == 1


def test_the_document_engine_finds_the_report_by_its_number(assessment):
    from huiyin.reports import documents
    from huiyin.reports.documents.render import find_subject

    spec = documents.by_name("社会稳定风险评估报告")
    subject = find_subject(assessment.number)
    assert subject == assessment
    doc = Document(io.BytesIO(documents.render(spec, subject)))
    assert any(assessment.title in p.text for p in doc.paragraphs)


def test_the_demo_loads_a_demolition_project_through_every_step(db):
    from huiyin.org import demo as org_demo
    from huiyin.riskassessments import demo

    org_demo.load_organisation()
    org_demo.load_accounts(PASSWORD)
    out = io.StringIO()
    demo.load(out)
    demo.load(out)  # idempotent
    renewal = RiskAssessment.objects.get(title=demo.RENEWAL)
    assert RiskAssessment.objects.count() == 2
    assert renewal.status == Status.DECIDED and renewal.level == "medium"
    assert renewal.consultations.count() == 3
    assert renewal.risk_points.count() == 4
    day = s.today()
    measures = [m for p in renewal.risk_points.all() for m in p.followups.all()]
    assert sorted(m.status for m in measures) == ["done", "open", "open"]
    assert sum(m.overdue_on(day) for m in measures) == 1
    assert RiskAssessment.objects.exclude(pk=renewal.pk).get().status == Status.CONSULTING
