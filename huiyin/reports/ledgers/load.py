"""Importing a ledger: every row checked, all rows or none written, every problem reported.

    report = import_ledger(kinds.get("petitions"), path, filename="2025台账.xlsx",
                           actor=user, dry_run=False, progress=progress)

reads the sheet once, streaming, with the kind's columns (``read.py``), in one transaction:
every row is checked, and batch by batch the valid rows are written while the next are read.
At the first error nothing more is written, the rest of the sheet is still checked (to report
every error, warning and duplicate) and the transaction is rolled back: the result is all rows
or none. A dry run only checks. The report (:class:`ImportReport`) lists each error by row,
column letter and header with the value (personal data masked) and the reason in the user's
language; warnings shared by many rows are counted once; duplicates of matters already in
Huiyin are skipped and listed. A file that cannot be read gives a report with ``file_error``;
nothing raises for bad data. The import gets one audit entry with the counts.

What is checked and written is the kind's (its :class:`~huiyin.reports.ledgers.kinds.
LedgerKind`); the order of the work, the transaction, the report, progress and the caps are
the engine's, here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Hashable, Iterable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from huiyin.privacy import audit, masking
from huiyin.reports.ledgers.export import write_ledger
from huiyin.reports.ledgers.kinds import LedgerKind
from huiyin.reports.ledgers.limits import CellError, LedgerError, SkippedRow
from huiyin.reports.ledgers.read import read_rows

__all__ = [
    "IMPORT_ACTION",
    "ImportReport",
    "ImportSession",
    "Notice",
    "RowIssue",
    "import_ledger",
    "write_error_report",
]

IMPORT_ACTION = "ledger.import"
audit.register_action(IMPORT_ACTION, _("Imported a ledger"))

#: Several values in one cell: 张三、李四 (also , ， ; ； and line breaks).
SEPARATOR = "、"
SPLIT = re.compile(r"\s*[、,，;；\n]\s*")
#: The error report keeps this many row errors; beyond it only the count.
MAX_ERRORS = 2000
#: Row numbers remembered per warning.
WARNING_ROWS = 20
#: Progress is told every this many rows.
PROGRESS_EVERY = 500

MSG_TOO_MANY_ERRORS = _("More errors follow; only the first {count} are listed.")
MSG_EMPTY_FILE = _("The sheet has no data rows below its header.")
MSG_PASS_CHECK = _("Checking rows")
MSG_PASS_WRITE = _("Importing rows")
MSG_DUPLICATE_IN_FILE = _("The same matter as row {row}.")
MSG_DUPLICATE_IN_HUIYIN = _("Already in Huiyin as {number}; skipped.")
MSG_DUPLICATE_HIDDEN = _("Already in Huiyin (a matter outside what you may open); skipped.")


# =============================================================================== results


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


class Collector:
    """Errors, warnings and duplicates as the rows are checked."""

    def __init__(
        self,
        report: ImportReport,
        letters: Mapping[str, str],
        personal: Mapping[str, str] | None = None,
    ):
        self.report = report
        self.letters = letters
        self.personal = personal or {}
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
        shown = shown_value(value, self.personal.get(column))
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
            value=shown_value(value, self.personal.get(column)),
            reason=str(reason),
        )


_MASKS = {
    "name": masking.mask_name,
    "id_number": masking.mask_resident_id,
    "phone": masking.mask_phone,
}


def shown_value(value: Any, personal: str | None = None) -> str:
    """A cell value as the report shows it: personal data masked (each of several values in
    the cell; `personal` "name", "id_number" or "phone"), long text cut."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        text = value.strftime("%Y-%m-%d")
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = " ".join(str(value).split())
    if personal and text:
        mask = _MASKS[personal]
        text = SEPARATOR.join(mask(p) if "*" not in p else p for p in SPLIT.split(text))
    return text if len(text) <= 60 else text[:59] + "…"


# =============================================================================== the session


