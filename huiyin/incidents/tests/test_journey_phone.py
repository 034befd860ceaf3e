"""Journeys on a 390×844 phone (a real Chromium against the live server), a screenshot at each
step (test-artifacts/screenshots/journey-incident-*.png):

* the duty officer (综治办) registers a fire, names the leader in charge and sends the first
  report upward; the leader in charge concludes it with the outcome; the duty officer sends the
  final report (终报); the leader in charge closes it — each step by whom the workflow says;
* the leader's 三零四无 board changes: a 群体性事件 of an estimated 120 people registered by the
  duty officer breaks "无大规模群体性事件" on the leader's home page and dashboard.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from huiyin.cases.models import CaseEvent
from huiyin.incidents.models import Incident, Report
from huiyin.incidents.types import ensure_default_types
from huiyin.org.roles import Role
from huiyin.testing.browser import screenshot
from huiyin.testing.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LARGE = '[data-goal="no_large_mass_incident"]'


def sign_in(page, live_url, username: str) -> None:
    page.context.clear_cookies()
    page.goto(live_url("/login/"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(live_url("/"))


def no_overflow(page, what: str) -> None:
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner + 1, f"{what}: the page is {width} px wide at {inner} px"


def register(page, live_url, *, type_label: str, title: str, fields: dict, shot: str) -> Incident:
    """The duty officer's registration form, filled from the phone; the case page after it."""
    page.goto(live_url("/incidents/new/"))
    page.select_option("#id_category", label=type_label)
    page.fill("#id_title", title)
    page.select_option("#id_source", "hotline")
    page.select_option("#id_community", label="柑子园社区")
    page.select_option("#id_grid", label="柑子园社区 · 第1网格")
    for name, value in fields.items():
        page.fill(f"#id_{name}", value)
    no_overflow(page, "registration form")
    screenshot(page, f"{shot}-form")
    page.click("#incident-submit")
    expect(page).to_have_url(re.compile(r"/incidents/\d+/$"))
    expect(page.locator(".alert-success")).to_be_visible()
    return Incident.objects.select_related("case").get(case__title=title)


def step(page, name: str, fields: dict | None = None, selects: dict | None = None) -> None:
    """From the top of the case page: one tap to the actions, open `name`, fill it, submit."""
    page.click("#jump-to-actions")
    page.click(f'details[data-transition="{name}"] > summary')
    form = page.locator(f"#do-{name}")
    expect(form).to_be_visible()
    for field, value in (selects or {}).items():
        form.locator(f"[name='{field}']").select_option(value)
    for field, value in (fields or {}).items():
        form.locator(f"[name='{field}']").fill(value)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    errors = page.locator(".hy-field-error:visible, .alert-danger")
    assert errors.count() == 0, [errors.nth(i).inner_text() for i in range(errors.count())]
    expect(page.locator(".alert-success")).to_be_visible()


