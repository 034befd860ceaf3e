"""The case page: the door, masked identity and its audited reveal, actions, attachments."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from django.utils.translation import gettext

from huiyin.cases import deadlines
from huiyin.cases.attachments import MSG_TYPE
from huiyin.cases.exceptions import MSG_STALE
from huiyin.cases.models import Attachment, Case, CaseEvent
from huiyin.org.roles import Role
from huiyin.petitions.models import FollowUp, Status
from huiyin.petitions.services import mark_key_case
from huiyin.petitions.tests.factories import ID_1, PHONE_1, bring_to, register
from huiyin.privacy.models import AuditEntry
from huiyin.testing import factories as f

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def page_url(case) -> str:
    return f"/petitions/{case.pk}/"


def do_url(case, name: str) -> str:
    return f"/petitions/{case.pk}/do/{name}/"


def post_transition(client, case, name: str, *, version=None, **fields):
    current = Case.objects.get(pk=case.pk)
    data = {f"{name}-version": current.version if version is None else version}
    data.update({f"{name}-{key}": value for key, value in fields.items()})
    return client.post(do_url(case, name), data)


def fresh(case) -> Case:
    return Case.objects.get(pk=case.pk)


def zh(message) -> str:
    with translation.override("zh-hans"):
        return gettext(str(message)) if isinstance(message, str) else str(message)


def audit_actions(case) -> list[str]:
    return list(
        AuditEntry.objects.filter(target_type="cases.case", target_id=str(case.pk)).values_list(
            "action", flat=True
        )
    )


@pytest.fixture
def assigned(petition, personas, unit):
    """A petition assigned to the handler's unit (城建办)."""
    bring_to(petition, Status.ASSIGNED, personas, unit=unit)
    return petition


@pytest.fixture
def other_unit(unit):
    return f.UnitFactory(street=unit.street, name="社事办")


# --------------------------------------------------------------------------- the door


def test_it_shows_the_case_page_to_the_clerk(client, clerk, petition):
    client.force_login(clerk)
    response = client.get(page_url(petition.case))
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["nav_active"] == "petitions"
    assert petition.case.number in html
    assert 'id="case-timeline"' in html
    assert 'data-clock="register_transfer"' in html
    assert "huiyin/case.css" in html  # with the print layout


def test_it_answers_404_outside_the_scope(client, clerk, handler, petition):
    client.force_login(handler)  # not assigned to the handler's unit
    assert client.get(page_url(petition.case)).status_code == 404
    assert "access.denied" in audit_actions(petition.case)
    assert client.get("/petitions/999999/").status_code == 404


def test_it_refuses_the_page_to_roles_without_petitions(client, personas, petition):
    client.force_login(personas[Role.GRID_WORKER])
    assert client.get(page_url(petition.case)).status_code == 403


def test_it_answers_404_to_the_unit_complained_about(client, personas, clerk, unit, other_unit):
    about = register(clerk, complained_unit=unit, title="反映城建办")
    bring_to(about, Status.ASSIGNED, personas, unit=other_unit)
    # Handles for both units: only the complaint rule keeps the petition away.
    both = f.person(Role.DEPARTMENT_HANDLER, username="both", unit=other_unit)
    both.staff.grants.create(role=Role.DEPARTMENT_HANDLER, unit=unit)
    client.force_login(both)
    assert client.get(page_url(about.case)).status_code == 404
    plain = register(clerk, title="普通")
    bring_to(plain, Status.ASSIGNED, personas, unit=other_unit)
    assert client.get(page_url(plain.case)).status_code == 200


def test_it_names_the_unit_complained_about_to_others(client, clerk, unit):
    about = register(clerk, complained_unit=unit, complained_text="某科长", title="反映城建办")
    client.force_login(clerk)
    html = client.get(page_url(about.case)).content.decode()
    assert 'id="complained"' in html
    assert "某科长" in html


# --------------------------------------------------------------------------- identity


