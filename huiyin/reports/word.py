"""The campaign report (情况通报) in Word: built in, or an office's own docxtpl template.

    period = stats.Period(date(2026, 6, 1), date(2026, 9, 8))
    campaign_report(out, period=period, user=request.user)                  # built in
    campaign_report(out, period=period, template="通报模板.docx")            # the office's own

Every number comes from :func:`huiyin.reports.stats.compute` (and its per-community and
overdue lists); nothing is counted here. The built-in report is laid out by
:mod:`huiyin.reports.docx_layout` (GB/T 9704: A4, the margins, 方正小标宋简体 二号 title,
仿宋_GB2312 三号 body, page numbers "— 1 —"). A template gets every figure as a placeholder
named in :data:`PLACEHOLDERS` — the same table generates huiyin/reports/TEMPLATES.md
(``placeholders_markdown()``; a test keeps the two equal).
"""

from __future__ import annotations

import io
import os
import re
import textwrap
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

import jinja2
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from jinja2 import meta, nodes
from jinja2.runtime import LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment

from huiyin.reports import docx_layout as gb
from huiyin.reports import stats

__all__ = [
    "LISTS",
    "PLACEHOLDERS",
    "Placeholder",
    "ReportTemplateError",
    "build_context",
    "campaign_report",
    "check_template",
    "placeholders_markdown",
    "plain",
    "render_template",
]

Progress = Callable[..., None]

#: Overdue matters listed in the report at most (the most overdue first).
OVERDUE_ROWS = 100

MSG_TEMPLATE_SYNTAX = _("The template has an error near line {line}: {detail}")
MSG_TEMPLATE_UNKNOWN = _(
    "The template uses a placeholder Huiyin does not know: {detail}. The placeholders are "
    "listed in TEMPLATES.md."
)
MSG_TEMPLATE_FILE = _("The template is not a Word document (.docx). Save it as .docx first.")
MSG_TEMPLATE_FAILED = _("The template could not be filled: {detail}")
MSG_TEMPLATE_FORBIDDEN = _(
    "The template was refused: it uses {detail}, which a report template may not use. A "
    "template may only show the placeholders and lists in TEMPLATES.md, with the filters "
    "listed there."
)
MSG_TEMPLATE_TOO_LARGE = _(
    "The template is too large: a Word template may be at most {size} MB, and at most "
    "{unpacked} MB once unpacked."
)
MSG_STEP_COUNT = _("Counting the figures")
MSG_STEP_LISTS = _("Listing communities and overdue matters")
MSG_STEP_WRITE = _("Writing the document")


