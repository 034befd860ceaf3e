"""The incident pages on a 390×844 phone (a real Chromium): nothing overflows sideways, lists
are cards, forms one column; a grid worker registers a fire from the phone."""

from __future__ import annotations

import pytest
from django.utils import timezone

from huiyin.incidents import risk, services
from huiyin.incidents.models import Incident
from huiyin.incidents.tests import factories as itf
from huiyin.incidents.types import ensure_default_types
from huiyin.org.roles import Role
from huiyin.testing import factories as f
from huiyin.testing.browser import screenshot

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def no_overflow(page, what: str) -> None:
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if width > inner + 1:
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                 .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                 .slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className)"""
        )
        pytest.fail(f"{what}: the page is {width} px wide at {inner} px: {wide}")


def sign_in(page, live_url, username: str) -> None:
    page.goto(live_url("/login/"))
    page.fill("#id_username", username)
    page.fill("#id_password", f.PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(live_url("/"))


def test_the_incident_pages_fit_a_phone(page, live_url, personas, community, grid):
    ensure_default_types()
    duty, worker = personas[Role.GOVERNANCE_STAFF], personas[Role.GRID_WORKER]
    for user in (duty, worker):
        user.set_password(f.PASSWORD)
        user.save()
    case = itf.register(
        duty,
        title="翠屏路12号底商厨房起火，烟雾较大，已疏散楼上住户",
        community=community,
        grid=grid,
        type_name="非正常死亡",
        demands="要求查明原因" * 10,
    )
    services.step(case, "record_kin", duty, kin_name="王小明", kin_phone="13812345678")
    itf.report(case, duty)
    itf.bring_to(case, "handling", personas)
    note = risk.create_risk_note(
        duty,
        subject_kind="project",
        subject="翠屏路拆迁安置项目",
        risk_type="land",
        description="部分住户对安置方案有意见",
        level="elevated",
        community=community,
        grid=grid,
        action="reply",
        task_title="约见住户代表",
        owner=worker.staff.pk,
        due_at=timezone.now() + timezone.timedelta(days=2),
    )
    page.set_viewport_size(PHONE)
    for who, user in (("duty", duty), ("grid", worker)):
        page.context.clear_cookies()
        sign_in(page, live_url, user.username)
        for name, path in (
            ("list", "/incidents/"),
            ("new", "/incidents/new/"),
            ("case", f"/incidents/{case.pk}/"),
            ("risk-list", "/incidents/risk-notes/"),
            ("risk-new", "/incidents/risk-notes/new/"),
            ("risk", f"/incidents/risk-notes/{note.pk}/"),
        ):
            response = page.goto(live_url(path))
            assert response.status == 200, (who, path, response.status)
            # Every step's form open, as a user would unfold them.
            for summary in page.locator("details > summary").all():
                summary.click()
            no_overflow(page, f"{who} {path}")
            screenshot(page, f"phone-incidents-{who}-{name}")
        assert page.locator("#incident-cards").count() == 0  # (the last page is the note)
    # The grid worker registers a fire from the phone.
    page.goto(live_url("/incidents/new/"))
    page.select_option("#id_category", label="事故灾难 › 火警")
    page.fill("#id_title", "手机登记的火警")
    page.select_option("#id_source", "grid")
    page.click("#incident-submit")
    page.wait_for_url(lambda url: "/incidents/new/" not in url)
    assert Incident.objects.filter(case__title="手机登记的火警", case__grid=grid).exists()
