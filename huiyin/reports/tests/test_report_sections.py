"""The campaign report is composed of the sections each kind registers: a new kind's
placeholders, lists and paragraphs join the report without a change to it."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from docx import Document

from huiyin.reports import docx_layout as gb
from huiyin.reports import stats, word
from huiyin.reports.sections import base
from huiyin.reports.sections.base import Part, Placeholder, Section


@pytest.fixture
def registry(monkeypatch):
    base.registered()  # every section of the package registered before the copy
    monkeypatch.setattr(base, "_REGISTRY", dict(base._REGISTRY))
    stats.registered()
    monkeypatch.setattr(stats.engine, "_REGISTRY", dict(stats.engine._REGISTRY))
    # The toy kind's figures, as its stats module would register them.
    stats.register("toys", lambda period, **kw: {"toys": {"found": 7, "solved": 5}}, order=90)


def period() -> stats.Period:
    today = timezone.localdate()
    return stats.Period(today - timedelta(days=30), today)


def _write(doc, data) -> None:
    toys = data.figures["toys"]
    gb.add_paragraph(doc, f"排查玩具{toys['found']}件，化解{toys['solved']}件。")


def _write_list(doc, data) -> None:
    gb.add_paragraph(doc, "、".join(data.found["toys"]["names"]))


TOYS = Section(
    key="toys",
    order=90,
    placeholders=(
        Placeholder("排查玩具件数", "toys.found", "int", "排查的玩具（件）"),
        Placeholder("化解玩具件数", "toys.solved", "int", "化解的玩具（件）"),
    ),
    lists=(("玩具清单", "toy_list", (("名称", "name", "玩具名称"),)),),
    rows=lambda data: {"玩具清单": [{"name": n} for n in data.found["toys"]["names"]]},
    gather=lambda period, **kw: {"names": ["甲", "乙"]},
    parts=(Part(15, "总体情况", _write), Part(50, "玩具清单", _write_list)),
)


def test_the_petitions_section_is_registered_after_the_reports_own_placeholders():
    keys = [section.key for section in base.registered()]
    assert keys[0] == "petitions"
    placeholders = word.PLACEHOLDERS
    assert placeholders[: len(base.REPORT_PLACEHOLDERS)] == base.REPORT_PLACEHOLDERS
    assert [p.name for p in placeholders].count("接访人次") == 1
    assert [name for name, _alias, _keys in word.LISTS][0] == "社区情况"


def test_a_new_section_joins_the_placeholders_the_lists_and_the_document(db, registry):
    base.register(TOYS)
    assert [p.name for p in word.PLACEHOLDERS][-2:] == ["排查玩具件数", "化解玩具件数"]
    assert {"排查玩具件数", "toys_found", "玩具清单", "toy_list"} <= word.known_names()
    assert "| `{{ 排查玩具件数 }}` | `{{ toys_found }}` | `toys.found` |" in (
        word.placeholders_markdown()
    )

    data = word.gather(period())
    assert data.found["toys"] == {"names": ["甲", "乙"]}
    context = word.build_context(data)
    assert context["排查玩具件数"] == context["toys_found"] == "7"
    assert context["玩具清单"] == [{"name": "甲", "名称": "甲"}, {"name": "乙", "名称": "乙"}]

    texts = [p.text for p in word.build_document(data).paragraphs]
    headings = [t for t in texts if t[:2] in ("一、", "二、", "三、", "四、", "五、")]
    assert headings == [
        "一、总体情况",
        "二、“三零”目标",
        "三、各社区情况",
        "四、超期未办结事项",
        "五、玩具清单",
    ]
    overall = texts.index("一、总体情况")
    goals = texts.index("二、“三零”目标")
    # The toy paragraph comes under 总体情况, after the petitions' own paragraphs.
    assert texts[goals - 1] == "排查玩具7件，化解5件。"
    assert any("共登记信访" in t for t in texts[overall:goals])
    assert texts[texts.index("五、玩具清单") + 1] == "甲、乙"


def test_a_template_may_use_a_new_sections_placeholders(db, registry):
    base.register(TOYS)
    source = Document()
    source.add_paragraph(
        "玩具{{ 排查玩具件数 }}件{% for 行 in 玩具清单 %}{{ 行.名称 }}{% endfor %}"
    )
    buffer = io.BytesIO()
    source.save(buffer)
    template = buffer.getvalue()
    word.check_template(io.BytesIO(template))
    out = io.BytesIO()
    word.campaign_report(out, period=period(), template=io.BytesIO(template))
    text = "\n".join(p.text for p in Document(io.BytesIO(out.getvalue())).paragraphs)
    assert "玩具7件甲乙" in text
