"""The petition ledger (信访台账) out to Excel and in from Excel or CSV.

Export::

    count = export_petition_ledger(out, user=request.user, params=request.GET,
                                   with_identity=False, request=request)

writes the columns of :data:`~huiyin.reports.xlsx_ledger.PETITION_EXPORT_COLUMNS` (the columns
an import reads, with 信访编号 and 办理结果 besides), in that order,
for the petitions the petition list shows with the same GET filters
(:class:`huiyin.petitions.queries.PetitionFilter`), oldest first. Names, ID and phone numbers
are masked unless the person holds Perm.IDENTITY_VIEW and asks for them; either way the export
is audited ("export", with the row count and ``identity``). Rows stream from the database in
chunks, each chunk's petitioners, latest ratings and import notes read in one query each (plain
values, no model instances); the sheet is written as it goes. 办理状态 is the label the web
shows (the workflow's, :func:`huiyin.cases.workflow.status_label`), except that a declined
matter stays 不予受理 once concluded; 办理结果 is the decision or the reply; the people of a
collective visit are written one to a line.

Import::

    report = import_petition_ledger(path, filename="2025台账.xlsx", actor=user,
                                    dry_run=False, progress=progress)

reads the sheet once, streaming, in one transaction: every row is validated, and batch by
batch the valid rows are inserted while the next are read. At the first error nothing more is
inserted, the rest of the sheet is still checked (to report every error, warning and
duplicate) and the transaction is rolled back. The result is all rows or none. A dry run only
checks.

* Errors (the import stops, nothing is written): a bad date, choice, headcount, ID number or
  phone; a 所属社区 or 问题类别 Huiyin does not know (the message lists the allowed values);
  dates that contradict the 办理状态 or each other; a row repeated within the file.
* Warnings (the row is imported): a 责任单位, 被反映单位 or 包案领导 that matches no unit or
  person is kept as written — the 被反映单位 in the petition, the other two on the case's
  "imported" timeline event (and the export shows them again). A 不予受理 row without 受理日期:
  the decline is recorded with its date unknown (never guessed), and the clocks the decision
  stops are stopped with no outcome, counted neither on time nor late. A 重复信访 = 是 whose
  earlier petition is not found: counted as a repeat, as the office marked it, without a link.
* Duplicates of petitions already in Huiyin — same date received, same 信访事项 and the same
  first petitioner (by ID number, else by name) — are **skipped** and listed, so importing the
  same ledger twice, or a ledger that has grown since, never doubles a case.

Imported petitions keep their state and dates: the status, the decision, reply and conclusion
dates, the statutory clocks (stopped on the ledger's dates, or running), a follow-up with the
satisfaction, a key case when the 包案领导 and the 责任单位 are both known, the 办理结果 (as the
decline reason, the body transferred to or the reply; otherwise on the "imported" event), the
office's 重复信访 mark and a link to the earlier petition of the same person when there is one
(by ID number). 不予受理 with a 办结日期 is a declined matter since concluded; 已交办 is read as
itself, the review and re-examination states as 已答复 (the ledger has no dates for them). Each
case gets an "imported" timeline event naming the file, the row and the 信访编号 written; the
import gets one audit entry with the count.
"""

from __future__ import annotations

import hashlib
import json
import operator
import os
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, models, router, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from huiyin.cases import deadlines
from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case, CaseCounter, CaseEvent, CaseSearch, Category, Clock
from huiyin.cases.numbering import format_number
from huiyin.cases.search import grams_of
from huiyin.cases.workflow import status_label
from huiyin.org.access import reach_of
from huiyin.org.models import Community, Staff, Unit
from huiyin.org.roles import ROLE_PERMISSIONS, Perm
from huiyin.petitions.models import (
    RECEIPT_ALPHABET,
    RECEIPT_LENGTH,
    Channel,
    FollowUp,
    KeyCase,
    Petition,
    Petitioner,
    Status,
)
from huiyin.privacy import audit, masking
from huiyin.privacy.validators import validate_phone, validate_resident_id
from huiyin.reports.ledgers.read import (
    CHANNELS,
    LEVELS,
    MSG_REQUIRED,
    PETITION_ALIASES,
    PETITION_COLUMNS,
    SATISFACTION,
    STATUSES,
    YES_NO,
    CellError,
    LedgerError,
    SkippedRow,
    choice_label,
    parse_choice,
    parse_date,
    parse_int,
    parse_text,
    read_rows,
)
from huiyin.reports.ledgers.export import PETITION_LEDGER_LAYOUT, write_ledger

__all__ = [
    "ImportReport",
    "Notice",
    "RowIssue",
    "export_petition_ledger",
    "import_petition_ledger",
    "ledger_cases",
    "may_export_identity",
    "may_import",
    "write_error_report",
]

Progress = Callable[..., None]

IMPORT_ACTION = "ledger.import"
audit.register_action(IMPORT_ACTION, _("Imported a ledger"))

#: Several people in one cell: 张三、李四 (also , ， ; ； and line breaks).
SEPARATOR = "、"
#: The people of one petition in an exported cell: one to a line (the cell wraps), the 、 kept
#: so that a person without an ID number or phone still takes a line of their own.
PEOPLE_SEPARATOR = "、\n"
_SPLIT = re.compile(r"\s*[、,，;；\n]\s*")
#: Ledger rows per insert batch (and per duplicate lookup).
BATCH = 1000
#: Export rows fetched per chunk (each chunk reads its petitioners, ratings and import notes
#: in one query each).
EXPORT_CHUNK = 2000
#: The error report keeps this many row errors; beyond it only the count.
MAX_ERRORS = 2000
#: Row numbers remembered per warning.
WARNING_ROWS = 20
TITLE_LENGTH = Case._meta.get_field("title").max_length
TRANSFERRED_TO_LENGTH = Petition._meta.get_field("transferred_to").max_length
NAME_LENGTH = 40

# The columns an import reads: the ledger's, and the two an export adds.
IMPORT_COLUMNS: tuple[str, ...] = (*PETITION_COLUMNS, "信访编号", "办理结果")
IMPORT_ALIASES = MappingProxyType(
    {
        **PETITION_ALIASES,
        "信访编号": ("信访件编号", "案件编号", "事项编号", "信访事项编号"),
        # Not 办理情况: offices use it as the group label over 受理日期 and 办结日期.
        "办理结果": ("处理结果", "处理意见", "答复意见", "答复内容", "办理结果及答复"),
    }
)

# 办理状态 as a ledger spells it, and as the web labels the petition's states (what an export
# writes): the finer states of review and re-examination are read as the nearest the ledger
# keeps dates for (答复), 已交办 as itself.
LEDGER_STATUSES = MappingProxyType(
    {
        **STATUSES,
        "已交办": "assigned",
        "assigned": "assigned",
        "已申请复查": "replied",
        "已复查": "replied",
        "已申请复核": "replied",
        "已复核": "replied",
    }
)

MSG_FUTURE = _("The date {value} is in the future.")
MSG_BEFORE = _("{column} ({value}) cannot be earlier than {other} ({other_value}).")
MSG_STATUS_NEEDS = _("The status “{status}” needs {column}.")
MSG_STATUS_FORBIDS = _("The status “{status}” does not go with {column} ({value}).")
MSG_UNKNOWN_COMMUNITY = _("“{value}” is not a community of Huiyin. Allowed values: {allowed}.")
MSG_UNKNOWN_CATEGORY = _(
    "“{value}” is not a petition category of Huiyin. Allowed values: {allowed}."
)
MSG_AMBIGUOUS_CATEGORY = _(
    "“{value}” names more than one category; write it with its parent: {allowed}."
)
MSG_HEADCOUNT_BELOW = _("人数 ({value}) is lower than the number of petitioners named ({count}).")
MSG_COLLECTIVE_HEADCOUNT = _("A collective visit needs 人数.")
MSG_NAME_LONG = _("The name “{value}” is too long.")
MSG_MASKED = _(
    "The value is masked (it contains *). Import a ledger exported with full identity, or "
    "leave the cell empty."
)
MSG_MORE_VALUES = _("{column} lists {count} values for {names} petitioners.")
MSG_NO_SCOPE = _("You may not register petitions of {community}.")
MSG_SATISFACTION_NO_REPLY = _("A satisfaction needs 答复日期: it is given after the reply.")
MSG_COMPLAINED_IS_OWNER = _(
    "The responsible unit cannot be the unit complained about (Regulations art. 30)."
)
MSG_DUPLICATE_IN_FILE = _("The same petition as row {row} (date, petitioner and matter).")
MSG_DUPLICATE_IN_HUIYIN = _("Already in Huiyin as {number}; skipped.")
MSG_DUPLICATE_HIDDEN = _("Already in Huiyin (a matter outside what you may open); skipped.")
MSG_UNKNOWN_UNIT = _("No unit of this name in Huiyin; kept as written.")
MSG_UNKNOWN_LEADER = _("No leader of this name in Huiyin; kept as written.")
MSG_AMBIGUOUS_LEADER = _("Several staff members have this name; kept as written.")
MSG_NO_EARLIER = _(
    "No earlier petition of the same person (by ID number) was found; counted as a repeat "
    "petition, as the ledger marks it, without a link to the earlier one."
)
MSG_DECISION_DATE_UNKNOWN = _(
    "No 受理日期 (the date of the decision): the decline is recorded with its date unknown, and "
    "the time limits it stops count neither as met nor as late."
)
MSG_TOO_MANY_ERRORS = _("More errors follow; only the first {count} are listed.")
MSG_EMPTY_FILE = _("The sheet has no data rows below its header.")
MSG_IMPORTED_NOTE = _("Imported from the ledger {file}, row {row}.")
MSG_PASS_CHECK = _("Checking rows")
MSG_PASS_WRITE = _("Importing rows")
MSG_EXPORTING = _("Writing the ledger")
MSG_UNIT_AND_PERIOD = _("Unit: {unit}　　Period: {start} to {end}")
MSG_LEDGER_TITLE = _("{street} petition ledger")
MSG_UNIT_ALL_DATES = _("Unit: {unit}　　Period: all dates")

