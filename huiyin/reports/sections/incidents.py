"""The incidents' and the patrols' share of the campaign report (情况通报): their placeholders
(the speech's "成功处置了 起非正常死亡事件和 起火警"), the types as a list, and their paragraphs
of the built-in report — under 总体情况 (after the disputes') and the 四无 goals after the 三零
(the speech's 三零四无), under the petitions' heading “三零”目标.

Every number comes from the statistics layer (the sections ``incidents``, ``risk_notes``,
``patrols``, ``inspections``, ``rectifications`` and ``goals`` of ``stats.compute``); nothing is
counted here. Registered as the section "incidents" (:mod:`huiyin.reports.sections.base`).
The built-in report writes the incidents' paragraphs and the 四无 goals only for a reader who
may view incidents (Perm.INCIDENTS_VIEW), the patrols' only for one who may view patrols
(Perm.PATROLS_VIEW); the command line always. For anyone else the figures are all 0 and the
goals read as held, so they are left out rather than shown.

An office's template writes the speech's sentence as
``成功处置了{{ 非正常死亡事件起数 }}起非正常死亡事件和{{ 火警起数 }}起火警``: the incidents of
those types that happened in the period, by the time they happened. The built-in report says
"处置了 … 起" without "成功": whether the handling succeeded is the office's to say.
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
from huiyin.reports.stats import incidents as incident_stats

__all__ = [
    "FOUR_NOS",
    "LISTS",
    "PLACEHOLDERS",
    "SECTION",
    "may_see_incidents",
    "may_see_patrols",
]

#: The grades as the report names them (突发事件应对法 art. 3).
GRADES_ZH = {
    "general": "一般",
    "larger": "较大",
    "major": "重大",
    "especially_major": "特别重大",
}
#: The 四无 goals (goals.<key>) and their names in the report.
FOUR_NOS = {
    "no_major_political_incident": "无重大政治事件",
    "no_illegal_gathering": "无非法聚集事件",
    "no_large_mass_incident": "无大规模群体性事件",
    "no_violent_terror_incident": "无暴力恐怖事件",
}


def _type_noun(name: str) -> str:
    """A default type's noun in a count: 非正常死亡事件, 火警, 刑事案件, 其他突发事件."""
    if name == "其他":
        return "其他突发事件"
    if name.endswith(("事件", "事故", "案件", "火警", "灾害")):
        return name
    return f"{name}事件"


