"""The dispute ledgers (矛盾纠纷排查台账, 人民调解台账): their columns, spellings and row rules.

Both ledgers have the columns of :data:`COLUMNS`, in the order an export writes them; the
office's own sheet has all but 纠纷编号, which Huiyin's export adds and an import reads. The
screening ledger (``--kind disputes``) lists every dispute registered; the mediation ledger
(``--kind mediations``) those that went to mediation (a 受理日期). Either imports the same way.

An import (``huiyin import-ledger FILE --kind disputes``) reads these columns with the shared
engine (``load.py``): ``disputes_check.py`` checks a row against the choices and rules below,
``disputes_write.py`` registers it through the dispute registration (number, parties
encrypted, clocks) and writes its history as the ledger dates it; ``disputes_import.py`` ties
them to the engine (duplicates). An export writes the dispute list's matters
(``disputes_export.py``).

* Errors (the import stops, nothing is written): a bad date, choice, number, ID number or
  phone; a 所属社区 or 纠纷类型 Huiyin does not know (the message lists the allowed values;
  a type may be named by itself or with its parent, 劳动争议/欠薪); a 调解结果 without the
  dates it needs or with dates or agreement columns it cannot have (:data:`RESULT_COLUMNS`);
  dates out of order (:data:`DATE_ORDER`); a registration rule of the dispute services (a
  name too long, an amount out of range, a committee of another community); a row repeated
  within the file.
* Warnings (the row is imported): a 调解组织 or 调解员 that matches no committee or mediator
  of Huiyin is kept as written (the committee's tier read from its name, :func:`tier_of`); a
  court-referred dispute without its court or document number (the ledger has no column).
* Duplicates of disputes already in Huiyin — same 登记日期, same 纠纷简要情况 and the same
  first 申请人 (by ID number, else by name) — are **skipped** and listed.

What a ledger does not date is never guessed into a deadline: an agreement's performance
terms and a confirmation's court are recorded as "not in the ledger", and no clock runs from
a date the ledger lacks (see ``disputes_write.py``).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import IO, Any

from django.db.models import QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from huiyin.reports.ledgers import export, kinds, load
from huiyin.reports.ledgers.cells import (
    MSG_REQUIRED,
    YES_NO,
    CellError,
    choice_cell,
    choices,
    date_cell,
    int_cell,
    parse_text,
    text_cell,
)
from huiyin.reports.ledgers.disputes_names import is_organisation, tier_of
from huiyin.reports.ledgers.kinds import Column, LedgerKind

__all__ = [
    "COLUMNS",
    "DATE_ORDER",
    "DISPUTES",
    "FORMS",
    "MEDIATIONS",
    "PERFORMANCE",
    "RESULTS",
    "RESULT_COLUMNS",
    "RULINGS",
    "SOURCES",
    "amount_cell",
    "export_dispute_ledger",
    "import_dispute_ledger",
    "is_organisation",
    "tier_of",
]

# ============================================================================== the choices
# Spelling → value; the first spelling of a value is the one an export writes.

SOURCES: Mapping[str, str] = choices(
    {
        "application": ("当事人申请", "申请", "当事人申请调解", "来访申请", "application"),
        "initiative": ("主动调解", "主动", "依职权调解", "initiative"),
        "screening": ("排查发现", "排查", "摸排", "矛盾排查", "screening"),
        "court_assigned": ("法院委派", "委派", "诉前委派", "court_assigned"),
        "court_entrusted": ("法院委托", "委托", "诉中委托", "court_entrusted"),
        "police": ("公安移送", "公安", "派出所移送", "110联动", "police"),
        "petition": ("信访转入", "信访", "信访转办", "petition"),
        "patrol": ("巡查发现", "巡查", "网格巡查", "patrol"),
        "other": ("其他", "其它", "other"),
    }
)

#: 调解结果 → the dispute's state: an outcome, or "mediating" / "registered" (no outcome yet).
RESULTS: Mapping[str, str] = choices(
    {
        "agreement": ("调解成功", "成功", "已调解成功", "达成协议", "agreement"),
        "failed": ("调解不成功", "不成功", "调解失败", "未成功", "failed"),
        "refused": ("当事人拒绝调解", "拒绝调解", "不同意调解", "refused"),
        "mediating": ("调解中", "正在调解", "在调", "mediating"),
        "transferred": ("已移交", "移交", "已转交", "转交", "移送", "transferred"),
        "registered": ("未调解", "待调解", "已登记", "registered"),
    }
)

FORMS: Mapping[str, str] = choices(
    {
        "written": ("书面", "书面协议", "书面调解协议", "written"),
        "oral": ("口头", "口头协议", "口头调解协议", "oral"),
    }
)

#: 履行情况: a Performance result, or "pending" (履行中: not checked yet).
PERFORMANCE: Mapping[str, str] = choices(
    {
        "performed": ("已履行", "履行完毕", "全部履行", "performed"),
        "partly": ("部分履行", "partly"),
        "not_performed": ("未履行", "not_performed"),
        "pending": ("履行中", "正在履行", "pending"),
    }
)

RULINGS: Mapping[str, str] = choices(
    {
        "confirmed": ("确认有效", "有效", "已确认", "确认", "confirmed"),
        "rejected": ("驳回", "驳回申请", "不予确认", "rejected"),
    }
)


MSG_AMOUNT = _("“{value}” is not an amount of money in yuan (write it like 12000 or 12000.50).")
_AMOUNT = re.compile(r"(\d{1,15}(?:\.\d{1,2})?)(万)?元?")


def amount_cell(value: Any, *, column: str, required: bool = False) -> Decimal | None:
    """An amount in yuan: 12000, 12,000.50, "12000元", "1.2万元", full-width digits; blank gives
    None. The dispute services bound it (``HUIYIN_DISPUTE_MAX_AMOUNT``)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise CellError(MSG_REQUIRED)
        return None
    shown = str(value)[:40]
    if isinstance(value, bool):
        raise CellError(format_lazy(MSG_AMOUNT, value=shown))
    if isinstance(value, float):
        # Excel's double: at most cents are meant (1234.5 → 1234.50).
        text = f"{value:.2f}" if math.isfinite(value) else "x"
    else:
        text = "".join(parse_text(value).translate(_FULL_WIDTH).split())
    match = _AMOUNT.fullmatch(text.replace(",", "").replace("，", ""))
    if not match:
        raise CellError(format_lazy(MSG_AMOUNT, value=shown))
    amount = Decimal(match.group(1))
    if match.group(2):
        amount *= 10_000
    return amount.quantize(Decimal("0.01"))


