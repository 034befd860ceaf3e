"""The 督办单: a supervision order as a document in the GB/T 9704 layout.

    data = order_docx(order, cases=[...])   # the .docx as bytes

The red masthead of the street office, the order's number as 发文字号, the body it goes to as
主送机关, the ground (信访工作条例 art. 40), the matters, the leader's instruction, the
requirements and the written feedback owed by the deadline (whether the suggestions were
adopted), then the office's seal and date and the 版记. A page passes only the matters its
reader may see (``cases``); the command line passes them all.

On the command line, through the document engine (:mod:`huiyin.reports.documents.supervision`
registers it, the order found by its number): ``huiyin document 督办单 --case 浓洄督〔2026〕001号
--out F.docx``.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import UTC

from django.utils import timezone

from huiyin.assessment.models import SupervisionOrder
from huiyin.reports.documents import layout as gb

#: The document's name: its title and its name on the command line.
NAME = "督办单"
SLUG = "supervision-order"

#: The grounds as the document words them (条例 art. 40), whatever the reader's language.
GROUNDS = {
    "irregular_handling": "违反规定受理、办理信访事项",
    "shirking": "推诿",
    "perfunctory": "敷衍",
    "delay": "拖延",
    "falsification": "弄虚作假",
    "refused_opinion": "拒不执行信访处理意见",
    "other": "其他未按规定办理信访事项的情形",
}


def _street(order: SupervisionOrder):
    # The street of the body it goes to, kept on the order (its numbering's street).
    return order.street


def build_document(order: SupervisionOrder, *, cases: Iterable | None = None, hidden: int = 0):
    """The 督办单 of `order` as a python-docx Document; `cases` the matters to list (default:
    all of them), `hidden` the number of its matters left out (said in the text, never named)."""
    cases = list(order.cases.order_by("received_at", "pk")) if cases is None else list(cases)
    office = gb.office_name(_street(order))
    doc = gb.new_document()
    gb.add_masthead(doc, office)
    gb.add_doc_number(doc, order.number, year=order.year)
    gb.add_title(doc, "信访事项督办单")
    gb.add_addressee(doc, order.body_name)
    ground = GROUNDS.get(order.ground, order.ground)
    numbers = "、".join(case.number for case in cases) or "—"
    if hidden:
        numbers += f"（另有{hidden}件）"
    gb.add_paragraph(
        doc,
        f"根据《信访工作条例》第四十条，现对下列信访事项的办理进行督办（督办事由：{ground}）。",
    )
    gb.add_form_table(
        doc,
        [
            ("督办事项", numbers),
            ("督办事由", ground),
            ("领导批示", order.instruction),
            ("签批领导", order.leader.name),
            ("督办要求", order.requirements),
            ("反馈时限", f"{gb.chinese_date(order.deadline)}前"),
        ],
    )
    gb.add_paragraph(
        doc,
        f"请于{gb.chinese_date(order.deadline)}前将办理情况书面反馈，并说明是否采纳督办意见；"
        "逾期不反馈或拒不落实的，将依照《信访工作条例》第三十九条采取约谈、通报、挂牌督办等措施。",
    )
    gb.add_sealed_signature(doc, office, order.issued_on)
    gb.add_colophon(doc, copy_to="", printer=office, printed_on=order.issued_on)
    return doc


def order_docx(order: SupervisionOrder, *, cases: Iterable | None = None, hidden: int = 0) -> bytes:
    """The 督办单 as bytes (see :func:`build_document`), its properties naming the office."""
    doc = build_document(order, cases=cases, hidden=hidden)
    office = gb.office_name(_street(order))
    written = timezone.now().astimezone(UTC).replace(tzinfo=None, microsecond=0)
    props = doc.core_properties
    props.author = props.last_modified_by = office
    props.title = f"{NAME} {order.number}"
    props.subject = order.body_name
    props.keywords = props.category = NAME
    props.comments = ""
    props.language = "zh-CN"
    props.created = props.modified = written
    props.revision = 1
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def filename(order: SupervisionOrder) -> str:
    return f"{NAME}-{order.number}.docx"
