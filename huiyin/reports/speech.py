"""The 总结会 speech draft: the campaign summary speech's own sentences, every blank filled.

The street's leader gives a speech at the campaign's closing meeting (百日大会战活动总结会上的
讲话); its draft leaves blanks — "接访群众 人次，调处矛盾纠纷 件", "共排查各类矛盾纠纷 件，化解
件", "成功处置了 起非正常死亡事件和 起火警", "越级上访 批 人次，其中进京上访 批 人次 …" —
which the office fills by hand from its sheets. This writes the draft with the same sentence
structure and every blank filled from the placeholders of the campaign report
(:func:`huiyin.reports.word.build_context`: the statistics layer, the campaign's commendations
and pledges, the targets), so the speech and ``huiyin stats`` say the same numbers.

The speech's own wording about people (keeping "涉稳对象" in place, "看好自己的人", following
groups of residents) is not reproduced: Huiyin counts matters, never people (DESIGN.md), and
the draft speaks of matters handled, goals and responsibility. 存在问题 and 下步工作 are what the
office wrote on the campaign's page; where it wrote nothing, the draft says to fill them in.
"""

from __future__ import annotations

from typing import Any

from huiyin.reports import docx_layout as gb
from huiyin.reports.sections.base import ReportData

__all__ = ["build_speech"]

#: The draft's own marks for what the office still writes by hand.
TO_FILL = "（此处由街道填写）"

_GOALS = (
    ("零进京目标", "零进京"),
    ("零赴省目标", "零赴省"),
    ("零到市目标", "零到市"),
    ("无重大政治事件目标", "无重大政治事件"),
    ("无非法聚集事件目标", "无非法聚集事件"),
    ("无大规模群体性事件目标", "无大规模群体性事件"),
    ("无暴力恐怖事件目标", "无暴力恐怖事件"),
)

_LEVELS = (
    ("进京", "进京"),
    ("赴省", "赴省"),
    ("到市", "到市"),
    ("到区", "到区"),
    ("来街道", "来街道"),
)


def _goals_sentence(v: dict[str, Any]) -> str:
    met = [label for key, label in _GOALS if v.get(key) == "已实现"]
    missed = [label for key, label in _GOALS if v.get(key) == "未实现"]
    parts = []
    if met:
        parts.append(f"实现了{'、'.join(met)}")
    if missed:
        parts.append(f"{'、'.join(missed)}目标未能实现")
    if not parts:
        return "“三零四无”目标尚无可判断的数据"
    return "，".join(parts)


def _over_level_sentence(v: dict[str, Any]) -> str:
    levels = "，".join(
        f"{label}{v[f'{key}信访批次']}批{v[f'{key}信访人次']}人次" for key, label in _LEVELS
    )
    # By level in every form (letters, calls, online too), so that the levels above the
    # district cover the over-level figure before them (条例 art. 20).
    return (
        f"统计时段内，全街道累计发生越级信访{v['越级上访批次']}批{v['越级上访人次']}人次；"
        f"按信访层级（来信、来访、来电、网上各种形式），{levels}。"
    )


def _written(doc, text: str) -> None:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not lines or lines == ["—"]:
        gb.add_paragraph(doc, TO_FILL)
        return
    for line in lines:
        gb.add_paragraph(doc, line)