def test_the_duty_officer_registers_a_fire_and_the_leader_in_charge_closes_it(
    page, live_url, personas, community, grid
):
    ensure_default_types()
    duty, leader = personas[Role.GOVERNANCE_STAFF], personas[Role.LEADER]
    page.set_viewport_size(PHONE)

    # 1. The duty officer registers the fire from the phone: happened and learned of now.
    sign_in(page, live_url, duty.get_username())
    fire = register(
        page,
        live_url,
        type_label="事故灾难 › 火警",
        title="柑子园小区3栋底商厨房起火",
        fields={
            "place": "柑子园小区3栋底商",
            "description": "厨房油锅起火，消防救援站已出警，楼上住户正在疏散。",
            "minor_injuries": "1",
        },
        shot="journey-incident-1-fire",
    )
    case_url = live_url(f"/incidents/{fire.pk}/")
    expect(page.locator("#case-status")).to_have_attribute("data-status", "registered")

    # 2. Names the leader in charge and sends the first report upward by phone, in time.
    step(
        page,
        "respond",
        {"measures": "分管领导赶赴现场，疏散楼上住户。"},
        {"leader": str(leader.staff.pk)},
    )
    expect(page.locator("#leader")).to_have_text(leader.staff.name)
    step(
        page,
        "record_report",
        {"recipient": "区委总值班室"},
        {"kind": "first", "channel": "phone"},
    )
    expect(page.locator('#reporting [data-limit="first"]')).to_have_attribute("data-on-time", "1")
    expect(page.locator('#case-reports [data-kind="first"]')).to_have_count(1)
    no_overflow(page, "case page after the first report")
    screenshot(page, "journey-incident-2-first-report")
    # The duty officer may not close it: only the leader in charge closes an incident.
    expect(page.locator('details[data-transition="close"]')).to_have_count(0)

    # 3. The leader in charge concludes the disposal with its outcome.
    sign_in(page, live_url, leader.get_username())
    page.goto(case_url)
    step(page, "conclude", {"outcome": "明火已扑灭，1人轻微呛伤，已疏散住户全部返家。"})
    expect(page.locator("#case-status")).to_have_attribute("data-status", "concluded")
    expect(page.locator("#outcome")).to_contain_text("明火已扑灭")
    # Without the final report the close is not offered yet.
    expect(page.locator('details[data-transition="close"]')).to_have_count(0)
    screenshot(page, "journey-incident-3-concluded")

    # 4. The duty officer sends the final report (终报) in writing.
    sign_in(page, live_url, duty.get_username())
    page.goto(case_url)
    step(
        page,
        "record_report",
        {"recipient": "区委总值班室", "contents": "终报：火警处置完毕，起火原因为油锅过热。"},
        {"kind": "final", "channel": "written"},
    )
    expect(page.locator('#case-reports [data-kind="final"]')).to_have_count(1)

    # 5. The leader in charge closes it.
    sign_in(page, live_url, leader.get_username())
    page.goto(case_url)
    step(page, "close")
    expect(page.locator("#case-status")).to_have_attribute("data-status", "closed")
    no_overflow(page, "closed case")
    screenshot(page, "journey-incident-4-closed")

    fire.refresh_from_db()
    assert fire.case.closed_at is not None and fire.outcome.startswith("明火已扑灭")
    assert list(Report.objects.filter(incident=fire).values_list("kind", flat=True)) == [
        "first",
        "final",
    ]
    actors = dict(CaseEvent.objects.filter(case=fire.case).values_list("kind", "actor__username"))
    assert actors["respond"] == duty.get_username()
    assert actors["conclude"] == actors["close"] == leader.get_username()


def test_the_leader_sees_the_four_nones_board_change(page, live_url, personas, community, grid):
    ensure_default_types()
    duty, leader = personas[Role.GOVERNANCE_STAFF], personas[Role.LEADER]
    page.set_viewport_size(PHONE)

    # 1. The leader's home board: no large mass incident this month.
    sign_in(page, live_url, leader.get_username())
    board = page.locator("#goals-board")
    expect(board.locator(LARGE)).to_have_attribute("data-state", "held")
    no_overflow(page, "leader's home")
    screenshot(page, "journey-incident-5-board-held")

    # 2. The duty officer registers a gathering of an estimated 120 people.
    sign_in(page, live_url, duty.get_username())
    gathering = register(
        page,
        live_url,
        type_label="社会安全事件 › 群体性事件",
        title="柑子园小区业主聚集反映物业费调价",
        fields={"people_count": "120", "demands": "要求暂停物业费调价，公开收支。"},
        shot="journey-incident-6-gathering",
    )
    expect(page.locator("#people-count")).to_have_text("120")

    # 3. The leader's board: the goal is broken, by that incident.
    sign_in(page, live_url, leader.get_username())
    goal = page.locator(f"#goals-board {LARGE}")
    expect(goal).to_have_attribute("data-state", "broken")
    expect(goal.locator('[data-goal-incidents="no_large_mass_incident"]')).to_contain_text(
        gathering.case.number
    )
    for other in ("no_major_political_incident", "no_illegal_gathering"):
        expect(page.locator(f'#goals-board [data-goal="{other}"]')).to_have_attribute(
            "data-state", "held"
        )
    no_overflow(page, "leader's home with the goal broken")
    screenshot(page, "journey-incident-7-board-broken")
    goal.locator("a", has_text=gathering.case.number).click()
    expect(page).to_have_url(re.compile(rf"/incidents/{gathering.pk}/$"))

    # The dashboard's board says the same.
    page.goto(live_url("/reports/"))
    expect(page.locator(f"#goals-board {LARGE}")).to_have_attribute("data-state", "broken")
    no_overflow(page, "dashboard")
    screenshot(page, "journey-incident-8-dashboard")