def test_it_masks_the_petitioners_on_the_page(client, clerk, petition):
    client.force_login(clerk)
    html = client.get(page_url(petition.case)).content.decode()
    assert "138****5678" in html
    assert PHONE_1 not in html
    assert ID_1 not in html
    assert "张三" not in html


def test_it_reveals_the_identity_to_the_clerk_and_audits_it(client, clerk, petition):
    client.force_login(clerk)
    html = client.get(page_url(petition.case)).content.decode()
    assert 'class="btn btn-sm btn-outline-danger hy-reveal"' in html
    person = petition.petitioners.get()
    url = f"/petitions/{petition.pk}/identity/{person.pk}/"
    response = client.post(url, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert PHONE_1 in body
    assert ID_1 in body
    assert "<html" not in body
    assert "no-store" in response["Cache-Control"]
    assert "identity.view" in audit_actions(petition.case)
    # Without htmx: a page of its own.
    assert "<html" in client.post(url).content.decode()


def test_it_refuses_the_identity_to_a_handler(client, handler, assigned):
    client.force_login(handler)
    html = client.get(page_url(assigned.case)).content.decode()
    assert "hy-reveal" not in html
    person = assigned.petitioners.get()
    response = client.post(f"/petitions/{assigned.pk}/identity/{person.pk}/")
    assert response.status_code == 403
    assert PHONE_1 not in response.content.decode()
    assert "access.denied" in audit_actions(assigned.case)
    assert "identity.view" not in audit_actions(assigned.case)


def test_it_answers_404_for_a_petitioner_of_another_case(client, clerk, petition):
    other = register(clerk, title="另一件")
    person = other.petitioners.get()
    client.force_login(clerk)
    assert client.post(f"/petitions/{petition.pk}/identity/{person.pk}/").status_code == 404
    assert client.get(f"/petitions/{other.pk}/identity/{person.pk}/").status_code == 405


# --------------------------------------------------------------------------- transitions


def test_it_offers_only_the_actions_the_person_may_take(client, clerk, handler, assigned, petition):
    client.force_login(clerk)
    html = client.get(page_url(assigned.case)).content.decode()
    assert 'data-transition="assign"' in html
    assert 'data-transition="start_handling"' not in html
    client.force_login(handler)
    html = client.get(page_url(assigned.case)).content.decode()
    assert 'data-transition="start_handling"' in html
    assert 'data-transition="assign"' not in html
    assert f'name="start_handling-version" value="{fresh(assigned.case).version}"' in html


def test_it_accepts_assigns_and_replies_through_the_pages(client, clerk, handler, petition, unit):
    case = petition.case
    client.force_login(clerk)
    response = post_transition(client, case, "accept")
    assert response.status_code == 302
    assert fresh(case).status == Status.ACCEPTED
    response = post_transition(client, case, "assign", unit=unit.pk, handler=handler.staff.pk)
    assert response.status_code == 302
    assert (fresh(case).status, fresh(case).owner_unit_id) == (Status.ASSIGNED, unit.pk)
    client.force_login(handler)
    assert post_transition(client, case, "start_handling").status_code == 302
    # 条例 art. 32: the reply form asks for the facts found and the basis.
    response = post_transition(
        client, case, "reply", text="经核查，已责令整改。", delivery="in_person"
    )
    assert response.status_code == 400
    assert fresh(case).status == Status.HANDLING
    response = post_transition(
        client,
        case,
        "reply",
        facts="楼道堆物属实。",
        basis="《消防法》第二十八条。",
        text="经核查，已责令整改。",
        delivery="in_person",
    )
    assert response.status_code == 302
    assert fresh(case).status == Status.REPLIED
    petition.refresh_from_db()
    assert (petition.reply_facts, petition.reply_basis) == (
        "楼道堆物属实。",
        "《消防法》第二十八条。",
    )
    html = client.get(page_url(case)).content.decode()
    assert "经核查，已责令整改。" in html
    assert 'data-event="reply"' in html


def test_a_phone_user_jumps_to_the_actions_and_a_reader_sees_no_jump(
    client, clerk, personas, petition
):
    client.force_login(clerk)
    html = client.get(page_url(petition.case)).content.decode()
    assert 'id="jump-to-actions"' in html and 'href="#case-actions"' in html
    client.force_login(personas[Role.AUDITOR])
    html = client.get(page_url(petition.case)).content.decode()
    assert 'id="jump-to-actions"' not in html


def test_it_refuses_the_wrong_role_with_a_message_and_changes_nothing(client, handler, assigned):
    before = fresh(assigned.case)
    client.force_login(handler)
    response = post_transition(client, assigned.case, "conclude")
    assert response.status_code == 400
    messages = [str(m) for m in response.context["messages"]]
    assert messages
    after = fresh(assigned.case)
    assert (after.status, after.version) == (before.status, before.version)
    assert "case.transition_refused" in audit_actions(assigned.case)


def test_it_refuses_a_transition_to_roles_without_petitions(client, personas, petition):
    client.force_login(personas[Role.GRID_WORKER])
    assert post_transition(client, petition.case, "accept").status_code == 403
    assert fresh(petition.case).status == Status.REGISTERED


def test_it_answers_409_to_a_stale_form(client, clerk, petition):
    case = petition.case
    seen = fresh(case).version
    client.force_login(clerk)
    assert post_transition(client, case, "accept", version=seen).status_code == 302
    response = post_transition(client, case, "decline", version=seen, reason="不属于信访事项")
    assert response.status_code == 409
    html = response.content.decode()
    assert zh(MSG_STALE) in html
    assert "已被他人修改" in html
    assert fresh(case).status == Status.ACCEPTED
    # The page it shows carries the fresh version, so a retry can go through.
    assert f'value="{fresh(case).version}"' in html


def test_it_treats_a_missing_version_as_stale(client, clerk, petition):
    client.force_login(clerk)
    response = client.post(do_url(petition.case, "accept"), {})
    assert response.status_code == 409
    assert fresh(petition.case).status == Status.REGISTERED


def test_it_shows_field_errors_beside_the_field(client, clerk, petition, personas, unit):
    bring_to(petition, Status.ACCEPTED, personas, unit=unit)
    client.force_login(clerk)
    response = post_transition(client, petition.case, "assign", unit="")
    assert response.status_code == 400
    assert 'data-field="unit"' in response.content.decode()
    assert fresh(petition.case).status == Status.ACCEPTED
    response = post_transition(client, petition.case, "assign", unit="not-a-number")
    assert response.status_code == 400


def test_it_refuses_a_bad_payload_with_the_services_message(client, clerk, petition, personas):
    bring_to(petition, Status.ACCEPTED, personas, unit=petition.case.street.units.first())
    client.force_login(clerk)
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    before = fresh(petition.case)
    response = post_transition(
        client, petition.case, "reply", text="答复", delivery="post", replied_on=future
    )
    assert response.status_code == 400
    assert fresh(petition.case).version == before.version


def test_it_answers_404_to_an_unknown_action(client, clerk, petition):
    client.force_login(clerk)
    assert post_transition(client, petition.case, "teleport").status_code == 404
    assert client.get(do_url(petition.case, "accept")).status_code == 405


# --------------------------------------------------------------------------- attachments


def test_it_uploads_and_downloads_an_attachment_with_an_audit(client, clerk, petition):
    client.force_login(clerk)
    upload = SimpleUploadedFile("来信.pdf", PDF, content_type="application/pdf")
    response = client.post(f"/petitions/{petition.pk}/attachments/", {"file": upload})
    assert response.status_code == 302
    attachment = Attachment.objects.get(case=petition.case)
    response = client.get(f"/petitions/{petition.pk}/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert AuditEntry.objects.filter(
        action="download", target_type="cases.attachment", target_id=str(attachment.pk)
    ).exists()


def test_it_refuses_an_executable_renamed_pdf_in_chinese(client, clerk, petition):
    client.force_login(clerk)
    upload = SimpleUploadedFile("invoice.pdf", EXE, content_type="application/pdf")
    response = client.post(f"/petitions/{petition.pk}/attachments/", {"file": upload})
    assert response.status_code == 400
    html = response.content.decode()
    assert zh(MSG_TYPE) in html
    assert "不" in zh(MSG_TYPE)  # the catalogue has it in Chinese
    assert not Attachment.objects.filter(case=petition.case).exists()


def test_it_hides_a_download_outside_the_scope(client, clerk, handler, petition):
    client.force_login(clerk)
    upload = SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")
    client.post(f"/petitions/{petition.pk}/attachments/", {"file": upload})
    attachment = Attachment.objects.get(case=petition.case)
    client.force_login(handler)
    assert client.get(f"/petitions/{petition.pk}/attachments/{attachment.pk}/").status_code == 404
    assert not AuditEntry.objects.filter(action="download").exists()
    other = register(clerk, title="另一件")
    client.force_login(clerk)
    assert client.get(f"/petitions/{other.pk}/attachments/{attachment.pk}/").status_code == 404


def test_it_withdraws_an_attachment_with_a_reason(client, clerk, petition):
    client.force_login(clerk)
    upload = SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")
    client.post(f"/petitions/{petition.pk}/attachments/", {"file": upload})
    attachment = Attachment.objects.get(case=petition.case)
    url = f"/petitions/{petition.pk}/attachments/{attachment.pk}/withdraw/"
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "传错文件"}).status_code == 302
    attachment.refresh_from_db()
    assert attachment.withdrawn


