"""Journey: a mediator on a 390×844 phone takes a registered neighbours' dispute from the list
to a signed written agreement — both parties' consent, their rights, the mediators, a session,
the agreement with its art. 29 contents — and sees the status change at each step; the
parties stay masked throughout. A real Chromium against the live server, a screenshot at each
step (test-artifacts/screenshots/dispute-*.png)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from huiyin.disputes.models import Agreement, Party
from huiyin.disputes.tests import factories as df
from huiyin.org.roles import Role
from huiyin.testing.browser import screenshot
from huiyin.testing.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def sign_in(page, live_url, username: str) -> None:
    page.goto(live_url("/login/"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(live_url("/"))


def no_overflow(page, what: str) -> None:
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if width > inner + 1:
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                 .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                 .slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className)"""
        )
        pytest.fail(f"{what}: the page is {width} px wide at {inner} px: {wide}")


def status(page, expected: str) -> None:
    expect(page.locator("#case-status")).to_have_attribute("data-status", expected)


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
    expect(page.locator(".alert-success")).to_be_visible()


def test_a_mediator_takes_a_dispute_to_a_written_agreement_on_a_phone(
    page, live_url, personas, community
):
    committee = df.committee(community)
    df.mediator(committee, name="李调解", staff=personas[Role.MEDIATOR].staff)
    case = df.register(
        personas[Role.GOVERNANCE_STAFF],
        community=community,
        committee=committee,
        category=df.dispute_type("邻里"),
        title="楼上漏水致楼下墙面受损",
    )
    a, b = (Party.objects.filter(dispute_id=case.pk, side=side).get() for side in ("a", "b"))
    page.set_viewport_size(PHONE)
    sign_in(page, live_url, personas[Role.MEDIATOR].get_username())

    # The navigation's 矛盾纠纷 section is the dispute list; on a phone its rows are cards.
    page.click("#menu-toggle")
    page.click('#main-nav a[data-section="disputes"]')
    expect(page).to_have_url(re.compile(r"/disputes/$"))
    expect(page.locator("#dispute-cards")).to_be_visible()
    expect(page.locator("#dispute-table")).to_be_hidden()
    no_overflow(page, "dispute list")
    screenshot(page, "dispute-1-list")
    page.click(f'#dispute-cards [data-card="{case.pk}"] a')

    # The case page: registered, the parties masked, the actions one tap away.
    expect(page).to_have_url(re.compile(rf"/disputes/{case.pk}/$"))
    status(page, "registered")
    parties = page.locator("#case-parties")
    expect(parties).to_contain_text("张*")
    expect(parties).not_to_contain_text("张三")
    expect(parties).not_to_contain_text(df.PHONE_1)
    expect(page.locator("#jump-to-actions")).to_be_in_viewport()
    no_overflow(page, "case page")
    screenshot(page, "dispute-2-registered")

    # Both parties consent; they are told of their rights; the mediator takes it on.
    step(page, "consent", selects={"party": {"value": str(a.pk)}})
    step(page, "consent", selects={"party": {"value": str(b.pk)}})
    expect(page.locator(f'#party-{b.pk} [data-consent="agreed"]')).to_be_visible()
    step(page, "tell_rights")
    step(page, "assign_mediators", checks=["input[name='assign_mediators-mediators']"])
    expect(page.locator("#mediators")).to_contain_text("李调解")
    screenshot(page, "dispute-3-consented")
    step(page, "start_mediation")
    status(page, "mediating")

    # A session and its record (调解笔录).
    step(
        page,
        "record_session",
        fields={"place": "柑子园社区调解室", "summary": "双方到场陈述，楼上同意维修并赔偿。"},
    )
    expect(page.locator("#case-sessions")).to_contain_text("柑子园社区调解室")
    screenshot(page, "dispute-4-session")

    # The written agreement with its art. 29 contents, signed by both, the mediator, the seal.
    today = timezone.localdate().isoformat()
    due = (timezone.localdate() + timedelta(days=10)).isoformat()
    step(
        page,
        "record_agreement",
        fields={
            "facts_and_issues": "楼上卫生间防水层破损漏水，楼下墙面发霉；争议在于维修与赔偿。",
            "responsibilities": "楼上住户承担主要责任。",
            "terms": "楼上住户修复防水层并赔偿楼下墙面修复费用2000元。",
            "performance_manner": "现金支付，修复由楼上住户自行组织。",
            "performance_place": "柑子园社区人民调解委员会",
            "term_0": "赔偿墙面修复费用2000元",
            "due_0": due,
            f"signed_{a.pk}": today,
            f"signed_{b.pk}": today,
            "mediator_signed_on": today,
            "sealed_on": today,
        },
    )
    status(page, "agreed")
    agreement = page.locator("#case-agreements")
    expect(agreement).to_contain_text("楼上住户承担主要责任")
    expect(page.locator("[data-effective-on]")).to_have_attribute("data-effective-on", today)
    # The parties' window for judicial confirmation: theirs, with its days, never overdue.
    expect(page.locator("#confirmation-window")).to_have_attribute("data-days-left", "30")
    no_overflow(page, "case page with the agreement")
    screenshot(page, "dispute-5-agreed")
    saved = Agreement.objects.get(dispute_id=case.pk)
    assert saved.is_written and saved.effective_on == timezone.localdate()
    assert saved.signatures.count() == 2


def test_registering_from_a_phone_fits_and_answers_beside_the_field(
    page, live_url, personas, community, grid
):
    page.set_viewport_size(PHONE)
    sign_in(page, live_url, personas[Role.GRID_WORKER].get_username())
    page.goto(live_url("/disputes/new/"))
    no_overflow(page, "registration")
    page.fill("#id_title", "楼道堆放杂物引发邻里纠纷")
    page.fill("#id_amount", "99999999999999999999999")
    page.fill("#id_party-0-name", "张三")
    page.fill("#id_party-0-address", "柑子园小区3栋")
    page.fill("#id_party-1-name", "李四")
    page.click("#add-party")
    expect(page.locator("#id_party-2-name")).to_be_visible()
    expect(page.locator("#id_party-0-name")).to_have_value("张三")
    page.click("#dispute-submit")
    expect(page.locator('[data-field="amount"]')).to_be_visible()
    no_overflow(page, "registration with an error")
    screenshot(page, "dispute-0-register-error")
    page.fill("#id_amount", "500")
    page.click("#dispute-submit")
    expect(page).to_have_url(re.compile(r"/disputes/\d+/$"))
    status(page, "registered")
    expect(page.locator("#case-parties")).to_contain_text("张*")
