"""On the March 2025 fixtures of the incidents and the patrols, the same numbers three ways:
`huiyin stats --json`, the dashboard as rendered (its incident, rectification and patrol
cards) and the campaign report — built in, and an office's template with the speech's
"成功处置了 起非正常死亡事件和 起火警" (issue 14, "Done when": `huiyin stats` matches the
dashboard and the Word report).
"""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from docx import Document
from lxml import html

from huiyin.org.roles import Role
from huiyin.reports import word
from huiyin.reports.sections.base import chinese_rate
from huiyin.reports.tests import test_stats_incidents as incident_fixtures
from huiyin.reports.tests import test_stats_patrols as patrol_fixtures
from huiyin.reports.tests.test_word import template_with

MARCH = incident_fixtures.MARCH


@pytest.fixture(autouse=True)
def photo_dir(settings, tmp_path):
    settings.ATTACHMENT_DIR = tmp_path / "attachments"


@pytest.fixture
def march(db, personas, community, other_community, grid):
    from huiyin.incidents.types import ensure_default_types

    ensure_default_types()
    made = incident_fixtures.make_march(personas, community, other_community, grid)
    patrol_fixtures.make_march(personas, community, other_community, grid)
    return made


def command_figures() -> dict:
    out = io.StringIO()
    call_command("stats", "--from", "2025-03-01", "--to", "2025-03-31", "--json", stdout=out)
    return json.loads(out.getvalue())


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def shown(tree, attribute: str, key: str) -> str | None:
    found = tree.xpath(f"//*[@{attribute}='{key}']")
    assert len(found) <= 1, f"the dashboard shows {attribute}={key} {len(found)} times"
    return " ".join(found[0].text_content().split()) if found else None


def dashboard(client, user):
    client.force_login(user)
    response = client.get(
        reverse("reports:dashboard"), {"period": "custom", "from": "2025-03-01", "to": "2025-03-31"}
    )
    assert response.status_code == 200
    return html.fromstring(response.content.decode())


def test_the_figures_are_those_counted_by_hand(march):
    s = command_figures()
    assert s["incidents"]["total"] == 6 and s["incidents"]["first_reports"]["late"] == 3
    assert s["patrols"]["count"] == 3 and s["rectifications"]["overdue"] == 2


def test_the_dashboard_shows_the_commands_numbers(client, march, personas):
    s = command_figures()
    i, r, p = s["incidents"], s["rectifications"], s["patrols"]
    tree = dashboard(client, personas[Role.LEADER])
    assert int(shown(tree, "data-incident", "total")) == i["total"]
    assert int(shown(tree, "data-incident", "unnatural_death")) == i["by_type"]["unnatural_death"]
    assert int(shown(tree, "data-incident", "fire")) == i["by_type"]["fire"]
    assert int(shown(tree, "data-incident", "on_time")) == i["first_reports"]["on_time"]
    assert int(shown(tree, "data-incident", "late")) == i["first_reports"]["late"]
    assert shown(tree, "data-incident", "reporting_on_time_rate") == percent(
        i["reporting_on_time_rate"]
    )
    assert int(shown(tree, "data-incident", "risk_notes_opened")) == s["risk_notes"]["opened"]
    for key in ("opened", "done", "open", "overdue"):
        assert int(shown(tree, "data-rectification", key)) == r[key], key
    assert shown(tree, "data-rectification", "done_rate") == percent(r["done_rate"])
    assert int(shown(tree, "data-patrol", "count")) == p["count"]
    assert float(shown(tree, "data-patrol", "hours")) == p["hours"]
    assert int(shown(tree, "data-patrol", "volunteer_headcount")) == p["volunteer_headcount"]
    assert int(shown(tree, "data-patrol", "items_failed")) == s["inspections"]["items_failed"]