PLACEHOLDERS: tuple[Placeholder, ...] = (
    Placeholder(
        "突发事件起数",
        "incidents.total",
        "int",
        "统计时段内发生的突发事件（起），按发生时间，已撤销的不计",
    ),
    Placeholder(
        "非正常死亡事件起数",
        "incidents.by_type.unnatural_death",
        "int",
        "统计时段内发生的非正常死亡事件（起），按发生时间；即讲话稿“成功处置了 起非正常死亡事件”",
    ),
    Placeholder(
        "火警起数",
        "incidents.by_type.fire",
        "int",
        "统计时段内发生的火警（起），按发生时间；即讲话稿“和 起火警”",
    ),
    *[
        Placeholder(
            f"{_type_noun(name)}起数",
            f"incidents.by_type.{key}",
            "int",
            f"统计时段内发生的{_type_noun(name)}（起），按发生时间",
        )
        for name, key in incident_stats.TYPE_KEYS.items()
        if key not in ("unnatural_death", "fire")
    ],
    *[
        Placeholder(
            f"{zh}突发事件起数",
            f"incidents.by_grade.{grade}",
            "int",
            f"统计时段内发生的{zh}突发事件（起），突发事件应对法第三条的分级",
        )
        for grade, zh in GRADES_ZH.items()
    ],
    Placeholder(
        "首报及时起数",
        "incidents.first_reports.on_time",
        "int",
        "首次报告上级在时限内（自获知时起，默认60分钟，按区里的规定配置）的突发事件（起）",
    ),
    Placeholder(
        "首报超时起数",
        "incidents.first_reports.late",
        "int",
        "首次报告上级超过时限，或超过时限仍未报告的突发事件（起）",
    ),
    Placeholder(
        "首报及时率",
        "incidents.reporting_on_time_rate",
        "rate",
        "首报及时起数 ÷（首报及时 + 首报超时）起数，如“75%”；无则“—”",
    ),
    Placeholder("风险提示新增条数", "risk_notes.opened", "int", "统计时段内记录的风险提示（条）"),
    Placeholder("风险提示办结条数", "risk_notes.closed", "int", "统计时段内办结的风险提示（条）"),
    *[
        Placeholder(f"{name}目标", f"goals.{goal}", "goal", f"“四无”之{name}：已实现或未实现")
        for goal, name in FOUR_NOS.items()
    ],
    Placeholder(
        "巡查次数", "patrols.count", "int", "统计时段内开始的网格巡查、志愿巡逻、联防巡逻（次）"
    ),
    Placeholder(
        "巡查时长", "patrols.hours", "text", "这些巡查的时长合计（小时，保留一位小数，如“12.5”）"
    ),
    Placeholder(
        "志愿者巡逻人次",
        "patrols.volunteer_headcount",
        "int",
        "这些巡查中参加的志愿者（红袖章）人次",
    ),
    Placeholder("重点场所检查次数", "inspections.count", "int", "统计时段内检查重点场所的次数"),
    Placeholder("检查不合格项数", "inspections.items_failed", "int", "这些检查中不合格的检查项数"),
    Placeholder(
        "隐患整改立项数",
        "rectifications.opened",
        "int",
        "统计时段内立项的隐患整改（检查不合格项、巡查发现），处",
    ),
    Placeholder(
        "隐患已整改数", "rectifications.done", "int", "其中截至统计时段末（或今天）已整改的，处"
    ),
    Placeholder("隐患未整改数", "rectifications.open", "int", "其中尚未整改的，处"),
    Placeholder(
        "隐患逾期未整改数",
        "rectifications.overdue",
        "int",
        "其中尚未整改且已过整改期限的，处",
    ),
    Placeholder("隐患整改率", "rectifications.done_rate", "rate", "已整改数 ÷ 立项数；无则“—”"),
)

#: The lists for {% for %} rows: name, English alias, and the keys of each row.
LISTS: tuple[ListSpec, ...] = (
    (
        "突发事件类型",
        "incident_types",
        (
            ("类型", "name", "突发事件类型（下级类型计入其上级；每个类型一行，含0起）"),
            ("起数", "count", "统计时段内发生的起数"),
        ),
    ),
)


# ------------------------------------------------------------------------------ gathering


def _may(user, perm_name: str) -> bool:
    if user is None:
        return True
    from huiyin.org.access import reach_of
    from huiyin.org.roles import Perm

    reach = reach_of(user)
    return reach.is_superuser or reach.can(getattr(Perm, perm_name))


def may_see_incidents(user) -> bool:
    """Perm.INCIDENTS_VIEW (or no user: the CLI): without it no incident figure is shown."""
    return _may(user, "INCIDENTS_VIEW")


def may_see_patrols(user) -> bool:
    """Perm.PATROLS_VIEW (or no user: the CLI): without it no patrol figure is shown."""
    return _may(user, "PATROLS_VIEW")


def gather(period: stats.Period, *, user=None, community=None, today: date) -> dict:
    """Whether the reader may view incidents and patrols; the type names (one query)."""
    incidents = may_see_incidents(user)
    return {
        "incidents": incidents,
        "patrols": may_see_patrols(user),
        "types": incident_stats.type_labels() if incidents else {},
    }


def _found(data: ReportData) -> dict:
    return data.found.get("incidents", {"incidents": False, "patrols": False, "types": {}})


def _types(data: ReportData, *, every: bool = False) -> list[tuple[str, int]]:
    """(type name, count) in the tree's order: those counted, or with `every` each type listed
    (zeros included). None when the reader may not view incidents."""
    found = _found(data)
    if not found["incidents"]:
        return []
    names = found["types"]
    return [
        (names.get(key, key), count)
        for key, count in data.figures["incidents"]["by_type"].items()
        if count or every
    ]


