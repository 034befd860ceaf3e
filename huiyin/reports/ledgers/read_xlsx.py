"""An .xlsx sheet as an iterator of row tuples from row 1, within the limits.

The package is checked before openpyxl or lxml read it (entries, unpacked sizes, no DTD), the
shared strings and the sheet are streamed, merged title cells are remembered so the reader can
fill them in. Used by :func:`huiyin.reports.ledgers.read.read_rows`.
"""

from __future__ import annotations

import codecs
import math
import os
import re
import struct
import zipfile
from collections.abc import Iterator, Sequence
from typing import Any

from django.utils.text import format_lazy
from lxml import etree
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.xml.constants import SHARED_STRINGS

from huiyin.reports.ledgers.cells import _is_blank
from huiyin.reports.ledgers.limits import (
    EXCEL_MAX_ROWS,
    MB,
    MSG_BAD_XLSX,
    MSG_BAD_XLSX_ROW,
    MSG_CELL_TOO_LONG,
    MSG_DIMENSION,
    MSG_FAR_COLUMN,
    MSG_NO_SHEET,
    MSG_TEXT_TOO_LONG,
    MSG_TEXT_TOO_LONG_ROW,
    MSG_TOO_MANY_ROWS,
    MSG_XLSX_DOCTYPE,
    MSG_XLSX_MERGED,
    MSG_XLSX_PARTS,
    MSG_XLSX_TOO_LARGE,
    LedgerError,
    LedgerLimits,
    check_file_size,
    ledger_limits,
)

_EOCD = struct.Struct("<4s4H2LH")  # end of central directory record
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")


def _check_zip_directory(file, limits: LedgerLimits) -> None:
    """The zip's own count of entries and size of its directory, read from its end record
    before zipfile reads (and builds an object for) every entry the directory lists."""
    start = file.tell()
    try:
        end = file.seek(0, os.SEEK_END)
        tail_size = min(end - start, _EOCD.size + 0xFFFF + _ZIP64_LOCATOR.size)
        file.seek(end - tail_size)
        tail = file.read(tail_size)
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or at + _EOCD.size > len(tail):
            raise LedgerError(MSG_BAD_XLSX)
        fields = _EOCD.unpack_from(tail, at)
        entries, directory = fields[4], fields[5]
        locator_at = at - _ZIP64_LOCATOR.size
        if locator_at >= 0 and tail[locator_at : locator_at + 4] == b"PK\x06\x07":
            offset = _ZIP64_LOCATOR.unpack_from(tail, locator_at)[2]
            file.seek(start + offset)
            record = file.read(_ZIP64_EOCD.size)
            if len(record) < _ZIP64_EOCD.size or record[:4] != b"PK\x06\x06":
                raise LedgerError(MSG_BAD_XLSX)
            zip64 = _ZIP64_EOCD.unpack(record)
            entries, directory = max(entries, zip64[7]), max(directory, zip64[8])
    finally:
        file.seek(start)
    if entries > limits.max_zip_entries or directory > limits.max_zip_directory:
        raise LedgerError(format_lazy(MSG_XLSX_PARTS, limit=limits.max_zip_entries))


