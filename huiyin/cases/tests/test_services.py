"""Changes to the core record outside the workflow: details, notes, withdrawal."""

import pytest
from django.http import Http404

from huiyin.cases.clocks import start_clock
from huiyin.cases.exceptions import MSG_STALE, StaleCase, TransitionRefused
from huiyin.cases.models import Case, CaseEvent, Clock
from huiyin.cases.services import (
    MSG_GRID_COMMUNITY,
    MSG_NO_PERM,
    MSG_TITLE_REQUIRED,
    add_note,
    update_case,
    withdraw_case,
)
from huiyin.cases.tests.factories import make_case
from huiyin.org.roles import Role
from huiyin.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(community):
    return make_case(community=community)


@pytest.fixture
def clerk(personas):
    return personas[Role.PETITION_CLERK]


def test_it_changes_the_details_and_bumps_the_version(case, clerk, other_community):
    updated = update_case(case, actor=clerk, version=1, title="新标题", community=other_community)
    assert (updated.title, updated.community, updated.version) == ("新标题", other_community, 2)
    assert CaseEvent.objects.filter(case=case, kind="updated").count() == 1
    entry = AuditEntry.objects.get(action="object.update", target_id=str(case.pk))
    assert entry.diff["title"] == "…"  # titles may name people
    assert entry.diff["community"] == [case.community_id, other_community.pk]


def test_it_refuses_a_stale_version_and_changes_nothing(case, clerk):
    update_case(case, actor=clerk, version=1, title="第一次修改")
    with pytest.raises(StaleCase) as refused:
        update_case(case, actor=clerk, version=1, title="第二个人的修改")
    assert refused.value.message == MSG_STALE
    assert str(refused.value) == "This matter was changed by someone else; reload it and try again."
    case.refresh_from_db()
    assert (case.title, case.version) == ("第一次修改", 2)
    assert AuditEntry.objects.filter(action="case.transition_refused").count() == 1


def test_it_refuses_a_grid_of_another_community(case, clerk, grid, other_community):
    with pytest.raises(TransitionRefused) as refused:
        update_case(case, actor=clerk, version=1, community=other_community, grid=grid)
    assert refused.value.message == MSG_GRID_COMMUNITY


def test_it_takes_the_community_from_the_grid(clerk, grid):
    case = make_case()
    updated = update_case(case, actor=clerk, version=1, grid=grid)
    assert updated.community == grid.community


def test_it_refuses_a_blank_title_and_readers(case, clerk, personas):
    with pytest.raises(TransitionRefused) as refused:
        update_case(case, actor=clerk, version=1, title="  ")
    assert refused.value.message == MSG_TITLE_REQUIRED
    with pytest.raises(TransitionRefused) as refused:
        update_case(case, actor=personas[Role.AUDITOR], version=1, title="审计员改")
    assert refused.value.message == MSG_NO_PERM
    with pytest.raises(Http404):
        update_case(case, actor=personas[Role.MEDIATOR], version=1, title="调解员改")
    assert Case.objects.get(pk=case.pk).version == 1


def test_it_refuses_fields_it_does_not_edit(case, clerk):
    with pytest.raises(TypeError):
        update_case(case, actor=clerk, version=1, status="concluded")


def test_it_adds_notes_to_the_timeline(case, clerk, personas):
    event = add_note(case, actor=clerk, text="已电话联系信访人")
    assert (event.kind, event.note) == ("note", "已电话联系信访人")
    with pytest.raises(TransitionRefused):
        add_note(case, actor=personas[Role.LEADER], text="领导批示")


def test_it_withdraws_a_case_without_deleting_it(case, clerk):
    start_clock(case, "acceptance_notice", case.received_on)
    withdrawn = withdraw_case(case, actor=clerk, version=1, reason="重复登记")
    assert withdrawn.withdrawn and withdrawn.withdrawn_reason == "重复登记"
    assert withdrawn.due_on is None
    assert Clock.objects.get(case=case).outcome == Clock.Outcome.CANCELLED
    assert Case.objects.filter(pk=case.pk).exists()
    assert not Case.objects.active().filter(pk=case.pk).exists()
    with pytest.raises(TransitionRefused):
        withdraw_case(withdrawn, actor=clerk, version=withdrawn.version, reason="again")
