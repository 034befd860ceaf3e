"""The disputes' share of the campaign report (情况通报): their placeholders (the speech's
"调处矛盾纠纷 件", "共排查各类矛盾纠纷 件，化解 件"), the weekly screening's, a list per
community and per type, and their paragraphs of the built-in report — under 总体情况 (after the
petitions' own) and a table under 各社区情况.

Every number comes from the statistics layer (the sections ``disputes`` and ``screening`` of
``stats.compute``, and :func:`huiyin.reports.stats.disputes.per_community`); nothing is
counted here. Registered as the section "disputes" (:mod:`huiyin.reports.sections.base`).
The built-in report writes the disputes' paragraphs only for a reader who may view disputes
(Perm.DISPUTES_VIEW; the command line always); for anyone else the figures are all 0.
"""

from __future__ import annotations

from datetime import date

from huiyin.reports import docx_layout as gb
from huiyin.reports import stats
from huiyin.reports.sections.base import (
    ListSpec,
    Part,
    Placeholder,
    ReportData,
    Section,
    chinese_count,
    chinese_rate,
    register,
)
from huiyin.reports.stats import disputes as dispute_stats

__all__ = ["LISTS", "PLACEHOLDERS", "SECTION", "may_see_disputes"]

#: The tiers as the report names them (the committee that handled the dispute last).
TIERS_ZH = {
    "grid": "网格调解小组",
    "community": "社区人民调解委员会",
    "unit": "单位人民调解委员会",
    "street": "街道人民调解委员会",
    "district": "区级",
}
_TIER_NAMES = {
    "grid": "网格",
    "community": "社区",
    "unit": "单位",
    "street": "街道",
    "district": "区级",
}


def _type_name(name: str) -> str:
    """A default type's placeholder name: 邻里纠纷件数; 劳动争议 is already a dispute."""
    return name if name.endswith(("争议", "纠纷")) else f"{name}纠纷"


PLACEHOLDERS: tuple[Placeholder, ...] = (
    Placeholder(
        "调处矛盾纠纷件数",
        "disputes.mediated",
        "int",
        "调处矛盾纠纷（件）：统计时段内开始调解（受理调解）的矛盾纠纷",
    ),
    Placeholder(
        "排查矛盾纠纷件数",
        "disputes.registered",
        "int",
        "排查各类矛盾纠纷（件）：统计时段内登记（按登记日期）的矛盾纠纷",
    ),
    Placeholder(
        "化解矛盾纠纷件数",
        "disputes.resolved",
        "int",
        "化解（件）：统计时段内调解成功（达成书面或口头协议）的矛盾纠纷，按调解结束日期",
    ),
    Placeholder(
        "调解不成功件数",
        "disputes.failed",
        "int",
        "统计时段内调解不成功或当事人拒绝调解而终止的矛盾纠纷（件）",
    ),
    Placeholder(
        "矛盾纠纷化解率",
        "disputes.resolution_rate",
        "rate",
        "化解件数 ÷（化解 + 调解不成功）件数，如“83%”；无则“—”",
    ),
    Placeholder(
        "就地化解率",
        "disputes.community_share",
        "rate",
        "化解的矛盾纠纷中由网格、社区层级化解的比例；无则“—”",
    ),
    Placeholder(
        "书面协议件数",
        "disputes.agreements.written",
        "int",
        "化解的矛盾纠纷中达成书面调解协议的件数",
    ),
    Placeholder(
        "口头协议件数", "disputes.agreements.oral", "int", "化解的矛盾纠纷中达成口头协议的件数"
    ),
    Placeholder(
        "协议已履行件数", "disputes.performed", "int", "化解的矛盾纠纷中协议已全部履行的件数"
    ),
    Placeholder(
        "申请司法确认件数", "disputes.judicial.applied", "int", "统计时段内申请司法确认的件数"
    ),
    Placeholder(
        "司法确认有效件数", "disputes.judicial.confirmed", "int", "统计时段内法院裁定确认有效的件数"
    ),
    Placeholder(
        "司法确认驳回件数", "disputes.judicial.rejected", "int", "统计时段内法院裁定驳回的件数"
    ),
    *[
        Placeholder(
            f"{_type_name(name)}件数",
            f"disputes.by_type.{key}",
            "int",
            f"排查的{_type_name(name)}（件）" + ("，含欠薪" if key == "labour" else ""),
        )
        for name, key in dispute_stats.TYPE_KEYS.items()
    ],
    *[
        Placeholder(
            f"{_TIER_NAMES[tier]}调处件数",
            f"disputes.by_tier.{tier}",
            "int",
            f"排查的矛盾纠纷中最后由{TIERS_ZH[tier]}调处的件数",
        )
        for tier in dispute_stats.TIERS
    ],
    Placeholder(
        "排查应报次数", "screening.expected", "int", "统计时段内截止的每周排查应上报次数（单位×周）"
    ),
    Placeholder("排查按时上报次数", "screening.on_time", "int", "按时上报的每周排查报告次数"),
    Placeholder("排查逾期上报次数", "screening.late", "int", "逾期上报的每周排查报告次数"),
    Placeholder("排查未上报次数", "screening.missing", "int", "截止时间已过仍未上报的次数"),
    Placeholder("排查零报告次数", "screening.nil", "int", "上报的零报告（本周无新增）次数"),
)