def build_speech(data: ReportData, v: dict[str, Any]):
    """The speech draft for `data`, its blanks from `v` (the report's placeholders by their
    Chinese names, formatted as the report writes them)."""
    doc = gb.new_document()
    campaign = data.campaign or "专项工作"
    gb.add_title(doc, f"在维稳综治暨信访工作“{campaign}”活动总结会上的讲话")
    gb.add_paragraph(doc, "（讲话稿，数据截至" + v["结束日期"] + "）")
    gb.add_paragraph(doc, "同志们：")
    gb.add_paragraph(
        doc,
        f"今天，我们召开维稳综治暨信访工作“{campaign}”活动总结表彰会议。会议的主要任务是："
        "总结工作、表彰先进、分析形势，进一步统一思想、提高认识，进一步硬化措施、狠抓落实，"
        "全面做好维稳综治暨信访各项工作。"
        f"刚才，会议表彰了“{campaign}”活动中涌现出来的先进单位{v['先进单位数']}个和先进个人"
        f"{v['先进个人数']}名。在这里，我代表街道党工委、办事处向获得先进的单位和个人表示祝贺！"
        "下面，我讲几点意见。",
    )

    gb.add_heading(doc, "一、正视成绩和问题，增强做好维稳信访工作的信心和决心", 1)
    gb.add_paragraph(
        doc,
        f"“{campaign}”活动开展以来（{v['统计时段']}），我们统一思想、细化责任和举措，"
        "千方百计排查化解矛盾纠纷，依法及时办理群众信访事项，"
        f"{_goals_sentence(v)}。",
    )
    gb.add_paragraph(
        doc,
        "1.加强领导，全面落实维稳综治工作目标责任制。街道党工委、办事处与各社区各部门签订了"
        f"综治工作目标责任书{v['目标责任书份数']}份和“{campaign}”活动承诺书{v['承诺书份数']}份，"
        f"责任书共{v['考核目标项数']}项目标，已达到{v['已达标目标项数']}项。"
        f"活动期间发生突发事件{v['突发事件起数']}起，其中群体性事件{v['群体性事件起数']}起、"
        f"生产安全事故{v['生产安全事故起数']}起。",
    )
    gb.add_paragraph(
        doc,
        "2.完善机制，社会各类矛盾得到有效化解。坚持开展矛盾纠纷大排查、大走访、大调解活动，"
        "坚持街道党工委领导班子定期接访、下访制，"
        f"活动以来接访群众{v['接访人次']}人次，调处矛盾纠纷{v['调处矛盾纠纷件数']}件。"
        "对重点信访和矛盾纠纷，落实“五个一”的包案责任。据统计，活动以来，全街道共排查各类矛盾纠纷"
        f"{v['排查矛盾纠纷件数']}件，化解{v['化解矛盾纠纷件数']}件，化解率{v['矛盾纠纷化解率']}。"
        f"登记信访事项{v['登记批次']}批{v['登记人次']}人次，按期办结率{v['按期办结率']}。"
        f"成功处置了{v['非正常死亡事件起数']}起非正常死亡事件和{v['火警起数']}起火警，"
        f"突发事件首报及时率{v['首报及时率']}。",
    )
    gb.add_paragraph(
        doc,
        "3.强化管理，平安创建活动不断深入。与公安机关协同，落实治安志愿巡逻，"
        f"开展巡逻巡查{v['巡查次数']}次，志愿者参与巡逻{v['志愿者巡逻人次']}人次。"
        f"对宾馆、网吧、娱乐活动场所及学校周边等重点部位检查{v['重点场所检查次数']}次，"
        f"发现隐患立项整改{v['隐患整改立项数']}项，已整改{v['隐患已整改数']}项，"
        f"整改率{v['隐患整改率']}。",
    )
    gb.add_paragraph(
        doc,
        "与此同时，我们也应清醒地认识到工作中存在的问题。"
        + _over_level_sentence(v)
        + f"超期未办结的信访事项还有{v['超期未办结件数']}件，"
        f"逾期未整改的隐患还有{v['隐患逾期未整改数']}项。",
    )
    _written(doc, str(v.get("存在问题", "")))

    gb.add_heading(doc, "二、突出重点，全面推进维稳综治暨信访工作", 1)
    gb.add_paragraph(
        doc,
        "主要工作目标就是“三零四无”。“三零”，即零进京、零赴省、零到市。“四无”，即无重大政治事件、"
        "无非法聚集事件、无大规模群体性事件、无暴力恐怖事件。",
    )
    gb.add_paragraph(
        doc,
        "各社区、各企事业单位要坚持对矛盾纠纷一周一排查、一周一上报；活动期间应报排查"
        f"{v['排查应报次数']}次，按时上报{v['排查按时上报次数']}次，"
        f"逾期上报{v['排查逾期上报次数']}次，未上报{v['排查未上报次数']}次。"
        "坚持落实领导成员坐班接访及带队下访制，严格实行首办负责制和责任倒查制，"
        "对群众反映的问题及时处理，做到件件有着落，事事有回音。",
    )
    _written(doc, str(v.get("下步工作", "")))

    gb.add_heading(doc, "三、强化领导和责任，确保维稳综治暨信访落实到位", 1)
    gb.add_paragraph(
        doc,
        "一是落实领导责任，做到“五个落实”，即：领导落实、队伍落实、阵地落实、经费落实、工作落实。"
        "二是强化督办考评。坚持维稳综治暨信访工作例会制度和目标考核机制："
        f"活动期间召开例会{v['例会次数']}次，议定任务{v['例会议定任务数']}项，"
        f"已完成{v['例会任务完成数']}项，逾期{v['例会任务逾期数']}项；"
        f"下发督办{v['督办件数']}件，按时反馈{v['督办按时反馈件数']}件，"
        f"逾期未反馈{v['督办逾期未反馈件数']}件。对工作不力的单位要严肃通报批评"
        f"（本次活动通报批评{v['通报批评数']}个），对工作搞得好的单位和个人给予嘉奖。"
        f"三是严格执行项目和工作决策社会稳定风险评估制度，活动期间开展稳评{v['稳评件数']}件。",
    )
    gb.add_paragraph(
        doc,
        "同志们，维稳综治暨信访工作时刻不容放松。希望大家精心谋划、灵通信息、勇于面对、敢于担当，"
        "为推进街道各项工作再做贡献、再创佳绩！",
    )
    gb.add_signature(doc, data.unit or data.street, data.today)
    return doc
