"""Journey: the petitioner's tracker and the receipt, on a 390×844 phone and on a desktop.

A matter received 20 days ago, accepted (the written notice dated 15 days ago), handed over,
replied (delivered by post today). On the phone the petitioner opens /track/, types a
wrong digit (the code stays typed, the digits do not), then the right ones: the office, the
matter, each stage with its date on one line, nothing overflowing. The clerk's receipt shows
the petitioners' own names, the matter in one line and the QR code; printed, only the slip.
Screenshots go to test-artifacts/screenshots/tracker-*.png.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from huiyin.org.roles import Role
from huiyin.petitions.tests.factories import days_ago, make_id, petitioner, register, step
from huiyin.testing.browser import screenshot
from huiyin.testing.factories import PASSWORD

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}

# Made-up people (the journey's own).
PEOPLE = [
    petitioner("欧阳秀英", id_number=make_id("51160219700815042"), phone="13990875521"),
    petitioner("李建国", id_number=make_id("51160219651103017"), phone="15882361234"),
]
ASKED = (
    "小区东门外餐馆油烟直排，夜间噪声扰民，多次向物业反映无果，"
    "请求街道协调执法部门依法查处，并告知处理结果和整改期限。"
)


def no_overflow(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


def dates_on_one_line(page, selector: str) -> int:
    """Every date cell of `selector` is nowrap and one line high; the number of cells."""
    cells = page.locator(f"{selector} .text-nowrap")
    count = cells.count()
    for i in range(count):
        cell = cells.nth(i)
        assert cell.evaluate("e => getComputedStyle(e).whiteSpace") == "nowrap"
        # The text's own lines (the cell itself stretches to its row's height).
        lines = cell.evaluate(
            "e => { const r = document.createRange(); r.selectNodeContents(e);"
            " return new Set([...r.getClientRects()].map(c => Math.round(c.top))).size; }"
        )
        assert lines == 1, (cell.inner_text(), lines)
    return count


@pytest.fixture
def replied(personas, community, unit):
    clerk, handler = personas[Role.PETITION_CLERK], personas[Role.DEPARTMENT_HANDLER]
    petition = register(
        clerk,
        community=community,
        title="反映柑子园小区东门餐馆油烟噪声扰民",
        description=ASKED,
        petitioners=PEOPLE,
    )
    case = step(petition.case, "accept", clerk, decided_on=days_ago(15))
    case = step(case, "assign", clerk, unit=unit)
    case = step(case, "start_handling", handler)
    step(
        case,
        "reply",
        handler,
        text="经城管执法中队核查，已责令餐馆加装油烟净化设施。",
        delivery="post",
    )
    return petition


def test_the_petitioner_tracks_the_matter_on_a_phone(page, live_url, replied, unit):
    page.set_viewport_size(PHONE)
    page.goto(live_url("/track/"))
    expect(page.locator("#track-form")).to_be_visible()
    expect(page.locator("#track-last4-hint")).to_be_visible()
    no_overflow(page)
    screenshot(page, "tracker-1-form-phone")

    # A wrong digit: the code stays typed, the digits are asked again.
    page.fill("#id_code", replied.receipt_code)
    page.fill("#id_last4", "5522")
    page.click("#track-submit")
    expect(page.locator("#track-message")).to_be_visible()
    expect(page.locator("#id_code")).to_have_value(replied.receipt_code)
    expect(page.locator("#id_last4")).to_have_value("")
    no_overflow(page)
    screenshot(page, "tracker-2-wrong-digits-phone")

    # The right ones (the second petitioner's number will do).
    page.fill("#id_last4", "1234")
    page.click("#track-submit")
    expect(page.locator("#track-stage")).to_have_attribute("data-stage", "replied")
    expect(page.locator("#track-title")).to_have_text(replied.case.title)
    expect(page.locator("#track-number")).to_have_text(replied.case.number)
    expect(page.locator("#track-organ")).to_contain_text(replied.case.street.name)
    d = days_ago(0)
    expect(page.locator("#track-delivered")).to_have_text(f"{d.year}年{d.month}月{d.day}日")
    for name in ("registered", "accepted", "handling", "replied"):
        expect(page.locator(f'#track-dates [data-step="{name}"]')).to_be_visible()
    result = page.locator("#track-result")
    for secret in ("欧阳秀英", "李建国", "油烟直排", "净化设施", unit.name):
        expect(result).not_to_contain_text(secret)
    assert dates_on_one_line(page, "#track-dates") == 4
    no_overflow(page)
    screenshot(page, "tracker-3-result-phone")

    page.set_viewport_size(DESKTOP)
    screenshot(page, "tracker-4-result-desktop")


def test_the_clerk_prints_the_receipt(page, live_url, replied, personas):
    clerk = personas[Role.PETITION_CLERK]
    page.goto(live_url("/login/"))
    page.fill("#id_username", clerk.get_username())
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(live_url("/"))

    page.goto(live_url(f"/petitions/{replied.pk}/receipt/"))
    expect(page.locator("#receipt-petitioner")).to_contain_text("欧阳秀英、李建国")
    people = page.locator("#receipt-people")
    expect(people).to_contain_text("511602********")
    expect(people).to_contain_text("139********")
    expect(people).not_to_contain_text("5521")
    expect(page.locator("#receipt-matter")).to_contain_text(replied.case.title)
    expect(page.locator("#receipt-qr svg")).to_be_visible()
    screenshot(page, "tracker-5-receipt-desktop")

    # On a phone: a record of how it looks (the staff pages' sidebar does not fold away on a
    # phone yet, so the receipt is not checked for overflow there).
    page.set_viewport_size(PHONE)
    screenshot(page, "tracker-6-receipt-phone")

    # Printed (A5): the slip only, no navigation, the QR code still there.
    page.set_viewport_size(DESKTOP)
    page.goto(live_url(f"/petitions/{replied.pk}/receipt/?size=a5"))
    page.emulate_media(media="print")
    expect(page.locator("header.navbar")).to_be_hidden()
    expect(page.locator("#receipt-tools")).to_be_hidden()
    expect(page.locator("#receipt-qr svg")).to_be_visible()
    screenshot(page, "tracker-7-receipt-print-a5")
