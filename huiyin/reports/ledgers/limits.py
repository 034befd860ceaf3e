"""What a ledger file may be, and what reading one gives back or raises.

The limits are checked before and while a sheet is read (``read.py``, ``read_xlsx.py``,
``read_csv.py``) so that a hostile or broken file costs no more than a large honest one; each
refusal is a :class:`LedgerError` with a message in the user's language, raised before a row
is imported. Nothing here touches the database.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

# ---------------------------------------------------------------------------------------------
# Messages about the file as a whole (English msgids; the Chinese lives in the locale files)

MSG_FORMAT = _("Huiyin reads .xlsx and .csv files only. Save the sheet as .xlsx or .csv first.")
MSG_BAD_XLSX = _(
    "The file could not be opened as an .xlsx workbook (it may be an old .xls file that was "
    "renamed, or password-protected). Save the sheet as .xlsx or .csv first."
)
MSG_BAD_XLSX_ROW = _(
    "The workbook is damaged near row {row} and could not be read further. "
    "Open it in Excel and save it again as .xlsx."
)
MSG_NO_SHEET = _("The workbook has no visible sheet.")
MSG_ENCODING = _(
    "The CSV file is neither UTF-8 nor GB18030 text. Save it again from Excel as “CSV UTF-8”."
)
MSG_ENCODING_ROW = _(
    "The CSV file changes its text encoding near row {row}. Save it again from Excel as "
    "“CSV UTF-8”."
)
MSG_CSV_BROKEN = _(
    "The CSV file cannot be read near row {row}; a quotation mark may be out of place. "
    "Save it again from Excel as “CSV UTF-8”."
)
MSG_CSV_TOO_LONG = _(
    "Near line {row}, the CSV file has a line or cell longer than {limit} characters (a "
    "quotation mark may be left open). Check the file and save it again from Excel as "
    "“CSV UTF-8”."
)
MSG_CSV_NUL = _(
    "The CSV file contains a NUL byte on line {row}, so it is not plain text (it may be "
    "UTF-16 without a byte order mark, or another kind of file). Save it again from Excel as "
    "“CSV UTF-8”."
)
MSG_FILE_TOO_LARGE = _(
    "The file is larger than {mb} MB. Split the ledger into several files and import them "
    "one by one."
)
MSG_TOO_MANY_ROWS = _(
    "Row {row} holds data, but a ledger may have at most {limit} rows. Split the ledger into "
    "several files of at most {limit} rows each and import them one by one."
)
MSG_DIMENSION = _(
    "The workbook says its sheet reaches row {row}, beyond Excel's last row; the file is "
    "damaged. Open it in Excel and save it again as .xlsx."
)
MSG_CELL_TOO_LONG = _(
    "Row {row}, column {column} holds {length} characters; a cell may hold at most {limit}. "
    "Shorten it and import again."
)
MSG_TEXT_TOO_LONG = _(
    "The workbook holds a text longer than {limit} characters; a cell may hold at most "
    "{limit}. Shorten it and import again."
)
MSG_TEXT_TOO_LONG_ROW = _(
    "Near row {row}, the workbook holds a text longer than {limit} characters; a cell may "
    "hold at most {limit}. Shorten it and import again."
)
MSG_FAR_COLUMN = _(
    "Row {row} has a value in column {column}, beyond column {limit}; a ledger has far fewer "
    "columns. Delete the columns on the far right and import again."
)
MSG_XLSX_TOO_LARGE = _(
    "The workbook unpacks to more than a ledger can need (its part {part} is over {mb} MB). "
    "Split the ledger into several files, or open it in Excel and save it again as .xlsx."
)
MSG_XLSX_PARTS = _(
    "The workbook holds more than {limit} parts, which an Excel ledger never does. Open it in "
    "Excel and save it again as .xlsx."
)
MSG_XLSX_DOCTYPE = _(
    "The workbook's part {part} contains a document type declaration (DOCTYPE), which Excel "
    "never writes; it is refused for safety. Open the file in Excel and save it again as .xlsx."
)
MSG_XLSX_MERGED = _(
    "The sheet has more than {limit} merged cells. Unmerge the cells of the data rows and "
    "import again."
)
MSG_NO_HEADER = _(
    "No header row was found in the first {rows} rows. The header should name columns such "
    "as {expected}."
)
MSG_MISSING_COLUMNS = _(
    "Required columns are missing: {missing}. Columns found in header row {row}: {found}."
)
MSG_DUPLICATE_COLUMN = _(
    "The column {column} appears more than once (columns {letters}); keep only one of them."
)

# ---------------------------------------------------------------------------------------------
# Limits: what a ledger may be, checked before and while reading so that a hostile or broken
# file costs no more than a large honest one (a 100,000-row ledger is an 11 MB .xlsx whose
# sheet unpacks to 115 MB, or a 25 MB CSV; see bench/README.md).

EXCEL_MAX_ROWS = 1_048_576
MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class LedgerLimits:
    """The limits of one ledger file. Defaults are overridden in the settings by
    ``HUIYIN_LEDGER_LIMITS = {"max_rows": 300_000, ...}``; ``max_bytes`` defaults to
    ``HUIYIN_LEDGER_MAX_BYTES``, the upload limit of the import page."""

    #: The file as uploaded (bytes).
    max_bytes: int = 100 * MB
    #: The last sheet row (or CSV record) that may hold data, title and header rows included.
    max_rows: int = 200_000
    #: Characters in one cell; Excel's own limit is 32,767.
    max_cell_chars: int = 10_000
    #: The rightmost column that may hold a value (a ledger has about 21).
    max_columns: int = 256
    #: A CSV line (between line breaks), in characters.
    max_line_chars: int = 1_000_000
    #: Merged ranges in the sheet.
    max_merged: int = 100_000
    #: .xlsx: entries in the zip package and the size of its central directory (bytes).
    max_zip_entries: int = 1_000
    max_zip_directory: int = 1 * MB
    #: .xlsx: uncompressed bytes of all entries together, of one worksheet, of the shared
    #: strings and of any other part (workbook, styles, relationships …).
    max_unzipped_bytes: int = 1024 * MB
    max_sheet_bytes: int = 512 * MB
    max_strings_bytes: int = 128 * MB
    max_part_bytes: int = 32 * MB


def ledger_limits() -> LedgerLimits:
    """The limits as configured (HUIYIN_LEDGER_LIMITS, HUIYIN_LEDGER_MAX_BYTES)."""
    overrides = dict(getattr(settings, "HUIYIN_LEDGER_LIMITS", None) or {})
    max_bytes = getattr(settings, "HUIYIN_LEDGER_MAX_BYTES", None)
    if max_bytes is not None:
        overrides.setdefault("max_bytes", int(max_bytes))
    return LedgerLimits(**overrides)


def _file_size(file) -> int | None:
    """The size of an open file (from where it is now), or None when it cannot seek."""
    try:
        start = file.tell()
        end = file.seek(0, os.SEEK_END)
        file.seek(start)
    except (AttributeError, OSError, ValueError):
        return None
    return end - start


def check_file_size(file, limits: LedgerLimits) -> None:
    """LedgerError when an open file is larger than the limits allow."""
    size = _file_size(file)
    if size is not None and size > limits.max_bytes:
        raise LedgerError(format_lazy(MSG_FILE_TOO_LARGE, mb=math.ceil(limits.max_bytes / MB)))


# ---------------------------------------------------------------------------------------------
# Errors and results


class LedgerError(Exception):
    """The file as a whole cannot be read; `message` is translatable and meant for the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class CellError(ValueError):
    """One cell's value cannot be parsed; `message` is translatable and meant for the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One data row: its row number as Excel shows it, and its cells by canonical column."""

    number: int
    values: dict[str, Any]


@dataclass(frozen=True, slots=True)
class SkippedRow:
    """A non-blank row that is not data. reason: totals, footer, header or column_numbers."""

    number: int
    reason: str
    text: str