class ReportTemplateError(Exception):
    """A user-supplied template cannot be used; `message` says why, for the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


# ------------------------------------------------------------------------------ the table


@dataclass(frozen=True)
class Placeholder:
    """One figure of a template: its Chinese name, English alias, where it comes from."""

    name: str  # {{ 接访人次 }}
    path: str  # the stats key (flat), or a key of the report itself ("report.start")
    kind: str  # "int", "rate", "goal", "date" or "text"
    meaning: str  # what it is, in the words of the office

    @property
    def alias(self) -> str:
        """The English alias: the stats key with underscores ({{ petitions_batches }})."""
        return self.path.replace(".", "_")


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
    Placeholder("单位名称", "report.unit", "text", "发文单位，如“浓洄街道办事处”"),
    Placeholder("统计范围", "report.area", "text", "全街道，或所选社区的名称"),
    Placeholder("开始日期", "report.start", "date", "统计时段第一天，如“2026年6月1日”"),
    Placeholder("结束日期", "report.end", "date", "统计时段最后一天（含）"),
    Placeholder("统计时段", "report.period", "text", "如“2026年6月1日至2026年9月8日”"),
    Placeholder("成文日期", "report.today", "date", "生成报告的日期"),
    Placeholder("活动名称", "report.campaign", "text", "所选活动（如百日大会战）的名称；无则为“—”"),
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
LISTS: tuple[tuple[str, str, tuple[tuple[str, str, str], ...]], ...] = (
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
_HANDLING_ZH = {"met": "按期办结", "late": "逾期答复", "overdue": "超期未办结", "open": "正在办理"}
_CHANNEL_NAMES_ZH = {channel: zh for zh, channel in _CHANNELS_ZH}


# ------------------------------------------------------------------------------ formatting


def chinese_count(value: int | None) -> str:
    """A count as Chinese documents write it: Arabic digits, no separators; 10万 and up in 万."""
    number = int(value or 0)
    if number >= 100_000:
        text = f"{number / 10_000:.2f}".rstrip("0").rstrip(".")
        return f"{text}万"
    return str(number)


def chinese_rate(value: float | None) -> str:
    """A rate 0..1 as a percentage with one decimal (95.2%); — when there is none."""
    if value is None:
        return "—"
    text = f"{value * 100:.1f}".removesuffix(".0")
    return f"{text}%"


def _goal(value: bool | None) -> str:
    if value is None:
        return "—"
    return "已实现" if value else "未实现"


def _format(kind: str, value: Any) -> Any:
    if kind == "int":
        return chinese_count(value)
    if kind == "rate":
        return chinese_rate(value)
    if kind == "goal":
        return _goal(value)
    if kind == "date":
        return gb.chinese_date(value) if isinstance(value, date) else str(value or "—")
    return str(value) if value not in (None, "") else "—"


# ------------------------------------------------------------------------------ gathering


@dataclass
class ReportData:
    """Everything the report shows, gathered once."""

    period: stats.Period
    figures: dict
    communities: list[dict]
    overdue: list[dict]
    overdue_more: bool
    unit: str
    area: str
    street: str
    campaign: str
    today: date
    #: Perm.PETITIONS_VIEW (or no user: the CLI): the petitions touching a goal are listed.
    show_petitions: bool = True

    @property
    def period_text(self) -> str:
        return f"{gb.chinese_date(self.period.start)}至{gb.chinese_date(self.period.end)}"


def gather(
    period: stats.Period,
    *,
    user=None,
    community=None,
    campaign=None,
    today: date | None = None,
    progress: Progress | None = None,
) -> ReportData:
    """The figures (stats.compute), the per-community rows and the overdue list."""
    from huiyin.org.models import Street

    today = today or timezone.localdate()
    scope = stats.Scope(community_id=community.pk) if community is not None else None
    if progress:
        progress(0, 3, MSG_STEP_COUNT, force=True)
    figures = stats.compute(period, user=user, scope=scope)
    if progress:
        progress(1, 3, MSG_STEP_LISTS)
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
    street = community.street if community is not None else Street.objects.order_by("id").first()
    street_name = street.name if street else ""
    return ReportData(
        period=period,
        figures=figures,
        communities=communities,
        overdue=overdue,
        overdue_more=len(rows) > OVERDUE_ROWS,
        unit=f"{street_name}办事处" if street_name else "",
        area=community.name if community is not None else "全街道",
        street=street_name,
        campaign=campaign.name if campaign is not None else "",
        today=today,
        show_petitions=_may_see_petitions(user),
    )


def _may_see_petitions(user) -> bool:
    """Perm.PETITIONS_VIEW: without it the petitions touching a goal are left out."""
    if user is None:
        return True
    from huiyin.org.access import reach_of
    from huiyin.org.roles import Perm

    reach = reach_of(user)
    return reach.is_superuser or reach.can(Perm.PETITIONS_VIEW)


def build_context(data: ReportData) -> dict[str, Any]:
    """The template context: Chinese names, English aliases, `stats` nested, and the lists."""
    values = stats.flat(data.figures)
    values.update(
        {
            "report.unit": data.unit,
            "report.area": data.area,
            "report.start": data.period.start,
            "report.end": data.period.end,
            "report.period": data.period_text,
            "report.today": data.today,
            "report.campaign": data.campaign,
        }
    )
    context: dict[str, Any] = {"stats": data.figures}
    for placeholder in PLACEHOLDERS:
        shown = _format(placeholder.kind, values.get(placeholder.path))
        context[placeholder.name] = shown
        context[placeholder.alias] = shown
    lists = {
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
    for name, alias, keys in LISTS:
        rows = []
        for row in lists[name]:
            # Each row answers to the Chinese keys and to the English ones.
            rows.append({**row, **{zh: row[en] for zh, en, _meaning in keys}})
        context[name] = rows
        context[alias] = rows
    return context


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
        f"办结{chinese_count(p['concluded'])}件，超期未办结{chinese_count(p['overdue_open'])}件。",
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


def build_document(data: ReportData):
    doc = gb.new_document()
    prefix = data.street + (data.area if data.area != "全街道" else "")
    gb.add_title(doc, f"{prefix}维稳综治暨信访工作情况通报")
    campaign = f"“{data.campaign}”期间（{data.period_text}）" if data.campaign else data.period_text
    gb.add_paragraph(doc, f"现将{campaign}{data.area}维稳综治暨信访工作情况通报如下。")

    gb.add_heading(doc, gb.heading_number(1, 1) + "总体情况", 1)
    for text in _overall_text(data):
        gb.add_paragraph(doc, text)

    gb.add_heading(doc, gb.heading_number(1, 2) + "“三零”目标", 1)
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

    gb.add_heading(doc, gb.heading_number(1, 3) + "各社区情况", 1)
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

    gb.add_heading(doc, gb.heading_number(1, 4) + "超期未办结事项", 1)
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

    gb.add_signature(doc, data.unit or data.street, data.today)
    return doc


# ------------------------------------------------------------------------------ templates
#
# A template is code that runs on the server, handed in by a user: it is rendered only in a
# sandbox (ImmutableSandboxedEnvironment) with no globals, a short list of filters, no
# attribute but the keys of the data, and a context of plain data (`plain()`). Before
# anything runs, every part docxtpl will render is parsed and checked (`_check_tree`), so a
# template that reaches for anything else is refused with a message, at upload and again
# when it is filled.

#: The largest template accepted, as uploaded and once its parts are unpacked (zip bombs).
TEMPLATE_MAX_BYTES = 10 * 1024 * 1024
TEMPLATE_MAX_UNPACKED = 50 * 1024 * 1024
TEMPLATE_MAX_PARTS = 2000

#: The filters a template may use; anything else (attr, map, pprint, random...) is refused.
TEMPLATE_FILTERS = (
    "abs",
    "capitalize",
    "count",
    "d",
    "default",
    "e",
    "escape",
    "first",
    "float",
    "format",
    "int",
    "join",
    "last",
    "length",
    "lower",
    "max",
    "min",
    "replace",
    "reverse",
    "round",
    "sort",
    "string",
    "sum",
    "title",
    "trim",
    "truncate",
    "unique",
    "upper",
)

#: Names no template may mention, even as its own variables: Jinja's globals, the template
#: itself, and what escapes from other template engines reach for.
FORBIDDEN_NAMES = frozenset(
    {
        "lipsum",
        "cycler",
        "joiner",
        "namespace",
        "range",
        "dict",
        "self",
        "config",
        "request",
        "settings",
        "os",
        "sys",
        "builtins",
        "globals",
        "locals",
        "getattr",
        "eval",
        "exec",
        "open",
        "import",
    }
)
#: Attributes refused outright (besides every name starting with "_").
FORBIDDEN_ATTRIBUTES = frozenset({"format", "format_map", "mro", "func_globals", "f_globals"})
#: What a template may read as an attribute (everything else on data is a key of a dict).
_LOOP_ATTRIBUTES = frozenset(
    {"index", "index0", "revindex", "revindex0", "first", "last", "length", "depth", "depth0"}
)
_DICT_METHODS = frozenset({"items", "keys", "values", "get"})
#: "%" conversions the format filter and operator accept: flags, a width and precision of
#: at most two digits, and s d i f % (no "%(name)s" lookups, no huge widths).
_PERCENT_SPEC = re.compile(r"%(?:%|[-+ 0#]{0,3}\d{0,2}(?:\.\d{1,2})?[sdif])")
#: Bounds of what a template's arithmetic may build.
_MAX_EXPONENT = 64
_MAX_REPEAT = 10_000


def plain(value: Any, *, _depth: int = 0) -> Any:
    """`value` as plain data for a user's template: dict, list, str, int, float, bool, None.

    Decimals and dates become text; lazy translations become their text; str and int
    subclasses (choices, safe strings) become exact str and int. Anything else (a model, a
    queryset, a module, a function) is refused with TypeError: a template never gets an
    object to reach through.
    """
    if _depth > 20:
        raise TypeError("Report context nested too deep")
    if value is None or type(value) in (bool, int, float, str):
        return value
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        return str.__str__(value)  # an exact str, not SafeString or a choices member
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Promise):
        return str.__str__(str(value))
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"Report context key {key!r} is not text")
            result[str.__str__(key)] = plain(item, _depth=_depth + 1)
        return result
    if isinstance(value, list | tuple):
        return [plain(item, _depth=_depth + 1) for item in value]
    raise TypeError(f"Report context holds a {type(value).__name__}, not plain data")


def _plain_scalar(value: Any) -> Any:
    if value is None or type(value) in (bool, int, float, str):
        return value
    raise jinja2.exceptions.SecurityError(f"format of a {type(value).__name__}")


def _percent(text: Any, args: Any) -> str:
    """`text % args`, for texts whose conversions are all plain (see _PERCENT_SPEC)."""
    if not isinstance(text, str):
        raise jinja2.exceptions.SecurityError("format of something that is not text")
    rest = _PERCENT_SPEC.sub("", text)
    if "%" in rest:
        raise jinja2.exceptions.SecurityError("a format string")
    if isinstance(args, tuple | list):
        args = tuple(_plain_scalar(arg) for arg in args)
    else:
        args = _plain_scalar(args)
    return text % args


def _format_filter(value: Any, *args: Any) -> str:
    """The format filter, "%" style only: ``{{ "%.1f"|format(rate * 100) }}``."""
    return _percent(str(value) if isinstance(value, jinja2.Undefined) else value, args)


class TemplateSandbox(ImmutableSandboxedEnvironment):
    """The only environment user templates are rendered in (see the section's comment)."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def __init__(self):
        super().__init__(undefined=jinja2.StrictUndefined, autoescape=True)
        self.globals.clear()
        default = self.filters
        self.filters = {name: default[name] for name in TEMPLATE_FILTERS}
        self.filters["format"] = _format_filter

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if attr.startswith("_") or not super().is_safe_attribute(obj, attr, value):
            return False
        if isinstance(obj, LoopContext):
            return attr in _LOOP_ATTRIBUTES
        if isinstance(obj, dict):
            return attr in _DICT_METHODS
        return False

    def wrap_str_format(self, value: Any) -> None:
        return None  # no str.format / format_map: they are refused as attributes

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
        if operator == "%":
            return _percent(left, right) if isinstance(left, str) else left % right
        if operator == "**":
            if not isinstance(right, int | float) or abs(right) > _MAX_EXPONENT:
                raise jinja2.exceptions.SecurityError("a power that large")
            return left**right
        for seq, times in ((left, right), (right, left)):
            repeated = isinstance(seq, str | list | tuple) and isinstance(times, int)
            if repeated and len(seq) * times > _MAX_REPEAT:
                raise jinja2.exceptions.SecurityError("a repetition that long")
        return left * right

    def from_string(self, source, globals=None, template_class=None):
        """Parse, check (`_check_tree`) and only then compile what docxtpl hands over."""
        tree = self.parse(source) if isinstance(source, str) else source
        _check_tree(self, tree)
        return super().from_string(tree, globals, template_class)


def known_names() -> frozenset[str]:
    """The top-level names a template may use: the placeholders, the lists and `stats`."""
    names = {"stats"}
    names.update(p.name for p in PLACEHOLDERS)
    names.update(p.alias for p in PLACEHOLDERS)
    for name, alias, _keys in LISTS:
        names.update((name, alias))
    return frozenset(names)


def _forbidden(detail: str) -> ReportTemplateError:
    return ReportTemplateError(format_lazy(MSG_TEMPLATE_FORBIDDEN, detail=detail))


def _check_tree(env: jinja2.Environment, tree: nodes.Template) -> None:
    """Refuse a parsed template that reaches beyond the report's plain data."""
    for node in tree.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
        raise _forbidden(f"{{% {type(node).__name__.lower()} %}}")
    for node in tree.find_all(nodes.Name):
        if node.name.startswith("_") or node.name in FORBIDDEN_NAMES:
            raise _forbidden(node.name)
    for node in tree.find_all(nodes.Getattr):
        if node.attr.startswith("_") or node.attr in FORBIDDEN_ATTRIBUTES:
            raise _forbidden(f".{node.attr}")
    for node in tree.find_all(nodes.Getitem):
        key = node.arg.value if isinstance(node.arg, nodes.Const) else None
        if isinstance(key, str) and (key.startswith("_") or key in FORBIDDEN_ATTRIBUTES):
            raise _forbidden(f"[{key!r}]")
    for node in tree.find_all(nodes.Const):
        # Names of attributes handed to filters: sort(attribute="__class__").
        if isinstance(node.value, str) and node.value.startswith("__"):
            raise _forbidden(repr(node.value))
    for node in tree.find_all(nodes.Filter):
        if node.name not in env.filters:
            raise _forbidden(f"|{node.name}")
    for node in tree.find_all(nodes.Test):
        if node.name not in env.tests:
            raise _forbidden(f"is {node.name}")
    unknown = sorted(meta.find_undeclared_variables(tree) - known_names())
    if unknown:
        raise ReportTemplateError(format_lazy(MSG_TEMPLATE_UNKNOWN, detail="、".join(unknown)))


def _read_template(template: str | os.PathLike | IO[bytes]) -> io.BytesIO:
    """The template's bytes, once they are known to be a .docx of a bounded size."""
    too_large = ReportTemplateError(
        format_lazy(
            MSG_TEMPLATE_TOO_LARGE,
            size=TEMPLATE_MAX_BYTES // (1024 * 1024),
            unpacked=TEMPLATE_MAX_UNPACKED // (1024 * 1024),
        )
    )
    if isinstance(template, str | os.PathLike):
        if os.path.getsize(template) > TEMPLATE_MAX_BYTES:
            raise too_large
        with open(template, "rb") as handle:
            content = handle.read(TEMPLATE_MAX_BYTES + 1)
    else:
        template.seek(0)
        content = template.read(TEMPLATE_MAX_BYTES + 1)
    if len(content) > TEMPLATE_MAX_BYTES:
        raise too_large
    buffer = io.BytesIO(content)
    try:
        with zipfile.ZipFile(buffer) as archive:
            entries = archive.infolist()
            if "word/document.xml" not in {entry.filename for entry in entries}:
                raise ReportTemplateError(MSG_TEMPLATE_FILE)
            # The sizes a zip declares bound what zipfile will unpack of each part.
            unpacked = sum(entry.file_size for entry in entries)
            if len(entries) > TEMPLATE_MAX_PARTS or unpacked > TEMPLATE_MAX_UNPACKED:
                raise too_large
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError):
        raise ReportTemplateError(MSG_TEMPLATE_FILE) from None
    buffer.seek(0)
    return buffer