_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}

# ============================================================================== the columns

COLUMNS: tuple[Column, ...] = (
    Column("序号", ("编号", "序", "No", "No."), width=6, format="int", serial=True),
    Column("纠纷编号", ("案件编号", "调解编号", "事项编号"), office=False, width=18),
    Column(
        "登记日期",
        ("排查日期", "登记时间", "日期", "收案日期", "发现日期"),
        required=True,
        parse=date_cell,
        width=12,
        format="date",
    ),
    Column("纠纷来源", ("来源", "案件来源", "纠纷来源渠道"), parse=choice_cell(SOURCES)),
    Column("纠纷类型", ("类型", "纠纷类别", "矛盾纠纷类型", "案件类型"), parse=text_cell),
    Column(
        "申请人",
        ("当事人", "申请人姓名", "甲方", "申请方"),
        required=True,
        parse=text_cell,
        width=14,
        format="wrap",
        personal="name",
    ),
    Column(
        "被申请人",
        ("对方当事人", "被申请人姓名", "乙方", "被申请方"),
        parse=text_cell,
        width=16,
        format="wrap",
        personal="name",
    ),
    Column(
        "身份证号",
        ("身份证号码", "公民身份号码", "证件号码", "申请人身份证号"),
        parse=text_cell,
        width=21,
        format="wrap",
        personal="id_number",
    ),
    Column(
        "联系电话",
        ("电话", "手机号", "手机号码", "联系方式", "申请人电话"),
        parse=text_cell,
        width=14,
        format="wrap",
        personal="phone",
    ),
    Column("所属社区", ("社区", "所在社区", "社区名称"), required=True, parse=text_cell, width=14),
    Column(
        "纠纷简要情况",
        ("简要情况", "纠纷情况", "基本情况", "主要事实", "纠纷内容", "矛盾纠纷简要情况"),
        required=True,
        parse=text_cell,
        width=40,
        format="wrap",
    ),
    Column("涉及人数", ("人数", "涉及人员"), parse=int_cell(1), width=8, format="int"),
    Column("涉及金额（元）", ("涉及金额", "金额", "标的额"), parse=amount_cell, format="number"),
    Column(
        "调解组织",
        ("调解委员会", "调解机构", "承办调解组织"),
        parse=text_cell,
        width=18,
        format="wrap",
    ),
    Column(
        "调解员", ("承办调解员", "调解人员", "调解人"), parse=text_cell, width=12, format="wrap"
    ),
    Column(
        "受理日期",
        ("受理时间", "调解受理日期", "开始调解日期"),
        parse=date_cell,
        width=12,
        format="date",
    ),
    Column("调解结果", ("调处结果", "化解情况", "调解情况"), parse=choice_cell(RESULTS)),
    Column("协议形式", ("调解协议形式", "协议类型"), parse=choice_cell(FORMS), width=8),
    Column(
        "协议生效日期",
        ("协议日期", "协议签订日期", "生效日期"),
        parse=date_cell,
        width=12,
        format="date",
    ),
    Column("履行情况", ("协议履行情况", "履行"), parse=choice_cell(PERFORMANCE), width=9),
    Column("是否申请司法确认", ("司法确认", "申请司法确认"), parse=choice_cell(YES_NO), width=9),
    Column("司法确认结果", ("确认结果",), parse=choice_cell(RULINGS), width=9),
    Column(
        "结案日期", ("办结日期", "结案时间", "调结日期"), parse=date_cell, width=12, format="date"
    ),
    Column("回访情况", ("回访", "回访记录", "回访结果"), parse=text_cell, width=24, format="wrap"),
)

