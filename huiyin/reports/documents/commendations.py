"""A campaign's 表彰通报 and 通报批评, and the 信访工作年度报告 (条例 art. 41), through the document
engine, in the GB/T 9704 layout: red 版头, 发文字号, 主送机关, 成文日期 with the seal, 版记.

Their subjects are not cases. A notice is a :class:`Notice` (a campaign and which of its two
notices), found on the command line by its 发文字号 (the one its rows share, see
:mod:`huiyin.reports.commendations`); the annual report is an :class:`AnnualReport` (a year),
found by ``2025年度``:

    huiyin document 表彰通报 --case 浓洄综治〔2026〕3号 --out 表彰通报.docx
    huiyin document 信访工作年度报告 --case 2025年度 --out 年度报告.docx

The annual report's figures are the statistics layer's (``stats.compute`` for the year, the
reader's own view on the page, everything on the command line), written as prose; what
Huiyin does not hold (the fields the matters touch, the policy proposals) is a marked gap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds
from huiyin.reports.documents import layout as gb
from huiyin.reports.documents.render import Context, DocumentSpec, register, register_subject

KIND_COMMENDATION = "campaign_commendation"
KIND_CRITICISM = "campaign_criticism"
KIND_ANNUAL = "annual_report"

MSG_NOTHING = _("nothing is on the list")
YEAR_SHAPE = re.compile(r"^(\d{4})\s*(?:年度|年)?$")


def _street_of(campaign):

    from huiyin.reports.commendations import _street_of_creator

    body = campaign.communities.select_related("street").order_by("order", "id").first()
    return body.street if body else _street_of_creator(campaign)


@dataclass
class Notice:
    """One of a campaign's two notices, read by the engine as it reads a case."""

    campaign: Any
    notice: str  # "commendation" or "criticism"
    kind: str = ""
    number: str = ""
    title: str = ""
    street: Any = None
    withdrawn: bool = False
    status_label: str = ""
    rows: list = field(default_factory=list)

    @classmethod
    def of(cls, campaign, notice: str) -> Notice:
        from huiyin.reports import commendations as c

        rows = list(c.live(campaign, notice))
        if notice == "criticism":
            kind, name = KIND_CRITICISM, "通报批评"
        else:
            kind, name = KIND_COMMENDATION, "表彰通报"
        number = c.notice_number(campaign, notice)
        return cls(
            campaign=campaign,
            notice=notice,
            kind=kind,
            number=number or f"{campaign.name}{name}",
            title=f"{campaign.name}{name}",
            street=_street_of(campaign),
            rows=rows,
        )

    # The audit trail records an export against the campaign.
    @property
    def _meta(self):
        return self.campaign._meta

    @property
    def pk(self):
        return self.campaign.pk

    def audit_label(self) -> str:
        return self.title


@dataclass
class AnnualReport:
    """The 信访工作年度报告 of one year; `user` the reader (None: everything, the CLI)."""

    year: int
    user: Any = None
    kind: str = KIND_ANNUAL
    withdrawn: bool = False
    status_label: str = ""
    street: Any = None

    def __post_init__(self) -> None:
        if self.street is None:
            from huiyin.org import streets
            from huiyin.org.models import Street

            # The street of the person asking (the first street for a district officer).
            found = streets.street_of(self.user) if self.user is not None else None
            self.street = found or Street.objects.order_by("id").first()

    @property
    def number(self) -> str:
        return f"{self.year}年度"

    @property
    def title(self) -> str:
        return f"{self.year}年度信访工作情况报告"

    # The audit trail records an export against the street whose report it is.
    @property
    def _meta(self):
        from huiyin.org.models import Street

        return Street._meta

    @property
    def pk(self):
        return self.street.pk if self.street is not None else None

    def audit_label(self) -> str:
        return self.title


def _load(subject):
    return subject


def _has_rows(subject, detail):
    return None if detail.rows else MSG_NOTHING


def _always(subject, detail):
    return None