def rows(data: ReportData) -> dict[str, list[dict]]:
    return {
        "突发事件类型": [
            {"name": name, "count": chinese_count(count)}
            for name, count in _types(data, every=True)
        ]
    }


# ------------------------------------------------------------------------------ built in


def incident_text(data: ReportData) -> list[str]:
    """The incidents' paragraphs under 总体情况: the speech's sentence, the other types and
    grades, the first reports upward, the risk notes."""
    i, r = data.figures["incidents"], data.figures["risk_notes"]
    n = chinese_count
    by_type = i["by_type"]
    first = (
        f"{data.area}发生突发事件{n(i['total'])}起（按发生时间），"
        f"处置了{n(by_type.get('unnatural_death', 0))}起非正常死亡事件和"
        f"{n(by_type.get('fire', 0))}起火警"
    )
    others = [
        f"{_type_noun(name)}{n(count)}起"
        for name, count in _types(data)
        if name not in ("非正常死亡", "火警")
    ]
    first += "；" + "、".join(others) + "。" if others else "。"
    paragraphs = [first]
    grades = "、".join(
        f"{GRADES_ZH[grade]}{n(count)}起" for grade, count in i["by_grade"].items() if count
    )
    if grades:
        paragraphs.append(f"按事件等级：{grades}。")
    reports = i["first_reports"]
    text = f"首次报告上级在时限内{n(reports['on_time'])}起，超过时限（含超时未报）{n(reports['late'])}起"
    if i["reporting_on_time_rate"] is None:
        text += "，本期无可计首报及时率的事件。"
    else:
        text += f"，首报及时率{chinese_rate(i['reporting_on_time_rate'])}。"
    paragraphs.append(text)
    paragraphs.append(f"记录风险提示{n(r['opened'])}条，办结{n(r['closed'])}条。")
    return paragraphs


def patrol_text(data: ReportData) -> list[str]:
    """The patrols', inspections' and rectifications' paragraph under 总体情况."""
    p, s, r = (data.figures[key] for key in ("patrols", "inspections", "rectifications"))
    n = chinese_count
    text = (
        f"开展巡查{n(p['count'])}次、{p['hours']:g}小时，志愿者参加巡逻{n(p['volunteer_headcount'])}"
        f"人次；检查重点场所{n(s['count'])}次，发现不合格项{n(s['items_failed'])}项；"
        f"隐患整改立项{n(r['opened'])}处，已整改{n(r['done'])}处，未整改{n(r['open'])}处"
        f"（其中逾期{n(r['overdue'])}处）"
    )
    if r["done_rate"] is None:
        text += "。"
    else:
        text += f"，整改率{chinese_rate(r['done_rate'])}。"
    return [text]


def goal_text(data: ReportData) -> str:
    """The 四无 goals in one sentence, each with the incidents that broke it."""
    goals = data.figures["goals"]
    parts = []
    for goal, name in FOUR_NOS.items():
        if goals.get(goal) is None:
            continue
        if goals[goal]:
            parts.append(f"{name}，已实现")
            continue
        numbers = "、".join(item["number"] for item in goals["breaches"].get(goal, []))
        parts.append(f"{name}，未实现（{numbers}）" if numbers else f"{name}，未实现")
    return f"“四无”目标：{'；'.join(parts)}。" if parts else ""


def _write_overall(doc, data: ReportData) -> None:
    found = _found(data)
    texts = []
    if found["incidents"]:
        texts += incident_text(data)
    if found["patrols"]:
        texts += patrol_text(data)
    for text in texts:
        gb.add_paragraph(doc, text)


def _write_goals(doc, data: ReportData) -> None:
    if not _found(data)["incidents"]:
        return
    text = goal_text(data)
    if text:
        gb.add_paragraph(doc, text)


SECTION = register(
    Section(
        key="incidents",
        order=30,
        placeholders=PLACEHOLDERS,
        lists=LISTS,
        rows=rows,
        gather=gather,
        parts=(
            Part(14, "总体情况", _write_overall),
            # After the 三零 (the speech's 三零四无), under the petitions' heading.
            Part(21, "“三零”目标", _write_goals),
        ),
    )
)
