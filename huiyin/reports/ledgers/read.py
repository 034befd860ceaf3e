"""Reading ledgers (台账) the way offices keep them: .xlsx or .csv, messy, possibly large.

`read_rows()` opens a sheet, finds its header row among the first rows (title rows, a
unit-and-period row or a two-level header may sit above the data), maps the header names to
canonical column names and then streams the data rows one at a time:

    with read_rows(upload, filename=upload.name) as reader:
        for row in reader:                # LedgerRow(number=5, values={"登记日期": ..., ...})
            day = parse_date(row.values["登记日期"], required=True)

Row numbers are the ones a user sees in Excel (1-based, counting title and blank rows), so an
error report can say "row 17, column 登记日期". Blank rows, totals rows (合计/总计/小计), a
repeated header, a column-numbers row (1 2 3 …) and signature footers (填表人：…) are skipped;
every skipped row except blank ones is listed in `reader.skipped`.

The cell parsers (`parse_date`, `parse_int`, `parse_choice`, `parse_text`) each return the
parsed value or raise `CellError` with a translatable message; file-level problems raise
`LedgerError`. Nothing here touches the database.
"""

from __future__ import annotations

import codecs
import csv
import math
import os
import re
import struct
import zipfile
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import chain
from operator import itemgetter
from pathlib import PurePath
from types import MappingProxyType
from typing import IO, Any

from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from lxml import etree
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.xml.constants import SHARED_STRINGS

__all__ = [
    "CHANNELS",
    "LEVELS",
    "PETITION_ALIASES",
    "PETITION_COLUMNS",
    "PETITION_REQUIRED",
    "SATISFACTION",
    "STATUSES",
    "YES_NO",
    "CellError",
    "LedgerError",
    "LedgerLimits",
    "LedgerReader",
    "LedgerRow",
    "SkippedRow",
    "choice_label",
    "ledger_limits",
    "normalize_header",
    "parse_choice",
    "parse_date",
    "parse_int",
    "parse_text",
    "read_rows",
]

# ---------------------------------------------------------------------------------------------
# Messages (English msgids; the Chinese lives in the locale files)

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

MSG_REQUIRED = _("This cell is empty, but a value is required.")
MSG_DATE_FORMAT = _(
    "“{value}” is not a date. Write dates like 2026-09-03, 2026/9/3, 2026.9.3 or 2026年9月3日."
)
MSG_DATE_INVALID = _("“{value}” is not a real calendar date.")
MSG_DATE_RANGE = _("The date “{value}” is outside {earliest}–{latest}; please check the year.")
MSG_DATE_SERIAL = _(
    "The number {value} is not a date. Format the cell as a date or write it like 2026-09-03."
)
MSG_INT_FORMAT = _("“{value}” is not a whole number.")
MSG_INT_MINIMUM = _("The number must be at least {minimum}; the cell says {value}.")
MSG_CHOICE = _("“{value}” is not a valid {column}. Allowed values: {allowed}.")
MSG_TEXT_NUMBER_LOST = _(
    "Excel stored {value} as a number and has lost its last digits. Format the column as text "
    "and enter the value again."
)

# ---------------------------------------------------------------------------------------------
# The petition ledger (信访台账): canonical columns in export order, aliases, required columns

PETITION_COLUMNS: tuple[str, ...] = (
    "序号",
    "登记日期",
    "信访形式",
    "信访层级",
    "是否集体访",
    "人数",
    "信访人",
    "身份证号",
    "联系电话",
    "所属社区",
    "问题类别",
    "信访事项",
    "被反映单位",
    "责任单位",
    "包案领导",
    "办理状态",
    "受理日期",
    "答复日期",
    "办结日期",
    "是否重复信访",
    "满意度",
)

