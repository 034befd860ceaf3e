"""The campaign form in a browser, wide and on a 390 px phone: checkboxes in a box that cuts
nothing (long unit names wrap), one column on the phone. Screenshots go to
test-artifacts/screenshots/campaign-form-*.png."""

from __future__ import annotations

import pytest
from django.urls import reverse

from huiyin.org.models import Unit
from huiyin.org.roles import Role
from huiyin.testing.browser import screenshot
from huiyin.testing.factories import PASSWORD, UnitFactory

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
LONG = "区城市管理综合行政执法局驻街道执法中队（含市容环境卫生与园林绿化管理站）"


def _box_cuts_nothing(page, box: str) -> None:
    found = page.evaluate(
        """(sel) => {
             const box = document.querySelector(sel);
             const edge = box.getBoundingClientRect().right;
             const wide = [...box.querySelectorAll('.form-check-label, .form-check-input')]
               .filter(e => e.getBoundingClientRect().right > edge + 0.5).length;
             return [box.scrollWidth, box.clientWidth, wide];
           }""",
        box,
    )
    scroll_width, client_width, wide = found
    assert scroll_width <= client_width + 1, f"{box}: {scroll_width} px in {client_width} px"
    assert wide == 0, f"{box}: {wide} checkboxes or labels reach past the box"


@pytest.mark.parametrize(("name", "size"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_the_campaign_form_cuts_nothing(
    page, live_url, personas, street, other_community, name, size
):
    from playwright.sync_api import expect

    UnitFactory(street=street, name=LONG, kind=Unit.Kind.OFFICE_DEPARTMENT)
    for i, short in enumerate(["派出所", "第一小学", "社区卫生服务中心", "司法所", "安监站"]):
        UnitFactory(street=street, name=f"{short}{i}", kind=Unit.Kind.OTHER)
    page.set_viewport_size(size)
    page.goto(live_url("/login/"))
    page.fill("#id_username", personas[Role.GOVERNANCE_STAFF].get_username())
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(live_url("/"))
    page.goto(live_url(reverse("reports:campaign_new")))

    expect(page.locator("#campaign-units .form-check-input")).to_have_count(Unit.objects.count())
    expect(page.locator("#campaign-units")).to_contain_text(LONG)
    _box_cuts_nothing(page, "#campaign-units .hy-check-box")
    _box_cuts_nothing(page, "#campaign-communities .hy-check-box")
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner + 1, f"the page is {width} px wide at {inner} px"
    if name == "phone":  # one column: the two boxes one above the other
        boxes = page.locator(".hy-check-box")
        first, second = boxes.nth(0).bounding_box(), boxes.nth(1).bounding_box()
        assert second["y"] >= first["y"] + first["height"]
    screenshot(page, f"campaign-form-{name}")
