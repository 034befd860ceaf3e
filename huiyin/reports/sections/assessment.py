"""Responsibility and assessment in the campaign report: the speech's third part — 目标责任书
and whether their targets are met, 督办 and whether it was answered, 例会 and their tasks,
decision risk assessments (项目和工作决策风险评估) and the pledges of the campaign.

The 督办, 例会 and 稳评 figures are statistics (``supervision``, ``meetings``,
``risk_assessments`` of ``huiyin stats``). The targets are not: whether a target is met is
judged per letter from its body's own figures (:func:`huiyin.assessment.services.targets.progress`),
so the section gathers them — the letters of the year the period ends in, judged on the
period's last day (or today, whichever is earlier) — and gives them to the placeholders as
:func:`values`. A reader without ``assessment.view`` gets 0 for them, as the statistics do.
"""

from __future__ import annotations

from datetime import date

from huiyin.reports import docx_layout as gb
from huiyin.reports.sections.base import (
    Part,
    Placeholder,
    ReportData,
    Section,
    chinese_count,
    chinese_rate,
    register,
)
from huiyin.reports.stats import Period

__all__ = ["PLACEHOLDERS", "SECTION", "targets_summary"]

PLACEHOLDERS: tuple[Placeholder, ...] = (
    Placeholder(
        "目标责任书份数",
        "targets.letters",
        "int",
        "统计时段末所在年度与各社区、单位签订的目标责任书（份）",
    ),
    Placeholder("考核目标项数", "targets.set", "int", "这些责任书中的目标（项）"),
    Placeholder(
        "已达标目标项数",
        "targets.met",
        "int",
        "按年初至统计时段末（不晚于今天）的统计数据已达到的目标（项）；尚无数据可判断的不计",
    ),
    Placeholder(
        "全部达标单位数",
        "targets.bodies_all_met",
        "int",
        "可判断的目标全部达到的社区、单位（个）",
    ),
    Placeholder("督办件数", "supervision.issued", "int", "统计时段内下发的督办（件）"),
    Placeholder(
        "督办按时反馈件数", "supervision.answered_on_time", "int", "按期书面反馈的督办（件）"
    ),
    Placeholder(
        "督办逾期反馈件数", "supervision.answered_late", "int", "超过期限才书面反馈的督办（件）"
    ),
    Placeholder(
        "督办逾期未反馈件数", "supervision.overdue", "int", "已过期限仍未书面反馈的督办（件）"
    ),
    Placeholder("督办按时反馈率", "supervision.on_time_rate", "rate", "按时反馈 ÷ 已到期的督办"),
    Placeholder("例会次数", "meetings.held", "int", "统计时段内召开的例会、联席会议等（次）"),
    Placeholder("例会议定任务数", "meetings.tasks.set", "int", "这些会议议定的任务（项）"),
    Placeholder("例会任务完成数", "meetings.tasks.done", "int", "其中已完成的（项）"),
    Placeholder("例会任务逾期数", "meetings.tasks.overdue", "int", "其中逾期未完成的（项）"),
    Placeholder(
        "稳评件数", "risk_assessments.opened", "int", "统计时段内启动的社会稳定风险评估（件）"
    ),
    Placeholder(
        "稳评措施逾期数",
        "risk_assessments.measures.overdue",
        "int",
        "这些评估中逾期未落实的风险防范措施（项）",
    ),
)


def _empty_targets() -> dict:
    return {
        "targets.letters": 0,
        "targets.set": 0,
        "targets.met": 0,
        "targets.bodies_all_met": 0,
    }


def targets_summary(period: Period, *, user=None, today: date | None = None) -> dict:
    """The responsibility letters of the year `period` ends in, each target judged on the
    period's reference day: ``{"targets.letters", "targets.set", "targets.met",
    "targets.bodies_all_met"}``."""
    from huiyin.assessment.models import Letter
    from huiyin.assessment.services.targets import progress
    from huiyin.org.access import reach_of
    from huiyin.org.roles import Perm

    out = _empty_targets()
    if user is not None and not reach_of(user).can(Perm.ASSESSMENT_VIEW):
        return out
    day = period.reference_day()
    letters = Letter.objects.filter(year=period.end.year).prefetch_related("targets")
    for letter in letters:
        rows, _summary = progress(letter, day=day)
        out["targets.letters"] += 1
        out["targets.set"] += len(rows)
        met = sum(1 for row in rows if row.met)
        out["targets.met"] += met
        judged = [row for row in rows if row.met is not None]
        if judged and met == len(judged):
            out["targets.bodies_all_met"] += 1
    return out


def _gather(period: Period, *, user=None, community=None, today=None) -> dict:
    if community is not None:
        # The street's letters beside one community's figures would mislead: none.
        return _empty_targets()
    return targets_summary(period, user=user, today=today)


def values(data: ReportData) -> dict:
    """The placeholders' values that are not statistics, by path."""
    return dict(data.found.get("assessment") or _empty_targets())


def _write(doc, data: ReportData) -> None:
    found = values(data)
    s = data.figures.get("supervision") or {}
    m = (data.figures.get("meetings") or {}).get("tasks") or {}
    held = (data.figures.get("meetings") or {}).get("held", 0)
    sentences = []
    if found["targets.letters"]:
        sentences.append(
            f"街道与各社区、单位签订目标责任书{chinese_count(found['targets.letters'])}份，"
            f"共{chinese_count(found['targets.set'])}项目标，"
            f"截至统计时段末已达到{chinese_count(found['targets.met'])}项"
        )
    if s.get("issued"):
        sentences.append(
            f"对重点工作下发督办{chinese_count(s['issued'])}件，按时反馈"
            f"{chinese_count(s['answered_on_time'])}件，逾期反馈{chinese_count(s['answered_late'])}件，"
            f"逾期未反馈{chinese_count(s['overdue'])}件"
        )
    if held:
        sentences.append(
            f"召开例会{chinese_count(held)}次，议定任务{chinese_count(m.get('set'))}项，"
            f"已完成{chinese_count(m.get('done'))}项，逾期未完成{chinese_count(m.get('overdue'))}项"
        )
    risk = data.figures.get("risk_assessments") or {}
    if risk.get("opened"):
        sentences.append(f"开展项目和工作决策社会稳定风险评估{chinese_count(risk['opened'])}件")
    if not sentences:
        return
    rate = s.get("on_time_rate")
    tail = f"，督办按时反馈率{chinese_rate(rate)}" if rate is not None else ""
    gb.add_paragraph(doc, "；".join(sentences) + tail + "。")


SECTION = register(
    Section(
        key="assessment",
        order=60,
        placeholders=PLACEHOLDERS,
        gather=_gather,
        values=values,
        parts=(Part(17, "总体情况", _write),),
    )
)