def render_template(template, context: dict, out) -> None:
    """Fill a docxtpl template in the sandbox with `plain(context)`; a broken or unsafe
    template raises ReportTemplateError, never a trace."""
    from docxtpl import DocxTemplate

    context = plain(context)
    source = _read_template(template)
    try:
        document = DocxTemplate(source)
        document.render(context, jinja_env=TemplateSandbox(), autoescape=True)
        document.save(out)
    except ReportTemplateError:
        raise
    except jinja2.exceptions.SecurityError as exc:
        raise _forbidden(str(exc.message or exc)) from None
    except jinja2.TemplateSyntaxError as exc:
        raise ReportTemplateError(
            format_lazy(MSG_TEMPLATE_SYNTAX, line=exc.lineno or "?", detail=exc.message or "")
        ) from None
    except jinja2.UndefinedError as exc:
        raise ReportTemplateError(format_lazy(MSG_TEMPLATE_UNKNOWN, detail=exc.message)) from None
    except Exception as exc:  # noqa: BLE001 - a user's template: a message, never a trace
        raise ReportTemplateError(
            format_lazy(MSG_TEMPLATE_FAILED, detail=str(exc) or type(exc).__name__)
        ) from None


#: The document properties docxtpl fills (DocxTemplate.render_properties).
_TEMPLATE_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")
_FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"


