"""The texts of a dispute's documents, in the layout of the 司法部 model forms of people's
mediation on the GB/T 9704 page: 人民调解申请书, 调解笔录, 人民调解协议书, 口头协议登记表,
the art. 26 告知书 (a notice of the committee) and 回访记录.

Each ``build_*`` takes the :class:`~huiyin.reports.documents.render.Context` (its ``detail`` is
the Dispute) and returns a python-docx Document. Nothing is made up: what the record lacks is a
marked gap (（待填写）) to fill by hand, and every signature line is left for the hand that signs,
with the date when Huiyin recorded it.
"""

from __future__ import annotations

from datetime import date

from huiyin.disputes import clocks
from huiyin.disputes.models import Party, Source
from huiyin.reports import docx_layout
from huiyin.reports.documents import layout as gb
from huiyin.reports.documents.disputes_read import (
    FORM_ZH,
    LABOUR_LAW,
    LAW,
    MANNER_ZH,
    RESULT_ZH,
    SIDE_ZH,
    S,
    agreement,
    committee_name,
    date_text,
    days,
    dispute_mediators,
    labour_clock,
    labour_days_passed,
    local_day,
    mediator_names,
    names,
    or_blank,
    parties,
    party_parts,
    party_text,
    refusing_party,
    side,
    staff_name,
    terms,
)
from huiyin.reports.documents.render import Context

A, B = Party.Side.A, Party.Side.B
#: The text width (mm) shared by the columns of a signature table.
SIGN_WIDTHS_MM = (62, 52, 42)
BLANK_DATE = "　　年　　月　　日"


def chinese_count(number: int) -> str:
    """一 … 九十九 (一式三份); larger counts in digits."""
    digits = "零一二三四五六七八九"
    if 0 < number < 10:
        return digits[number]
    if 10 <= number < 100:
        tens, ones = divmod(number, 10)
        return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")
    return str(number)


# -- pieces -------------------------------------------------------------------------------------


def _committee(d) -> str:
    """The committee as the text names it; a marked gap when the dispute has none yet."""
    return committee_name(d) or f"{gb.BLANK_MARK}人民调解委员会"


def _party_paragraph(doc, role: str, p: Party) -> None:
    """申请人：张三，性别：男，公民身份号码：…，住址：…，联系电话：…。 (gaps underlined)"""
    paragraph = gb.add_paragraph(doc, f"{role}：{p.name}")
    for label, value in party_parts(p):
        paragraph.add_run(f"，{label}：")
        if value:
            paragraph.add_run(value)
        else:
            gb.add_blank(paragraph, 4)
            paragraph.add_run(gb.BLANK_MARK)
    paragraph.add_run("。")


def _parties_block(doc, people: list[Party]) -> None:
    for which in (A, B):
        for p in side(people, which):
            _party_paragraph(doc, SIDE_ZH[which], p)


