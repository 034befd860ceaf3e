"""The incident ledger (突发事件台账): its columns, spellings and row rules.

The ledger has the columns of :data:`COLUMNS`, in the order an export writes them; the office's
own sheet has all but 事件编号, which Huiyin's export adds and an import reads. Times
(发生时间, 获知时间, 首报时间) are a date with its time of day, Beijing time: Excel date-times,
or text such as ``2025-3-5 14:30`` and ``2025年3月5日14时30分``
(:func:`~huiyin.reports.ledgers.cells.parse_datetime`); 办结日期 is a date.

An import (``huiyin import-ledger FILE --kind incidents``) reads these columns with the shared
engine (``load.py``), all rows or none: ``incidents_check.py`` checks a row against the choices
and rules below and then the incident registration's own checks, ``incidents_write.py``
registers it through the incidents' registration (number 事, the timeline, the audit entry)
and records its first report upward from 首报时间 as the ledger dates it; duplicates are found
by ``incidents_export.py``'s twin, :func:`~huiyin.reports.ledgers.incidents_check.
existing_duplicates`. An export writes the incident list's matters (``incidents_export.py``).

* Errors (the import stops, nothing is written): a bad date-time, choice or number; a time
  without its time of day; 获知时间 before 发生时间, 首报时间 before 获知时间, 办结日期 before
  the day learned of, anything in the future; a 事件类别 or 所属社区 Huiyin does not know (the
  message lists the allowed values; a type may be named by itself or with its class,
  事故灾难/火警); a 伤亡情况 that is not counts of 死亡, 失踪, 重伤, 轻伤 (or 无); a 办结日期
  without its 处置结果 or without a first report (the disposal is concluded only after the
  first report, as on the incident's page); a row outside the importer's scope; a rule of the
  incident registration (a title too long, a number out of range); a row repeated in the file.
* Warnings (the row is imported): a 处置负责领导 who is not one of the street's leaders in
  Huiyin is kept as written; a production-safety accident whose 事件等级 differs from the grade
  its casualties give (条例 art. 3: the higher of the two is recorded, since the ledger has no
  column for the direct loss).
* Duplicates of incidents already in Huiyin — the same 发生时间 and the same 简要情况 — are
  **skipped** and listed.

What the ledger does not say is recorded as not stated, never guessed: the source of the
report (其他), the first report's recipient and channel. A row with 办结日期 is recorded as
disposal concluded on that day (the final report and the leader's closing are not in the
ledger); one without, as being handled when a leader is named, else as registered; its
处置结果 is then the measures taken so far. No reminder is sent for a limit that passed before
the import.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from typing import IO, Any

from django.db.models import QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

# The petition ledger registers first whatever is imported first: it is the default kind.
from huiyin.reports.ledgers import export, kinds, load, petitions  # noqa: F401
from huiyin.reports.ledgers.cells import (
    MSG_REQUIRED,
    CellError,
    choice_cell,
    choices,
    date_cell,
    datetime_cell,
    int_cell,
    parse_text,
    text_cell,
)
from huiyin.reports.ledgers.kinds import Column, LedgerKind

__all__ = [
    "CASUALTIES",
    "COLUMNS",
    "GRADES",
    "INCIDENTS",
    "casualties_cell",
    "casualties_text",
    "export_incident_ledger",
    "import_incident_ledger",
]

# ============================================================================== the choices

GRADES: Mapping[str, str] = choices(
    {
        "general": ("一般", "一般事件", "一般突发事件", "Ⅳ级", "IV级", "四级", "general"),
        "larger": ("较大", "较大事件", "较大突发事件", "Ⅲ级", "III级", "三级", "larger"),
        "major": ("重大", "重大事件", "重大突发事件", "Ⅱ级", "II级", "二级", "major"),
        "especially_major": (
            "特别重大",
            "特别重大事件",
            "特别重大突发事件",
            "Ⅰ级",
            "I级",
            "一级",
            "especially_major",
        ),
    }
)

#: 伤亡情况: the incident's count fields and the words a ledger uses for them.
CASUALTIES: Mapping[str, tuple[str, ...]] = {
    "deaths": ("死亡", "遇难", "死"),
    "missing": ("失踪",),
    "serious_injuries": ("重伤",),
    "minor_injuries": ("轻伤",),
}
#: What an export writes for each (and in this order).
CASUALTY_NAMES = {
    "deaths": "死亡",
    "missing": "失踪",
    "serious_injuries": "重伤",
    "minor_injuries": "轻伤",
}
#: 伤亡情况 saying there were none.
NO_CASUALTIES = {
    "无",
    "无伤亡",
    "无人员伤亡",
    "没有人员伤亡",
    "未造成人员伤亡",
    "0",
    "-",
    "—",
    "／",
    "/",
}

MSG_CASUALTIES = _(
    "“{value}” is not a count of casualties. Write it like 死亡1人、重伤2人、轻伤3人、失踪0人, or 无."
)

_WORD = "|".join(sorted((w for words in CASUALTIES.values() for w in words), key=len, reverse=True))
_COUNT_AFTER = re.compile(rf"({_WORD})\s*(\d+)\s*(?:人|名)?")
_COUNT_BEFORE = re.compile(rf"(\d+)\s*(?:人|名)\s*({_WORD})")
_FILLER = re.compile(r"[\s,，、;；。.:：（）()]|人员|其中|造成|共")


def casualties_cell(value: Any, *, column: str, required: bool = False) -> dict[str, int] | None:
    """伤亡情况 as ``{"deaths", "missing", "serious_injuries", "minor_injuries"}``: "死亡1人、
    重伤2人", "1人死亡，2人重伤", "无" (all 0); a blank cell gives None (the counts unknown:
    recorded as 0). A word the incident has no count for (受伤 without 重 or 轻) is refused."""
    text = parse_text(value)
    if not text:
        if required:
            raise CellError(MSG_REQUIRED)
        return None
    squashed = "".join(text.split())
    counts = dict.fromkeys(CASUALTIES, 0)
    if squashed in NO_CASUALTIES:
        return counts
    word_of = {word: key for key, words in CASUALTIES.items() for word in words}
    rest = squashed
    for pattern, word_at, number_at in ((_COUNT_AFTER, 1, 2), (_COUNT_BEFORE, 2, 1)):
        for match in pattern.finditer(rest):
            counts[word_of[match.group(word_at)]] += int(match.group(number_at))
        rest = pattern.sub("", rest)
    if _FILLER.sub("", rest) or not any(
        word in squashed for words in CASUALTIES.values() for word in words
    ):
        raise CellError(format_lazy(MSG_CASUALTIES, value=text[:40]))
    return counts


def casualties_text(deaths: int, missing: int, serious: int, minor: int) -> str:
    """The export's 伤亡情况: "死亡1人、重伤2人" (the counts that are not 0), or "无"."""
    values = {
        "deaths": deaths,
        "missing": missing,
        "serious_injuries": serious,
        "minor_injuries": minor,
    }
    parts = [f"{CASUALTY_NAMES[key]}{count}人" for key, count in values.items() if count]
    return "、".join(parts) or "无"


