"""The documents of a petition (信访) that go out: notices to the petitioner, letters to other
organs, the registration form and the written opinions (信访工作条例 art. 22, 23, 31–36).

Each document is a :class:`~huiyin.reports.documents.render.DocumentSpec`: its stage rule
(``check``) reads the petition's own fields, its text is built here in the GB/T 9704 layout.
Nothing is made up: what Huiyin does not record (the facts found and the basis of a reply, the
outgoing document number, the review body's name) is a marked gap to fill by hand.

Who may have which: documents that name the petitioner (``names_person``) are for holders of
the identity view only; the letters to other organs (转送函, 交办单) name the petitioner
masked, as a department handler sees them.
"""

from __future__ import annotations

import re
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huiyin.cases.deadlines import limit
from huiyin.cases.kinds import Kind
from huiyin.cases.models import CaseEvent, Clock
from huiyin.petitions.models import Channel, Petition, Petitioner, Referral, Status, TellManner
from huiyin.reports.documents import layout as gb
from huiyin.reports.documents.render import Context, DocumentSpec, register

S = Status

# -- the reasons a document does not fit (the rest of the sentence is render.MSG_STAGE) -------

MSG_NEEDS_ACCEPTED = _("it is issued only for a matter that was accepted")
MSG_NEEDS_DECLINED = _("it is issued only for a matter that was declined")
MSG_NEEDS_TRANSFERRED = _("it is issued only for a matter that was transferred")
MSG_NEEDS_ASSIGNED = _("it is issued only for an accepted matter assigned to a unit")
MSG_NEEDS_EXTENDED = _("it is issued only when the handling period was extended")
MSG_NEEDS_REPLY = _("it is issued only once the matter has a written reply")
MSG_NEEDS_REVIEW = _("it is issued only once the review has been answered")
MSG_NEEDS_REEXAM = _("it is issued only once the re-examination has been answered")
MSG_ANONYMOUS = _("an anonymous letter names no petitioner to address (Regulations art. 19, 23)")

# -- words of the documents -------------------------------------------------------------------

CHANNEL_ZH = {
    Channel.LETTER: "来信",
    Channel.VISIT: "来访",
    Channel.PHONE: "来电",
    Channel.ONLINE: "网上信访",
    Channel.ASSIGNED: "上级交办",
}
STATUS_ZH = {
    S.REGISTERED: "已登记",
    S.ACCEPTED: "已受理",
    S.DECLINED: "不予受理",
    S.TRANSFERRED: "已转送",
    S.ASSIGNED: "已交办",
    S.HANDLING: "办理中",
    S.REPLIED: "已答复",
    S.REVIEW_REQUESTED: "已请求复查",
    S.REVIEW_ANSWERED: "复查已答复",
    S.REEXAM_REQUESTED: "已请求复核",
    S.REEXAM_ANSWERED: "复核已答复",
    S.CONCLUDED: "已办结",
}
#: 诉访分离 (条例 art. 31): where a declined matter belongs, and the sentence that says so.
REFERRAL_SENTENCES = {
    Referral.COURT: "该事项依法应当通过诉讼途径解决，请你{you}依法向有管辖权的人民法院提起诉讼。",
    Referral.ARBITRATION: "该事项依法应当通过仲裁途径解决，请你{you}依法向有管辖权的仲裁机构申请仲裁"
    "（劳动人事争议向劳动人事争议仲裁委员会申请仲裁）。",
    Referral.ADMINISTRATIVE_REVIEW: "该事项依法可以通过行政复议途径解决，"
    "请你{you}依法向有权的行政复议机关申请行政复议。",
    Referral.OTHER: "该事项依法应当通过其他法定途径解决，请你{you}依照有关法律、法规规定的程序"
    "向有权处理的机关提出。",
}
#: A decline reason that names the route, when no referral was chosen.
REFERRAL_WORDS = (
    (Referral.ARBITRATION, re.compile("仲裁")),
    (Referral.ADMINISTRATIVE_REVIEW, re.compile("行政复议|复议")),
    (Referral.COURT, re.compile("诉讼|起诉|法院|审判")),
)
REGULATIONS = "《信访工作条例》"
ACCEPTED_PATH = (
    S.ACCEPTED,
    S.ASSIGNED,
    S.HANDLING,
    S.REPLIED,
    S.REVIEW_REQUESTED,
    S.REVIEW_ANSWERED,
    S.REEXAM_REQUESTED,
    S.REEXAM_ANSWERED,
)


