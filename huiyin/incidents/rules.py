"""The incident rules that districts set differently, each read from settings with its default.

Types are named as in the type tree (categories of kind "incident"; a type below a named one
counts too), so an administrator who renames a type renames it here as well.

* ``HUIYIN_INCIDENT_SAFETY_TYPES`` — production-safety accidents in the sense of the
  生产安全事故报告和调查处理条例: their grade is derived from deaths, serious injuries and the
  direct loss (art. 3) and casualty changes are reported within the art. 13 window
  (default ``("生产安全事故", "道路交通事故", "火警")``);
* ``HUIYIN_INCIDENT_SUPPLEMENT_DAYS`` — that window per type, in days from the day it happened
  (art. 13: 30; 7 for road traffic and fire): ``{"*": 30, "道路交通事故": 7, "火警": 7}``;
* ``HUIYIN_INCIDENT_GRADE_COUNTS_MISSING`` — whether the missing count with the deaths when a
  grade is derived (default False: art. 3 names deaths; some provinces count 失踪 with them);
* ``HUIYIN_INCIDENT_UNNATURAL_DEATH_TYPES`` — types whose cause the police establish: the case
  records the police notified and their conclusion, and the next of kin as far as the handling
  needs (default ``("非正常死亡",)``);
* ``HUIYIN_INCIDENT_REPORT_LIMITS`` — minutes from the moment the street learned of an incident
  to its first report upward (any channel) and to its first written report, per class and
  grade; see :mod:`huiyin.incidents.reporting`. The national law says only "immediately"
  (突发事件应对法 art. 61): the defaults (60 and 120 minutes) stand until the district's own
  rule is entered, and every page showing them says so;
* ``HUIYIN_INCIDENT_GOALS`` and ``HUIYIN_INCIDENT_LARGE_MASS`` — the 四无 goals; see
  :mod:`huiyin.incidents.goals`.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULT_SAFETY_TYPES = ("生产安全事故", "道路交通事故", "火警")
DEFAULT_SUPPLEMENT_DAYS = {"*": 30, "道路交通事故": 7, "火警": 7}
DEFAULT_UNNATURAL_DEATH_TYPES = ("非正常死亡",)
#: The largest direct loss accepted, in yuan (the column holds up to 999,999,999,999.99).
MAX_LOSS = Decimal("999999999999.99")
#: How deep a type tree is walked (a loop in bad data must not hang a page).
_MAX_DEPTH = 10


def _names(setting: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = getattr(settings, setting, default)
    if isinstance(value, str):
        value = (value,)
    return tuple(str(v) for v in value)


def safety_types() -> tuple[str, ...]:
    return _names("HUIYIN_INCIDENT_SAFETY_TYPES", DEFAULT_SAFETY_TYPES)


def unnatural_death_types() -> tuple[str, ...]:
    return _names("HUIYIN_INCIDENT_UNNATURAL_DEATH_TYPES", DEFAULT_UNNATURAL_DEATH_TYPES)


def grade_counts_missing() -> bool:
    return bool(getattr(settings, "HUIYIN_INCIDENT_GRADE_COUNTS_MISSING", False))


def supplement_days() -> dict[str, int]:
    value = dict(getattr(settings, "HUIYIN_INCIDENT_SUPPLEMENT_DAYS", DEFAULT_SUPPLEMENT_DAYS))
    for key, days in value.items():
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 366:
            raise ImproperlyConfigured(
                f"HUIYIN_INCIDENT_SUPPLEMENT_DAYS[{key!r}] must be 0 to 366 days, not {days!r}"
            )
    value.setdefault("*", DEFAULT_SUPPLEMENT_DAYS["*"])
    return value


def type_path(category) -> list[str]:
    """The names from `category` up to its class (火警 → ["火警", "事故灾难"])."""
    names: list[str] = []
    seen: set[int] = set()
    while category is not None and category.pk not in seen and len(names) < _MAX_DEPTH:
        names.append(category.name)
        seen.add(category.pk)
        category = category.parent
    return names


def incident_class(category):
    """The class of art. 2 above a type (the root of its tree), or None."""
    seen: set[int] = set()
    while category is not None and category.parent_id is not None and len(seen) < _MAX_DEPTH:
        seen.add(category.pk)
        category = category.parent
    return category


def is_safety(category) -> bool:
    return bool(set(type_path(category)) & set(safety_types()))


def is_unnatural_death(category) -> bool:
    return bool(set(type_path(category)) & set(unnatural_death_types()))


def supplement_days_for(category) -> int | None:
    """Days of the art. 13 window for a production-safety type (None for other types)."""
    if not is_safety(category):
        return None
    table = supplement_days()
    for name in type_path(category):
        if name in table:
            return table[name]
    return table["*"]
