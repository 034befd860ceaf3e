"""Reading a transition's payload: every value from outside bounded and checked, each refusal a
translatable message naming the field (the same msgids as the petition workflow's where the
words are the same)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds
from huiyin.cases.exceptions import TransitionRefused

MSG_DATE_INVALID = _("“%(field)s” is not a valid date.")
MSG_DATE_FUTURE = _("“%(field)s” cannot be in the future.")
MSG_DATE_BEFORE = _("“%(field)s” cannot be earlier than %(date)s.")
MSG_DATE_TOO_LATE = _("“%(field)s” cannot be later than %(date)s.")
MSG_REQUIRED = _("Please fill in “%(field)s”.")
MSG_CHOICE = _("Choose one of the options for “%(field)s”.")
MSG_TOO_LONG = _("“%(field)s” is too long: at most %(limit)s characters.")
MSG_TOO_MANY = _("“%(field)s” has too many entries: at most %(limit)s.")
MSG_NOT_A_LIST = _("“%(field)s” is not a list.")
MSG_AMOUNT = _("“%(field)s” must be an amount of money between 0 and %(max)s yuan.")
MSG_COUNT = _("“%(field)s” must be a whole number between 1 and %(max)s.")

#: The longest free text of a step (a session's record, an agreement's terms).
MAX_TEXT = 20000
#: The longest short text (a place, a body's name).
MAX_LINE = 100

#: Readable names of the payload keys, for messages and forms.
FIELDS = {
    "party": _("Party"),
    "on": _("Date"),
    "manner": _("Manner"),
    "note": _("Note"),
    "mediators": _("Mediators"),
    "chosen_by": _("Mediators chosen by"),
    "committee": _("Committee"),
    "started_on": _("Date mediation started"),
    "place": _("Place"),
    "summary": _("Record of the session"),
    "public": _("Held in public"),
    "invitees": _("Invited (roles)"),
    "invitees_consented": _("Parties agreed to the invitees"),
    "risk": _("Risk of escalation"),
    "measures": _("Preventive measures"),
    "police_matter": _("May become a public-security or criminal case"),
    "noted_on": _("Date noted"),
    "risk_note": _("Risk note"),
    "reported_to": _("Reported to"),
    "reported_on": _("Date reported to the police"),
    "answer": _("Police answer"),
    "answered_on": _("Date the police answered"),
    "to_tier": _("Tier"),
    "new_due_on": _("New time limit"),
    "consented_on": _("Date the parties consented"),
    "parties_consented": _("Every party consented"),
    "form": _("Form of the agreement"),
    "reached_on": _("Date the agreement was reached"),
    "facts_and_issues": _("Main facts and disputed matters"),
    "responsibilities": _("Each party's responsibility"),
    "terms": _("Agreed terms"),
    "performance_manner": _("Manner of performance"),
    "performance_place": _("Place of performance"),
    "performance": _("Performance terms and due dates"),
    "content": _("Content of the oral agreement"),
    "signatures": _("Parties' signatures"),
    "mediator": _("Mediator who signed"),
    "mediator_signed_on": _("Date the mediator signed"),
    "sealed_on": _("Date the committee seal was affixed"),
    "copies": _("Copies"),
    "term": _("Performance term"),
    "due_on": _("Due date"),
    "result": _("Result"),
    "checked_on": _("Date checked"),
    "closed_on": _("Date closed"),
    "reason": _("Reason"),
    "ended_on": _("Date mediation ended"),
    "routes_told_on": _("Date the parties were told of other routes"),
    "routes_manner": _("How the parties were told of other routes"),
    "routes_text": _("Routes the parties were told of"),
    "body_kind": _("Kind of body"),
    "body": _("Receiving body"),
    "department": _("Department"),
    "transfer": _("Transfer"),
    "result_on": _("Date of the result"),
    "court": _("Court"),
    "applied_on": _("Date applied"),
    "title": _("Title"),
    "description": _("Brief account of the dispute"),
    "community": _("Community"),
    "grid": _("Grid"),
    "category": _("Dispute type"),
    "source": _("Source"),
    "received_on": _("Date received"),
    "parties": _("Parties"),
    "facts": _("Facts"),
    "claims": _("Claims"),
    "amount": _("Amount involved (yuan)"),
    "people_count": _("People involved"),
    "tier": _("Tier"),
    "court_name": _("Court"),
    "court_document": _("Court document number"),
    "materials_received_on": _("Date the court materials were received"),
    "petition_case": _("Petition it came from"),
    "side": _("Side"),
    "kind": _("Kind of party"),
    "name": _("Name"),
    "id_number": _("Resident ID"),
    "phone": _("Phone"),
    "address": _("Address"),
    "legal_representative": _("Legal representative"),
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


def parse_date(value, key: str) -> date:
    """A date from a date, an aware or naive datetime (Beijing) or ISO text; refused otherwise."""
    if isinstance(value, datetime):
        try:
            return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
        except (OverflowError, ValueError):
            refuse(MSG_DATE_INVALID, field=label(key))
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) <= 40:
        try:
            return date.fromisoformat(bounds.strip_nul(value).strip())
        except ValueError:
            pass
    refuse(MSG_DATE_INVALID, field=label(key))


def day(
    payload: dict,
    key: str,
    *,
    today: date,
    not_before: date | None = None,
    future_ok: bool = False,
    required: bool = False,
) -> date | None:
    """The payload date `key`: today when absent (None when absent and `required` is False and
    there is no sensible default: pass ``required=None``), never in the future unless
    `future_ok` (then within the supported years), never before `not_before` nor implausible."""
    value = payload.get(key)
    if blank(value):
        if required:
            refuse(MSG_REQUIRED, field=label(key))
        if required is None:
            return None
        value = today
    value = parse_date(value, key)
    if not future_ok and value > today:
        refuse(MSG_DATE_FUTURE, field=label(key))
    error = bounds.date_error(value, future_ok=True)
    if error is not None:
        if error.code == "date_too_late":
            refuse(MSG_DATE_TOO_LATE, field=label(key), date=bounds.latest_date().isoformat())
        refuse(MSG_DATE_BEFORE, field=label(key), date=bounds.earliest_date().isoformat())
    if not_before is not None and value < not_before:
        refuse(MSG_DATE_BEFORE, field=label(key), date=not_before.isoformat())
    return value


def text(payload: dict, key: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    value = payload.get(key)
    value = "" if value is None else bounds.strip_nul(str(value)).strip()
    if required and not value:
        refuse(MSG_REQUIRED, field=label(key))
    if len(value) > limit:
        refuse(MSG_TOO_LONG, field=label(key), limit=limit)
    return value


def choice(payload: dict, key: str, choices, *, default: str | None = None) -> str:
    """One of `choices` (a TextChoices class or an iterable of values)."""
    values = getattr(choices, "values", choices)
    value = payload.get(key)
    value = default if blank(value) else str(value).strip()
    if value not in values:
        refuse(MSG_CHOICE if value is not None else MSG_REQUIRED, field=label(key))
    return value


def flag(payload: dict, key: str) -> bool:
    """A yes/no from a bool or the usual words; anything else is refused."""
    value = payload.get(key)
    if value is None or isinstance(value, bool):
        return bool(value)
    text_value = str(value).strip().lower()
    if text_value in _TRUE:
        return True
    if text_value in _FALSE:
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


def many(payload: dict, key: str, *, limit: int) -> list:
    """A list (or tuple, or queryset) of at most `limit` items; [] when absent."""
    value = payload.get(key)
    if blank(value):
        return []
    if isinstance(value, str | bytes | dict) or not hasattr(value, "__iter__"):
        refuse(MSG_NOT_A_LIST, field=label(key))
    items = list(value[: limit + 1]) if hasattr(value, "__getitem__") else list(value)
    if len(items) > limit:
        refuse(MSG_TOO_MANY, field=label(key), limit=limit)
    return items


def amount(value, key: str, maximum: Decimal) -> Decimal | None:
    """An amount of money in yuan (two decimals), 0..maximum; None when blank."""
    if blank(value):
        return None
    if isinstance(value, bool | float):
        # A float has lost its cents already; booleans are not amounts.
        value = str(value) if isinstance(value, float) else None
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