# Columns whose values the error report and warnings show masked (personal data).
_PERSONAL = frozenset({"信访人", "身份证号", "联系电话"})


# =============================================================================== export


def may_export_identity(user) -> bool:
    return reach_of(user).can(Perm.IDENTITY_VIEW)


def ledger_cases(user, params: Mapping | None = None) -> tuple[QuerySet[Case], dict, list[str]]:
    """The petitions of the ledger: the petition list's filter (same GET names), oldest first.

    Returns (cases, the valid filters, notices about ignored values).
    """
    from huiyin.petitions.queries import PetitionFilter

    petition_filter = PetitionFilter(params or {}, user)
    cases = petition_filter.queryset().order_by("received_at", "id")
    return cases, petition_filter.filters, list(petition_filter.notices)


def _export_queryset(cases: QuerySet[Case]) -> QuerySet[Case]:
    return cases.select_related(
        "community",
        "category__parent",
        "owner_unit",
        "petition__complained_unit",
        "petition__key_case__leader",
    )


#: The petitioner columns an export writes: (name, ID number, phone), full or masked.
_PEOPLE_FIELDS = {
    True: ("name", "id_number", "phone"),
    False: ("name_masked", "id_number_masked", "phone_masked"),
}


class _Related:
    """What a chunk of exported cases needs from other tables, one query per table:
    the petitioners' (name, ID number, phone) in their order, the latest rating and the
    values an import kept on its "imported" event, by case id. Plain values, no model
    instances: a prefetch built and cached three model objects per row for the same."""

    def __init__(self, ids: list[int], with_identity: bool):
        self.people: dict[int, list[tuple]] = defaultdict(list)
        for petition_id, *person in (
            Petitioner.objects.filter(petition_id__in=ids)
            .order_by("order", "id")
            .values_list("petition_id", *_PEOPLE_FIELDS[with_identity])
        ):
            self.people[petition_id].append(person)
        # Oldest first: the last one read is the latest rating.
        self.rating: dict[int, str] = dict(
            FollowUp.objects.filter(petition_id__in=ids)
            .order_by("on", "id")
            .values_list("petition_id", "satisfaction")
        )
        self.kept: dict[int, dict] = {}
        events = CaseEvent.objects.filter(case_id__in=ids, kind="imported")
        for case_id, data in events.values_list("case_id", "data"):
            self.kept.setdefault(case_id, {}).update((data or {}).get("kept") or {})


def _export_chunks(cases: QuerySet[Case], with_identity: bool) -> Iterator[tuple[Case, _Related]]:
    """The cases in order, streamed EXPORT_CHUNK at a time, each with its chunk's _Related."""
    chunk: list[Case] = []
    for case in _export_queryset(cases).iterator(chunk_size=EXPORT_CHUNK):
        chunk.append(case)
        if len(chunk) == EXPORT_CHUNK:
            related = _Related([c.pk for c in chunk], with_identity)
            yield from ((c, related) for c in chunk)
            chunk = []
    if chunk:
        related = _Related([c.pk for c in chunk], with_identity)
        yield from ((c, related) for c in chunk)


def category_label(category: Category | None, ambiguous: set[str]) -> str:
    """A category as the ledger names it: its name, or 父类/子类 when the name repeats."""
    if category is None:
        return ""
    if category.name in ambiguous and category.parent_id:
        return f"{category.parent.name}/{category.name}"
    return category.name


def _ambiguous_category_names() -> set[str]:
    seen: set[str] = set()
    repeated: set[str] = set()
    for name in Category.objects.filter(kind=Kind.PETITION).values_list("name", flat=True):
        (repeated if name in seen else seen).add(name)
    return repeated


def matter_text(case: Case) -> str:
    """信访事项: the title, or the whole text when an import made the title from it."""
    if case.description and case.title == _title_of(case.description):
        return case.description
    return case.title


def status_labels() -> dict[str, str]:
    """The petition states as the web shows them (the workflow's labels), in Chinese: a ledger
    is a Chinese document whatever the language of the person exporting it."""
    with translation.override("zh-hans"):
        return {status: status_label(Kind.PETITION, status) for status in Status.values}


def ledger_status(case: Case) -> str:
    """The state a ledger shows: the case's own, but a declined matter stays declined once
    concluded (its conclusion is the decline notice, not a reply)."""
    petition = case.petition
    if case.status == Status.CONCLUDED and petition.decline_reason and not petition.replied_on:
        return Status.DECLINED
    return case.status


def outcome_text(petition: Petition, kept: Mapping[str, str]) -> str:
    """办理结果: what the office decided or replied, as written."""
    if kept.get("outcome"):
        return kept["outcome"]
    if petition.replied_on:
        return petition.reply_text
    return petition.decline_reason or petition.transferred_to


def _export_row(
    number: int, case: Case, related: _Related, ambiguous: set[str], labels: Mapping
) -> list:
    petition = case.petition
    people = related.people.get(case.pk, ())
    names = [person[0] for person in people]
    ids = [person[1] for person in people]
    phones = [person[2] for person in people]
    kept = related.kept.get(case.pk, {})
    rating = related.rating.get(case.pk)
    key_case = getattr(petition, "key_case", None)
    complained = (
        petition.complained_unit.name if petition.complained_unit_id else petition.complained_text
    )
    return [
        number,
        case.number,
        case.received_on,
        choice_label(CHANNELS, petition.channel),
        choice_label(LEVELS, petition.level),
        "是" if petition.is_collective else "否",
        petition.headcount,
        PEOPLE_SEPARATOR.join(names),
        _joined(ids),
        _joined(phones),
        case.community.name if case.community_id else "",
        category_label(case.category, ambiguous),
        matter_text(case),
        complained,
        case.owner_unit.name if case.owner_unit_id else kept.get("owner_unit", ""),
        key_case.leader.name if key_case is not None else kept.get("key_leader", ""),
        labels.get(ledger_status(case), case.status),
        petition.accept_decision_on,
        petition.replied_on,
        petition.concluded_on,
        outcome_text(petition, kept),
        "是" if petition.is_repeat else "否",
        choice_label(SATISFACTION, rating) if rating is not None else "",
    ]


def _joined(values: list[str]) -> str:
    """Values of several petitioners, one to a line; empty when nobody has one (no lone
    separators)."""
    return PEOPLE_SEPARATOR.join(values) if any(values) else ""


def export_petition_ledger(
    out: str | os.PathLike | IO[bytes],
    *,
    user,
    params: Mapping | None = None,
    with_identity: bool = False,
    request=None,
    progress: Progress | None = None,
) -> int:
    """Write the ledger of the petitions `user` sees with the list filters `params` to `out`.

    With `with_identity`, full names, ID and phone numbers (PermissionDenied, audited, without
    Perm.IDENTITY_VIEW). Audited "export" with the row count, the filters and ``identity``.
    Returns the number of rows.
    """
    if with_identity and not may_export_identity(user):
        with transaction.atomic():
            audit.record(
                "access.denied",
                actor=user,
                request=request,
                target_label=gettext("Petition ledger"),
                diff={"permission": Perm.IDENTITY_VIEW, "export": "ledger"},
            )
        raise PermissionDenied
    cases, filters, _notices = ledger_cases(user, params)
    total = cases.count()
    ambiguous = _ambiguous_category_names()
    labels = status_labels()
    if progress:
        progress(0, total, MSG_EXPORTING, force=True)

    def rows() -> Iterator[list]:
        chunks = _export_chunks(cases, with_identity)
        for number, (case, related) in enumerate(chunks, start=1):
            yield _export_row(number, case, related, ambiguous, labels)
            if progress and number % 500 == 0:
                progress(number, total, MSG_EXPORTING)

    title, subtitle = _export_titles(user, filters)
    count = write_ledger(
        out, title=title, subtitle=subtitle, columns=PETITION_LEDGER_LAYOUT, rows=rows()
    )
    with transaction.atomic():
        audit.record(
            "export",
            actor=user,
            request=request,
            target_label=gettext("Petition ledger"),
            diff={"rows": count, "identity": bool(with_identity), "filters": filters},
        )
    if progress:
        progress(count, count, MSG_EXPORTING, force=True)
    return count