def _cite(code: str) -> str:
    """信访工作条例 第三十四条 → 《信访工作条例》第三十四条 (from the one table of limits)."""
    article = limit(code).article
    return REGULATIONS + article.split(" ", 1)[-1] if " " in article else article


def _days(code: str) -> int:
    return limit(code).days


# -- reading the petition ---------------------------------------------------------------------


def load(case) -> Petition:
    return Petition.objects.select_related(
        "complained_unit", "received_by", "extension_approved_by"
    ).get(pk=case.pk)


def decision(case, p: Petition) -> str:
    """How the office decided: "accepted", "declined", "transferred" or "" (not yet)."""
    if case.status == S.DECLINED or p.decline_reason:
        return "declined"
    if case.status == S.TRANSFERRED or p.transferred_to:
        return "transferred"
    if case.status in ACCEPTED_PATH or p.has_reply:
        return "accepted"
    if case.status != S.REGISTERED and p.accept_decision_on is not None:
        return "accepted"
    return ""


def referral_of(p: Petition) -> str:
    """Where a declined matter belongs: the referral chosen, else the one its reason names."""
    if p.referral_channel in Referral.values:
        return p.referral_channel
    for channel, words in REFERRAL_WORDS:
        if words.search(p.decline_reason or ""):
            return channel
    return ""


def _people(p: Petition) -> list[Petitioner]:
    return list(Petitioner.objects.filter(petition=p).order_by("order", "id"))


def _names(p: Petition, *, masked: bool) -> str:
    """The petitioners as addressed: the representatives of a collective visit, at most three
    names, then 等N人."""
    people = _people(p)
    chosen = [x for x in people if x.is_representative] or people
    names = [x.name_masked if masked else x.name for x in chosen]
    names = [n for n in names if n]
    if not names:
        return ""
    shown = "、".join(names[:3])
    total = max(p.headcount, len(people))
    if len(names) > 3 or total > len(names[:3]):
        return f"{shown}等{total}人"
    return shown


def _you(p: Petition) -> str:
    """你 or 你们."""
    return "们" if p.is_collective or p.headcount > 1 else ""


def _lodged(ctx: Context) -> str:
    """你于2026年6月1日以来访形式提出的“……”信访事项（编号：……）"""
    case, p = ctx.case, ctx.detail
    you = _you(p)
    number = f"（编号：{case.number}）"
    if p.channel == Channel.ASSIGNED:
        sender = f"（{p.assigned_by}交办）" if p.assigned_by else ""
        return f"你{you}反映的“{case.title}”信访事项{sender}{number}"
    how = CHANNEL_ZH.get(p.channel, "")
    way = f"以{how}形式" if how else ""
    return f"你{you}于{gb.chinese_date(case.received_on)}{way}提出的“{case.title}”信访事项{number}"


def _notice_day(p: Petition):
    """The date of a decision notice: the day told in writing, else the day decided."""
    if p.notice_told_on and p.notice_manner == TellManner.WRITTEN:
        return p.notice_told_on
    return p.accept_decision_on


def _handling_clock(case) -> Clock | None:
    return Clock.objects.filter(case=case, code="handling").order_by("-started_on", "-id").first()


def _last_event(case, kind: str) -> CaseEvent | None:
    return CaseEvent.objects.filter(case=case, kind=kind).order_by("-at", "-id").first()


def _local_day(moment):
    return timezone.localtime(moment).date() if moment else None


# -- the checks ---------------------------------------------------------------------------------


def _owed(p: Petition):
    return MSG_ANONYMOUS if p.is_anonymous else None


def check_registration(case, p):
    return None


def check_accepted(case, p):
    return _owed(p) or (None if decision(case, p) == "accepted" else MSG_NEEDS_ACCEPTED)


def check_declined(case, p):
    return _owed(p) or (None if decision(case, p) == "declined" else MSG_NEEDS_DECLINED)


def check_transferred_notice(case, p):
    return _owed(p) or check_transferred(case, p)


def check_transferred(case, p):
    return None if decision(case, p) == "transferred" else MSG_NEEDS_TRANSFERRED


