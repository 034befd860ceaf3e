"""On the demo street, one period, three readers, the same dispute numbers: `huiyin stats
--json`, the dashboard as rendered (its cards and the per-community bars' JSON) and the
campaign report — built in, and an office's template using the disputes' placeholders
(issue 13, "Done when": `huiyin stats` matches the dashboard and the Word report figure for
figure on the demo).

The demo (a quarter of disputes through the real services: every outcome, written and oral
agreements, a court's confirmation and a rejection, weekly reports with a missing one) is
loaded once for the module and rolled back after the last test.
"""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from docx import Document
from lxml import html

from huiyin.disputes.tests.test_demo import load_street
from huiyin.petitions import demo as petitions_demo
from huiyin.reports import stats, word
from huiyin.reports.sections.base import chinese_rate
from huiyin.reports.stats import disputes as dispute_stats
from huiyin.reports.stats.engine import today as beijing_today
from huiyin.reports.tests.test_word import template_with

COUNTS = ("registered", "mediated", "resolved", "failed", "performed")
SCREENING = ("expected", "on_time", "late", "missing", "nil")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo street, its accounts and its disputes and weekly screening, loaded once."""
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast, transaction.atomic():
        load_street()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def period(demo) -> stats.Period:
    today = beijing_today()
    return stats.Period(today - timedelta(days=petitions_demo.PERIOD_DAYS - 1), today)


@pytest.fixture
def leader(demo, django_db_blocker):
    from django.contrib.auth.models import User

    with django_db_blocker.unblock():
        return User.objects.get(username="leader")


def command_figures(period: stats.Period) -> dict:
    out = io.StringIO()
    call_command(
        "stats", "--from", period.start.isoformat(), "--to", period.end.isoformat(), "--json",
        stdout=out,
    )  # fmt: skip
    return json.loads(out.getvalue())


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def number(tree, attribute: str, key: str) -> str:
    found = tree.xpath(f"//*[@{attribute}='{key}']")
    assert len(found) == 1, f"the dashboard shows {attribute}={key} {len(found)} times"
    return " ".join(found[0].text_content().split())


def dashboard(client, user, period: stats.Period) -> tuple[dict, dict]:
    client.force_login(user)
    response = client.get(
        reverse("reports:dashboard"),
        {"period": "custom", "from": period.start.isoformat(), "to": period.end.isoformat()},
    )
    assert response.status_code == 200
    tree = html.fromstring(response.content.decode())
    shown = {key: int(number(tree, "data-dispute", key)) for key in COUNTS}
    shown["written"] = int(number(tree, "data-dispute", "written"))
    shown["oral"] = int(number(tree, "data-dispute", "oral"))
    shown["resolution_rate"] = number(tree, "data-dispute", "resolution_rate")
    shown["community_share"] = number(tree, "data-dispute", "community_share")
    shown["screening"] = {key: int(number(tree, "data-screening", key)) for key in SCREENING}
    charts = json.loads(tree.xpath("//script[@id='dashboard-data']")[0].text)
    return shown, charts


@pytest.mark.django_db
def test_the_demo_has_something_to_count(period):
    d = command_figures(period)["disputes"]
    assert d["registered"] >= 60
    assert d["resolved"] and d["failed"] and d["mediated"]
    assert d["agreements"]["written"] and d["agreements"]["oral"]
    assert d["judicial"]["confirmed"] and d["judicial"]["rejected"]
    assert d["by_type"]["labour"] and d["by_tier"]["grid"] and d["by_tier"]["street"]
    assert sum(d["by_type"].values()) == sum(d["by_tier"].values()) == d["registered"]
    s = command_figures(period)["screening"]
    assert s["missing"] >= 1 and s["nil"] >= 1
    assert s["expected"] == s["on_time"] + s["late"] + s["missing"]


@pytest.mark.django_db
def test_the_dashboard_shows_the_commands_dispute_numbers(client, leader, period):
    s = command_figures(period)
    d = s["disputes"]
    shown, charts = dashboard(client, leader, period)
    assert {key: shown[key] for key in COUNTS} == {key: d[key] for key in COUNTS}
    assert [shown["written"], shown["oral"]] == [
        d["agreements"]["written"],
        d["agreements"]["oral"],
    ]
    assert shown["resolution_rate"] == percent(d["resolution_rate"])
    assert shown["community_share"] == percent(d["community_share"])
    assert shown["screening"] == s["screening"]
    # The bars: per community, the same definitions, adding up to the street's figures (every
    # demo dispute names its community).
    bars = charts["disputes"]["communities"]
    rows = dispute_stats.per_community(period)
    assert {b["id"]: (b["registered"], b["mediated"], b["resolved"]) for b in bars} == {
        r["id"]: (r["registered"], r["mediated"], r["resolved"]) for r in rows
    }
    for key in ("registered", "mediated", "resolved"):
        assert sum(b[key] for b in bars) == d[key], key


def report_text(period: stats.Period, **kw) -> tuple[str, Document]:
    out = io.BytesIO()
    word.campaign_report(out, period=period, **kw)
    doc = Document(io.BytesIO(out.getvalue()))
    return "\n".join(p.text for p in doc.paragraphs), doc


@pytest.mark.django_db
def test_the_word_report_says_the_commands_dispute_numbers(period, leader):
    s = command_figures(period)
    d, sc = s["disputes"], s["screening"]
    for user in (None, leader):
        text, doc = report_text(period, user=user)

        def said(pattern: str, text: str = text) -> list[int]:
            found = re.search(pattern, text)
            assert found, f"the report does not say {pattern!r}"
            return [int(n) for n in found.groups()]

        # The speech's blanks: 调处矛盾纠纷 件; 共排查各类矛盾纠纷 件，化解 件.
        assert said(r"调处矛盾纠纷(\d+)件") == [d["mediated"]]
        assert said(r"共排查各类矛盾纠纷(\d+)件，化解(\d+)件") == [d["registered"], d["resolved"]]
        assert said(r"书面协议(\d+)件、口头协议(\d+)件，协议已履行(\d+)件") == [
            d["agreements"]["written"],
            d["agreements"]["oral"],
            d["performed"],
        ]
        assert said(r"调解不成功或当事人拒绝调解(\d+)件") == [d["failed"]]
        assert f"化解率{chinese_rate(d['resolution_rate'])}" in text
        assert f"网格、社区层级化解的占{chinese_rate(d['community_share'])}" in text
        judicial = d["judicial"]
        assert said(r"申请司法确认(\d+)件，法院确认有效(\d+)件、驳回(\d+)件") == [
            judicial["applied"],
            judicial["confirmed"],
            judicial["rejected"],
        ]
        assert said(r"应报(\d+)次，按时上报(\d+)次，逾期上报(\d+)次，未上报(\d+)次；其中零报告(\d+)次") == [
            sc[key] for key in SCREENING
        ]  # fmt: skip
        assert f"劳动争议{d['by_type']['labour']}件" in text
        table = next(t for t in doc.tables if t.rows[0].cells[0].text == "所属社区")
        in_doc = {
            row.cells[0].text: [int(cell.text) for cell in row.cells[1:]] for row in table.rows[1:]
        }
        assert in_doc == {
            r["name"]: [r["registered"], r["mediated"], r["resolved"], r["failed"]]
            for r in dispute_stats.per_community(period)
        }


@pytest.mark.django_db
def test_an_offices_template_fills_the_speechs_dispute_blanks(period):
    s = command_figures(period)
    d = s["disputes"]
    template = template_with(
        [
            "百日来调处矛盾纠纷{{ 调处矛盾纠纷件数 }}件。",
            "全街道共排查各类矛盾纠纷{{ 排查矛盾纠纷件数 }}件，化解{{ 化解矛盾纠纷件数 }}件。",
            "化解率{{ 矛盾纠纷化解率 }}；劳动争议{{ disputes_by_type_labour }}件；"
            "未上报{{ 排查未上报次数 }}次。",
            "{% for 行 in 社区矛盾纠纷 %}{{ 行.社区 }}{{ 行.化解 }}；{% endfor %}",
        ]
    )
    out = io.BytesIO()
    with translation.override("zh-hans"):
        word.campaign_report(out, period=period, template=template)
    text = "\n".join(p.text for p in Document(io.BytesIO(out.getvalue())).paragraphs)
    assert f"百日来调处矛盾纠纷{d['mediated']}件。" in text
    assert f"全街道共排查各类矛盾纠纷{d['registered']}件，化解{d['resolved']}件。" in text
    assert (
        f"化解率{chinese_rate(d['resolution_rate'])}；劳动争议{d['by_type']['labour']}件；"
        f"未上报{s['screening']['missing']}次。"
    ) in text
    rows = "".join(f"{r['name']}{r['resolved']}；" for r in dispute_stats.per_community(period))
    assert rows in text