def _lines(doc, text: str, *, gap_lines: int = 2) -> None:
    """Each line of a recorded text as a paragraph; a marked gap when nothing was recorded."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not lines:
        gb.add_blank_section(doc, gap_lines)
    for line in lines:
        gb.add_paragraph(doc, line)


def _heading(doc, number: int, text: str) -> None:
    gb.add_heading(doc, gb.heading_number(1, number) + text, 1)


def _sign_table(doc, rows: list[tuple[str, date | None]]) -> None:
    """Who signs, a space for the signature, seal or fingerprint, and the date (when recorded)."""
    docx_layout.add_table(
        doc,
        ("签署人", "签名（盖章或按指印）", "日期"),
        [(who, "", date_text(day) or BLANK_DATE) for who, day in rows],
        SIGN_WIDTHS_MM,
    )


def _party_sign_rows(people: list[Party], signed: dict | None = None) -> list:
    signed = signed or {}
    return [
        (f"{SIDE_ZH[p.side]} {p.name}", signed.get(p.pk))
        for which in (A, B)
        for p in side(people, which)
    ]


def _terms_text(rows) -> str:
    return "\n".join(
        f"{index}. {t.term}（{date_text(t.due_on)}前）" for index, t in enumerate(rows, start=1)
    )


# -- 人民调解申请书 ---------------------------------------------------------------------------------


def build_application(ctx: Context):
    case, d = ctx.case, ctx.detail
    people = parties(d)
    doc = gb.new_document()
    gb.add_title(doc, "人民调解申请书")
    gb.add_field(doc, "编号", case.number)
    _parties_block(doc, people)
    _heading(doc, 1, "纠纷事实")
    _lines(doc, d.facts or case.description)
    _heading(doc, 2, "申请事项")
    _lines(doc, d.claims)
    committee = _committee(d)
    gb.add_paragraph(
        doc,
        f"申请人自愿申请{committee}依法调解上述纠纷。{committee}已告知申请人人民调解的性质、"
        f"原则和效力，以及当事人在调解活动中享有的权利和承担的义务（{LAW}第二十三条、第二十四条）。",
    )
    gb.add_paragraph(doc, "此致")
    gb.add_paragraph(doc, committee)
    # The date received is the application's date only when a party applied.
    day = case.received_on if d.source == Source.APPLICATION else None
    _sign_table(doc, [(f"申请人 {p.name}", day) for p in side(people, A)])
    return doc


# -- 调解笔录 -------------------------------------------------------------------------------------


def build_record(ctx: Context, session, number: int, count: int):
    case, d = ctx.case, ctx.detail
    people = parties(d)
    mediators = list(session.mediators.all())
    doc = gb.new_document()
    gb.add_title(doc, "调解笔录")
    invited = (session.invitees or "").strip()
    if invited:
        invited += "（经当事人同意）" if session.invitees_consented else ""
    rows = [
        ("编号", case.number),
        ("纠纷名称", case.title),
        ("调解组织", or_blank(committee_name(d))),
        ("调解次数", f"第{number}次（共{count}次）"),
        ("时间", date_text(session.on)),
        ("地点", or_blank(session.place)),
        ("调解员", or_blank(mediator_names(mediators))),
        ("申请人", or_blank(names(side(people, A)))),
        ("被申请人", or_blank(names(side(people, B)))),
        ("其他参加人", invited or "无"),
        ("调解方式", "公开调解" if session.public else "不公开调解"),
        ("记录人", or_blank(staff_name(session.recorded_by))),
    ]
    gb.add_form_table(doc, rows)
    gb.add_paragraph(doc, "")
    _heading(doc, 1, "调解记录")
    _lines(doc, session.summary, gap_lines=4)
    gb.add_paragraph(doc, "以上笔录经当事人阅读（或向当事人宣读），确认无误。")
    sign = _party_sign_rows(people)
    sign += [(f"调解员 {m.name}", None) for m in mediators] or [("调解员", None)]
    recorder = staff_name(session.recorded_by)
    sign.append((f"记录人 {recorder}" if recorder else "记录人", None))
    _sign_table(doc, sign)
    return doc


# -- 人民调解协议书 -------------------------------------------------------------------------------


def build_agreement(ctx: Context):
    case, d = ctx.case, ctx.detail
    a = agreement(d)
    people = parties(d)
    committee = _committee(d)
    doc = gb.new_document()
    gb.add_title(
        doc, f"{committee_name(d)}\n人民调解协议书" if d.committee_id else "人民调解协议书"
    )
    if not d.committee_id:
        gb.add_field(doc, "人民调解委员会", "")
    gb.add_field(doc, "编号", case.number)
    _heading(doc, 1, "当事人基本情况")
    _parties_block(doc, people)
    _heading(doc, 2, "纠纷主要事实、争议事项及各方责任")
    _lines(doc, a.facts_and_issues)
    if a.responsibilities.strip():
        gb.add_paragraph(doc, "各方责任：")
    _lines(doc, a.responsibilities)
    _heading(doc, 3, "协议内容")
    gb.add_paragraph(doc, f"经{committee}调解，当事人自愿达成如下协议：")
    _lines(doc, a.terms, gap_lines=4)
    _heading(doc, 4, "履行方式、地点和期限")
    gb.add_field(doc, "履行方式", a.performance_manner.strip())
    gb.add_field(doc, "履行地点", a.performance_place.strip())
    rows = terms(a)
    if rows:
        gb.add_paragraph(doc, "履行期限：")
        for index, t in enumerate(rows, start=1):
            gb.add_paragraph(
                doc, f"{gb.heading_number(4, index)}{t.term}，于{date_text(t.due_on)}前履行完毕。"
            )
    else:
        gb.add_field(doc, "履行期限", "")
    _heading(doc, 5, "其他事项")
    gb.add_paragraph(
        doc,
        f"本协议一式{chinese_count(len(people) + 1)}份，当事人各执一份，人民调解委员会留存一份。",
    )
    gb.add_paragraph(
        doc,
        "本协议自各方当事人签名、盖章或者按指印，人民调解员签名并加盖人民调解委员会印章之日起"
        f"生效（{LAW}第二十九条）。经人民调解委员会调解达成的调解协议，具有法律约束力，"
        f"当事人应当按照约定履行（{LAW}第三十一条）。",
    )
    gb.add_field(doc, "本协议生效日期", date_text(a.effective_on))
    gb.add_paragraph(
        doc,
        f"双方当事人认为有必要的，可以自本协议生效之日起{days(clocks.CONFIRMATION)}日内共同向"
        f"人民法院申请司法确认（{LAW}第三十三条）。人民法院依法确认调解协议有效，一方当事人"
        "拒绝履行或者未全部履行的，对方当事人可以向人民法院申请强制执行。",
    )
    signed = dict(a.signatures.values_list("party_id", "signed_on"))
    sign = _party_sign_rows(people, signed)
    others = [m for m in dispute_mediators(d) if m.pk != a.mediator_id]
    if a.mediator_id:
        sign.append((f"人民调解员 {a.mediator.name}", a.mediator_signed_on))
    sign += [(f"人民调解员 {m.name}", None) for m in others]
    if not a.mediator_id and not others:
        sign.append(("人民调解员", None))
    sign.append((f"{committee}（印章）", a.sealed_on))
    _sign_table(doc, sign)
    return doc


# -- 口头协议登记表 -------------------------------------------------------------------------------


def build_oral(ctx: Context):
    case, d = ctx.case, ctx.detail
    a = agreement(d)
    people = parties(d)
    mediator = a.mediator.name if a.mediator_id else mediator_names(dispute_mediators(d))
    doc = gb.new_document()
    gb.add_title(doc, "人民调解口头协议登记表")
    rows = [("编号", case.number), ("调解组织", or_blank(committee_name(d)))]
    rows += [(SIDE_ZH[p.side], party_text(p)) for which in (A, B) for p in side(people, which)]
    rows += [
        ("纠纷简要情况", or_blank(a.facts_and_issues or d.facts or case.description)),
        ("协议内容", or_blank(a.content)),
        ("履行期限", _terms_text(terms(a)) or "—"),
        ("达成日期", date_text(a.reached_on)),
        # Art. 30: an oral agreement takes effect the day it is reached.
        ("生效日期", date_text(a.effective_on or a.reached_on)),
        ("调解员", or_blank(mediator)),
        ("登记人", or_blank(staff_name(a.recorded_by))),
        ("登记日期", date_text(local_day(a.recorded_at))),
    ]
    gb.add_form_table(doc, rows)
    gb.add_paragraph(doc, "")
    gb.add_paragraph(
        doc,
        f"口头调解协议自各方当事人达成协议之日起生效（{LAW}第三十条），具有法律约束力，"
        f"当事人应当按照约定履行（{LAW}第三十一条）。",
    )
    sign = _party_sign_rows(people)
    sign.append((f"调解员 {mediator}" if mediator else "调解员", None))
    _sign_table(doc, sign)
    return doc


# -- 告知书 (人民调解法 art. 26) ----------------------------------------------------------------------


def _what_happened(ctx: Context, committee: str) -> str:
    case, d = ctx.case, ctx.detail
    matter = f"你们之间的“{case.title}”纠纷（编号：{case.number}）"
    if case.status == S.FAILED:
        reason = (d.failure_reason or "").strip().rstrip("。")
        because = f"，因{reason}" if reason else ""
        ended = f"于{date_text(d.ended_on)}" if d.ended_on else ""
        return f"{matter}，经{committee}调解{because}，未能达成调解协议，{committee}已{ended}终止调解。"
    if case.status == S.REFUSED:
        party = refusing_party(d)
        who = f"当事人{party.name}" if party else "当事人"
        ended = f"于{date_text(d.ended_on)}" if d.ended_on else ""
        if d.started_on:
            return (
                f"{matter}，因{who}要求终止调解，{committee}已{ended}终止调解（{LAW}第二十三条）。"
            )
        return f"{matter}，因{who}明确拒绝调解，根据{LAW}第十七条规定，{committee}不予调解。"
    clock = labour_clock(case)
    since = f"{committee}于{date_text(clock.started_on)}收到调解申请，" if clock else ""
    return f"{matter}属于劳动争议，{since}自收到调解申请之日起{days(clocks.LABOUR)}日内未达成调解协议。"


def build_notice(ctx: Context):
    case, d = ctx.case, ctx.detail
    people = parties(d)
    committee = _committee(d)
    doc = gb.new_document()
    gb.add_title(doc, "人民调解告知书")
    gb.add_addressee(doc, names(people))
    gb.add_paragraph(doc, _what_happened(ctx, committee))
    ended = case.status in (S.FAILED, S.REFUSED)
    if ended:
        gb.add_paragraph(
            doc,
            f"根据{LAW}第二十六条规定，现告知如下：你们可以依法通过仲裁、行政、司法等途径"
            "维护自己的权利。",
        )
    if d.is_labour:
        # A labour dispute goes to arbitration before any court (劳动争议调解仲裁法 art. 5, 14).
        when = (
            f"不愿调解、调解不成或者自劳动争议调解组织收到调解申请之日起{days(clocks.LABOUR)}日内"
            "未达成调解协议的"
            if ended
            else f"自劳动争议调解组织收到调解申请之日起{days(clocks.LABOUR)}日内未达成调解协议的"
        )
        articles = "第五条、第十四条" if ended else "第十四条"
        gb.add_paragraph(
            doc,
            f"本纠纷属于劳动争议。根据{LABOUR_LAW}{articles}规定，{when}，当事人可以依法向"
            "劳动人事争议仲裁委员会申请仲裁。劳动争议申请仲裁的时效期间为一年（同法第二十七条）。",
        )
    if labour_days_passed(case, d):
        gb.add_paragraph(doc, f"当事人仍愿意继续调解的，{committee}将继续主持调解。")
    routes = (d.routes_text or "").strip()
    if routes and ended:
        gb.add_paragraph(doc, f"可以选择的途径：{routes.rstrip('。')}。")
    gb.add_paragraph(doc, "请注意有关法律规定的时效和期间。")
    gb.add_paragraph(doc, "特此告知。")
    day = d.routes_told_on if ended else None
    gb.add_sealed_signature(doc, committee_name(d), day)
    return doc


# -- 回访记录 -------------------------------------------------------------------------------------


def build_followup(ctx: Context, visit, number: int, count: int):
    case, d = ctx.case, ctx.detail
    people = parties(d)
    a = agreement(d)
    by = visit.by.name if visit.by_id else ""
    doc = gb.new_document()
    gb.add_title(doc, "人民调解回访记录")
    if a is not None:
        found = [
            f"{t.term}：{RESULT_ZH.get(t.result, '履行中')}"
            + (f"（{date_text(t.checked_on)}核实）" if t.checked_on else "")
            for t in terms(a)
        ]
        agreed = FORM_ZH.get(a.form, "") + (
            f"，{date_text(a.effective_on)}生效" if a.effective_on else ""
        )
    else:
        found, agreed = [], ""
    rows = [
        ("编号", case.number),
        ("纠纷名称", case.title),
        ("调解组织", or_blank(committee_name(d))),
        ("申请人", or_blank(names(side(people, A)))),
        ("被申请人", or_blank(names(side(people, B)))),
        ("调解协议", or_blank(agreed)),
        ("回访次数", f"第{number}次（共{count}次）"),
        ("回访时间", date_text(visit.on)),
        ("回访方式", MANNER_ZH.get(visit.manner, visit.manner)),
        ("回访人", or_blank(by)),
        ("协议履行情况", "\n".join(found) or "—"),
        ("回访情况及意见", or_blank(visit.note.strip())),
    ]
    gb.add_form_table(doc, rows)
    gb.add_paragraph(doc, "")
    _sign_table(doc, [(f"回访人 {by}" if by else "回访人", visit.on), ("被回访人", None)])
    return doc
