"""Journey: a collective visit from intake to reply, then the petitioner's own look at it.

The clerk registers a collective visit of 12 people with 3 representatives, hands over the
receipt, accepts the matter and assigns it to 城建办; the unit's handler starts handling it and
replies; on the public tracker the receipt code and the phone's last four digits show
"已答复". A real Chromium against the live server, a screenshot at each step.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from huiyin.org.models import Staff
from huiyin.org.roles import Role
from huiyin.petitions.models import Petition
from huiyin.petitions.tests.factories import make_id
from huiyin.testing.browser import screenshot
from huiyin.testing.factories import PASSWORD

pytestmark = pytest.mark.browser

LOGIN_PAGE = re.compile(r"/login/(\?.*)?$")
RECEIPT_PAGE = re.compile(r"/petitions/(\d+)/receipt/$")

# Made-up people (the journey's own, not the demo street's).
REPRESENTATIVES = [
    {"name": "孙丽华", "id_number": make_id("51160219680512031"), "phone": "13990871234"},
    {"name": "钱志强", "id_number": make_id("51162119730921057"), "phone": "15882365521"},
    {"name": "周春梅", "id_number": make_id("51160219810304062"), "phone": "18628419076"},
]


def sign_in(page, live_url, username: str) -> None:
    page.goto(live_url("/login/"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(live_url("/"))


def sign_out(page) -> None:
    page.click("#logout")
    page.wait_for_url(LOGIN_PAGE)


def fire(page, name: str, fields: dict[str, str] | None = None, selects: dict | None = None):
    """Open the action `name` on the case page, fill it in and submit it."""
    page.click(f'details[data-transition="{name}"] > summary')
    form = page.locator(f"#do-{name}")
    expect(form).to_be_visible()
    for field, value in (fields or {}).items():
        form.locator(f"#id_{name}-{field}").fill(value)
    for field, option in (selects or {}).items():
        form.locator(f"#id_{name}-{field}").select_option(**option)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def test_a_collective_visit_is_registered_assigned_replied_and_tracked(
    page, live_url, personas, community, grid, unit
):
    clerk, handler = personas[Role.PETITION_CLERK], personas[Role.DEPARTMENT_HANDLER]
    handler_name = Staff.objects.get(user=handler).name

    # The clerk registers the collective visit.
    sign_in(page, live_url, clerk.get_username())
    page.goto(live_url("/petitions/new/"))
    expect(page.locator("#intake-form")).to_be_visible()
    expect(page.locator("#id_channel_1")).to_be_checked()  # a visit, the default
    page.select_option("#id_community", label=community.name)
    # The grids of the community arrive by htmx.
    expect(page.locator(f'#id_grid option[value="{grid.pk}"]')).to_be_attached()
    page.select_option("#id_grid", value=str(grid.pk))
    page.fill("#id_title", "反映柑子园小区旧城改造安置房延期交付")
    page.fill("#id_description", "群众12人集体来访，推选代表3人，要求明确交房时间。")
    page.check("#id_is_collective")
    page.fill("#id_headcount", "12")
    for index, person in enumerate(REPRESENTATIVES):
        if index:
            page.click("#add-petitioner")
        prefix = f"#id_p-{index}"
        page.fill(f"{prefix}-name", person["name"])
        page.fill(f"{prefix}-id_number", person["id_number"])
        page.fill(f"{prefix}-phone", person["phone"])
        page.fill(f"{prefix}-address", "浓洄街道柑子园社区柑子园小区3栋")
        page.check(f"{prefix}-is_representative")
    screenshot(page, "petition-1-intake")
    page.click("#intake-submit")

    # The receipt: its code, the people, the acceptance time limit.
    page.wait_for_url(RECEIPT_PAGE)
    code = page.locator("#receipt-code").inner_text().strip()
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{10}", code), code
    expect(page.locator("#receipt-petitioner")).to_contain_text("12")
    expect(page.locator("#receipt-deadline")).not_to_be_empty()
    pk = int(RECEIPT_PAGE.search(page.url).group(1))
    petition = Petition.objects.get(pk=pk)
    assert (petition.receipt_code, petition.headcount, petition.is_collective) == (code, 12, True)
    assert petition.petitioners.filter(is_representative=True).count() == 3
    screenshot(page, "petition-2-receipt")

    # The clerk finds it again by a two-character word of its title, typed into the list's
    # search box (the filter bar answers through htmx).
    page.goto(live_url("/petitions/"))
    page.fill("#f-q", "安置")
    page.press("#f-q", "Enter")
    expect(page).to_have_url(re.compile(r"q=%E5%AE%89%E7%BD%AE"))
    expect(page.locator("#petition-results")).to_contain_text(petition.case.number)
    screenshot(page, "petition-2b-search")

    # Accept, then assign to 城建办 and its handler.
    page.goto(live_url(f"/petitions/{pk}/"))
    expect(page.locator("#case-status")).to_have_text("已登记")
    fire(page, "accept")
    expect(page.locator("#case-status")).to_have_text("已受理")
    screenshot(page, "petition-3-accepted")
    fire(page, "assign", selects={"unit": {"label": unit.name}, "handler": {"label": handler_name}})
    expect(page.locator("#case-status")).to_have_text("已交办")
    expect(page.locator("#case-facts")).to_contain_text(unit.name)
    screenshot(page, "petition-4-assigned")
    sign_out(page)

    # The handler starts handling and replies; the petitioners' identity stays masked.
    sign_in(page, live_url, handler.get_username())
    page.goto(live_url(f"/petitions/{pk}/"))
    expect(page.locator("#case-status")).to_have_text("已交办")
    petitioners = page.locator("#case-petitioners")
    expect(petitioners).not_to_contain_text(REPRESENTATIVES[0]["name"])
    expect(petitioners).not_to_contain_text(REPRESENTATIVES[0]["phone"])
    fire(page, "start_handling")
    expect(page.locator("#case-status")).to_have_text("办理中")
    fire(
        page,
        "reply",
        fields={
            "facts": "安置房主体已完工，消防验收尚未通过。",
            "basis": "《国有土地上房屋征收与补偿条例》第二十二条。",
            "text": "经城建办核查，安置房将于下月底前交付，已书面告知群众代表。",
        },
        selects={"delivery": {"value": "in_person"}},
    )
    expect(page.locator("#case-status")).to_have_text("已答复")
    expect(page.locator("#reply")).to_contain_text("安置房将于下月底前交付")
    expect(page.locator("#reply-basis")).to_contain_text("第二十二条")
    screenshot(page, "petition-5-replied")
    sign_out(page)

    # The petitioner checks from home: receipt code and the phone's last four digits.
    page.goto(live_url("/track/"))
    page.fill("#id_code", code)
    page.fill("#id_last4", REPRESENTATIVES[1]["phone"][-4:])
    page.click("#track-submit")
    stage = page.locator("#track-stage")
    expect(stage).to_have_text("已答复")
    expect(stage).to_have_attribute("data-stage", "replied")
    result = page.locator("#track-result")
    # The matter as on the receipt (number, title), its stages and dates: no names, not the
    # text of the matter or of the reply, not the unit handling it.
    expect(page.locator("#track-title")).to_have_text(petition.case.title)
    expect(page.locator("#track-number")).to_have_text(petition.case.number)
    for secret in (REPRESENTATIVES[1]["name"], "推选代表", "下月底前交付", unit.name):
        expect(result).not_to_contain_text(secret)
    expect(page.locator("#rating-form")).to_be_visible()
    screenshot(page, "petition-6-track")
