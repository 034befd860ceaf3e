"""The petitions' share of the campaign report (情况通报): their placeholders (the speech's
"接访群众 人次", "越级上访 批 人次" …), their lists, and four headings of the built-in report —
总体情况, “三零”目标, 各社区情况, 超期未办结事项.

Every number comes from the statistics layer (``stats.compute`` and its per-community and
overdue lists); nothing is counted here. Registered as the section "petitions"
(:mod:`huiyin.reports.sections.base`).
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

__all__ = ["LISTS", "OVERDUE_ROWS", "PLACEHOLDERS", "SECTION", "may_see_petitions"]

#: Overdue matters listed in the report at most (the most overdue first).
OVERDUE_ROWS = 100


# ------------------------------------------------------------------------------ the table


def _pair(zh: str, path: str, meaning: str) -> list[Placeholder]:
    return [
        Placeholder(f"{zh}批次", f"{path}.batches", "int", f"{meaning}（批次）"),
        Placeholder(f"{zh}人次", f"{path}.headcount", "int", f"{meaning}（人次）"),
    ]


_LEVELS_ZH = (
    ("进京", "national"),
    ("赴省", "province"),
    ("到市", "city"),
    ("到区", "district"),
    ("来街道", "street"),
)
_CHANNELS_ZH = (
    ("来信", "letter"),
    ("来访", "visit"),
    ("来电", "phone"),
    ("网上信访", "online"),
    ("上级交办", "assigned"),
)

PLACEHOLDERS: tuple[Placeholder, ...] = (
    Placeholder(
        "接访人次", "receptions.headcount", "int", "领导坐班接访、下访、巡回接访接待群众人次"
    ),
    Placeholder("接访批次", "receptions.batches", "int", "领导接访接待的信访批次"),
    Placeholder("登记批次", "petitions.batches", "int", "登记的信访总批次（集体访计一批）"),
    Placeholder("登记人次", "petitions.headcount", "int", "登记的信访总人次"),
    Placeholder("受理批次", "petitions.batches", "int", "旧名，同“登记批次”（登记，不是受理）"),
    Placeholder("受理人次", "petitions.headcount", "int", "旧名，同“登记人次”（登记，不是受理）"),
    *_pair(
        "越级上访",
        "petitions.over_level",
        "越级信访（条例第二十条）：越过应处理层级及其上一级，到更高层级机关信访"
        "（街道事项到市、赴省、进京）",
    ),
    *_pair(
        "向上信访",
        "petitions.upward",
        "到高于应处理层级的任一层级机关信访（街道事项到区及以上），含越级信访",
    ),
    *[
        p
        for zh, level in _LEVELS_ZH
        for p in _pair(f"{zh}上访", f"petitions.visits_by_level.{level}", f"{zh}上访（来访）")
    ],
    *[
        p
        for zh, level in _LEVELS_ZH
        for p in _pair(f"{zh}信访", f"petitions.by_level.{level}", f"{zh}信访（各种形式）")
    ],
    *[
        p
        for zh, channel in _CHANNELS_ZH
        for p in _pair(zh, f"petitions.by_channel.{channel}", f"{zh}")
    ],
    *_pair("集体访", "petitions.collective", "集体访"),
    Placeholder("初信初访件数", "petitions.first", "int", "初信初访（批次）"),
    Placeholder("重复信访件数", "petitions.repeat", "int", "重复信访（批次）"),
    Placeholder("已受理件数", "petitions.accepted", "int", "受理的件数"),
    Placeholder("不予受理件数", "petitions.declined", "int", "不予受理的件数"),
    Placeholder("转送件数", "petitions.transferred", "int", "转送的件数"),
    Placeholder("办结件数", "petitions.concluded", "int", "已办结的件数"),
    Placeholder("超期未办结件数", "petitions.overdue_open", "int", "统计截止日超期未办结的件数"),
    Placeholder(
        "按期办结率",
        "petitions.on_time_rate",
        "rate",
        "按期办结率（含已超期未办结）：按期答复件数 ÷（按期答复 + 逾期答复 + 超期未答复）件数，"
        "如“95.2%”；无则“—”",
    ),
    Placeholder("满意率", "petitions.satisfaction_rate", "rate", "满意与基本满意的比例；无则“—”"),
    Placeholder("零进京目标", "goals.zero_national", "goal", "“已实现”或“未实现”"),
    Placeholder("零赴省目标", "goals.zero_province", "goal", "“已实现”或“未实现”"),
    Placeholder("零到市目标", "goals.zero_city", "goal", "“已实现”或“未实现”"),
    *_pair("零进京目标计入", "goals.counts.zero_national", "计入“零进京”目标的进京上访"),
    *_pair("零赴省目标计入", "goals.counts.zero_province", "计入“零赴省”目标的赴省上访"),
    *_pair("零到市目标计入", "goals.counts.zero_city", "计入“零到市”目标的到市上访"),
)

#: The lists for {% for %} rows: name, English alias, and the keys of each row.
LISTS: tuple[ListSpec, ...] = (
    (
        "社区情况",
        "communities",
        (
            ("社区", "name", "社区名称"),
            ("批次", "batches", "信访批次"),
            ("人次", "headcount", "信访人次"),
            ("越级批次", "over_level_batches", "越级信访批次"),
            ("越级人次", "over_level_headcount", "越级信访人次"),
            ("集体访批次", "collective_batches", "集体访批次"),
            ("集体访人次", "collective_headcount", "集体访人次"),
            ("重复信访", "repeat", "重复信访件数"),
            ("办结", "concluded", "办结件数"),
            ("超期未办结", "overdue_open", "超期未办结件数"),
        ),
    ),
    (
        "超期事项",
        "overdue",
        (
            ("编号", "number", "信访件编号"),
            ("登记日期", "received", "登记日期"),
            ("社区", "community", "所属社区"),
            ("问题类别", "category", "问题类别"),
            ("责任单位", "owner_unit", "责任单位"),
            ("超期天数", "days_overdue", "已超期的天数"),
        ),
    ),
    (
        "接访领导",
        "leaders",
        (
            ("姓名", "name", "接访领导"),
            ("批次", "batches", "接访批次"),
            ("人次", "headcount", "接访人次"),
        ),
    ),
    (
        "破坏目标事项",
        "breaches",
        (
            ("目标", "goal", "被打破的目标，如“零进京”"),
            ("编号", "number", "信访件编号"),
        ),
    ),
    (
        "涉及目标的信访事项",
        "goal_petitions",
        (
            ("目标", "goal", "涉及的目标，如“零进京”"),
            ("编号", "number", "信访件编号"),
            (
                "本街道办理",
                "handling",
                "本街道办理是否按期：按期办结、逾期答复、超期未办结或正在办理",
            ),
        ),
    ),
)

_GOAL_NAMES = {"zero_national": "零进京", "zero_province": "零赴省", "zero_city": "零到市"}
_GOAL_LEVELS_ZH = {"zero_national": "进京", "zero_province": "赴省", "zero_city": "到市"}
#: The street's own handling of a petition touching a goal (stats goals.breaches "handling").
_HANDLING_ZH = {
    "met": "按期办结",
    "late": "逾期答复",
    "overdue": "超期未办结",
    "open": "正在办理",
    "returned": "退回交办机关",
}
_CHANNEL_NAMES_ZH = {channel: zh for zh, channel in _CHANNELS_ZH}


# ------------------------------------------------------------------------------ gathering


def gather(period: stats.Period, *, user=None, community=None, today: date) -> dict:
    """The per-community rows and the overdue list (the most overdue first)."""
    communities = stats.per_community(period, user=user)
    if community is not None:
        communities = [row for row in communities if row["id"] == community.pk]
    first, after = period.bounds()
    overdue_qs = (
        stats.overdue_cases(user=user, today=today)
        .filter(received_at__gte=first, received_at__lt=after)
        .select_related("category")
    )
    if community is not None:
        overdue_qs = overdue_qs.filter(community_id=community.pk)
    rows = list(overdue_qs[: OVERDUE_ROWS + 1])
    overdue = [
        {
            "number": case.number,
            "received": gb.chinese_date(case.received_on),
            "community": case.community.name if case.community_id else "—",
            "category": case.category.name if case.category_id else "—",
            "owner_unit": case.owner_unit.name if case.owner_unit_id else "—",
            "days_overdue": (today - case.due_on).days,
        }
        for case in rows[:OVERDUE_ROWS]
    ]
    return {
        "communities": communities,
        "overdue": overdue,
        "overdue_more": len(rows) > OVERDUE_ROWS,
    }


def may_see_petitions(user) -> bool:
    """Perm.PETITIONS_VIEW: without it the petitions touching a goal are left out."""
    if user is None:
        return True
    from huiyin.org.access import reach_of
    from huiyin.org.roles import Perm

    reach = reach_of(user)
    return reach.is_superuser or reach.can(Perm.PETITIONS_VIEW)


def rows(data: ReportData) -> dict[str, list[dict]]:
    """The rows of the petitions' lists, with the English keys."""
    return {
        "社区情况": [_community_row(row) for row in data.communities],
        "超期事项": [
            {**row, "days_overdue": chinese_count(row["days_overdue"])} for row in data.overdue
        ],
        "接访领导": [
            {
                "name": row["name"],
                "batches": chinese_count(row["batches"]),
                "headcount": chinese_count(row["headcount"]),
            }
            for row in data.figures["receptions"]["by_leader"]
        ],
        "破坏目标事项": [
            {"goal": _GOAL_NAMES[goal], "number": item["number"]}
            for goal, item in _goal_petitions(data)
        ],
        "涉及目标的信访事项": [
            {
                "goal": _GOAL_NAMES[goal],
                "number": item["number"],
                "handling": _HANDLING_ZH.get(item.get("handling", ""), "—"),
            }
            for goal, item in _goal_petitions(data)
        ],
    }