def _export_titles(user, filters: Mapping) -> tuple[str, str]:
    from huiyin.org.models import Street

    street = Street.objects.order_by("id").first()
    street_name = street.name if street else ""
    unit = f"{street_name}办事处" if street_name else ""
    community_id = filters.get("community")
    if community_id:
        community = Community.objects.filter(pk=community_id).first()
        if community is not None:
            unit = f"{unit}（{community.name}）"
    start, end = filters.get("from"), filters.get("to")
    if start or end:
        start_text = _chinese_day(start) if start else "…"
        end_text = _chinese_day(end) if end else "…"
    else:
        start_text = end_text = ""
    title = str(format_lazy(MSG_LEDGER_TITLE, street=street_name)).strip()
    if start_text or end_text:
        subtitle = str(format_lazy(MSG_UNIT_AND_PERIOD, unit=unit, start=start_text, end=end_text))
    else:
        subtitle = str(format_lazy(MSG_UNIT_ALL_DATES, unit=unit))
    return title, subtitle


def _chinese_day(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day.year}年{day.month}月{day.day}日"


# =============================================================================== import: results


@dataclass(frozen=True)
class RowIssue:
    """One problem in one cell (or row): what the error report lists."""

    row: int | None
    column: str
    letter: str
    value: str
    reason: str


@dataclass
class Notice:
    """A warning shared by many rows: the same value of the same column, counted."""

    column: str
    value: str
    reason: str
    rows: list[int] = field(default_factory=list)
    count: int = 0


@dataclass
class ImportReport:
    filename: str
    dry_run: bool = False
    rows: int = 0  # data rows read
    imported: int = 0
    errors: list[RowIssue] = field(default_factory=list)
    error_count: int = 0
    duplicates: list[RowIssue] = field(default_factory=list)
    warnings: list[Notice] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    file_error: str = ""

    @property
    def ok(self) -> bool:
        return not self.file_error and self.error_count == 0

    @property
    def truncated(self) -> bool:
        return self.error_count > len(self.errors)

    def as_dict(self) -> dict:
        """JSON-ready (for the job file and the upload page)."""
        return {
            "filename": self.filename,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "imported": self.imported,
            "ok": self.ok,
            "file_error": self.file_error,
            "error_count": self.error_count,
            "errors": [issue.__dict__ for issue in self.errors],
            "duplicates": [issue.__dict__ for issue in self.duplicates],
            "warnings": [notice.__dict__ for notice in self.warnings],
            "skipped": [
                {"row": s.number, "reason": s.reason, "text": s.text} for s in self.skipped
            ],
        }


class _Collector:
    """Errors, warnings and duplicates as the rows are checked."""

    def __init__(self, report: ImportReport, letters: Mapping[str, str]):
        self.report = report
        self.letters = letters
        self._warnings: dict[tuple[str, str, str], Notice] = {}
        # Translated reasons by the identity of their (lazy) message, kept alive with it.
        self._reasons: dict[int, tuple[Any, str]] = {}

    def error(self, row: int | None, column: str, value: Any, reason) -> None:
        self.report.error_count += 1
        if len(self.report.errors) < MAX_ERRORS:
            self.report.errors.append(self._issue(row, column, value, reason))

    def duplicate(self, row: int, value: Any, reason) -> None:
        self.report.duplicates.append(self._issue(row, "", value, reason))

    def warn(self, row: int, column: str, value: Any, reason) -> None:
        shown = _shown(column, value)
        known = self._reasons.get(id(reason))
        if known is None or known[0] is not reason:
            known = self._reasons[id(reason)] = (reason, str(reason))
        key = (column, shown, known[1])
        notice = self._warnings.get(key)
        if notice is None:
            notice = self._warnings[key] = Notice(column, shown, known[1])
            self.report.warnings.append(notice)
        notice.count += 1
        if len(notice.rows) < WARNING_ROWS:
            notice.rows.append(row)

    def _issue(self, row, column, value, reason) -> RowIssue:
        return RowIssue(
            row=row,
            column=column,
            letter=self.letters.get(column, ""),
            value=_shown(column, value),
            reason=str(reason),
        )