# ============================================================================== the row rules

#: The dates of a dispute, in the order they happen: none before the one before it.
DATE_ORDER: tuple[str, ...] = ("登记日期", "受理日期", "协议生效日期", "结案日期")

#: The columns of an agreement: only a 调解成功 row has them.
AGREEMENT_COLUMNS = ("协议形式", "协议生效日期", "履行情况", "司法确认结果")

#: 调解结果 → (the columns it needs, the columns it cannot have). 是否申请司法确认 = 是 counts
#: as filled; 否 as blank.
RESULT_COLUMNS: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "registered": ((), ("受理日期", *AGREEMENT_COLUMNS, "是否申请司法确认", "结案日期")),
    "mediating": (("受理日期",), (*AGREEMENT_COLUMNS, "是否申请司法确认", "结案日期")),
    "agreement": (("受理日期", "协议形式", "协议生效日期"), ()),
    "failed": (("受理日期", "结案日期"), (*AGREEMENT_COLUMNS, "是否申请司法确认")),
    "refused": (("结案日期",), (*AGREEMENT_COLUMNS, "是否申请司法确认")),
    "transferred": (("结案日期",), (*AGREEMENT_COLUMNS, "是否申请司法确认")),
}

# ============================================================================== the kinds

MSG_SCREENING_TITLE = _("{street} dispute screening ledger")
MSG_MEDIATION_TITLE = _("{street} people's mediation ledger")


