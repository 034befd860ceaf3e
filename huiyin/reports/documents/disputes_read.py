"""Reading a dispute for its documents: the parties with their identity, the committee and the
mediators, the sessions and visits, the agreement, and each document's stage rule.

The parties' identity (name, ID number, phone, address) is decrypted here for the printed
document only: nothing read here is logged, cached or written anywhere else. A value Huiyin
does not hold is returned empty, and the document prints a marked gap (（待填写）).
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds
from huiyin.cases.deadlines import limit
from huiyin.disputes import clocks
from huiyin.disputes.models import (
    Agreement,
    Consent,
    Dispute,
    FollowUp,
    Manner,
    MediationSession,
    Party,
    Performance,
    Source,
    Status,
)
from huiyin.reports.documents.layout import BLANK_MARK, chinese_date

S = Status

# -- the reasons a document does not fit (the rest of the sentence is render.MSG_STAGE) -------

MSG_ON_INITIATIVE = _(
    "the committee took the dispute up on its own initiative: there is no application "
    "(People's Mediation Law art. 17)"
)
MSG_NEEDS_SESSION = _("it is issued only once a mediation session has been recorded")
MSG_NEEDS_WRITTEN = _("it is issued only for a dispute settled by a written agreement")
MSG_NEEDS_ORAL = _("it is issued only for a dispute settled by an oral agreement")
MSG_NEEDS_END = _(
    "it is issued only when mediation failed or was refused, or when a labour dispute has gone "
    "15 days without an agreement"
)
MSG_NEEDS_FOLLOWUP = _("it is issued only once a follow-up visit has been recorded")
MSG_NO_SESSION = _("there is no mediation session number %(number)s (the dispute has %(count)s)")
MSG_NO_VISIT = _("there is no follow-up visit number %(number)s (the dispute has %(count)s)")

#: The states in which the dispute stands on an agreement (a rejected one mediated again does not).
WITH_AGREEMENT = (S.AGREED, S.PERFORMING, S.CLOSED)
#: Open states in which a labour dispute's 15 days may have passed.
OPEN = (S.REGISTERED, S.MEDIATING)
#: The largest session or visit number asked for that is looked up at all.
MAX_CHOICE = 10_000

# -- words of the documents -------------------------------------------------------------------

SIDE_ZH = {Party.Side.A: "申请人", Party.Side.B: "被申请人"}
MANNER_ZH = {
    Manner.WRITTEN: "书面",
    Manner.IN_PERSON: "当面",
    Manner.PHONE: "电话",
    Manner.OTHER: "其他方式",
}
RESULT_ZH = {
    Performance.Result.PERFORMED: "已履行",
    Performance.Result.PARTLY: "部分履行",
    Performance.Result.NOT_PERFORMED: "未履行",
}
FORM_ZH = {Agreement.Form.WRITTEN: "书面协议", Agreement.Form.ORAL: "口头协议"}
LAW = "《中华人民共和国人民调解法》"
LABOUR_LAW = "《中华人民共和国劳动争议调解仲裁法》"


def days(code: str) -> int:
    """The days of a limit as the office configured it (30 for 司法确认, 15 for labour)."""
    return limit(code).days


def date_text(day: date | None) -> str:
    return chinese_date(day) if day else ""


def or_blank(value: str) -> str:
    """`value`, or the mark of a gap to fill (in a table cell, where no underline is drawn)."""
    return value if value else BLANK_MARK


# -- reading ------------------------------------------------------------------------------------


def load(case) -> Dispute:
    return Dispute.objects.select_related("committee").get(pk=case.pk)


def parties(d: Dispute) -> list[Party]:
    return list(Party.objects.filter(dispute_id=d.pk).order_by("side", "order", "id"))


def side(people: list[Party], which: str) -> list[Party]:
    return [p for p in people if p.side == which]


def sex_of(id_number: str) -> str:
    """男 or 女 from an 18-digit resident ID (its 17th digit: odd for men, GB 11643); "" when
    the party has none: Huiyin records no sex of its own."""
    text = (id_number or "").strip()
    if len(text) == 18 and text[:17].isdigit():
        return "男" if int(text[16]) % 2 else "女"
    return ""


def party_parts(p: Party) -> list[tuple[str, str]]:
    """The basic information of a party (人民调解法 art. 29), label and value; "" is a gap."""
    if p.is_person:
        return [
            ("性别", sex_of(p.id_number)),
            ("公民身份号码", p.id_number or ""),
            ("住址", p.address or ""),
            ("联系电话", p.phone or ""),
        ]
    return [
        ("住所", p.address or ""),
        ("法定代表人", p.legal_representative or ""),
        ("联系电话", p.phone or ""),
    ]


def party_text(p: Party) -> str:
    """张三，性别：男，公民身份号码：…，住址：…，联系电话：… (gaps marked), for a table cell."""
    rest = "，".join(f"{label}：{or_blank(value)}" for label, value in party_parts(p))
    return f"{p.name}，{rest}"


def names(people: list[Party]) -> str:
    return "、".join(p.name for p in people)


def committee_name(d: Dispute) -> str:
    return d.committee.name if d.committee_id else ""


def mediator_names(mediators) -> str:
    return "、".join(m.name for m in mediators)


def dispute_mediators(d: Dispute) -> list:
    return list(d.mediators.order_by("name", "id"))


def staff_name(user) -> str:
    """The name of the staff member behind a user account ("" when none)."""
    if user is None:
        return ""
    staff = getattr(user, "staff", None)  # None when the account has no staff profile
    return staff.name if staff is not None else ""


def sessions(d: Dispute) -> list[MediationSession]:
    return list(
        MediationSession.objects.filter(dispute_id=d.pk)
        .select_related("recorded_by__staff")
        .prefetch_related("mediators")
        .order_by("on", "id")
    )


def visits(d: Dispute) -> list[FollowUp]:
    return list(FollowUp.objects.filter(dispute_id=d.pk).select_related("by").order_by("on", "id"))


def pick(rows: list, chosen: str | None):
    """The Nth of `rows` (1 = the first) when `chosen` names one, else the latest; (row, N), or
    (None, what was asked) when there is no such row. `chosen` comes from outside (a page's
    query string, the command line): anything but a small positive number finds nothing."""
    if chosen in (None, ""):
        return (rows[-1], len(rows)) if rows else (None, 0)
    number = bounds.bounded_int(chosen, 1, MAX_CHOICE)
    if number is None or number > len(rows):
        return None, number if number is not None else bounds.strip_nul(str(chosen))[:12]
    return rows[number - 1], number


def agreement(d: Dispute) -> Agreement | None:
    return d.current_agreement()


def terms(a: Agreement) -> list[Performance]:
    return list(Performance.objects.filter(agreement=a).order_by("due_on", "order", "id"))


def refusing_party(d: Dispute) -> Party | None:
    """The party whose refusal ended the matter (the latest refusal recorded)."""
    consent = (
        Consent.objects.filter(party__dispute_id=d.pk, agreed=False)
        .select_related("party")
        .order_by("-on", "-id")
        .first()
    )
    return consent.party if consent else None


def labour_clock(case):
    """The labour mediation clock (running or last), for the day the 15 days started."""
    from huiyin.cases.models import Clock

    return Clock.objects.filter(case=case, code=clocks.LABOUR).order_by("-id").first()


def local_day(moment) -> date | None:
    return timezone.localtime(moment).date() if moment else None


# -- the checks ---------------------------------------------------------------------------------


def check_application(case, d: Dispute):
    return MSG_ON_INITIATIVE if d.source == Source.INITIATIVE else None


def check_session(case, d: Dispute):
    return None if MediationSession.objects.filter(dispute_id=d.pk).exists() else MSG_NEEDS_SESSION


def _agreement_form(case, d: Dispute) -> str:
    if case.status not in WITH_AGREEMENT:
        return ""
    current = agreement(d)
    return current.form if current is not None else ""


def check_written(case, d: Dispute):
    return None if _agreement_form(case, d) == Agreement.Form.WRITTEN else MSG_NEEDS_WRITTEN


def check_oral(case, d: Dispute):
    return None if _agreement_form(case, d) == Agreement.Form.ORAL else MSG_NEEDS_ORAL


def labour_days_passed(case, d: Dispute) -> bool:
    """A labour dispute still open whose 15 days have passed without an agreement."""
    return case.status in OPEN and d.is_labour and clocks.labour_arbitration_open(case)


def check_notice(case, d: Dispute):
    if case.status in (S.FAILED, S.REFUSED) or labour_days_passed(case, d):
        return None
    return MSG_NEEDS_END


def check_followup(case, d: Dispute):
    return None if FollowUp.objects.filter(dispute_id=d.pk).exists() else MSG_NEEDS_FOLLOWUP