def _shown(column: str, value: Any) -> str:
    """A cell value as the report shows it: personal data masked, long text cut."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        text = value.strftime("%Y-%m-%d")
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = " ".join(str(value).split())
    if column in _PERSONAL and text:
        parts = _SPLIT.split(text)
        if column == "身份证号":
            parts = [masking.mask_resident_id(p) if "*" not in p else p for p in parts]
        elif column == "联系电话":
            parts = [masking.mask_phone(p) if "*" not in p else p for p in parts]
        else:
            parts = [masking.mask_name(p) if "*" not in p else p for p in parts]
        text = SEPARATOR.join(parts)
    return text if len(text) <= 60 else text[:59] + "…"


# =============================================================================== import: checks


@dataclass(slots=True)
class _Row:
    """One validated ledger row, ready to insert."""

    number: int
    received_on: date
    channel: str
    level: str
    collective: bool
    headcount: int
    people: list[tuple[str, str, str]]  # (name, id number, phone)
    community: Community
    category: Category | None
    text: str
    complained_unit: Unit | None
    complained_text: str
    owner_unit: Unit | None
    owner_unit_text: str
    leader: Staff | None
    leader_text: str
    status: str
    accepted_on: date | None
    replied_on: date | None
    concluded_on: date | None
    repeat: bool
    satisfaction: str | None
    # A declined matter (its status may be "concluded": declined, then concluded).
    declined: bool = False
    outcome: str = ""  # 办理结果 as written
    ledger_number: str = ""  # 信访编号 as written

    @property
    def title(self) -> str:
        return _title_of(self.text)

    @property
    def person_key(self) -> str:
        name, id_number, _phone = self.people[0]
        return f"id:{id_number}" if id_number else f"name:{name}"


def _title_of(text: str) -> str:
    first = text.replace("\n", " ")
    return first if len(first) <= TITLE_LENGTH else first[: TITLE_LENGTH - 1] + "…"


def _duplicate_key(received_on: date, title: str, person_key: str) -> bytes:
    text = f"{received_on.isoformat()}\x1f{title}\x1f{person_key}"
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def _id_key(id_number: str) -> bytes:
    return hashlib.blake2b(id_number.encode("ascii", "replace"), digest_size=12).digest()


class _Lookups:
    """What rows are checked against: communities, categories, units, leaders, scope."""

    def __init__(self, actor):
        self.today = timezone.localdate()
        communities = list(Community.objects.select_related("street").order_by("order", "id"))
        self.communities: dict[str, Community | None] = {}
        for community in communities:
            for key in {community.name, community.name.removesuffix("社区")}:
                # Two streets with the same community name: ambiguous, refused.
                self.communities[key] = None if key in self.communities else community
        self.community_names = SEPARATOR.join(c.name for c in communities) or "—"

        categories = list(
            Category.objects.filter(kind=Kind.PETITION, active=True).select_related("parent")
        )
        self.categories: dict[str, Category | None] = {}
        paths = []
        for category in categories:
            name = category.name
            self.categories[name] = None if name in self.categories else category
            if category.parent_id:
                path = f"{category.parent.name}/{name}"
                self.categories[path] = category
                paths.append(path)
        self.category_names = (
            SEPARATOR.join(
                c.name if self.categories.get(c.name) is c else f"{c.parent.name}/{c.name}"
                for c in sorted(categories, key=lambda c: (c.order, c.pk))
            )
            or "—"
        )

        self.units: dict[str, Unit] = {}
        for unit in Unit.objects.order_by("id"):
            self.units.setdefault(_fold(unit.name), unit)

        approving = [r for r, perms in ROLE_PERMISSIONS.items() if Perm.PETITIONS_APPROVE in perms]
        self.leaders: dict[str, Staff | None] = {}
        for staff in Staff.objects.filter(grants__role__in=approving).distinct():
            key = _fold(staff.name)
            self.leaders[key] = None if key in self.leaders else staff

        reach = reach_of(actor)
        # No actor: the command line, run by whoever operates the server.
        self.admin = actor is None or reach.can(Perm.ADMIN_MANAGE)
        self.scope = reach.scope(Perm.PETITIONS_REGISTER)

    def may_register(self, community: Community) -> bool:
        return self.admin or self.scope.covers(community_id=community.pk)


def _fold(text: str) -> str:
    return "".join(str(text).split()).casefold()


def _cells(text: str) -> list[str]:
    """The values of a cell naming several people, in order (inner blanks kept, trailing cut)."""
    if not text:
        return []
    parts = [part.strip() for part in _SPLIT.split(text.strip())]
    while parts and not parts[-1]:
        parts.pop()
    return parts


class _RowChecker:
    def __init__(self, lookups: _Lookups, collector: _Collector):
        self.lookups = lookups
        self.c = collector
        self._choices: dict[tuple, Any] = {}

    def check(self, number: int, values: Mapping[str, Any]) -> _Row | None:
        """The validated row, or None after recording its errors (and its warnings)."""
        errors_before = self.c.report.error_count
        err = self.c.error
        look = self.lookups

        def cell(name: str, parser, *args, **kwargs):
            try:
                return parser(values.get(name), *args, **kwargs)
            except CellError as exc:
                err(number, name, values.get(name), exc.message)
                return None

        choice = self._choice
        received_on = cell("登记日期", parse_date, required=True)
        channel = choice(number, values, "信访形式", CHANNELS, required=True)
        level = choice(number, values, "信访层级", LEVELS) or "street"
        collective = bool(choice(number, values, "是否集体访", YES_NO))
        headcount = cell("人数", parse_int, 1)
        status = choice(number, values, "办理状态", LEDGER_STATUSES)
        dates = {}
        for column in ("受理日期", "答复日期", "办结日期"):
            dates[column] = cell(column, parse_date)
        repeat = bool(choice(number, values, "是否重复信访", YES_NO))
        satisfaction = choice(number, values, "满意度", SATISFACTION)
        text = cell("信访事项", parse_text, required=True) or ""
        outcome = cell("办理结果", parse_text) or ""
        ledger_number = cell("信访编号", parse_text) or ""

        people = self._people(number, values)
        community = self._community(number, values)
        category = self._category(number, values)
        complained_unit, complained_text = self._unit(number, values, "被反映单位")
        owner_unit, owner_unit_text = self._unit(number, values, "责任单位")
        leader, leader_text = self._leader(number, values)

        if headcount is None and values.get("人数") in (None, ""):
            if collective:
                err(number, "人数", "", MSG_COLLECTIVE_HEADCOUNT)
            headcount = max(len(people), 1)
        if headcount is not None and people and headcount < len(people):
            err(
                number,
                "人数",
                values.get("人数"),
                format_lazy(MSG_HEADCOUNT_BELOW, value=headcount, count=len(people)),
            )
        if complained_unit is not None and complained_unit == owner_unit:
            err(number, "责任单位", owner_unit_text, MSG_COMPLAINED_IS_OWNER)

        # Dates: none in the future, none before the date received, in the order of handling.
        all_dates = {"登记日期": received_on, **dates}
        for column, day in all_dates.items():
            if day is not None and day > look.today:
                err(number, column, values.get(column), format_lazy(MSG_FUTURE, value=day))
        order = ("登记日期", "受理日期", "答复日期", "办结日期")
        for later_index in range(1, len(order)):
            later = order[later_index]
            if all_dates[later] is None:
                continue
            for earlier in reversed(order[:later_index]):
                if all_dates[earlier] is None:
                    continue
                if all_dates[later] < all_dates[earlier]:
                    err(
                        number,
                        later,
                        values.get(later),
                        format_lazy(
                            MSG_BEFORE,
                            column=later,
                            value=all_dates[later],
                            other=earlier,
                            other_value=all_dates[earlier],
                        ),
                    )
                break
        accepted_on, replied_on, concluded_on = (
            dates["受理日期"],
            dates["答复日期"],
            dates["办结日期"],
        )
        if status is None and values.get("办理状态") in (None, ""):
            status = (
                "concluded"
                if concluded_on
                else "replied"
                if replied_on
                else "accepted"
                if accepted_on
                else "registered"
            )
        if status is not None:
            self._status_dates(number, values, status, dates)
        declined = status == "declined"
        if declined and concluded_on is not None:
            status = "concluded"  # declined, then concluded: the decline notice was the answer
        if satisfaction and replied_on is None:
            err(number, "满意度", values.get("满意度"), MSG_SATISFACTION_NO_REPLY)
        if community is not None and not look.may_register(community):
            err(
                number,
                "所属社区",
                values.get("所属社区"),
                format_lazy(MSG_NO_SCOPE, community=community.name),
            )

        if self.c.report.error_count != errors_before:
            return None
        # Warnings only for rows that will be imported.
        for column, found, written in (
            ("被反映单位", complained_unit, complained_text),
            ("责任单位", owner_unit, owner_unit_text),
        ):
            if written and found is None:
                self.c.warn(number, column, written, MSG_UNKNOWN_UNIT)
        if declined and accepted_on is None:
            self.c.warn(number, "受理日期", "", MSG_DECISION_DATE_UNKNOWN)
        if leader_text and leader is None:
            ambiguous = look.leaders.get(_fold(leader_text), False) is None
            self.c.warn(
                number,
                "包案领导",
                leader_text,
                MSG_AMBIGUOUS_LEADER if ambiguous else MSG_UNKNOWN_LEADER,
            )
        return _Row(
            number=number,
            received_on=received_on,
            channel=channel,
            level=level,
            collective=collective,
            headcount=headcount,
            people=people,
            community=community,
            category=category,
            text=text,
            complained_unit=complained_unit,
            complained_text="" if complained_unit else complained_text[:200],
            owner_unit=owner_unit,
            owner_unit_text="" if owner_unit else owner_unit_text,
            leader=leader,
            leader_text="" if leader else leader_text,
            status=status,
            accepted_on=accepted_on,
            replied_on=replied_on,
            concluded_on=concluded_on,
            repeat=repeat,
            satisfaction=satisfaction,
            declined=declined,
            outcome=outcome,
            ledger_number=ledger_number[:60],
        )

    # -- columns ---------------------------------------------------------------------------

    def _choice(self, number: int, values: Mapping, column: str, mapping, *, required=False):
        """parse_choice() of the cell, remembered per column and spelling (a ledger repeats a
        handful of them a hundred thousand times); errors are not remembered."""
        value = values.get(column)
        key = (column, value.__class__, value)
        try:
            return self._choices[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable value: parsed, not remembered
            key = None
        try:
            parsed = parse_choice(value, mapping, column=column, required=required)
        except CellError as exc:
            self.c.error(number, column, value, exc.message)
            return None
        if key is not None:
            if len(self._choices) >= 10_000:
                self._choices.clear()
            self._choices[key] = parsed
        return parsed

    def _text(self, number: int, values: Mapping, column: str, *, required=False) -> str | None:
        try:
            return parse_text(values.get(column), required=required)
        except CellError as exc:
            self.c.error(number, column, values.get(column), exc.message)
            return None

    def _people(self, number: int, values: Mapping) -> list[tuple[str, str, str]]:
        err = self.c.error
        names_text = self._text(number, values, "信访人", required=True)
        ids_text = self._text(number, values, "身份证号") or ""
        phones_text = self._text(number, values, "联系电话") or ""
        if names_text is None:
            return []
        names = [name for name in _cells(names_text) if name]
        if not names:
            err(number, "信访人", values.get("信访人"), MSG_REQUIRED)
            return []
        for name in names:
            if "*" in name:
                err(number, "信访人", names_text, MSG_MASKED)
                return []
            if len(name) > NAME_LENGTH:
                err(number, "信访人", name, format_lazy(MSG_NAME_LONG, value=name))
        ids = self._validated(number, "身份证号", ids_text, len(names), validate_resident_id)
        phones = self._validated(number, "联系电话", phones_text, len(names), validate_phone)
        return [
            (name, ids[i] if i < len(ids) else "", phones[i] if i < len(phones) else "")
            for i, name in enumerate(names)
        ]

    def _validated(self, number: int, column: str, text: str, people: int, validate) -> list[str]:
        parts = _cells(text)
        if not parts:
            return []
        if "*" in text:
            self.c.error(number, column, text, MSG_MASKED)
            return []
        if len(parts) > people:
            self.c.error(
                number,
                column,
                text,
                format_lazy(MSG_MORE_VALUES, column=column, count=len(parts), names=people),
            )
            return []
        result = []
        for part in parts:
            if not part:
                result.append("")
                continue
            try:
                result.append(validate(part))
            except ValidationError as exc:
                self.c.error(number, column, part, " ".join(str(m) for m in exc.messages))
                result.append("")
        return result

    def _community(self, number: int, values: Mapping) -> Community | None:
        text = self._text(number, values, "所属社区", required=True)
        if not text:
            return None
        community = self.lookups.communities.get(text)
        if community is None:
            self.c.error(
                number,
                "所属社区",
                text,
                format_lazy(
                    MSG_UNKNOWN_COMMUNITY, value=text, allowed=self.lookups.community_names
                ),
            )
        return community

    def _category(self, number: int, values: Mapping) -> Category | None:
        text = self._text(number, values, "问题类别")
        if not text:
            return None
        key = "/".join(part.strip() for part in re.split(r"[/／]", text))
        if key not in self.lookups.categories:
            self.c.error(
                number,
                "问题类别",
                text,
                format_lazy(MSG_UNKNOWN_CATEGORY, value=text, allowed=self.lookups.category_names),
            )
            return None
        category = self.lookups.categories[key]
        if category is None:
            self.c.error(
                number,
                "问题类别",
                text,
                format_lazy(
                    MSG_AMBIGUOUS_CATEGORY, value=text, allowed=self.lookups.category_names
                ),
            )
        return category

    def _unit(self, number: int, values: Mapping, column: str) -> tuple[Unit | None, str]:
        text = self._text(number, values, column) or ""
        if not text:
            return None, ""
        return self.lookups.units.get(_fold(text)), text

    def _leader(self, number: int, values: Mapping) -> tuple[Staff | None, str]:
        text = self._text(number, values, "包案领导") or ""
        if not text:
            return None, ""
        return self.lookups.leaders.get(_fold(text)), text

    def _status_dates(self, number: int, values: Mapping, status: str, dates: dict) -> None:
        """Which of 受理日期 / 答复日期 / 办结日期 each state needs, and which it cannot have."""
        label = choice_label(LEDGER_STATUSES, status)
        # 不予受理 without 受理日期 is imported with the decision date unknown (a warning), and
        # with a 办结日期 it is a declined matter since concluded.
        needs = {
            "registered": (),
            "accepted": ("受理日期",),
            "assigned": ("受理日期",),
            "handling": ("受理日期",),
            "declined": (),
            "transferred": ("受理日期",),
            "replied": ("受理日期", "答复日期"),
            "concluded": ("办结日期",),
        }[status]
        forbids = {
            "registered": ("受理日期", "答复日期", "办结日期"),
            "accepted": ("答复日期", "办结日期"),
            "assigned": ("答复日期", "办结日期"),
            "handling": ("答复日期", "办结日期"),
            "declined": ("答复日期",),
            "transferred": ("答复日期", "办结日期"),
            "replied": ("办结日期",),
            "concluded": (),
        }[status]
        for column in needs:
            if dates[column] is None:
                self.c.error(
                    number,
                    column,
                    values.get(column),
                    format_lazy(MSG_STATUS_NEEDS, status=label, column=column),
                )
        for column in forbids:
            if dates[column] is not None:
                self.c.error(
                    number,
                    column,
                    values.get(column),
                    format_lazy(
                        MSG_STATUS_FORBIDS, status=label, column=column, value=dates[column]
                    ),
                )
        if status == "concluded" and dates["答复日期"] and not dates["受理日期"]:
            self.c.error(
                number,
                "受理日期",
                values.get("受理日期"),
                format_lazy(MSG_STATUS_NEEDS, status=label, column="受理日期"),
            )


# =============================================================================== import: passes


def may_import(user) -> bool:
    """A petition office (street-wide or for its communities) imports its ledgers; a community
    worker who registers petitions received in the community (社区代办), but may not see the
    petitions there, does not."""
    reach = reach_of(user)
    if reach.can(Perm.ADMIN_MANAGE):
        return True
    return reach.can(Perm.PETITIONS_REGISTER) and reach.can(Perm.PETITIONS_VIEW)


def _existing_duplicates(rows: list[_Row], actor=None) -> dict[bytes, str]:
    """Keys of petitions already in Huiyin matching these rows: {duplicate key: case number},
    the number "" for a petition the importer may not open (it is skipped all the same)."""
    if not rows:
        return {}
    first = min(r.received_on for r in rows)
    last = max(r.received_on for r in rows)
    titles = {r.title for r in rows}
    in_period = Case.objects.filter(
        kind=Kind.PETITION,
        withdrawn=False,
        received_at__gte=_start_of_day(first),
        received_at__lt=_start_of_day(last + timedelta(days=1)),
    )
    # Most batches of an old ledger fall on days Huiyin has no petitions for: one index probe
    # then, rather than matching a thousand titles.
    if not in_period.exists():
        return {}
    cases = list(
        in_period.filter(title__in=titles).values_list("pk", "number", "title", "received_at")
    )
    if not cases:
        return {}
    firsts: dict[int, Petitioner] = {}
    for person in Petitioner.objects.filter(petition_id__in=[c[0] for c in cases]).order_by(
        "-order", "-id"
    ):
        firsts[person.petition_id] = person  # the last assignment is the first petitioner
    shown = {c[0] for c in cases}
    if actor is not None and not reach_of(actor).can(Perm.ADMIN_MANAGE):
        shown = set(
            Case.objects.visible_to(actor).filter(pk__in=shown).values_list("pk", flat=True)
        )
    found = {}
    for pk, number, title, received_at in cases:
        number = number if pk in shown else ""
        person = firsts.get(pk)
        if person is None:
            continue
        key = f"id:{person.id_number}" if person.id_number else f"name:{person.name}"
        day = timezone.localtime(received_at, CHINA_TZ).date()
        found[_duplicate_key(day, title, key)] = number
    return found


def _start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=CHINA_TZ)


@dataclass
class _Plan:
    """What reading the sheet leaves for the end: the writer, and which rows to link."""

    writer: _Writer | None = None  # None on a dry run
    actor: object = None  # who imports: a duplicate they may not open is not named to them
    # Repeat rows: their earlier petition in this file (by row number), or None (look in Huiyin).
    repeat_of_row: dict[int, int | None] = field(default_factory=dict)


def _read_and_write(
    path, filename: str, checker: _RowChecker, report: ImportReport, plan: _Plan, progress
) -> None:
    """Check every row; while there is no error, hand each batch of valid rows to the writer."""
    in_file: dict[bytes, int] = {}  # duplicate key → first row
    by_person: dict[bytes, list[tuple[date, int]]] = defaultdict(list)
    repeat_rows: list[tuple[int, date, bytes]] = []
    pending: list[_Row] = []

    def flush() -> None:
        if plan.writer is not None:
            plan.writer.wait()  # the connection is the writer thread's until then
        existing = _existing_duplicates(pending, plan.actor)
        kept = []
        for row in pending:
            key = _duplicate_key(row.received_on, row.title, row.person_key)
            # The file first: the rows of this import inserted so far are in Huiyin too.
            if key in in_file:
                checker.c.error(
                    row.number,
                    "信访事项",
                    row.text,
                    format_lazy(MSG_DUPLICATE_IN_FILE, row=in_file[key]),
                )
                continue
            if key in existing:
                checker.c.duplicate(
                    row.number,
                    row.text,
                    format_lazy(MSG_DUPLICATE_IN_HUIYIN, number=existing[key])
                    if existing[key]
                    else MSG_DUPLICATE_HIDDEN,
                )
                continue
            in_file[key] = row.number
            kept.append(row)
            id_number = row.people[0][1]
            if id_number:
                person = _id_key(id_number)
                by_person[person].append((row.received_on, row.number))
                if row.repeat:
                    repeat_rows.append((row.number, row.received_on, person))
            elif row.repeat:
                plan.repeat_of_row[row.number] = None
        if plan.writer is not None and not report.error_count:  # after an error, no more
            plan.writer.write(kept)
        pending.clear()

    message = MSG_PASS_CHECK if plan.writer is None else MSG_PASS_WRITE
    with read_rows(
        path, filename=filename, columns=IMPORT_COLUMNS, aliases=IMPORT_ALIASES
    ) as reader:
        checker.c.letters = reader.column_letters
        total = _row_estimate(reader)
        for line in reader:
            report.rows += 1
            row = checker.check(line.number, line.values)
            if row is not None:
                pending.append(row)
                if len(pending) >= BATCH:
                    flush()
            if progress and report.rows % 500 == 0:
                progress(report.rows, total, message)
        flush()
        report.skipped = list(reader.skipped)
    if plan.writer is not None and not report.error_count:
        plan.writer.drain()
    if progress:
        progress(report.rows, report.rows, message, force=True)

    # The earlier petition of each repeat: the latest row of the same ID before it.
    for number, day, person in repeat_rows:
        earlier = [(d, n) for d, n in by_person[person] if (d, n) < (day, number)]
        plan.repeat_of_row[number] = max(earlier)[1] if earlier else None


def _row_estimate(reader) -> int | None:
    if reader.last_row_hint:
        return max(reader.last_row_hint - reader.header_rows[-1], 1)
    return None


# -- clocks ------------------------------------------------------------------------------


class _Table:
    """Rows of one table, inserted per batch in one statement (COPY on PostgreSQL).

    The ORM's bulk_create() prepares every field of every object through the query compiler,
    which costs more than the insert itself for a 100,000-row ledger (and SQLite's parameter
    limit cuts its batches to a few dozen rows). Here each row is a dict by attname; plain
    columns pass as they are, the others (dates, JSON, encrypted text) through their field's
    own get_db_prep_save(), so what reaches the database is what the ORM would write.
    """

    _PLAIN = (
        models.CharField,
        models.TextField,
        models.IntegerField,
        models.PositiveIntegerField,
        models.PositiveSmallIntegerField,
        models.BigAutoField,
        models.BooleanField,
        models.ForeignKey,
        models.OneToOneField,
    )

    def __init__(self, model, now: datetime, *, auto_id: bool = False):
        self.model = model
        # A table no other row points to leaves its ids to the database (fewer round trips).
        self.fields = [f for f in model._meta.concrete_fields if not (auto_id and f.primary_key)]
        self.connection = connections[router.db_for_write(model)]
        quote = self.connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in self.fields)
        # Names from the model's own metadata, quoted; values are parameters.
        table = quote(model._meta.db_table)
        self.copy_sql = f"COPY {table} ({columns}) FROM STDIN"
        # PostgreSQL: the column types for a binary COPY, asked before the writer thread
        # starts (see binary()); None: text COPY.
        self.types: list[int] | None = None
        self._select_none = f"SELECT {columns} FROM {table} WHERE false"  # noqa: S608
        self.defaults = {}
        for f in self.fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.defaults[f.attname] = now
            elif f.primary_key:
                self.defaults[f.attname] = None
            else:
                self.defaults[f.attname] = f.get_default()
        # The row in column order in one C call; then only the columns that need converting.
        self.values = operator.itemgetter(*(f.attname for f in self.fields))
        # (index, field to convert through, memo): dates, `now` and the clocks' lists of
        # years repeat endlessly in a ledger, so each is converted once.
        self.converts = [
            (index, f, {} if isinstance(f, models.DateField | models.JSONField) else None)
            for index, f in enumerate(self.fields)
            if type(f) not in self._PLAIN
        ]
        self.insert_sql = f"INSERT INTO {table} ({columns}) SELECT {{}} FROM json_each(?)"  # noqa: S608
        self.rows: list[list] = []

    def json_insert(self, rows: list[list]) -> tuple[str, list]:
        """SQLite: the batch as one INSERT … SELECT over one JSON array, which SQLite runs
        without Python's lock (executemany() takes the lock back to bind every row, so the
        thread preparing the next batch and the writer thread would keep waiting for each
        other). The columns alike in every row of the batch are bound once instead. JSON keeps
        every value this import writes: text, integers, booleans (as 1/0) and nulls."""
        picks, params, varying = [], [], []
        for column in zip(*rows, strict=True):
            if column.count(column[0]) == len(column):
                picks.append("?")
                params.append(column[0])
            else:
                picks.append(f"json_extract(value, '$[{len(varying)}]')")
                varying.append(column)
        data = list(zip(*varying, strict=True)) if varying else [()] * len(rows)
        params.append(json.dumps(data, ensure_ascii=False))
        return self.insert_sql.format(", ".join(picks)), params

    def add(self, values: dict) -> None:
        merged = self.defaults.copy()
        merged.update(values)
        row = list(self.values(merged))
        connection = self.connection
        for index, convert, memo in self.converts:
            value = row[index]
            if value is None:
                continue
            key = tuple(value) if value.__class__ is list else value  # clocks' year lists
            if memo is None or key.__class__ is dict:
                row[index] = convert.get_db_prep_save(value, connection)
            else:
                converted = memo.get(key)
                if converted is None:
                    converted = memo[key] = convert.get_db_prep_save(value, connection)
                row[index] = converted
        self.rows.append(row)

    def binary(self, cursor) -> None:
        """Switch this table to a binary COPY: no text to format here nor to parse on the
        server. Not for columns psycopg cannot write in binary (tsvector)."""
        cursor.execute(self._select_none)
        types = [column.type_code for column in cursor.description]
        if 3614 not in types:  # tsvector
            self.types = types
            self.copy_sql += " (FORMAT BINARY)"

    def take(self) -> list[list]:
        """The rows added since the last take(), for :func:`_insert`."""
        rows, self.rows = self.rows, []
        return rows


def _insert(connection, batch: list[tuple[_Table, list[list]]]) -> None:
    """Insert prepared rows, table by table in order, on the import's own connection and
    transaction — called in the writer thread (see :meth:`_Writer.write`), so it goes through
    the DB-API connection itself, not Django's per-thread wrapper."""
    raw = connection.connection
    with connection.wrap_database_errors:
        cursor = raw.cursor()
        try:
            for table, rows in batch:
                if not rows:
                    continue
                if connection.vendor == "postgresql":
                    # COPY: the fastest way in, several times faster than executemany().
                    with cursor.copy(table.copy_sql) as copy:
                        if table.types is not None:
                            copy.set_types(table.types)
                        for row in rows:
                            copy.write_row(row)
                else:
                    cursor.execute(*table.json_insert(rows))
        finally:
            cursor.close()


