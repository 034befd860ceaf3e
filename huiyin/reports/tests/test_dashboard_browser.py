"""The dashboard in a browser: the rates' hover text and a month's trend cut at today."""

from __future__ import annotations

import pytest
from django.urls import reverse

from huiyin.org.roles import Role
from huiyin.petitions.tests.factories import register

pytestmark = pytest.mark.browser


def test_the_rates_explain_themselves_and_the_charts_draw_under_the_policy(
    page, live_url, personas, community, grid
):
    from playwright.sync_api import expect

    from huiyin.testing.factories import PASSWORD

    grid.geometry = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}
    grid.save(update_fields=["geometry"])
    register(personas[Role.PETITION_CLERK], community=community, grid=grid)

    page.goto(live_url("/login/"))
    page.fill("#id_username", personas[Role.LEADER].get_username())
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(live_url("/"))
    page.goto(live_url(reverse("reports:dashboard")))

    expect(page.locator("#chart-trend canvas")).to_have_count(1)
    expect(page.locator("#chart-map canvas")).to_have_count(1)
    page.locator("[data-rate-help='on_time']").hover()
    tooltip = page.locator(".tooltip")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text("÷")
