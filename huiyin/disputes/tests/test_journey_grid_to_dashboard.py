"""Journey, end to end on a 390×844 phone: a grid worker files the week's screening report with
one new dispute; the mediator adds the two parties, records their consent, a session and a
written agreement, and downloads the 人民调解协议书; the leader's dashboard counts the dispute as
registered, mediated and resolved. A real Chromium against the live server, a screenshot at
each step (test-artifacts/screenshots/journey-dispute-*.png)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from huiyin.disputes.models import Agreement, Party
from huiyin.disputes.tests import factories as df
from huiyin.org.roles import Role
from huiyin.screening.models import ScreeningItem
from huiyin.screening.services import ensure_duties
from huiyin.testing.browser import screenshot
from huiyin.testing.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def sign_in(page, live_url, username: str) -> None:
    page.context.clear_cookies()
    page.goto(live_url("/login/"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(live_url("/"))


def no_overflow(page, what: str) -> None:
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner + 1, f"{what}: the page is {width} px wide at {inner} px"


def step(page, name: str, fields: dict | None = None, checks=(), selects: dict | None = None):
    """From the top of the case page: one tap to the actions, open `name`, fill it, submit."""
    page.click("#jump-to-actions")
    page.click(f'details[data-transition="{name}"] > summary')
    form = page.locator(f"#do-{name}")
    expect(form).to_be_visible()
    for field, value in (fields or {}).items():
        form.locator(f"#id_{name}-{field}").fill(value)
    for field, option in (selects or {}).items():
        form.locator(f"#id_{name}-{field}").select_option(**option)
    for box in checks:
        form.locator(box).check()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    errors = page.locator(f"#do-{name} .invalid-feedback:visible")
    assert errors.count() == 0, [errors.nth(i).inner_text() for i in range(errors.count())]
    alerts = page.locator(".alert")
    said = [alerts.nth(i).inner_text() for i in range(alerts.count())]
    assert page.locator(".alert-success").count(), said


def add_party(page, side: str, name: str, id_number: str, phone: str, address: str) -> None:
    page.click("#add-party summary")
    form = page.locator("#add-party-form")
    form.locator("#id_add_party-side").select_option(side)
    form.locator("#id_add_party-name").fill(name)
    form.locator("#id_add_party-id_number").fill(id_number)
    form.locator("#id_add_party-phone").fill(phone)
    form.locator("#id_add_party-address").fill(address)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def test_from_the_grid_report_to_the_agreement_and_the_dashboard(
    page, live_url, personas, street, community, grid
):
    ensure_duties(street, active_from=date(2024, 1, 1))
    neighbours = df.dispute_type("邻里")
    committee = df.committee(community)
    df.mediator(committee, name="李调解", staff=personas[Role.MEDIATOR].staff)
    page.set_viewport_size(PHONE)

    # 1. The grid worker files this week's report with one new dispute, from the phone.
    sign_in(page, live_url, personas[Role.GRID_WORKER].get_username())
    page.goto(live_url("/screening/file/"))
    page.select_option("#id_items-0-mode", "new")
    page.fill("#id_items-0-title", "楼上漏水致楼下墙面受损")
    page.select_option("#id_items-0-category", str(neighbours.pk))
    page.fill("#id_items-0-description", "楼上卫生间漏水，楼下墙面发霉，双方协商未果。")
    page.fill("#id_items-0-people_count", "2")
    no_overflow(page, "filing page")
    page.click("#file-submit")
    expect(page).to_have_url(re.compile(r"/screening/report/"))
    item = ScreeningItem.objects.select_related("case").get()
    case = item.case
    expect(page.locator("#report-items")).to_contain_text(case.number)
    screenshot(page, "journey-dispute-1-grid-report")

    # 2. The mediator opens it, adds both parties and takes it through to a written agreement.
    sign_in(page, live_url, personas[Role.MEDIATOR].get_username())
    page.goto(live_url(f"/disputes/{case.pk}/"))
    expect(page.locator("#case-status")).to_have_attribute("data-status", "registered")
    add_party(page, "a", "张三", df.ID_1, df.PHONE_1, "柑子园社区3栋502")
    add_party(page, "b", "李四", df.ID_2, df.PHONE_2, "柑子园社区3栋402")
    a, b = (Party.objects.get(dispute_id=case.pk, side=side) for side in ("a", "b"))
    expect(page.locator("#case-parties")).not_to_contain_text("张三")  # masked for a mediator
    step(page, "consent", selects={"party": {"value": str(a.pk)}})
    step(page, "consent", selects={"party": {"value": str(b.pk)}})
    step(page, "tell_rights")
    step(page, "assign_mediators", checks=["input[name='assign_mediators-mediators']"])
    step(page, "start_mediation")
    step(
        page,
        "record_session",
        fields={"place": "柑子园社区调解室", "summary": "双方到场陈述，楼上同意维修并赔偿。"},
    )
    today = timezone.localdate().isoformat()
    due = (timezone.localdate() + timedelta(days=10)).isoformat()
    step(
        page,
        "record_agreement",
        fields={
            "facts_and_issues": "楼上卫生间防水层破损漏水，楼下墙面发霉；争议在于维修与赔偿。",
            "responsibilities": "楼上住户承担主要责任。",
            "terms": "楼上住户修复防水层并赔偿楼下墙面修复费用2000元。",
            "performance_manner": "现金支付。",
            "performance_place": "柑子园社区人民调解委员会",
            "term_0": "赔偿墙面修复费用2000元",
            "due_0": due,
            f"signed_{a.pk}": today,
            f"signed_{b.pk}": today,
            "mediator_signed_on": today,
            "sealed_on": today,
        },
    )
    expect(page.locator("#case-status")).to_have_attribute("data-status", "agreed")
    assert Agreement.objects.get(dispute_id=case.pk).is_written
    no_overflow(page, "case page with the agreement")
    screenshot(page, "journey-dispute-2-agreed")

    # The 人民调解协议书 downloads as a Word file.
    link = page.locator('#case-documents a[data-document="mediation-agreement"]')
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(".docx")
    assert download.value.path().stat().st_size > 5_000

    # 3. The leader's dashboard counts it: registered, mediated and resolved.
    sign_in(page, live_url, personas[Role.LEADER].get_username())
    page.goto(live_url("/reports/"))
    figures = page.locator("#dispute-figures")
    expect(figures).to_be_visible()
    expect(figures.locator('[data-dispute="registered"]')).to_have_text("1")
    expect(figures.locator('[data-dispute="mediated"]')).to_have_text("1")
    expect(figures.locator('[data-dispute="resolved"]')).to_have_text("1")
    expect(figures.locator('[data-dispute="written"]')).to_have_text("1")
    no_overflow(page, "dashboard")
    screenshot(page, "journey-dispute-3-dashboard")
