"""包案 for key disputes: the same mechanism and the same board as key petitions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import Http404
from django.urls import reverse

from huiyin.cases.exceptions import TransitionRefused
from huiyin.cases.models import CaseEvent
from huiyin.disputes.tests.factories import register
from huiyin.org.models import Staff
from huiyin.org.roles import Role
from huiyin.petitions import keycases
from huiyin.petitions.models import KeyCase
from huiyin.petitions.tests.factories import register as register_petition

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader_staff(personas):
    return Staff.objects.get(user=personas[Role.LEADER])


@pytest.fixture
def dispute(governance, community):
    return register(governance, community=community)


def mark(case, actor, leader_staff, unit, **extra):
    return keycases.mark_key_case(
        case,
        actor=actor,
        leader=leader_staff,
        plan="两周内召集双方现场调解，街道司法所参与",
        time_limit=keycases.timezone.localdate() + timedelta(days=14),
        responsible_unit=unit,
        **extra,
    )


def test_the_street_marks_a_key_dispute(dispute, governance, leader_staff, unit):
    key_case = mark(dispute, governance, leader_staff, unit)
    assert key_case.case_id == dispute.pk
    assert CaseEvent.objects.filter(case=dispute, kind="key_case").exists()


def test_a_leader_marks_a_key_dispute(dispute, personas, leader_staff, unit):
    assert mark(dispute, personas[Role.LEADER], leader_staff, unit).case_id == dispute.pk


@pytest.mark.parametrize("role", [Role.GRID_WORKER, Role.COMMUNITY_WORKER, Role.MEDIATOR])
def test_a_worker_of_one_area_does_not_name_a_leader(role, dispute, personas, leader_staff, unit):
    """Screening or mediating in one community is not the street's 包案 decision."""
    # Refused, or (a grid worker of another grid) not even found.
    with pytest.raises((TransitionRefused, Http404)):
        mark(dispute, personas[role], leader_staff, unit)
    assert not KeyCase.objects.exists()


def test_a_dispute_is_marked_once(dispute, governance, leader_staff, unit):
    mark(dispute, governance, leader_staff, unit)
    with pytest.raises(keycases.PetitionInvalid):
        mark(dispute, governance, leader_staff, unit)
    assert KeyCase.objects.count() == 1


def test_the_mediator_reports_progress_and_the_leader_sees_it_through(
    dispute, governance, personas, leader_staff, unit
):
    key_case = mark(dispute, governance, leader_staff, unit)
    keycases.add_progress(key_case, actor=personas[Role.MEDIATOR], text="已召开第一次调解会")
    with pytest.raises(TransitionRefused):
        keycases.close_key_case(key_case, actor=personas[Role.MEDIATOR])
    keycases.close_key_case(key_case, actor=personas[Role.LEADER])
    key_case.refresh_from_db()
    assert key_case.closed_at is not None
    assert key_case.progress.count() == 1


def test_one_board_holds_both_kinds(client, dispute, governance, personas, leader_staff, unit):
    petition = register_petition(personas[Role.PETITION_CLERK], community=dispute.community)
    mark(dispute, governance, leader_staff, unit)
    mark(petition.case, personas[Role.LEADER], leader_staff, unit)
    rows = keycases.key_case_board(personas[Role.LEADER])
    assert {row.kind for row in rows} == {"petition", "dispute"}
    client.force_login(personas[Role.LEADER])
    html = client.get(reverse("petitions:keycases")).content.decode()
    assert dispute.number in html and 'data-kind="dispute"' in html


def test_the_board_shows_a_mediator_only_what_they_may_see(
    client, dispute, governance, personas, leader_staff, unit
):
    petition = register_petition(personas[Role.PETITION_CLERK], community=dispute.community)
    mark(dispute, governance, leader_staff, unit)
    mark(petition.case, personas[Role.LEADER], leader_staff, unit)
    rows = keycases.key_case_board(personas[Role.MEDIATOR])
    assert [row.kind for row in rows] == ["dispute"]
    client.force_login(personas[Role.MEDIATOR])
    response = client.get(reverse("petitions:keycases"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="disputes-subnav"' in html and 'data-kind="petition"' not in html


def test_the_board_is_refused_to_the_administrator(client, personas):
    client.force_login(personas[Role.ADMINISTRATOR])
    assert client.get(reverse("petitions:keycases")).status_code == 403


def test_the_dispute_page_offers_and_then_shows_the_key_case(
    client, dispute, governance, personas, leader_staff, unit
):
    page = reverse("disputes:detail", args=[dispute.pk])
    client.force_login(governance)
    assert 'id="mark-key-case"' in client.get(page).content.decode()
    client.force_login(personas[Role.MEDIATOR])
    assert 'id="mark-key-case"' not in client.get(page).content.decode()
    client.force_login(governance)
    form = client.get(reverse("petitions:keycase_new", args=[dispute.pk]))
    assert form.status_code == 200
    response = client.post(
        reverse("petitions:keycase_new", args=[dispute.pk]),
        {
            "leader": leader_staff.pk,
            "responsible_unit": unit.pk,
            "time_limit": (keycases.timezone.localdate() + timedelta(days=10)).isoformat(),
            "plan": "包案化解",
        },
    )
    key_case = KeyCase.objects.get(case_id=dispute.pk)
    assert response.status_code == 302
    html = client.get(page).content.decode()
    assert 'id="key-case"' in html and 'id="mark-key-case"' not in html
    detail = client.get(reverse("petitions:keycase", args=[key_case.pk])).content.decode()
    assert 'id="disputes-subnav"' in detail


def test_a_grid_worker_cannot_open_the_marking_form(client, dispute, personas):
    client.force_login(personas[Role.GRID_WORKER])
    response = client.get(reverse("petitions:keycase_new", args=[dispute.pk]))
    assert response.status_code in (403, 404)


def test_only_petitions_and_disputes_are_key_cases(dispute, governance, leader_staff, unit):
    from huiyin.cases.models import Case

    Case.objects.filter(pk=dispute.pk).update(kind=Case.Kind.INCIDENT)
    assert not keycases.may_mark(governance, Case.objects.get(pk=dispute.pk))
    with pytest.raises((TransitionRefused, Case.DoesNotExist)):
        mark(Case.objects.get(pk=dispute.pk), governance, leader_staff, unit)
