"""Validation of resident ID numbers (GB 11643-1999) and mainland phone numbers.

Each validator returns the normalised value or raises ValidationError with a `code`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huiyin.privacy.normalize import normalize_digits

# Province-level codes (GB/T 2260), plus 71 Taiwan, 81 Hong Kong, 82 Macao and
# 83 for Taiwan residents' residence permits.
PROVINCE_CODES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46}
    | {50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83}
)
_CHECK_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_MAP = "10X98765432"
_EARLIEST_BIRTH = date(1900, 1, 1)

_ID18 = re.compile(r"\d{17}[\dX]")
_ID15 = re.compile(r"\d{15}")

MSG_ID_FORMAT = _("Resident ID must have 18 characters: 17 digits and a final digit or X.")
MSG_ID_LEGACY = _("15-digit legacy ID numbers are not accepted; please enter the 18-digit number.")
MSG_ID_REGION = _(
    "The first two digits of the resident ID are not a valid province code; please check the number."
)
MSG_ID_BIRTH_INVALID = _("The birth date in the resident ID is not a real date.")
MSG_ID_BIRTH_FUTURE = _("The birth date in the resident ID is in the future.")
MSG_ID_BIRTH_EARLY = _("The birth date in the resident ID is before 1900.")
MSG_ID_CHECK = _(
    "The last character of the resident ID does not match the check digit; please check the number."
)

MSG_PHONE_MOBILE_LENGTH = _("Mobile numbers have 11 digits starting with 13–19.")
MSG_PHONE_AREA_CODE = _("A fixed-line number needs its area code, e.g. 0816-2345678.")
MSG_PHONE_INVALID = _(
    "Enter a mainland mobile number (11 digits) or a fixed-line number with its area code, "
    "e.g. 13812345678 or 0816-2345678."
)


def normalize_resident_id(value: str) -> str:
    """Full-width characters to ASCII, whitespace removed, a final x upper-cased."""
    return normalize_digits(value or "").upper()


def resident_id_check_digit(first17: str) -> str:
    """The GB 11643-1999 (ISO 7064 MOD 11-2) check character for the first 17 digits."""
    if not (len(first17) == 17 and first17.isascii() and first17.isdigit()):
        raise ValueError("the check digit needs exactly 17 digits")
    total = sum(int(digit) * weight for digit, weight in zip(first17, _CHECK_WEIGHTS, strict=True))
    return _CHECK_MAP[total % 11]


def _birth_date(normalised: str) -> date:
    if len(normalised) == 18:
        year, month, day = normalised[6:10], normalised[10:12], normalised[12:14]
    elif len(normalised) == 15:
        year, month, day = "19" + normalised[6:8], normalised[8:10], normalised[10:12]
    else:
        raise ValueError("a resident ID has 18 (or legacy 15) characters")
    return date(int(year), int(month), int(day))


def birth_date_from_id(value: str) -> date:
    """The birth date encoded in an 18-digit (or legacy 15-digit, 19YY) resident ID.

    Raises ValueError when the value is not ID-shaped or the date does not exist; call it
    on validated IDs.
    """
    normalised = normalize_resident_id(value)
    if not (_ID18.fullmatch(normalised) or _ID15.fullmatch(normalised)):
        raise ValueError("a resident ID has 18 (or legacy 15) characters")
    return _birth_date(normalised)


def _check_region_and_birth(normalised: str) -> None:
    if int(normalised[:2]) not in PROVINCE_CODES:
        raise ValidationError(MSG_ID_REGION, code="region")
    try:
        born = _birth_date(normalised)
    except ValueError:
        raise ValidationError(MSG_ID_BIRTH_INVALID, code="birth_date") from None
    if born < _EARLIEST_BIRTH:
        raise ValidationError(MSG_ID_BIRTH_EARLY, code="birth_date_too_early")
    # Today in Beijing is asked for only near today (the UTC date is at most a day behind
    # it): most people were born long before, and an import checks 100,000 IDs.
    if born >= datetime.now(UTC).date() - timedelta(days=2) and born > timezone.localdate():
        raise ValidationError(MSG_ID_BIRTH_FUTURE, code="birth_date_future")


def validate_resident_id(value: str, *, allow_legacy_15: bool | None = None) -> str:
    """The normalised ID (upper-case X), or ValidationError.

    Checks, in order: shape, province code, birth date (real, 1900-01-01..today), check digit.
    15-digit legacy IDs pass only with allow_legacy_15; None means the ALLOW_LEGACY_ID setting.
    """
    normalised = normalize_resident_id(value)
    if _ID15.fullmatch(normalised):
        if allow_legacy_15 is None:
            allow_legacy_15 = bool(getattr(settings, "ALLOW_LEGACY_ID", False))
        if not allow_legacy_15:
            raise ValidationError(MSG_ID_LEGACY, code="legacy_id")
        _check_region_and_birth(normalised)
        return normalised
    if not _ID18.fullmatch(normalised):
        raise ValidationError(MSG_ID_FORMAT, code="format")
    _check_region_and_birth(normalised)
    if resident_id_check_digit(normalised[:17]) != normalised[17]:
        raise ValidationError(MSG_ID_CHECK, code="check_digit")
    return normalised


# Area codes with three digits (0 included): Beijing 010 and the 02x big cities;
# every other mainland area code has four.
_THREE_DIGIT_AREA = re.compile(r"0(?:10|2\d)")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_MOBILE_START = re.compile(r"1[3-9]")
_PHONE_JUNK = str.maketrans("", "", "-()")


def _phone_digits(value: str) -> str:
    text = normalize_digits(value or "")
    for prefix in ("+86", "0086"):
        if text.startswith(prefix):
            text = text[len(prefix) :].translate(_PHONE_JUNK)
            # In international format the trunk 0 of an area code is dropped: +86 816 ...,
            # +86 10 ... (Beijing); mobiles (13-19) never start with a 0.
            if text and not text.startswith("0") and not _MOBILE_START.match(text):
                text = "0" + text
            return text
    return text.translate(_PHONE_JUNK)


def validate_phone(value: str) -> str:
    """A mobile as 11 digits, or a fixed line as 0AAA-NNNNNNNN; else ValidationError.

    Full-width digits, spaces, hyphens, brackets and a leading +86 / 0086 are accepted.
    """
    digits = _phone_digits(value)
    if digits.isascii() and digits.isdigit():
        if _MOBILE.fullmatch(digits):
            return digits
        if digits.startswith("0"):
            area_length = 3 if _THREE_DIGIT_AREA.match(digits) else 4
            area, local = digits[:area_length], digits[area_length:]
            if 7 <= len(local) <= 8:
                return f"{area}-{local}"
        elif digits.startswith("1") and len(digits) in (10, 12):
            raise ValidationError(MSG_PHONE_MOBILE_LENGTH, code="mobile_length")
        elif len(digits) in (7, 8):
            raise ValidationError(MSG_PHONE_AREA_CODE, code="area_code_missing")
    raise ValidationError(MSG_PHONE_INVALID, code="invalid")


def resident_id_validator(value: str) -> None:
    """Form/model field validator for resident IDs (legacy IDs per the ALLOW_LEGACY_ID setting)."""
    validate_resident_id(value)


def phone_validator(value: str) -> None:
    """Form/model field validator for mainland phone numbers."""
    validate_phone(value)
