"""At 390×844 (a real Chromium): the office records an item of the five assurances with its
evidence from a phone; the year's table and a body's page fit, nothing overflows."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from huiyin.assessment.models import Assurance
from huiyin.assessment.services.common import today
from huiyin.assessment.tests.test_phone import PHONE, no_overflow, sign_in
from huiyin.testing.browser import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n%%EOF\n"


def test_the_office_records_an_item_from_a_phone(page, live_url, personas, community, unit):
    year = today().year
    key = f"community-{community.pk}"
    page.set_viewport_size(PHONE)
    sign_in(page, live_url, "governance")
    page.goto(live_url(f"/assessment/assurances/?year={year}"))
    no_overflow(page, "five assurances")
    expect(page.locator(f'#assurances-cards [data-body="{key}"]')).to_contain_text("0/5")
    page.click(f'#assurances-cards [data-body="{key}"]')
    expect(page).to_have_url(re.compile(rf"/assessment/assurances/{year}/{key}/$"))
    no_overflow(page, "a body's five assurances")
    card = page.locator("#assurance-leadership")
    card.locator("#id_leadership-status").select_option("in_place")
    card.locator("#id_leadership-description").fill("成立综治维稳工作领导小组。")
    card.locator("form").first.locator("button[type=submit]").click()
    expect(page.locator("#assurance-leadership")).to_have_attribute("data-complete", "0")
    page.locator("#id_leadership-evidence-file").set_input_files(
        {"name": "成立文件.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.locator("#assurance-leadership .card-body.border-top button[type=submit]").click()
    expect(page.locator("#assurance-complete")).to_have_text("1/5")
    no_overflow(page, "a body's five assurances, recorded")
    screenshot(page, "phone-office-five-assurances")
    assert Assurance.objects.get().status == "in_place"
