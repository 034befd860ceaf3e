"""At 390×844 (a real Chromium): a leader issues a supervision order from an overdue petition's
page, and the assessment's pages — letters, schemes, a round's ranking and a body's points,
the orders — fit the phone: nothing overflows."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from huiyin.assessment.models import SupervisionOrder
from huiyin.assessment.services import rounds, targets
from huiyin.assessment.tests.conftest import make_overdue
from huiyin.org.roles import Role
from huiyin.petitions.tests.factories import register, step
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


def test_a_leader_supervises_from_a_phone_and_the_pages_fit(
    page, live_url, personas, community, unit, scheme
):
    clerk = personas[Role.PETITION_CLERK]
    petition = register(clerk, community=community, title="楼道堆物久拖未决")
    step(step(petition.case, "accept", clerk), "assign", clerk, unit=unit)
    make_overdue(petition)
    office = personas[Role.GOVERNANCE_STAFF]
    from huiyin.assessment.bodies import Body

    letter = targets.save_letter(
        actor=office,
        data={"year": timezone.localdate().year},
        body=Body("community", community.pk, community.name),
    )
    targets.save_target(
        letter,
        actor=office,
        data={"stat_key": "petitions.on_time_rate", "comparison": "at_least", "threshold": "0.95"},
    )
    today = timezone.localdate()
    found = rounds.create_round(
        actor=office,
        scheme=scheme,
        data={"name": "本月考核", "start": today - timedelta(days=30), "end": today},
    )

    page.set_viewport_size(PHONE)
    sign_in(page, live_url, "leader")
    page.goto(live_url(f"/petitions/{petition.case.pk}/"))
    no_overflow(page, "petition page")
    page.click("#issue-supervision")
    expect(page).to_have_url(re.compile(r"/assessment/supervision/new/\?case=\d+$"))
    no_overflow(page, "order form")
    page.select_option("#id_ground", "delay")
    page.fill("#id_instruction", "请五日内答复群众，书面反馈。")
    page.fill("#id_requirements", "查明事实，依法答复。")
    page.fill("#id_deadline", (today + timedelta(days=5)).isoformat())
    screenshot(page, "phone-leader-supervision-form")
    page.click("#order-issue")
    expect(page).to_have_url(re.compile(r"/assessment/supervision/\d+/$"))
    order = SupervisionOrder.objects.get()
    expect(page.locator("#order-number")).to_have_text(order.number)
    no_overflow(page, "order page")
    screenshot(page, "phone-leader-supervision-order")

    for url, what in [
        ("/assessment/", "overview"),
        ("/assessment/supervision/", "orders"),
        ("/assessment/letters/", "letters"),
        (f"/assessment/letters/{letter.pk}/", "letter"),
        ("/assessment/schemes/", "schemes"),
        (f"/assessment/schemes/{scheme.pk}/", "scheme"),
        ("/assessment/rounds/", "rounds"),
        (f"/assessment/rounds/{found.pk}/", "round"),
        (f"/assessment/scores/{found.scores.first().pk}/", "score"),
        ("/assessment/vetoes/", "vetoes"),
    ]:
        page.goto(live_url(url))
        no_overflow(page, what)
    screenshot(page, "phone-assessment-vetoes")