class _Background:
    """A function run in a thread of its own; result() waits and re-raises its error."""

    def __init__(self, fn: Callable, *args):
        self.error: BaseException | None = None
        self.thread = threading.Thread(
            target=self._run, args=(fn, args), name="ledger-import-writer", daemon=True
        )
        self.thread.start()

    def _run(self, fn: Callable, args: tuple) -> None:
        try:
            fn(*args)
        except BaseException as exc:  # handed to the importing thread by result()
            self.error = exc

    def result(self) -> None:
        self.thread.join()
        if self.error is not None:
            raise self.error


def _new_ids(model, count: int, *, above: int = 0) -> list[int]:
    """`count` fresh primary keys for rows inserted with explicit ids.

    PostgreSQL: taken from the table's own sequence, so concurrent inserts never collide.
    SQLite: above the largest id and above `above` (the ids handed out for rows not inserted
    yet), which is safe because the import's transaction holds the database's only write lock
    (settings open every transaction IMMEDIATE).
    """
    if not count:
        return []
    connection = connections[router.db_for_write(model)]
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk, count],
            )
            return [row[0] for row in cursor.fetchall()]
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT COALESCE(MAX({quote(pk)}), 0) FROM {quote(table)}")  # noqa: S608
        first = max(cursor.fetchone()[0], above) + 1
    return list(range(first, first + count))


