"""The documents that go out (信访事项登记表, 受理告知书 … 复核意见书): each for a case in its stage,
in the GB/T 9704 layout, with the office as author; refused outside its stage; on the command
line and from the case page, identity-bearing ones for identity viewers only, every one audited."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from docx import Document
from docx.oxml.ns import qn

from huiyin.org.roles import Role
from huiyin.petitions.models import Petition, Referral
from huiyin.petitions.services import register_petition
from huiyin.petitions.tests.factories import bring_to, days_ago, register, running, step
from huiyin.privacy.models import AuditEntry
from huiyin.reports import documents
from huiyin.reports.docx_layout import check_layout
from huiyin.testing import factories as f

pytestmark = pytest.mark.django_db

CLERK, HANDLER, LEADER = Role.PETITION_CLERK, Role.DEPARTMENT_HANDLER, Role.LEADER


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def to_stage(personas, community, unit, state: str, **data):
    """A petition brought to `state` through the workflow, as the clerk and handler would."""
    clerk = personas[CLERK]
    petition = register(clerk, community=community, **data)
    if state == "extended":
        case = bring_to(petition, "handling", personas, unit=unit)
        due = running(case, "handling").due_on
        return step(
            case,
            "extend",
            personas[LEADER],
            reason="需现场勘验",
            new_due_on=(due + timedelta(days=20)).isoformat(),
            told_on=days_ago(0).isoformat(),
            told_manner="written",
        )
    if state not in ("review_answered", "reexam_answered"):
        return bring_to(petition, state, personas, unit=unit)
    case = bring_to(petition, "replied", personas, unit=unit)
    case = step(case, "request_review", clerk, text="对处理意见不服", body="street")
    case = step(case, "answer_review", clerk, text="经复查，维持原处理意见。")
    if state == "reexam_answered":
        case = step(case, "request_reexam", clerk, text="请求复核", body="street")
        case = step(case, "answer_reexam", clerk, text="经复核，维持复查意见。")
    return case


def render(name: str, case, **kwargs):
    data = documents.render(documents.by_name(name), case, **kwargs)
    return Document(io.BytesIO(data)), data


def text_of(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


#: (document, stage, what its text must say)
CASES = [
    ("信访事项登记表", "registered", ["信访事项登记表", "张三", "13812345678", "翠屏路12号"]),
    ("受理告知书", "accepted", ["信访事项受理告知书", "张三：", "决定予以受理", "60日内办结"]),
    ("不予受理告知书", "declined", ["不予受理告知书", "张三：", "不属于信访事项", "不予受理"]),
    ("转送告知书", "transferred", ["转送告知书", "张三：", "转送区住建委处理"]),
    ("转送函", "transferred", ["关于转送信访事项的函", "区住建委：", "张*", "特此函告"]),
    ("交办单", "assigned", ["信访事项交办单", "城建办：", "张*", "前办结"]),
    ("延期告知书", "extended", ["延期办理告知书", "张三：", "需现场勘验", "延长至"]),
    ("处理意见书", "replied", ["信访事项处理意见书", "经核查，已责令整改。", "30日内", "复查"]),
    ("复查意见书", "review_answered", ["复查意见书", "维持原处理意见", "30日内", "复核"]),
    ("复核意见书", "reexam_answered", ["复核意见书", "维持复查意见", "不再受理"]),
]


@pytest.mark.parametrize(("name", "state", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_document_renders_for_a_case_in_its_stage(
    personas, community, unit, name, state, expected
):
    case = to_stage(personas, community, unit, state)
    before = datetime.now(UTC).replace(microsecond=0)
    doc, data = render(name, case)
    text = text_of(doc)
    for words in expected:
        assert words in text, words
    assert case.number in text
    props = doc.core_properties
    assert props.author == "浓洄街道办事处"
    assert props.author != "python-docx"
    assert props.title == f"{name} {case.number}"
    created = props.created
    if created.tzinfo is None:  # python-docx reads W3CDTF as UTC, aware or not by version
        created = created.replace(tzinfo=UTC)
    assert before - timedelta(seconds=1) <= created <= before + timedelta(minutes=1)
    layout = check_layout(io.BytesIO(data))
    assert layout["page_mm"] == pytest.approx({"width": 210, "height": 297}, abs=0.05)
    assert layout["margins_mm"] == pytest.approx(
        {"top": 37, "bottom": 35, "left": 28, "right": 26}, abs=0.05
    )
    assert layout["body"]["east_asia"] == "仿宋_GB2312"
    assert layout["body"]["size_pt"] == 16
    assert layout["doc_grid"]["chars_per_line"] == 28
    assert documents.by_name(name) in documents.available(case)


@pytest.mark.parametrize(
    ("name", "state"),
    [
        ("受理告知书", "registered"),
        ("受理告知书", "declined"),
        ("不予受理告知书", "accepted"),
        ("转送告知书", "accepted"),
        ("转送函", "declined"),
        ("交办单", "accepted"),
        ("延期告知书", "handling"),
        ("处理意见书", "handling"),
        ("复查意见书", "replied"),
        ("复核意见书", "review_answered"),
    ],
)
def test_a_document_outside_its_stage_is_refused_with_the_reason(
    personas, community, unit, name, state
):
    case = to_stage(personas, community, unit, state)
    with pytest.raises(documents.DocumentRefused) as refused:
        documents.render(documents.by_name(name), case)
    message = refused.value.message
    assert name in message and case.number in message
    assert "it is issued only" in message
    assert documents.by_name(name) not in documents.available(case)


def test_the_stage_refusal_is_in_chinese(personas, community, unit):
    case = to_stage(personas, community, unit, "registered")
    with translation.override("zh-hans"):
        if gettext("it is issued only for a matter that was accepted").startswith("it "):
            pytest.skip("the new messages are not in the zh_Hans catalogue yet")
        with pytest.raises(documents.DocumentRefused) as refused:
            documents.render(documents.by_name("受理告知书"), case)
    assert "受理告知书" in refused.value.message
    assert not any("a" <= ch <= "z" for ch in refused.value.message)


def test_a_concluded_declined_matter_still_gets_its_decline_notice_not_an_acceptance(
    personas, community, unit
):
    clerk = personas[CLERK]
    case = step(
        register(clerk, community=community).case,
        "decline",
        clerk,
        reason="不属于信访事项",
        told_on=days_ago(0).isoformat(),
        told_manner="written",
    )
    case = step(case, "conclude", clerk)
    names = [s.name for s in documents.available(case)]
    assert "不予受理告知书" in names
    assert "受理告知书" not in names and "处理意见书" not in names


@pytest.mark.parametrize(
    ("reason", "referral", "route"),
    [
        ("属于劳动争议", Referral.ARBITRATION, "申请仲裁"),
        ("已进入诉讼程序", "", "人民法院提起诉讼"),
        ("应当申请行政复议", "", "申请行政复议"),
    ],
)
def test_the_decline_notice_names_the_legal_route(
    personas, community, unit, reason, referral, route
):
    clerk = personas[CLERK]
    case = step(
        register(clerk, community=community).case,
        "decline",
        clerk,
        reason=reason,
        referral=referral,
    )
    doc, _data = render("不予受理告知书", case)
    text = text_of(doc)
    assert route in text and "诉访分离" in text and reason in text


def test_a_plain_decline_has_no_referral_sentence(personas, community, unit):
    case = to_stage(personas, community, unit, "declined")
    doc, _data = render("不予受理告知书", case)
    assert "诉访分离" not in text_of(doc)


def _has_red_run(paragraph) -> bool:
    return any(run.font.color and str(run.font.color.rgb) == "E60012" for run in paragraph.runs)


def test_letters_carry_the_full_gbt_9704_elements(personas, community, unit):
    case = to_stage(personas, community, unit, "transferred")
    doc, _data = render("转送函", case)
    paragraphs = list(doc.paragraphs)
    masthead = next(p for p in paragraphs if p.text == "浓洄街道办事处")
    assert _has_red_run(masthead)
    number = next(p for p in paragraphs if "〔" in p.text and p.text.endswith("号"))
    # No number on record: a gap to fill (underlined), never an invented one.
    assert any(run.font.underline for run in number.runs)
    border = number._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert border.get(qn("w:color")) == "E60012"
    text = text_of(doc)
    assert "区住建委：" in text and "（印章）" in text
    assert any(p.text.startswith("抄送：") for p in paragraphs)
    assert any(
        p.text.startswith("浓洄街道办事处\t") and p.text.endswith("印发") for p in paragraphs
    )
    # A number given is used as is.
    doc, _data = render("转送函", case, doc_number="浓洄办函〔2026〕7号")
    assert "浓洄办函〔2026〕7号" in text_of(doc)


def test_the_reply_leaves_marked_blanks_for_facts_and_basis(personas, community, unit):
    case = to_stage(personas, community, unit, "replied")
    doc, _data = render("处理意见书", case)
    texts = [p.text for p in doc.paragraphs]
    facts, basis = texts.index("一、查明的事实"), texts.index("二、处理依据")
    assert texts[facts + 1] == "（待填写）" and texts[basis + 1] == "（待填写）"
    assert "经核查，已责令整改。" in texts[texts.index("三、处理意见") + 1 :][0]
    assert any("收到本处理意见书之日起30日内" in t and "第三十五条" in t for t in texts)


def test_the_reply_prints_the_facts_and_basis_recorded_with_it(personas, community, unit):
    case = to_stage(personas, community, unit, "replied")
    Petition.objects.filter(pk=case.pk).update(
        reply_facts="楼道堆物属实。", reply_basis="《中华人民共和国消防法》第二十八条。"
    )
    doc, _data = render("处理意见书", case)
    texts = [p.text for p in doc.paragraphs]
    facts, basis = texts.index("一、查明的事实"), texts.index("二、处理依据")
    assert texts[facts + 1] == "楼道堆物属实。"
    assert texts[basis + 1] == "《中华人民共和国消防法》第二十八条。"
    assert "（待填写）" not in texts[facts : texts.index("三、处理意见")]


def test_the_extension_notice_says_new_date_reason_and_approval(personas, community, unit):
    case = to_stage(personas, community, unit, "extended")
    petition = Petition.objects.select_related("extension_approved_by").get(pk=case.pk)
    doc, _data = render("延期告知书", case)
    text = text_of(doc)
    new_due = petition.extension_due_on
    assert f"延长至{new_due.year}年{new_due.month}月{new_due.day}日" in text
    assert petition.extension_approved_by.name in text and "批准" in text


def test_an_anonymous_letter_gets_no_notice(personas, community, unit):
    data = {"title": "匿名反映违建", "channel": "letter", "is_anonymous": True}
    data.update(community=community, received_at=days_ago(5))
    petition = register_petition(actor=personas[CLERK], data=data, petitioners=[])
    case = bring_to(petition, "accepted", personas, unit=unit)
    names = [s.name for s in documents.available(case)]
    assert names == ["信访事项登记表"]
    doc, _data = render("信访事项登记表", case)
    assert "匿名" in text_of(doc)


# --------------------------------------------------------------------------- the command


def test_the_command_lists_the_documents(db, capsys):
    call_command("document", "--list")
    out = capsys.readouterr().out
    for name, _state, _words in CASES:
        assert name in out


def test_the_command_writes_a_document(personas, community, unit, tmp_path, capsys):
    case = to_stage(personas, community, unit, "replied")
    out = tmp_path / "意见书.docx"
    call_command("document", "处理意见书", "--case", case.number, "--out", str(out))
    doc = Document(str(out))
    assert "信访事项处理意见书" in text_of(doc)
    entry = AuditEntry.objects.filter(action="document.export").latest("seq")
    assert entry.target_id == str(case.pk) and entry.diff["document"] == "处理意见书"


@pytest.mark.parametrize(
    ("args", "what"),
    [
        (["受理告知书", "--case", "STAGE"], "stage"),
        (["受理告知书", "--case", "浓洄信〔2026〕9999号"], "unknown"),
        (["受理告知书", "--case", "not-a-number"], "format"),
        (["月报", "--case", "STAGE"], "document"),
    ],
)
def test_the_command_refuses_with_one_line_and_status_2(
    personas, community, unit, tmp_path, capsys, args, what
):
    case = to_stage(personas, community, unit, "registered")
    args = [case.number if a == "STAGE" else a for a in args]
    out = tmp_path / "x.docx"
    with pytest.raises(SystemExit) as exit_info:
        call_command("document", *args, "--out", str(out))
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err and "Traceback" not in err
    assert not out.exists()
    assert not AuditEntry.objects.filter(action="document.export").exists()


# --------------------------------------------------------------------------- the page


def url(case, slug):
    return reverse("petitions:document", args=[case.pk, slug])


def test_a_clerk_downloads_a_document_and_it_is_audited(client, personas, community, unit):
    case = to_stage(personas, community, unit, "accepted")
    client.force_login(personas[CLERK])
    response = client.get(url(case, "acceptance-notice"))
    assert response.status_code == 200
    assert response["Content-Type"] == documents.DOCX_CONTENT_TYPE
    assert "no-store" in response["Cache-Control"]
    assert "attachment" in response["Content-Disposition"]
    doc = Document(io.BytesIO(response.content))
    assert "张三：" in text_of(doc)
    entry = AuditEntry.objects.get(action="document.export")
    assert entry.actor == personas[CLERK]
    assert entry.target_id == str(case.pk)
    assert entry.diff == {"document": "受理告知书", "fields": ["name"]}
    assert "张三" not in str(entry.diff) + entry.target_label


def test_the_case_page_lists_the_documents_that_fit(client, personas, community, unit):
    case = to_stage(personas, community, unit, "assigned")
    client.force_login(personas[CLERK])
    page = client.get(reverse("petitions:detail", args=[case.pk])).content.decode()
    assert 'id="case-documents"' in page
    for slug in ("registration", "acceptance-notice", "assignment-sheet"):
        assert url(case, slug) in page
    assert url(case, "reply") not in page
    # A handler without the identity view sees only what names nobody in full.
    client.force_login(personas[HANDLER])
    page = client.get(reverse("petitions:detail", args=[case.pk])).content.decode()
    assert url(case, "assignment-sheet") in page
    assert url(case, "acceptance-notice") not in page


def test_a_handler_gets_the_assignment_sheet_but_not_a_notice_naming_the_petitioner(
    client, personas, community, unit
):
    case = to_stage(personas, community, unit, "assigned")
    client.force_login(personas[HANDLER])
    assert client.get(url(case, "assignment-sheet")).status_code == 200
    assert client.get(url(case, "acceptance-notice")).status_code == 403
    denied = AuditEntry.objects.filter(action="access.denied").latest("seq")
    assert denied.diff["document"] == "受理告知书"
    assert AuditEntry.objects.filter(action="document.export").count() == 1


def test_roles_without_the_petition_view_or_outside_its_scope_get_nothing(
    client, personas, community, unit, street
):
    case = to_stage(personas, community, unit, "accepted")
    client.force_login(personas[Role.MEDIATOR])
    assert client.get(url(case, "acceptance-notice")).status_code == 403
    other_unit = f.UnitFactory(street=street, name="司法所")
    client.force_login(f.person(HANDLER, username="other-handler", unit=other_unit))
    assert client.get(url(case, "acceptance-notice")).status_code == 404
    assert not AuditEntry.objects.filter(action="document.export").exists()


def test_a_document_outside_its_stage_leads_back_to_the_case(client, personas, community, unit):
    case = to_stage(personas, community, unit, "registered")
    client.force_login(personas[CLERK])
    response = client.get(url(case, "reply"))
    assert response.status_code == 302
    assert response["Location"] == reverse("petitions:detail", args=[case.pk])
    assert client.get(url(case, "no-such-document")).status_code == 404
    assert not AuditEntry.objects.filter(action="document.export").exists()


# --------------------------------------------------------------------------- printing


def _pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """The (width, height) in points of each page of a PDF LibreOffice wrote."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert boxes, "no page size in the PDF"
    x0, y0, x1, y1 = (float(v) for v in boxes[0])
    return [(x1 - x0, y1 - y0)] * pages


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_the_documents_print_in_libreoffice_on_a4_and_the_notices_on_one_page(
    personas, community, unit, tmp_path
):
    """GB/T 9704: A4 (210 × 297 mm); a notice to the petitioner is one sheet."""
    one_page = {"受理告知书": "accepted", "延期告知书": "extended"}
    # A letter's 版记 (抄送, 印发) closes its last page; the 处理意见书 has four parts.
    any_length = {"交办单": "assigned", "处理意见书": "replied", "信访事项登记表": "registered"}
    sources = []
    for name, state in {**one_page, **any_length}.items():
        case = to_stage(personas, community, unit, state)
        _doc, data = render(name, case)
        source = tmp_path / f"{name}.docx"
        source.write_bytes(data)
        sources.append(str(source))
    soffice = shutil.which("soffice")
    subprocess.run(  # noqa: S603 - a fixed command on files of our own
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            *sources,
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    for name in {**one_page, **any_length}:
        pages = _pdf_pages((tmp_path / f"{name}.pdf").read_bytes())
        assert pages, name
        for width, height in pages:
            # A4 in points: 595.3 × 841.9.
            assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2, (name, width, height)
        if name in one_page:
            assert len(pages) == 1, (name, len(pages))