def check_assigned(case, p):
    if decision(case, p) == "accepted" and case.owner_unit_id is not None:
        return None
    return MSG_NEEDS_ASSIGNED


def check_extended(case, p):
    return _owed(p) or (None if p.extended else MSG_NEEDS_EXTENDED)


def check_replied(case, p):
    return _owed(p) or (None if p.has_reply else MSG_NEEDS_REPLY)


def check_review(case, p):
    return _owed(p) or (None if p.review_answered_on else MSG_NEEDS_REVIEW)


def check_reexam(case, p):
    return _owed(p) or (None if p.reexam_answered_on else MSG_NEEDS_REEXAM)


# -- shared pieces ------------------------------------------------------------------------------


def _notice_start(ctx: Context, title: str):
    doc = gb.new_document()
    gb.add_title(doc, title)
    gb.add_addressee(doc, _names(ctx.detail, masked=False))
    return doc


def _letter_start(ctx: Context, title: str, addressee: str, day):
    doc = gb.new_document()
    gb.add_masthead(doc, ctx.office)
    gb.add_doc_number(doc, ctx.doc_number, year=(day or ctx.today).year)
    gb.add_title(doc, title)
    gb.add_addressee(doc, addressee)
    return doc


def _letter_end(doc, ctx: Context, day) -> None:
    gb.add_sealed_signature(doc, ctx.office, day)
    gb.add_colophon(doc, copy_to="", printer=ctx.office, printed_on=ctx.today)


def _tracker_sentence(p: Petition) -> str:
    """The public tracker needs the receipt code and a phone number on record (条例 art. 21)."""
    has_phone = Petitioner.objects.filter(petition=p).exclude(phone_masked="").exists()
    return "可凭登记回执上的查询码查询办理进展，并对办理情况进行评价。" if has_phone else ""


# -- the documents ------------------------------------------------------------------------------


def build_registration(ctx: Context):
    case, p = ctx.case, ctx.detail
    people = _people(p)
    doc = gb.new_document()
    gb.add_title(doc, "信访事项登记表")
    place = " · ".join(
        x for x in (getattr(case.community, "name", ""), getattr(case.grid, "name", "")) if x
    )
    complained = "、".join(
        x for x in ((p.complained_unit.name if p.complained_unit else ""), p.complained_text) if x
    )

    def lines(attr: str) -> str:
        values = [getattr(x, attr) or "" for x in people]
        return "\n".join(v for v in values if v) or "—"

    if p.is_anonymous:
        who = "匿名"
    else:
        who = "\n".join(x.name + ("（代表）" if x.is_representative else "") for x in people) or "—"
    assigned = "，".join(x for x in (p.assigned_by, p.assigned_doc_no) if x)
    received = timezone.localtime(case.received_at)
    rows = [
        ("事项编号", case.number),
        ("登记时间", f"{gb.chinese_date(received.date())} {received:%H:%M}"),
        ("信访形式", CHANNEL_ZH.get(p.channel, p.channel)),
        ("信访人", who),
        ("身份证号码", "—" if p.is_anonymous else lines("id_number")),
        ("联系电话", "—" if p.is_anonymous else lines("phone")),
        ("住址", "—" if p.is_anonymous else lines("address")),
        ("人数", f"{p.headcount}人" + ("（集体访）" if p.is_collective else "")),
        ("信访事项", case.title),
        ("主要事实和诉求", case.description or "—"),
        ("发生地", place or "—"),
        ("问题类别", case.category.name if case.category_id else "—"),
        ("反映对象", complained or "—"),
        ("上级交办", assigned or "—"),
        ("接待人", p.received_by.name if p.received_by else "—"),
        ("办理状态", STATUS_ZH.get(case.status, case.status)),
    ]
    gb.add_form_table(doc, rows)
    gb.add_signature(doc, ctx.office, ctx.today)
    return doc


