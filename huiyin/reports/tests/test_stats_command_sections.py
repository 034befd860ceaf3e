"""`huiyin stats` without --json: after the petitions, every section the statistics engine
composes (disputes, the weekly screening, and any kind registered later), each figure under
the name its kind registered, the same numbers as the JSON."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.utils import translation

from huiyin.reports import stats
from huiyin.reports.management.commands.stats import section_lines
from huiyin.reports.stats import engine
from huiyin.reports.tests.test_stats_disputes import ago, agree, fail, mediate, register

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("stats", *args, stdout=out, stderr=err)
    assert err.getvalue() == ""
    return out.getvalue()


@pytest.fixture
def disputes(personas, community):
    """Three disputes received in the period: one resolved with a written agreement, one
    failed, one only registered."""
    resolved = mediate(register(personas, received=9), personas, on=ago(8))
    agree(resolved, personas, on=ago(6))
    failed = mediate(register(personas, received=9), personas, on=ago(8))
    fail(failed, personas, on=ago(5))
    register(personas, received=7)
    return stats.Period(ago(10), ago(3))


def args(period: stats.Period) -> list[str]:
    return ["--from", period.start.isoformat(), "--to", period.end.isoformat()]


def test_the_table_prints_the_dispute_and_screening_figures(disputes):
    with translation.override("en"):
        out = run(*args(disputes))
    data = stats.compute(disputes)["disputes"]
    assert (data["registered"], data["mediated"], data["resolved"], data["failed"]) == (3, 2, 1, 1)
    lines = [line.strip() for line in out.splitlines()]
    # The petitions first, as before; then the disputes and the screening, in the JSON's order.
    assert lines.index("Petitions: 0 batches, 0 person-times") < lines.index(
        "Disputes: screening and mediation"
    )
    assert lines.index("Disputes: screening and mediation") < lines.index(
        "Weekly screening reports"
    )
    for line in (
        "Disputes registered: 3",
        "Mediation started: 2",
        "Disputes resolved: 1",
        "Ended without agreement: 1",
        "Resolution rate: 50.0%",
        "Written agreement: 1",
        "Oral agreement: 0",
        "Registered, by dispute type:",
        "邻里: 0",  # a type by its own name
        "未分类: 3",
        "Street mediation committee: 3",  # a tier by its label
        "Applications: 0",
        "Reports due: 0",
        "Nil reports: 0",
    ):
        assert line in lines, line
    # Nested figures are indented under theirs.
    assert "    未分类: 3" in out.splitlines()


def test_the_labels_follow_the_active_language(disputes):
    with translation.override("zh-hans"):
        out = run(*args(disputes))
    lines = [line.strip() for line in out.splitlines()]
    assert "开始调解: 2" in lines  # Mediation started
    assert "未分类: 3" in lines  # data, as it is
    assert "按时上报: 0" in lines and "零报告: 0" in lines  # the screening's


def test_one_community_counts_its_own(disputes, other_community):
    with translation.override("en"):
        out = run(*args(disputes), "--community", other_community.name)
    assert "Disputes registered: 0" in [line.strip() for line in out.splitlines()]
    assert "Resolution rate: —" in [line.strip() for line in out.splitlines()]


def test_a_kind_registered_later_appears_without_a_change(monkeypatch, disputes):
    """A new kind's sections are printed from the registry: under its names where it gives
    them, under its JSON keys where it does not."""
    engine.registered()  # every kind of the package registered before the copy
    monkeypatch.setattr(engine, "_REGISTRY", dict(engine._REGISTRY))

    def figures(period, *, user=None, scope=None):
        return {
            "incidents": {"reported": 4, "on_time_rate": 0.75, "by_class": {"natural": 1}},
            "warnings": {"notes": 2, "open": None},
        }

    names = {"incidents": "突发事件", "incidents.reported": "报告", "incidents.by_class": "按类别"}
    stats.register(
        "incidents",
        figures,
        sections=("incidents", "warnings"),
        order=40,
        labels=lambda: names,
    )
    with translation.override("en"):
        out = run(*args(disputes))
    lines = out.splitlines()
    start = lines.index("突发事件")
    assert lines[start : start + 5] == [
        "突发事件",
        "  报告: 4",
        "  on_time_rate: 75.0%",
        "  按类别:",
        "    natural: 1",
    ]
    assert lines[lines.index("warnings") + 1 : lines.index("warnings") + 3] == [
        "  notes: 2",
        "  open: —",
    ]
    # The JSON has them too, under the same keys.
    assert json.loads(run(*args(disputes), "--json"))["incidents"]["reported"] == 4


def test_a_section_s_values_are_printed_plainly():
    with translation.override("en"):
        lines = section_lines(
            "x",
            {"flag": True, "items": ["甲", "乙"], "rows": [{"a": 1}], "none": [], "ratio": 0.5},
            {},
        )
    assert lines == [
        "x",
        "  flag: yes",
        "  items: 甲、乙",
        "  rows: a: 1",
        "  none: —",
        "  ratio: 0.5",
    ]


def test_json_output_is_unchanged(disputes):
    data = json.loads(run(*args(disputes), "--json"))
    # Every section: those computed only on request (the assessment's ranking) too.
    every = [section for entry in stats.registered() for section in entry.sections]
    assert data == json.loads(json.dumps(stats.compute(disputes, include=every)))
    assert data["disputes"]["registered"] == 3
