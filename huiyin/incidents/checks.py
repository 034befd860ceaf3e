"""Reading input for incidents and risk notes: every value from outside bounded and checked,
each refusal a translatable message naming the field (the same msgids as the disputes' where
the words are the same). Moments are aware, in Beijing time when typed without a zone."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds
from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.exceptions import TransitionRefused

MSG_DATE_INVALID = _("“%(field)s” is not a valid date.")
MSG_DATE_FUTURE = _("“%(field)s” cannot be in the future.")
MSG_DATE_BEFORE = _("“%(field)s” cannot be earlier than %(date)s.")
MSG_DATE_TOO_LATE = _("“%(field)s” cannot be later than %(date)s.")
MSG_TIME_INVALID = _("“%(field)s” is not a valid date and time.")
MSG_REQUIRED = _("Please fill in “%(field)s”.")
MSG_CHOICE = _("Choose one of the options for “%(field)s”.")
MSG_TOO_LONG = _("“%(field)s” is too long: at most %(limit)s characters.")
MSG_AMOUNT = _("“%(field)s” must be an amount of money between 0 and %(max)s yuan.")
MSG_COUNT = _("“%(field)s” must be a whole number between 1 and %(max)s.")
MSG_NUMBER = _("“%(field)s” must be a whole number between 0 and %(max)s.")

#: The longest free text (a report's contents, an outcome).
MAX_TEXT = 20000
#: The longest short text (a place, a recipient).
MAX_LINE = 200
#: A moment typed a little after the server's clock is not "in the future" (clock skew).
SKEW = timedelta(minutes=2)

FIELDS = {
    "title": _("Title"),
    "description": _("Brief account"),
    "category": _("Incident type"),
    "grade": _("Grade"),
    "occurred_at": _("Happened at"),
    "learned_at": _("Learned of at"),
    "source": _("Source"),
    "community": _("Community"),
    "grid": _("Grid"),
    "place": _("Place"),
    "dispute_case": _("Dispute behind it"),
    "petition_case": _("Petition behind it"),
    "people_count": _("People involved (estimate)"),
    "demands": _("Demands"),
    "deaths": _("Deaths"),
    "missing": _("Missing"),
    "serious_injuries": _("Seriously injured"),
    "minor_injuries": _("Slightly injured"),
    "direct_loss": _("Direct loss (yuan, first estimate)"),
    "loss_note": _("Initial loss"),
    "measures": _("Measures taken"),
    "leader": _("Leader in charge"),
    "outcome": _("Outcome"),
    "aftermath": _("Aftermath"),
    "concluded_at": _("Disposal concluded at"),
    "evaluation": _("Follow-up evaluation"),
    "evaluated_on": _("Evaluated on"),
    "note": _("Note"),
    "kind": _("Report"),
    "seq": _("Number of the follow-up report"),
    "sent_at": _("Sent at"),
    "recipient": _("To whom"),
    "channel": _("Channel"),
    "contents": _("Contents"),
    "action": _("Action"),
    "task_title": _("What to do"),
    "owner": _("Owner"),
    "due_at": _("Due at"),
    "task": _("Task"),
    "result": _("Result"),
    "police_notified_at": _("Police notified at"),
    "police_unit": _("Police unit"),
    "conclusion_received_at": _("Police conclusion received at"),
    "police_conclusion": _("Police conclusion"),
    "kin_name": _("Next of kin"),
    "kin_relation": _("Relation"),
    "kin_phone": _("Next of kin's phone"),
    "subject_kind": _("Subject"),
    "subject": _("The matter, place or project"),
    "risk_type": _("Type"),
    "level": _("Internal level"),
    "noted_on": _("Noted on"),
    "action_taken": _("Action taken"),
    "reported_upward": _("Reported upward"),
    "reported_to": _("Reported to"),
    "reported_at": _("Reported at"),
}

_TRUE = {"1", "true", "yes", "on", "y"}
_FALSE = {"0", "false", "no", "off", "n", ""}


def refuse(message, **params):
    """Raise TransitionRefused; `params` fill the (translated) message's placeholders."""
    raise TransitionRefused(str(message) % params if params else message)


def label(key: str) -> str:
    return str(FIELDS.get(key, key))


def blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value, key: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    value = "" if value is None else bounds.strip_nul(str(value)).strip()
    if required and not value:
        refuse(MSG_REQUIRED, field=label(key))
    if len(value) > limit:
        refuse(MSG_TOO_LONG, field=label(key), limit=limit)
    return value


def choice(value, key: str, choices, *, default: str | None = None) -> str:
    """One of `choices` (a TextChoices class or an iterable of values)."""
    values = getattr(choices, "values", choices)
    value = default if blank(value) else str(value).strip()
    if value not in values:
        refuse(MSG_CHOICE if value is not None else MSG_REQUIRED, field=label(key))
    return value


