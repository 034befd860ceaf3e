"""The reports of an incident upward: 突发事件初报, 续报 and 终报, on the GB/T 9704 page.

Each is a :class:`~huiyin.reports.documents.render.DocumentSpec` of kind "incident"; a petition
or a dispute is never offered one. The header (事件名称, 编号, 报送单位, 报送时间, 报送对象, 签发人)
is a form table; the body is what the office recorded — the contents of the report as sent when
it has been recorded (a written one first), otherwise the items local practice asks for, filled
from the incident's record:

* 初报 — time received and source, time and place, nature, scope and people involved (a count,
  never a list), casualties including the missing, the loss, the leader in charge, the measures
  (for a production-safety accident the six items of 条例 art. 12); issued once the incident is
  registered, as the draft of the written first report;
* 续报 — the developments (``--report N``: 续报N; default the latest); issued once a follow-up
  report is recorded;
* 终报 — summary, outcome, aftermath and the follow-up evaluation; issued once the disposal is
  concluded.

They name no person but staff: the next of kin never appears. What the record lacks is a marked
gap (（待填写）); the 签发人 is left for the hand that signs.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.kinds import Kind
from huiyin.reports.documents import layout as gb
from huiyin.reports.documents.render import Context, DocumentSpec, refused, register

REPORT = "report"

MSG_NEEDS_FOLLOW_UP = _("it is issued only once a follow-up report has been recorded")
MSG_NEEDS_CONCLUSION = _("it is issued only once the disposal is concluded")
MSG_NO_REPORT = _("there is no follow-up report number %(number)s (the incident has %(count)s)")

GRADE_ZH = {"general": "一般", "larger": "较大", "major": "重大", "especially_major": "特别重大"}
SOURCE_ZH = {
    "grid": "网格员报告",
    "community": "社区报告",
    "resident": "群众报告",
    "police": "公安通报",
    "hotline": "热线转来",
    "department": "部门或单位通报",
    "patrol": "巡查发现",
    "higher": "上级通报",
    "other": "其他",
}
CHANNEL_ZH = {"phone": "电话", "written": "书面", "in_person": "当面", "other": "其他"}


def load(case):
    from huiyin.incidents.models import Incident

    incident = Incident.objects.select_related("leader").get(pk=case.pk)
    incident.case = case
    return incident


def _reports(incident, kind: str) -> list:
    return list(incident.reports.filter(kind=kind).order_by("seq", "sent_at", "id"))


def _follow_ups(incident) -> list[list]:
    """The follow-up reports grouped by number (a number sent by phone and in writing)."""
    grouped: dict[int, list] = {}
    for report in _reports(incident, "follow_up"):
        grouped.setdefault(report.seq, []).append(report)
    return [grouped[seq] for seq in sorted(grouped)]


def check_first(case, incident):
    return None


def check_follow_up(case, incident):
    return None if _follow_ups(incident) else MSG_NEEDS_FOLLOW_UP


def check_final(case, incident):
    return None if case.status in ("concluded", "closed") else MSG_NEEDS_CONCLUSION


def _when(moment) -> str:
    if moment is None:
        return ""
    local = timezone.localtime(moment, CHINA_TZ)
    return f"{local.year}年{local.month}月{local.day}日{local.hour}时{local.minute:02d}分"


def _preferred(reports: list):
    """The report to print: the written one when there is one, else the first sent."""
    written = [r for r in reports if r.channel == "written"]
    return (written or reports or [None])[0]


def _header(doc, ctx: Context, title: str, report) -> None:
    case, incident = ctx.case, ctx.detail
    category = case.category
    nature = category.name if category else ""
    gb.add_title(doc, title)
    gb.add_form_table(
        doc,
        [
            ("事件名称", case.title),
            ("编号", case.number),
            ("事件类别", nature or gb.BLANK_MARK),
            ("事件等级", GRADE_ZH.get(incident.grade, "")),
            ("报送单位", ctx.office),
            ("报送时间", _when(report.sent_at) if report else gb.BLANK_MARK),
            ("报送对象", report.recipient if report else gb.BLANK_MARK),
            ("报送方式", CHANNEL_ZH.get(report.channel, "") if report else gb.BLANK_MARK),
            ("签发人", ""),
        ],
    )


def _casualties(incident) -> str:
    return (
        f"死亡{incident.deaths}人，失踪{incident.missing}人，"
        f"重伤{incident.serious_injuries}人，轻伤{incident.minor_injuries}人"
    )


def _loss(incident) -> str:
    parts = []
    if incident.direct_loss is not None:
        parts.append(f"初步估计直接经济损失{incident.direct_loss}元")
    if incident.loss_note:
        parts.append(incident.loss_note)
    return "；".join(parts)


def _item(doc, number: int, label: str, text: str) -> None:
    gb.add_heading(doc, gb.heading_number(1, number) + label, 1)
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not lines:
        gb.add_blank_section(doc, 1)
    for line in lines:
        gb.add_paragraph(doc, line)


def _body(doc, text: str) -> None:
    for line in [line.strip() for line in text.splitlines() if line.strip()]:
        gb.add_paragraph(doc, line)


def _place(ctx: Context) -> str:
    case, incident = ctx.case, ctx.detail
    parts = [p for p in (getattr(case.community, "name", ""), incident.place) if p]
    return "".join(parts)


def _people(incident) -> str:
    parts = []
    if incident.people_count:
        parts.append(f"涉及约{incident.people_count}人")
    if incident.demands:
        parts.append(f"主要诉求：{incident.demands}")
    return "；".join(parts)


def build_first(ctx: Context):
    from huiyin.incidents import rules

    case, incident = ctx.case, ctx.detail
    report = _preferred(_reports(incident, "first"))
    doc = gb.new_document()
    _header(doc, ctx, "突发事件初报", report)
    if report is not None and report.contents.strip():
        _body(doc, report.contents)
        return doc
    leader = incident.leader.name if incident.leader else ""
    if rules.is_safety(case.category):
        items = [
            ("事故发生单位概况", ""),
            (
                "事故发生的时间、地点以及事故现场情况",
                f"{_when(incident.occurred_at)}，{_place(ctx)}。{case.description}",
            ),
            ("事故的简要经过", case.description),
            (
                "伤亡人数（包括下落不明的人数）和初步估计的直接经济损失",
                f"{_casualties(incident)}；{_loss(incident)}",
            ),
            ("已经采取的措施", incident.measures),
            ("其他应当报告的情况", f"处置负责领导：{leader}" if leader else ""),
        ]
    else:
        items = [
            ("接报时间及来源", f"{_when(incident.learned_at)}，{SOURCE_ZH.get(incident.source, '')}"),
            ("发生时间、地点", f"{_when(incident.occurred_at)}，{_place(ctx)}"),
            ("事件性质及涉及范围", "；".join(p for p in (case.description, _people(incident)) if p)),
            ("伤亡及损失情况", f"{_casualties(incident)}；{_loss(incident)}".rstrip("；")),
            ("到场领导及已采取的措施", "；".join(p for p in (f"处置负责领导：{leader}" if leader else "", incident.measures) if p)),
            ("发展趋势及需要协调解决的事项", ""),
        ]  # fmt: skip
    for number, (label, text) in enumerate(items, start=1):
        _item(doc, number, label, text)
    return doc


def build_follow_up(ctx: Context):
    incident = ctx.detail
    groups = _follow_ups(incident)
    chosen = ctx.options.get(REPORT)
    if chosen is None:
        group = groups[-1]
    else:
        index = int(chosen)
        if index > len(groups):
            raise refused(
                FOLLOW_UP, ctx.case, MSG_NO_REPORT % {"number": index, "count": len(groups)}
            )
        group = groups[index - 1]
    report = _preferred(group)
    from huiyin.incidents.reporting import report_name

    doc = gb.new_document()
    _header(doc, ctx, f"突发事件{report_name('follow_up', report.seq)}", report)
    _item(doc, 1, "事态进展", report.contents)
    _item(doc, 2, "目前伤亡及损失情况", f"{_casualties(incident)}；{_loss(incident)}".rstrip("；"))
    _item(doc, 3, "正在采取的措施", incident.measures)
    return doc


def build_final(ctx: Context):
    case, incident = ctx.case, ctx.detail
    report = _preferred(_reports(incident, "final"))
    doc = gb.new_document()
    _header(doc, ctx, "突发事件终报", report)
    summary = "；".join(
        p
        for p in (
            f"{_when(incident.occurred_at)}，{_place(ctx)}",
            case.description,
            _people(incident),
            _casualties(incident),
            _loss(incident),
        )
        if p
    )
    _item(doc, 1, "事件概况", summary)
    _item(doc, 2, "处置经过及结果", incident.outcome)
    _item(doc, 3, "善后工作", incident.aftermath)
    _item(doc, 4, "经验教训及评估", incident.evaluation)
    if report is not None and report.contents.strip():
        _item(doc, 5, "报送内容", report.contents)
    return doc


def _spec(name, slug, label, check, build, **extra) -> DocumentSpec:
    return DocumentSpec(
        name=name,
        slug=slug,
        label=label,
        kind=Kind.INCIDENT,
        load=load,
        check=check,
        build=build,
        withdrawn_ok=True,
        **extra,
    )


FIRST = _spec("突发事件初报", "first-report", _("First report upward"), check_first, build_first)
FOLLOW_UP = _spec(
    "突发事件续报",
    "follow-up-report",
    _("Follow-up report upward"),
    check_follow_up,
    build_follow_up,
    options=(REPORT,),
)
FINAL = _spec("突发事件终报", "final-report", _("Final report upward"), check_final, build_final)

DOCUMENTS = (FIRST, FOLLOW_UP, FINAL)

register(*DOCUMENTS)
