"""The plausible range of every date, time and number that enters Huiyin, in one place.

A matter was received no earlier than :func:`earliest_date` (1990-01-01 unless
``settings.HUIYIN_EARLIEST_DATE`` says otherwise) and never in the future; a date that may lie
ahead (a campaign, a reception day, an extended due date) lies at most in the year after this
one (``settings.HUIYIN_FUTURE_YEARS``, default 1). Filters in query strings are clamped to the
same calendar years; forms refuse what is outside them with a message beside the field.

Numbers from outside are parsed with :func:`bounded_int`, never ``int()`` on raw text: an
id of 10^23 or a page number of five thousand digits is "not valid", not a database error.
Text from outside loses its NUL characters (:func:`strip_nul`): PostgreSQL refuses them.

    from huiyin.cases import bounds
    bounds.plausible_date(day)                 # False for 0001-01-01, 9999-12-31, 1900-01-01
    bounds.check_date(day, future_ok=True)     # ValidationError with a Chinese message
    bounds.clamp_date(day)                     # a filter's day, moved into the supported years
    bounds.bounded_int("42", 1, bounds.MAX_ID) # 42; None for "", "abc", "10" * 23
    received_at = bounds.DateTimeField(...)    # a form field with the checks and min/max
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger("huiyin.bounds")

#: The default first day a matter can have been received (the system's records start here).
EARLIEST_DATE = date(1990, 1, 1)
#: How many calendar years after this one a date may lie in (campaigns, extensions, filters).
FUTURE_YEARS = 1
#: The most people one petition may record (person-times); settings.HUIYIN_MAX_HEADCOUNT.
MAX_HEADCOUNT = 10000
#: The largest id a query string or form may name (a PostgreSQL bigint).
MAX_ID = 2**63 - 1
#: Once the cases are partitioned by year on PostgreSQL (``huiyin partition-cases``), a new
#: case's id is its Beijing year × ID_SPAN + a counter; the ids given before stay below it.
ID_SPAN = 10**10
#: The largest page number a list accepts.
MAX_PAGE = 1_000_000

#: Days Python and both databases can still do arithmetic on, whatever the time zone.
SAFE_MIN = date(1, 1, 3)
SAFE_MAX = date(9999, 12, 29)

MSG_TOO_EARLY = _("Enter a date no earlier than %(earliest)s.")
MSG_FUTURE = _("The date cannot be in the future.")
MSG_TOO_LATE = _("Enter a date no later than %(latest)s.")
MSG_NUL = _("The text contains a NUL character, which is not allowed.")
MSG_TOO_MANY = _("Enter a number no greater than %(limit)s.")


def earliest_date() -> date:
    """The first plausible day (``settings.HUIYIN_EARLIEST_DATE``, a date or YYYY-MM-DD)."""
    value = getattr(settings, "HUIYIN_EARLIEST_DATE", None) or EARLIEST_DATE
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return value


def today() -> date:
    return timezone.localdate()


def latest_date() -> date:
    """The last day of the last calendar year the system supports (next year by default)."""
    years = int(getattr(settings, "HUIYIN_FUTURE_YEARS", FUTURE_YEARS))
    return date(min(today().year + max(years, 0), 9998), 12, 31)


def max_headcount() -> int:
    return int(getattr(settings, "HUIYIN_MAX_HEADCOUNT", MAX_HEADCOUNT))


def _as_day(value: date | datetime) -> date:
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            try:
                return timezone.localtime(value).date()
            except (OverflowError, ValueError):
                return value.date()
        return value.date()
    return value


def date_error(value: date | datetime, *, future_ok: bool = False) -> ValidationError | None:
    """Why `value` is not a plausible date (None when it is)."""
    day = _as_day(value)
    first = earliest_date()
    if day < first:
        return ValidationError(
            MSG_TOO_EARLY, code="date_too_early", params={"earliest": first.isoformat()}
        )
    if not future_ok and day > today():
        return ValidationError(MSG_FUTURE, code="date_future")
    last = latest_date()
    if day > last:
        return ValidationError(
            MSG_TOO_LATE, code="date_too_late", params={"latest": last.isoformat()}
        )
    return None


def plausible_date(value: date | datetime, *, future_ok: bool = False) -> bool:
    """Whether `value` lies between :func:`earliest_date` and today (or the supported years)."""
    return date_error(value, future_ok=future_ok) is None


def check_date(value: date | datetime | None, *, future_ok: bool = False) -> None:
    """Raise ValidationError (Chinese message, code ``date_*``) for an implausible date."""
    if value is None:
        return
    error = date_error(value, future_ok=future_ok)
    if error is not None:
        raise error


def past_date_validator(value) -> None:
    check_date(value)


def date_validator(value) -> None:
    check_date(value, future_ok=True)


def _past_validator(message):
    """A past-date validator whose "in the future" message names the field."""

    def validate(value) -> None:
        error = date_error(value)
        if error is not None and error.code == "date_future":
            raise ValidationError(message, code="date_future")
        if error is not None:
            raise error

    return validate


def clamp_date(value: date) -> date:
    """A filter's day moved into the supported calendar years (1990..next year by default)."""
    first = date(earliest_date().year, 1, 1)
    return min(max(value, first), latest_date())


