"""The petition ledger (信访台账): its columns, the spellings offices use, the rules of a row.

The columns are in :data:`COLUMNS`, in the order an export writes them, each with its aliases
(other headers an office's sheet may use), whether the sheet must have it, its width and
format in Excel, and the personal data it holds (masked in the error report). The office's
own ledger has all but 信访编号 and 办理结果, which Huiyin's export adds and an import reads.

An import (``huiyin import-ledger FILE --kind petitions``, the ledger page) reads these
columns with the shared engine (``load.py``): each row is checked by
``petitions_check.py`` against the choices and rules below and written in bulk by
``petitions_write.py``; ``petitions_import.py`` ties them to the engine (duplicates, repeat
petitions). An export writes the petition list's matters (``petitions_export.py``).

* Errors (the import stops, nothing is written): a bad date, choice, headcount, ID number or
  phone; a 所属社区 or 问题类别 Huiyin does not know (the message lists the allowed values);
  dates that contradict the 办理状态 (:data:`STATUS_DATES`) or each other
  (:data:`DATE_ORDER`); a row repeated within the file.
* Warnings (the row is imported): a 责任单位, 被反映单位 or 包案领导 that matches no unit or
  person is kept as written — the 被反映单位 in the petition, the other two on the case's
  "imported" timeline event (and the export shows them again). A 不予受理 row without 受理日期:
  the decline is recorded with its date unknown (never guessed), and the clocks the decision
  stops are stopped with no outcome, counted neither on time nor late. A 重复信访 = 是 whose
  earlier petition is not found: counted as a repeat, as the office marked it, without a link.
* The dates the 条例 makes count, optional (a ledger without them imports as before):
  告知日期 / 告知方式 (the petitioner told of the decision, art. 23: the notice clock stops on
  that day; a manner alone is dated the 受理日期), 送达日期 / 送达方式 (the written answer
  received, art. 35: the review window runs from that day; 当面送达 alone is dated the 答复日期,
  a reply by 电话 is no written answer and has no 送达日期), 复查机关 / 复核机关 (the body
  answering a review / re-examination). Errors: a 告知日期 before the 登记日期, a 送达日期
  before the 答复日期 or without one, a 送达日期 for a reply by phone, a 复查机关 without
  a 答复日期, a 复核机关 without a 复查机关. When the sheet has the 告知日期 column and a
  row leaves it empty, the petitioner was not told: the notice clock runs (a written reply
  stops it at the latest); when it has the 送达日期 column and a replied row leaves it empty,
  the review window waits for the delivery. Without the columns, the notice counts as given
  on the decision day and the window runs from the reply, as before.
* 已退回交办机关 (a matter assigned from above, objected to and taken back by the sender, 条例
  art. 23) is read with its 办结日期 as the day the sender agreed; only a 上级交办 matter can be
  returned. It is counted as returned, never as 办结; the day of the objection is not in the
  ledger (its clocks stop with no outcome).
* Duplicates of petitions already in Huiyin — same date received, same 信访事项 and the same
  first petitioner (by ID number, else by name) — are **skipped** and listed, so importing the
  same ledger twice, or a ledger that has grown since, never doubles a case.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import IO

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from huiyin.reports.ledgers import export, kinds, load, read
from huiyin.reports.ledgers.cells import choices
from huiyin.reports.ledgers.kinds import Column, LedgerKind

__all__ = [
    "ANSWER_BODIES",
    "CHANNELS",
    "COLUMNS",
    "DATE_ORDER",
    "DELIVERIES",
    "LEDGER_STATUSES",
    "LEVELS",
    "PETITIONS",
    "PETITION_ALIASES",
    "PETITION_COLUMNS",
    "PETITION_EXPORT_COLUMNS",
    "PETITION_LEDGER_LAYOUT",
    "PETITION_REQUIRED",
    "SATISFACTION",
    "STATUSES",
    "STATUS_DATES",
    "TELL_MANNERS",
    "export_petition_ledger",
    "import_petition_ledger",
    "may_export_identity",
    "may_import",
    "read_rows",
]

# ============================================================================== the columns

#: The petition ledger's columns, in export order. The people of a collective visit are
#: written one to a line in 信访人, 身份证号 and 联系电话 (several values in one cell).
COLUMNS: tuple[Column, ...] = (
    Column("序号", ("编号", "序", "No", "No."), width=6, format="int", serial=True),
    Column(
        "信访编号",
        ("信访件编号", "案件编号", "事项编号", "信访事项编号"),
        office=False,
        width=18,
    ),
    Column(
        "登记日期",
        ("来访日期", "受理登记日期", "日期", "登记时间", "来信来访日期", "信访日期"),
        required=True,
        width=12,
        format="date",
    ),
    Column("信访形式", ("信访方式", "形式", "方式", "信访渠道"), required=True),
    Column("信访层级", ("层级", "信访级别", "上访层级", "级别"), width=9),
    Column("是否集体访", ("集体访", "是否集体上访", "集体上访"), width=8),
    Column("人数", ("信访人数", "来访人数", "人次"), width=6, format="int"),
    Column(
        "信访人",
        ("姓名", "来访人", "信访人姓名", "来信人", "反映人"),
        required=True,
        format="wrap",
        personal="name",
    ),
    Column(
        "身份证号",
        ("身份证号码", "公民身份号码", "身份证", "证件号码"),
        width=21,
        format="wrap",
        personal="id_number",
    ),
    Column(
        "联系电话",
        ("电话", "手机号", "手机号码", "联系方式", "电话号码"),
        width=14,
        format="wrap",
        personal="phone",
    ),
    Column("所属社区", ("社区", "所在社区", "社区名称"), required=True, width=14),
    Column("问题类别", ("问题类型", "类别", "信访类别", "问题分类"), width=12),
    Column(
        "信访事项",
        ("反映问题", "主要诉求", "信访内容", "反映事项", "诉求内容", "主要问题"),
        required=True,
        width=40,
        format="wrap",
    ),
    Column("被反映单位", ("被反映对象", "被投诉单位", "被反映人或单位"), width=16, format="wrap"),
    Column("责任单位", ("承办单位", "办理单位", "责任部门"), width=16, format="wrap"),
    Column("包案领导", ("包案领导姓名", "包案责任领导")),
    Column("办理状态", ("状态", "办理进度")),
    Column("受理日期", ("受理时间",), width=12, format="date"),
    # The day the petitioner was told of the decision (条例 art. 23): the notice clock stops
    # on it, not on the day decided. Optional, like the four below (older ledgers lack them).
    Column(
        "告知日期",
        ("告知时间", "告知受理日期", "受理告知日期", "告知信访人日期"),
        office=False,
        width=12,
        format="date",
    ),
    Column("告知方式", ("告知形式", "受理告知方式"), office=False, width=9),
    Column("答复日期", ("答复时间",), width=12, format="date"),
    # The day the petitioner received the written answer (送达, 条例 art. 35): the review
    # window runs from it.
    Column(
        "送达日期",
        ("送达时间", "答复送达日期", "答复送达时间", "签收日期"),
        office=False,
        width=12,
        format="date",
    ),
    Column("送达方式", ("送达形式", "答复方式", "答复送达方式"), office=False, width=9),
    Column("办结日期", ("办结时间", "结案日期"), width=12, format="date"),
    Column(
        "办理结果",
        # Not 办理情况: offices use it as the group label over 受理日期 and 办结日期.
        ("处理结果", "处理意见", "答复意见", "答复内容", "办理结果及答复"),
        office=False,
        width=40,
        format="wrap",
    ),
    Column("是否重复信访", ("重复信访", "是否重复访", "重复访"), width=9),
    Column("满意度", ("满意度评价", "群众满意度", "评价")),
    # The body that answers a review / re-examination (条例 art. 35, 36): its answer clock is
    # the street's only when it is the street.
    Column("复查机关", ("复查单位", "复查受理机关"), office=False, width=14),
    Column("复核机关", ("复核单位", "复核受理机关"), office=False, width=14),
)

# The same, in the shapes the reader, the writer and the tests use.
PETITION_EXPORT_COLUMNS: tuple[str, ...] = tuple(column.header for column in COLUMNS)
PETITION_COLUMNS: tuple[str, ...] = tuple(column.header for column in COLUMNS if column.office)
PETITION_ALIASES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {column.header: column.aliases for column in COLUMNS if column.office}
)
PETITION_REQUIRED: tuple[str, ...] = tuple(column.header for column in COLUMNS if column.required)
PETITION_LEDGER_LAYOUT: tuple[tuple[str, float, str], ...] = tuple(
    (column.header, column.width, column.format) for column in COLUMNS
)

# ============================================================================== the choices
# Spelling → value. The first spelling of a value is the one a ledger shows and exports
# (cells.choice_label); the codes themselves are accepted too.

CHANNELS: Mapping[str, str] = choices(
    {
        "letter": ("来信", "信", "写信", "letter"),
        "visit": ("来访", "visit"),
        "phone": ("来电", "电话", "phone"),
        "online": ("网上", "网上信访", "网信", "网络", "online"),
        "assigned": ("上级交办", "交办", "assigned"),
    }
)

LEVELS: Mapping[str, str] = choices(
    {
        "street": ("街道", "来街道", "街道级", "street"),
        "district": ("区", "到区", "区级", "district"),
        "city": ("市", "到市", "市级", "city"),
        "province": ("省", "赴省", "到省", "省级", "province"),
        "national": ("进京", "北京", "国家", "国家级", "赴京", "到京", "national"),
    }
)

STATUSES: Mapping[str, str] = choices(
    {
        "registered": ("已登记", "登记", "待受理", "registered"),
        "accepted": ("已受理", "受理", "accepted"),
        "declined": ("不予受理", "不受理", "declined"),
        "transferred": ("已转送", "转送", "已转办", "transferred"),
        "handling": ("办理中", "在办", "正在办理", "处理中", "handling"),
        "replied": ("已答复", "答复", "replied"),
        "concluded": ("已办结", "办结", "已结案", "结案", "concluded"),
    }
)

# 办理状态 as a ledger spells it, and as the web labels the petition's states (what an export
# writes): the finer states of review and re-examination are read as the nearest the ledger
# keeps dates for (答复), 已交办 as itself.
LEDGER_STATUSES: Mapping[str, str] = MappingProxyType(
    {
        **STATUSES,
        "已交办": "assigned",
        "assigned": "assigned",
        "已申请复查": "replied",
        "已复查": "replied",
        "已申请复核": "replied",
        "已复核": "replied",
        # Assigned from above and taken back by the sender (条例 art. 23): ended, not 办结.
        "已退回交办机关": "returned",
        "退回交办机关": "returned",
        "已退回": "returned",
        "退回": "returned",
        "returned": "returned",
    }
)

SATISFACTION: Mapping[str, str | None] = choices(
    {
        "satisfied": ("满意", "satisfied"),
        "basically_satisfied": ("基本满意", "basically_satisfied"),
        "dissatisfied": ("不满意", "dissatisfied"),
        None: ("空", "无", "未评价"),
    }
)

# How the petitioner was told of the decision (告知方式, Petition.notice_manner).
TELL_MANNERS: Mapping[str, str] = choices(
    {
        "written": ("书面", "书面告知", "告知书", "written"),
        "in_person": ("当面", "当面告知", "当场告知", "当场", "in_person"),
        "phone": ("电话告知", "电话", "phone"),
        "online": ("网上或短信", "网上", "短信", "网上告知", "短信告知", "online"),
    }
)

# How the written answer reached the petitioner (送达方式, Petition.reply_delivered_manner).
# A call is no written answer: 电话 is read, but it starts no review window (and has no
# 送达日期).
DELIVERIES: Mapping[str, str] = choices(
    {
        "in_person": ("当面送达", "当面", "直接送达", "当场送达", "in_person"),
        "post": ("邮寄送达", "邮寄", "邮递", "post"),
        "phone": ("电话答复", "电话", "电话告知", "phone"),
        "online": ("网上送达", "网上", "电子送达", "短信", "online"),
    }
)

# The body one level up that answers a review / re-examination (Petition.AnswerBody).
ANSWER_BODIES: Mapping[str, str] = choices(
    {
        "street": ("本街道办事处", "本街道", "街道办事处", "街道", "street"),
        "district_government": ("区人民政府", "区政府", "district_government"),
        "district_petition_bureau": ("区信访局", "信访局", "district_petition_bureau"),
        "district_department": (
            "区政府工作部门",
            "区直部门",
            "区级部门",
            "区政府部门",
            "district_department",
        ),
        "other": ("其他机关", "其他", "other"),
    }
)

# ============================================================================== the row rules

#: The dates of handling, in the order they happen: none before the one before it.
DATE_ORDER: tuple[str, ...] = ("登记日期", "受理日期", "答复日期", "办结日期")

#: 办理状态 → (the dates it needs, the dates it cannot have). 不予受理 without 受理日期 is
#: imported with the decision date unknown (a warning), and with a 办结日期 it is a declined
#: matter since concluded. A concluded matter with 答复日期 needs 受理日期 too.
STATUS_DATES: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = MappingProxyType(
    {
        "registered": ((), ("受理日期", "答复日期", "办结日期")),
        "accepted": (("受理日期",), ("答复日期", "办结日期")),
        "assigned": (("受理日期",), ("答复日期", "办结日期")),
        "handling": (("受理日期",), ("答复日期", "办结日期")),
        "declined": ((), ("答复日期",)),
        "transferred": (("受理日期",), ("答复日期", "办结日期")),
        "replied": (("受理日期", "答复日期"), ("办结日期",)),
        "concluded": (("办结日期",), ()),
        # 办结日期: the day the sender agreed and took the file back.
        "returned": (("办结日期",), ("受理日期", "答复日期")),
    }
)

# ============================================================================== the kind

MSG_LEDGER_TITLE = _("{street} petition ledger")


class PetitionLedger(LedgerKind):
    """The petition ledger on the shared engine: its own row check and bulk writer (a
    100,000-row ledger in minutes, bench/import_bench.py) and its own export rows (each chunk's
    petitioners in one query)."""

    key = "petitions"
    label = _("Petition ledger")
    columns = COLUMNS
    msg_imported = _("%(count)s petitions imported from %(rows)s rows.")
    msg_refused = _("%(name)s may not import petitions.")

    def may_import(self, user) -> bool:
        """A petition office (street-wide or for its communities) imports its ledgers; a
        community worker who registers petitions received in the community (社区代办), but
        may not see the petitions there, does not."""
        from huiyin.org.access import reach_of
        from huiyin.org.roles import Perm

        reach = reach_of(user)
        if reach.can(Perm.ADMIN_MANAGE):
            return True
        return reach.can(Perm.PETITIONS_REGISTER) and reach.can(Perm.PETITIONS_VIEW)

    # The import and export modules read this module's columns and choices: they are
    # imported when first used, not at the top.

    def start(self, **options) -> load.ImportSession:
        from huiyin.reports.ledgers.petitions_import import PetitionImport

        return PetitionImport(self, **options)

    def export_records(self, user, params: Mapping | None) -> tuple[QuerySet, dict]:
        from huiyin.reports.ledgers.petitions_export import ledger_cases

        cases, filters, _notices = ledger_cases(user, params)
        return cases, filters

    def export_rows(self, records: QuerySet, *, with_identity: bool) -> Iterator[list]:
        from huiyin.reports.ledgers.petitions_export import export_rows

        return export_rows(records, with_identity=with_identity)

    def titles(self, user, filters: Mapping) -> tuple[str, str]:
        return export.ledger_titles(MSG_LEDGER_TITLE, filters, user=user)


PETITIONS = kinds.register(PetitionLedger())


# ============================================================================== the API


def import_petition_ledger(
    path: str | os.PathLike | IO[bytes],
    *,
    filename: str,
    actor,
    dry_run: bool = False,
    progress=None,
    request=None,
) -> load.ImportReport:
    """Check the petition ledger and, when every row is valid and not `dry_run`, import it
    (:func:`~huiyin.reports.ledgers.load.import_ledger`). Needs Perm.PETITIONS_REGISTER (rows
    only in its scope) or ADMIN_MANAGE: PermissionDenied otherwise; `actor` None is the command
    line (every community).

    Imported petitions keep their state and dates: the status, the decision, reply and
    conclusion dates, the statutory clocks (stopped on the ledger's dates, or running), a
    follow-up with the satisfaction, a key case when the 包案领导 and the 责任单位 are both
    known, the 办理结果 (as the decline reason, the body transferred to or the reply;
    otherwise on the "imported" event), the office's 重复信访 mark and a link to the earlier
    petition of the same person when there is one (by ID number). 不予受理 with a 办结日期 is a
    declined matter since concluded; 已交办 is read as itself, the review and re-examination
    states as 已答复 (the ledger has no dates for them). Each case gets an "imported" timeline
    event naming the file, the row and the 信访编号 written.
    """
    return load.import_ledger(
        PETITIONS,
        path,
        filename=filename,
        actor=actor,
        dry_run=dry_run,
        progress=progress,
        request=request,
    )


def export_petition_ledger(
    out: str | os.PathLike | IO[bytes],
    *,
    user,
    params: Mapping | None = None,
    with_identity: bool = False,
    request=None,
    progress=None,
) -> int:
    """Write the ledger of the petitions `user` sees with the petition list's filters
    `params` (:class:`huiyin.petitions.queries.PetitionFilter`), oldest first, to `out`
    (:func:`~huiyin.reports.ledgers.export.export_ledger`). Names, ID and phone numbers are
    masked unless the person holds Perm.IDENTITY_VIEW and asks for them. Returns the row
    count."""
    return export.export_ledger(
        PETITIONS,
        out,
        user=user,
        params=params,
        with_identity=with_identity,
        request=request,
        progress=progress,
    )


def may_import(user) -> bool:
    return PETITIONS.may_import(user)


def may_export_identity(user) -> bool:
    return PETITIONS.may_export_identity(user)


def read_rows(path_or_file, *, filename: str, **options) -> read.LedgerReader:
    """Open a sheet as a petition ledger: :func:`~huiyin.reports.ledgers.read.read_rows` with
    the office's columns (:data:`PETITION_COLUMNS`, their aliases and required columns) unless
    `options` give others."""
    options.setdefault("columns", PETITION_COLUMNS)
    options.setdefault("aliases", PETITION_ALIASES)
    options.setdefault("required", PETITION_REQUIRED)
    return read.read_rows(path_or_file, filename=filename, **options)
