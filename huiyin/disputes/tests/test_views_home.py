"""The mediator's home page: sessions this week, agreements awaiting performance, the parties'
confirmation windows closing; each item links to the list showing exactly what it counts."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.utils import timezone

from huiyin.cases.models import Clock
from huiyin.disputes import clocks
from huiyin.disputes.home import dispute_todos
from huiyin.disputes.tests import factories as df
from huiyin.org.access import reach_of
from huiyin.org.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def mine(personas, governance, community):
    """Two disputes of the mediator's committee (one agreed, one in mediation with a session
    this week) and one of another committee's mediator."""
    committee = df.committee(community)
    df.mediator(committee, staff=personas[Role.MEDIATOR].staff)
    agreed = df.bring_to(
        df.register(governance, community=community, committee=committee), "agreed", personas
    )
    talking = df.bring_to(
        df.register(governance, community=community, committee=committee), "mediating", personas
    )
    df.step(talking, "record_session", personas[Role.MEDIATOR], place="调解室", summary="第一次")
    street = df.committee(street=community.street)
    df.mediator(street, name="王调解")
    df.bring_to(df.register(governance, community=community, committee=street), "agreed", personas)
    return {"agreed": agreed, "talking": talking}


def items(user) -> dict[str, tuple[int, str]]:
    return {str(i.label): (i.count, i.url) for i in dispute_todos(user, reach_of(user))}


def listed(client, user, link: str) -> set[int]:
    client.force_login(user)
    html = client.get(link).content.decode()
    return set(map(int, re.findall(r'<tr data-case="(\d+)"', html)))


def test_the_mediator_s_own_disputes_are_counted_and_linked(client, personas, mine):
    mediator = personas[Role.MEDIATOR]
    todo = items(mediator)
    sessions = next(v for k, v in todo.items() if "session" in k)
    performance = next(v for k, v in todo.items() if "performance" in k)
    assert sessions[0] == 2  # the agreed one's session and this week's session of the other
    assert performance[0] == 1
    assert listed(client, mediator, performance[1]) == {mine["agreed"].pk}
    assert listed(client, mediator, sessions[1]) == {mine["agreed"].pk, mine["talking"].pk}
    assert not any("window" in k for k in todo)  # 30 days left: not closing yet


def test_a_window_closing_is_named_for_the_parties_and_never_urgent(client, personas, mine):
    Clock.objects.filter(case=mine["agreed"], code=clocks.CONFIRMATION).update(
        due_on=timezone.localdate() + timedelta(days=4)
    )
    mediator = personas[Role.MEDIATOR]
    todo = dispute_todos(mediator, reach_of(mediator))
    window = next(i for i in todo if "window" in str(i.label))
    assert window.count == 1 and not window.urgent
    assert listed(client, mediator, window.url) == {mine["agreed"].pk}


def test_the_items_show_on_the_home_page(client, personas, mine):
    client.force_login(personas[Role.MEDIATOR])
    html = unescape(client.get("/").content.decode())
    todo = html[html.index('id="todo"') :]
    assert "/disputes/?mine=1&awaiting=performance" in todo
    assert "/disputes/?mine=1&session=week" in todo


def test_someone_who_mediates_without_a_post_counts_their_area(personas, mine):
    # A community worker mediates in their community: no committee post, the community's.
    worker = personas[Role.COMMUNITY_WORKER]
    todo = items(worker)
    performance = next(v for k, v in todo.items() if "performance" in k)
    assert performance[0] == 2
    assert "mine=1" not in performance[1]


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.LEADER, Role.GRID_WORKER, Role.PETITION_CLERK])
def test_who_does_not_mediate_gets_no_mediation_items(personas, mine, role):
    assert dispute_todos(personas[role], reach_of(personas[role])) == []
