"""The dispute rules that offices set differently, each read from settings with its default.

* ``HUIYIN_DISPUTE_MAX_AMOUNT`` — the largest amount involved accepted, in yuan
  (default 10,000,000,000: 一百亿元; the column holds up to 999,999,999,999.99);
* ``HUIYIN_DISPUTE_MAX_PARTIES`` — the most parties one dispute may name (default 200);
* ``HUIYIN_DISPUTE_LABOUR_TYPES`` — the dispute types (by name; a type below one of them
  counts too) that are labour disputes (劳动争议调解仲裁法 art. 14; default ``("劳动争议",)``,
  which takes in 欠薪);
* ``HUIYIN_DISPUTE_UNCONFIRMABLE_TYPES`` — types whose agreements a court may refuse to
  confirm, by name, mapped to the reason: ``"status"`` (personal status: marriage, parentage,
  adoption) or ``"title"`` (title to property) (民诉法解释 art. 355). Default: 婚姻家庭 →
  status; 房屋宅基地, 土地承包 → title. A warning, never a refusal: a 婚姻家庭 dispute about
  maintenance may well be confirmed.

The people involved are bounded by ``HUIYIN_MAX_HEADCOUNT`` like a petition's headcount.
The clocks' days are configured with ``HUIYIN_LIMITS`` (see :mod:`huiyin.disputes.clocks`).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _

DEFAULT_MAX_AMOUNT = Decimal("10000000000")
#: What the column can hold at all (max_digits=14, decimal_places=2).
COLUMN_MAX_AMOUNT = Decimal("999999999999.99")
DEFAULT_MAX_PARTIES = 200
DEFAULT_LABOUR_TYPES = ("劳动争议",)
DEFAULT_UNCONFIRMABLE_TYPES = {"婚姻家庭": "status", "房屋宅基地": "title", "土地承包": "title"}
#: How deep a type tree is walked (a loop in bad data must not hang a page).
_MAX_DEPTH = 10

MSG_UNCONFIRMABLE_STATUS = _(
    "A court does not confirm an agreement that settles personal status (marriage, parentage, "
    "adoption): check what this agreement settles before the parties apply (Interpretation of "
    "the Civil Procedure Law art. 355)."
)
MSG_UNCONFIRMABLE_TITLE = _(
    "A court does not confirm an agreement that settles title to property: check what this "
    "agreement settles before the parties apply (Interpretation of the Civil Procedure Law "
    "art. 355)."
)


def max_amount() -> Decimal:
    value = Decimal(str(getattr(settings, "HUIYIN_DISPUTE_MAX_AMOUNT", DEFAULT_MAX_AMOUNT)))
    return min(value, COLUMN_MAX_AMOUNT)


def max_parties() -> int:
    return int(getattr(settings, "HUIYIN_DISPUTE_MAX_PARTIES", DEFAULT_MAX_PARTIES))


def labour_types() -> tuple[str, ...]:
    return tuple(getattr(settings, "HUIYIN_DISPUTE_LABOUR_TYPES", DEFAULT_LABOUR_TYPES))


def unconfirmable_types() -> dict[str, str]:
    return dict(
        getattr(settings, "HUIYIN_DISPUTE_UNCONFIRMABLE_TYPES", DEFAULT_UNCONFIRMABLE_TYPES)
    )


def type_path(category) -> list[str]:
    """The names from `category` up to its top-level type (欠薪 → ["欠薪", "劳动争议"])."""
    names: list[str] = []
    seen: set[int] = set()
    while category is not None and category.pk not in seen and len(names) < _MAX_DEPTH:
        names.append(category.name)
        seen.add(category.pk)
        category = category.parent
    return names


def top_type(category):
    """The top-level type of `category` (欠薪 counts in 劳动争议), or None."""
    seen: set[int] = set()
    while category is not None and category.parent_id is not None and len(seen) < _MAX_DEPTH:
        seen.add(category.pk)
        category = category.parent
    return category


def is_labour_category(category) -> bool:
    return bool(set(type_path(category)) & set(labour_types()))


def confirmation_warning(category) -> str:
    """The art. 355 warning for a dispute of this type, or "" (see the module docstring)."""
    kinds = unconfirmable_types()
    for name in type_path(category):
        reason = kinds.get(name)
        if reason == "status":
            return str(MSG_UNCONFIRMABLE_STATUS)
        if reason == "title":
            return str(MSG_UNCONFIRMABLE_TITLE)
    return ""
