"""Reading ledgers (台账) the way offices keep them: .xlsx or .csv, messy, possibly large.

`read_rows()` opens a sheet, finds its header row among the first rows (title rows, a
unit-and-period row or a two-level header may sit above the data), maps the header names to
a kind's canonical column names (its headers and their aliases) and then streams the data rows
one at a time:

    with read_rows(upload, filename=upload.name, columns=..., aliases=..., required=...) as reader:
        for row in reader:                # LedgerRow(number=5, values={"登记日期": ..., ...})
            day = parse_date(row.values["登记日期"], required=True)

Row numbers are the ones a user sees in Excel (1-based, counting title and blank rows), so an
error report can say "row 17, column 登记日期". Blank rows, totals rows (合计/总计/小计), a
repeated header, a column-numbers row (1 2 3 …) and signature footers (填表人：…) are skipped;
every skipped row except blank ones is listed in `reader.skipped`. Merged cells (a community
written once for several rows) are filled in.

The sources are in ``read_xlsx.py`` and ``read_csv.py``, the limits and errors in
``limits.py``, the cell parsers (`parse_date`, `parse_int`, `parse_choice`, `parse_text`) in
``cells.py``: each returns the parsed value or raises `CellError` with a translatable message;
file-level problems raise `LedgerError`. Nothing here touches the database or knows a kind:
the columns come from the caller (a kind's ``columns``, see ``kinds.py``).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from operator import itemgetter
from pathlib import PurePath
from typing import IO, Any

from django.utils.text import format_lazy
from openpyxl.utils import get_column_letter

from huiyin.reports.ledgers.cells import _is_blank, _show, _squash, normalize_header
from huiyin.reports.ledgers.limits import (
    MSG_BAD_XLSX_ROW,
    MSG_CSV_BROKEN,
    MSG_DUPLICATE_COLUMN,
    MSG_ENCODING_ROW,
    MSG_FORMAT,
    MSG_MISSING_COLUMNS,
    MSG_NO_HEADER,
    LedgerError,
    LedgerLimits,
    LedgerRow,
    SkippedRow,
    ledger_limits,
)
from huiyin.reports.ledgers.read_csv import _CsvSource
from huiyin.reports.ledgers.read_xlsx import _XlsxSource

__all__ = [
    "HEADER_SCAN_ROWS",
    "LedgerReader",
    "read_rows",
]

HEADER_SCAN_ROWS = 15

# ---------------------------------------------------------------------------------------------
# The reader

_TOTAL_WORDS = ("合计", "总计", "小计")
_FOOTER_PREFIXES = (
    "填表人",
    "制表人",
    "填报人",
    "审核人",
    "审批人",
    "负责人",
    "统计人",
    "联系人",
    "填表日期",
    "制表日期",
    "填报日期",
    "报送日期",
    "以下空白",
    "以下无内容",
    "注:",
    "备注:",
    "说明:",
)
_MARK_START = frozenset(word[0] for word in _TOTAL_WORDS + _FOOTER_PREFIXES)
_FOOTER_MAX_CELLS = 4


def _build_lookup(columns: Sequence[str], aliases: Mapping[str, Sequence[str]]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for canonical in columns:
        for name in (canonical, *aliases.get(canonical, ())):
            key = normalize_header(name)
            if lookup.setdefault(key, canonical) != canonical:
                raise ValueError(f"header name {name!r} is claimed by two columns")
    return lookup


def _row_text(row: Sequence[Any]) -> str:
    return " ".join(_show(value) for value in row if not _is_blank(value))


class LedgerReader:
    """An open ledger: header facts as attributes, data rows by iteration (one pass).

    Attributes set on opening: `format` ("xlsx"/"csv"), `filename`, `sheet_name`, `encoding`
    and `delimiter` (CSV), `header_rows` (1-based, one or two rows), `columns` (canonical
    names found, in sheet order), `headers` (canonical → header text as written),
    `column_letters` (canonical → "B"), `unknown_columns` ([(letter, header text)], ignored),
    `missing_columns` (optional expected columns the sheet lacks; their values are None),
    `preamble` (texts of the rows above the header) and `last_row_hint` (the last row number
    the workbook claims, for progress; None for CSV). `skipped` fills while iterating.
    """

    def __init__(
        self,
        source: _XlsxSource | _CsvSource,
        *,
        filename: str,
        columns: Sequence[str],
        aliases: Mapping[str, Sequence[str]],
        required: Collection[str],
        scan_rows: int = HEADER_SCAN_ROWS,
    ):
        self._source = source
        self.filename = filename
        self.format = source.format
        self.sheet_name = source.sheet_name
        self.encoding = source.encoding
        self.delimiter = source.delimiter
        self.last_row_hint = source.last_row_hint
        self.expected_columns = tuple(columns)
        self.skipped: list[SkippedRow] = []
        self._lookup = _build_lookup(columns, aliases)
        self._rows = source.rows()
        self._number = 0
        head = self._next_rows(scan_rows + 1)
        self._find_header(head, scan_rows, required)
        last_header = self.header_rows[-1]
        self._pending = head[last_header:]
        self._iterator: Iterator[LedgerRow] | None = None

    # -- header -------------------------------------------------------------------------------

    def _next_rows(self, count: int) -> list[Sequence[Any]]:
        rows = []
        for _index in range(count):
            try:
                row = next(self._rows)
            except StopIteration:
                break
            except LedgerError:
                raise
            except Exception as exc:
                raise self._read_error(exc, self._number + 1) from exc
            rows.append(row)
            self._number += 1
        return rows

    def _read_error(self, exc: Exception, number: int) -> LedgerError:
        if isinstance(exc, UnicodeDecodeError):
            return LedgerError(format_lazy(MSG_ENCODING_ROW, row=number))
        if isinstance(exc, csv.Error):
            return LedgerError(format_lazy(MSG_CSV_BROKEN, row=number))
        return LedgerError(format_lazy(MSG_BAD_XLSX_ROW, row=number))

    def _match(self, row: Sequence[Any]) -> dict[int, str]:
        found = {}
        for index, value in enumerate(row):
            if not _is_blank(value):
                canonical = self._lookup.get(normalize_header(value))
                if canonical:
                    found[index] = canonical
        return found

    @staticmethod
    def _score(matches: dict[int, str]) -> int:
        return len(set(matches.values()))

    @staticmethod
    def _two_level(
        upper: Sequence[Any], upper_m: dict[int, str], lower: Sequence[Any], lower_m: dict[int, str]
    ) -> dict[int, str] | None:
        """A header over two rows: group labels above, and cells merged down (blank below)."""
        if not upper_m or not lower_m:
            return None
        for index in upper_m:
            if index in lower_m or (index < len(lower) and not _is_blank(lower[index])):
                return None
        return {**upper_m, **lower_m}

    def _find_header(self, head: list[Sequence[Any]], scan_rows: int, required) -> None:
        matches = [self._match(row) for row in head]
        scanned = matches[:scan_rows]
        best = max(range(len(scanned)), key=lambda i: (self._score(scanned[i]), -i), default=None)
        if best is None or not scanned[best]:
            expected = "、".join(name for name in self.expected_columns if name in required)
            raise LedgerError(format_lazy(MSG_NO_HEADER, rows=scan_rows, expected=expected or "—"))
        chosen, rows = scanned[best], (best,)
        if best > 0:
            pair = self._two_level(head[best - 1], matches[best - 1], head[best], matches[best])
            if pair and self._score(pair) > self._score(chosen):
                chosen, rows = pair, (best - 1, best)
        if best + 1 < len(head):
            pair = self._two_level(head[best], matches[best], head[best + 1], matches[best + 1])
            if pair and self._score(pair) > self._score(chosen):
                chosen, rows = pair, (best, best + 1)

        self.header_rows = tuple(index + 1 for index in rows)
        self.preamble = [text for row in head[: rows[0]] if (text := _row_text(row))]

        def written(index: int) -> str:
            for row_index in reversed(rows):
                row = head[row_index]
                if index < len(row) and not _is_blank(row[index]):
                    return " ".join(str(row[index]).split())
            return ""

        positions: dict[str, list[int]] = {}
        for index in sorted(chosen):
            positions.setdefault(chosen[index], []).append(index)
        for canonical, indexes in positions.items():
            if len(indexes) > 1:
                letters = "、".join(get_column_letter(i + 1) for i in indexes)
                raise LedgerError(
                    format_lazy(MSG_DUPLICATE_COLUMN, column=canonical, letters=letters)
                )
        width = max(len(head[i]) for i in rows)
        self.unknown_columns = [
            (get_column_letter(i + 1), text)
            for i in range(width)
            if i not in chosen and (text := written(i))
        ]
        order = sorted(chosen)
        self.columns = [chosen[i] for i in order]
        self.headers = {chosen[i]: written(i) for i in order}
        self.column_letters = {chosen[i]: get_column_letter(i + 1) for i in order}
        self._indexes = order
        missing_required = [name for name in required if name not in self.headers]
        if missing_required:
            found = "、".join(text for i in range(width) if (text := written(i))) or "—"
            raise LedgerError(
                format_lazy(
                    MSG_MISSING_COLUMNS,
                    missing="、".join(missing_required),
                    row=self.header_rows[-1],
                    found=found,
                )
            )
        self.missing_columns = [name for name in self.expected_columns if name not in self.headers]

    # -- rows ---------------------------------------------------------------------------------

    def __iter__(self) -> Iterator[LedgerRow]:
        if self._iterator is None:
            self._iterator = self._data_rows()
        return self._iterator

    def _data_rows(self) -> Iterator[LedgerRow]:
        try:
            yield from self._generate()
        finally:
            self.close()

    def _raw_rows(self) -> Iterator[tuple[int, Sequence[Any]]]:
        number = self.header_rows[-1]
        for row in self._pending:
            number += 1
            yield number, row
        self._pending = []
        rows = self._rows
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except LedgerError:
                raise
            except Exception as exc:
                raise self._read_error(exc, number + 1) from exc
            number += 1
            yield number, row

    def _fill_merged(
        self, raw: Iterator[tuple[int, Sequence[Any]]]
    ) -> Iterator[tuple[int, Sequence[Any]]]:
        """Cells merged down over data rows: every row gets the top cell's value."""
        starts: dict[int, list[tuple[int, int]]] = {}
        for col1, row1, _col2, row2 in self._source.merged:
            if row1 > self.header_rows[-1] and row2 > row1:
                starts.setdefault(row1, []).append((col1 - 1, row2))
        if not starts:
            yield from raw
            return
        active: dict[int, tuple[int, Any]] = {}
        for number, row in raw:
            for col, until in starts.get(number, ()):
                active[col] = (until, row[col] if col < len(row) else None)
            if active:
                row = list(row)
                for col, (until, value) in list(active.items()):
                    if number > until:
                        del active[col]
                        continue
                    if col >= len(row):
                        row.extend([None] * (col + 1 - len(row)))
                    row[col] = value
            yield number, row

    def _generate(self) -> Iterator[LedgerRow]:
        names = self.columns
        indexes = self._indexes
        width = indexes[-1] + 1
        take: Callable[[Sequence[Any]], tuple] = (
            itemgetter(*indexes) if len(indexes) > 1 else lambda row: (row[indexes[0]],)
        )
        absent = dict.fromkeys(self.missing_columns)
        is_csv = self.format == "csv"
        serial_index = indexes[names.index("序号")] if "序号" in names else None
        header_keys = set(self._lookup)
        first_data = True

        for number, row in self._fill_merged(self._raw_rows()):
            # The first non-blank cell decides blank rows, totals and footers.
            first = None
            for value in row:
                if value is None:
                    continue
                if value.__class__ is str and (not value or value.isspace()):
                    continue
                first = value
                break
            else:
                continue  # a blank row

            if len(row) < width:
                row = (*row, *([None] * (width - len(row))))

            reason = None
            if first.__class__ is str:
                stripped = first.lstrip()
                if stripped[0] in _MARK_START:
                    reason = self._mark(_squash(stripped), row)
                elif normalize_header(stripped) in header_keys and self._is_header_again(row):
                    reason = "header"
            if reason is None and serial_index is not None:
                serial = row[serial_index]
                if serial.__class__ is str and any(w in _squash(serial) for w in _TOTAL_WORDS):
                    reason = "totals"
            if reason is None and first_data and self._is_column_numbers(row):
                reason = "column_numbers"
            first_data = False
            if reason is not None:
                self.skipped.append(SkippedRow(number, reason, _row_text(row)))
                continue

            cells = take(row)
            if is_csv:
                cells = [cell or None for cell in cells]
            values = dict(zip(names, cells, strict=True))
            if absent:
                values.update(absent)
            yield LedgerRow(number, values)

    @staticmethod
    def _mark(text: str, row: Sequence[Any]) -> str | None:
        for word in _TOTAL_WORDS:
            if text.startswith(word) and (len(text) == len(word) or text[len(word)] in ":(（[-"):
                return "totals"
        if text.startswith(_FOOTER_PREFIXES):
            filled = sum(1 for value in row if not _is_blank(value))
            if filled <= _FOOTER_MAX_CELLS:
                return "footer"
        return None

    def _is_header_again(self, row: Sequence[Any]) -> bool:
        hits = sum(
            1
            for index, name in zip(self._indexes, self.columns, strict=True)
            if row[index].__class__ is str
            and self._lookup.get(normalize_header(row[index])) == name
        )
        return hits >= min(3, len(self.columns))

    @staticmethod
    def _is_column_numbers(row: Sequence[Any]) -> bool:
        """A row of column numbers (1 2 3 …) printed under the header of many forms."""
        numbers = []
        for value in row:
            if _is_blank(value):
                continue
            if isinstance(value, bool):
                return False
            if isinstance(value, int | float) and float(value).is_integer():
                numbers.append(int(value))
            elif isinstance(value, str) and _squash(value).isdigit():
                numbers.append(int(_squash(value)))
            else:
                return False
        return len(numbers) >= 3 and numbers == list(range(1, len(numbers) + 1))

    # -- resources ----------------------------------------------------------------------------

    def close(self) -> None:
        self._source.close()

    def __enter__(self) -> LedgerReader:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def read_rows(
    path_or_file: str | os.PathLike | IO,
    *,
    filename: str,
    columns: Sequence[str],
    aliases: Mapping[str, Sequence[str]],
    required: Collection[str] = (),
    scan_rows: int = HEADER_SCAN_ROWS,
    limits: LedgerLimits | None = None,
) -> LedgerReader:
    """Open a ledger (.xlsx: the first visible sheet; .csv: UTF-8 with or without BOM, or
    GB18030; comma or tab) and find its header. `filename` decides the format.

    `columns` are the canonical column names expected, `aliases` other spellings of them,
    `required` the columns without which the file is refused. Raises LedgerError for a file
    that cannot be read, has no recognisable header or lacks a required column, and (before or
    while rows are read) for one beyond `limits` (default: `ledger_limits()`). The reader
    is single-pass and holds the file open until iterated to the end or closed; use it as a
    context manager.
    """
    suffix = PurePath(filename).suffix.lower()
    limits = limits or ledger_limits()
    if suffix == ".xlsx":
        source: _XlsxSource | _CsvSource = _XlsxSource(path_or_file, limits)
    elif suffix == ".csv":
        source = _CsvSource(path_or_file, limits)
    else:
        raise LedgerError(MSG_FORMAT)
    try:
        return LedgerReader(
            source,
            filename=filename,
            columns=columns,
            aliases=aliases,
            required=required,
            scan_rows=scan_rows,
        )
    except BaseException:
        source.close()
        raise
