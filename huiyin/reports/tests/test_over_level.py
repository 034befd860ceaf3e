"""Over-level (条例 art. 20) and the 三零 goals: one figure for the board and the report."""

from __future__ import annotations

import dataclasses
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from docx import Document

from huiyin.org.roles import Role
from huiyin.petitions.models import Channel, Level
from huiyin.petitions.queries import over_level_q, upward_q
from huiyin.petitions.tests.factories import register
from huiyin.reports import stats, word
from huiyin.reports.stats import Period
from huiyin.reports.views.dashboard import Links, _goals

URL = "/reports/"


def period() -> Period:
    today = timezone.localdate()
    return Period(today - timedelta(days=60), today)


def report_text(**kwargs) -> str:
    out = io.BytesIO()
    word.campaign_report(out, period=period(), **kwargs)
    doc = Document(io.BytesIO(out.getvalue()))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts.extend("|".join(c.text for c in row.cells) for row in table.rows)
    return "\n".join(parts)


def dashboard(client):
    p = period()
    query = {"period": "custom", "from": p.start.isoformat(), "to": p.end.isoformat()}
    return client.get(URL, query)


def board(client, user) -> dict:
    client.force_login(user)
    response = dashboard(client)
    assert response.status_code == 200
    return {g["key"]: g for g in response.context["goals"]}


@pytest.fixture
def clerk(personas):
    return personas[Role.PETITION_CLERK]


def test_an_online_national_petition_breaks_no_zero_goal(client, personas, clerk, community):
    register(clerk, community=community, channel=Channel.ONLINE, level=Level.NATIONAL)
    s = stats.compute(period())
    assert s["petitions"]["by_level"]["national"]["batches"] == 1
    assert s["goals"]["counts"]["zero_national"] == {"batches": 0, "headcount": 0}
    assert s["goals"]["zero_national"] is True
    text = report_text()
    assert "进京上访0批0人次" in text
    assert "“零进京”目标：已实现（进京上访0批0人次）。" in text
    goal = board(client, personas[Role.LEADER])["zero_national"]
    assert goal["held"] is True and goal["count"] == 0
    # Still over-level: it is counted and recorded, only not a visit.
    assert s["petitions"]["over_level"]["batches"] == 1


def test_a_national_visit_breaks_zero_national_on_the_board_and_in_the_report(
    client, personas, clerk, community
):
    visit = register(clerk, community=community, channel=Channel.VISIT, level=Level.NATIONAL)
    s = stats.compute(period())
    assert s["goals"]["counts"]["zero_national"] == {"batches": 1, "headcount": 1}
    assert s["goals"]["zero_national"] is False
    text = report_text()
    assert "进京上访1批1人次" in text
    assert "“零进京”目标：未实现（进京上访1批1人次）。" in text
    assert "涉及目标的信访事项" in text
    assert f"零进京|{visit.case.number}|" in text
    goal = board(client, personas[Role.LEADER])["zero_national"]
    assert goal["held"] is False and goal["count"] == 1
    assert [b["number"] for b in goal["breaches"]] == [visit.case.number]
    assert goal["breaches"][0]["handling"] in ("met", "late", "overdue", "open")
    html = dashboard(client).content.decode()
    assert 'data-goal="zero_national" data-state="broken" data-count="1"' in html
    assert 'data-goal-petitions="zero_national"' in html


def test_the_goal_channels_are_a_setting(settings, clerk, community):
    register(clerk, community=community, channel=Channel.ONLINE, level=Level.CITY)
    assert stats.compute(period())["goals"]["zero_city"] is True
    settings.HUIYIN_GOAL_CHANNELS = ["visit", "online"]
    s = stats.compute(period())
    assert s["goals"]["zero_city"] is False
    assert s["goals"]["channels"] == ["visit", "online"]
    assert "“零到市”目标：未实现（到市信访（来访、网上信访）1批1人次）。" in report_text()


def test_a_district_petition_is_upward_but_not_over_level(clerk, community):
    district = register(clerk, community=community, level=Level.DISTRICT)
    city = register(clerk, community=community, channel=Channel.LETTER, level=Level.CITY)
    register(clerk, community=community, level=Level.STREET)
    p = stats.compute(period())["petitions"]
    assert p["upward"] == {"batches": 2, "headcount": 2}
    assert p["over_level"] == {"batches": 1, "headcount": 1}
    cases = stats.petition_cases(period())
    assert list(cases.filter(over_level_q()).values_list("pk", flat=True)) == [city.case.pk]
    assert set(cases.filter(upward_q()).values_list("pk", flat=True)) == {
        district.case.pk,
        city.case.pk,
    }
    row = next(r for r in stats.per_community(period()) if r["id"] == community.pk)
    assert (row["over_level_batches"], row["upward_batches"]) == (1, 2)


def test_the_list_filters_match_the_figures(client, personas, clerk, community):
    register(clerk, community=community, level=Level.DISTRICT)
    register(clerk, community=community, channel=Channel.LETTER, level=Level.CITY)
    client.force_login(personas[Role.LEADER])
    figures = dashboard(client).context["figures"]
    assert figures["over_level"]["batches"] == 1 and figures["upward"]["batches"] == 2
    assert figures["upward"]["url"].endswith("&upward=1")
    for key in ("over_level", "upward"):
        page = client.get(figures[key]["url"])
        assert page.status_code == 200
        assert len(page.context["page"].object_list) == figures[key]["batches"]


def test_the_report_prints_the_figure_the_office_chose(settings, clerk, community):
    register(clerk, community=community, level=Level.DISTRICT)
    register(clerk, community=community, channel=Channel.LETTER, level=Level.CITY)
    assert "其中越级上访1批1人次（越过应处理层级及其上一级）" in report_text()
    settings.HUIYIN_OVER_LEVEL_FIGURE = "upward"
    assert "其中到上级机关信访（区级及以上）2批2人次" in report_text()


def test_the_report_says_registered_and_what_the_on_time_rate_counts(clerk, community):
    register(clerk, community=community, received_at=timezone.now() - timedelta(days=40))
    text = report_text()
    assert "共登记信访1批1人次" in text
    assert "共受理" not in text
    assert "已登记待决定是否受理1件" in text
    assert "按期办结率（含已超期未办结）0%（按期答复0件，应答复1件" in text


def test_the_petitions_touching_a_goal_are_left_out_without_petition_access(
    personas, clerk, community
):
    register(clerk, community=community, channel=Channel.VISIT, level=Level.CITY)
    data = word.gather(period())
    assert "涉及目标的信访事项" in "\n".join(p.text for p in word.build_document(data).paragraphs)
    hidden = dataclasses.replace(data, show_petitions=False)
    assert "涉及目标的信访事项" not in "\n".join(
        p.text for p in word.build_document(hidden).paragraphs
    )
    assert word.build_context(hidden)["涉及目标的信访事项"] == []
    assert word._may_see_petitions(personas[Role.COMMUNITY_WORKER]) is False
    assert word._may_see_petitions(personas[Role.LEADER]) is True
    goals = {g["key"]: g for g in _goals(data.figures, Links(period()), show_petitions=False)}
    assert goals["zero_city"]["held"] is False and goals["zero_city"]["breaches"] == []
    assert goals["zero_city"]["url"] == ""
