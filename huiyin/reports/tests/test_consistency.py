"""One period, three readers, the same numbers: `huiyin stats --json`, the dashboard as rendered
(figures, tables and the charts' JSON) and the built-in Word report (issue 5, "Done when").

The dataset mixes channels, levels, a collective visit, a repeat, a reception-day petition, every
kind of end state, an overdue matter and one petition outside the period, so a figure that one
reader counts differently from the others shows up here.
"""

from __future__ import annotations

import io
import json
import re
from datetime import time, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from docx import Document
from lxml import html

from huiyin.org.roles import Role
from huiyin.petitions.models import ReceptionSlot
from huiyin.petitions.tests.factories import days_ago, petitioner, register
from huiyin.reports import stats, word
from huiyin.reports.tests.test_ledger_export import build_petitions

LEVELS = ("national", "province", "city", "district", "street")
STATUSES = ("registered", "accepted", "declined", "transferred", "concluded")
CHANNELS = ("letter", "visit", "phone", "online", "assigned")


@pytest.fixture
def period(personas, community, other_community, unit) -> stats.Period:
    clerk = personas[Role.PETITION_CLERK]
    build_petitions(personas, community, other_community, unit)
    # Never decided for 40 days: overdue and open.
    register(clerk, community=community, received_at=days_ago(40), title="楼道堆放杂物")
    register(clerk, community=other_community, level="city", received_at=days_ago(12))
    slot = ReceptionSlot.objects.create(
        leader=personas[Role.LEADER].staff,
        kind="reception_day",
        date=days_ago(6),
        start_time=time(9),
        end_time=time(11, 30),
        place="街道信访接待室",
    )
    register(
        clerk,
        community=community,
        is_collective=True,
        headcount=7,
        received_at=days_ago(6),
        reception_slot=slot.pk,
        petitioners=[petitioner("周九", is_representative=True)],
    )
    # Outside the period: every reader must leave it out.
    register(clerk, community=community, level="province", received_at=days_ago(90))
    today = timezone.localdate()
    return stats.Period(today - timedelta(days=60), today)


def command_figures(period: stats.Period) -> dict:
    out = io.StringIO()
    call_command(
        "stats",
        "--from",
        period.start.isoformat(),
        "--to",
        period.end.isoformat(),
        "--json",
        stdout=out,
    )
    return json.loads(out.getvalue())