def _template_sources(document) -> list[str]:
    """The Jinja source of every part docxtpl renders: body, headers, footers, footnotes and
    properties, patched as docxtpl patches them (its tags split across Word's runs joined)."""
    document.init_docx()
    sources = [document.patch_xml(document.get_xml())]
    for uri in (document.HEADER_URI, document.FOOTER_URI):
        for _key, part in document.get_headers_footers(uri):
            sources.append(document.patch_xml(document.get_part_xml(part)))
    for part in document.docx.part.package.iter_parts():
        if part.content_type == _FOOTNOTES:
            blob = part.blob.decode("utf-8") if isinstance(part.blob, bytes) else part.blob
            sources.append(document.patch_xml(blob))
    properties = document.docx.core_properties
    sources += [getattr(properties, name) or "" for name in _TEMPLATE_PROPERTIES]
    return sources


def check_template(template: str | os.PathLike | IO[bytes]) -> None:
    """Refuse (ReportTemplateError) a template that is broken, too large or unsafe.

    Every part docxtpl renders is parsed, checked (`_check_tree`) and compiled; nothing of
    the template runs. For the upload form and the command line, before any counting; the
    sandbox checks each part again when the template is filled.
    """
    from docxtpl import DocxTemplate

    source = _read_template(template)
    env = TemplateSandbox()
    try:
        for text in _template_sources(DocxTemplate(source)):
            env.from_string(text)
    except ReportTemplateError:
        raise
    except jinja2.TemplateSyntaxError as exc:
        raise ReportTemplateError(
            format_lazy(MSG_TEMPLATE_SYNTAX, line=exc.lineno or "?", detail=exc.message or "")
        ) from None
    except Exception as exc:  # noqa: BLE001 - a user's file: a message, never a trace
        raise ReportTemplateError(
            format_lazy(MSG_TEMPLATE_FAILED, detail=str(exc) or type(exc).__name__)
        ) from None


