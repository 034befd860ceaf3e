"""The campaign report in Word: built in (numbers, layout, fonts) and from an office's template."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from docx import Document

from huiyin.org.roles import Role
from huiyin.petitions.tests.factories import days_ago, petitioner, register
from huiyin.privacy.models import AuditEntry
from huiyin.reports import stats, word
from huiyin.reports.docx_layout import check_layout
from huiyin.reports.tests.test_ledger_export import build_petitions

TEMPLATES_MD = Path(word.__file__).with_name("TEMPLATES.md")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _sync_jobs(settings):
    settings.HUIYIN_JOBS_SYNC = True


@pytest.fixture
def petitions(personas, community, other_community, unit):
    made = build_petitions(personas, community, other_community, unit)
    # Registered 40 days ago and never decided: its 15-day limits are long past.
    made["overdue"] = register(
        personas[Role.PETITION_CLERK],
        community=community,
        received_at=days_ago(40),
        title="楼道堆放杂物",
        petitioners=[petitioner("孙八", id_number="", phone="")],
    )
    return made


def period() -> stats.Period:
    today = timezone.localdate()
    return stats.Period(today - timedelta(days=60), today)


def build(**kwargs) -> tuple[Document, word.ReportData, bytes]:
    out = io.BytesIO()
    data = word.campaign_report(out, period=kwargs.pop("period", period()), **kwargs)
    return Document(io.BytesIO(out.getvalue())), data, out.getvalue()


def text_of(doc: Document) -> str:
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.append("|".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def test_it_writes_the_numbers_of_the_statistics_layer(petitions):
    doc, data, _raw = build()
    figures = stats.compute(period())
    p = figures["petitions"]
    text = text_of(doc)
    assert f"共登记信访{p['batches']}批{p['headcount']}人次" in text
    assert p["batches"] == 8 and p["headcount"] == 19
    visits = p["visits_by_level"]
    assert f"进京上访{visits['national']['batches']}批{visits['national']['headcount']}人次" in text
    assert f"集体访{p['collective']['batches']}批{p['collective']['headcount']}人次" in text
    assert f"重复信访{p['repeat']}件" in text
    assert f"领导接访群众{figures['receptions']['headcount']}人次" in text
    assert data.figures == figures


def test_it_reports_each_three_zero_goal_with_the_matters_that_broke_it(petitions, settings):
    # The national letter and the provincial call count only when the office says so.
    doc, _data, _raw = build()
    text = text_of(doc)
    assert "“零进京”目标：已实现（进京上访0批0人次）。" in text
    assert "涉及目标的信访事项" not in text
    settings.HUIYIN_GOAL_CHANNELS = ["visit", "letter", "phone"]
    doc, _data, _raw = build()
    text = text_of(doc)
    national = petitions["national"].case.number
    assert "“零进京”目标：未实现（进京信访（来信、来访、来电）1批1人次）。" in text
    assert "“零赴省”目标：未实现（赴省信访（来信、来访、来电）1批1人次）。" in text
    assert "“零到市”目标：已实现（到市信访（来信、来访、来电）0批0人次）。" in text
    assert "涉及目标的信访事项" in text
    goal_table = next(t for t in doc.tables if t.rows[0].cells[0].text == "目标")
    rows = [[c.text for c in row.cells] for row in goal_table.rows[1:]]
    assert rows[0][:2] == ["零进京", national]
    assert rows[0][2] in ("按期办结", "逾期答复", "超期未办结", "正在办理")
    assert [r[1] for r in rows] == [national, petitions["key"].case.number]


def test_it_has_a_table_per_community_from_per_community(petitions, community):
    doc, _data, _raw = build()
    rows = stats.per_community(period())
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "社区")
    assert [c.text for c in table.rows[0].cells][:3] == ["社区", "批次", "人次"]
    body = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert [r[0] for r in body] == [r["name"] for r in rows]
    mine = next(r for r in body if r[0] == community.name)
    expected = next(r for r in rows if r["id"] == community.pk)
    assert mine[1:3] == [str(expected["batches"]), str(expected["headcount"])]


def test_it_lists_overdue_matters_without_personal_data(petitions):
    doc, data, _raw = build()
    overdue = petitions["overdue"].case
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "编号")
    assert [c.text for c in table.rows[0].cells] == [
        "编号",
        "登记日期",
        "社区",
        "问题类别",
        "责任单位",
        "超期天数",
    ]
    numbers = [row.cells[0].text for row in table.rows[1:]]
    assert overdue.number in numbers
    text = text_of(doc)
    for name in ("孙八", "张三", "李四", "王五"):
        assert name not in text
    assert data.overdue[numbers.index(overdue.number)]["days_overdue"] > 0


def test_it_lays_out_the_page_fonts_and_page_numbers_of_gbt_9704(petitions):
    _doc, _data, raw = build()
    layout = check_layout(io.BytesIO(raw))
    # Word keeps lengths in twentieths of a point: millimetres come back within 0.05.
    assert layout["page_mm"] == pytest.approx({"width": 210, "height": 297}, abs=0.05)
    assert layout["margins_mm"] == pytest.approx(
        {"top": 37, "bottom": 35, "left": 28, "right": 26}, abs=0.05
    )
    assert layout["title"]["east_asia"] == "方正小标宋简体"
    assert layout["title"]["size_pt"] == 22
    assert layout["body"]["east_asia"] == "仿宋_GB2312"
    assert layout["body"]["size_pt"] == 16
    assert layout["doc_grid"]["lines_per_page"] == 22
    assert layout["doc_grid"]["chars_per_line"] == 28
    assert layout["footer"]["text"] == "— {PAGE} —"
    assert layout["footer"]["font"]["size_pt"] == 14


def test_it_titles_and_signs_the_report(petitions):
    doc, _data, _raw = build()
    assert doc.paragraphs[0].text == "浓洄街道维稳综治暨信访工作情况通报"
    texts = [p.text for p in doc.paragraphs if p.text.strip()]
    today = timezone.localdate()
    assert texts[-2] == "浓洄街道办事处"
    assert texts[-1] == f"{today.year}年{today.month}月{today.day}日"
    headings = [t for t in texts if re.match(r"^[一二三四]、", t)]
    assert headings == ["一、总体情况", "二、“三零”目标", "三、各社区情况", "四、超期未办结事项"]


def test_it_limits_the_report_to_one_community(petitions, community):
    doc, data, _raw = build(community=community)
    assert doc.paragraphs[0].text == f"浓洄街道{community.name}维稳综治暨信访工作情况通报"
    expected = stats.compute(period(), scope=stats.Scope(community_id=community.pk))
    assert data.figures == expected
    assert [r["id"] for r in data.communities] == [community.pk]


def test_it_limits_the_numbers_to_what_the_person_may_see(petitions, personas):
    handler = personas[Role.DEPARTMENT_HANDLER]
    _doc, data, _raw = build(user=handler)
    assert data.figures == stats.compute(period(), user=handler)
    assert data.figures["petitions"]["batches"] < 8


def test_it_writes_a_report_with_no_petitions(db, community):
    doc, data, _raw = build()
    text = text_of(doc)
    assert "共登记信访0批0人次" in text
    assert "按期办结率（含已超期未办结）不作统计" in text
    assert "无超期未办结事项" in text


def test_it_formats_numbers_the_chinese_way():
    assert word.chinese_count(1234) == "1234"
    assert word.chinese_count(0) == "0"
    assert word.chinese_count(125000) == "12.5万"
    assert word.chinese_count(1000000) == "100万"
    assert word.chinese_rate(0.9523) == "95.2%"
    assert word.chinese_rate(1.0) == "100%"
    assert word.chinese_rate(None) == "—"


# --------------------------------------------------------------------------- templates


def template_with(paragraphs: list[str]) -> io.BytesIO:
    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    out.seek(0)
    return out


def every_placeholder() -> list[str]:
    lines = []
    for p in word.PLACEHOLDERS:
        lines.append(f"{p.name}=[{{{{ {p.name} }}}}]")
        lines.append(f"{p.alias}=[{{{{ {p.alias} }}}}]")
    for name, alias, keys in word.LISTS:
        for loop_name in (name, alias):
            cells = "".join(f"[{{{{ 行.{zh} }}}}][{{{{ 行.{en} }}}}]" for zh, en, _m in keys)
            lines.append(f"{loop_name}:{{% for 行 in {loop_name} %}}<{cells}>{{% endfor %}}")
    lines.append("raw=[{{ stats.petitions.batches }}]")
    return lines


def test_it_fills_every_placeholder_of_a_template(petitions, community, settings):
    settings.HUIYIN_GOAL_CHANNELS = ["visit", "letter", "phone"]
    template = template_with(every_placeholder())
    out = io.BytesIO()
    word.campaign_report(out, period=period(), template=template)
    text = "\n".join(p.text for p in Document(io.BytesIO(out.getvalue())).paragraphs)
    assert "{{" not in text and "{%" not in text
    assert "[]" not in text
    figures = stats.compute(period())
    assert f"受理批次=[{figures['petitions']['batches']}]" in text
    assert f"登记批次=[{figures['petitions']['batches']}]" in text
    assert f"petitions_batches=[{figures['petitions']['batches']}]" in text
    assert f"raw=[{figures['petitions']['batches']}]" in text
    assert (
        f"进京上访人次=[{figures['petitions']['visits_by_level']['national']['headcount']}]" in text
    )
    assert "零进京目标=[未实现]" in text
    # Every list has rows here: communities, overdue matters, broken goals (no receptions).
    for name, _alias, _keys in word.LISTS:
        if name != "接访领导":
            assert re.search(rf"^{name}:<", text, re.M), name


def test_it_documents_every_placeholder_in_templates_md():
    assert TEMPLATES_MD.read_text("utf-8") == word.placeholders_markdown() + "\n"
    for p in word.PLACEHOLDERS:
        assert f"{{{{ {p.name} }}}}" in word.placeholders_markdown()


@pytest.mark.parametrize(
    ("paragraphs", "expected"),
    [
        (["{{ 接访人次 "], "error near line"),
        (["{% for x in 社区情况 %}"], "error near line"),
        (["{{ 不存在的数字 }}"], "不存在的数字"),
    ],
)
def test_it_explains_a_broken_template_without_a_traceback(db, paragraphs, expected):
    with pytest.raises(word.ReportTemplateError) as refused:
        word.campaign_report(io.BytesIO(), period=period(), template=template_with(paragraphs))
    assert expected in str(refused.value.message)


def test_it_refuses_a_template_that_is_not_a_word_document(db):
    with pytest.raises(word.ReportTemplateError) as refused:
        word.campaign_report(io.BytesIO(), period=period(), template=io.BytesIO(b"not a docx"))
    assert ".docx" in str(refused.value.message)


# --------------------------------------------------------------------------- the page


def test_it_lets_readers_see_the_page_but_not_write_reports(client, personas):
    client.force_login(personas[Role.AUDITOR])
    page = client.get(reverse("reports:word"))
    assert page.status_code == 200
    assert 'id="word-form"' not in page.content.decode()
    start = period().start.isoformat()
    data = {"period": "custom", "from": start, "to": start}
    assert client.post(reverse("reports:word"), data).status_code == 403


def test_it_refuses_the_page_to_roles_without_reports(client, personas):
    for role in (Role.DEPARTMENT_HANDLER, Role.COMMUNITY_WORKER, Role.MEDIATOR):
        client.force_login(personas[role])
        assert client.get(reverse("reports:word")).status_code == 403


def test_it_writes_the_report_as_a_job_and_audits_the_download(client, personas, petitions):
    leader = personas[Role.LEADER]
    client.force_login(leader)
    p = period()
    response = client.post(
        reverse("reports:word"),
        {"period": "custom", "from": p.start.isoformat(), "to": p.end.isoformat()},
    )
    assert response.status_code == 302
    job_url = response["Location"]
    page = client.get(job_url).content.decode()
    assert 'data-state="done"' in page
    job_id = job_url.rstrip("/").split("/")[-1]
    download = client.get(reverse("reports:job_download", args=[job_id]))
    assert download.status_code == 200
    doc = Document(io.BytesIO(b"".join(download.streaming_content)))
    assert doc.paragraphs[0].text.endswith("情况通报")
    entry = AuditEntry.objects.get(action="export")
    assert entry.actor == leader
    assert entry.diff["period"] == {"start": p.start.isoformat(), "end": p.end.isoformat()}
    # Another person cannot see the job, nor download its report.
    client.force_login(personas[Role.PETITION_CLERK])
    assert client.get(job_url).status_code == 404
    assert client.get(reverse("reports:job_download", args=[job_id])).status_code == 404


def test_it_fills_an_uploaded_template(client, personas, petitions):
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    p = period()
    upload = SimpleUploadedFile("通报模板.docx", template_with(["共{{ 受理批次 }}批"]).getvalue())
    response = client.post(
        reverse("reports:word"),
        {
            "period": "custom",
            "from": p.start.isoformat(),
            "to": p.end.isoformat(),
            "template": upload,
        },
        follow=True,
    )
    job = response.context["job"]
    assert job.state == "done"
    download = client.get(reverse("reports:job_download", args=[job.id]))
    doc = Document(io.BytesIO(b"".join(download.streaming_content)))
    assert doc.paragraphs[0].text == f"共{stats.compute(p)['petitions']['batches']}批"


def test_it_refuses_a_broken_template_on_the_form(client, personas, petitions):
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    p = period()
    upload = SimpleUploadedFile("坏模板.docx", template_with(["{{ 受理批次 "]).getvalue())
    response = client.post(
        reverse("reports:word"),
        {
            "period": "custom",
            "from": p.start.isoformat(),
            "to": p.end.isoformat(),
            "template": upload,
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-error-for="template"' in page
    assert "行附近有错误" in page
    assert "Traceback" not in page


def test_it_shows_a_template_failing_when_filled_as_a_message_on_the_job_page(
    client, personas, petitions
):
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    p = period()
    # Passes the check on upload (行 is the loop's own), fails on the first row.
    paragraphs = ["{% for 行 in 社区情况 %}{{ 行.不存在 }}{% endfor %}"]
    upload = SimpleUploadedFile("坏模板.docx", template_with(paragraphs).getvalue())
    response = client.post(
        reverse("reports:word"),
        {
            "period": "custom",
            "from": p.start.isoformat(),
            "to": p.end.isoformat(),
            "template": upload,
        },
        follow=True,
    )
    page = response.content.decode()
    assert 'data-state="failed"' in page
    assert "不存在" in page
    assert "Traceback" not in page
    assert reverse("reports:job_download", args=[response.context["job"].id]) not in page


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"period": "custom", "from": "", "to": "2026-01-01"}, "from"),
        ({"period": "custom", "from": "2026-02-01", "to": "2026-01-01"}, "to"),
        ({"period": "custom", "from": "2026-13-01", "to": "2026-01-01"}, "from"),
        ({"period": "campaign"}, "campaign"),
    ],
)
def test_it_shows_form_errors_beside_the_field(client, personas, data, field):
    client.force_login(personas[Role.PETITION_CLERK])
    response = client.post(reverse("reports:word"), data)
    assert response.status_code == 200
    assert f'data-error-for="{field}"' in response.content.decode()


def test_it_refuses_a_template_that_is_not_docx_on_the_form(client, personas):
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    upload = SimpleUploadedFile("模板.doc", b"old word")
    response = client.post(
        reverse("reports:word"),
        {"period": "custom", "from": "2026-01-01", "to": "2026-01-31", "template": upload},
    )
    assert 'data-error-for="template"' in response.content.decode()


def test_it_reports_for_a_campaigns_period(client, personas, petitions):
    from huiyin.reports.models import Campaign

    p = period()
    campaign = Campaign.objects.create(name="百日大会战", start=p.start, end=p.end)
    client.force_login(personas[Role.LEADER])
    response = client.post(
        reverse("reports:word"), {"period": "campaign", "campaign": campaign.pk}, follow=True
    )
    job = response.context["job"]
    download = client.get(reverse("reports:job_download", args=[job.id]))
    doc = Document(io.BytesIO(b"".join(download.streaming_content)))
    assert "“百日大会战”期间" in doc.paragraphs[2].text


# --------------------------------------------------------------------------- the command


def test_it_writes_the_report_from_the_command_line(tmp_path, petitions, capsys):
    out = tmp_path / "通报.docx"
    p = period()
    call_command(
        "report",
        "campaign",
        "--from",
        p.start.isoformat(),
        "--to",
        p.end.isoformat(),
        "--out",
        str(out),
    )
    doc = Document(str(out))
    batches = stats.compute(p)["petitions"]["batches"]
    assert f"共登记信访{batches}批" in text_of(doc)


@pytest.mark.parametrize(
    "args",
    [
        ["--from", "2026-02-30", "--to", "2026-03-01"],
        ["--from", "2026-03-01", "--to", "2026-02-01"],
        ["--from", "2026-03-01", "--to", "2026-03-31", "--community", "月球社区"],
        ["--from", "2026-03-01", "--to", "2026-03-31", "--template", "/nonexistent.docx"],
    ],
)
def test_it_refuses_bad_options_with_one_line_and_status_2(db, tmp_path, capsys, args):
    with pytest.raises(SystemExit) as exit_info:
        call_command("report", "campaign", *args, "--out", str(tmp_path / "x.docx"))
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.strip()
    assert not (tmp_path / "x.docx").exists()