def ints(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", text)]


def text_of(tree, xpath: str) -> str:
    found = tree.xpath(xpath)
    assert found, f"nothing on the dashboard matches {xpath}"
    return " ".join(found[0].text_content().split())


def has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


FIGURE = "//*[{}]".format(has_class("hy-figure"))


def dashboard_figures(client, user, period: stats.Period) -> tuple[dict, dict]:
    """What the dashboard page shows, read back from its HTML (and its charts' JSON)."""
    client.force_login(user)
    response = client.get(
        reverse("reports:dashboard"),
        {"period": "custom", "from": period.start.isoformat(), "to": period.end.isoformat()},
    )
    assert response.status_code == 200
    tree = html.fromstring(response.content.decode())
    shown: dict = {}
    shown["batches"], shown["headcount"] = ints(text_of(tree, f"//*[@data-figure='total']{FIGURE}"))
    shown["by_channel"] = {
        c: ints(text_of(tree, f"//a[@data-channel='{c}']"))[-1] for c in CHANNELS
    }
    shown["over_level"] = ints(text_of(tree, f"//*[@data-figure='over_level']{FIGURE}"))
    shown["collective"] = ints(text_of(tree, "//a[@data-figure-link='collective']"))
    links = tree.xpath("//*[@data-figure='over_level']//*[{}]//a".format(has_class("small")))
    first_link, repeat_link = links[1:3]
    assert repeat_link.get("data-figure-link") == "repeat"
    shown["first"] = ints(first_link.text_content())[-1]
    shown["repeat"] = ints(repeat_link.text_content())[-1]
    shown["overdue_open"] = ints(text_of(tree, "//a[@data-figure-link='overdue_open']"))[-1]
    shown["receptions"] = ints(text_of(tree, f"//*[@data-figure='receptions']{FIGURE}"))[0]
    handling = tree.xpath("//*[@data-figure='handling']")[0]
    figures = handling.xpath(f".{FIGURE}")
    shown["on_time_rate"] = " ".join(figures[0].text_content().split())
    shown["on_time"] = ints(figures[0].getnext().text_content())
    shown["satisfaction_rate"] = " ".join(figures[1].text_content().split())
    shown["statuses"] = {s: ints(text_of(tree, f"//*[@data-status='{s}']//a"))[0] for s in STATUSES}
    table = "//table[@id='visits-by-level']"
    shown["visits"] = {lv: ints(text_of(tree, f"{table}//td[@data-level='{lv}']")) for lv in LEVELS}
    keys = [td.get("data-level") for td in tree.xpath(f"{table}//td[@data-level]")]
    all_channels = tree.xpath(f"{table}/tbody/tr")[1].xpath("./td")
    shown["levels"] = {
        lv: ints(td.text_content()) for lv, td in zip(keys, all_channels, strict=True)
    }
    shown["goals"] = {
        card.get("data-goal"): card.get("data-state") for card in tree.xpath("//*[@data-goal]")
    }
    shown["goal_counts"] = {
        card.get("data-goal"): card for card in tree.xpath("//*[@data-goal][@data-count]")
    }
    shown["communities"] = {
        int(tr.get("data-community")): ints(
            " ".join(td.text_content() for td in tr.xpath("./td")[1:])
        )
        for tr in tree.xpath("//table[@id='community-table']//tr[@data-community]")
    }
    charts = json.loads(tree.xpath("//script[@id='dashboard-data']")[0].text)
    return shown, charts


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def pair(d: dict) -> list[int]:
    return [d["batches"], d["headcount"]]


def test_it_shows_the_commands_numbers_on_the_dashboard(client, personas, period):
    s = command_figures(period)
    p = s["petitions"]
    shown, charts = dashboard_figures(client, personas[Role.LEADER], period)

    assert [shown["batches"], shown["headcount"]] == pair(p)
    assert shown["by_channel"] == {c: p["by_channel"][c]["batches"] for c in CHANNELS}
    assert shown["over_level"] == pair(p["over_level"])
    assert shown["collective"] == pair(p["collective"])
    assert (shown["first"], shown["repeat"]) == (p["first"], p["repeat"])
    assert shown["overdue_open"] == p["overdue_open"]
    assert shown["receptions"] == s["receptions"]["headcount"]
    on_time = p["on_time"]
    assert shown["on_time"] == [on_time["met"], on_time["late"], on_time["overdue"]]
    assert shown["on_time_rate"] == percent(p["on_time_rate"])
    # 按期办结率 counts an answer owed and overdue as not on time: never 100 % beside one.
    assert p["overdue_open"] >= 1 and p["on_time_rate"] < 1
    assert shown["satisfaction_rate"] == percent(p["satisfaction_rate"])
    assert shown["statuses"] == {k: p[k] for k in STATUSES}
    assert shown["visits"] == {lv: pair(p["visits_by_level"][lv]) for lv in LEVELS}
    assert shown["levels"] == {lv: pair(p["by_level"][lv]) for lv in LEVELS}
    goals = s["goals"]
    for goal in ("zero_national", "zero_province", "zero_city"):
        assert shown["goals"][goal] == ("held" if goals[goal] else "broken")

    rows = stats.per_community(period)
    assert shown["communities"] == {
        r["id"]: [
            r["batches"],
            r["headcount"],
            r["over_level_batches"],
            r["collective_batches"],
            r["overdue_open"],
        ]
        for r in rows
    }
    # The per-community rows and the charts add up to the period's totals.
    assert sum(r["batches"] for r in rows) == p["batches"]
    assert sum(w["batches"] or 0 for w in charts["trend"]) == p["batches"]
    assert sum(w["headcount"] or 0 for w in charts["trend"]) == p["headcount"]
    assert {c["id"]: pair(c) for c in charts["communities"]} == {r["id"]: pair(r) for r in rows}
    # The dataset is not trivial: each kind of figure is exercised.
    assert p["batches"] == 10
    assert p["collective"]["batches"] == 2
    assert p["repeat"] == 1
    assert s["receptions"]["headcount"] == 7
    assert p["overdue_open"] >= 1
    # The national petition is a letter: the 三零 goals count visits only (the default).
    assert goals["zero_national"] is True and goals["zero_city"] is False
    assert p["by_level"]["national"]["batches"] == 1
    board = {g: int(c.get("data-count")) for g, c in shown["goal_counts"].items()}
    assert board == {g: goals["counts"][g]["batches"] for g in stats.GOALS}


def test_it_writes_the_commands_numbers_into_the_word_report(period):
    s = command_figures(period)
    p, r = s["petitions"], s["receptions"]
    out = io.BytesIO()
    word.campaign_report(out, period=period)
    doc = Document(io.BytesIO(out.getvalue()))
    text = "\n".join(par.text for par in doc.paragraphs)

    def said(pattern: str) -> list[int]:
        found = re.search(pattern, text)
        assert found, f"the report does not say {pattern!r}"
        return [int(n) for n in found.groups()]

    assert said(r"领导接访群众(\d+)人次") == [r["headcount"]]
    assert said(r"共登记信访(\d+)批(\d+)人次") == pair(p)
    assert said(r"越级上访(\d+)批(\d+)人次") == pair(p["over_level"])
    assert said(r"来访(\d+)批(\d+)人次，其中") == pair(p["by_channel"]["visit"])
    for zh, level in (("进京", "national"), ("赴省", "province"), ("到市", "city")):
        assert said(zh + r"上访(\d+)批(\d+)人次") == pair(p["visits_by_level"][level])
        goal = {"national": "zero_national", "province": "zero_province", "city": "zero_city"}
        assert pair(s["goals"]["counts"][goal[level]]) == pair(p["visits_by_level"][level])
    assert said(r"到区上访(\d+)批(\d+)人次") == pair(p["visits_by_level"]["district"])
    assert said(r"来街道上访(\d+)批(\d+)人次") == pair(p["visits_by_level"]["street"])
    assert said(r"集体访(\d+)批(\d+)人次") == pair(p["collective"])
    assert said(r"初信初访(\d+)件") == [p["first"]]
    assert said(r"重复信访(\d+)件") == [p["repeat"]]
    assert said(r"已登记待决定是否受理(\d+)件") == [p["registered"]]
    assert said(r"正在办理(\d+)件") == [p["accepted"]]
    assert said(r"不予受理(\d+)件") == [p["declined"]]
    assert said(r"转送(\d+)件") == [p["transferred"]]
    assert said(r"，办结(\d+)件") == [p["concluded"]]
    assert said(r"超期未办结(\d+)件") == [p["overdue_open"]]
    if p["on_time_rate"] is not None:
        assert f"按期办结率（含已超期未办结）{word.chinese_rate(p['on_time_rate'])}" in text
    if p["satisfaction_rate"] is not None:
        assert f"群众满意率{word.chinese_rate(p['satisfaction_rate'])}" in text
    for goal, name in (
        ("zero_national", "零进京"),
        ("zero_province", "零赴省"),
        ("zero_city", "零到市"),
    ):
        counted = s["goals"]["counts"][goal]
        expected = "已实现" if s["goals"][goal] else "未实现"
        level = {"zero_national": "进京", "zero_province": "赴省", "zero_city": "到市"}[goal]
        shown = f"“{name}”目标：{expected}（{level}上访{counted['batches']}批{counted['headcount']}人次）"
        assert shown in text

    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "社区")
    assert [c.text for c in table.rows[0].cells][:3] == ["社区", "批次", "人次"]
    in_doc = {
        row.cells[0].text: [int(row.cells[1].text), int(row.cells[2].text)]
        for row in table.rows[1:]
    }
    assert in_doc == {row["name"]: pair(row) for row in stats.per_community(period)}
