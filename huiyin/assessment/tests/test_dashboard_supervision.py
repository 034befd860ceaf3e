"""The dashboard's card of overdue supervision orders: a leader sees the count and the most
overdue five, each linking to its order, in a fixed number of queries; a grid worker or a
clerk (no assessment.view) does not see it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from huiyin.assessment.bodies import Body
from huiyin.assessment.services import supervision
from huiyin.assessment.services.common import today
from huiyin.org.roles import Role
from huiyin.petitions.tests.factories import register, step
from huiyin.reports.views.dashboard_supervision import supervision_card

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(personas, community, unit):
    clerk = personas[Role.PETITION_CLERK]
    petition = register(clerk, community=community, title="楼道堆物久拖未决")
    step(step(petition.case, "accept", clerk), "assign", clerk, unit=unit)
    day = today()
    made = []
    for n, late in enumerate((10, 9, 8, 7, 6, 5, 4)):
        made.append(
            supervision.issue_order(
                actor=personas[Role.LEADER],
                data={
                    "cases": [petition.case.number],
                    "ground": "delay",
                    "instruction": f"请抓紧办理（{n}）。",
                    "requirements": "书面反馈。",
                    "issued_on": day - timedelta(days=late + 5),
                    "deadline": day - timedelta(days=late),
                },
                body=Body("unit", unit.pk, unit.name),
            )
        )
    # Not overdue: answered, or its deadline today.
    answered = made[-1]
    supervision.record_feedback(
        answered,
        actor=personas[Role.DEPARTMENT_HANDLER],
        data={"feedback": "已答复。", "feedback_on": day, "result": "adopted"},
    )
    supervision.issue_order(
        actor=personas[Role.LEADER],
        data={
            "cases": [petition.case.number],
            "ground": "delay",
            "instruction": "今日到期。",
            "requirements": "书面反馈。",
            "issued_on": day - timedelta(days=3),
            "deadline": day,
        },
        body=Body("unit", unit.pk, unit.name),
    )
    return made


def test_a_leader_sees_the_overdue_orders_card(client, personas, orders):
    client.force_login(personas[Role.LEADER])
    response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 200
    card = response.context["supervision"]
    assert card["count"] == 6
    # The most overdue five, each linking to its order.
    assert [row["number"] for row in card["rows"]] == [o.number for o in orders[:5]]
    assert card["rows"][0]["late"] == 10
    page = response.content.decode()
    assert 'id="supervision-overdue"' in page
    assert page.count('data-order-row="1"') == 5
    for order in orders[:5]:
        assert reverse("assessment:order", args=[order.pk]) in page
    assert reverse("assessment:order", args=[orders[5].pk]) not in page


def test_the_card_costs_the_same_whatever_the_number_of_orders(personas, orders):
    with CaptureQueriesContext(connection) as queries:
        card = supervision_card(personas[Role.LEADER])
    assert len(card["rows"]) == 5
    assert len(queries) <= 4, [q["sql"] for q in queries]


def test_no_card_without_assessment_view(client, personas, orders):
    client.force_login(personas[Role.GRID_WORKER])
    response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 403 or "supervision-overdue" not in response.content.decode()
    assert supervision_card(personas[Role.GRID_WORKER]) is None
    # A clerk reads the dashboard but not the assessment: no card either.
    client.force_login(personas[Role.PETITION_CLERK])
    response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 200
    assert response.context["supervision"] is None
    assert 'id="supervision-overdue"' not in response.content.decode()


def test_none_overdue_shows_zero(client, personas):
    client.force_login(personas[Role.LEADER])
    response = client.get(reverse("reports:dashboard"))
    assert response.context["supervision"]["count"] == 0
    assert 'data-supervision="overdue">0<' in response.content.decode()