class ImportSession:
    """One import of one sheet: the engine's calls, in order, and what a kind plugs in.

    :func:`import_ledger` creates it (``kind.start()``) before the transaction, then inside it
    calls :meth:`open`, :meth:`check` for every data row, :meth:`accept` for every
    ``batch`` rows checked, :meth:`write` with the accepted rows while no row has an error
    (never on a dry run), :meth:`drain` after the last row when all were valid, :meth:`stop`
    always, and :meth:`finish` when every row is written. This base class does it with the
    kind's columns and hooks (one row at a time through :meth:`LedgerKind.save`); a kind that
    writes in bulk subclasses it.
    """

    def __init__(
        self, kind: LedgerKind, *, actor, collector: Collector, filename: str, dry_run: bool
    ):
        self.kind = kind
        self.actor = actor
        self.collector = collector
        self.report = collector.report
        self.filename = filename
        self.dry_run = dry_run
        self.imported = 0
        self.today = timezone.localdate()
        self._before = 0  # the report's error count when the current row began
        self._first_row: dict[Hashable, int] = {}  # duplicate key → the row it was first in
        kind.prepare(self)

    @property
    def batch(self) -> int:
        return self.kind.batch

    # -- reporting, for the kind's hooks ------------------------------------------------------

    def error(self, row: int | None, column: str, value: Any, reason) -> None:
        self.collector.error(row, column, value, reason)

    def warn(self, row: int, column: str, value: Any, reason) -> None:
        self.collector.warn(row, column, value, reason)

    def row_ok(self) -> bool:
        """No error in the row being checked so far (warn only about rows that are imported)."""
        return self.report.error_count == self._before

    # -- the engine's calls -------------------------------------------------------------------

    def open(self) -> None:
        """Inside the transaction, before the first row: nothing by default."""

    def check(self, number: int, values: Mapping[str, Any]) -> Any | None:
        """The valid row, or None after reporting its errors: each column's parser, then the
        kind's rules across columns."""
        self._before = self.report.error_count
        cells: dict[str, Any] = {}
        for column in self.kind.columns:
            value = values.get(column.header)
            if column.parse is None:
                cells[column.header] = value
                continue
            try:
                cells[column.header] = column.parse(
                    value, column=column.header, required=column.required
                )
            except CellError as exc:
                self.error(number, column.header, value, exc.message)
                cells[column.header] = None
        row = self.kind.build(self, number, cells)
        return row if self.row_ok() else None

    def accept(self, rows: list) -> list:
        """The rows to write: a repeat of an earlier row of the file is an error, a matter
        already in Huiyin is skipped (and listed)."""
        existing = self.kind.existing(self, rows) if rows else {}
        kept = []
        for row in rows:
            key = self.kind.duplicate_key(row)
            if key is not None:
                column, value = self.kind.duplicate_cell(row)
                if key in self._first_row:
                    reason = format_lazy(MSG_DUPLICATE_IN_FILE, row=self._first_row[key])
                    self.error(row.number, column, value, reason)
                    continue
                if key in existing:
                    number = existing[key]
                    self.collector.duplicate(
                        row.number,
                        value,
                        format_lazy(MSG_DUPLICATE_IN_HUIYIN, number=number)
                        if number
                        else MSG_DUPLICATE_HIDDEN,
                    )
                    continue
                self._first_row[key] = row.number
            kept.append(row)
        return kept

    def write(self, rows: list) -> None:
        for row in rows:
            self.kind.save(self, row)
            self.imported += 1

    def drain(self) -> None:
        """After the last row, when every row was valid: write what is still pending."""

    def stop(self) -> None:
        """Always, before the commit or the rollback: let go of the connection."""

    def finish(self) -> Iterable[tuple[int, str, Any, Any]]:
        """When every row is written: the kind's last links; warnings for after the commit."""
        return self.kind.finish(self)


# =============================================================================== the import


def import_ledger(
    kind: LedgerKind,
    path: str | os.PathLike | IO[bytes],
    *,
    filename: str,
    actor,
    dry_run: bool = False,
    progress=None,
    request=None,
) -> ImportReport:
    """Check the ledger and, when every row is valid and not `dry_run`, import it.

    `path` is a file path or a binary file; `filename` decides the format (.xlsx/.csv) and is
    recorded on each case. PermissionDenied unless ``kind.may_import(actor)``; `actor` None
    is the command line (every community). `progress(done, total, message, force=False)` is
    told as rows are read.
    """
    if actor is not None and not kind.may_import(actor):
        raise PermissionDenied
    name = Path(str(filename)).name
    report = ImportReport(filename=name, dry_run=dry_run)
    collector = Collector(report, {}, kind.personal)
    session = kind.start(actor=actor, collector=collector, filename=name, dry_run=dry_run)
    later: list[tuple[int, str, Any, Any]] = []
    try:
        # A dry run writes nothing and takes no write lock.
        with nullcontext() if dry_run else transaction.atomic():
            if not dry_run:
                session.open()
            try:
                _read(kind, session, _rewind(path), name, progress)
            finally:
                session.stop()
            if report.rows == 0:
                report.file_error = str(MSG_EMPTY_FILE)
            if report.truncated:
                message = str(format_lazy(MSG_TOO_MANY_ERRORS, count=MAX_ERRORS))
                report.errors.append(RowIssue(None, "", "", "", message))
            if not report.ok or dry_run:
                if not dry_run:
                    transaction.set_rollback(True)  # what was written before the error
                return report
            later = list(session.finish())
            audit.record(
                IMPORT_ACTION,
                actor=actor,
                request=request,
                target_label=name,
                diff={
                    "kind": kind.key,
                    "imported": session.imported,
                    "rows": report.rows,
                    "duplicates_skipped": len(report.duplicates),
                    "warnings": sum(n.count for n in report.warnings),
                },
            )
    except LedgerError as exc:
        report.file_error = str(exc.message)
        report.imported = 0
        return report
    for row, column, value, reason in later:
        collector.warn(row, column, value, reason)
    report.imported = session.imported
    return report


def _read(kind: LedgerKind, session: ImportSession, path, filename: str, progress) -> None:
    """Check every row; while there is no error, hand each batch of valid rows to be written."""
    report = session.report
    writing = not session.dry_run
    batch = session.batch
    pending: list = []

    def flush() -> None:
        kept = session.accept(pending)
        if writing and not report.error_count:  # after an error, no more
            session.write(kept)
        pending.clear()

    message = MSG_PASS_WRITE if writing else MSG_PASS_CHECK
    with read_rows(
        path, filename=filename, columns=kind.headers, aliases=kind.aliases, required=kind.required
    ) as reader:
        session.collector.letters = reader.column_letters
        total = _row_estimate(reader)
        for line in reader:
            report.rows += 1
            row = session.check(line.number, line.values)
            if row is not None:
                pending.append(row)
                if len(pending) >= batch:
                    flush()
            if progress and report.rows % PROGRESS_EVERY == 0:
                progress(report.rows, total, message)
        flush()
        report.skipped = list(reader.skipped)
    if writing and not report.error_count:
        session.drain()
    if progress:
        progress(report.rows, report.rows, message, force=True)


def _row_estimate(reader) -> int | None:
    if reader.last_row_hint:
        return max(reader.last_row_hint - reader.header_rows[-1], 1)
    return None


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
