"""A patrol typed on a phone survives a lost connection: what was typed comes back when the
page is loaded again on the same device, and is gone once the patrol is sent."""

from __future__ import annotations

import pytest

from huiyin.patrols.tests.test_journey_phone import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_patrol_form_keeps_what_was_typed_across_a_reload(page, live_url, personas, grid):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_url, "grid1")
    page.goto(live_url("/patrols/new/"))
    page.fill("#id_route", "翠屏路沿线至果丰路口")
    page.fill("#id_note", "3栋楼道堆放杂物，已提醒物业清理")
    page.locator("#id_note").dispatch_event("input")
    # The connection drops; the worker opens the page again.
    page.reload()
    assert page.input_value("#id_route") == "翠屏路沿线至果丰路口"
    assert page.input_value("#id_note") == "3栋楼道堆放杂物，已提醒物业清理"
