"""Writing a ledger sheet (台账) as offices print it, and exporting a kind's ledger.

    count = export_ledger(kinds.get("petitions"), out, user=request.user, params=request.GET,
                          with_identity=False, request=request, progress=progress)

writes the records the kind gives for that person and those list filters (through
``Case.objects.visible_to``), one row per record as the kind lays it out, streamed: rows go to
the sheet as the database gives them, never a list of all of them. Full names, ID and phone
numbers only for whoever may see them (PermissionDenied, audited, otherwise); the export is
audited ("export", with the row count, the filters and ``identity``).

    write_ledger(response, title="信访事项登记台账", subtitle="填报单位：…　时段：…",
                 columns=kind.layout, rows=rows)

The workbook is written in openpyxl's write-only mode, row by row, so a 100,000-row ledger
needs no memory for all of it; write-only sheets still carry merged ranges, frozen panes,
column widths, print settings and an auto-filter, all of which are written after the rows.

Column kinds: "text" (stored as text, so ID and phone numbers never turn into 1.1E+17),
"wrap" (text, wrapped: long descriptions), "date" (a real Excel date, shown yyyy-mm-dd),
"datetime" (a real Excel date-time in Beijing time, shown yyyy-mm-dd hh:mm),
"int" (a whole number) and "number". A text cell that starts with "=" stays text, never a
formula.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from lxml import etree
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import xmlfile

__all__ = ["KINDS", "export_ledger", "ledger_titles", "write_ledger"]

KINDS = ("text", "wrap", "date", "datetime", "int", "number")

FONT_NAME = "宋体"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
#: A ledger's date-times are Beijing's wall time (Excel's carry no zone).
_BEIJING = ZoneInfo("Asia/Shanghai")
HEADER_ROW = 3
_EXCEL_MAX_TEXT = 32767
_SHEET_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center")
_CENTER_WRAP = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center")
_LEFT_WRAP = Alignment(horizontal="left", vertical="top", wrap_text=True)
_HEADER_FILL = PatternFill("solid", fgColor="F2F2F2")


def _sheet_title(text: str) -> str:
    cleaned = _SHEET_TITLE_BAD.sub("", text).strip("' ") or "Sheet1"
    return cleaned[:31]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, datetime):
        value = value.date()
    text = value if isinstance(value, str) else str(value)
    if ILLEGAL_CHARACTERS_RE.search(text):
        text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if len(text) > _EXCEL_MAX_TEXT:
        text = text[: _EXCEL_MAX_TEXT - 1] + "…"
    return text


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _display_width(text: str) -> int:
    """Width in Excel character units: CJK characters count twice."""
    return sum(1 if ord(char) < 0x1100 else 2 for char in text)


class _Column:
    """How one column's data cells are styled and encoded."""

    __slots__ = ("kind", "style")

    def __init__(self, ws, kind: str):
        if kind not in KINDS:
            raise ValueError(f"unknown column kind {kind!r}; use one of {KINDS}")
        self.kind = kind
        cell = WriteOnlyCell(ws)
        cell.font = Font(name=FONT_NAME, size=10)
        cell.border = _BORDER
        if kind == "date":
            cell.number_format = DATE_FORMAT
            cell.alignment = _CENTER
        elif kind == "datetime":
            cell.number_format = DATETIME_FORMAT
            cell.alignment = _CENTER
        elif kind == "int":
            cell.number_format = "0"
            cell.alignment = _CENTER
        elif kind == "number":
            cell.alignment = _CENTER
        elif kind == "wrap":
            cell.number_format = "@"
            cell.alignment = _LEFT_WRAP
        else:
            cell.number_format = "@"
            cell.alignment = _LEFT
        self.style = str(cell.style_id)  # registers the style with the workbook


class _DataRow(tuple):
    """Values of one data row, written by _RowEncoder instead of cell by cell by openpyxl."""

    __slots__ = ()


_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_EXCEL_EPOCH = date(1899, 12, 30)


class _Utf8SheetWriter(WorksheetWriter):
    """openpyxl's sheet writer, writing UTF-8 instead of ASCII with character references.

    A Chinese character then takes 3 bytes of XML instead of 8 (&#20449;), which makes the
    sheet XML about half as large and the file faster to read back.
    """

    def get_stream(self):
        with (
            xmlfile(self.out, encoding="utf-8") as xf,
            xf.element("worksheet", xmlns=SHEET_MAIN_NS),
        ):
            try:
                while True:
                    element = yield
                    if element is True:
                        yield xf
                    elif element is not None:
                        xf.write(element)
            except GeneratorExit:
                pass


