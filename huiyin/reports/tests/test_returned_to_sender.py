"""A matter assigned from above and returned to the sender (条例 art. 23) is not 办结: the
statistics count it apart (``petitions.returned``), outside the on-time rate, and the list,
the dashboard and the Word report say so."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document
from lxml import html

from huiyin.org.roles import Role
from huiyin.petitions.models import Channel
from huiyin.petitions.queries import PetitionFilter
from huiyin.petitions.tests.factories import bring_to, days_ago, register, step
from huiyin.reports import stats, word

STATUSES = ("registered", "accepted", "declined", "transferred", "concluded", "returned")


@pytest.fixture
def matters(personas, community, unit) -> dict:
    clerk = personas[Role.PETITION_CLERK]
    returned = register(
        clerk,
        community=community,
        channel=Channel.ASSIGNED,
        assigned_by="区信访局",
        level="national",
        received_at=days_ago(10),
        title="退回的交办件",
    ).case
    step(
        returned,
        "object_return",
        clerk,
        reason="不属本街道职责",
        objected_on=days_ago(8),
        agreed_on=days_ago(7),
    )
    handled = register(clerk, community=community, received_at=days_ago(12), title="办结的事项")
    bring_to(handled, "concluded", personas, unit=unit)
    return {"returned": returned, "handled": handled.case}


def period() -> stats.Period:
    today = timezone.localdate()
    return stats.Period(today - timedelta(days=30), today)


def test_it_is_counted_as_returned_not_concluded_and_outside_the_on_time_rate(matters, settings):
    settings.HUIYIN_GOAL_CHANNELS = ("visit", "assigned")
    p = stats.compute(period())["petitions"]
    assert (p["concluded"], p["returned"]) == (1, 1)
    assert sum(p[s] for s in STATUSES) == p["batches"] == 2
    # Only the matter the street handled is in the rate: 1 of 1 on time, not 1 of 2.
    assert p["on_time"] == {"met": 1, "late": 0, "overdue": 0}
    assert p["on_time_rate"] == 1.0
    assert stats.flat({"petitions": p})["petitions.returned"] == 1
    # Lodged at the national level: in the goal's list, as returned, not "in hand".
    goals = stats.compute(period())["goals"]
    [item] = goals["breaches"]["zero_national"]
    assert (item["number"], item["handling"]) == (matters["returned"].number, "returned")


def test_alone_it_leaves_no_rate_and_nothing_concluded(personas, community):
    clerk = personas[Role.PETITION_CLERK]
    case = register(
        clerk,
        community=community,
        channel=Channel.ASSIGNED,
        assigned_by="区信访局",
        received_at=days_ago(6),
    ).case
    step(
        case,
        "object_return",
        clerk,
        reason="不属本街道职责",
        objected_on=days_ago(5),
        agreed_on=days_ago(5),
    )
    p = stats.compute(period())["petitions"]
    assert (p["concluded"], p["returned"], p["on_time_rate"]) == (0, 1, None)


def test_the_list_filters_match_the_figures(personas, matters):
    clerk = personas[Role.PETITION_CLERK]

    def listed(**params) -> list[str]:
        return [c.title for c in PetitionFilter(params, clerk).queryset()]

    assert listed(concluded="1") == ["办结的事项"]
    assert listed(returned="1") == ["退回的交办件"]


def test_the_dashboard_shows_it_apart_from_the_concluded(client, personas, matters, settings):
    settings.HUIYIN_GOAL_CHANNELS = ("visit", "assigned")
    client.force_login(personas[Role.LEADER])
    today = timezone.localdate()
    response = client.get(
        reverse("reports:dashboard"),
        {
            "period": "custom",
            "from": (today - timedelta(days=30)).isoformat(),
            "to": today.isoformat(),
        },
    )
    assert response.status_code == 200
    tree = html.fromstring(response.content.decode())
    shown = {s: tree.xpath(f"//*[@data-status='{s}']//a")[0] for s in ("concluded", "returned")}
    assert {s: a.text_content().strip() for s, a in shown.items()} == {
        "concluded": "1",
        "returned": "1",
    }
    assert "returned=1" in shown["returned"].get("href")
    handling = tree.xpath("//*[@data-handling]")
    assert [h.get("data-handling") for h in handling] == ["returned"]


def test_the_word_report_does_not_call_it_concluded(matters):
    out = io.BytesIO()
    word.campaign_report(out, period=period())
    text = "\n".join(par.text for par in Document(io.BytesIO(out.getvalue())).paragraphs)
    assert "，办结1件，退回交办机关1件，" in text


def test_the_ledger_says_returned_and_reads_it_back_as_returned(personas, matters):
    from huiyin.cases.models import Case, Clock
    from huiyin.cases.services import withdraw_case
    from huiyin.reports.ledgers.petitions import export_petition_ledger, import_petition_ledger
    from huiyin.reports.tests.test_ledger_export import by_column, sheet_rows

    clerk = personas[Role.PETITION_CLERK]
    first = io.BytesIO()
    export_petition_ledger(first, user=clerk, params={}, with_identity=True)
    rows = {r["信访事项"]: r for r in map(by_column, sheet_rows(first.getvalue())[3:])}
    returned = rows["退回的交办件"]
    assert (returned["办理状态"], returned["办结日期"].date()) == ("已退回交办机关", days_ago(7))
    assert returned["办理结果"] == "不属本街道职责"
    assert rows["办结的事项"]["办理状态"] == "已办结"
    before = stats.compute(period())["petitions"]

    for case in Case.objects.filter(kind="petition"):
        withdraw_case(case, actor=clerk, version=case.version, reason="测试")
    first.seek(0)
    report = import_petition_ledger(first, filename="ledger.xlsx", actor=clerk)
    assert report.ok, report.errors
    after = stats.compute(period())["petitions"]
    assert (after["concluded"], after["returned"]) == (before["concluded"], before["returned"])
    assert after["on_time"] == before["on_time"]
    case = Case.objects.get(withdrawn=False, title="退回的交办件")
    assert case.petition.returned_to_sender and case.petition.sender_agreed_on == days_ago(7)
    notice = Clock.objects.get(case=case, code="acceptance_notice")
    assert notice.outcome == Clock.Outcome.CANCELLED
    # The objection's day is not in the ledger: its clock stops with no outcome, not "met".
    assert Clock.objects.get(case=case, code="transfer_objection").outcome == ""


def test_the_ledger_refuses_a_returned_matter_not_assigned_from_above(personas):
    from huiyin.reports.tests.test_ledger_import import ledger, row, run

    report = run(
        ledger([row(办理状态="已退回交办机关", 受理日期=None, 办结日期=days_ago(3))]),
        personas[Role.PETITION_CLERK],
    )
    assert [e.column for e in report.errors] == ["办理状态"]
    assert "上级交办" in report.errors[0].reason