# --------------------------------------------------------------------------- notes, follow-ups


def test_it_adds_a_note_and_refuses_an_empty_one(client, clerk, petition):
    client.force_login(clerk)
    assert client.post(f"/petitions/{petition.pk}/note/", {"text": " "}).status_code == 400
    assert client.post(f"/petitions/{petition.pk}/note/", {"text": "已电话联系"}).status_code == 302
    assert CaseEvent.objects.filter(case=petition.case, kind="note", note="已电话联系").exists()


def test_it_refuses_a_note_from_a_read_only_role(client, personas, petition):
    client.force_login(personas[Role.AUDITOR])
    response = client.post(f"/petitions/{petition.pk}/note/", {"text": "审计"})
    assert response.status_code == 400
    assert not CaseEvent.objects.filter(case=petition.case, kind="note").exists()


def test_it_records_a_follow_up_only_after_the_reply(client, clerk, petition, personas, unit):
    url = f"/petitions/{petition.pk}/follow-up/"
    client.force_login(clerk)
    assert 'id="follow-up"' not in client.get(page_url(petition.case)).content.decode()
    assert client.post(url, {"satisfaction": "satisfied"}).status_code == 400
    bring_to(petition, Status.REPLIED, personas, unit=unit)
    assert 'id="follow-up"' in client.get(page_url(petition.case)).content.decode()
    assert client.post(url, {"satisfaction": "ecstatic"}).status_code == 400
    response = client.post(url, {"satisfaction": "basically_satisfied", "note": "基本认可"})
    assert response.status_code == 302
    assert FollowUp.objects.get(petition=petition).satisfaction == "basically_satisfied"


