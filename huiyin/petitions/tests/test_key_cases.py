"""Key cases (包案, "五个一") and their board."""

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from huiyin.cases.exceptions import TransitionRefused
from huiyin.cases.models import CaseEvent
from huiyin.org.models import Staff
from huiyin.org.roles import Role
from huiyin.petitions.models import KeyCase, KeyCaseProgress
from huiyin.petitions.services import (
    MSG_KEY_CASE_EXISTS,
    MSG_NOT_A_LEADER,
    PetitionInvalid,
    add_progress,
    close_key_case,
    key_case_board,
    mark_key_case,
)
from huiyin.petitions.tests.factories import register
from huiyin.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader_staff(leader):
    return Staff.objects.get(user=leader)


def mark(petition, actor, leader_staff, unit, **overrides):
    values = {
        "leader": leader_staff,
        "plan": "一周内现场核查，两周内召开协调会",
        "time_limit": timezone.localdate() + timedelta(days=10),
        "responsible_unit": unit,
        **overrides,
    }
    return mark_key_case(petition, actor=actor, **values)


def test_it_marks_a_key_case_with_the_five_ones(petition, leader, leader_staff, unit, personas):
    team = [Staff.objects.get(user=personas[Role.PETITION_CLERK])]
    key_case = mark(petition, leader, leader_staff, unit, team=team, team_note="社区书记")
    assert (key_case.leader, key_case.responsible_unit) == (leader_staff, unit)
    assert list(key_case.team.all()) == team
    assert CaseEvent.objects.filter(case=petition.case, kind="key_case").count() == 1
    assert AuditEntry.objects.filter(action="object.create", target_id=str(key_case.pk)).exists()


def test_it_refuses_a_second_mark_a_non_leader_and_a_past_limit(
    petition, clerk, leader_staff, unit
):
    mark(petition, clerk, leader_staff, unit)
    with pytest.raises(PetitionInvalid) as invalid:
        mark(
            petition,
            clerk,
            Staff.objects.get(user=clerk),
            unit,
            time_limit=timezone.localdate() - timedelta(days=1),
            plan=" ",
        )
    assert invalid.value.errors["petition"] == [MSG_KEY_CASE_EXISTS]
    assert invalid.value.errors["leader"] == [MSG_NOT_A_LEADER]
    assert set(invalid.value.errors) == {"petition", "leader", "time_limit", "plan"}


def test_it_refuses_marking_by_readers(petition, personas, leader_staff, unit):
    with pytest.raises(TransitionRefused):
        mark(petition, personas[Role.AUDITOR], leader_staff, unit)
    with pytest.raises(Http404):
        mark(petition, personas[Role.MEDIATOR], leader_staff, unit)
    assert not KeyCase.objects.exists()


def test_it_refuses_the_complained_unit_as_responsible(clerk, leader, leader_staff, unit):
    petition = register(clerk, complained_unit=unit)
    with pytest.raises(PetitionInvalid) as invalid:
        mark(petition, leader, leader_staff, unit)
    assert set(invalid.value.errors) == {"responsible_unit"}


def test_it_adds_progress_entries(petition, leader, leader_staff, unit, personas):
    key_case = mark(petition, leader, leader_staff, unit)
    add_progress(key_case, actor=leader, text="已召开协调会")
    with pytest.raises(PetitionInvalid):
        add_progress(key_case, actor=leader, text="  ")
    with pytest.raises(TransitionRefused):
        add_progress(key_case, actor=personas[Role.AUDITOR], text="审计员不写进展")
    assert list(KeyCaseProgress.objects.values_list("text", flat=True)) == ["已召开协调会"]


def test_it_shows_the_board_with_state_and_days_left(
    clerk, leader, leader_staff, unit, personas, django_assert_max_num_queries
):
    for days in (5, -2, 20):
        petition = register(clerk)
        key_case = mark(
            petition,
            leader,
            leader_staff,
            unit,
            time_limit=timezone.localdate() + timedelta(days=10),
        )
        KeyCase.objects.filter(pk=key_case.pk).update(
            time_limit=timezone.localdate() + timedelta(days=days)
        )
        add_progress(key_case, actor=leader, text="进展一")
        add_progress(key_case, actor=leader, text="进展二")
    user = personas[Role.AUDITOR]
    key_case_board(user)  # warm the per-user caches
    with django_assert_max_num_queries(3):
        rows = key_case_board(user)
    assert [r.days_left for r in rows] == [-2, 5, 20]
    assert [r.overdue for r in rows] == [True, False, False]
    assert {r.progress_count for r in rows} == {2}
    assert {r.status_label for r in rows} == {"Registered"}
    assert rows[0].leader == leader_staff.name
    assert key_case_board(personas[Role.MEDIATOR]) == []


def test_it_closes_a_key_case(petition, leader, leader_staff, unit, clerk):
    key_case = mark(petition, clerk, leader_staff, unit)
    with pytest.raises(TransitionRefused):
        close_key_case(key_case, actor=clerk)
    close_key_case(key_case, actor=leader)
    assert KeyCase.objects.get(pk=key_case.pk).closed_at is not None
    assert key_case_board(leader) == []
    assert len(key_case_board(leader, include_closed=True)) == 1
