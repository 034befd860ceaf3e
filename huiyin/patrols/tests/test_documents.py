"""检查记录 and 整改通知书: the shared document engine, on the page and on the command line."""

from __future__ import annotations

import io
from io import StringIO

import pytest
from django.core.management import call_command
from docx import Document

from huiyin.patrols.tests.factories import inspect
from huiyin.privacy.models import AuditEntry
from huiyin.reports import documents
from huiyin.reports.docx_layout import check_layout

pytestmark = pytest.mark.django_db


def text_of(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_the_record_and_the_notice_name_the_failed_items(community_worker, cafe):
    inspection = inspect(community_worker, cafe, fail=(6,), findings="入口未悬挂禁入标志")
    record = documents.render(documents.by_name("检查记录"), inspection)
    text = text_of(record)
    assert inspection.number in text and "极速网咖" in text and "不合格" in text
    assert "入口未悬挂禁入标志" in text
    notice = text_of(documents.render(documents.by_name("整改通知书"), inspection))
    assert "未成年人禁入标志" in notice and "第二十一条" in notice
    assert "文化和旅游部门" in notice  # referral to the competent department
    assert check_layout(io.BytesIO(record))["page_mm"]["width"] == pytest.approx(210, abs=1)


def test_no_notice_when_nothing_failed(community_worker, cafe):
    inspection = inspect(community_worker, cafe)
    assert [s.name for s in documents.available(inspection)] == ["检查记录"]
    with pytest.raises(documents.DocumentRefused):
        documents.render(documents.by_name("整改通知书"), inspection)


def test_the_command_writes_an_inspections_document(community_worker, cafe, tmp_path):
    inspection = inspect(community_worker, cafe, fail=(1,))
    out = tmp_path / "通知书.docx"
    call_command("document", "整改通知书", case=inspection.number, out=str(out), stdout=StringIO())
    assert out.read_bytes()[:2] == b"PK"
    entry = AuditEntry.objects.get(action="document.export")
    assert entry.target_id == str(inspection.pk)
    err = StringIO()
    with pytest.raises(SystemExit):
        call_command("document", "检查记录", case="浓洄检〔2026〕9999号", out=str(out), stderr=err)
    assert "9999" in err.getvalue()