def _addressees(campaign) -> str:
    names = [c.name for c in campaign.communities.order_by("order", "id")]
    names += [u.name for u in campaign.units.order_by("kind", "name")]
    return "、".join(names)


def _decided(rows) -> date | None:
    return max((row.decided_on for row in rows), default=None)


def _staff_label(staff) -> str:
    where = "".join(part for part in ((staff.unit.name if staff.unit else ""), staff.title) if part)
    return f"{staff.name}（{where}）" if where else staff.name


def _basis(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith(("。", "！", "；")) else f"{text}。"


def _head(ctx: Context, title: str):
    notice = ctx.detail
    doc = gb.new_document()
    gb.add_masthead(doc, ctx.office)
    # The number the rows share; without one, a gap to fill.
    own = notice.number if _is_number(notice) else ""
    gb.add_doc_number(doc, ctx.doc_number or own, year=ctx.today.year)
    gb.add_title(doc, title)
    gb.add_addressee(doc, _addressees(notice.campaign))
    return doc


def _is_number(notice: Notice) -> bool:
    from huiyin.reports.commendations import DOC_NUMBER_SHAPE

    return bool(DOC_NUMBER_SHAPE.match(notice.number))


def _foot(doc, ctx: Context, rows) -> None:
    day = _decided(rows) or ctx.today
    gb.add_sealed_signature(doc, ctx.office, day)
    gb.add_colophon(doc, copy_to="", printer=ctx.office, printed_on=day)


def build_commendation(ctx: Context):
    from huiyin.reports.commendations import Commendation

    notice: Notice = ctx.detail
    campaign = notice.campaign
    units = [r for r in notice.rows if r.kind == Commendation.Kind.UNIT]
    people = [r for r in notice.rows if r.kind == Commendation.Kind.STAFF]
    doc = _head(ctx, f"关于表彰“{campaign.name}”先进单位和先进个人的通报")
    period = f"{gb.chinese_date(campaign.start)}至{gb.chinese_date(campaign.end)}"
    theme = f"，以“{campaign.theme}”为主题" if campaign.theme else ""
    gb.add_paragraph(
        doc,
        f"{period}，街道开展了“{campaign.name}”活动{theme}。各社区、各单位和广大干部职工"
        "认真落实维稳综治暨信访工作责任，涌现出一批工作扎实、成效明显的先进单位和先进个人。"
        f"为表彰先进、树立典型，经研究，决定对{len(units)}个先进单位和{len(people)}名先进个人"
        "予以通报表彰。",
    )
    number = 1
    if units:
        gb.add_heading(doc, gb.heading_number(1, number) + f"先进单位（{len(units)}个）", 1)
        number += 1
        for row in units:
            gb.add_paragraph(doc, f"{row.subject_name}：{_basis(row.basis)}")
    if people:
        gb.add_heading(doc, gb.heading_number(1, number) + f"先进个人（{len(people)}名）", 1)
        for row in people:
            gb.add_paragraph(doc, f"{_staff_label(row.staff)}：{_basis(row.basis)}")
    gb.add_paragraph(
        doc,
        "希望受到表彰的单位和个人珍惜荣誉、再接再厉；各社区、各单位要以先进为榜样，"
        "依法及时就地解决群众合理诉求，推动维稳综治暨信访工作再上新台阶。",
    )
    _foot(doc, ctx, notice.rows)
    return doc


def build_criticism(ctx: Context):
    notice: Notice = ctx.detail
    campaign = notice.campaign
    doc = _head(ctx, f"关于“{campaign.name}”中有关单位的通报批评")
    names = "、".join(row.subject_name for row in notice.rows)
    gb.add_paragraph(
        doc,
        f"在“{campaign.name}”活动（{gb.chinese_date(campaign.start)}至"
        f"{gb.chinese_date(campaign.end)}）中，{names}落实工作责任不到位。经研究，"
        "决定予以通报批评。现将有关情况通报如下。",
    )
    for index, row in enumerate(notice.rows, start=1):
        gb.add_heading(doc, gb.heading_number(1, index) + row.subject_name, 1)
        gb.add_paragraph(doc, _basis(row.basis))
    gb.add_paragraph(
        doc,
        "被通报单位要认真反思、举一反三，对照问题逐项整改，并将整改情况书面报街道；"
        "各社区、各单位要引以为戒，切实履行维稳综治暨信访工作职责。",
    )
    _foot(doc, ctx, notice.rows)
    return doc


# ---------------------------------------------------------------------- the annual report


def _get(figures: dict, path: str, default: Any = 0) -> Any:
    value: Any = figures
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return default
        value = value[key]
    return value


def _n(figures: dict, path: str) -> str:
    from huiyin.reports.sections.base import chinese_count

    return chinese_count(_get(figures, path))


def _rate(figures: dict, path: str) -> str:
    from huiyin.reports.sections.base import chinese_rate

    return chinese_rate(_get(figures, path, None))


def annual_period(year: int):
    from huiyin.reports.stats import Period

    return Period(date(year, 1, 1), date(year, 12, 31))


def build_annual(ctx: Context):
    from huiyin.reports import stats

    report: AnnualReport = ctx.detail
    year = report.year
    f = stats.compute(annual_period(year), user=report.user)
    doc = gb.new_document()
    gb.add_masthead(doc, ctx.office)
    gb.add_doc_number(doc, ctx.doc_number, year=ctx.today.year)
    gb.add_title(doc, f"关于{year}年度信访工作情况的报告")
    gb.add_addressee(doc, "")
    gb.add_paragraph(
        doc,
        f"根据《信访工作条例》第四十一条的规定，现将{ctx.office}{year}年度"
        f"（{year}年1月1日至{year}年12月31日）信访工作情况报告如下。",
    )
    gb.add_heading(doc, gb.heading_number(1, 1) + "信访事项的数据统计", 1)
    gb.add_paragraph(
        doc,
        f"全年共登记信访事项{_n(f, 'petitions.batches')}批次、{_n(f, 'petitions.headcount')}人次。"
        f"其中来信{_n(f, 'petitions.by_channel.letter.batches')}件，"
        f"来访{_n(f, 'petitions.by_channel.visit.batches')}批"
        f"{_n(f, 'petitions.by_channel.visit.headcount')}人次，"
        f"来电{_n(f, 'petitions.by_channel.phone.batches')}件，"
        f"网上信访{_n(f, 'petitions.by_channel.online.batches')}件，"
        f"上级交办{_n(f, 'petitions.by_channel.assigned.batches')}件；"
        f"集体访{_n(f, 'petitions.collective.batches')}批"
        f"{_n(f, 'petitions.collective.headcount')}人次；"
        f"初信初访{_n(f, 'petitions.first')}件，重复信访{_n(f, 'petitions.repeat')}件。",
    )
    gb.add_paragraph(
        doc,
        f"在上级机关反映的：进京{_n(f, 'petitions.visits_by_level.national.batches')}批"
        f"{_n(f, 'petitions.visits_by_level.national.headcount')}人次，"
        f"赴省{_n(f, 'petitions.visits_by_level.province.batches')}批"
        f"{_n(f, 'petitions.visits_by_level.province.headcount')}人次，"
        f"到市{_n(f, 'petitions.visits_by_level.city.batches')}批"
        f"{_n(f, 'petitions.visits_by_level.city.headcount')}人次，"
        f"到区{_n(f, 'petitions.visits_by_level.district.batches')}批"
        f"{_n(f, 'petitions.visits_by_level.district.headcount')}人次（均为走访）。"
        "对在上级机关反映的事项，街道逐件复查首次办理情况，着力解决反映的问题。",
    )
    gb.add_paragraph(
        doc,
        f"截至年末，已办结{_n(f, 'petitions.concluded')}件，正在办理"
        f"{_n(f, 'petitions.accepted')}件，待决定是否受理{_n(f, 'petitions.registered')}件，"
        f"不予受理{_n(f, 'petitions.declined')}件，转送有权处理机关"
        f"{_n(f, 'petitions.transferred')}件，退回交办机关{_n(f, 'petitions.returned')}件。"
        f"按期办结率{_rate(f, 'petitions.on_time_rate')}，"
        f"群众满意率{_rate(f, 'petitions.satisfaction_rate')}；"
        f"出具书面处理意见{_n(f, 'replies.written')}件，其中载明法律政策依据"
        f"{_n(f, 'replies.with_basis')}件。",
    )
    gb.add_paragraph(doc, "信访事项涉及的主要领域以及被投诉较多的机关或者单位：")
    gb.add_blank_section(doc, 2)
    gb.add_heading(doc, gb.heading_number(1, 2) + "转送、督办情况", 1)
    gb.add_paragraph(
        doc,
        f"全年转送有权处理机关信访事项{_n(f, 'petitions.transferred')}件。"
        f"发出督办单{_n(f, 'supervision.issued')}件，按期书面反馈"
        f"{_n(f, 'supervision.answered_on_time')}件，逾期反馈{_n(f, 'supervision.answered_late')}件，"
        f"逾期未反馈{_n(f, 'supervision.overdue')}件。"
        f"排查化解矛盾纠纷：登记{_n(f, 'disputes.registered')}件，"
        f"化解{_n(f, 'disputes.resolved')}件。",
    )
    gb.add_paragraph(doc, "各部门采纳改进建议的情况：")
    gb.add_blank_section(doc, 2)
    gb.add_heading(doc, gb.heading_number(1, 3) + "提出的政策性建议及其被采纳情况", 1)
    gb.add_blank_section(doc, 3)
    gb.add_heading(doc, gb.heading_number(1, 4) + "其他应当报告的事项", 1)
    gb.add_blank_section(doc, 2)
    gb.add_paragraph(doc, "特此报告。")
    gb.add_sealed_signature(doc, ctx.office, None)
    gb.add_colophon(doc, copy_to="", printer=ctx.office, printed_on=ctx.today)
    return doc


COMMENDATION = DocumentSpec(
    name="表彰通报",
    slug="commendation-notice",
    label=_("Commendation notice"),
    kind=KIND_COMMENDATION,
    load=_load,
    check=_has_rows,
    build=build_commendation,
    letter=True,
)
CRITICISM = DocumentSpec(
    name="通报批评",
    slug="criticism-notice",
    label=_("Notice of criticism"),
    kind=KIND_CRITICISM,
    load=_load,
    check=_has_rows,
    build=build_criticism,
    letter=True,
)
ANNUAL = DocumentSpec(
    name="信访工作年度报告",
    slug="annual-report",
    label=_("Annual petition work report"),
    kind=KIND_ANNUAL,
    load=_load,
    check=_always,
    build=build_annual,
    letter=True,
)

register(COMMENDATION, CRITICISM, ANNUAL)


def _finder(notice: str):
    def find(number: str):
        from huiyin.reports import commendations as c

        row = (
            c.Commendation.objects.select_related("campaign")
            .filter(doc_number=number, withdrawn=False, kind__in=c._notice_kinds(notice))
            .first()
        )
        return Notice.of(row.campaign, notice) if row is not None else None

    return find


def years() -> range:
    """The years an annual report may be written for: the earliest plausible to this one."""
    return range(bounds.earliest_date().year, bounds.today().year + 1)


def find_year(text: str) -> AnnualReport | None:
    """The annual report of "2025年度" (or "2025"), within :func:`years`; None otherwise."""
    match = YEAR_SHAPE.match((text or "").strip())
    if not match or int(match.group(1)) not in years():
        return None
    return AnnualReport(int(match.group(1)))


register_subject(KIND_COMMENDATION, _finder("commendation"))
register_subject(KIND_CRITICISM, _finder("criticism"))
register_subject(KIND_ANNUAL, find_year)