PETITION_ALIASES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "序号": ("编号", "序", "No", "No."),
        "登记日期": ("来访日期", "受理登记日期", "日期", "登记时间", "来信来访日期", "信访日期"),
        "信访形式": ("信访方式", "形式", "方式", "信访渠道"),
        "信访层级": ("层级", "信访级别", "上访层级", "级别"),
        "是否集体访": ("集体访", "是否集体上访", "集体上访"),
        "人数": ("信访人数", "来访人数", "人次"),
        "信访人": ("姓名", "来访人", "信访人姓名", "来信人", "反映人"),
        "身份证号": ("身份证号码", "公民身份号码", "身份证", "证件号码"),
        "联系电话": ("电话", "手机号", "手机号码", "联系方式", "电话号码"),
        "所属社区": ("社区", "所在社区", "社区名称"),
        "问题类别": ("问题类型", "类别", "信访类别", "问题分类"),
        "信访事项": ("反映问题", "主要诉求", "信访内容", "反映事项", "诉求内容", "主要问题"),
        "被反映单位": ("被反映对象", "被投诉单位", "被反映人或单位"),
        "责任单位": ("承办单位", "办理单位", "责任部门"),
        "包案领导": ("包案领导姓名", "包案责任领导"),
        "办理状态": ("状态", "办理进度"),
        "受理日期": ("受理时间",),
        "答复日期": ("答复时间",),
        "办结日期": ("办结时间", "结案日期"),
        "是否重复信访": ("重复信访", "是否重复访", "重复访"),
        "满意度": ("满意度评价", "群众满意度", "评价"),
    }
)

PETITION_REQUIRED: tuple[str, ...] = ("登记日期", "信访形式", "信访人", "所属社区", "信访事项")

# ---------------------------------------------------------------------------------------------
# Choice mappings, spelling → value. The first spelling of a value is the one a ledger shows
# and exports (see choice_label); the codes themselves are accepted too.


def _choices(spellings: Mapping[Any, tuple[str, ...]]) -> Mapping[str, Any]:
    return MappingProxyType({name: value for value, names in spellings.items() for name in names})


CHANNELS: Mapping[str, str] = _choices(
    {
        "letter": ("来信", "信", "写信", "letter"),
        "visit": ("来访", "visit"),
        "phone": ("来电", "电话", "phone"),
        "online": ("网上", "网上信访", "网信", "网络", "online"),
        "assigned": ("上级交办", "交办", "assigned"),
    }
)

LEVELS: Mapping[str, str] = _choices(
    {
        "street": ("街道", "来街道", "街道级", "street"),
        "district": ("区", "到区", "区级", "district"),
        "city": ("市", "到市", "市级", "city"),
        "province": ("省", "赴省", "到省", "省级", "province"),
        "national": ("进京", "北京", "国家", "国家级", "赴京", "到京", "national"),
    }
)

YES_NO: Mapping[str, bool] = _choices(
    {
        True: ("是", "Y", "yes", "true", "1", "√", "✓", "✔"),
        False: ("否", "N", "no", "false", "0", "×", "✗", "✘"),
    }
)

STATUSES: Mapping[str, str] = _choices(
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

SATISFACTION: Mapping[str, str | None] = _choices(
    {
        "satisfied": ("满意", "satisfied"),
        "basically_satisfied": ("基本满意", "basically_satisfied"),
        "dissatisfied": ("不满意", "dissatisfied"),
        None: ("空", "无", "未评价"),
    }
)

# The range a ledger date may fall in; outside it the year is surely mistyped.
EARLIEST_DATE = date(1950, 1, 1)
LATEST_DATE = date(2099, 12, 31)
_EXCEL_EPOCH = date(1899, 12, 30)  # 1900 date system, valid for serials from 61 (1900-03-01)
_EARLIEST_SERIAL = (EARLIEST_DATE - _EXCEL_EPOCH).days
_LATEST_SERIAL = (LATEST_DATE - _EXCEL_EPOCH).days

HEADER_SCAN_ROWS = 15

# ---------------------------------------------------------------------------------------------
# Limits: what a ledger may be, checked before and while reading so that a hostile or broken
# file costs no more than a large honest one (a 100,000-row ledger is an 11 MB .xlsx whose
# sheet unpacks to 115 MB, or a 25 MB CSV; see bench/README.md).

EXCEL_MAX_ROWS = 1_048_576
_MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class LedgerLimits:
    """The limits of one ledger file. Defaults are overridden in the settings by
    ``HUIYIN_LEDGER_LIMITS = {"max_rows": 300_000, ...}``; ``max_bytes`` defaults to
    ``HUIYIN_LEDGER_MAX_BYTES``, the upload limit of the import page."""

    #: The file as uploaded (bytes).
    max_bytes: int = 100 * _MB
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
    max_zip_directory: int = 1 * _MB
    #: .xlsx: uncompressed bytes of all entries together, of one worksheet, of the shared
    #: strings and of any other part (workbook, styles, relationships …).
    max_unzipped_bytes: int = 1024 * _MB
    max_sheet_bytes: int = 512 * _MB
    max_strings_bytes: int = 128 * _MB
    max_part_bytes: int = 32 * _MB


def ledger_limits() -> LedgerLimits:
    """The limits as configured (HUIYIN_LEDGER_LIMITS, HUIYIN_LEDGER_MAX_BYTES)."""
    overrides = dict(getattr(settings, "HUIYIN_LEDGER_LIMITS", None) or {})
    max_bytes = getattr(settings, "HUIYIN_LEDGER_MAX_BYTES", None)
    if max_bytes is not None:
        overrides.setdefault("max_bytes", int(max_bytes))
    return LedgerLimits(**overrides)


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


# ---------------------------------------------------------------------------------------------
# Normalisation

_FOLD_TABLE: dict[int, int | str | None] = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FOLD_TABLE.update({0x3000: " ", 0xA0: " "})
_FOLD_TABLE.update(dict.fromkeys(map(ord, "‐‑‒–—―−﹣"), "-"))
_FOLD_TABLE.update(dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None))
_FOLD_TABLE.update({ord("。"): "."})  # 2026。9。3 typed with a Chinese full stop


