"""The audit page in a browser: details in words, the raw record opens with one click, and
a phone's width holds the table in its scrolling box. Screenshots: audit-details-*.png."""

from __future__ import annotations

import pytest
from django.urls import reverse

from huiyin.cases.tests.factories import make_case
from huiyin.org.roles import Role
from huiyin.privacy import audit
from huiyin.testing.browser import screenshot
from huiyin.testing.factories import PASSWORD

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("name", "size"),
    [("desktop", {"width": 1366, "height": 900}), ("phone", {"width": 390, "height": 844})],
)
def test_the_details_read_in_words_and_the_raw_record_opens(
    page, live_url, personas, community, unit, name, size
):
    from playwright.sync_api import expect

    case = make_case(community=community, status="concluded")
    leader = personas[Role.LEADER].staff
    audit.record(
        "object.update",
        actor=personas[Role.PETITION_CLERK],
        target=case,
        diff={"owner": [None, leader.pk], "owner_unit": [None, unit.pk]},
    )
    entry = audit.record(
        "case.transition",
        actor=personas[Role.PETITION_CLERK],
        target=case,
        diff={"transition": "conclude", "status": ["replied", "concluded"]},
    )
    audit.record("auth.login_failed", target_label="nobody")
    page.set_viewport_size(size)
    page.goto(live_url("/login/"))
    page.fill("#id_username", personas[Role.AUDITOR].get_username())
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(live_url("/"))
    page.goto(live_url(reverse("privacy:audit")))

    row = page.locator(f'tr[data-seq="{entry.seq}"]')
    expect(row).to_contain_text("状态：已答复 → 已办结")
    raw = row.locator("details code")
    expect(raw).not_to_be_visible()
    row.locator("details summary").click()
    expect(raw).to_be_visible()
    expect(raw).to_contain_text('"status": ["replied", "concluded"]')
    expect(page.locator("#audit-entries")).not_to_contain_text('auth.login"')
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner + 1, f"the page is {width} px wide at {inner} px"
    screenshot(page, f"audit-details-{name}")