def _prolog_problem(head: bytes, complete: bool) -> str | None:
    """Why the start of an XML part is refused: "doctype", "damaged" or None (fine).

    A DTD — the only place entities are declared — may only stand before the root element:
    reading the prolog (declaration, comments, processing instructions) up to the root's
    start tag is enough. Excel writes UTF-8; UTF-16 is read too, anything else refused.
    """
    if head.startswith(codecs.BOM_UTF8):
        text = head[3:].decode("latin-1")
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head[: len(head) // 2 * 2].decode("utf-16", "replace")
    elif head.startswith(b"<\x00"):
        text = head[: len(head) // 2 * 2].decode("utf-16-le", "replace")
    elif head.startswith(b"\x00<"):
        text = head[: len(head) // 2 * 2].decode("utf-16-be", "replace")
    else:
        text = head.decode("latin-1")
    at, size = 0, len(text)
    while True:
        while at < size and text[at] in " \t\r\n":
            at += 1
        if at >= size:
            return None if complete else "damaged"  # an empty part: the parser says so
        if text.startswith("<?", at):
            end = text.find("?>", at)
            if end < 0:
                return None if complete else "damaged"
            at = end + 2
        elif text.startswith("<!--", at):
            end = text.find("-->", at)
            if end < 0:
                return None if complete else "damaged"
            at = end + 3
        elif text.startswith("<!", at):
            return "doctype"
        elif text[at] == "<" and at + 1 < size and (text[at + 1].isalpha() or text[at + 1] in "_:"):
            return None  # the root element
        else:
            return "damaged"


class _CappedEntry:
    """A zip entry being read, refused once it has given more than `cap` bytes (its header
    may understate its size)."""

    def __init__(self, handle, name: str, cap: int):
        self._handle = handle
        self._name = name
        self._cap = cap
        self._count = 0

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            chunks = []
            while chunk := self.read(1 << 20):
                chunks.append(chunk)
            return b"".join(chunks)
        data = self._handle.read(min(size, self._cap + 1 - self._count) or 1)
        self._count += len(data)
        if self._count > self._cap:
            raise LedgerError(
                format_lazy(MSG_XLSX_TOO_LARGE, part=self._name, mb=math.ceil(self._cap / MB))
            )
        return data

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> _CappedEntry:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


class _GuardedZip(zipfile.ZipFile):
    """A read-only zip whose entries are capped in size, by kind of part, when opened (the
    size the directory records) and while read (the bytes actually unpacked)."""

    def __init__(self, file, limits: LedgerLimits):
        super().__init__(file)
        self.limits = limits
        self.caps: dict[str, int] = {}  # part name → cap, for the parts known by their role

    def cap_of(self, name: str) -> int:
        cap = self.caps.get(name)
        if cap is not None:
            return cap
        if name.startswith("xl/worksheets/"):
            return self.limits.max_sheet_bytes
        if "sharedstrings" in name.lower():
            return self.limits.max_strings_bytes
        return self.limits.max_part_bytes

    def open(self, name, mode="r", pwd=None, *, force_zip64=False):
        handle = super().open(name, mode, pwd, force_zip64=force_zip64)
        if mode != "r":
            return handle
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        cap = self.cap_of(info.filename)
        if info.file_size > cap:
            handle.close()
            raise LedgerError(
                format_lazy(MSG_XLSX_TOO_LARGE, part=info.filename, mb=math.ceil(cap / MB))
            )
        return _CappedEntry(handle, info.filename, cap)

    _PROLOG = 1 << 16

    def check(self) -> None:
        """Entries, sizes (as recorded) and the prolog of every XML part."""
        limits = self.limits
        entries = self.infolist()
        if len(entries) > limits.max_zip_entries:
            raise LedgerError(format_lazy(MSG_XLSX_PARTS, limit=limits.max_zip_entries))
        total = 0
        for info in entries:
            total += info.file_size
            cap = self.cap_of(info.filename)
            if info.file_size > cap:
                part, mb = info.filename, math.ceil(cap / MB)
                raise LedgerError(format_lazy(MSG_XLSX_TOO_LARGE, part=part, mb=mb))
            if total > limits.max_unzipped_bytes:
                part, mb = info.filename, math.ceil(limits.max_unzipped_bytes / MB)
                raise LedgerError(format_lazy(MSG_XLSX_TOO_LARGE, part=part, mb=mb))
        for info in entries:
            if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
                continue
            with self.open(info) as source:
                head = source.read(self._PROLOG)
            problem = _prolog_problem(head, complete=len(head) < self._PROLOG)
            if problem == "doctype":
                raise LedgerError(format_lazy(MSG_XLSX_DOCTYPE, part=info.filename))
            if problem:
                raise LedgerError(MSG_BAD_XLSX)


class _LongText:
    """A shared string longer than a cell may be, kept as its length only."""

    __slots__ = ("length",)

    def __init__(self, length: int):
        self.length = length


def _huge_text(exc: Exception) -> bool:
    """lxml refusing a text node over 10 MB (libxml2 without XML_PARSE_HUGE)."""
    text = str(exc).lower()
    return isinstance(exc, etree.XMLSyntaxError) and ("too long" in text or "huge" in text)


def _read_shared_strings(archive: _GuardedZip, part: str, max_chars: int) -> list[Any]:
    """The shared string table as openpyxl reads it (plain text of each <si>: its <t> and the
    <t> of its runs, phonetic runs left out), streamed with lxml; a string over `max_chars`
    is kept as a _LongText and refused by the cell that uses it."""
    strings: list[Any] = []
    append = strings.append
    with archive.open(part) as source:
        parser = etree.iterparse(source, events=("end",), tag="{*}si", resolve_entities=False)
        for _event, item in parser:
            ns = item.tag[: item.tag.index("}") + 1] if item.tag[0] == "{" else ""
            t_tag, r_tag = ns + "t", ns + "r"
            parts = []
            for child in item:
                if child.tag == t_tag:
                    parts.append(child.text or "")
                elif child.tag == r_tag:
                    run = child.find(t_tag)
                    if run is not None:
                        parts.append(run.text or "")
            text = "".join(parts)
            if "x005F_" in text:
                text = text.replace("x005F_", "")
            append(text if len(text) <= max_chars else _LongText(len(text)))
            item.clear()
            while item.getprevious() is not None:
                del item.getparent()[0]
    return strings


class _XlsxSource:
    """The first visible worksheet of an .xlsx package, read as values (formulas' cached
    results), row by row.

    The package is checked first against the limits (file size, entries, unpacked sizes, no
    DTD in any XML part; see LedgerLimits). openpyxl then reads the package: the stylesheet
    (which styles are dates), the date epoch, the sheets and their visibility — what
    `load_workbook(read_only=True, data_only=True)` does, except building its read-only
    worksheets: a read-only worksheet looks for the sheet's recorded size when it is created,
    and a sheet without one (as openpyxl's own write-only mode saves them) is then parsed in
    full, before a single row is read. The shared strings are read by _read_shared_strings,
    the rows by _SheetRows.
    """

    format = "xlsx"
    encoding = None
    delimiter = None

    def __init__(self, path_or_file, limits: LedgerLimits | None = None):
        limits = limits or ledger_limits()
        # openpyxl refuses a path whose suffix is not .xlsx (an upload's temporary file): give
        # it an open file instead.
        self._file = None
        self._archive = None
        if isinstance(path_or_file, str | os.PathLike):
            path_or_file = self._file = open(path_or_file, "rb")  # noqa: SIM115 - see close()
        try:
            check_file_size(path_or_file, limits)
            _check_zip_directory(path_or_file, limits)
            archive = self._archive = _GuardedZip(path_or_file, limits)
            archive.check()
            package = ExcelReader(path_or_file, read_only=True, data_only=True)
            package.archive.close()
            package.archive = archive  # every part openpyxl reads goes through the caps
            package.read_manifest()
            strings_part = package.package.find(SHARED_STRINGS)
            strings: list[Any] = []
            if strings_part is not None:
                strings_path = strings_part.PartName[1:]
                archive.caps[strings_path] = limits.max_strings_bytes
                strings = _read_shared_strings(archive, strings_path, limits.max_cell_chars)
            package.read_workbook()
            apply_stylesheet(package.archive, package.wb)
            sheet = next(
                (
                    (sheet.name, rel.target)
                    for sheet, rel in package.parser.find_sheets()
                    if (sheet.state or "visible") == "visible"
                    and rel.Type.endswith("/worksheet")
                    and rel.target in package.valid_files
                ),
                None,
            )
        except LedgerError:
            self.close()
            raise
        except Exception as exc:  # a zip error, a missing part, broken XML: all the same to a user
            self.close()
            if _huge_text(exc):
                raise LedgerError(
                    format_lazy(MSG_TEXT_TOO_LONG, limit=limits.max_cell_chars)
                ) from exc
            raise LedgerError(MSG_BAD_XLSX) from exc
        if sheet is None:
            self.close()
            raise LedgerError(MSG_NO_SHEET)
        self.sheet_name, self._target = sheet
        archive.caps[self._target] = limits.max_sheet_bytes
        self.last_row_hint = None
        try:
            self._rows = _SheetRows(
                open_xml=lambda: archive.open(self._target),
                strings=strings,
                date_styles=package.wb._date_formats,
                duration_styles=package.wb._timedelta_formats,
                epoch=package.wb.epoch,
                limits=limits,
            )
            last_row = self._recorded_last_row()
            if last_row is not None and last_row > EXCEL_MAX_ROWS:
                raise LedgerError(format_lazy(MSG_DIMENSION, row=last_row))
            # A sheet may record a size past the limit for formatted empty rows; the rows
            # themselves are checked as they are read.
            self.last_row_hint = last_row if last_row and last_row <= limits.max_rows else None
            self.merged = self._merged_ranges(limits)
        except LedgerError:
            self.close()
            raise
        except Exception as exc:
            self.close()
            raise LedgerError(MSG_BAD_XLSX) from exc

    def rows(self) -> Iterator[Sequence[Any]]:
        return iter(self._rows)

    def close(self) -> None:
        if self._archive is not None:
            self._archive.close()
        if self._file is not None:
            self._file.close()

    _DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\bref=\"[A-Z]*\d*:?[A-Z]*(\d+)\"")

    def _recorded_last_row(self) -> int | None:
        """The last row the sheet says it has (for progress); None when it does not say."""
        with self._archive.open(self._target) as source:
            head = source.read(1 << 14)
        match = self._DIMENSION.search(head)
        return int(match.group(1)) if match else None

    _MERGE_TAG = re.compile(rb"<(?:\w+:)?mergeCells\b")
    _MERGE_REF = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Z]+)(\d+):([A-Z]+)(\d+)\"")
    _MERGE_KEEP = 512  # bytes kept between chunks: more than one <mergeCell> element

    def _merged_ranges(self, limits: LedgerLimits) -> list[tuple[int, int, int, int]]:
        """(min_col, min_row, max_col, max_row) of each merged range, 1-based.

        Read-only worksheets do not parse <mergeCells>, which follows the cell data; scan the
        sheet's XML for it without building a tree, a chunk at a time. Ranges starting right
        of the last column a ledger may use are left out.
        """
        ranges = []
        started = False
        tail = b""
        with self._archive.open(self._target) as source:
            while chunk := source.read(1 << 20):
                data = tail + chunk
                if not started:
                    if b"mergeCells" not in data or not (match := self._MERGE_TAG.search(data)):
                        tail = data[-64:]
                        continue
                    started = True
                    data = data[match.start() :]
                end = 0
                for match in self._MERGE_REF.finditer(data):
                    end = match.end()
                    col1, row1, col2, row2 = match.groups()
                    if len(col1) > 3 or len(col2) > 3:
                        continue
                    first = column_index_from_string(col1.decode())
                    if first > limits.max_columns:
                        continue
                    ranges.append(
                        (first, int(row1), column_index_from_string(col2.decode()), int(row2))
                    )
                    if len(ranges) > limits.max_merged:
                        raise LedgerError(format_lazy(MSG_XLSX_MERGED, limit=limits.max_merged))
                tail = data[max(end, len(data) - self._MERGE_KEEP) :]
        return ranges