class _RowEncoder:
    """Writes data rows straight to the sheet's XML stream.

    openpyxl turns every value into a cell object and every cell into nested XML contexts,
    which costs about a minute per 100,000 rows on a small machine. Data rows here are built
    as one lxml element each, in the form openpyxl itself writes (inline strings, serial
    dates, the column's style id), and handed to the same stream; title, header and
    everything around the rows stay openpyxl's. Uses three internals of openpyxl's write-only
    worksheet (3.1): its `_writer` (set to a _Utf8SheetWriter), `_values_to_row` and the
    writer's `write_row`; the tests read the result back with openpyxl.
    """

    def __init__(self, ws, columns: list[_Column]):
        self.columns = columns
        self.letters = [get_column_letter(index) for index in range(1, len(columns) + 1)]
        self.ws = ws
        if ws._writer is None:
            ws._writer = _Utf8SheetWriter(ws)
            ws._writer.write_top()
        openpyxl_values_to_row = ws._values_to_row
        openpyxl_write_row = ws._writer.write_row

        def values_to_row(values, row_idx):
            if values.__class__ is _DataRow:
                return values
            return openpyxl_values_to_row(values, row_idx)

        def write_row(xf, row, row_idx):
            if row.__class__ is _DataRow:
                xf.write(self.encode(row, row_idx))
            else:
                openpyxl_write_row(xf, row, row_idx)

        ws._values_to_row = values_to_row
        ws._writer.write_row = write_row

    def encode(self, values: Sequence[Any], row_idx: int):
        number = str(row_idx)
        row = etree.Element("row", r=number)
        sub = etree.SubElement
        for column, letter, value in zip(self.columns, self.letters, values, strict=True):
            cell = sub(row, "c", r=letter + number, s=column.style)
            if value is None:
                continue
            kind = column.kind
            if kind == "date":
                if isinstance(value, datetime):
                    value = value.date()
                if isinstance(value, date):
                    sub(cell, "v").text = str((value - _EXCEL_EPOCH).days)
                    continue
            elif kind == "datetime" and isinstance(value, date):
                sub(cell, "v").text = _serial(value)
                continue
            elif (kind == "int" or kind == "number") and _is_number(value):
                if not math.isfinite(value):
                    continue
                sub(cell, "v").text = str(value) if isinstance(value, int) else repr(value)
                continue
            text = _text(value)
            if not text:
                continue
            cell.set("t", "inlineStr")
            holder = sub(sub(cell, "is"), "t")
            holder.text = text
            if text[0].isspace() or text[-1].isspace():
                holder.set(_XML_SPACE, "preserve")
        return row


def _serial(value: date) -> str:
    """Excel's serial number of a date, or of a date-time as Beijing wall time (whole seconds)."""
    if not isinstance(value, datetime):
        return str((value - _EXCEL_EPOCH).days)
    if value.tzinfo is not None:
        value = value.astimezone(_BEIJING)
    days = (value.date() - _EXCEL_EPOCH).days
    seconds = value.hour * 3600 + value.minute * 60 + value.second
    return repr(days + seconds / 86_400) if seconds else str(days)


def _discard(ws) -> None:
    """Close a half-written sheet in order and remove its temporary file."""
    with contextlib.suppress(Exception):
        ws.close()
    with contextlib.suppress(Exception):
        ws._writer.cleanup()


def write_ledger(
    path_or_stream: str | os.PathLike | IO[bytes],
    *,
    title: str,
    subtitle: str,
    columns: Sequence[tuple[str, float, str]],
    rows: Iterable[Sequence[Any]],
    sheet_title: str | None = None,
) -> int:
    """Write a one-sheet ledger and return the number of data rows written.

    Row 1 is the title (merged across, bold 16 pt, centred), row 2 the unit-and-period line
    (merged), row 3 the header (bold, wrapped, bordered); panes are frozen at A4, the header
    repeats on every printed page, the sheet prints landscape on A4 fitted to the page width.
    `columns` are (name, width, kind) with kind in KINDS; each row gives one value per
    column, in order (None for an empty cell). Rows are consumed lazily.
    """
    if not columns:
        raise ValueError("a ledger needs at least one column")
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=_sheet_title(sheet_title or title))
    count = len(columns)
    last = get_column_letter(count)

    for index, (_name, width, _kind) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6

    ws.merged_cells.add(f"A1:{last}1")
    ws.merged_cells.add(f"A2:{last}2")
    ws.row_dimensions[1].height = 32
    ws.row_dimensions[2].height = 20
    header_lines = max(
        math.ceil(_display_width(name) / max(width - 1, 1)) for name, width, _kind in columns
    )
    ws.row_dimensions[HEADER_ROW].height = 15 * max(header_lines, 1) + 6

    _RowEncoder(ws, [_Column(ws, kind) for _name, _width, kind in columns])

    title_cell = WriteOnlyCell(ws, value=_text(title))
    title_cell.data_type = "s"
    title_cell.font = Font(name=FONT_NAME, size=16, bold=True)
    title_cell.alignment = _CENTER
    ws.append([title_cell])

    subtitle_cell = WriteOnlyCell(ws, value=_text(subtitle))
    subtitle_cell.data_type = "s"
    subtitle_cell.font = Font(name=FONT_NAME, size=11)
    subtitle_cell.alignment = _LEFT
    ws.append([subtitle_cell])

    header = []
    for name, _width, _kind in columns:
        cell = WriteOnlyCell(ws, value=_text(name))
        cell.data_type = "s"
        cell.font = Font(name=FONT_NAME, size=10, bold=True)
        cell.alignment = _CENTER_WRAP
        cell.border = _BORDER
        cell.fill = _HEADER_FILL
        header.append(cell)
    ws.append(header)

    written = 0
    try:
        for row in rows:
            if len(row) != count:
                raise ValueError(f"row {written + 1} has {len(row)} values for {count} columns")
            ws.append(_DataRow(row))
            written += 1
    except BaseException:
        _discard(ws)
        raise

    ws.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + max(written, 1)}"
    wb.save(path_or_stream)
    return written