def safe_date(value: date) -> date:
    """`value` kept away from the ends of the calendar, so a day or a time zone more or less
    cannot overflow (for rows already stored with absurd dates)."""
    return min(max(value, SAFE_MIN), SAFE_MAX)


def add_days(value: date, days: int) -> date:
    """``value + timedelta(days)``, stopping at the ends of the calendar instead of failing."""
    try:
        return value + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def day_start(value: date, tz=None) -> datetime:
    """Midnight of `value` (kept within :data:`SAFE_MIN`..:data:`SAFE_MAX`), aware."""
    return datetime.combine(
        safe_date(value), time.min, tzinfo=tz or timezone.get_current_timezone()
    )


def bounded_int(value, lo: int, hi: int, default: int | None = None) -> int | None:
    """`value` (text from outside) as an int within lo..hi; `default` when it is not one.

    Only ASCII digits (and a leading minus) are read, and no more of them than `hi` has, so
    huge or odd input costs nothing and never reaches the database.
    """
    if value is None:
        return default
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        digits = text[1:] if text[:1] == "-" else text
        limit = max(len(str(abs(lo))), len(str(abs(hi))))
        if not (digits.isascii() and digits.isdigit()) or len(digits.lstrip("0")) > limit:
            return default
        number = int(text)
    return number if lo <= number <= hi else default


def strip_nul(text: str) -> str:
    return text.replace("\x00", "") if text and "\x00" in text else text


# --------------------------------------------------------------------------- form fields


def _limit_widget(field: forms.Field, *, future_ok: bool, with_time: bool) -> None:
    """The browser's date picker offers only plausible days (set when a form is built, so a
    server running past midnight offers the new day)."""
    first = earliest_date().isoformat()
    last = (latest_date() if future_ok else today()).isoformat()
    if with_time:
        first, last = first + "T00:00", last + "T23:59"
    own = getattr(field, "_own_limits", {})
    for name, value in (("min", first), ("max", last)):
        if field.widget.attrs.get(name, own.get(name)) == own.get(name):
            field.widget.attrs[name] = value
    field._own_limits = {"min": first, "max": last}


