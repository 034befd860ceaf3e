"""Masking of personal data for lists, exports and screens that need not show it whole.

Every function accepts None or "" and returns "".
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from huiyin.privacy.normalize import normalize_digits
from huiyin.privacy.validators import normalize_resident_id, validate_phone

# Common two-character (compound) surnames: for these the first two characters stay visible.
# fmt: off
COMPOUND_SURNAMES = frozenset({
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙",
    "宇文", "司徒", "夏侯", "轩辕", "令狐", "钟离", "端木", "独孤", "南宫", "西门",
    "万俟", "闻人", "申屠", "澹台", "公冶", "濮阳", "太史",
})
# fmt: on


def _tail_only(text: str, keep: int) -> str:
    """Stars for everything but the last `keep` characters; all stars when the text is short."""
    if len(text) <= keep * 2:
        return "*" * len(text)
    return "*" * (len(text) - keep) + text[-keep:]


def mask_resident_id(value: str | None) -> str:
    """110101199003071234 -> 110101********1234; 15-digit: first 6 and last 3 kept."""
    if not value:
        return ""
    text = normalize_resident_id(str(value))
    if len(text) == 18:
        return text[:6] + "*" * 8 + text[-4:]
    if len(text) == 15:
        return text[:6] + "*" * 6 + text[-3:]
    return _tail_only(text, 4)


def mask_phone(value: str | None) -> str:
    """13812345678 -> 138****5678; 0816-2345678 -> 0816-****678."""
    if not value:
        return ""
    try:
        phone = validate_phone(str(value))
    except ValidationError:
        return _tail_only(normalize_digits(str(value)), 4)
    if "-" in phone:
        area, local = phone.split("-", 1)
        return f"{area}-" + "*" * (len(local) - 3) + local[-3:]
    return phone[:3] + "****" + phone[-4:]


def mask_name(value: str | None) -> str:
    """张三 -> 张*, 欧阳修文 -> 欧阳**; a one-character name becomes *."""
    if not value:
        return ""
    name = str(value).strip()
    if len(name) <= 1:
        return "*" * len(name)
    keep = 2 if len(name) > 2 and name[:2] in COMPOUND_SURNAMES else 1
    return name[:keep] + "*" * (len(name) - keep)


def mask_address(value: str | None) -> str:
    """The first 6 characters (roughly the district) followed by ****."""
    if not value:
        return ""
    text = str(value).strip()
    if not text:
        return ""
    return text[:6] + "****"