class _Clocks:
    """Due dates computed once per (limit, start day): a ledger has few distinct days."""

    def __init__(self, today: date, now: datetime):
        from huiyin.cases.clocks import PETITIONER_WINDOWS

        self.today = today
        self.now = now
        self.windows = PETITIONER_WINDOWS
        self.limits = {code: deadlines.limit(code) for code in deadlines.LIMITS}
        # One calendar for the whole import, read now: the rows are prepared while the writer
        # thread uses the connection, so preparing them must not query the database.
        self.calendar = deadlines.current_calendar()
        self._cache: dict[tuple[str, date], deadlines.Due] = {}

    def due(self, code: str, start: date) -> deadlines.Due:
        key = (code, start)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self.limits[code].due(start, calendar=self.calendar)
        return found

    def build(self, row: _Row) -> list[dict]:
        """The clocks of an imported petition, stopped on the ledger's dates or running."""
        clocks: list[dict] = []

        def add(
            code: str, start: date, stop: date | None, *, lapse: bool = False, unknown=False
        ) -> None:
            computed = self.due(code, start)
            lim = self.limits[code]
            clock = {
                "code": code,
                "party": Clock.Party.PETITIONER if code in self.windows else Clock.Party.OFFICE,
                "started_on": start,
                "due_on": computed.date,
                "days": lim.days,
                "working_days": lim.working_days,
                "unknown_years": list(computed.unknown_years),
            }
            if unknown:
                # Stopped on a day nobody wrote down: no stop date, no outcome (not "met").
                clock["stopped_at"], clock["stopped_on"], clock["outcome"] = self.now, None, ""
            elif stop is not None:
                clock["stopped_at"], clock["stopped_on"] = self.now, stop
                met = stop <= computed.date
                clock["outcome"] = Clock.Outcome.MET if met else Clock.Outcome.LATE
            elif lapse and computed.date < self.today:
                # The petitioner's window passed unused, as `huiyin tick` would have closed it.
                clock["stopped_at"], clock["stopped_on"] = self.now, computed.date
                clock["outcome"] = Clock.Outcome.LAPSED
            clocks.append(clock)

        status = row.status
        # A decline without its date: decided, on a day unknown — never the conclusion's date.
        unknown = row.declined and row.accepted_on is None
        decided = row.accepted_on or (
            row.concluded_on if status == "concluded" and not row.declined else None
        )
        codes = ["register_transfer", "acceptance_notice"]
        if row.channel == Channel.ASSIGNED:
            codes.append("transfer_objection")
        for code in codes:
            add(code, row.received_on, decided, unknown=unknown)
        handled = status in ("accepted", "assigned", "handling", "replied") or (
            status == "concluded" and row.replied_on is not None
        )
        if handled and row.accepted_on is not None:
            add("handling", row.accepted_on, row.replied_on)
        if row.replied_on is not None:
            add("review_request", row.replied_on, None, lapse=True)
        return clocks


# -- writing -------------------------------------------------------------------------------