class BoundedDateMixin:
    """A date or datetime form field that refuses implausible values (see the module doc).

    ``future_ok=False`` (the default): no later than today; True: within the supported years.
    """

    with_time = False

    def __init__(self, *args, future_ok: bool = False, future_message=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.future_ok = future_ok
        if future_message is not None and not future_ok:
            self.validators.append(_past_validator(future_message))
        else:
            self.validators.append(date_validator if future_ok else past_date_validator)
        _limit_widget(self, future_ok=future_ok, with_time=self.with_time)

    def get_bound_field(self, form, field_name):
        _limit_widget(self, future_ok=self.future_ok, with_time=self.with_time)
        return super().get_bound_field(form, field_name)

    def to_python(self, value):
        if isinstance(value, str):
            value = strip_nul(value)
        try:
            return super().to_python(value)
        except (OverflowError, ValueError):
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class DateField(BoundedDateMixin, forms.DateField):
    pass


class DateTimeField(BoundedDateMixin, forms.DateTimeField):
    with_time = True


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Ids out of any integer column's range are an invalid choice, not a database error
    (SQLite cannot even bind 10^23)."""

    def _check_values(self, value):
        for pk in value or ():
            if not isinstance(pk, int) and bounded_int(pk, 1, MAX_ID) is None:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": str(pk)[:40]},
                )
        return super()._check_values(value)


def bound_date_field(field: forms.Field, *, future_ok: bool = False) -> forms.Field:
    """Add the checks to an existing DateField/DateTimeField (for fields built at run time)."""
    field.validators.append(date_validator if future_ok else past_date_validator)
    _limit_widget(field, future_ok=future_ok, with_time=isinstance(field, forms.DateTimeField))
    return field


def _max_length_help(limit: int) -> str:
    return gettext("At most %(limit)s characters.") % {"limit": limit}


#: The "at most N characters" hint shown under a text field (lazy: usable in class bodies).
max_length_help = lazy(_max_length_help, str)


# --------------------------------------------------------------------------- rows already stored

#: What a stored moment outside Python's range (or too near its ends for a time-zone shift)
#: is read as: the database keeps the row, the pages show an obviously wrong year and work.
FIRST_MOMENT = datetime(1, 1, 2)  # noqa: DTZ001 - compared with naive and aware values alike
LAST_MOMENT = datetime(9999, 12, 30)  # noqa: DTZ001
_logged: set[str] = set()


def _far_moment(text: str) -> datetime:
    """The stand-in for a stored moment Python cannot hold (year 0, BC, or after 9999)."""
    early = " BC" in text or text.lstrip().startswith(("0000", "-"))
    if text in _logged:
        return FIRST_MOMENT if early else LAST_MOMENT
    if len(_logged) < 1000:
        _logged.add(text)
    logger.warning(
        "A stored date or time is out of range and was read as %s: %r",
        "the earliest day" if early else "the latest day",
        text,
    )
    return FIRST_MOMENT if early else LAST_MOMENT


def _within(moment: datetime) -> datetime:
    naive = moment.replace(tzinfo=None)
    if naive < FIRST_MOMENT:
        return FIRST_MOMENT.replace(tzinfo=moment.tzinfo)
    if naive > LAST_MOMENT:
        return LAST_MOMENT.replace(tzinfo=moment.tzinfo)
    return moment


def _sqlite_datetime(raw: bytes):
    from django.utils.dateparse import parse_datetime

    text = raw.decode()
    try:
        value = parse_datetime(text)
    except (ValueError, OverflowError):
        return _far_moment(text)
    return _within(value) if value is not None else None


def _sqlite_date(raw: bytes):
    from django.utils.dateparse import parse_date

    text = raw.decode()
    try:
        return parse_date(text)
    except (ValueError, OverflowError):
        return _far_moment(text).date()


def _postgresql_loaders(connection) -> None:
    """Register timestamptz and date loaders that read an out-of-range value instead of
    failing the whole query (psycopg raises DataError for a BC or post-9999 value)."""
    from psycopg import DataError
    from psycopg.pq import Format
    from psycopg.types.datetime import DateLoader

    adapters = connection.connection.adapters
    oid = adapters.types["timestamptz"].oid
    base = adapters.get_loader(oid, Format.TEXT)
    if getattr(base, "_huiyin_tolerant", False):
        return

    class TolerantTimestamptz(base):
        _huiyin_tolerant = True

        def load(self, data):
            try:
                value = super().load(data)
            except DataError:
                value = _far_moment(bytes(data).decode()).replace(
                    tzinfo=getattr(self, "timezone", None)
                )
            return _within(value)

    class TolerantDate(DateLoader):
        def load(self, data):
            try:
                return super().load(data)
            except DataError:
                return _far_moment(bytes(data).decode()).date()

    adapters.register_loader("timestamptz", TolerantTimestamptz)
    adapters.register_loader("date", TolerantDate)


def _on_connection(sender, connection, **kwargs) -> None:
    if connection.vendor == "postgresql":
        _postgresql_loaders(connection)


def read_bad_rows_tolerantly() -> None:
    """Install the tolerant readers (from the cases app's ``ready``): one absurd date stored
    before the checks existed must not fail every page that lists it."""
    import sqlite3

    import django.db.backends.sqlite3.base  # noqa: F401 - its converters first, then ours
    from django.db.backends.signals import connection_created

    for name in ("datetime", "timestamp"):
        sqlite3.register_converter(name, _sqlite_datetime)
    sqlite3.register_converter("date", _sqlite_date)
    connection_created.connect(_on_connection, dispatch_uid="huiyin.bounds.tolerant")
