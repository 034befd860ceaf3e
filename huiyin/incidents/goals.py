"""The 四无 of the campaign goals 三零四无, computed from the incidents recorded.

    four_nos(period, user=request.user)
    # {"no_major_political_incident": {"held": True, "incidents": []},
    #  "no_illegal_gathering": {"held": False, "incidents": [{"id", "number", "title", ...}]},
    #  "no_large_mass_incident": {...}, "no_violent_terror_incident": {...}}

A goal is held when no incident of its types **happened** in the period (both ends inclusive,
Beijing dates; ``Incident.occurred_at``), withdrawn cases never counting; with `user`, only the
incidents that person may see (``Case.objects.visible_to``); with a `scope` (anything with
``community_id``, ``grid_id``, ``unit_id``), only that part of the street. A goal that is not held
lists the incidents that broke it, earliest first.

Which types break which goal is the district's to define (no national definition was found):
``settings.HUIYIN_INCIDENT_GOALS`` maps each goal to type names (a type below a named one counts
too), default the types of the same names — 重大政治事件, 非法聚集, 群体性事件, 暴力恐怖事件.
A 群体性事件 breaks "no large mass incident" only from ``HUIYIN_INCIDENT_LARGE_MASS`` people
involved (the estimate recorded on the incident; default 100); one without an estimate does not.

Not the 平安社区 "四无" (无刑事案件、无治安案件、无上访案件、无安全责任事故): that one is the
assessment's. One query, whatever the period.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import BooleanField, ExpressionWrapper, Q

from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case
from huiyin.incidents.models import Incident

GOALS: tuple[str, ...] = (
    "no_major_political_incident",
    "no_illegal_gathering",
    "no_large_mass_incident",
    "no_violent_terror_incident",
)
DEFAULT_TYPES: dict[str, tuple[str, ...]] = {
    "no_major_political_incident": ("重大政治事件",),
    "no_illegal_gathering": ("非法聚集",),
    "no_large_mass_incident": ("群体性事件",),
    "no_violent_terror_incident": ("暴力恐怖事件",),
}
#: The goal judged by the number of people involved, and its default threshold.
LARGE_GOAL = "no_large_mass_incident"
DEFAULT_LARGE_MASS = 100
#: How many levels of the type tree are looked at (class, type, sub-type).
_DEPTH = ("case__category", "case__category__parent", "case__category__parent__parent")


def goal_types() -> dict[str, tuple[str, ...]]:
    """The setting HUIYIN_INCIDENT_GOALS over the defaults (a goal left out keeps its own)."""
    given = getattr(settings, "HUIYIN_INCIDENT_GOALS", None) or {}
    unknown = set(given) - set(GOALS)
    if unknown:
        raise ImproperlyConfigured(f"HUIYIN_INCIDENT_GOALS names unknown goals {sorted(unknown)}")
    out = dict(DEFAULT_TYPES)
    for goal, names in given.items():
        out[goal] = (names,) if isinstance(names, str) else tuple(str(n) for n in names)
    return out


def large_mass() -> int:
    value = getattr(settings, "HUIYIN_INCIDENT_LARGE_MASS", DEFAULT_LARGE_MASS)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ImproperlyConfigured(
            f"HUIYIN_INCIDENT_LARGE_MASS must be a number of people >= 1, not {value!r}"
        )
    return value


def _of_types(names: tuple[str, ...]) -> Q:
    condition = Q(pk__in=[])
    for path in _DEPTH:
        condition |= Q(**{f"{path}__name__in": names})
    return condition


def _goal_q(goal: str, names: tuple[str, ...]) -> Q:
    condition = _of_types(names)
    if goal == LARGE_GOAL:
        condition &= Q(people_count__gte=large_mass())
    return condition


def incidents(period=None, *, user=None, scope=None):
    """The incidents counted: not withdrawn, happened in `period`, seen by `user`, in `scope`."""
    cases = (
        Case.objects.filter(kind=Kind.INCIDENT)
        if user is None
        else Case.objects.visible_to(user, kind=Kind.INCIDENT)
    )
    cases = cases.filter(withdrawn=False)
    if scope is not None:
        for attr, field in (
            ("community_id", "community_id"),
            ("grid_id", "grid_id"),
            ("unit_id", "owner_unit_id"),
        ):
            value = getattr(scope, attr, None)
            if value is not None:
                cases = cases.filter(**{field: value})
    found = Incident.objects.filter(case__in=cases)
    if period is not None:
        first, after = period.bounds()
        found = found.filter(occurred_at__gte=first, occurred_at__lt=after)
    return found


def four_nos(period, *, user=None, scope=None) -> dict[str, dict]:
    """Each 四无 goal: ``{"held": bool, "incidents": [{"id", "number", "title", "type",
    "occurred_at", "people_count"}]}`` (see the module docstring)."""
    types = goal_types()
    conditions = {goal: _goal_q(goal, types[goal]) for goal in GOALS}
    any_goal = Q(pk__in=[])
    for condition in conditions.values():
        any_goal |= condition
    found = incidents(period, user=user, scope=scope).filter(any_goal)
    # One query: each row says which goals it breaks.
    annotations = {f"g_{goal}": _flag(conditions[goal]) for goal in GOALS}
    rows = list(
        found.annotate(**annotations)
        .order_by("occurred_at", "pk")
        .values(
            "pk",
            "case__number",
            "case__title",
            "case__category__name",
            "occurred_at",
            "people_count",
            *annotations,
        )
    )
    out = {goal: {"held": True, "incidents": []} for goal in GOALS}
    for row in rows:
        item = {
            "id": row["pk"],
            "number": row["case__number"],
            "title": row["case__title"],
            "type": row["case__category__name"] or "",
            "occurred_at": row["occurred_at"].isoformat(),
            "people_count": row["people_count"],
        }
        for goal in GOALS:
            if row[f"g_{goal}"]:
                out[goal]["held"] = False
                out[goal]["incidents"].append(item)
    return out


def _flag(condition: Q) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


def as_stats(period, *, user=None, scope=None) -> tuple[dict[str, bool], dict[str, list]]:
    """(goal → held, goal → the incidents that broke it as ``{"id", "number"}``) for the
    statistics' ``goals`` section."""
    result = four_nos(period, user=user, scope=scope)
    held = {goal: result[goal]["held"] for goal in GOALS}
    breaches = {
        goal: [{"id": i["id"], "number": i["number"]} for i in result[goal]["incidents"]]
        for goal in GOALS
    }
    return held, breaches
