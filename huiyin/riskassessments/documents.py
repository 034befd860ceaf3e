"""The 社会稳定风险评估报告: an assessment as a report in the GB/T 9704 layout.

    data = report_docx(assessment)   # the .docx as bytes

What 重大行政决策程序暂行条例 art. 23 asks of the report: the risk points, the prevention
measures and a response plan; with them the decision assessed, the bodies, the consultations
(aggregates by stakeholder group, never names), the four-dimension review, the conclusion and
its level; once taken, the decision and how the measures were followed up. A stage not reached
yet is a gap marked to fill, so the draft can be printed too.

On the command line, through the document engine (:mod:`huiyin.reports.documents.riskassessments`
registers it, the assessment found by its number): ``huiyin document 社会稳定风险评估报告
--case 浓洄稳评〔2026〕001号 --out F.docx``.
"""

from __future__ import annotations

import io
from datetime import UTC

from django.utils import timezone
from docx.enum.text import WD_PARAGRAPH_ALIGNMENT

from huiyin.reports import docx_layout as gb
from huiyin.reports.documents import layout
from huiyin.riskassessments import levels
from huiyin.riskassessments.models import DIMENSIONS, RiskAssessment

NAME = "社会稳定风险评估报告"
SLUG = "risk-assessment-report"

#: Words the document uses, whatever the reader's language.
METHODS = {
    "questionnaire": "问卷调查",
    "forum": "座谈会",
    "hearing": "听证会",
    "publicity": "公示征求意见",
    "visit": "走访",
}
ASSESSORS = {"self": "责任主体自行评估", "third_party": "委托第三方评估"}
DECISIONS = {
    "implement": "实施",
    "adjusted": "调整后实施",
    "postpone": "暂缓实施",
    "reject": "不实施",
}
RESULTS = {"pass": "符合", "concern": "存在问题", "": "未审查"}
MEASURE_STATUS = {"open": "落实中", "done": "已落实", "dropped": "不再需要"}


def build_document(assessment: RiskAssessment, *, day=None):
    """The report of `assessment` as a python-docx Document (`day`: for "overdue")."""
    from huiyin.riskassessments.services import today

    day = day or today()
    office = layout.office_name(assessment.street)
    doc = gb.new_document()
    gb.add_title(doc, f"关于{assessment.title}的\n社会稳定风险评估报告")
    number = doc.add_paragraph(assessment.number, style=gb.STYLE_BODY)
    number.alignment = WD_PARAGRAPH_ALIGNMENT.CENTER
    gb.add_paragraph(
        doc,
        "根据《重大行政决策程序暂行条例》第二十二条至第二十四条（乡级人民政府及派出机关参照执行，"
        "第四十二条）的规定，对本事项可能影响社会稳定的风险进行评估，现将评估情况报告如下。",
    )
    _basics(doc, assessment)
    _consultations(doc, assessment)
    points = _risks(doc, assessment)
    _review(doc, assessment)
    _conclusion(doc, assessment)
    _decision(doc, assessment, points, day)
    signer = assessment.assessor_name if assessment.assessor_kind == "third_party" else office
    layout.add_sealed_signature(doc, signer, assessment.concluded_on)
    return doc


def _basics(doc, a: RiskAssessment) -> None:
    gb.add_heading(doc, gb.heading_number(1, 1) + "评估事项基本情况", 1)
    layout.add_form_table(
        doc,
        [
            ("决策（项目）", a.title),
            ("事项内容", a.description),
            ("责任主体", a.responsible),
            ("责任领导", a.leader.name),
            ("评估主体", f"{ASSESSORS.get(a.assessor_kind, '')}：{a.assessor_name}"),
            ("评估启动日期", gb.chinese_date(a.opened_on)),
        ],
    )
    gb.add_heading(doc, gb.heading_number(2, 1) + "评估方案", 2)
    gb.add_paragraph(doc, a.plan)


def _consultations(doc, a: RiskAssessment) -> None:
    gb.add_heading(doc, gb.heading_number(1, 2) + "征求意见情况", 1)
    rows = list(a.consultations.all())
    if not rows:
        layout.add_field(doc, "征求意见", "")
        return
    total = sum(r.participants for r in rows)
    against = sum(r.against for r in rows)
    gb.add_paragraph(
        doc,
        f"采取问卷、座谈、听证等方式，分利益群体征求意见{len(rows)}次，参与{total}人次，"
        f"其中明确反对{against}人次。各群体意见汇总如下（只记人数，不记姓名）。",
    )
    gb.add_table(
        doc,
        ["方式", "利益群体", "日期", "参与", "赞成", "反对", "中立"],
        [
            [
                METHODS.get(r.method, r.method),
                r.group,
                r.held_on.isoformat(),
                r.participants,
                r.in_favour,
                r.against,
                r.neutral,
            ]
            for r in rows
        ],
        [22, 38, 28, 17, 17, 17, 17],
    )
    for r in rows:
        gb.add_paragraph(doc, f"{r.group}（{METHODS.get(r.method, r.method)}）：{r.summary}")