def _goal_petitions(data: ReportData) -> list[tuple[str, dict]]:
    """(goal, petition) of the petitions touching each goal; none without petition access."""
    if not data.show_petitions:
        return []
    breaches = data.figures["goals"]["breaches"]
    return [(goal, item) for goal in _GOAL_NAMES for item in breaches[goal]]


def _community_row(row: dict) -> dict:
    return {
        key: (value if key == "name" else chinese_count(value))
        for key, value in row.items()
        if key != "id"
    }


# ------------------------------------------------------------------------------ built in


def _bh(pair: dict) -> str:
    return f"{chinese_count(pair['batches'])}批{chinese_count(pair['headcount'])}人次"


def _overall_text(data: ReportData) -> list[str]:
    p = data.figures["petitions"]
    r = data.figures["receptions"]
    visits = dict(p["visits_by_level"])
    goals = data.figures["goals"]
    if goals["channels"] == ["visit"]:
        # 进京 / 赴省 / 到市上访 are the 三零 goals' own figures: the two never disagree.
        for goal, level in stats.GOALS.items():
            visits[level] = goals["counts"][goal]
    paragraphs = [
        f"{data.period_text}，{data.area}领导接访群众{chinese_count(r['headcount'])}人次；"
        f"共登记信访{_bh(p)}。其中{_over_level_text(p)}；来访"
        f"{_bh(p['by_channel']['visit'])}，其中进京上访{_bh(visits['national'])}，"
        f"赴省上访{_bh(visits['province'])}，到市上访{_bh(visits['city'])}，"
        f"到区上访{_bh(visits['district'])}，来街道上访{_bh(visits['street'])}。",
        f"集体访{_bh(p['collective'])}；初信初访{chinese_count(p['first'])}件，"
        # By present status, as the dashboard shows them: "受理N件" beside "共受理信访" above
        # read as a contradiction, so the open ones say what they are.
        f"重复信访{chinese_count(p['repeat'])}件。"
        f"已登记待决定是否受理{chinese_count(p['registered'])}件，"
        f"正在办理{chinese_count(p['accepted'])}件，"
        f"不予受理{chinese_count(p['declined'])}件，转送{chinese_count(p['transferred'])}件，"
        f"办结{chinese_count(p['concluded'])}件，"
        # Assigned from above and taken back by the sender (条例 art. 23): never 办结.
        + (f"退回交办机关{chinese_count(p['returned'])}件，" if p.get("returned") else "")
        + f"超期未办结{chinese_count(p['overdue_open'])}件。",
    ]
    on_time, satisfaction = p["on_time_rate"], p["satisfaction_rate"]
    rates = []
    counted = p["on_time"]
    if on_time is None:
        rates.append("本期尚无应答复的受理事项，按期办结率（含已超期未办结）不作统计")
    else:
        owed = counted["met"] + counted["late"] + counted["overdue"]
        rates.append(
            f"按期办结率（含已超期未办结）{chinese_rate(on_time)}"
            f"（按期答复{chinese_count(counted['met'])}件，应答复{chinese_count(owed)}件，"
            f"其中逾期答复{chinese_count(counted['late'])}件、"
            f"超期未答复{chinese_count(counted['overdue'])}件）"
        )
    if satisfaction is None:
        rates.append("尚无群众满意度评价")
    else:
        rates.append(f"群众满意率{chinese_rate(satisfaction)}")
    paragraphs.append("；".join(rates) + "。")
    return paragraphs