class _Writer:
    """Inserts validated rows in batches: cases, petitions, people, clocks, events...

    Two threads share the work, one at a time on the connection: while the next rows are read
    and checked and a batch is prepared here (numbered, encrypted, its clocks computed —
    Python), the batch before is inserted by a writer thread (the database's work: SQLite's
    and PostgreSQL's own, with Python's lock released). Whatever else needs the connection
    first waits for the writer (:meth:`wait`). Every insert is in the import's one
    transaction; an error in either thread stops the import and rolls it all back.
    """

    def __init__(self, actor, filename: str, plan: _Plan, today: date):
        self.actor = actor
        self.actor_id = getattr(actor, "pk", None)
        self.filename = filename
        self.plan = plan
        self.now = timezone.now()
        self.clocks = _Clocks(today, self.now)
        # Which earlier petition a repeat row links to is known only when the whole sheet is
        # read (an earlier date may come further down): every row's case, and the repeats.
        self.row_to_case: dict[int, int] = {}
        self.repeats: dict[int, tuple[int, str, date]] = {}  # row → (case, ID number, day)
        self.imported = 0
        self.declined_note = gettext("Recorded in an imported ledger")
        self.note_template = str(MSG_IMPORTED_NOTE)  # translated once, not per row
        # Cases and petitions are pointed to by the rows below them: their ids are chosen here.
        self.tables = {
            model: _Table(model, self.now, auto_id=model not in (Case, CaseSearch, Petition))
            for model in self._ORDER
        }
        person = Petitioner._meta
        self.id_index = person.get_field("id_number").index_value
        self.phone_index = person.get_field("phone").index_value
        self.name_index = person.get_field("name").index_value
        self.connection = connections[router.db_for_write(Case)]
        if self.connection.vendor == "postgresql":
            with self.connection.cursor() as cursor:
                for table in self.tables.values():
                    table.binary(cursor)
        self.writing: _Background | None = None  # the insert running in the writer thread
        # The batch prepared last, not yet inserted: table rows, case ids and receipt codes
        # (the next batch's must differ from these too).
        self.pending: tuple[list, list[int], list[str]] | None = None

    def _numbers(self, rows: list[_Row]) -> list[tuple[int, int, str]]:
        """(year, seq, number) for each row, allocated in blocks from the case counters."""
        wanted: dict[tuple[int, int], int] = defaultdict(int)
        for row in rows:
            wanted[(row.community.street_id, row.received_on.year)] += 1
        firsts: dict[tuple[int, int], int] = {}
        streets = {row.community.street_id: row.community.street for row in rows}
        for (street_id, year), count in sorted(wanted.items()):
            CaseCounter.objects.bulk_create(
                [CaseCounter(street_id=street_id, kind=Kind.PETITION, year=year, last=0)],
                ignore_conflicts=True,
            )
            counter = CaseCounter.objects.select_for_update().get(
                street_id=street_id, kind=Kind.PETITION, year=year
            )
            firsts[(street_id, year)] = counter.last + 1
            counter.last += count
            counter.save(update_fields=["last"])
        result = []
        for row in rows:
            key = (row.community.street_id, row.received_on.year)
            seq = firsts[key]
            firsts[key] += 1
            short = streets[row.community.street_id].short_name
            year = row.received_on.year
            result.append((year, seq, format_number(short, Kind.PETITION, year, seq)))
        return result

    def _note(self, row: _Row) -> str:
        return self.note_template.format(file=self.filename, row=row.number)

    def write(self, rows: list[_Row]) -> None:
        """Start inserting the batch before in the writer thread, prepare this one, and
        return with the insert still running: it goes on while the next rows are read and
        checked. The last batch is inserted by :meth:`drain`."""
        if not rows:
            return
        self.wait()
        # Numbers, ids and receipt codes first: these ask the database, which is free now.
        numbers = self._numbers(rows)
        pending_ids, pending_codes = (
            (self.pending[1], self.pending[2]) if self.pending else ([], [])
        )
        case_ids = _new_ids(Case, len(rows), above=max(pending_ids, default=0))
        codes = _receipt_codes(len(rows), taken=pending_codes)
        if self.pending:
            self.writing = _Background(_insert, self.connection, self.pending[0])
        for row, (year, seq, number), case_id, code in zip(
            rows, numbers, case_ids, codes, strict=True
        ):
            self._write_row(row, year, seq, number, case_id, code, self.clocks.build(row))
        # Parents before children, as the foreign keys want them.
        self.pending = (
            [(self.tables[model], self.tables[model].take()) for model in self._ORDER],
            case_ids,
            codes,
        )
        self.imported += len(rows)

    _ORDER = (Case, CaseSearch, Petition, Petitioner, Clock, CaseEvent, FollowUp, KeyCase)

    def _write_row(self, row, year, seq, number, case_id, code, row_clocks) -> None:
        t = self.tables
        self.row_to_case[row.number] = case_id
        if row.repeat:
            self.repeats[row.number] = (case_id, row.people[0][1], row.received_on)
        office_due = [
            c["due_on"] for c in row_clocks if "stopped_at" not in c and c["party"] == "office"
        ]
        title = _title_of(row.text)
        description = row.text if title != row.text else ""
        closed_at = _start_of_day(row.concluded_on) if row.status == Status.CONCLUDED else None
        transferred_to = ""
        if row.status == Status.TRANSFERRED:
            transferred_to = (row.outcome or self.declined_note)[:TRANSFERRED_TO_LENGTH]
        # 办理结果 lands in the field of the step it answers; what fits none is kept on the
        # "imported" event (and exported again).
        outcome_placed = bool(row.outcome) and (
            row.declined
            or row.replied_on is not None
            or (row.status == Status.TRANSFERRED and transferred_to == row.outcome)
        )
        t[Case].add(
            {
                "id": case_id,
                "street_id": row.community.street_id,
                "kind": Kind.PETITION,
                "number": number,
                "year": year,
                "seq": seq,
                "title": title,
                "description": description,
                "community_id": row.community.pk,
                "category_id": row.category.pk if row.category else None,
                "status": row.status,
                "owner_unit_id": row.owner_unit.pk if row.owner_unit else None,
                "received_at": _start_of_day(row.received_on),
                "due_on": min(office_due) if office_due else None,
                "closed_at": closed_at,
                "created_by_id": self.actor_id,
            }
        )
        t[CaseSearch].add({"case_id": case_id, "grams": grams_of(number, title, description)})
        t[Petition].add(
            {
                "case_id": case_id,
                "receipt_code": code,
                "channel": row.channel,
                "level": row.level,
                "is_collective": row.collective,
                "headcount": row.headcount,
                "complained_unit_id": row.complained_unit.pk if row.complained_unit else None,
                "complained_text": row.complained_text,
                # None when a 不予受理 row has no 受理日期: unknown, not guessed.
                "accept_decision_on": row.accepted_on,
                # The statistics tell declines and transfers by these, also once concluded.
                "decline_reason": (row.outcome or self.declined_note) if row.declined else "",
                "transferred_to": transferred_to,
                "replied_on": row.replied_on,
                "reply_text": row.outcome if row.replied_on else "",
                "concluded_on": row.concluded_on,
                "is_repeat": row.repeat,
            }
        )
        for order, (name, id_number, phone) in enumerate(row.people):
            t[Petitioner].add(
                {
                    "petition_id": case_id,
                    "name": name,
                    "name_hash": self.name_index(name),
                    "name_masked": masking.mask_name(name),
                    "id_number": id_number,
                    "id_number_hash": self.id_index(id_number),
                    "id_number_masked": masking.mask_resident_id(id_number),
                    "phone": phone,
                    "phone_hash": self.phone_index(phone),
                    "phone_masked": masking.mask_phone(phone),
                    "track_hash": _track_hash(code, phone),
                    "is_representative": row.collective,
                    "order": order,
                }
            )
        for clock in row_clocks:
            clock["case_id"] = case_id
            t[Clock].add(clock)
        kept = {}
        keyed = row.leader is not None and row.owner_unit is not None
        if row.owner_unit_text:
            kept["owner_unit"] = row.owner_unit_text
        if row.leader_text or (row.leader is not None and not keyed):
            kept["key_leader"] = row.leader_text or row.leader.name
        if row.outcome and not outcome_placed:
            kept["outcome"] = row.outcome
        data: dict[str, Any] = {"source": self.filename, "row": row.number}
        if row.ledger_number:
            data["ledger_number"] = row.ledger_number
        if kept:
            data["kept"] = kept
        note = self._note(row)
        t[CaseEvent].add(
            {
                "case_id": case_id,
                "at": self.now,
                "actor_id": self.actor_id,
                "kind": "imported",
                "to_status": row.status,
                "note": note,
                "data": data,
            }
        )
        if row.satisfaction:
            t[FollowUp].add(
                {
                    "petition_id": case_id,
                    "on": row.replied_on,
                    "satisfaction": row.satisfaction,
                    "note": note,
                    "source": FollowUp.Source.STAFF,
                    "created_at": self.now,
                }
            )
        if keyed:
            handling = next((c for c in row_clocks if c["code"] == "handling"), None)
            t[KeyCase].add(
                {
                    "petition_id": case_id,
                    "leader_id": row.leader.pk,
                    "plan": note,
                    "time_limit": handling["due_on"]
                    if handling is not None
                    else row.received_on + timedelta(days=60),
                    "responsible_unit_id": row.owner_unit.pk,
                    "created_by_id": self.actor_id,
                    "closed_at": closed_at,
                }
            )

    def _link_to_huiyin(self, rows: list[int]) -> set[int]:
        """Repeat rows without an earlier petition in the file: the latest earlier one of the
        same ID number in Huiyin. Returns the rows linked.

        A petition this import inserted cannot be found here: it would have been an earlier
        row of the same ID number in the file (only petitions received before the row's day
        count, and those rows are linked in the file)."""
        linked: set[int] = set()
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            by_hash: dict[str, list[int]] = defaultdict(list)
            for number in chunk:
                by_hash[self.id_index(self.repeats[number][1])].append(number)
            earlier = Petitioner.objects.filter(id_number_hash__in=list(by_hash)).values_list(
                "id_number_hash", "petition_id", "petition__case__received_at"
            )
            best: dict[int, tuple[datetime, int]] = {}  # row → (received, petition)
            for digest, petition_id, received_at in earlier:
                for number in by_hash[digest]:
                    if received_at >= _start_of_day(self.repeats[number][2]):
                        continue
                    if number not in best or received_at > best[number][0]:
                        best[number] = (received_at, petition_id)
            _set_repeats([(petition, self.repeats[n][0]) for n, (_at, petition) in best.items()])
            linked.update(best)
        return linked

    def wait(self) -> None:
        """Wait for the insert in the writer thread, if one is running (re-raising its error):
        before anything else uses the connection."""
        writing, self.writing = self.writing, None
        if writing is not None:
            writing.result()

    def stop(self) -> None:
        """Off the connection before a rollback: wait for the writer thread, ignoring its
        error (the one being handled already says what went wrong)."""
        writing, self.writing = self.writing, None
        if writing is not None:
            writing.thread.join()

    def drain(self) -> None:
        """Insert the batch prepared last."""
        self.wait()
        if self.pending is not None:
            _insert(self.connection, self.pending[0])
            self.pending = None

    def finish(self) -> list[int]:
        """Link the repeat rows (to an earlier row of the file, else to Huiyin); returns the
        rows left without an earlier petition."""
        self.drain()
        in_file, look_up = [], []
        for number, earlier in self.plan.repeat_of_row.items():
            if number not in self.repeats:
                continue
            if earlier is not None:
                in_file.append((self.row_to_case[earlier], self.repeats[number][0]))
            elif self.repeats[number][1]:
                look_up.append(number)
        _set_repeats(in_file)
        linked = self._link_to_huiyin(look_up)
        return sorted(
            n
            for n, earlier in self.plan.repeat_of_row.items()
            if earlier is None and n not in linked
        )