def flag(value, key: str) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    word = str(value).strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    refuse(MSG_CHOICE, field=label(key))


def ident(value, key: str) -> int:
    """A row id from an instance, an int or digits (bounded: never a database error)."""
    if hasattr(value, "pk"):
        value = value.pk
    number = bounds.bounded_int(value, 1, bounds.MAX_ID)
    if number is None:
        refuse(MSG_CHOICE, field=label(key))
    return number


def _parse_moment(value, key: str) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and len(value) <= 40:
        raw = bounds.strip_nul(value).strip().replace(" ", "T", 1)
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            refuse(MSG_TIME_INVALID, field=label(key))
    else:
        refuse(MSG_TIME_INVALID, field=label(key))
    if timezone.is_naive(moment):
        try:
            moment = moment.replace(tzinfo=CHINA_TZ)
        except (OverflowError, ValueError):
            refuse(MSG_TIME_INVALID, field=label(key))
    return moment.replace(microsecond=0)


def moment(
    value,
    key: str,
    *,
    now: datetime | None = None,
    not_before: datetime | None = None,
    future_ok: bool = False,
    required: bool = True,
) -> datetime | None:
    """An aware moment: never implausible, never in the future unless `future_ok` (then within
    the supported years), never before `not_before`; None when blank and not `required`."""
    if blank(value):
        if required:
            refuse(MSG_REQUIRED, field=label(key))
        return None
    found = _parse_moment(value, key)
    now = now or timezone.now()
    if not future_ok and found > now + SKEW:
        refuse(MSG_DATE_FUTURE, field=label(key))
    error = bounds.date_error(found, future_ok=True)
    if error is not None:
        if error.code == "date_too_late":
            refuse(MSG_DATE_TOO_LATE, field=label(key), date=bounds.latest_date().isoformat())
        refuse(MSG_DATE_BEFORE, field=label(key), date=bounds.earliest_date().isoformat())
    if not_before is not None and found < not_before:
        shown = timezone.localtime(not_before, CHINA_TZ).strftime("%Y-%m-%d %H:%M")
        refuse(MSG_DATE_BEFORE, field=label(key), date=shown)
    return found


def day(value, key: str, *, today: date, required: bool = False) -> date | None:
    """A date not in the future and plausible; today when blank unless `required`."""
    if blank(value):
        if required:
            refuse(MSG_REQUIRED, field=label(key))
        return today
    if isinstance(value, datetime):
        value = timezone.localtime(value, CHINA_TZ).date() if timezone.is_aware(value) else value
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(bounds.strip_nul(str(value)).strip()[:20])
        except ValueError:
            refuse(MSG_DATE_INVALID, field=label(key))
    if value > today:
        refuse(MSG_DATE_FUTURE, field=label(key))
    if bounds.date_error(value) is not None:
        refuse(MSG_DATE_BEFORE, field=label(key), date=bounds.earliest_date().isoformat())
    return value


def amount(value, key: str, maximum: Decimal) -> Decimal | None:
    """An amount of money in yuan (two decimals), 0..maximum; None when blank."""
    if blank(value):
        return None
    if isinstance(value, bool):
        refuse(MSG_AMOUNT, field=label(key), max=maximum)
    raw = bounds.strip_nul(str(value)).strip().replace(",", "")
    if len(raw) > 40:
        refuse(MSG_AMOUNT, field=label(key), max=maximum)
    try:
        number = Decimal(raw)
    except (InvalidOperation, ValueError, TypeError):
        refuse(MSG_AMOUNT, field=label(key), max=maximum)
    if not number.is_finite() or number < 0 or number > maximum:
        refuse(MSG_AMOUNT, field=label(key), max=maximum)
    return number.quantize(Decimal("0.01"))


def count(value, key: str, maximum: int) -> int | None:
    """A count of people, 1..maximum; None when blank."""
    if blank(value):
        return None
    if isinstance(value, bool):
        refuse(MSG_COUNT, field=label(key), max=maximum)
    number = bounds.bounded_int(value, 1, maximum)
    if number is None:
        refuse(MSG_COUNT, field=label(key), max=maximum)
    return number


def number(value, key: str, maximum: int) -> int:
    """A casualty figure, 0..maximum; 0 when blank."""
    if blank(value):
        return 0
    if isinstance(value, bool):
        refuse(MSG_NUMBER, field=label(key), max=maximum)
    found = bounds.bounded_int(value, 0, maximum)
    if found is None:
        refuse(MSG_NUMBER, field=label(key), max=maximum)
    return found