# ============================================================================== the columns

COLUMNS: tuple[Column, ...] = (
    Column("序号", ("编号", "序", "No", "No."), width=6, format="int", serial=True),
    Column("事件编号", ("案件编号", "事项编号"), office=False, width=18),
    Column(
        "发生时间",
        ("事发时间", "发生日期", "事发日期"),
        required=True,
        parse=datetime_cell,
        width=17,
        format="datetime",
    ),
    Column(
        "获知时间",
        ("接报时间", "获悉时间", "报告时间", "接警时间"),
        required=True,
        parse=datetime_cell,
        width=17,
        format="datetime",
    ),
    Column(
        "首报时间",
        ("首次报告时间", "初报时间", "上报时间", "报告上级时间"),
        parse=datetime_cell,
        width=17,
        format="datetime",
    ),
    Column("事件类别", ("类别", "事件类型", "类型"), required=True, parse=text_cell, width=12),
    Column("事件等级", ("等级", "级别", "事件级别"), parse=choice_cell(GRADES), width=9),
    Column("所属社区", ("社区", "所在社区", "社区名称"), parse=text_cell, width=14),
    Column("地点", ("发生地点", "事发地点", "地址"), parse=text_cell, width=20, format="wrap"),
    Column(
        "简要情况",
        ("基本情况", "事件简要情况", "事件概况", "简要经过", "主要情况"),
        required=True,
        parse=text_cell,
        width=40,
        format="wrap",
    ),
    Column("涉及人数", ("人数", "涉及人员"), parse=int_cell(1), width=8, format="int"),
    Column(
        "伤亡情况", ("人员伤亡", "伤亡", "伤亡人数"), parse=casualties_cell, width=16, format="wrap"
    ),
    Column(
        "处置负责领导",
        ("负责领导", "处置领导", "包案领导", "责任领导"),
        parse=text_cell,
        width=12,
    ),
    Column(
        "处置结果",
        ("处置情况", "处理结果", "处置措施"),
        parse=text_cell,
        width=30,
        format="wrap",
    ),
    Column(
        "办结日期",
        ("结案日期", "处置完毕日期", "办结时间"),
        parse=date_cell,
        width=12,
        format="date",
    ),
)