def _set_repeats(links: list[tuple[int, int]]) -> None:
    """(earlier petition, petition) pairs: set repeat_of, one executemany (the petitions
    were inserted with is_repeat set)."""
    if not links:
        return
    connection = connections[router.db_for_write(Petition)]
    quote = connection.ops.quote_name
    sql = (
        f"UPDATE {quote(Petition._meta.db_table)} SET {quote('repeat_of_id')} = %s "  # noqa: S608
        f"WHERE {quote('case_id')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, links)


def _receipt_codes(count: int, *, taken: Iterable[str] = ()) -> list[str]:
    """Fresh receipt codes, none already in the database (checked in one query) or `taken`."""
    codes: list[str] = []
    pending = set(taken)
    while len(codes) < count:
        batch = set(_random_receipt_codes(count - len(codes))) - set(codes) - pending
        codes.extend(batch - _receipt_codes_in_use(batch))
    return codes


def _receipt_codes_in_use(codes: set[str]) -> set[str]:
    connection = connections[router.db_for_read(Petition)]
    if connection.vendor != "postgresql":
        return set(
            Petition.objects.filter(receipt_code__in=codes).values_list("receipt_code", flat=True)
        )
    # One array parameter instead of a thousand: PostgreSQL plans it in a fraction of the time.
    quote = connection.ops.quote_name
    sql = (
        f"SELECT {quote('receipt_code')} FROM {quote(Petition._meta.db_table)} "  # noqa: S608
        f"WHERE {quote('receipt_code')} = ANY(%s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(codes)])
        return {row[0] for row in cursor.fetchall()}


#: Random bytes below this value map evenly onto the receipt alphabet (the rest are dropped).
_RECEIPT_BYTE_LIMIT = 256 - 256 % len(RECEIPT_ALPHABET)
_RECEIPT_BYTES = bytes(
    ord(RECEIPT_ALPHABET[b % len(RECEIPT_ALPHABET)]) for b in range(_RECEIPT_BYTE_LIMIT)
) + bytes(256 - _RECEIPT_BYTE_LIMIT)
_RECEIPT_DROP = bytes(range(_RECEIPT_BYTE_LIMIT, 256))


def _random_receipt_codes(count: int) -> list[str]:
    """`count` codes as new_receipt_code() makes them — the same alphabet and length, each
    character uniform, from the operating system's CSPRNG — but from one read of random bytes
    mapped in C, not a secrets.choice() per character (a tenth of the time)."""
    need = count * RECEIPT_LENGTH
    chars = b""
    while len(chars) < need:
        raw = os.urandom(need - len(chars) + need // 16 + 16)
        chars += raw.translate(_RECEIPT_BYTES, _RECEIPT_DROP)
    text = chars[:need].decode("ascii")
    return [text[i : i + RECEIPT_LENGTH] for i in range(0, need, RECEIPT_LENGTH)]


def _track_hash(receipt_code: str, phone: str) -> str:
    from huiyin.petitions.services import _track_hash as track_hash

    return track_hash(receipt_code, phone)


def import_petition_ledger(
    path: str | os.PathLike | IO[bytes],
    *,
    filename: str,
    actor,
    dry_run: bool = False,
    progress: Progress | None = None,
    request=None,
) -> ImportReport:
    """Validate the ledger and, when every row is valid and not `dry_run`, import it.

    `path` is a file path or a binary file; `filename` decides the format (.xlsx/.csv) and is
    recorded on each case. Needs Perm.PETITIONS_REGISTER (rows only
    in its scope) or ADMIN_MANAGE: PermissionDenied otherwise; `actor` None is the command line
    (every community). A file that cannot be read at all gives a report with `file_error`;
    nothing raises for bad data.
    """
    if actor is not None and not may_import(actor):
        raise PermissionDenied
    name = Path(str(filename)).name
    report = ImportReport(filename=name, dry_run=dry_run)
    lookups = _Lookups(actor)
    collector = _Collector(report, {})
    checker = _RowChecker(lookups, collector)
    plan = _Plan(actor=actor)
    unlinked: list[int] = []
    try:
        # A dry run writes nothing and takes no write lock.
        with nullcontext() if dry_run else transaction.atomic():
            if not dry_run:
                writer = plan.writer = _Writer(actor, name, plan, lookups.today)
                if writer.connection.vendor == "postgresql":
                    # The foreign keys of each batch checked as it is inserted, in the writer
                    # thread beside the reading of the next, not all at commit: the same
                    # checks, earlier (until the transaction ends).
                    with writer.connection.cursor() as cursor:
                        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            try:
                _read_and_write(_rewind(path), name, checker, report, plan, progress)
            finally:
                if plan.writer is not None:
                    plan.writer.stop()
            if report.rows == 0:
                report.file_error = str(MSG_EMPTY_FILE)
            if report.truncated:
                message = str(format_lazy(MSG_TOO_MANY_ERRORS, count=MAX_ERRORS))
                report.errors.append(RowIssue(None, "", "", "", message))
            if not report.ok or dry_run:
                if not dry_run:
                    transaction.set_rollback(True)  # what was inserted before the error
                return report
            unlinked = writer.finish()
            audit.record(
                IMPORT_ACTION,
                actor=actor,
                request=request,
                target_label=name,
                diff={
                    "kind": "petitions",
                    "imported": writer.imported,
                    "rows": report.rows,
                    "duplicates_skipped": len(report.duplicates),
                    "warnings": sum(n.count for n in report.warnings),
                },
            )
    except LedgerError as exc:
        report.file_error = str(exc.message)
        report.imported = 0
        return report
    for number in unlinked:
        collector.warn(number, "是否重复信访", "是", MSG_NO_EARLIER)
    report.imported = plan.writer.imported
    return report


def _rewind(path):
    if hasattr(path, "seek"):
        path.seek(0)
    return path


# =============================================================================== error report


ERROR_REPORT_LAYOUT = (
    ("行号", 8, "int"),
    ("列", 6, "text"),
    ("列名", 14, "text"),
    ("内容", 30, "wrap"),
    ("问题", 60, "wrap"),
)


def write_error_report(report: ImportReport | Mapping, out) -> int:
    """The report's errors, duplicates and warnings as a sheet (row, column, value, reason)."""
    data = report.as_dict() if isinstance(report, ImportReport) else report

    def rows() -> Iterable[list]:
        if data.get("file_error"):
            yield [None, "", "", "", data["file_error"]]
        for issue in data.get("errors", []):
            yield [issue["row"], issue["letter"], issue["column"], issue["value"], issue["reason"]]
        for issue in data.get("duplicates", []):
            yield [issue["row"], "", "", issue["value"], issue["reason"]]
        for notice in data.get("warnings", []):
            rows_text = SEPARATOR.join(str(n) for n in notice["rows"])
            more = notice["count"] - len(notice["rows"])
            reason = notice["reason"]
            if more > 0:
                reason = f"{reason}（{gettext('and %(count)s more rows') % {'count': more}}）"
            yield [
                notice["rows"][0] if notice["rows"] else None,
                "",
                notice["column"],
                notice["value"],
                f"{reason} [{rows_text}]",
            ]

    title = gettext("Import check of %(file)s") % {"file": data.get("filename", "")}
    subtitle = gettext(
        "%(rows)s rows read, %(errors)s errors, %(duplicates)s duplicates skipped"
    ) % {
        "rows": data.get("rows", 0),
        "errors": data.get("error_count", 0),
        "duplicates": len(data.get("duplicates", [])),
    }
    return write_ledger(
        out, title=title, subtitle=subtitle, columns=ERROR_REPORT_LAYOUT, rows=rows()
    )