def test_the_cards_follow_the_readers_permissions(client, march, personas):
    # The petition clerk reads the dashboard but may view neither incidents nor patrols.
    tree = dashboard(client, personas[Role.PETITION_CLERK])
    assert not tree.xpath("//*[@id='incident-figures']")
    assert shown(tree, "data-incident", "total") is None
    # The auditor sees both, the whole street.
    tree = dashboard(client, personas[Role.AUDITOR])
    assert int(shown(tree, "data-incident", "total")) == 6
    assert int(shown(tree, "data-patrol", "count")) == 3


def report_text(**kw) -> tuple[str, Document]:
    out = io.BytesIO()
    word.campaign_report(out, period=MARCH, **kw)
    doc = Document(io.BytesIO(out.getvalue()))
    return "\n".join(p.text for p in doc.paragraphs), doc


def test_the_word_report_says_the_commands_numbers(march, personas):
    s = command_figures()
    i, r, p = s["incidents"], s["rectifications"], s["patrols"]
    for user in (None, personas[Role.LEADER]):
        text, _doc = report_text(user=user)

        def said(pattern: str, text: str = text) -> list[int]:
            found = re.search(pattern, text)
            assert found, f"the report does not say {pattern!r}"
            return [int(n) for n in found.groups()]

        assert said(r"发生突发事件(\d+)起（按发生时间），处置了(\d+)起非正常死亡事件和(\d+)起火警") == [
            i["total"], i["by_type"]["unnatural_death"], i["by_type"]["fire"],
        ]  # fmt: skip
        assert said(r"群体性事件(\d+)起") == [i["by_type"]["mass_incident"]]
        assert said(r"首次报告上级在时限内(\d+)起，超过时限（含超时未报）(\d+)起") == [
            i["first_reports"]["on_time"],
            i["first_reports"]["late"],
        ]
        assert f"首报及时率{chinese_rate(i['reporting_on_time_rate'])}" in text
        assert said(r"开展巡查(\d+)次") == [p["count"]]
        assert f"{p['hours']:g}小时" in text
        assert said(r"隐患整改立项(\d+)处，已整改(\d+)处，未整改(\d+)处（其中逾期(\d+)处）") == [
            r["opened"], r["done"], r["open"], r["overdue"],
        ]  # fmt: skip
        assert f"整改率{chinese_rate(r['done_rate'])}" in text
        assert "无大规模群体性事件，未实现（" in text and "无重大政治事件，已实现" in text


def test_a_reader_without_incidents_gets_no_incident_paragraph(march, personas):
    text, _doc = report_text(user=personas[Role.PETITION_CLERK])
    assert "突发事件" not in text and "巡查" not in text and "“四无”目标" not in text


def test_an_offices_template_fills_the_speechs_incident_blanks(march):
    s = command_figures()
    i = s["incidents"]
    template = template_with(
        [
            "成功处置了{{ 非正常死亡事件起数 }}起非正常死亡事件和{{ 火警起数 }}起火警。",
            "首报及时率{{ 首报及时率 }}；整改率{{ 隐患整改率 }}；巡查{{ 巡查时长 }}小时。",
            "{% for 行 in 突发事件类型 %}{% if 行.起数 != '0' %}{{ 行.类型 }}{{ 行.起数 }}；"
            "{% endif %}{% endfor %}",
            "{{ 无大规模群体性事件目标 }}",
        ]
    )
    out = io.BytesIO()
    with translation.override("zh-hans"):
        word.campaign_report(out, period=MARCH, template=template)
    text = "\n".join(p.text for p in Document(io.BytesIO(out.getvalue())).paragraphs)
    assert (
        f"成功处置了{i['by_type']['unnatural_death']}起非正常死亡事件和{i['by_type']['fire']}起火警。"
    ) in text
    assert (
        f"首报及时率{chinese_rate(i['reporting_on_time_rate'])}；"
        f"整改率{chinese_rate(s['rectifications']['done_rate'])}；巡查{s['patrols']['hours']}小时。"
    ) in text
    assert "火警3；生产安全事故1；非正常死亡1；群体性事件1；" in text
    assert "未实现" in text