class _SheetRows:
    """The rows of a worksheet as lists of values, like openpyxl's `values_only` rows.

    openpyxl's read-only worksheet parses each cell into a dict and each inline string into
    an object; this walks the same XML with lxml (a dependency of python-docx) and builds
    the values directly, with openpyxl's shared strings, date styles, epoch and date
    conversion, several times faster. Missing rows come out empty, so the n-th row yielded
    is sheet row n. Rows are cut after their last value.

    The limits are checked as the rows come: a row numbered past `max_rows` that holds data
    stops the reading (blank ones are passed over, and no gap is walked to reach them), as
    does a row numbered out of order, a cell longer than `max_cell_chars` or a value right of
    `max_columns`.
    """

    def __init__(
        self,
        *,
        open_xml,
        strings,
        date_styles,
        duration_styles,
        epoch,
        limits: LedgerLimits | None = None,
    ):
        self._open = open_xml
        self._strings = strings
        self._date_styles = frozenset(date_styles)
        self._duration_styles = frozenset(duration_styles)
        self._epoch = epoch
        self._limits = limits or ledger_limits()

    def _number(self, text: str | None, style: str | None, style_kinds: dict, epoch) -> Any:
        if not text:
            return None
        value = float(text) if "." in text or "E" in text or "e" in text else int(text)
        if style is None:
            return value
        kind = style_kinds.get(style)
        if kind is None:  # 0 a number, 1 a date, 2 a duration
            style_id = int(style)
            kind = style_kinds[style] = (
                2
                if style_id in self._duration_styles
                else 1
                if style_id in self._date_styles
                else 0
            )
        if not kind:
            return value
        try:
            return from_excel(value, epoch, timedelta=kind == 2)
        except (OverflowError, ValueError):
            return "#VALUE!"

    def _too_long(self, number: int, column: int, length: int) -> LedgerError:
        return LedgerError(
            format_lazy(
                MSG_CELL_TOO_LONG,
                row=number,
                column=get_column_letter(column),
                length=length,
                limit=self._limits.max_cell_chars,
            )
        )

    def __iter__(self) -> Iterator[list[Any]]:
        self._at = 0  # the last row read
        try:
            yield from self._rows()
        except etree.XMLSyntaxError as exc:
            if _huge_text(exc):
                limit, row = self._limits.max_cell_chars, self._at + 1
                raise LedgerError(format_lazy(MSG_TEXT_TOO_LONG_ROW, limit=limit, row=row)) from exc
            raise

    def _rows(self) -> Iterator[list[Any]]:
        strings = self._strings
        epoch = self._epoch
        limits = self._limits
        max_rows, max_chars, max_columns = (
            limits.max_rows,
            limits.max_cell_chars,
            limits.max_columns,
        )
        style_kinds: dict[str, int] = {}  # style id → 0 plain, 1 date, 2 duration
        columns: dict[str, int] = {}  # "AB" → 27
        digits = "0123456789"
        number = 0
        with self._open() as source:
            parser = etree.iterparse(source, events=("end",), tag="{*}row", resolve_entities=False)
            ns = None
            for _event, row in parser:
                if ns is None:
                    ns = row.tag[: row.tag.index("}") + 1] if row.tag[0] == "{" else ""
                    v_tag, is_tag, t_tag, r_tag = ns + "v", ns + "is", ns + "t", ns + "r"
                    run_path = f"{r_tag}/{t_tag}"
                declared = row.get("r")
                position = int(declared) if declared else number + 1
                if position <= number:  # Excel writes rows in order, each once
                    raise LedgerError(format_lazy(MSG_BAD_XLSX_ROW, row=position))
                values: list[Any] = []
                column = 0
                for cell in row:
                    ref = cell.get("r")
                    if ref is not None:
                        letters = ref.rstrip(digits)
                        column = columns.get(letters)
                        if column is None:
                            column = columns[letters] = column_index_from_string(letters)
                    else:
                        column += 1
                    kind = cell.get("t")
                    # The value is the <v> child (after an <f> formula, if any), or <is> for
                    # an inline string; indexing children is much cheaper than findtext().
                    if not len(cell):
                        value = None
                    elif kind == "inlineStr":
                        holder = cell[0]
                        if holder.tag != is_tag:
                            holder = cell.find(is_tag)
                        if holder is None or not len(holder):
                            value = None
                        elif holder[0].tag == t_tag:
                            value = holder[0].text or ""
                        else:  # rich text: the runs' texts
                            value = "".join(t.text or "" for t in holder.iterfind(run_path))
                        if len(value) > max_chars:
                            raise self._too_long(position, column, len(value))
                    else:
                        child = cell[0]
                        text = child.text if child.tag == v_tag else cell.findtext(v_tag)
                        if kind is None or kind == "n":
                            value = self._number(text, cell.get("s"), style_kinds, epoch)
                        elif kind == "s":
                            value = strings[int(text)] if text else None
                            if value.__class__ is _LongText:
                                raise self._too_long(position, column, value.length)
                        elif kind == "b":
                            value = bool(int(text)) if text else None
                        elif kind == "d":
                            value = from_ISO8601(text) if text else None
                        else:  # "str" (a formula's text), "e" (an error such as #N/A)
                            value = text
                            if value and len(value) > max_chars:
                                raise self._too_long(position, column, len(value))
                    size = len(values)
                    if column == size + 1:
                        values.append(value)
                    elif column > size:
                        if value is None:  # an empty (formatted) cell past the last value
                            continue
                        if column > max_columns:
                            raise LedgerError(
                                format_lazy(
                                    MSG_FAR_COLUMN,
                                    row=position,
                                    column=get_column_letter(column),
                                    limit=get_column_letter(max_columns),
                                )
                            )
                        values.extend([None] * (column - size - 1))
                        values.append(value)
                    else:
                        values[column - 1] = value
                row.clear()
                while row.getprevious() is not None:
                    del row.getparent()[0]
                if position > max_rows:
                    if any(not _is_blank(value) for value in values):
                        raise LedgerError(
                            format_lazy(MSG_TOO_MANY_ROWS, row=position, limit=max_rows)
                        )
                    number = self._at = position  # a blank row past the end: no gap walked
                    continue
                while values and values[-1] is None:
                    values.pop()
                while number + 1 < position:  # rows the file leaves out
                    number += 1
                    yield []
                number = self._at = position
                yield values
