"""Reading one ledger cell: dates and date-times in every office format, whole numbers, choices
and text.

Each parser returns the parsed value or raises :class:`~huiyin.reports.ledgers.limits.CellError`
with a translatable message naming what is wrong; blank gives None (or "" for text) unless the
cell is required. A kind's :class:`~huiyin.reports.ledgers.kinds.Column` names its parser
(``Column(parse=...)``); the adapters at the end (:func:`date_cell`, :func:`choice_cell` …)
give each parser the one signature the engine calls. Nothing here touches the database.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from huiyin.reports.ledgers.limits import CellError

__all__ = [
    "YES_NO",
    "CellError",
    "Parser",
    "choice_cell",
    "choice_label",
    "choices",
    "date_cell",
    "datetime_cell",
    "int_cell",
    "normalize_header",
    "parse_choice",
    "parse_date",
    "parse_datetime",
    "parse_int",
    "parse_text",
    "text_cell",
]

# ---------------------------------------------------------------------------------------------
# Messages about one cell (English msgids; the Chinese lives in the locale files)

MSG_REQUIRED = _("This cell is empty, but a value is required.")
MSG_DATE_FORMAT = _(
    "“{value}” is not a date. Write dates like 2026-09-03, 2026/9/3, 2026.9.3 or 2026年9月3日."
)
MSG_DATE_INVALID = _("“{value}” is not a real calendar date.")
MSG_DATE_RANGE = _("The date “{value}” is outside {earliest}–{latest}; please check the year.")
MSG_DATE_SERIAL = _(
    "The number {value} is not a date. Format the cell as a date or write it like 2026-09-03."
)
MSG_DATETIME_FORMAT = _(
    "“{value}” is not a date and time. Write it like 2025-03-05 14:30 or 2025年3月5日14时30分."
)
MSG_DATETIME_NO_TIME = _(
    "“{value}” has no time of day. Write the date with the time, like 2025-03-05 14:30."
)
MSG_TIME_INVALID = _("“{value}” is not a real time of day (00:00 to 24:00).")
MSG_INT_FORMAT = _("“{value}” is not a whole number.")
MSG_INT_MINIMUM = _("The number must be at least {minimum}; the cell says {value}.")
MSG_CHOICE = _("“{value}” is not a valid {column}. Allowed values: {allowed}.")
MSG_TEXT_NUMBER_LOST = _(
    "Excel stored {value} as a number and has lost its last digits. Format the column as text "
    "and enter the value again."
)

# The range a ledger date may fall in; outside it the year is surely mistyped.
EARLIEST_DATE = date(1950, 1, 1)
LATEST_DATE = date(2099, 12, 31)
_BEIJING = ZoneInfo("Asia/Shanghai")  # a ledger's times are Beijing's
_EXCEL_EPOCH = date(1899, 12, 30)  # 1900 date system, valid for serials from 61 (1900-03-01)
_EARLIEST_SERIAL = (EARLIEST_DATE - _EXCEL_EPOCH).days
_LATEST_SERIAL = (LATEST_DATE - _EXCEL_EPOCH).days


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


_DT_DATE = re.compile(r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*[日号]?")
#: 上午 / 下午 …: a 12-hour time of day (下午2时30分 is 14:30).
_DT_HALF = re.compile(r"(上午|早上|早晨|凌晨|中午|下午|傍晚|晚上|晚间|夜间|夜里|晚)")
_AFTERNOON = ("中午", "下午", "傍晚", "晚上", "晚间", "夜间", "夜里", "晚")
_DT_CLOCK = re.compile(r"(\d{1,2})\s*:\s*(\d{1,2})(?:\s*:\s*(\d{1,2})(?:\.\d+)?)?")
_DT_CHINESE = re.compile(r"(\d{1,2})\s*[时点]\s*(?:(\d{1,2}|半)\s*分?)?\s*(?:(\d{1,2})\s*秒)?")


def _beijing(moment: datetime) -> datetime:
    """A moment in Beijing time (a naive one is read as Beijing wall time), to the nearest
    second (Excel keeps a time as a fraction of a day: 14:30 may read back as 14:29:59.999999)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_BEIJING)
    else:
        moment = moment.astimezone(_BEIJING)
    if moment.microsecond:
        moment = moment.replace(microsecond=0) + timedelta(
            seconds=1 if moment.microsecond >= 500_000 else 0
        )
    return moment


def _moment(day: date, hour: int, minute: int, second: int, shown: Any) -> datetime:
    """`day` at that time of day; 24:00 is the end of the day (the next day's 00:00)."""
    if hour == 24 and minute == 0 and second == 0:
        return datetime.combine(day + timedelta(days=1), time(), tzinfo=_BEIJING)
    if not (0 <= hour <= 23 and 0 <= minute <= 59 and 0 <= second <= 59):
        raise CellError(format_lazy(MSG_TIME_INVALID, value=_show(shown)))
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=_BEIJING)


def _time_of_day(text: str) -> tuple[int, int, int] | None:
    """(hour, minute, second) of 14:30, 14:30:15, 14时30分, 14点, 下午2时30分, 下午2点半 …;
    None when the text is not a time of day."""
    half = _DT_HALF.match(text)
    if half:
        text = text[half.end() :].strip()
    match = _DT_CLOCK.fullmatch(text) or _DT_CHINESE.fullmatch(text)
    if not match:
        return None
    hour = int(match.group(1))
    minute = 30 if match.group(2) == "半" else int(match.group(2) or 0)
    second = int(match.group(3) or 0)
    if half and half.group(1) in _AFTERNOON and 1 <= hour <= 11:
        hour += 12
    elif half and half.group(1) == "凌晨" and hour == 12:
        hour = 0
    return hour, minute, second