def _over_level_text(p: dict) -> str:
    """The 越级 clause: the figure the office chose (setting HUIYIN_OVER_LEVEL_FIGURE)."""
    if p.get("over_level_figure") == "upward":
        return f"到上级机关信访（区级及以上）{_bh(p['upward'])}"
    return f"越级上访{_bh(p['over_level'])}（越过应处理层级及其上一级）"


def _goal_counted(goals: dict, goal: str) -> str:
    """ "进京上访" (visits only, the default) or "进京信访（来访、网上信访）"."""
    level = _GOAL_LEVELS_ZH[goal]
    if goals["channels"] == ["visit"]:
        return f"{level}上访"
    names = "、".join(_CHANNEL_NAMES_ZH.get(c, c) for c in goals["channels"])
    return f"{level}信访（{names}）"


def _goal_texts(data: ReportData) -> list[str]:
    """One sentence per 三零 goal, from goals.counts: the same figure as 进京 / 赴省 / 到市上访."""
    goals = data.figures["goals"]
    texts = []
    for goal, name in _GOAL_NAMES.items():
        counted = f"{_goal_counted(goals, goal)}{_bh(goals['counts'][goal])}"
        if goals[goal]:
            texts.append(f"“{name}”目标：已实现（{counted}）。")
        else:
            texts.append(f"“{name}”目标：未实现（{counted}）。")
    return texts


