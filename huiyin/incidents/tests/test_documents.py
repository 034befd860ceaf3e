"""初报, 续报 and 终报 as documents: what fits which stage, what they say, the command line."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from docx import Document

from huiyin.incidents import services
from huiyin.incidents.tests import factories as itf
from huiyin.org.roles import Role
from huiyin.privacy.models import AuditEntry
from huiyin.reports import documents

pytestmark = pytest.mark.usefixtures("types")


def text_of(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def names(case) -> list[str]:
    return [spec.name for spec in documents.available(itf.refresh(case))]


def test_each_report_fits_its_stage_and_says_what_was_recorded(personas, community):
    duty = personas[Role.GOVERNANCE_STAFF]
    case = itf.register(
        duty,
        community=community,
        type_name="生产安全事故",
        deaths=1,
        people_count=12,
        demands="要求尽快赔偿",
    )
    assert names(case) == ["突发事件初报"]
    draft = text_of(documents.render(documents.by_name("突发事件初报"), itf.refresh(case)))
    # A production-safety accident's first report has the six items of 条例 art. 12.
    assert "事故发生单位概况" in draft and "死亡1人，失踪0人" in draft
    assert case.number in draft
    itf.report(case, duty, channel="written")
    sent = text_of(documents.render(documents.by_name("突发事件初报"), itf.refresh(case)))
    assert "初步情况：火势已控制" in sent and "区委总值班室" in sent
    itf.bring_to(case, "handling", personas)
    itf.report(case, duty, "follow_up", sent_at=timezone.now(), contents="续报一内容")
    itf.report(case, duty, "follow_up", sent_at=timezone.now(), contents="续报二内容")
    assert "突发事件续报" in names(case)
    spec = documents.by_name("突发事件续报")
    latest = text_of(documents.render(spec, itf.refresh(case)))
    assert "突发事件续报二" in latest and "续报二内容" in latest
    first = text_of(documents.render(spec, itf.refresh(case), options={"report": "1"}))
    assert "续报一内容" in first
    with pytest.raises(documents.DocumentRefused):
        documents.render(spec, itf.refresh(case), options={"report": "3"})
    with pytest.raises(documents.DocumentRefused):
        documents.render(documents.by_name("突发事件终报"), itf.refresh(case))
    services.conclude(case, duty, outcome="伤者送医，现场已清理", aftermath="家属已安抚")
    final = text_of(documents.render(documents.by_name("突发事件终报"), itf.refresh(case)))
    assert "伤者送医，现场已清理" in final and "家属已安抚" in final


def test_no_document_names_the_next_of_kin(personas, community):
    duty = personas[Role.GOVERNANCE_STAFF]
    case = itf.register(duty, community=community, type_name="非正常死亡")
    services.step(case, "record_kin", duty, kin_name="王小明", kin_phone="13812345678")
    text = text_of(documents.render(documents.by_name("突发事件初报"), itf.refresh(case)))
    assert "王小明" not in text and "13812345678" not in text


def test_the_command_line(personas, community, tmp_path, capsys):
    duty = personas[Role.GOVERNANCE_STAFF]
    case = itf.register(duty, community=community)
    out = tmp_path / "first.docx"
    call_command("document", "突发事件初报", "--case", case.number, "--out", str(out))
    assert case.number in text_of(out.read_bytes())
    assert AuditEntry.objects.filter(action="document.export", target_id=str(case.pk)).exists()
    with pytest.raises(SystemExit):
        call_command("document", "突发事件续报", "--case", case.number, "--out", str(out))
    with pytest.raises(SystemExit):
        call_command(
            "document", "突发事件初报", "--case", case.number, "--report", "2", "--out", str(out)
        )
    itf.report(case, duty)
    itf.report(case, duty, "follow_up", sent_at=timezone.now(), contents="续报一内容")
    call_command(
        "document", "突发事件续报", "--case", case.number, "--report", "1", "--out", str(out)
    )
    assert "续报一内容" in text_of(out.read_bytes())