def parse_datetime(value: Any, *, required: bool = False) -> datetime | None:
    """A date with its time of day, as an aware moment in Beijing time (a ledger's times are
    Beijing's: Excel's, which carry no zone, are read so); blank gives None (or CellError when
    required).

    Accepts Excel date-times (datetime objects, and serial numbers with a fraction of a day:
    45721.6041666667 → 2025-03-05 14:30), and text: 2025-3-5 14:30, 2025/03/05 14:30:15,
    2025.3.5 14:30, 2025-03-05T14:30, 2025年3月5日14时30分, 2025年3月5日 14:30,
    2025年3月5日14时 (on the hour), 2025年3月5日下午2时30分, 2025年3月5日14点半 — full-width
    digits and colons included. Midnight is 0:00 (or 0时) of its day; 24:00 is the end of the
    day, the next day's 00:00. A date without a time of day, a time that does not exist
    (25:00, 14:60) and dates outside 1950–2099 are refused, each with its own message.
    Seconds are kept; a fraction of a second is rounded.
    """
    if value.__class__ is datetime or isinstance(value, datetime):
        moment = _beijing(value)
        _checked(moment.date(), value)
        return moment
    if _is_blank(value):
        if required:
            raise CellError(MSG_REQUIRED)
        return None
    if isinstance(value, date):
        raise CellError(format_lazy(MSG_DATETIME_NO_TIME, value=_show(value)))
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise CellError(format_lazy(MSG_DATETIME_FORMAT, value=_show(value)))
    if isinstance(value, int | float):
        if isinstance(value, int) and 10_000_000 <= value <= 99_999_999:
            raise CellError(format_lazy(MSG_DATETIME_NO_TIME, value=_show(value)))
        return _serial_moment(float(value), value)
    text = _fold(value).strip()
    match = _DT_DATE.match(text)
    if match is None:
        if _DATE_SERIAL.fullmatch(text):
            return _serial_moment(float(text), text)
        raise CellError(format_lazy(MSG_DATETIME_FORMAT, value=_show(value)))
    day = _ymd(*match.groups(), value)
    rest = text[match.end() :].strip()
    rest = rest[1:].strip() if rest[:1] in ("T", "t", ",", "，") else rest
    if not rest:
        raise CellError(format_lazy(MSG_DATETIME_NO_TIME, value=_show(value)))
    found = _time_of_day(rest)
    if found is None:
        raise CellError(format_lazy(MSG_DATETIME_FORMAT, value=_show(value)))
    moment = _moment(day, *found, value)
    _checked(moment.date(), value)
    return moment


def _serial_moment(serial: float, shown: Any) -> datetime:
    """An Excel serial date-time (1900 date system): the whole days and the day's fraction."""
    day = _from_serial(serial, shown)
    seconds = round((serial - math.floor(serial)) * 86_400)
    return datetime.combine(day, time(), tzinfo=_BEIJING) + timedelta(seconds=seconds)


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

    >>> choice_label(YES_NO, True)
    '是'
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
# Choice mappings, spelling → value. The first spelling of a value is the one a ledger shows
# and exports (see choice_label); the codes themselves are accepted too.


def choices(spellings: Mapping[Any, tuple[str, ...]]) -> Mapping[str, Any]:
    """``{value: (spelling, …)}`` turned round into the ``{spelling: value}`` a parser reads."""
    return MappingProxyType({name: value for value, names in spellings.items() for name in names})


YES_NO: Mapping[str, bool] = choices(
    {
        True: ("是", "Y", "yes", "true", "1", "√", "✓", "✔"),
        False: ("否", "N", "no", "false", "0", "×", "✗", "✘"),
    }
)


# ---------------------------------------------------------------------------------------------
# Column parsers: what a kind names in ``Column(parse=...)``. The engine calls each as
# ``parse(value, column="登记日期", required=True)`` and reports its CellError on that cell.

#: ``parse(value, *, column: str, required: bool) -> parsed value`` (CellError when bad).
Parser = Callable[..., Any]


def date_cell(value: Any, *, column: str, required: bool = False) -> date | None:
    """A date in any office format (:func:`parse_date`)."""
    return parse_date(value, required=required)


def datetime_cell(value: Any, *, column: str, required: bool = False) -> datetime | None:
    """A date with its time of day in any office format (:func:`parse_datetime`), an aware
    moment in Beijing time."""
    return parse_datetime(value, required=required)


def text_cell(value: Any, *, column: str, required: bool = False) -> str:
    """Text with its whitespace tidied (:func:`parse_text`)."""
    return parse_text(value, required=required)


def int_cell(minimum: int | None = None) -> Parser:
    """A whole number of at least `minimum` (:func:`parse_int`)."""

    def parse(value: Any, *, column: str, required: bool = False) -> int | None:
        return parse_int(value, minimum, required=required)

    return parse


def choice_cell(mapping: Mapping[str, Any]) -> Parser:
    """One of `mapping`'s spellings, as its value (:func:`parse_choice`); the error lists the
    allowed values."""

    def parse(value: Any, *, column: str, required: bool = False) -> Any:
        return parse_choice(value, mapping, column=column, required=required)

    return parse
