"""The home page's petition to-dos, per role, with counts from one query per role."""

from __future__ import annotations

from datetime import time, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from huiyin.cases.models import Case
from huiyin.front.home import _providers
from huiyin.org.access import reach_of
from huiyin.org.models import Staff
from huiyin.org.roles import Role
from huiyin.petitions.home import petition_todos
from huiyin.petitions.models import KeyCase, ReceptionSlot
from huiyin.petitions.services import mark_key_case, schedule_reception
from huiyin.petitions.tests.factories import bring_to, register, step
from huiyin.testing import factories as f

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def due(case, days: int) -> None:
    Case.objects.filter(pk=case.pk).update(due_on=today() + timedelta(days=days))


def items(user) -> dict[str, tuple[int, bool, dict]]:
    """{label: (count, urgent, query)} of the user's petition to-dos."""
    result = {}
    for item in petition_todos(user, reach_of(user)):
        parts = urlsplit(item.url)
        result[str(item.label)] = (item.count, item.urgent, parts.path, parse_qs(parts.query))
    return result


def test_it_is_registered_as_a_home_provider():
    assert petition_todos in _providers


def test_it_lists_the_clerks_decisions_time_limits_and_replies(clerk, personas, unit):
    register(clerk, received_at=today())  # registered, nothing due yet
    late = register(clerk)  # received 20 days ago: its acceptance notice is overdue
    soon = register(clerk, received_at=today())
    due(soon.case, 2)
    bring_to(register(clerk), "replied", personas, unit=unit)
    withdrawn = register(clerk)
    Case.objects.filter(pk=withdrawn.pk).update(withdrawn=True)

    todo = items(clerk)

    assert todo["Overdue petitions"] == (1, True, "/petitions/", {"due": ["overdue"]})
    assert todo["Petitions due within 3 days"][:2] == (1, False)
    assert todo["Petitions due within 3 days"][3] == {"due": ["soon"]}
    registered = todo["Registered petitions awaiting the acceptance decision"]
    assert registered[:2] == (3, False)
    assert registered[3] == {"status": ["registered"]}
    assert todo["Replied petitions to conclude"][:2] == (1, False)
    assert todo["Replied petitions to conclude"][3] == {"status": ["replied"]}
    assert late.case.due_on < today()


def test_it_shows_the_clerk_key_cases_past_their_time_limit(clerk, leader, unit):
    petition = register(clerk)
    key_case = mark_key_case(
        petition,
        actor=clerk,
        leader=Staff.objects.get(user=leader),
        plan="约谈",
        time_limit=today() + timedelta(days=3),
        responsible_unit=unit,
    )
    assert "Key cases past their time limit" not in items(clerk)
    KeyCase.objects.filter(pk=key_case.pk).update(time_limit=today() - timedelta(days=1))
    count, urgent, path, query = items(clerk)["Key cases past their time limit"]
    assert (count, urgent, path, query) == (
        1,
        True,
        reverse("petitions:keycases"),
        {"state": ["late"]},
    )


def test_it_leaves_out_items_with_nothing_to_do(clerk):
    assert items(clerk) == {}


def test_it_lists_the_handlers_matters_of_their_unit(clerk, handler, personas, unit):
    waiting = bring_to(register(clerk, received_at=today()), "assigned", personas, unit=unit)
    late = bring_to(register(clerk, received_at=today()), "handling", personas, unit=unit)
    due(late, -3)
    soon = bring_to(register(clerk, received_at=today()), "handling", personas, unit=unit)
    due(soon, 1)
    other_unit = f.UnitFactory(street=unit.street, name="社事办")
    elsewhere = bring_to(register(clerk, received_at=today()), "accepted", personas, unit=unit)
    step(elsewhere, "assign", clerk, unit=other_unit)
    register(clerk)  # not assigned at all

    todo = items(handler)

    assert todo["Matters assigned to my unit, waiting to be started"] == (
        1,
        False,
        "/petitions/",
        {"owner_unit": [str(unit.pk)], "status": ["assigned"]},
    )
    assert todo["Overdue matters of my unit"] == (
        1,
        True,
        "/petitions/",
        {"owner_unit": [str(unit.pk)], "due": ["overdue"]},
    )
    assert todo["Matters of my unit due within 3 days"][:2] == (1, False)
    assert waiting.status == "assigned"
    # A handler is not the petition office: no acceptance decisions on their list.
    assert "Registered petitions awaiting the acceptance decision" not in todo


def test_it_lists_the_leaders_key_cases_and_receptions_today(clerk, leader, unit):
    me = Staff.objects.get(user=leader)
    other = Staff.objects.get(user=f.person(Role.LEADER, username="leader2"))
    limits = {}
    for days, person in ((-2, me), (2, me), (12, me), (1, other)):
        key_case = mark_key_case(
            register(clerk),
            actor=clerk,
            leader=person,
            plan="包案化解",
            time_limit=today() + timedelta(days=20),
            responsible_unit=unit,
        )
        KeyCase.objects.filter(pk=key_case.pk).update(time_limit=today() + timedelta(days=days))
        limits[days] = key_case
    KeyCase.objects.filter(pk=limits[12].pk).update(closed_at=timezone.now())
    for on, person in ((today(), me), (today(), other), (today() + timedelta(days=1), me)):
        schedule_reception(
            actor=clerk,
            leader=person,
            kind=ReceptionSlot.SlotKind.RECEPTION_DAY,
            on=on,
            start_time=time(9),
            end_time=time(11),
            place="街道信访接待室",
        )

    todo = items(leader)

    board = reverse("petitions:keycases")
    assert todo["My key cases past their time limit"] == (
        1,
        True,
        board,
        {"leader": [str(me.pk)], "state": ["late"]},
    )
    assert todo["My key cases with 3 days or less left"][:3] == (1, False, board)
    assert todo["My key cases"][:2] == (2, False)  # nearest limit already passed
    assert todo["My reception slots today"][:3] == (1, False, reverse("petitions:reception"))


def test_it_tells_the_leader_the_nearest_time_limit(clerk, leader, unit):
    mark_key_case(
        register(clerk),
        actor=clerk,
        leader=Staff.objects.get(user=leader),
        plan="包案化解",
        time_limit=today() + timedelta(days=9),
        responsible_unit=unit,
    )
    assert items(leader)["My key cases (the nearest time limit is in 9 days)"][0] == 1


@pytest.mark.parametrize(
    "role",
    [Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.MEDIATOR, Role.AUDITOR, Role.ADMINISTRATOR],
)
def test_it_gives_other_roles_no_petition_items(personas, clerk, role):
    register(clerk)
    assert items(personas[role]) == {}


@pytest.mark.parametrize("role", [Role.PETITION_CLERK, Role.DEPARTMENT_HANDLER, Role.LEADER])
def test_it_counts_with_one_query_per_role(
    personas, clerk, unit, leader, role, django_assert_num_queries
):
    for _i in range(3):
        petition = register(clerk)
        due(bring_to(petition, "assigned", personas, unit=unit), -1)
        mark_key_case(
            petition,
            actor=clerk,
            leader=Staff.objects.get(user=leader),
            plan="包案化解",
            time_limit=today() + timedelta(days=5),
            responsible_unit=unit,
        )
    user = personas[role]
    reach = reach_of(user)
    petition_todos(user, reach)  # warm the per-request caches (reach, staff id)
    with django_assert_num_queries(1):
        todo = petition_todos(user, reach)
    assert todo


def test_the_home_page_shows_the_items(client, clerk):
    register(clerk)
    client.force_login(clerk)
    html = client.get(reverse("home")).content.decode()
    assert "/petitions/?due=overdue" in html