def _fold(text: str) -> str:
    """Full-width ASCII forms, ideographic space and odd dashes to plain ASCII."""
    return text.translate(_FOLD_TABLE)


def _squash(text: str) -> str:
    """Folded, with every kind of whitespace (line breaks, U+3000 …) removed."""
    return "".join(text.translate(_FOLD_TABLE).split())


_HEADER_NOTE = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|〔[^〔〕]*〕|<[^<>]*>")


def normalize_header(text: Any) -> str:
    """A header name as compared: no whitespace, half-width, no `*` marks or bracketed notes.

    >>> normalize_header(" *登记\\n日期（必填）")
    '登记日期'
    """
    if text is None:
        return ""
    squashed = _squash(str(text))
    squashed = _HEADER_NOTE.sub("", squashed)
    return squashed.replace("*", "").replace("※", "").strip(":").casefold()


def _choice_key(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _squash(str(value)).casefold()


def _show(value: Any) -> str:
    """A cell value as quoted back to the user in a message."""
    if isinstance(value, datetime):
        text = value.strftime("%Y-%m-%d %H:%M") if value.time() else value.strftime("%Y-%m-%d")
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = " ".join(str(value).split())
    return text if len(text) <= 40 else text[:39] + "…"


def _is_blank(value: Any) -> bool:
    return value is None or (value.__class__ is str and (not value or value.isspace()))


# ---------------------------------------------------------------------------------------------
# Cell parsers


_DATE_YMD = re.compile(
    r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*[日号]?"
    r"(?:\s*T?\s*\d{1,2}[:时]\d{1,2}(?:[:分]\d{1,2}(?:\.\d+)?秒?)?)?"
)
_DATE_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_DATE_SERIAL = re.compile(r"\d{5}(?:\.\d+)?")


def _checked(day: date, shown: Any) -> date:
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise CellError(
            format_lazy(
                MSG_DATE_RANGE,
                value=_show(shown),
                earliest=EARLIEST_DATE.year,
                latest=LATEST_DATE.year,
            )
        )
    return day


def _ymd(year: str, month: str, day: str, shown: Any) -> date:
    try:
        result = date(int(year), int(month), int(day))
    except ValueError:
        raise CellError(format_lazy(MSG_DATE_INVALID, value=_show(shown))) from None
    return _checked(result, shown)


def _from_serial(serial: float, shown: Any) -> date:
    if math.isnan(serial) or not _EARLIEST_SERIAL <= serial <= _LATEST_SERIAL:
        raise CellError(format_lazy(MSG_DATE_SERIAL, value=_show(shown)))
    return _EXCEL_EPOCH + timedelta(days=int(serial))


def parse_date(value: Any, *, required: bool = False) -> date | None:
    """A date from what a ledger cell holds; blank gives None (or CellError when required).

    Accepts date and datetime objects, Excel serial numbers of the 1900 date system
    (46268 → 2026-09-03), 8-digit numbers (20260903) and the strings 2026-9-3, 2026-09-03,
    2026.9.3, 2026/09/03, 2026年9月3日 and 20260903, full-width digits and surrounding spaces
    included, with or without a time after the date. Dates outside 1950–2099 are refused.
    """
    if value.__class__ is datetime:
        return _checked(value.date(), value)
    if value.__class__ is date:
        return _checked(value, value)
    if _is_blank(value):
        if required:
            raise CellError(MSG_REQUIRED)
        return None
    if isinstance(value, datetime):
        return _checked(value.date(), value)
    if isinstance(value, date):
        return _checked(value, value)
    if isinstance(value, bool):
        raise CellError(format_lazy(MSG_DATE_FORMAT, value=_show(value)))
    if isinstance(value, int | float):
        if isinstance(value, int) and 10_000_000 <= value <= 99_999_999:
            text = str(value)
            return _ymd(text[:4], text[4:6], text[6:], value)
        return _from_serial(value, value)
    if not isinstance(value, str):
        raise CellError(format_lazy(MSG_DATE_FORMAT, value=_show(value)))
    text = _fold(value).strip()
    match = _DATE_YMD.fullmatch(text) or _DATE_COMPACT.fullmatch(text)
    if match:
        return _ymd(*match.groups(), value)
    if _DATE_SERIAL.fullmatch(text):
        return _from_serial(float(text), text)
    raise CellError(format_lazy(MSG_DATE_FORMAT, value=_show(value)))


_INT = re.compile(r"([+-]?\d+)(?:\.0*)?(?:人次|人|名|个|件|次|户|批|位)?")


def parse_int(value: Any, minimum: int | None = None, *, required: bool = False) -> int | None:
    """A whole number: 12, 12.0, "12", "12人", "１２" → 12; blank gives None."""
    if value.__class__ is int:
        result = value
    elif _is_blank(value):
        if required:
            raise CellError(MSG_REQUIRED)
        return None
    elif isinstance(value, bool):
        raise CellError(format_lazy(MSG_INT_FORMAT, value=_show(value)))
    elif isinstance(value, int):
        result = int(value)
    elif isinstance(value, float):
        if not value.is_integer():
            raise CellError(format_lazy(MSG_INT_FORMAT, value=_show(value)))
        result = int(value)
    elif isinstance(value, str):
        match = _INT.fullmatch(_squash(value).replace(",", ""))
        if not match:
            raise CellError(format_lazy(MSG_INT_FORMAT, value=_show(value)))
        result = int(match.group(1))
    else:
        raise CellError(format_lazy(MSG_INT_FORMAT, value=_show(value)))
    if minimum is not None and result < minimum:
        raise CellError(format_lazy(MSG_INT_MINIMUM, minimum=minimum, value=_show(value)))
    return result


class _ChoiceIndex:
    __slots__ = ("allowed", "lookup", "source", "size")

    def __init__(self, mapping: Mapping[str, Any]):
        self.source = mapping
        self.size = len(mapping)
        self.lookup = {_choice_key(key): result for key, result in mapping.items()}
        firsts: dict[Any, str] = {}
        for key, result in mapping.items():
            firsts.setdefault(result, key)
        self.allowed = "/".join(firsts.values())


_CHOICE_INDEXES: dict[int, _ChoiceIndex] = {}


def _choice_index(mapping: Mapping[str, Any]) -> _ChoiceIndex:
    index = _CHOICE_INDEXES.get(id(mapping))
    if index is None or index.source is not mapping or index.size != len(mapping):
        if len(_CHOICE_INDEXES) >= 64:  # callers passing a fresh dict each time
            _CHOICE_INDEXES.clear()
        index = _ChoiceIndex(mapping)
        _CHOICE_INDEXES[id(mapping)] = index
    return index


def parse_choice(
    value: Any, mapping: Mapping[str, Any], *, column: str, required: bool = False
) -> Any:
    """The mapped value of a cell: whitespace, full-width forms and case do not matter.

    Blank gives None (or CellError when required); an unknown spelling raises CellError
    naming the column and listing the allowed values.
    """
    if _is_blank(value):
        if required:
            raise CellError(MSG_REQUIRED)
        return None
    index = _choice_index(mapping)
    key = _choice_key(value)
    try:
        return index.lookup[key]
    except KeyError:
        raise CellError(
            format_lazy(MSG_CHOICE, value=_show(value), column=column, allowed=index.allowed)
        ) from None


def choice_label(mapping: Mapping[str, Any], value: Any) -> str:
    """The spelling a ledger shows for a parsed value (the mapping's first key for it).

    >>> choice_label(LEVELS, "national")
    '进京'
    """
    if value is None:
        return ""
    for key, result in mapping.items():
        if result == value and type(result) is type(value):
            return key
    raise KeyError(value)


_EXACT_FLOAT_DIGITS = 1e15  # Excel keeps 15 significant digits


def parse_text(value: Any, *, required: bool = False) -> str:
    """Text with whitespace tidied: each line stripped, runs of spaces to one, blank lines gone.

    None and "" give "" (or CellError when required). Numbers become their digits
    (13812345678.0 → "13812345678"); a number Excel has rounded (an ID number typed into a
    numeric cell) raises CellError, since its last digits are lost.
    """
    if value.__class__ is str:
        if "\n" in value or "\r" in value:
            lines = (" ".join(line.split()) for line in value.splitlines())
            text = "\n".join(line for line in lines if line)
        else:
            text = " ".join(value.split())
    elif value is None:
        text = ""
    elif isinstance(value, bool):
        text = "是" if value else "否"
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        if value.is_integer():
            if abs(value) >= _EXACT_FLOAT_DIGITS:
                raise CellError(format_lazy(MSG_TEXT_NUMBER_LOST, value=str(int(value))))
            text = str(int(value))
        else:
            text = f"{value:.15g}"
    elif isinstance(value, datetime):
        text = _show(value)
    elif isinstance(value, date):
        text = value.isoformat()
    else:
        text = " ".join(str(value).split())
    if required and not text:
        raise CellError(MSG_REQUIRED)
    return text


# ---------------------------------------------------------------------------------------------
# Sources: an .xlsx sheet or a .csv file as an iterator of row tuples, from row 1


def _file_size(file) -> int | None:
    """The size of an open file (from where it is now), or None when it cannot seek."""
    try:
        start = file.tell()
        end = file.seek(0, os.SEEK_END)
        file.seek(start)
    except (AttributeError, OSError, ValueError):
        return None
    return end - start


def _check_file_size(file, limits: LedgerLimits) -> None:
    size = _file_size(file)
    if size is not None and size > limits.max_bytes:
        raise LedgerError(format_lazy(MSG_FILE_TOO_LARGE, mb=math.ceil(limits.max_bytes / _MB)))


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
                format_lazy(MSG_XLSX_TOO_LARGE, part=self._name, mb=math.ceil(self._cap / _MB))
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
                format_lazy(MSG_XLSX_TOO_LARGE, part=info.filename, mb=math.ceil(cap / _MB))
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
                part, mb = info.filename, math.ceil(cap / _MB)
                raise LedgerError(format_lazy(MSG_XLSX_TOO_LARGE, part=part, mb=mb))
            if total > limits.max_unzipped_bytes:
                part, mb = info.filename, math.ceil(limits.max_unzipped_bytes / _MB)
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
            _check_file_size(path_or_file, limits)
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


class _CsvSource:
    """A CSV file as rows of strings, within the limits: file size, line and cell length,
    rows; NUL bytes and undecodable text refused with a message naming the line."""

    format = "csv"
    sheet_name = None
    last_row_hint = None
    merged: list[tuple[int, int, int, int]] = []

    _SAMPLE = 1 << 16
    _SAMPLE_MAX = 1 << 20
    _CHUNK = 1 << 16

    def __init__(self, path_or_file, limits: LedgerLimits | None = None):
        self._limits = limits or ledger_limits()
        if isinstance(path_or_file, str | os.PathLike):
            self._file: IO = open(path_or_file, "rb")  # noqa: SIM115 - closed by close()
            self._owned = True
        else:
            self._file = path_or_file
            self._owned = False
        try:
            _check_file_size(self._file, self._limits)
            self._open()
        except BaseException:
            self.close()
            raise

    def _open(self) -> None:
        read = self._file.read
        head = read(self._SAMPLE)
        if isinstance(head, str):  # a text stream: already decoded
            self.encoding = None
            sample = head
            rest: Iterator[str] = iter(lambda: read(self._CHUNK), "")
        else:
            head = bytes(head)
            # ASCII says nothing about the encoding: read on until a non-ASCII byte shows up.
            while head.isascii() and len(head) < self._SAMPLE_MAX:
                more = read(self._SAMPLE)
                if not more:
                    break
                head += more
            self.encoding = self._sniff_encoding(head)
            decoder = codecs.getincrementaldecoder(self.encoding)("strict")
            sample = decoder.decode(head)

            def decoded() -> Iterator[str]:
                while chunk := read(self._CHUNK):
                    yield decoder.decode(chunk)
                yield decoder.decode(b"", final=True)

            rest = decoded()
        newline = "\n" if "\n" in sample or "\r" not in sample else "\r"
        self.delimiter = self._sniff_delimiter(sample, newline)
        self._lines = self._split_lines(chain([sample], rest), newline, self._limits.max_line_chars)

    @staticmethod
    def _sniff_encoding(head: bytes) -> str:
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        for encoding in ("utf-8", "gb18030"):
            try:
                codecs.getincrementaldecoder(encoding)("strict").decode(head)
            except UnicodeDecodeError:
                continue
            return encoding
        raise LedgerError(MSG_ENCODING)

    @staticmethod
    def _sniff_delimiter(sample: str, newline: str) -> str:
        lines = sample.split(newline)[:20]
        tabs = max((line.count("\t") for line in lines), default=0)
        commas = max((line.count(",") for line in lines), default=0)
        return "\t" if tabs > commas else ","

    @staticmethod
    def _split_lines(chunks: Iterable[str], newline: str, max_line: int) -> Iterator[str]:
        """Lines of at most `max_line` characters, and no NUL; LedgerError naming the line."""
        pending = ""
        line = 0  # lines given out
        for chunk in chunks:
            if not chunk:
                continue
            if "\0" in chunk:
                before = pending + chunk[: chunk.index("\0")]
                row = line + before.count(newline) + 1
                raise LedgerError(format_lazy(MSG_CSV_NUL, row=row))
            if newline not in chunk:
                pending += chunk
                if len(pending) > max_line:
                    raise LedgerError(format_lazy(MSG_CSV_TOO_LONG, row=line + 1, limit=max_line))
                continue
            parts = chunk.split(newline)
            parts[0] = pending + parts[0]
            pending = parts.pop()
            for part in parts:
                line += 1
                if len(part) > max_line:
                    raise LedgerError(format_lazy(MSG_CSV_TOO_LONG, row=line, limit=max_line))
                yield part + newline
            if len(pending) > max_line:
                raise LedgerError(format_lazy(MSG_CSV_TOO_LONG, row=line + 1, limit=max_line))
        if pending:
            yield pending

    def rows(self) -> Iterator[list[str]]:
        limits = self._limits
        max_rows, max_chars = limits.max_rows, limits.max_cell_chars
        number = 0
        reader = csv.reader(self._lines, delimiter=self.delimiter)
        while True:
            line = reader.line_num + 1  # where the record starts
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                # "field larger than field limit": an open quotation mark swallowing lines.
                if "larger than" in str(exc):
                    limit = min(max_chars, csv.field_size_limit())
                    raise LedgerError(format_lazy(MSG_CSV_TOO_LONG, row=line, limit=limit)) from exc
                raise LedgerError(format_lazy(MSG_CSV_BROKEN, row=number + 1)) from exc
            number += 1
            if row and max(map(len, row)) > max_chars:
                column = next(i for i, cell in enumerate(row) if len(cell) > max_chars)
                raise LedgerError(
                    format_lazy(
                        MSG_CELL_TOO_LONG,
                        row=number,
                        column=get_column_letter(column + 1),
                        length=len(row[column]),
                        limit=max_chars,
                    )
                )
            if number > max_rows and any(cell and not cell.isspace() for cell in row):
                raise LedgerError(format_lazy(MSG_TOO_MANY_ROWS, row=number, limit=max_rows))
            yield row

    def close(self) -> None:
        if self._owned:
            self._file.close()


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
    columns: Sequence[str] = PETITION_COLUMNS,
    aliases: Mapping[str, Sequence[str]] = PETITION_ALIASES,
    required: Collection[str] = PETITION_REQUIRED,
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