class DisputeLedger(LedgerKind):
    """The screening ledger (矛盾纠纷排查台账): every dispute registered, on the shared engine."""

    key = "disputes"
    label = _("Dispute screening ledger")
    columns = COLUMNS
    msg_imported = _("%(count)s disputes imported from %(rows)s rows.")
    msg_refused = _("%(name)s may not import disputes.")
    title = MSG_SCREENING_TITLE
    #: Only disputes that went to mediation (the mediation ledger).
    mediated_only = False
    # Each row goes through the registration service: smaller batches, steadier progress.
    batch = 200

    def may_import(self, user) -> bool:
        """Whoever registers disputes and reads them (the 综治办, a community's or grid's
        workers for their place, a mediator), or an administrator."""
        from huiyin.disputes.registration import REGISTER_PERMS
        from huiyin.org.access import reach_of
        from huiyin.org.roles import Perm

        reach = reach_of(user)
        if reach.can(Perm.ADMIN_MANAGE):
            return True
        return reach.can(Perm.DISPUTES_VIEW) and any(reach.can(p) for p in REGISTER_PERMS)

    # The other modules read this one's columns and choices: imported when first used.

    def prepare(self, session) -> None:
        from huiyin.reports.ledgers.disputes_check import Lookups

        session.lookups = Lookups(session.actor)

    def build(self, session, number: int, cells: Mapping[str, Any]):
        from huiyin.reports.ledgers.disputes_check import check_row

        return check_row(session, number, cells)

    def duplicate_key(self, row):
        return row.key

    def duplicate_cell(self, row) -> tuple[str, Any]:
        return "纠纷简要情况", row.text

    def existing(self, session, rows: list) -> Mapping:
        from huiyin.reports.ledgers.disputes_import import existing_duplicates

        return existing_duplicates(rows, session.actor)

    def save(self, session, row) -> None:
        from huiyin.reports.ledgers.disputes_write import write_row

        write_row(session, row)

    def export_records(self, user, params: Mapping | None) -> tuple[QuerySet, dict]:
        from huiyin.reports.ledgers.disputes_export import ledger_cases

        return ledger_cases(user, params, mediated_only=self.mediated_only)

    def export_rows(self, records: QuerySet, *, with_identity: bool) -> Iterator[list]:
        from huiyin.reports.ledgers.disputes_export import export_rows

        return export_rows(records, with_identity=with_identity)

    def titles(self, user, filters: Mapping) -> tuple[str, str]:
        return export.ledger_titles(self.title, filters, user=user)


class MediationLedger(DisputeLedger):
    """The mediation ledger (人民调解台账): the disputes that went to mediation (受理)."""

    key = "mediations"
    label = _("People's mediation ledger")
    title = MSG_MEDIATION_TITLE
    mediated_only = True


DISPUTES = kinds.register(DisputeLedger())
MEDIATIONS = kinds.register(MediationLedger())

# ============================================================================== the API


def import_dispute_ledger(
    path: str | os.PathLike | IO[bytes],
    *,
    filename: str,
    actor,
    dry_run: bool = False,
    progress=None,
    request=None,
) -> load.ImportReport:
    """Check a dispute ledger and, when every row is valid and not `dry_run`, import it
    (:func:`~huiyin.reports.ledgers.load.import_ledger`). PermissionDenied unless the actor
    may import (:meth:`DisputeLedger.may_import`; rows only in their scope); `actor` None is
    the command line (every community)."""
    return load.import_ledger(
        DISPUTES,
        path,
        filename=filename,
        actor=actor,
        dry_run=dry_run,
        progress=progress,
        request=request,
    )


def export_dispute_ledger(
    out: str | os.PathLike | IO[bytes],
    *,
    user,
    params: Mapping | None = None,
    with_identity: bool = False,
    mediation: bool = False,
    request=None,
    progress=None,
) -> int:
    """Write the screening ledger (or with `mediation` the mediation ledger) of the disputes
    `user` sees with the dispute list's filters `params`, oldest first. Parties' names, ID and
    phone numbers are masked unless the person holds Perm.IDENTITY_VIEW and asks for them
    (as the petition ledger); audited. Returns the row count."""
    return export.export_ledger(
        MEDIATIONS if mediation else DISPUTES,
        out,
        user=user,
        params=params,
        with_identity=with_identity,
        request=request,
        progress=progress,
    )