#: The lists for {% for %} rows: name, English alias, and the keys of each row.
LISTS: tuple[ListSpec, ...] = (
    (
        "社区矛盾纠纷",
        "dispute_communities",
        (
            ("社区", "name", "社区名称"),
            ("排查", "registered", "排查（登记）的矛盾纠纷件数"),
            ("调处", "mediated", "开始调解的件数"),
            ("化解", "resolved", "调解成功的件数"),
            ("调解不成功", "failed", "调解不成功或拒绝调解的件数"),
        ),
    ),
    (
        "矛盾纠纷类型",
        "dispute_types",
        (
            ("类型", "name", "纠纷类型（一级类型，欠薪计入劳动争议；每个类型一行，含0件）"),
            ("件数", "count", "排查（登记）的件数"),
        ),
    ),
)

_COUNTS = ("registered", "mediated", "resolved", "failed")


# ------------------------------------------------------------------------------ gathering


def may_see_disputes(user) -> bool:
    """Perm.DISPUTES_VIEW (or no user: the CLI): without it no dispute figure is shown."""
    if user is None:
        return True
    from huiyin.org.access import reach_of
    from huiyin.org.roles import Perm

    reach = reach_of(user)
    return reach.is_superuser or reach.can(Perm.DISPUTES_VIEW)


def gather(period: stats.Period, *, user=None, community=None, today: date) -> dict:
    """The per-community rows and the type names; whether the reader may view disputes."""
    if not may_see_disputes(user):
        return {"may_see": False, "communities": [], "types": {}}
    rows = dispute_stats.per_community(period, user=user)
    if community is not None:
        rows = [row for row in rows if row["id"] == community.pk]
    return {"may_see": True, "communities": rows, "types": dispute_stats.type_labels()}


def _found(data: ReportData) -> dict:
    return data.found.get("disputes", {"may_see": False, "communities": [], "types": {}})


def _types(data: ReportData, *, every: bool = False) -> list[tuple[str, int]]:
    """(type name, count) of the top-level types in the tree's order: those with disputes
    registered, or with `every` each type in use (zeros included; unclassified only when
    counted). None when the reader may not view disputes."""
    found = _found(data)
    if not found["may_see"]:
        return []
    names = found["types"]
    by_type = data.figures["disputes"]["by_type"]
    return [
        (names.get(key, key), count)
        for key, count in by_type.items()
        if count or (every and key != dispute_stats.UNCLASSIFIED)
    ]


def rows(data: ReportData) -> dict[str, list[dict]]:
    """The rows of the disputes' lists, with the English keys."""
    return {
        "社区矛盾纠纷": [
            {"name": row["name"], **{key: chinese_count(row[key]) for key in _COUNTS}}
            for row in _found(data)["communities"]
        ],
        "矛盾纠纷类型": [
            {"name": name, "count": chinese_count(count)}
            for name, count in _types(data, every=True)
        ],
    }


# ------------------------------------------------------------------------------ built in


def overall_text(data: ReportData) -> list[str]:
    """The paragraphs under 总体情况: the speech's sentence, then types, tiers, the court's
    confirmation and the weekly screening."""
    d = data.figures["disputes"]
    s = data.figures["screening"]
    n = chinese_count
    agreements = d["agreements"]
    first = (
        f"{data.area}调处矛盾纠纷{n(d['mediated'])}件；共排查各类矛盾纠纷{n(d['registered'])}件，"
        f"化解{n(d['resolved'])}件（书面协议{n(agreements['written'])}件、"
        f"口头协议{n(agreements['oral'])}件，协议已履行{n(d['performed'])}件），"
        f"调解不成功或当事人拒绝调解{n(d['failed'])}件"
    )
    if d["resolution_rate"] is None:
        first += "；本期无调解终结的矛盾纠纷，化解率不作统计。"
    else:
        first += f"，化解率{chinese_rate(d['resolution_rate'])}"
        if d["community_share"] is not None:
            first += f"，其中在网格、社区层级化解的占{chinese_rate(d['community_share'])}"
        first += "。"
    paragraphs = [first]
    types = _types(data)
    if types:
        listed = "、".join(f"{name}{n(count)}件" for name, count in types)
        paragraphs.append(f"排查的矛盾纠纷中，{listed}（欠薪计入劳动争议）。")
    tiers = "，".join(
        f"{TIERS_ZH[tier]}{n(count)}件" for tier, count in d["by_tier"].items() if count
    )
    if tiers:
        paragraphs.append(f"按调处层级：{tiers}。")
    judicial = d["judicial"]
    paragraphs.append(
        f"申请司法确认{n(judicial['applied'])}件，法院确认有效{n(judicial['confirmed'])}件、"
        f"驳回{n(judicial['rejected'])}件。"
    )
    paragraphs.append(
        f"每周矛盾纠纷排查应报{n(s['expected'])}次，按时上报{n(s['on_time'])}次，"
        f"逾期上报{n(s['late'])}次，未上报{n(s['missing'])}次；其中零报告{n(s['nil'])}次。"
    )
    return paragraphs


def _write_overall(doc, data: ReportData) -> None:
    if not _found(data)["may_see"]:
        return
    for text in overall_text(data):
        gb.add_paragraph(doc, text)


def _write_communities(doc, data: ReportData) -> None:
    found = _found(data)
    if not found["may_see"] or not found["communities"]:
        return
    gb.add_paragraph(doc, "各社区矛盾纠纷排查调处情况：")
    gb.add_table(
        doc,
        ["所属社区", "排查", "调处", "化解", "调解不成功"],
        [
            [row["name"], *(chinese_count(row[key]) for key in _COUNTS)]
            for row in found["communities"]
        ],
        widths_mm=[40, 28, 28, 28, 32],
    )


SECTION = register(
    Section(
        key="disputes",
        order=20,
        placeholders=PLACEHOLDERS,
        lists=LISTS,
        rows=rows,
        gather=gather,
        parts=(
            Part(12, "总体情况", _write_overall),
            Part(35, "各社区情况", _write_communities),
        ),
    )
)
