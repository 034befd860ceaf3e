"""The 会议纪要: a meeting's minutes as a document in the GB/T 9704 layout.

    data = minutes_docx(meeting, visible=set_of_case_ids)   # the .docx as bytes

The street office's red masthead, the minutes' number (浓洄会纪〔2026〕3号), the title, when and
where, who chaired and who attended, the agenda (each item's matter by its number), the
decisions, the tasks (what, which action, who, by when, the matter) and what earlier meetings'
tasks came to (follow-through), then the office and date and the 版记. A page passes the cases
its reader may see (``visible``): the others are counted, never named; the command line passes
None (all of them).

On the command line, through the document engine (:mod:`huiyin.reports.documents.meetings`
registers it, the meeting found by its number): ``huiyin document 会议纪要 --case
浓洄会纪〔2026〕3号 --out F.docx``.
"""

from __future__ import annotations

import io
from datetime import UTC

from django.utils import timezone

from huiyin.meetings.models import Meeting
from huiyin.meetings.services import follow_through, tasks_of
from huiyin.reports import docx_layout
from huiyin.reports.documents import layout as gb

NAME = "会议纪要"
SLUG = "meeting-minutes"

#: The meeting kinds and the task actions as the document words them, whatever the language.
KINDS = {"regular": "例会", "joint": "联席会议", "special": "专题会议"}
ACTIONS = {
    "investigate": "调查核实",
    "reply": "答复",
    "mediate": "调解",
    "rectify": "整改",
    "coordinate": "协调",
    "follow_up": "回访",
    "other": "其他",
}


def _matter(case, visible: set[int] | None) -> tuple[str, int]:
    """(the matter's number, or "" when none or unseen; 1 when unseen, else 0)."""
    if case is None:
        return "", 0
    if visible is None or case.pk in visible:
        return case.number, 0
    return "", 1


def build_document(meeting: Meeting, *, visible: set[int] | None = None):
    """The minutes of `meeting` as a python-docx Document (see the module docstring)."""
    office = gb.office_name(meeting.street)
    doc = gb.new_document()
    gb.add_masthead(doc, office)
    gb.add_doc_number(doc, meeting.number, year=meeting.year)
    gb.add_title(doc, f"{meeting.title}会议纪要")
    hidden = 0
    attendees = "、".join(s.name for s in meeting.attendees.order_by("name", "pk")) or "—"
    place = f"在{meeting.place}" if meeting.place else ""
    gb.add_paragraph(
        doc,
        f"{gb.chinese_date(meeting.held_on)}，{meeting.chair.name}{place}主持召开"
        f"{KINDS.get(meeting.meeting_kind, '会议')}，依照《信访工作条例》第十三条研究信访和"
        "矛盾纠纷化解工作。现纪要如下。",
    )
    gb.add_field(doc, "参会人员", attendees)
    gb.add_heading(doc, gb.heading_number(1, 1) + "会议议题", 1)
    agenda = list(meeting.agenda.select_related("case").order_by("order", "pk"))
    for index, item in enumerate(agenda, 1):
        number, unseen = _matter(item.case, visible)
        hidden += unseen
        text = f"{index}. {item.topic}" + (f"（涉及事项：{number}）" if number else "")
        if item.note:
            text += f"。{item.note}"
        gb.add_paragraph(doc, text)
    if not agenda:
        gb.add_paragraph(doc, "无。")
    gb.add_heading(doc, gb.heading_number(1, 2) + "会议决定", 1)
    for line in [x.strip() for x in (meeting.decisions or "").splitlines() if x.strip()] or [
        "无。"
    ]:
        gb.add_paragraph(doc, line)
    gb.add_heading(doc, gb.heading_number(1, 3) + "任务分解", 1)
    rows = []
    for index, task in enumerate(tasks_of(meeting), 1):
        number, unseen = _matter(task.case, visible)
        hidden += unseen
        rows.append(
            [
                str(index),
                task.text,
                ACTIONS.get(task.action, task.action),
                task.owner.name,
                gb.chinese_date(task.due_on),
                number or "—",
            ]
        )
    if rows:
        docx_layout.add_table(
            doc,
            ["序号", "任务", "类别", "责任人", "完成时限", "关联事项"],
            rows,
            widths_mm=[12, 52, 20, 22, 26, 24],
        )
    else:
        gb.add_paragraph(doc, "无。")
    earlier = follow_through(meeting)
    if earlier["open"] or earlier["done"]:
        gb.add_heading(doc, gb.heading_number(1, 4) + "前次会议任务落实情况", 1)
        for task in earlier["done"]:
            gb.add_paragraph(
                doc,
                f"{task.text}（{task.owner.name}）：已于{gb.chinese_date(task.done_on)}完成。"
                f"{task.result}",
            )
        for task in earlier["open"]:
            late = "，已逾期" if task.overdue_on(meeting.held_on) else ""
            gb.add_paragraph(
                doc,
                f"{task.text}（{task.owner.name}）：尚未完成，时限"
                f"{gb.chinese_date(task.due_on)}{late}。",
            )
    if hidden:
        gb.add_paragraph(doc, f"（另有{hidden}处关联事项不在本人查阅范围内，未列出编号。）")
    gb.add_sealed_signature(doc, office, meeting.held_on)
    gb.add_colophon(doc, copy_to="", printer=office, printed_on=meeting.held_on)
    return doc


def minutes_docx(meeting: Meeting, *, visible: set[int] | None = None) -> bytes:
    """The 会议纪要 as bytes (see :func:`build_document`), its properties naming the office."""
    doc = build_document(meeting, visible=visible)
    office = gb.office_name(meeting.street)
    written = timezone.now().astimezone(UTC).replace(tzinfo=None, microsecond=0)
    props = doc.core_properties
    props.author = props.last_modified_by = office
    props.title = f"{NAME} {meeting.number}"
    props.subject = meeting.title[:200]
    props.keywords = props.category = NAME
    props.comments = ""
    props.language = "zh-CN"
    props.created = props.modified = written
    props.revision = 1
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def filename(meeting: Meeting) -> str:
    return f"{NAME}-{meeting.number}.docx"
