"""Journey: a grid worker files the week's report from a 390×844 phone; the 综治办 reads the
board on a phone and on a desktop (a real Chromium)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from huiyin.screening.models import ScreeningItem, ScreeningReport
from huiyin.screening.tests.factories import dispute
from huiyin.testing.browser import screenshot
from huiyin.testing.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


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


def test_a_grid_worker_files_from_a_phone(page, live_url, duties, personas, grid):
    case = dispute(community=grid.community, grid=grid, title="楼道堆放杂物引发邻里纠纷")
    page.set_viewport_size(PHONE)
    sign_in(page, live_url, "grid1")

    # The home page's to-do leads to the filing page of the grid.
    page.click("#todo a[href*='/screening/file/']")
    expect(page.locator("h1")).to_contain_text("第1网格")
    no_overflow(page, "filing page")
    screenshot(page, "phone-grid-screening-file")

    # A row shows the fields of its way: the number for one on record, else title and type.
    expect(page.locator("#id_items-0-number")).to_be_visible()
    expect(page.locator("#id_items-0-title")).to_be_hidden()
    page.select_option("#id_items-0-mode", "new")
    expect(page.locator("#id_items-0-title")).to_be_visible()
    expect(page.locator("#id_items-0-number")).to_be_hidden()
    page.select_option("#id_items-0-mode", "link")

    # One more row, then a dispute on record by its number.
    page.click("#file-add-row")
    expect(page.locator("#file-items fieldset")).to_have_count(2)
    no_overflow(page, "filing page with two rows")
    page.fill("#id_items-0-number", case.number)
    page.fill("#id_items-0-people_count", "3")
    page.click("#file-submit")
    expect(page).to_have_url(re.compile(r"/screening/report/\?body=g\d+&week="))
    expect(page.locator("#report-items")).to_contain_text(case.number)
    no_overflow(page, "report page")
    screenshot(page, "phone-grid-screening-report")
    item = ScreeningItem.objects.get()
    assert (item.case_id, item.people_count) == (case.pk, 3)


def test_nothing_new_is_one_tap(page, live_url, duties, personas, grid):
    page.set_viewport_size(PHONE)
    sign_in(page, live_url, "grid1")
    page.goto(live_url("/screening/file/"))
    button = page.locator("#file-nil-button")
    expect(button).to_be_visible()
    assert button.bounding_box()["width"] > 300  # the whole width of the phone
    button.click()
    expect(page.locator("#report-status [data-nil]")).to_be_visible()
    assert ScreeningReport.objects.get().is_nil


def test_the_board_on_a_phone_and_on_a_desktop(page, live_url, duties, personas):
    page.set_viewport_size(PHONE)
    sign_in(page, live_url, "governance")
    page.goto(live_url("/screening/?week=2026-W23"))
    expect(page.locator("[data-cards] [data-card]").first).to_be_visible()
    expect(page.locator("section table").first).to_be_hidden()
    no_overflow(page, "board on a phone")
    screenshot(page, "phone-governance-screening-board")
    # The week picker changes the week by itself (data-hy-autosubmit).
    page.select_option("#id_week", index=1)
    expect(page).to_have_url(re.compile(r"week=\d{4}-W\d{2}"))
    page.set_viewport_size(DESKTOP)
    page.goto(live_url("/screening/?week=2026-W23"))
    expect(page.locator("section table").first).to_be_visible()
    no_overflow(page, "board on a desktop")
    screenshot(page, "desktop-governance-screening-board")
