"""The meetings' pages: refused without assessment.view (a task's owner sees only their task),
fit for a phone, the office records, the owner marks done, the minutes open in python-docx."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import translation
from docx import Document

from huiyin.meetings import services
from huiyin.meetings.models import Meeting, MeetingTask, TaskStatus
from huiyin.meetings.tests.conftest import task_data
from huiyin.org.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(personas, office, meeting, petition):
    services.add_agenda_item(
        meeting, actor=office, data={"topic": "研究楼道堆物", "case": petition.case.number}
    )
    return services.add_task(
        meeting, actor=office, data=task_data(personas, case=petition.case.number)
    )


def _client(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "role", [Role.PETITION_CLERK, Role.GRID_WORKER, Role.MEDIATOR, Role.ADMINISTRATOR]
)
def test_roles_without_assessment_view_are_refused(client, personas, meeting, task, role):
    c = _client(client, personas[role])
    for url in (
        reverse("meetings:index"),
        reverse("meetings:detail", args=[meeting.pk]),
        reverse("meetings:minutes", args=[meeting.pk]),
        reverse("meetings:tasks"),
        reverse("meetings:new"),
    ):
        assert c.get(url).status_code == 403, url
    assert c.get(reverse("meetings:task", args=[task.pk])).status_code == 404
    assert c.post(reverse("meetings:task_done", args=[task.pk])).status_code == 404


def test_the_signed_out_are_sent_to_sign_in(client, meeting):
    response = client.get(reverse("meetings:detail", args=[meeting.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_owner_sees_their_task_marks_it_done_but_not_the_meeting(
    client, personas, meeting, task
):
    c = _client(client, personas[Role.DEPARTMENT_HANDLER])
    assert c.get(reverse("meetings:index")).status_code == 302  # to their own tasks
    assert c.get(reverse("meetings:detail", args=[meeting.pk])).status_code == 403
    page = c.get(reverse("meetings:tasks") + "?show=mine")
    assert page.status_code == 200 and task.text in page.content.decode()
    assert c.get(reverse("meetings:task", args=[task.pk])).status_code == 200
    response = c.post(
        reverse("meetings:task_done", args=[task.pk]),
        {"done_on": services.today().isoformat(), "result": "已书面答复", "version": 1},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.result == "已书面答复"


def test_a_viewer_reads_without_the_office_buttons(client, personas, meeting, task):
    c = _client(client, personas[Role.LEADER])
    body = c.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert "城建办牵头核实楼道堆物问题并书面答复" in body
    assert 'id="task-new"' not in body and 'id="meeting-edit"' not in body
    assert c.get(reverse("meetings:task_new", args=[meeting.pk])).status_code == 403
    assert c.post(reverse("meetings:task_done", args=[task.pk])).status_code == 403


def test_a_matter_outside_the_readers_view_is_counted_not_named(
    client, personas, meeting, task, petition, other_community
):
    from huiyin.testing import factories as f

    reader = f.person(Role.COMMUNITY_WORKER, username="cw2", community=other_community)
    c = _client(client, reader)
    body = c.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert petition.case.number not in body and petition.case.title not in body
    assert "data-matter-hidden" in body
    data = c.get(reverse("meetings:minutes", args=[meeting.pk])).content
    text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    assert petition.case.number not in text


def test_the_office_records_a_meeting_and_a_task_through_the_forms(client, personas, office):
    c = _client(client, office)
    leader = personas[Role.LEADER].staff
    with translation.override("en"):
        assert c.get(reverse("meetings:new")).status_code == 200
        response = c.post(
            reverse("meetings:new"),
            {
                "held_on": services.today().isoformat(),
                "title": "联席会议",
                "meeting_kind": "joint",
                "chair": str(leader.pk),
                "attendees": [str(personas[Role.DEPARTMENT_HANDLER].staff.pk)],
                "decisions": "协调整治。",
            },
        )
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert set(meeting.attendees.values_list("pk", flat=True)) == {
        leader.pk,
        personas[Role.DEPARTMENT_HANDLER].staff.pk,
    }
    url = reverse("meetings:task_new", args=[meeting.pk])
    bad = c.post(url, {**task_data(personas), "action": "稳控", "owner": str(leader.pk)})
    assert bad.status_code == 200 and not MeetingTask.objects.exists()
    good = c.post(
        url,
        {
            **task_data(personas),
            "due_on": (services.today() + timedelta(days=3)).isoformat(),
            "owner": str(leader.pk),
        },
    )
    assert good.status_code == 302 and MeetingTask.objects.count() == 1
    edit = c.post(
        reverse("meetings:edit", args=[meeting.pk]),
        {
            "held_on": services.today().isoformat(),
            "title": "联席会议（改）",
            "meeting_kind": "joint",
            "chair": str(leader.pk),
            "version": "99",
        },
    )
    assert edit.status_code == 200  # stale version: refused, said on the form
    meeting.refresh_from_db()
    assert meeting.title == "联席会议"


def test_the_pages_are_phone_friendly(client, personas, meeting, task):
    """Lists are list-groups of cards, long text breaks, no table and no inline style."""
    c = _client(client, personas[Role.GOVERNANCE_STAFF])
    for url in (
        reverse("meetings:index"),
        reverse("meetings:detail", args=[meeting.pk]),
        reverse("meetings:tasks"),
        reverse("meetings:task", args=[task.pk]),
        reverse("meetings:task_new", args=[meeting.pk]),
        reverse("meetings:edit", args=[meeting.pk]),
    ):
        body = c.get(url).content.decode()
        main = body.split('id="assessment-subnav"', 1)[-1]
        assert "<table" not in main, url
        assert not re.search(r'\sstyle="', main), url
        assert "<script>" not in main, url
        assert "text-break" in main or "<form" in main, url
    assert 'name="viewport"' in body


def test_the_minutes_open_in_python_docx_with_the_decisions_and_tasks(
    client, personas, meeting, task, petition
):
    c = _client(client, personas[Role.AUDITOR])
    response = c.get(reverse("meetings:minutes", args=[meeting.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(cell.text for t in doc.tables for row in t.rows for cell in row.cells)
    assert "会议纪要" in text and meeting.number in text
    assert "城建办牵头核实楼道堆物问题并书面答复。" in text
    assert "社区开展回访。" in text
    assert task.text in cells and "答复" in cells and petition.case.number in cells
    assert doc.core_properties.title == f"会议纪要 {meeting.number}"


def test_the_minutes_through_the_document_engine(meeting, personas, office):
    from huiyin.reports.documents import render
    from huiyin.reports.documents.render import by_name, find_subject

    services.add_task(meeting, actor=office, data=task_data(personas))
    spec = by_name("会议纪要")
    assert find_subject(meeting.number) == meeting
    data = render(spec, meeting)
    text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    assert "社区开展回访。" in text


def test_path_ids_out_of_range_are_404(client, personas):
    c = _client(client, personas[Role.GOVERNANCE_STAFF])
    assert c.get(f"/meetings/{10**30}/").status_code == 404
    assert c.get("/meetings/tasks/99999/").status_code == 404