# ============================================================================== the kind

MSG_TITLE = _("{street} incident ledger")


class IncidentLedger(LedgerKind):
    """The incident ledger (突发事件台账): every incident, on the shared engine."""

    key = "incidents"
    label = _("Incident ledger")
    columns = COLUMNS
    msg_imported = _("%(count)s incidents imported from %(rows)s rows.")
    msg_refused = _("%(name)s may not import incidents.")
    # Each row goes through the registration: smaller batches, steadier progress.
    batch = 200

    def may_import(self, user) -> bool:
        """Whoever registers incidents and reads them (the duty office, a community's or grid's
        workers for their place), or an administrator."""
        from huiyin.org.access import reach_of
        from huiyin.org.roles import Perm

        reach = reach_of(user)
        if reach.can(Perm.ADMIN_MANAGE):
            return True
        return reach.can(Perm.INCIDENTS_VIEW) and reach.can(Perm.INCIDENTS_REPORT)

    # The other modules read this one's columns and choices: imported when first used.

    def prepare(self, session) -> None:
        from huiyin.reports.ledgers.incidents_check import Lookups

        session.lookups = Lookups(session.actor)

    def build(self, session, number: int, cells: Mapping[str, Any]):
        from huiyin.reports.ledgers.incidents_check import check_row

        return check_row(session, number, cells)

    def duplicate_key(self, row):
        return row.key

    def duplicate_cell(self, row) -> tuple[str, Any]:
        return "简要情况", row.text

    def existing(self, session, rows: list) -> Mapping:
        from huiyin.reports.ledgers.incidents_check import existing_duplicates

        return existing_duplicates(rows, session.actor)

    def save(self, session, row) -> None:
        from huiyin.reports.ledgers.incidents_write import write_row

        write_row(session, row)

    def export_records(self, user, params: Mapping | None) -> tuple[QuerySet, dict]:
        from huiyin.reports.ledgers.incidents_export import ledger_cases

        return ledger_cases(user, params)

    def export_rows(self, records: QuerySet, *, with_identity: bool) -> Iterator[list]:
        from huiyin.reports.ledgers.incidents_export import export_rows

        return export_rows(records)

    def titles(self, user, filters: Mapping) -> tuple[str, str]:
        return export.ledger_titles(MSG_TITLE, filters, user=user)


INCIDENTS = kinds.register(IncidentLedger())

# ============================================================================== the API


def import_incident_ledger(
    path: str | os.PathLike | IO[bytes],
    *,
    filename: str,
    actor,
    dry_run: bool = False,
    progress=None,
    request=None,
) -> load.ImportReport:
    """Check an incident ledger and, when every row is valid and not `dry_run`, import it
    (:func:`~huiyin.reports.ledgers.load.import_ledger`). PermissionDenied unless the actor
    may import (:meth:`IncidentLedger.may_import`; rows only in their scope); `actor` None is
    the command line (every community)."""
    return load.import_ledger(
        INCIDENTS,
        path,
        filename=filename,
        actor=actor,
        dry_run=dry_run,
        progress=progress,
        request=request,
    )


def export_incident_ledger(
    out: str | os.PathLike | IO[bytes],
    *,
    user,
    params: Mapping | None = None,
    request=None,
    progress=None,
) -> int:
    """Write the incident ledger of the incidents `user` sees with the incident list's filters
    `params` (``from``/``to``: the day learned of), oldest first; audited. Returns the row
    count. The ledger names no person but staff (the leader in charge)."""
    return export.export_ledger(
        INCIDENTS, out, user=user, params=params, request=request, progress=progress
    )
