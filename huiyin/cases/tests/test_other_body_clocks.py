"""Another body's time limits (a review answered one level up, 条例 art. 35): the clerk following
the matter sees them on the bell, the notifications page and the case page, as information —
never as the street's reminders or overdue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from lxml import html

from huiyin.cases.context import notifications
from huiyin.cases.models import Case, Clock, Notification
from huiyin.cases.reminders import other_body_clocks, tick
from huiyin.org.roles import Role
from huiyin.petitions.tests.factories import days_ago, register, step
from huiyin.reports import stats

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(personas):
    return personas[Role.PETITION_CLERK]


def under_review(clerk, *, requested_days_ago: int, body="district_government", title="复查中"):
    """A petition replied in writing whose review the body `body` answers: 30 days from the day
    it received the request."""
    case = register(clerk, received_at=days_ago(requested_days_ago + 30), title=title).case
    step(case, "accept", clerk, decided_on=days_ago(requested_days_ago + 29), told_manner="written")
    step(
        case,
        "reply",
        clerk,
        text="处理意见书",
        delivery="in_person",
        replied_on=days_ago(requested_days_ago + 5),
    )
    step(case, "request_review", clerk, requested_on=days_ago(requested_days_ago), body=body)
    return Case.objects.get(pk=case.pk)


def bell(client, user) -> html.HtmlElement:
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return html.fromstring(response.content.decode()).get_element_by_id("bell")


def test_the_bell_shows_another_bodys_overdue_answer_apart_and_never_as_the_streets(client, clerk):
    case = under_review(clerk, requested_days_ago=50)  # due some 20 days ago
    clock = Clock.objects.get(case=case, code="review_answer")
    assert clock.party == Clock.Party.OTHER_BODY and clock.due_on < timezone.localdate()

    # The reminders never treat it as the street's: no notification, nothing overdue.
    tick()
    assert not Notification.objects.filter(case=case).exists()
    assert case.due_on is None
    period = stats.Period(days_ago(90), timezone.localdate())
    assert stats.compute(period)["petitions"]["overdue_open"] == 0

    found = bell(client, clerk)
    info = found.get_element_by_id("bell-other-body")
    assert info.get("data-count") == "1" and "text-bg-info" in info.get("class")
    assert not found.xpath(".//*[@id='bell-count']")  # the unread (red) count: nothing
    request = RequestFactory().get("/")
    request.user = clerk
    assert notifications(request) == {"unread_notifications": 0, "other_body_due": 1}

    # The notifications page lists it, with an information badge, not an overdue one.
    client.force_login(clerk)
    page = html.fromstring(client.get(reverse("cases:notifications")).content.decode())
    [item] = page.xpath("//*[@id='other-body-clocks']//a[@data-other-body='review_answer']")
    assert item.get("href") == f"/petitions/{case.pk}/"
    assert case.number in item.text_content()
    [badge] = item.xpath(".//*[@data-state]")
    days = (clock.due_on - timezone.localdate()).days
    assert (badge.get("data-state"), badge.get("data-days")) == ("other_body", str(days))

    # So does the case page's time-left strip.
    detail = html.fromstring(client.get(f"/petitions/{case.pk}/").content.decode())
    [strip] = detail.xpath("//*[@id='case-time-left']/*[@data-clock='review_answer']")
    assert strip.get("data-other-body") == "1"
    assert strip.xpath(".//*[@data-state]")[0].get("data-state") == "other_body"
    assert not detail.xpath("//*[@id='case-time-left']//*[@data-state='overdue']")


def test_the_street_as_reviewing_body_is_reminded_as_its_own(client, clerk):
    case = under_review(clerk, requested_days_ago=50, body="street")
    assert Clock.objects.get(case=case, code="review_answer").party == Clock.Party.OFFICE
    tick()
    assert Notification.objects.filter(recipient=clerk, case=case, kind="overdue").exists()
    found = bell(client, clerk)
    assert found.xpath(".//*[@id='bell-count']")
    assert not found.xpath(".//*[@id='bell-other-body']")


def test_only_those_following_the_matter_see_it_and_only_when_due(
    client, clerk, personas, settings
):
    # Due within the reminder days (a last day on a holiday moves on: ten days of margin).
    settings.HUIYIN_REMIND_DAYS = 10
    soon = under_review(clerk, requested_days_ago=28, title="将到期")  # due in 2 days or so
    under_review(clerk, requested_days_ago=5, title="远未到期")  # due in 25 days or more
    assert [c.case_id for c in other_body_clocks(clerk)] == [soon.pk]
    # Not escalated: a leader is told of the street's overdue matters, not of another body's.
    assert not other_body_clocks(personas[Role.LEADER]).exists()
    assert not bell(client, personas[Role.LEADER]).xpath(".//*[@id='bell-other-body']")
    # Nor anyone who may not see the petition.
    assert not other_body_clocks(personas[Role.COMMUNITY_WORKER]).exists()
    # Once past its due date it stays shown (information), still never among the reminders.
    later = Clock.objects.get(case=soon, code="review_answer").due_on + timedelta(days=1)
    assert [c.case_id for c in other_body_clocks(clerk, today=later)] == [soon.pk]
    assert not tick(later).overdue
