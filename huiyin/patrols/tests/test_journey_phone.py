"""Journey at 390×844 (a real Chromium): a grid worker records a patrol, a hazard with a photo
from the camera input, and turns it into a rectification; the 综治办 reads places, the
inspection form, the rectifications and the sensitive period's board — nothing overflows."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from huiyin.patrols import services
from huiyin.patrols.models import Finding, Patrol, Rectification
from huiyin.patrols.tests.factories import JPEG_BYTES, inspect
from huiyin.screening import periods
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


def test_a_grid_worker_records_a_patrol_and_a_hazard_from_a_phone(
    page, live_url, personas, grid, tmp_path, settings
):
    settings.ATTACHMENT_DIR = tmp_path
    page.set_viewport_size(PHONE)
    sign_in(page, live_url, "grid1")
    page.goto(live_url("/patrols/"))
    expect(page.locator("#menu-toggle")).to_be_visible()  # the navigation collapses
    no_overflow(page, "patrol list")
    page.click("#patrol-new")
    no_overflow(page, "patrol form")
    screenshot(page, "phone-grid-patrol-form")
    started = (periods.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    page.fill("#id_started_at", started)
    page.fill("#id_duration_minutes", "50")
    page.click("#patrol-save")
    expect(page).to_have_url(re.compile(r"/patrols/\d+/$"))
    patrol = Patrol.objects.get()
    assert patrol.grid_id == grid.pk

    page.select_option("#id_kind", "fire_risk")
    page.fill("#id_location", "3号楼北侧消防通道")
    page.fill("#id_description", "电动车停放堵塞消防通道")
    page.set_input_files(
        "#id_photos", files=[{"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": JPEG_BYTES}]
    )
    no_overflow(page, "finding form")
    page.click("#finding-save")
    expect(page.locator("#findings [data-finding]")).to_have_count(1)
    expect(page.locator("#findings img.hy-thumb")).to_have_count(1)
    no_overflow(page, "patrol with a finding")
    screenshot(page, "phone-grid-patrol-finding")

    finding = Finding.objects.get()
    card = page.locator(f"[data-finding='{finding.pk}']")
    card.locator("summary").first.click()
    card.locator("input[name='responsible_party']").fill("物业服务中心")
    card.locator("input[name='deadline']").fill((periods.today() + timedelta(days=3)).isoformat())
    card.locator("form").first.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/patrols/rectifications/\d+/$"))
    no_overflow(page, "rectification")
    screenshot(page, "phone-grid-rectification")
    assert Rectification.objects.get().responsible_party == "物业服务中心"


def test_the_office_pages_fit_a_phone(page, live_url, personas, cafe, governance):
    inspect(governance, cafe, fail=(1, 6), deadline=periods.today())
    Rectification.objects.filter(pk=Rectification.objects.order_by("pk").first().pk).update(
        deadline=periods.today() - timedelta(days=1)
    )
    services.create_period(
        governance,
        name="特殊时期",
        starts_on=periods.today() - timedelta(days=2),
        ends_on=periods.today(),
    )
    page.set_viewport_size(PHONE)
    sign_in(page, live_url, "governance")
    for path, name in [
        ("/patrols/places/", "places"),
        (f"/patrols/places/{cafe.pk}/", "place"),
        (f"/patrols/places/{cafe.pk}/inspect/", "inspection-form"),
        ("/patrols/rectifications/?status=overdue", "rectifications"),
        ("/patrols/roster/", "roster"),
        ("/patrols/checklists/", "checklists"),
        ("/patrols/campaigns/", "campaigns"),
        ("/patrols/sensitive/", "sensitive"),
    ]:
        page.goto(live_url(path))
        no_overflow(page, name)
        screenshot(page, f"phone-governance-patrols-{name}")
    page.goto(live_url("/patrols/rectifications/?status=overdue"))
    expect(page.locator("#rectification-cards [data-overdue='1']")).to_have_count(1)
