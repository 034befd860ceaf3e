"""The documents of an inspection of a key place: 检查记录 (the record, signed by the inspectors
and the place) and 整改通知书 (the notice of the failed items, each with its basis and
deadline), in the GB/T 9704 layout.

Their subject is an :class:`~huiyin.patrols.models.Inspection` (numbered 浓洄检〔2026〕0003号),
which the engine reads as it reads a case (``kind`` "inspection", ``number``, ``title``,
``street``). Neither names a citizen: the place, its responsible person's name as the
registry holds it, and the inspectors who signed. Rectification orders backed by penalties
belong to the competent department: the notice says the matter will be referred to it.

    huiyin document 检查记录 --case 浓洄检〔2026〕0003号 --out 检查记录.docx
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from huiyin.reports import docx_layout
from huiyin.reports.documents import layout as gb
from huiyin.reports.documents.render import Context, DocumentSpec, register, register_subject

KIND = "inspection"
RESULT_ZH = {"pass": "合格", "fail": "不合格", "na": "不适用"}
AUTHORITY_ZH = {
    "culture": "文化和旅游部门",
    "police": "公安机关",
    "fire": "消防救援机构",
    "market": "市场监管部门",
    "emergency": "应急管理部门",
    "street": "街道办事处",
}
MSG_NOTHING_FAILED = _("no checklist item failed")


def _load(inspection):
    return inspection


def _fits(inspection, detail) -> None:
    return None


def _has_failed(inspection, detail):
    if not inspection.rectifications.exists():
        return MSG_NOTHING_FAILED
    return None


def _date(day) -> str:
    return gb.chinese_date(day) if day else ""


def _team(inspection) -> str:
    names = [s.name for s in inspection.staff.all()]
    joint = [line.strip() for line in inspection.joint_members.splitlines() if line.strip()]
    return "、".join(names + joint)


def build_record(ctx: Context):
    inspection = ctx.detail
    place = inspection.place
    doc = gb.new_document()
    gb.add_title(doc, f"{place.kind.name}检查记录")
    gb.add_field(doc, "编号", inspection.number)
    gb.add_form_table(
        doc,
        [
            ("被检查场所", place.name),
            ("场所类别", place.kind.name),
            ("地址", place.address),
            ("场所负责人", place.responsible_name),
            ("证照情况", place.licences),
            ("检查日期", _date(inspection.inspected_on)),
            ("牵头部门", AUTHORITY_ZH.get(inspection.lead_authority, "")),
            ("检查人员", _team(inspection)),
            ("检查表版本", f"第{inspection.checklist.version}版"),
        ],
    )
    gb.add_heading(doc, gb.heading_number(1, 1) + "检查项目", 1)
    results = inspection.results.select_related("item").order_by("item__order")
    docx_layout.add_table(
        doc,
        ("序号", "检查项目", "依据", "结果", "说明"),
        [
            (str(index), r.item.text, r.item.basis, RESULT_ZH.get(r.result, ""), r.note)
            for index, r in enumerate(results, start=1)
        ],
        (12, 58, 44, 18, 24),
    )
    gb.add_heading(doc, gb.heading_number(1, 2) + "检查发现", 1)
    lines = [line for line in inspection.findings.splitlines() if line.strip()]
    if lines:
        for line in lines:
            gb.add_paragraph(doc, line.strip())
    else:
        gb.add_paragraph(doc, "无其他发现。")
    failed = inspection.rectifications.order_by("pk")
    if failed:
        gb.add_heading(doc, gb.heading_number(1, 3) + "责令整改事项", 1)
        for index, r in enumerate(failed, start=1):
            gb.add_paragraph(doc, f"{index}. {r.item}（整改期限：{_date(r.deadline)}）")
    docx_layout.add_table(
        doc,
        ("签署人", "签名", "日期"),
        [
            (f"检查人员：{inspection.inspector_signatures}", "", _date(inspection.inspected_on)),
            (
                f"被检查场所负责人：{inspection.place_signature}",
                "",
                _date(inspection.inspected_on),
            ),
        ],
        (70, 52, 34),
    )
    return doc


def build_notice(ctx: Context):
    inspection = ctx.detail
    place = inspection.place
    doc = gb.new_document()
    gb.add_title(doc, "整改通知书")
    gb.add_field(doc, "编号", inspection.number)
    gb.add_addressee(doc, place.name)
    gb.add_paragraph(
        doc,
        f"{_date(inspection.inspected_on)}，{ctx.office}会同"
        f"{AUTHORITY_ZH.get(inspection.lead_authority, '')}等部门对你单位（场所）进行了检查，"
        "发现存在以下问题，现通知你单位限期整改：",
    )
    failed = list(inspection.rectifications.order_by("pk"))
    docx_layout.add_table(
        doc,
        ("序号", "存在问题", "依据", "整改期限"),
        [
            (str(index), r.item, r.basis, _date(r.deadline))
            for index, r in enumerate(failed, start=1)
        ],
        (12, 70, 48, 26),
    )
    authority = AUTHORITY_ZH.get(place.authority, "有关主管部门")
    gb.add_paragraph(
        doc,
        "请你单位在上述期限内整改完毕，并将整改情况书面报告。"
        f"我办将按期复查；逾期未整改或整改不到位的，将移送{authority}依法处理。",
    )
    gb.add_sealed_signature(doc, ctx.office, ctx.today)
    docx_layout.add_table(
        doc,
        ("签收人", "签收日期"),
        [(f"被检查场所负责人：{inspection.place_signature or place.responsible_name}", "")],
        (100, 56),
    )
    return doc


RECORD = DocumentSpec(
    name="检查记录",
    slug="inspection-record",
    label=_("Inspection record"),
    kind=KIND,
    load=_load,
    check=_fits,
    build=build_record,
)
NOTICE = DocumentSpec(
    name="整改通知书",
    slug="rectification-notice",
    label=_("Rectification notice"),
    kind=KIND,
    load=_load,
    check=_has_failed,
    build=build_notice,
)

register(RECORD, NOTICE)


def find(number: str):
    """The inspection numbered `number` (for `huiyin document --case`), or None."""
    from huiyin.patrols.models import Inspection

    return (
        Inspection.objects.select_related("street", "place__kind", "checklist")
        .filter(number=number)
        .first()
    )


register_subject(KIND, find)