# =============================================================================== a kind's export

MSG_EXPORTING = _("Writing the ledger")
MSG_UNIT_AND_PERIOD = _("Unit: {unit}　　Period: {start} to {end}")
MSG_UNIT_ALL_DATES = _("Unit: {unit}　　Period: all dates")
#: Progress is told every this many rows.
PROGRESS_EVERY = 500


def export_ledger(
    kind,
    out: str | os.PathLike | IO[bytes],
    *,
    user,
    params: Mapping | None = None,
    with_identity: bool = False,
    request=None,
    progress=None,
) -> int:
    """Write the ledger of `kind` (a :class:`~huiyin.reports.ledgers.kinds.LedgerKind`) of
    the records `user` sees with the list filters `params` to `out`; returns the row count.

    With `with_identity`, full names, ID and phone numbers (PermissionDenied, audited, unless
    ``kind.may_export_identity(user)``). Audited "export" with the row count, the filters and
    ``identity``. `progress(done, total, message, force=False)` is told as rows are written.
    """
    # Imported here: the sheet writer above is a plain library that needs no database.
    from huiyin.ops.routers import reading_from_replica
    from huiyin.org.roles import Perm
    from huiyin.privacy import audit

    label = str(kind.label)
    if with_identity and not kind.may_export_identity(user):
        with transaction.atomic():
            audit.record(
                "access.denied",
                actor=user,
                request=request,
                target_label=label,
                diff={"permission": Perm.IDENTITY_VIEW, "export": "ledger"},
            )
        raise PermissionDenied
    # The rows are read from the read replica when one is configured and within its lag.
    with reading_from_replica():
        records, filters = kind.export_records(user, params)
        total = records.count()
        if progress:
            progress(0, total, MSG_EXPORTING, force=True)

        def rows() -> Iterator[list]:
            cells = kind.export_rows(records, with_identity=with_identity)
            for number, row in enumerate(cells, start=1):
                yield row
                if progress and number % PROGRESS_EVERY == 0:
                    progress(number, total, MSG_EXPORTING)

        title, subtitle = kind.titles(user, filters)
        count = write_ledger(out, title=title, subtitle=subtitle, columns=kind.layout, rows=rows())
    with transaction.atomic():
        audit.record(
            "export",
            actor=user,
            request=request,
            target_label=label,
            diff={"rows": count, "identity": bool(with_identity), "filters": filters},
        )
    if progress:
        progress(count, count, MSG_EXPORTING, force=True)
    return count


def ledger_titles(title, filters: Mapping, *, user=None) -> tuple[str, str]:
    """(title, unit-and-period line) of an exported sheet: `title` a message with
    ``{street}``; the unit is the street's office (and the community of ``filters``), the
    period that of the filters' ``from`` and ``to``. The street is the community's, else the
    one `user` works in, else the only one; a person over several streets (a district
    officer) names them all."""
    from huiyin.org import streets
    from huiyin.org.models import Community, Street
    from huiyin.reports.documents.layout import office_name

    community_id = filters.get("community")
    community = Community.objects.filter(pk=community_id).first() if community_id else None
    if community is not None:
        chosen = [community.street]
    else:
        one = streets.street_of(user) if user is not None else streets.only_street()
        if one is not None:
            chosen = [one]
        else:
            ids = streets.street_ids_of(user) if user is not None else frozenset()
            chosen = list(Street.objects.filter(pk__in=ids).order_by("pk"))
    street_name = "、".join(s.name for s in chosen)
    unit = "、".join(office_name(s) for s in chosen)
    if community is not None:
        unit = f"{unit}（{community.name}）"
    start, end = filters.get("from"), filters.get("to")
    if start or end:
        start_text = _chinese_day(start) if start else "…"
        end_text = _chinese_day(end) if end else "…"
    else:
        start_text = end_text = ""
    title = str(format_lazy(title, street=street_name)).strip()
    if start_text or end_text:
        subtitle = str(format_lazy(MSG_UNIT_AND_PERIOD, unit=unit, start=start_text, end=end_text))
    else:
        subtitle = str(format_lazy(MSG_UNIT_ALL_DATES, unit=unit))
    return title, subtitle


def _chinese_day(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day.year}年{day.month}月{day.day}日"
