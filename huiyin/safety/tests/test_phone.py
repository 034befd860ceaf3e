"""At 390×844 (a real Chromium): the office enters a survey from a phone and the 平安创建
pages fit it — nothing overflows."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from huiyin.assessment.bodies import Body
from huiyin.assessment.tests.test_phone import PHONE, no_overflow, sign_in
from huiyin.safety import services
from huiyin.safety.models import Survey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_office_enters_a_survey_on_a_phone_and_the_pages_fit(page, live_url, office, community):
    today = services.today()
    creation = services.create(
        actor=office,
        body=Body("community", community.pk, community.name),
        data={"category": "community", "year": today.year},
    )
    services.change_status(creation, actor=office, data={"status": "applied", "on": today})
    services.record_figure(
        actor=office,
        data={
            "community": community.pk,
            "criterion": "criminal",
            "start": today - timedelta(days=30),
            "end": today,
            "value": 1,
            "source": "浓洄派出所辖区警情统计（第三季度）",
            "source_ref": "浓洄派出所〔2026〕警情通报第3期",
        },
    )
    page.set_viewport_size(PHONE)
    sign_in(page, live_url, "governance")
    page.goto(live_url(f"/safety/surveys/new/?community={community.pk}"))
    no_overflow(page, "survey form")
    page.select_option("#id_method", "household")
    page.fill("#id_conducted_on", today.isoformat())
    page.fill("#id_sample_size", "120")
    page.fill("#id_numerator", "95")
    page.fill("#id_denominator", "118")
    page.click("#survey-save")
    expect(page).to_have_url(re.compile(r"/safety/communities/\d+/$"))
    assert Survey.objects.get().denominator == 118
    no_overflow(page, "community page")
    for url, what in [
        ("/safety/", "overview"),
        (f"/safety/creations/{creation.pk}/", "creation"),
        ("/safety/figures/new/", "figure form"),
        ("/safety/creations/new/", "creation form"),
    ]:
        page.goto(live_url(url))
        no_overflow(page, what)
