"""Matters, not people: the text of a finding (or a daily report) names no one.

A patrol records conditions and events. The speech's "可疑现象" must not turn into records of
"可疑人员", ID numbers, phone numbers or car plates (LAW.md, "Patrols"), so the text of a
finding, an inspection's findings and a daily report is refused when it holds:

* an ID number — 18 characters (17 digits and a digit or X) or a 15-digit legacy number;
* a phone number — a mobile (11 digits from 13–19, with or without +86) or a fixed line with
  its area code (0816-2345678);
* a car plate — a province's character, a letter and five or six letters or digits (川A·12345);
* the words for watching people (:data:`huiyin.patrols.trust_words.PERSON_WORDS`).

Digits are read after folding full-width forms (NFKC) and the spaces and dashes people type
inside numbers, so "138 1234 5678" and "１３８１２３４５６７８" are caught as well.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds
from huiyin.patrols.trust_words import PERSON_WORDS

MSG_ID = _(
    "Record the matter, not the people: remove the ID number. A finding describes a condition"
    " or an event."
)
MSG_PHONE = _(
    "Record the matter, not the people: remove the phone number. A finding describes a"
    " condition or an event."
)
MSG_PLATE = _(
    "Record the matter, not the people: remove the car plate. A finding describes a condition"
    " or an event."
)
MSG_PERSON = _(
    "Record the matter, not the people: patrols record conditions and events, never persons to"
    " watch."
)
MSG_TOO_LONG = _("At most %(limit)s characters.")
MSG_REQUIRED = _("This field is required.")

#: The text every finding's field carries under it.
HELP_MATTER = _(
    "Describe the condition or the event (a blocked fire exit, a broken street light, a"
    " quarrel over parking). Never a person: no names of passers-by, ID numbers, phone numbers"
    " or car plates."
)

_GAPS = re.compile(r"(?<=\d)[\s\-‐‑–—·.]+(?=\d)")
_ID = re.compile(r"(?<!\d)(?:\d{17}[\dX]|\d{15})(?![\dX])")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86)?1[3-9]\d{9}(?!\d)")
_FIXED = re.compile(r"(?<!\d)0\d{2,3}\d{7,8}(?!\d)")
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领"
_PLATE = re.compile(
    rf"[{_PROVINCES}]\s*[A-Z]\s*[·•.\-\s]?\s*[A-Z0-9]{{4,5}}[A-Z0-9挂学警港澳]"
    r"(?![A-Z0-9])"
)


def identity_problem(text: str):
    """The message refusing `text`, or None when it names nobody (see the module docstring)."""
    if not text:
        return None
    folded = unicodedata.normalize("NFKC", text).upper()
    digits = _GAPS.sub("", folded)
    if _ID.search(digits):
        return MSG_ID
    if _MOBILE.search(digits) or _FIXED.search(digits):
        return MSG_PHONE
    if _PLATE.search(folded):
        return MSG_PLATE
    if any(word in folded for word in PERSON_WORDS):
        return MSG_PERSON
    return None


def clean_text(value, limit: int, *, required: bool = False, matter: bool = True):
    """(text, message or None): `value` stripped of NUL and spaces, bounded by `limit`, and —
    with `matter` — refused when it names a person (:func:`identity_problem`)."""
    text = bounds.strip_nul(str(value or "")).strip()
    if required and not text:
        return text, MSG_REQUIRED
    if len(text) > limit:
        return text[:limit], MSG_TOO_LONG % {"limit": limit}
    if matter:
        problem = identity_problem(text)
        if problem is not None:
            return text, problem
    return text, None
