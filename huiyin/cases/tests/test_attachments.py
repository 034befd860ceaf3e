"""Attachments: type by content, size limit, private storage, the door on download."""

import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.test import override_settings

from huiyin.cases.attachments import (
    DOC,
    DOCX,
    JPEG,
    MSG_EMPTY,
    MSG_NO_WORK_PERM,
    MSG_TYPE,
    PDF,
    PNG,
    TEXT,
    XLS,
    XLSX,
    attach,
    detect_type,
    open_attachment,
    withdraw_attachment,
)
from huiyin.cases.exceptions import AttachmentRefused, TransitionRefused
from huiyin.cases.models import Attachment, CaseEvent
from huiyin.cases.tests.factories import make_case
from huiyin.org.roles import Role
from huiyin.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db


def _zip(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<xml/>")
    return buffer.getvalue()


def _ole(stream_name: str) -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100 + stream_name.encode("utf-16-le")


SAMPLES = {
    PDF: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
    PNG: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    JPEG: b"\xff\xd8\xff\xe0\x00\x10JFIF",
    DOCX: _zip("[Content_Types].xml", "word/document.xml"),
    XLSX: _zip("[Content_Types].xml", "xl/workbook.xml"),
    DOC: _ole("WordDocument"),
    XLS: _ole("Workbook"),
    TEXT: "信访人陈述：小区违建影响采光。\r\n".encode(),
}


@pytest.mark.parametrize("content_type", list(SAMPLES))
def test_it_detects_the_type_from_the_content(content_type):
    data = SAMPLES[content_type]
    assert detect_type(data[:65536], io.BytesIO(data)) == content_type


def test_it_reads_gb18030_text_as_text():
    assert detect_type("信访人陈述".encode("gb18030")) == TEXT


@pytest.mark.parametrize(
    "data",
    [
        b"MZ\x90\x00\x03\x00\x00\x00",  # a Windows executable
        b"\x7fELF\x02\x01\x01\x00",  # a Linux one
        _zip("payload.exe"),  # a plain zip
        _zip("[Content_Types].xml", "ppt/presentation.xml"),  # PowerPoint
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 50,  # OLE, neither Word nor Excel
        b"GIF89a\x01\x00\x01\x00",
    ],
)
def test_it_refuses_other_types(data):
    assert detect_type(data, io.BytesIO(data)) is None


@pytest.fixture(autouse=True)
def attachment_dir(tmp_path):
    with override_settings(ATTACHMENT_DIR=tmp_path / "attachments"):
        yield tmp_path / "attachments"


@pytest.fixture
def case(community):
    return make_case(community=community)


@pytest.fixture
def clerk(personas):
    return personas[Role.PETITION_CLERK]


def upload(name="材料.pdf", data=SAMPLES[PDF], content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_it_stores_the_file_outside_the_web_root(case, clerk):
    attachment = attach(case, upload(), actor=clerk)
    path = Path(attachment.file.path)
    assert path.is_file()
    assert path.is_relative_to(Path(settings.ATTACHMENT_DIR))
    assert not path.is_relative_to(Path(settings.STATIC_ROOT))
    assert path.read_bytes() == SAMPLES[PDF]
    assert path.suffix == ".pdf"
    assert attachment.content_type == PDF
    assert attachment.original_name == "材料.pdf"
    assert attachment.size == len(SAMPLES[PDF])
    assert len(attachment.sha256) == 64
    with pytest.raises(ValueError):
        attachment.file.url  # noqa: B018 - no URL: served only through open_attachment


def test_it_records_the_upload_on_the_timeline_and_in_the_audit(case, clerk):
    attachment = attach(case, upload(), actor=clerk)
    assert CaseEvent.objects.filter(case=case, kind="attachment_added").count() == 1
    entry = AuditEntry.objects.get(action="object.create", target_id=str(attachment.pk))
    assert "材料" not in entry.diff_text  # file names may name people


def test_it_trusts_the_content_not_the_name_or_the_browser(case, clerk):
    attachment = attach(case, upload("photo.pdf", SAMPLES[PNG], "application/pdf"), actor=clerk)
    assert attachment.content_type == PNG
    with pytest.raises(AttachmentRefused) as refused:
        attach(case, upload("report.pdf", b"MZ\x90\x00 evil", "application/pdf"), actor=clerk)
    assert refused.value.message == MSG_TYPE


def test_it_refuses_an_empty_file(case, clerk):
    with pytest.raises(AttachmentRefused) as refused:
        attach(case, upload(data=b""), actor=clerk)
    assert refused.value.message == MSG_EMPTY


@override_settings(ATTACHMENT_MAX_BYTES=1024)
def test_it_refuses_a_file_over_the_limit(case, clerk):
    with pytest.raises(AttachmentRefused) as refused:
        attach(case, upload(data=SAMPLES[PDF] + b"0" * 1024), actor=clerk)
    assert str(refused.value) == "The file is larger than 0.0 MB."
    assert not Attachment.objects.exists()


def test_it_reads_the_default_limit_of_20_mb():
    from huiyin.cases.attachments import max_bytes

    assert max_bytes() == 20 * 1024 * 1024


def test_it_refuses_uploads_by_people_who_only_read(case, personas):
    with pytest.raises(TransitionRefused) as refused:
        attach(case, upload(), actor=personas[Role.AUDITOR])
    assert refused.value.message == MSG_NO_WORK_PERM
    with pytest.raises(Http404):
        attach(case, upload(), actor=personas[Role.MEDIATOR])
    assert not Attachment.objects.exists()


def test_it_leaves_no_file_when_the_row_cannot_be_written(case, clerk, monkeypatch):
    monkeypatch.setattr(
        "huiyin.cases.attachments.CaseEvent.objects.create",
        lambda **kw: (_ for _ in ()).throw(RuntimeError("disk full")),
    )
    with pytest.raises(RuntimeError):
        attach(case, upload(), actor=clerk)
    stored = list(Path(settings.ATTACHMENT_DIR, str(case.pk)).glob("*"))
    assert stored == []


def test_it_opens_an_attachment_for_those_who_see_the_case(case, clerk, personas):
    attachment = attach(case, upload(), actor=clerk)
    found, handle = open_attachment(personas[Role.AUDITOR], attachment.pk)
    with handle:
        assert handle.read() == SAMPLES[PDF]
    assert found == attachment
    assert AuditEntry.objects.filter(action="download", target_id=str(attachment.pk)).exists()


def test_it_refuses_a_download_outside_the_scope_with_404(case, clerk, personas):
    attachment = attach(case, upload(), actor=clerk)
    handler = personas[Role.DEPARTMENT_HANDLER]
    with pytest.raises(Http404):
        open_attachment(handler, attachment.pk)
    with pytest.raises(Http404):
        open_attachment(handler, 999_999)
    assert AuditEntry.objects.filter(action="access.denied", actor=handler).count() == 1


def test_it_withdraws_an_attachment_without_deleting_it(case, clerk):
    attachment = attach(case, upload(), actor=clerk)
    with pytest.raises(TransitionRefused):
        withdraw_attachment(clerk, attachment.pk, reason=" ")
    withdraw_attachment(clerk, attachment.pk, reason="上传错误")
    attachment.refresh_from_db()
    assert attachment.withdrawn
    assert Path(attachment.file.path).is_file()
    with pytest.raises(Http404):
        open_attachment(clerk, attachment.pk)


def test_a_withdrawal_reason_loses_nul_characters_and_is_bounded(case, clerk):
    attachment = attach(case, upload(), actor=clerk)
    with pytest.raises(TransitionRefused):
        withdraw_attachment(clerk, attachment.pk, reason="\x00 \x00")
    withdraw_attachment(clerk, attachment.pk, reason="上传\x00错误" + "字" * 2000)
    attachment.refresh_from_db()
    assert attachment.withdrawn_reason.startswith("上传错误")
    assert len(attachment.withdrawn_reason) == 500
