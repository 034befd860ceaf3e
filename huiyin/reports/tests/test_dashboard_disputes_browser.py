"""The dashboard's dispute pieces in a browser: the per-community bars draw under the policy
and the resolution rate explains itself."""

from __future__ import annotations

import pytest
from django.urls import reverse

from huiyin.org.roles import Role

pytestmark = pytest.mark.browser


def test_the_dispute_bars_draw_and_the_resolution_rate_explains_itself(
    page, live_url, personas, community
):
    from playwright.sync_api import expect

    from huiyin.disputes.tests import factories as df
    from huiyin.testing.factories import PASSWORD

    df.register(personas[Role.GOVERNANCE_STAFF], community=community, received_on=df.days_ago(1))

    page.goto(live_url("/login/"))
    page.fill("#id_username", personas[Role.LEADER].get_username())
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(live_url("/"))
    page.goto(live_url(reverse("reports:dashboard")))

    expect(page.locator("#chart-dispute-communities canvas")).to_have_count(1)
    expect(page.locator("[data-dispute='registered']")).to_have_text("1")
    page.locator("[data-rate-help='resolution_rate']").hover()
    tooltip = page.locator(".tooltip")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text("÷")