# ------------------------------------------------------------------------------ the report


def campaign_report(
    out: str | os.PathLike | IO[bytes],
    *,
    period: stats.Period,
    user=None,
    community=None,
    campaign=None,
    template: str | os.PathLike | IO[bytes] | None = None,
    today: date | None = None,
    progress: Progress | None = None,
) -> ReportData:
    """Write the report for `period` to `out` (built in, or filled into `template`).

    `user` limits the figures to what that person may see (None: everything, the CLI);
    `community` limits them to one community. Returns the data shown.
    """
    data = gather(
        period, user=user, community=community, campaign=campaign, today=today, progress=progress
    )
    if progress:
        progress(2, 3, MSG_STEP_WRITE)
    if template is not None:
        render_template(template, build_context(data), out)
    else:
        build_document(data).save(out)
    if progress:
        progress(3, 3, MSG_STEP_WRITE, force=True)
    return data


# ------------------------------------------------------------------------------ documentation


def placeholders_markdown() -> str:
    """TEMPLATES.md, from the tables above."""
    lines = [
        "# Word templates: the placeholders",
        "",
        "An office can keep its own wording of the campaign report (情况通报) and let Huiyin fill",
        "in the numbers: write the document in Word with placeholders such as `{{ 接访人次 }}`",
        "where the figures go, and give it to `huiyin report campaign --template T.docx` or to",
        "the report page (“Use my own template”). Templates are filled with",
        "[docxtpl](https://docxtpl.readthedocs.io/) (Jinja2 inside Word).",
        "",
        "Every figure comes from the statistics layer (`huiyin.reports.stats`), the same as",
        "`huiyin stats` and the dashboard. Each has a Chinese name and an English alias (the",
        "statistics key with underscores); `{{ stats.petitions.batches }}` reaches the raw",
        "numbers (rates as fractions) by their keys. Counts are written as Chinese documents",
        "write them (`1234`, `12.5万` from 100,000), rates as percentages with one decimal",
        "(`95.2%`), dates as `2026年9月8日`; a rate with nothing to count is `—`.",
        "",
        "A placeholder that is not in these tables stops the report with a message naming it;",
        "so does a template with a syntax error.",
        "",
        "## What a template may use",
        "",
        "A template is run on the server, so it is checked when it is uploaded and filled in a",
        "sandbox (Jinja2's `ImmutableSandboxedEnvironment`) on plain data only: texts, numbers,",
        "lists and tables of them. Handing in a template of one's own needs the permission",
        "`reports.templates` (综治办 governance staff); other roles get the built-in report.",
        "",
        "- **Names**: the placeholders and lists below, and `stats`; the names a template sets",
        "  itself (`{% for 行 in 社区情况 %}`, `{% set %}`) and `loop` (`loop.index`,",
        "  `loop.first`, `loop.last`, `loop.length`...).",
        "- **Tags**: `{{ }}`, `{% if %}`, `{% for %}`, `{% set %}`, `{% macro %}`, comments, and",
        "  docxtpl's `{%p %}`, `{%tr %}`, `{%tc %}`, `{%r %}` forms.",
        '- **Keys**: `行.社区`, `stats.petitions.batches`, `stats["petitions"]`; of a table',
        "  also `.items()`, `.keys()`, `.values()`, `.get(key)`.",
        *textwrap.wrap(
            "- **Filters**: " + ", ".join(f"`{name}`" for name in TEMPLATE_FILTERS) + ".",
            width=88,
            subsequent_indent="  ",
        ),
        "  `format` takes `%` conversions only, with a width and precision of at most two",
        '  digits: `{{ "%.1f"|format(stats.petitions.batches / 2) }}`; so does the `%` operator.',
        "- **Refused**, with a message and no report: any name or attribute starting with `_`,",
        '  other attributes and methods (`"…".format`, `.join`, `.pop`...), Jinja\'s globals',
        "  (`range`, `lipsum`, `cycler`, `joiner`, `namespace`, `dict`), `self`, `config`,",
        "  `request`, the filters not listed (`attr`, `map`, `pprint`...), `{% include %}`,",
        "  `{% import %}`, `{% extends %}`, and arithmetic that builds huge numbers or texts.",
        "- **Size**: at most "
        + f"{TEMPLATE_MAX_BYTES // (1024 * 1024)} MB as uploaded and "
        + f"{TEMPLATE_MAX_UNPACKED // (1024 * 1024)} MB once unpacked.",
        "",
        "This file is generated from `huiyin.reports.word.PLACEHOLDERS` and `LISTS`",
        "(`placeholders_markdown()`); a test checks that it matches.",
        "",
        "## Figures",
        "",
        "| 占位符 | English alias | statistics key | 说明 |",
        "|---|---|---|---|",
    ]
    for p in PLACEHOLDERS:
        lines.append(f"| `{{{{ {p.name} }}}}` | `{{{{ {p.alias} }}}}` | `{p.path}` | {p.meaning} |")
    lines += [
        "",
        "## Lists",
        "",
        "Rows for tables, with docxtpl's row tags, e.g. in a table row:",
        "`{%tr for 行 in 社区情况 %}` … `{{ 行.社区 }}` … `{%tr endfor %}`.",
        "Each row answers to the Chinese keys and the English ones.",
        "",
    ]
    for name, alias, keys in LISTS:
        lines += [
            f"### `{name}` (alias `{alias}`)",
            "",
            "| key | English key | 说明 |",
            "|---|---|---|",
        ]
        for zh, en, meaning in keys:
            lines.append(f"| `{zh}` | `{en}` | {meaning} |")
        lines.append("")
    return "\n".join(lines)