def build_acceptance(ctx: Context):
    case, p = ctx.case, ctx.detail
    you = _you(p)
    doc = _notice_start(ctx, "信访事项受理告知书")
    gb.add_paragraph(
        doc,
        f"{_lodged(ctx)}，经审查，符合受理条件。根据{REGULATIONS}第二十三条规定，本机关决定予以受理。",
    )
    unit = f"该事项已交由{case.owner_unit.name}办理。" if case.owner_unit_id else ""
    gb.add_paragraph(
        doc,
        f"{unit}根据{_cite('handling')}规定，本机关将自受理之日起{_days('handling')}日内办结，"
        f"并书面答复你{you}。{_tracker_sentence(p)}",
    )
    gb.add_paragraph(doc, "特此告知。")
    gb.add_sealed_signature(doc, ctx.office, _notice_day(p))
    return doc


def build_decline(ctx: Context):
    p = ctx.detail
    you = _you(p)
    doc = _notice_start(ctx, "信访事项不予受理告知书")
    reason = (p.decline_reason or "").strip().rstrip("。")
    because = f"，{reason}" if reason else ""
    gb.add_paragraph(
        doc,
        f"{_lodged(ctx)}，经审查{because}。根据{REGULATIONS}第二十三条规定，本机关决定不予受理。",
    )
    route = referral_of(p)
    if route:
        gb.add_paragraph(
            doc,
            f"根据{REGULATIONS}第三十一条规定（诉访分离）："
            + REFERRAL_SENTENCES[route].format(you=you)
            + "请注意有关法律规定的时效和期间。",
        )
    gb.add_paragraph(doc, "特此告知。")
    gb.add_sealed_signature(doc, ctx.office, _notice_day(p))
    return doc


def build_transfer_notice(ctx: Context):
    p = ctx.detail
    you = _you(p)
    doc = _notice_start(ctx, "信访事项转送告知书")
    to = p.transferred_to or ""
    gb.add_paragraph(
        doc,
        f"{_lodged(ctx)}，经审查，不属于本机关职权范围。根据{REGULATIONS}第二十二条、第二十三条规定，"
        f"本机关已于{gb.chinese_date(p.accept_decision_on or ctx.today)}将该事项转送{to}处理，"
        f"请你{you}与{to}联系。",
    )
    gb.add_paragraph(doc, "特此告知。")
    gb.add_sealed_signature(doc, ctx.office, _notice_day(p))
    return doc


def build_transfer_letter(ctx: Context):
    case, p = ctx.case, ctx.detail
    day = p.accept_decision_on
    to = p.transferred_to or ""
    doc = _letter_start(ctx, "关于转送信访事项的函", to, day)
    who = "匿名来信" if p.is_anonymous else (_names(p, masked=True) or "信访人")
    how = CHANNEL_ZH.get(p.channel, "")
    gb.add_paragraph(
        doc,
        f"{gb.chinese_date(case.received_on)}，本机关收到{who}以{how}形式反映的“{case.title}”"
        f"信访事项（编号：{case.number}）。经审查，该事项不属于本机关职权范围。"
        f"根据{REGULATIONS}第二十二条规定，现将该事项转送你单位，请依法处理，"
        "并按规定将办理情况告知信访人。",
    )
    if case.description:
        gb.add_paragraph(doc, f"反映的主要问题：{case.description}")
    gb.add_paragraph(doc, "特此函告。")
    _letter_end(doc, ctx, day)
    return doc


def build_assignment(ctx: Context):
    case, p = ctx.case, ctx.detail
    event = _last_event(case, "assign")
    day = _local_day(event.at) if event else None
    unit = case.owner_unit.name if case.owner_unit_id else ""
    doc = _letter_start(ctx, "信访事项交办单", unit, day)
    clock = _handling_clock(case)
    due = gb.chinese_date(clock.due_on) if clock else ""
    by = f"于{due}前" if due else f"自受理之日起{_days('handling')}日内"
    gb.add_paragraph(
        doc,
        f"现将下列信访事项交你单位办理。请依照{_cite('handling')}规定，{by}办结，"
        "书面答复信访人，并将办理结果报送本机关。",
    )
    who = "匿名" if p.is_anonymous else (_names(p, masked=True) or "—")
    rows = [
        ("事项编号", case.number),
        ("登记日期", gb.chinese_date(case.received_on)),
        ("信访形式", CHANNEL_ZH.get(p.channel, p.channel)),
        ("信访人", who),
        ("人数", f"{p.headcount}人" + ("（集体访）" if p.is_collective else "")),
        ("信访事项", case.title),
        ("主要内容", case.description or "—"),
        ("受理日期", gb.chinese_date(p.accept_decision_on) if p.accept_decision_on else "—"),
        ("办理期限", due or "—"),
        ("承办人", case.owner.name if case.owner_id else "—"),
    ]
    gb.add_form_table(doc, rows)
    _letter_end(doc, ctx, day)
    return doc