def _risks(doc, a: RiskAssessment) -> list:
    gb.add_heading(doc, gb.heading_number(1, 3) + "风险点及防范化解措施", 1)
    points = list(a.risk_points.prefetch_related("followups__owner"))
    if not points:
        layout.add_field(doc, "风险点", "")
        return points
    gb.add_table(
        doc,
        ["序号", "风险点", "可能性", "影响程度", "风险值", "防范化解措施"],
        [
            [
                i,
                p.issue,
                p.likelihood,
                p.impact,
                f"{p.rating}（{levels.BAND_NAMES[p.band]}）",
                p.measures,
            ]
            for i, p in enumerate(points, 1)
        ],
        [12, 34, 17, 17, 22, 54],
    )
    for i, p in enumerate(points, 1):
        if p.description:
            gb.add_paragraph(doc, f"{i}. {p.issue}：{p.description}")
    gb.add_paragraph(
        doc, "风险值为可能性（1—5）与影响程度（1—5）之积：1—6为较低，8—12为中等，15—25为较高。"
    )
    return points


def _review(doc, a: RiskAssessment) -> None:
    gb.add_heading(doc, gb.heading_number(1, 4) + "合法性、合理性、可行性、可控性审查", 1)
    for index, (code, _label, name) in enumerate(DIMENSIONS, 1):
        result = getattr(a, f"{code}_result")
        finding = getattr(a, f"{code}_finding")
        gb.add_heading(doc, gb.heading_number(2, index) + name, 2)
        if finding:
            gb.add_paragraph(doc, f"{RESULTS.get(result, '')}。{finding}")
        else:
            layout.add_field(doc, name, "")


def _conclusion(doc, a: RiskAssessment) -> None:
    gb.add_heading(doc, gb.heading_number(1, 5) + "评估结论", 1)
    level = a.level_info
    if level is None:
        layout.add_field(doc, "风险等级", "")
        layout.add_field(doc, "评估结论", "")
    else:
        gb.add_paragraph(doc, f"风险等级：{level.name}（{level.advice}）。")
        gb.add_paragraph(doc, a.conclusion)
    gb.add_heading(doc, gb.heading_number(1, 6) + "风险应对预案", 1)
    if a.response_plan:
        gb.add_paragraph(doc, a.response_plan)
    else:
        layout.add_field(doc, "应对预案", "")


def _decision(doc, a: RiskAssessment, points: list, day) -> None:
    gb.add_heading(doc, gb.heading_number(1, 7) + "决策情况及措施落实", 1)
    if a.decision:
        text = f"{a.decision_body}于{gb.chinese_date(a.decided_on)}决定：{DECISIONS[a.decision]}。"
        gb.add_paragraph(doc, text + (a.decision_note or ""))
    else:
        layout.add_field(doc, "决策情况", "")
    rows = []
    for p in points:
        for m in p.followups.all():
            state = MEASURE_STATUS.get(m.status, m.status)
            if m.overdue_on(day):
                state = "逾期未落实"
            elif m.done_on:
                state = f"{state}（{m.done_on.isoformat()}）"
            rows.append([p.issue, m.action, m.owner.name, m.due_on.isoformat(), state])
    if rows:
        gb.add_table(
            doc, ["风险点", "措施", "责任人", "完成时限", "落实情况"], rows, [32, 50, 22, 26, 26]
        )


def report_docx(assessment: RiskAssessment) -> bytes:
    """The report as bytes, its properties naming the office."""
    doc = build_document(assessment)
    office = layout.office_name(assessment.street)
    written = timezone.now().astimezone(UTC).replace(tzinfo=None, microsecond=0)
    props = doc.core_properties
    props.author = props.last_modified_by = office
    props.title = f"{NAME} {assessment.number}"
    props.subject = assessment.title[:200]
    props.keywords = props.category = NAME
    props.comments = ""
    props.language = "zh-CN"
    props.created = props.modified = written
    props.revision = 1
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def filename(assessment: RiskAssessment) -> str:
    return f"{NAME}-{assessment.number}.docx"