# --------------------------------------------------------------------------- withdrawal, key case


def test_it_withdraws_a_case_for_the_clerk_only(client, clerk, handler, assigned):
    version = fresh(assigned.case).version
    client.force_login(handler)
    response = client.post(
        f"/petitions/{assigned.pk}/withdraw/", {"reason": "误录", "version": version}
    )
    assert response.status_code == 400
    assert not fresh(assigned.case).withdrawn
    client.force_login(clerk)
    response = client.post(
        f"/petitions/{assigned.pk}/withdraw/", {"reason": "重复登记", "version": version}
    )
    assert response.status_code == 302
    assert fresh(assigned.case).withdrawn


def test_it_links_the_key_case_page_for_approvers_and_deciders(
    client, clerk, leader, handler, assigned, unit
):
    for user in (clerk, leader):
        client.force_login(user)
        assert 'id="mark-key-case"' in client.get(page_url(assigned.case)).content.decode()
    client.force_login(handler)
    assert 'id="mark-key-case"' not in client.get(page_url(assigned.case)).content.decode()
    mark_key_case(
        assigned,
        actor=clerk,
        leader=leader.staff,
        plan="包案",
        time_limit=timezone.localdate() + timedelta(days=10),
        responsible_unit=unit,
    )
    client.force_login(clerk)
    html = client.get(page_url(assigned.case)).content.decode()
    assert 'id="mark-key-case"' not in html
    assert 'id="key-case"' in html