def build_extension(ctx: Context):
    case, p = ctx.case, ctx.detail
    you = _you(p)
    doc = _notice_start(ctx, "信访事项延期办理告知书")
    event = _last_event(case, "extend")
    old = (event.data or {}).get("old_due_on") if event else None
    old_day = None
    if old:
        try:
            old_day = date.fromisoformat(old)
        except ValueError:
            old_day = None
    old_day = old_day or p.extension_from_due_on
    reason = (p.extension_reason or "").strip().rstrip("。")
    approver = p.extension_approved_by.name if p.extension_approved_by else ""
    approved = gb.chinese_date(p.extension_approved_on) if p.extension_approved_on else ""
    was = f"原办理期限至{gb.chinese_date(old_day)}，" if old_day else ""
    gb.add_paragraph(
        doc,
        f"{_lodged(ctx)}，本机关已于"
        f"{gb.chinese_date(p.accept_decision_on) if p.accept_decision_on else '　　'}受理，{was}"
        f"因{reason or '情况复杂'}，不能在规定期限内办结。",
    )
    by = f"经本机关负责人{approver}" if approver else "经本机关负责人"
    on = f"于{approved}" if approved else ""
    gb.add_paragraph(
        doc,
        f"根据{_cite('extension_max')}规定，{by}{on}批准，该事项的办理期限延长至"
        f"{gb.chinese_date(p.extension_due_on)}（延长期限累计不超过{_days('extension_max')}日）。"
        f"本机关将在延长的期限内办结，并书面答复你{you}。",
    )
    gb.add_paragraph(doc, "特此告知。")
    day = p.extension_told_on if p.extension_told_manner == TellManner.WRITTEN else None
    gb.add_sealed_signature(doc, ctx.office, day or p.extension_approved_on)
    return doc


def _rights(doc, ctx: Context, *, of: str, ask: str, code: str, body: str) -> None:
    """Where and within how long the petitioner may ask for the next step (条例 art. 35, 36);
    the body's name is a gap to fill: Huiyin does not record the level above."""
    you = _you(ctx.detail)
    gb.add_paragraph(
        doc,
        f"如你{you}对本{of}不服，可以自收到本{of}书之日起{_days(code)}日内，"
        f"向{body}请求{ask}（{_cite(code)}）。",
    )
    gb.add_field(doc, f"{ask}机关", "")


def _answer_body(ctx: Context, field: str) -> str:
    """The office's name when it answered the review (or re-examination) itself; else "" (a
    gap to fill: the body one level up is not named in Huiyin)."""
    return ctx.office if getattr(ctx.detail, field, "") == "street" else ""


def build_reply(ctx: Context):
    p = ctx.detail
    doc = _notice_start(ctx, "信访事项处理意见书")
    accepted = gb.chinese_date(p.accept_decision_on) if p.accept_decision_on else ""
    on = f"，本机关于{accepted}受理" if accepted else ""
    gb.add_paragraph(doc, f"{_lodged(ctx)}{on}。经调查核实，现提出处理意见如下：")
    # 条例 art. 32: the facts, the basis and the opinion, each as recorded with the reply; a
    # reply taken from an old ledger without them leaves the section to be written by hand.
    for number, heading, text in (
        (1, "查明的事实", p.reply_facts),
        (2, "处理依据", p.reply_basis),
        (3, "处理意见", p.reply_text),
    ):
        gb.add_heading(doc, gb.heading_number(1, number) + heading, 1)
        lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
        if not lines:
            gb.add_blank_section(doc)
        for line in lines:
            gb.add_paragraph(doc, line)
    gb.add_heading(doc, gb.heading_number(1, 4) + "申请复查的权利", 1)
    _rights(
        doc, ctx, of="处理意见", ask="复查", code="review_request", body="本机关的上一级行政机关"
    )
    gb.add_sealed_signature(doc, ctx.office, p.replied_on)
    return doc


