"""Risk notes: about a matter, a place or a project (never a person), each with a resolution
task, closed with the action taken and any report upward, linked to what they turned into."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from huiyin.cases.exceptions import TransitionRefused
from huiyin.incidents import risk
from huiyin.incidents.models import RiskNote, RiskStatus, Task
from huiyin.incidents.registration import IncidentInvalid
from huiyin.incidents.tests import factories as itf
from huiyin.org.roles import Role
from huiyin.privacy.models import AuditEntry

pytestmark = pytest.mark.usefixtures("types")


def note_data(personas, community, grid=None, **extra) -> dict:
    return {
        "subject_kind": "project",
        "subject": "翠屏路拆迁安置项目",
        "risk_type": "land",
        "description": "部分住户对安置方案有意见，近期多次到社区反映",
        "level": "elevated",
        "community": community,
        "grid": grid,
        "action": "reply",
        "task_title": "约见住户代表，答复安置政策",
        "owner": personas[Role.COMMUNITY_WORKER].staff.pk,
        "due_at": timezone.now() + timedelta(days=2),
        **extra,
    }


def test_a_note_with_its_first_task(personas, community):
    note = risk.create_risk_note(personas[Role.COMMUNITY_WORKER], **note_data(personas, community))
    assert note.status == RiskStatus.OPEN and note.tasks.count() == 1
    assert AuditEntry.objects.filter(action="object.create", target_id=str(note.pk)).exists()


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("subject_kind", ""),  # no subject kind: refused
        ("subject_kind", "person"),  # a person is not a subject
        ("subject", ""),  # no matter named
        ("subject", "张三 110105199003071234 可能进京"),
        ("description", "联系电话13812345678的住户情绪激动"),
        ("task_title", ""),  # no resolution task
        ("owner", ""),
        ("due_at", "tomorrow"),
        ("level", "red"),  # no warning colours: the street's own level
        ("noted_on", "2999-01-01"),
    ],
)
def test_a_note_without_a_matter_subject_or_a_task_is_refused(personas, community, key, value):
    data = note_data(personas, community, **{key: value})
    with pytest.raises(IncidentInvalid) as refused:
        risk.create_risk_note(personas[Role.GOVERNANCE_STAFF], **data)
    assert key in refused.value.errors
    assert not RiskNote.objects.exists() and not Task.objects.exists()


def test_a_note_has_no_person_field():
    names = {f.name for f in RiskNote._meta.get_fields()}
    assert not names & {"person", "people", "name", "id_number", "phone", "petitioner", "party"}
    relations = {f.name for f in RiskNote._meta.get_fields() if f.is_relation}
    assert relations == {
        "street", "community", "grid", "closed_by", "incident_case", "dispute_case",
        "created_by", "tasks",
    }  # fmt: skip
    # Nobody's trip anywhere is a type of note.
    from huiyin.incidents.models import RiskType, SubjectKind

    assert set(SubjectKind.values) == {"matter", "place", "project"}
    assert not any("petition" in v or "trip" in v for v in RiskType.values)


def test_who_records_and_who_reads(personas, community, other_community):
    with pytest.raises(PermissionDenied):
        risk.create_risk_note(personas[Role.LEADER], **note_data(personas, community))
    with pytest.raises(PermissionDenied):
        risk.create_risk_note(
            personas[Role.COMMUNITY_WORKER], **note_data(personas, other_community)
        )
    note = risk.create_risk_note(
        personas[Role.GOVERNANCE_STAFF], **note_data(personas, other_community)
    )
    assert RiskNote.objects.visible_to(personas[Role.LEADER]).filter(pk=note.pk).exists()
    assert not RiskNote.objects.visible_to(personas[Role.COMMUNITY_WORKER]).exists()
    assert not RiskNote.objects.visible_to(personas[Role.PETITION_CLERK]).exists()
    with pytest.raises(Http404):
        risk.get_for_user(personas[Role.COMMUNITY_WORKER], note.pk)


def test_closing_needs_the_action_taken_and_every_task_done(personas, community):
    worker = personas[Role.COMMUNITY_WORKER]
    note = risk.create_risk_note(worker, **note_data(personas, community))
    with pytest.raises(TransitionRefused) as refused:
        risk.close_risk_note(note, worker, action_taken="已答复")
    assert "tasks are still open" in str(refused.value.message)
    task = note.tasks.get()
    # Another worker who is not the owner and may not change the note: refused.
    with pytest.raises(Http404):
        risk.finish_task(note, personas[Role.MEDIATOR], task=task.pk, result="x")
    risk.finish_task(note, worker, task=task.pk, result="已约见住户代表并答复")
    with pytest.raises(TransitionRefused):
        risk.close_risk_note(note, worker, action_taken="")
    with pytest.raises(TransitionRefused):
        risk.close_risk_note(note, worker, action_taken="已答复", reported_upward=True)
    note = risk.close_risk_note(
        note,
        worker,
        action_taken="已答复，住户表示理解",
        reported_upward=True,
        reported_to="区信访局",
        reported_at=timezone.now(),
    )
    assert note.status == RiskStatus.CLOSED and note.reported_to == "区信访局"
    with pytest.raises(TransitionRefused):
        risk.close_risk_note(note, worker, action_taken="again")
    with pytest.raises(TransitionRefused):
        risk.add_task(
            note,
            worker,
            action="reply",
            task_title="x",
            owner=worker.staff.pk,
            due_at=timezone.now(),
        )


def test_a_stale_version_is_refused(personas, community):
    from huiyin.cases.exceptions import StaleCase

    worker = personas[Role.COMMUNITY_WORKER]
    note = risk.create_risk_note(worker, **note_data(personas, community))
    with pytest.raises(StaleCase):
        risk.close_risk_note(note, worker, action_taken="x", version=note.version + 1)


def test_it_turns_into_an_incident_and_links_a_dispute(personas, community, grid):
    from huiyin.disputes.services import register_dispute

    duty = personas[Role.GOVERNANCE_STAFF]
    note = risk.create_risk_note(duty, **note_data(personas, community, grid=grid))
    case = itf.register(duty, community=community, grid=grid, risk_note=note.pk)
    note.refresh_from_db()
    assert note.incident_case_id == case.pk
    dispute = register_dispute(
        duty,
        title="安置补偿纠纷",
        community=community,
        source="initiative",
        received_on=timezone.localdate(),
    )
    note = risk.link_risk_note(note, duty, dispute=dispute.number)
    assert note.dispute_case_id == dispute.pk
    with pytest.raises(TransitionRefused):
        risk.link_risk_note(note, duty, dispute="浓洄调〔2099〕9999号")
    with pytest.raises(TransitionRefused):
        risk.link_risk_note(note, duty)


def test_the_pages(client, personas, community):
    worker = personas[Role.COMMUNITY_WORKER]
    client.force_login(worker)
    assert client.get(reverse("incidents:risk_list")).status_code == 200
    assert client.get(reverse("incidents:risk_new")).status_code == 200
    data = note_data(personas, community)
    data.update(community=community.pk, due_at=data["due_at"].strftime("%Y-%m-%dT%H:%M"))
    data.pop("grid")
    bad = {**data, "subject": "身份证110105199003071234"}
    response = client.post(reverse("incidents:risk_new"), bad)
    assert response.status_code == 400 and not RiskNote.objects.exists()
    response = client.post(reverse("incidents:risk_new"), data)
    assert response.status_code == 302
    note = RiskNote.objects.get()
    page = client.get(reverse("incidents:risk_detail", args=[note.pk])).content.decode()
    assert note.subject in page and 'id="risk-close"' in page
    task = note.tasks.get()
    response = client.post(
        reverse("incidents:risk_finish", args=[note.pk]),
        {"version": note.version, "task": task.pk, "result": "已答复"},
    )
    assert response.status_code == 302
    note.refresh_from_db()
    response = client.post(
        reverse("incidents:risk_close", args=[note.pk]),
        {"version": note.version, "action_taken": "已答复"},
    )
    assert response.status_code == 302
    assert RiskNote.objects.get().status == RiskStatus.CLOSED
    client.force_login(personas[Role.PETITION_CLERK])
    assert client.get(reverse("incidents:risk_detail", args=[note.pk])).status_code == 403