# --------------------------------------------------------------------------- clocks, timeline


def test_it_lists_every_clock_with_its_time_left(client, clerk, petition, personas, unit):
    bring_to(petition, Status.ACCEPTED, personas, unit=unit)
    client.force_login(clerk)
    html = client.get(page_url(petition.case)).content.decode()
    assert 'data-clock="handling" data-running="1"' in html
    # Decided, the petitioner not told yet (条例 art. 23): the notice clock runs on.
    assert 'data-clock="acceptance_notice" data-running="1"' in html
    assert 'data-notice="owed"' in html
    assert 'data-transition="record_notice"' in html
    assert "信访工作条例 第三十四条" in html
    assert 'data-state="ok"' in html  # 60 days to handle


def test_it_warns_when_the_holiday_year_is_unknown(client, clerk):
    previous = deadlines.set_calendar_provider(lambda: deadlines.HolidayCalendar())
    try:
        p = register(clerk, received_at=timezone.now())
    finally:
        deadlines.set_calendar_provider(previous)
    client.force_login(clerk)
    response = client.get(page_url(p.case))
    warnings = response.context["holiday_warnings"]
    assert warnings
    # The limit is counted from tomorrow: on New Year's Eve only next year is consulted.
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert str(tomorrow.year) in warnings[0]
    assert "hy-holiday-warning" in response.content.decode()


def test_it_shows_the_timeline_oldest_first_with_labels(client, clerk, petition, personas, unit):
    bring_to(petition, Status.ACCEPTED, personas, unit=unit)
    client.force_login(clerk)
    response = client.get(page_url(petition.case))
    kinds = [e.kind for e in response.context["events"]]
    assert kinds[0] == "registered"
    assert kinds.index("accept") > kinds.index("registered")
    labels = {e.kind: e.display_label for e in response.context["events"]}
    assert labels["accept"] != "accept"
    assert labels["registered"] != "registered"


def test_it_lets_a_leader_extend_once_within_the_limit(client, leader, assigned):
    from huiyin.petitions.tests.factories import running

    due = running(assigned.case, "handling").due_on
    client.force_login(leader)
    html = client.get(page_url(assigned.case)).content.decode()
    assert f'min="{due.isoformat()}"' in html  # the form says how far it may go
    too_far = (due + timedelta(days=60)).isoformat()
    told = {"told_on": timezone.localdate().isoformat(), "told_manner": "written"}
    response = post_transition(
        client, assigned.case, "extend", reason="案情复杂", new_due_on=too_far, **told
    )
    assert response.status_code == 400
    assert running(assigned.case, "handling").due_on == due
    later = (due + timedelta(days=20)).isoformat()
    response = post_transition(
        client, assigned.case, "extend", reason="案情复杂", new_due_on=later, **told
    )
    assert response.status_code == 302
    assert running(assigned.case, "handling").due_on.isoformat() == later
    html = client.get(page_url(assigned.case)).content.decode()
    assert 'data-transition="extend"' not in html  # once only
    extension = html[html.index('id="extension"') :]
    assert timezone.localdate().isoformat() in extension[: extension.index("</dd>")]