def build_review(ctx: Context):
    p = ctx.detail
    doc = _notice_start(ctx, "信访事项复查意见书")
    asked = f"于{gb.chinese_date(p.review_requested_on)}" if p.review_requested_on else ""
    replied = f"{gb.chinese_date(p.replied_on)}作出的" if p.replied_on else ""
    gb.add_paragraph(
        doc,
        f"{_lodged(ctx)}，因对{replied}处理意见不服，{asked}请求复查。经复查，现提出复查意见如下：",
    )
    for line in (p.review_answer_text or "").splitlines():
        if line.strip():
            gb.add_paragraph(doc, line.strip())
    _rights(
        doc, ctx, of="复查意见", ask="复核", code="reexam_request", body="复查机关的上一级行政机关"
    )
    # The review body is one level up; Huiyin records its answer, not its name.
    gb.add_sealed_signature(
        doc, _answer_body(ctx, "review_body"), p.review_answered_on, seal_label="（复查机关印章）"
    )
    return doc


def build_reexam(ctx: Context):
    p = ctx.detail
    doc = _notice_start(ctx, "信访事项复核意见书")
    asked = f"于{gb.chinese_date(p.reexam_requested_on)}" if p.reexam_requested_on else ""
    gb.add_paragraph(
        doc,
        f"{_lodged(ctx)}，因对复查意见不服，{asked}请求复核。经复核，现提出复核意见如下：",
    )
    for line in (p.reexam_answer_text or "").splitlines():
        if line.strip():
            gb.add_paragraph(doc, line.strip())
    gb.add_paragraph(
        doc,
        f"根据{_cite('reexam_request')}规定，本复核意见为该信访事项的终结意见。"
        "信访人对复核意见不服，仍以同一事实和理由提出信访请求的，不再受理。",
    )
    gb.add_sealed_signature(
        doc, _answer_body(ctx, "reexam_body"), p.reexam_answered_on, seal_label="（复核机关印章）"
    )
    return doc


def _spec(name, slug, label, check, build, **extra) -> DocumentSpec:
    return DocumentSpec(
        name=name,
        slug=slug,
        label=label,
        kind=Kind.PETITION,
        load=load,
        check=check,
        build=build,
        **extra,
    )


NAME_ONLY = ("name",)

DOCUMENTS = (
    _spec(
        "信访事项登记表",
        "registration",
        _("Petition registration form"),
        check_registration,
        build_registration,
        names_person=True,
        withdrawn_ok=True,
        fields=("name", "id_number", "phone", "address"),
    ),
    _spec(
        "受理告知书",
        "acceptance-notice",
        _("Notice of acceptance"),
        check_accepted,
        build_acceptance,
        names_person=True,
        fields=NAME_ONLY,
    ),
    _spec(
        "不予受理告知书",
        "decline-notice",
        _("Notice of non-acceptance"),
        check_declined,
        build_decline,
        names_person=True,
        fields=NAME_ONLY,
    ),
    _spec(
        "转送告知书",
        "transfer-notice",
        _("Notice of transfer"),
        check_transferred_notice,
        build_transfer_notice,
        names_person=True,
        fields=NAME_ONLY,
    ),
    _spec(
        "转送函",
        "transfer-letter",
        _("Transfer letter to the receiving organ"),
        check_transferred,
        build_transfer_letter,
        letter=True,
    ),
    _spec(
        "交办单",
        "assignment-sheet",
        _("Assignment sheet"),
        check_assigned,
        build_assignment,
        letter=True,
    ),
    _spec(
        "延期告知书",
        "extension-notice",
        _("Notice of extension"),
        check_extended,
        build_extension,
        names_person=True,
        fields=NAME_ONLY,
    ),
    _spec(
        "处理意见书",
        "reply",
        _("Written reply (handling opinion)"),
        check_replied,
        build_reply,
        names_person=True,
        fields=NAME_ONLY,
    ),
    _spec(
        "复查意见书",
        "review-opinion",
        _("Review opinion"),
        check_review,
        build_review,
        names_person=True,
        fields=NAME_ONLY,
    ),
    _spec(
        "复核意见书",
        "reexam-opinion",
        _("Re-examination opinion"),
        check_reexam,
        build_reexam,
        names_person=True,
        fields=NAME_ONLY,
    ),
)

register(*DOCUMENTS)
