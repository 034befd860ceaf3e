"""Attachments over the API: the list (what each file is), the download through the case's door
(audited), the upload with the web's checks (audited), and every refusal a problem."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from huiyin.api.tests.conftest import problem
from huiyin.cases.attachments import MSG_EMPTY, MSG_NO_WORK_PERM, MSG_TYPE, attach
from huiyin.cases.attachments import withdraw_attachment as withdraw
from huiyin.cases.models import Attachment
from huiyin.org.roles import Role
from huiyin.petitions.tests.factories import register
from huiyin.privacy.models import AuditEntry

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"


@pytest.fixture
def petition(personas, community, grid):
    return register(personas[Role.PETITION_CLERK], community=community, grid=grid).case


@pytest.fixture
def stored(petition, personas):
    clerk = personas[Role.PETITION_CLERK]
    return attach(petition, SimpleUploadedFile("核查材料.pdf", PDF), actor=clerk)


def base(case) -> str:
    return f"/api/v1/cases/{quote(case.number)}/attachments"


@pytest.fixture
def upload(token_of):
    """``upload(user, case, files={"file": …}, scope="write", **extra)`` → the response."""

    def do(user, case, files=None, *, scope="write", **extra):
        data = files if files is not None else {"file": SimpleUploadedFile("照片.pdf", PDF)}
        return Client().post(
            base(case),
            data,
            HTTP_AUTHORIZATION=f"Bearer {token_of(user, scope)}",
            HTTP_ACCEPT_LANGUAGE="en",
            **extra,
        )

    return do


def test_the_list_says_what_each_file_is(stored, petition, personas, call):
    clerk = personas[Role.PETITION_CLERK]
    withdrawn = attach(petition, SimpleUploadedFile("错传.pdf", PDF), actor=clerk)
    withdraw(clerk, withdrawn.pk, reason="传错了")
    response = call(personas[Role.LEADER], "get", base(petition))
    assert response.status_code == 200, response.content
    rows = response.json()
    assert [r["name"] for r in rows] == ["核查材料.pdf", "错传.pdf"]
    first, second = rows
    assert first["size"] == len(PDF) and first["content_type"] == "application/pdf"
    assert first["uploaded_by"] and first["withdrawn"] is False
    assert first["url"].endswith(f"/attachments/{stored.pk}")
    assert second["withdrawn"] is True and second["url"] is None


def test_download_through_the_door_and_audited(stored, petition, personas, call):
    leader = personas[Role.LEADER]
    before = AuditEntry.objects.filter(action="download").count()
    response = call(leader, "get", f"{base(petition)}/{stored.pk}")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert AuditEntry.objects.filter(action="download").count() == before + 1
    entry = AuditEntry.objects.filter(action="download").latest("id")
    assert entry.actor_id == leader.pk


def test_download_refusals(stored, petition, personas, community, call):
    clerk = personas[Role.PETITION_CLERK]
    # Not this case's file, no such file, a withdrawn file: 404 problems.
    other = register(clerk, community=community).case
    assert problem(call(clerk, "get", f"{base(other)}/{stored.pk}"))["status"] == 404
    assert problem(call(clerk, "get", f"{base(petition)}/999999"))["status"] == 404
    assert call(clerk, "get", f"{base(petition)}/0").status_code in (404, 422)
    assert call(clerk, "get", f"{base(petition)}/abc").status_code == 422
    assert call(clerk, "get", f"{base(petition)}/{2**70}").status_code == 422
    withdraw(clerk, stored.pk, reason="传错了")
    assert problem(call(clerk, "get", f"{base(petition)}/{stored.pk}"))["status"] == 404
    # Someone outside the case's reach: the same 404, never the file.
    mediator = personas[Role.MEDIATOR]
    assert call(mediator, "get", f"{base(petition)}/{stored.pk}").status_code in (403, 404)


def test_upload_as_the_web_does_and_audited(petition, personas, upload):
    clerk = personas[Role.PETITION_CLERK]
    before = AuditEntry.objects.filter(action="object.create").count()
    response = upload(clerk, petition)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "照片.pdf" and body["content_type"] == "application/pdf"
    assert response["Location"] == body["url"]
    row = Attachment.objects.get(pk=body["id"])
    assert row.case_id == petition.pk and row.uploaded_by_id == clerk.pk
    assert AuditEntry.objects.filter(action="object.create").count() == before + 1


@pytest.mark.parametrize(
    ("files", "status", "message"),
    [
        ({"file": SimpleUploadedFile("a.exe", EXE)}, 422, MSG_TYPE),
        ({"file": SimpleUploadedFile("empty.txt", b"")}, 422, MSG_EMPTY),
        ({}, 422, None),
        ({"other": SimpleUploadedFile("a.pdf", PDF)}, 422, None),
        (
            {"file": [SimpleUploadedFile("a.pdf", PDF), SimpleUploadedFile("b.pdf", PDF)]},
            422,
            None,
        ),
    ],
)
def test_upload_refusals_are_problems(petition, personas, upload, files, status, message):
    clerk = personas[Role.PETITION_CLERK]
    response = upload(clerk, petition, files)
    data = problem(response)
    assert data["status"] == status
    assert data["errors"][0]["field"] == "file"
    if message is not None:
        assert data["errors"][0]["detail"] == str(message)
    assert not Attachment.objects.filter(case=petition).exists()


def test_upload_not_multipart_and_too_large(petition, personas, call, token_of, settings):
    clerk = personas[Role.PETITION_CLERK]
    response = call(clerk, "post", base(petition), {"file": "x"})
    assert problem(response)["status"] == 422
    settings.ATTACHMENT_MAX_BYTES = 1024
    big = SimpleUploadedFile("big.txt", b"a" * (1024 + 70 * 1024))
    response = Client().post(
        base(petition),
        {"file": big},
        HTTP_AUTHORIZATION=f"Bearer {token_of(clerk)}",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert problem(response)["status"] == 413
    # Within the envelope but over the limit: the web's own message on the field.
    response = Client().post(
        base(petition),
        {"file": SimpleUploadedFile("big.txt", b"a" * 2048)},
        HTTP_AUTHORIZATION=f"Bearer {token_of(clerk)}",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert problem(response)["status"] == 422
    assert not Attachment.objects.filter(case=petition).exists()


def test_upload_needs_write_scope_and_the_working_permission(petition, personas, upload):
    clerk, leader = personas[Role.PETITION_CLERK], personas[Role.LEADER]
    assert problem(upload(clerk, petition, scope="read"))["type"].endswith("scope")
    data = problem(upload(leader, petition))  # sees the case, may not work on it
    assert data["status"] == 403 and data["detail"] == str(MSG_NO_WORK_PERM)
    assert problem(upload(personas[Role.MEDIATOR], petition))["status"] in (403, 404)
    assert not Attachment.objects.filter(case=petition).exists()


def test_unknown_case_is_404(personas, call):
    clerk = personas[Role.PETITION_CLERK]
    assert problem(call(clerk, "get", "/api/v1/cases/nope/attachments"))["status"] == 404
