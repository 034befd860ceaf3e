"""Journey, end to end, at a desktop's size and on a 390×844 phone: a leader opens an overdue
petition and issues a 督办 from its page (领导批示); 城建办's handler gives the written
feedback; the office computes the round again and the ranking moves — the unit's
"督办按时书面反馈" point reflects the answered order; the campaign's 表彰通报 downloads as a Word
file. A real Chromium against the live server, a screenshot at each step
(test-artifacts/screenshots/journey-supervision-<size>-*.png)."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from huiyin.assessment.bodies import UNIT, Body
from huiyin.assessment.defaults import ensure_default_scheme
from huiyin.assessment.models import SupervisionOrder
from huiyin.assessment.services import rounds, supervision
from huiyin.assessment.tests.conftest import make_overdue
from huiyin.org.roles import Role
from huiyin.petitions.tests.factories import register, step
from huiyin.reports.commendations import add_commendation
from huiyin.reports.models import Campaign
from huiyin.testing.browser import screenshot
from huiyin.testing.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
SUPERVISION_KEY = "supervision.on_time_rate"


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


def supervision_points(page, live_url, round_pk: int, body: Body, item_pk: int) -> Decimal:
    """From the round's ranking to the body's points explained: the supervision item's."""
    page.goto(live_url(f"/assessment/rounds/{round_pk}/"))
    row = page.locator(f'#ranking-units tr[data-body="{body.key}"]')
    expect(row).to_be_visible()
    with page.expect_navigation():
        # The body's name is the link on a phone; the button beside it on a wider screen.
        row.locator("a").filter(visible=True).last.click()
    point = page.locator(f'[data-item="{item_pk}"]')
    expect(point).to_be_visible()
    return Decimal(point.get_attribute("data-points"))


@pytest.mark.parametrize("size", list(SIZES))
def test_a_leaders_order_answered_moves_the_ranking_and_the_notice_downloads(
    page, live_url, personas, community, unit, size
):
    today = timezone.localdate()
    clerk, office = personas[Role.PETITION_CLERK], personas[Role.GOVERNANCE_STAFF]
    leader = personas[Role.LEADER]
    body = Body(UNIT, unit.pk, unit.name)
    # An overdue petition 城建办 handles; an earlier order to 城建办 left unanswered.
    petition = register(clerk, community=community, title="楼道堆物久拖未决")
    step(step(petition.case, "accept", clerk), "assign", clerk, unit=unit)
    make_overdue(petition)
    supervision.issue_order(
        actor=leader,
        data={
            "cases": [petition.case.number],
            "ground": "delay",
            "instruction": "请抓紧办理。",
            "requirements": "书面反馈。",
            "issued_on": today - timedelta(days=10),
            "deadline": today - timedelta(days=2),
        },
        body=body,
    )
    scheme = ensure_default_scheme()
    item = scheme.items.get(stat_key=SUPERVISION_KEY)
    found = rounds.create_round(
        actor=office,
        scheme=scheme,
        data={"name": "本月考核", "start": today - timedelta(days=30), "end": today},
    )
    campaign = Campaign.objects.create(
        name="百日大会战", start=today - timedelta(days=60), end=today - timedelta(days=1)
    )
    campaign.communities.set([community])
    campaign.units.set([unit])
    add_commendation(
        campaign, actor=office, kind="unit", unit=unit, basis="督办件按期反馈", decided_on=today
    )
    page.set_viewport_size(SIZES[size])
    shot = f"journey-supervision-{size}"

    # 0. The ranking as computed: the one order owed is overdue, no point for it.
    sign_in(page, live_url, office.get_username())
    before = supervision_points(page, live_url, found.pk, body, item.pk)
    assert before == Decimal("0.00")
    total_before = found.scores.get(unit=unit).total

    # 1. The leader opens the overdue petition and issues a 督办 from its page.
    sign_in(page, live_url, leader.get_username())
    page.goto(live_url(f"/petitions/{petition.case.pk}/"))
    no_overflow(page, "petition page")
    page.click("#issue-supervision")
    expect(page).to_have_url(re.compile(r"/assessment/supervision/new/\?case=\d+$"))
    expect(page.locator("#id_cases")).to_have_value(petition.case.number)
    page.select_option("#id_ground", "delay")
    page.fill("#id_instruction", "请五日内答复群众，并书面反馈办理情况。")
    page.fill("#id_requirements", "查明事实，依法答复。")
    page.fill("#id_deadline", (today + timedelta(days=5)).isoformat())
    no_overflow(page, "order form")
    screenshot(page, f"{shot}-1-order-form")
    page.click("#order-issue")
    expect(page).to_have_url(re.compile(r"/assessment/supervision/\d+/$"))
    order = SupervisionOrder.objects.latest("pk")
    expect(page.locator("#order-number")).to_have_text(order.number)
    expect(page.locator("#order-state")).to_have_attribute("data-state", "open")
    no_overflow(page, "order page")
    # The instruction is on the petition's page too (领导批示 on its timeline).
    page.goto(live_url(f"/petitions/{petition.case.pk}/"))
    expect(page.locator(f'[data-supervision-order="{order.pk}"]')).to_be_visible()
    expect(page.locator("body")).to_contain_text("请五日内答复群众")
    screenshot(page, f"{shot}-2-petition-supervised")

    # 2. 城建办's handler answers it in writing.
    sign_in(page, live_url, personas[Role.DEPARTMENT_HANDLER].get_username())
    page.goto(live_url(f"/assessment/supervision/{order.pk}/"))
    feedback = page.locator("#feedback")
    expect(feedback).to_be_visible()
    feedback.locator("#id_feedback").fill("已约见信访人并书面答复，采纳督办意见。")
    feedback.locator("#id_result").select_option("adopted")
    no_overflow(page, "order page with the feedback form")
    with page.expect_navigation():
        feedback.locator("button[type=submit]").click()
    expect(page.locator("#order-state")).to_have_attribute("data-state", "on_time")
    screenshot(page, f"{shot}-3-feedback")

    # 3. The office computes the round again: the supervision point and the ranking move.
    sign_in(page, live_url, office.get_username())
    page.goto(live_url(f"/assessment/rounds/{found.pk}/"))
    with page.expect_navigation():
        page.locator(f'form[action="/assessment/rounds/{found.pk}/compute/"] button').click()
    expect(page.locator(".alert-success")).to_be_visible()
    row = page.locator(f'#ranking-units tr[data-body="{body.key}"]')
    # One of two orders owed answered on time: half of the item's 10 points.
    expect(row).to_have_attribute("data-total", str(total_before + Decimal("5.00")))
    no_overflow(page, "round page")
    screenshot(page, f"{shot}-4-ranking")
    after = supervision_points(page, live_url, found.pk, body, item.pk)
    assert after == Decimal("5.00")
    explained = page.locator(f'[data-item="{item.pk}"] [data-explanation]')
    expect(explained).to_contain_text("50")
    no_overflow(page, "points explained")
    screenshot(page, f"{shot}-5-points")

    # 4. The campaign's 表彰通报 downloads as a Word file.
    page.goto(live_url(f"/reports/campaigns/{campaign.pk}/"))
    link = page.locator("#commendation-notice")
    expect(link).to_be_visible()
    no_overflow(page, "campaign page")
    screenshot(page, f"{shot}-6-campaign")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(".docx")
    assert download.value.path().stat().st_size > 5_000
