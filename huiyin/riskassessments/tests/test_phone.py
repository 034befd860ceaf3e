"""At 390×844 (a real Chromium): the office records a consultation from a phone, and every
page of the risk assessments — the list, an assessment with its forms open, the measures, the
new-assessment form — fits: nothing overflows."""

from __future__ import annotations

import pytest

from huiyin.assessment.tests.test_phone import PHONE, no_overflow, sign_in
from huiyin.riskassessments import services as s
from huiyin.riskassessments.models import Consultation
from huiyin.riskassessments.tests.conftest import consultation_data
from huiyin.testing.browser import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_pages_fit_a_phone(page, live_url, personas, assessment, office):
    day = s.today()
    s.add_consultation(assessment, actor=office, data=consultation_data(day))
    point = s.add_risk_point(
        assessment,
        actor=office,
        data={
            "issue": "补偿安置标准（评估时点与市场价格差异较大，住户对补偿标准存在较多异议）",
            "likelihood": 4,
            "impact": 4,
            "measures": "委托有资质的评估机构，评估结果分户送达并公示；设立复核渠道。",
        },
    )
    s.add_measure(
        point,
        actor=office,
        data={"action": "分户送达评估结果", "owner": office.staff.pk, "due_on": day},
    )
    page.set_viewport_size(PHONE)
    sign_in(page, live_url, "governance")
    page.goto(live_url(f"/risk-assessments/{assessment.pk}/"))
    no_overflow(page, "assessment")
    for summary in page.locator("details > summary").all():
        summary.click()
    no_overflow(page, "assessment with its forms open")
    screenshot(page, "phone-risk-assessment")
    form = page.locator("#risk-consultations form")
    form.locator("#id_group").fill("临街商铺经营者")
    form.locator("#id_held_on").fill(day.isoformat())
    form.locator("#id_participants").fill("12")
    form.locator("#id_in_favour").fill("6")
    form.locator("#id_against").fill("3")
    form.locator("#id_neutral").fill("3")
    form.locator("#id_summary").fill("关注停业损失补偿。")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert Consultation.objects.filter(group="临街商铺经营者").exists()
    for url, what in [
        ("/risk-assessments/", "list"),
        ("/risk-assessments/measures/?show=all", "measures"),
        ("/risk-assessments/new/", "new"),
    ]:
        page.goto(live_url(url))
        no_overflow(page, what)