def _write_overall(doc, data: ReportData) -> None:
    for text in _overall_text(data):
        gb.add_paragraph(doc, text)


def _write_goals(doc, data: ReportData) -> None:
    for text in _goal_texts(data):
        gb.add_paragraph(doc, text)
    touching = _goal_petitions(data)
    if touching:
        gb.add_paragraph(doc, "涉及目标的信访事项（首办负责制，倒查本街道办理是否按期）：")
        gb.add_table(
            doc,
            ["目标", "编号", "本街道办理"],
            [
                [_GOAL_NAMES[goal], item["number"], _HANDLING_ZH.get(item["handling"], "—")]
                for goal, item in touching
            ],
            widths_mm=[30, 70, 50],
        )


def _write_communities(doc, data: ReportData) -> None:
    header = ["社区", "批次", "人次", "越级批次", "集体访批次", "重复信访", "办结", "超期未办结"]
    rows = [
        [
            row["name"],
            chinese_count(row["batches"]),
            chinese_count(row["headcount"]),
            chinese_count(row["over_level_batches"]),
            chinese_count(row["collective_batches"]),
            chinese_count(row["repeat"]),
            chinese_count(row["concluded"]),
            chinese_count(row["overdue_open"]),
        ]
        for row in data.communities
    ]
    if rows:
        gb.add_table(doc, header, rows, widths_mm=[32, 16, 16, 18, 20, 18, 16, 20])
    else:
        gb.add_paragraph(doc, "本期无社区信访数据。")


def _write_overdue(doc, data: ReportData) -> None:
    if data.overdue:
        intro = f"截至{gb.chinese_date(data.today)}，以下信访事项超过办理期限仍未办结"
        intro += f"（列出超期最久的{OVERDUE_ROWS}件）：" if data.overdue_more else "："
        gb.add_paragraph(doc, intro)
        gb.add_table(
            doc,
            ["编号", "登记日期", "社区", "问题类别", "责任单位", "超期天数"],
            [
                [
                    row["number"],
                    row["received"],
                    row["community"],
                    row["category"],
                    row["owner_unit"],
                    chinese_count(row["days_overdue"]),
                ]
                for row in data.overdue
            ],
            widths_mm=[38, 30, 24, 22, 24, 18],
        )
    else:
        gb.add_paragraph(doc, f"截至{gb.chinese_date(data.today)}，无超期未办结事项。")


SECTION = register(
    Section(
        key="petitions",
        order=10,
        placeholders=PLACEHOLDERS,
        lists=LISTS,
        rows=rows,
        gather=gather,
        parts=(
            Part(10, "总体情况", _write_overall),
            Part(20, "“三零”目标", _write_goals),
            Part(30, "各社区情况", _write_communities),
            Part(40, "超期未办结事项", _write_overdue),
        ),
    )
)
