"""The incidents' figures: the sections ``incidents`` (突发事件) and ``risk_notes`` (风险提示).

Registered with the statistics engine (:mod:`huiyin.reports.stats.engine`), which composes
them with the other kinds' into :func:`~huiyin.reports.stats.compute`:

    stats = compute(Period(date(2026, 6, 1), date(2026, 9, 8)), user=request.user)
    stats["incidents"]["by_type"]["unnatural_death"]        # 非正常死亡
    flat(stats)["incidents.first_reports.late"]             # 首报超时

The 四无 goals (``goals.no_major_political_incident`` …) are the petitions' section ``goals``,
read from the same incidents by :mod:`huiyin.incidents.goals`.

Definitions (also in the README, "Statistics")
=============================================

* **Which incidents.** Incident cases not withdrawn (the incidents app's own door,
  :func:`huiyin.incidents.goals.incidents`, the same as the 四无 goals'); with ``user``, only
  those that person may see (``Case.objects.visible_to``: a community worker their community's,
  a grid worker their grid's); with a :class:`~huiyin.reports.stats.engine.Scope`, one
  community, grid or responsible unit. An incident belongs to a period by **the moment it
  happened** (``occurred_at``), in Beijing time, both ends inclusive: one that happened at
  00:00 on the first day counts, one at 23:59 the day before does not, whenever the street
  learned of it.
* **total** = the incidents that happened in the period.
* **by_type.<type>** = total by incident type. A type below another counts in it (an
  administrator's sub-type of 火警 is ``fire``). The default types have fixed keys
  (:data:`TYPE_KEYS`), always present: ``natural_disaster`` 自然灾害, ``fire`` 火警,
  ``production_safety`` 生产安全事故, ``road_traffic`` 道路交通事故, ``public_health``
  公共卫生事件, ``unnatural_death`` 非正常死亡, ``mass_incident`` 群体性事件,
  ``illegal_gathering`` 非法聚集, ``criminal_case`` 刑事案件, ``public_order_case`` 治安案件,
  ``major_political`` 重大政治事件, ``violent_terror`` 暴力恐怖事件, ``other`` 其他; a type an
  administrator added is ``type_<id>`` (of the type just below its class, when the incident's
  own type is deeper); an incident without a type ``unclassified`` (listed only when counted).
  They add up to ``total``.
* **by_grade.<general|larger|major|especially_major>** = total by grade (一般, 较大, 重大, 特别重大,
  突发事件应对法 art. 3; a production-safety accident's grade derived from its figures). They
  add up to ``total``.
* **first_reports.on_time / late** — the first report upward (初报, by any channel: the
  earliest report recorded) of each incident counted in ``total``, against its limit counted
  from the moment the street learned of it (``learned_at``): the limit is the incidents app's
  own (:func:`huiyin.incidents.reporting.limits_for` by the incident's class and grade; default
  60 minutes, ``HUIYIN_INCIDENT_REPORT_LIMITS``), in minutes of real time (midnight and
  holidays stop nothing). **on_time** = sent no later than learned_at + the limit (exactly 60
  minutes is on time, 60 minutes and a second is not); **late** = sent after it, or not sent
  and the limit has passed (now: as the record stands, like a report sent after the period
  ended). An incident whose limit has not yet passed and has no report is in neither. The
  same tests as the incident's page (``reporting.Deadline.on_time`` and ``overdue``).
* **reporting_on_time_rate** (首报及时率) = on_time ÷ (on_time + late); ``None`` when both are 0.
* **risk_notes.opened** = risk notes (风险提示, the street's own notes about a matter, a place
  or a project) noted in the period (``noted_on``); **risk_notes.closed** = risk notes closed
  in the period (by the moment closed, Beijing time), whenever noted. With ``user``, the notes
  that person may see (``RiskNote.objects.visible_to``); with a scope, that community or grid
  (a unit scope counts none: a note belongs to no unit).
* Rates are fractions between 0 and 1, rounded to four places.

Queries: figures() issues three whatever the period — the incident type tree (a few dozen
rows); the incidents that happened in the period, one row each with the time of its first
report (a street records tens a quarter); one conditional count of the risk notes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huiyin.cases.kinds import Kind
from huiyin.cases.models import Category
from huiyin.incidents import goals as incident_goals
from huiyin.incidents import reporting
from huiyin.incidents.grading import Grade
from huiyin.incidents.models import Incident, RiskNote
from huiyin.reports.stats.engine import Period, Scope, register

__all__ = [
    "GRADES",
    "SECTIONS",
    "TYPE_KEYS",
    "UNCLASSIFIED",
    "figures",
    "first_report_status",
    "incident_rows",
    "labels",
    "risk_notes",
    "type_keys",
    "type_labels",
]

#: The keys of the default incident types (huiyin.incidents.types), by name.
TYPE_KEYS: dict[str, str] = {
    "自然灾害": "natural_disaster",
    "火警": "fire",
    "生产安全事故": "production_safety",
    "道路交通事故": "road_traffic",
    "公共卫生事件": "public_health",
    "非正常死亡": "unnatural_death",
    "群体性事件": "mass_incident",
    "非法聚集": "illegal_gathering",
    "刑事案件": "criminal_case",
    "治安案件": "public_order_case",
    "重大政治事件": "major_political",
    "暴力恐怖事件": "violent_terror",
    "其他": "other",
}
#: An incident recorded without a type (listed only when counted).
UNCLASSIFIED = "unclassified"
GRADES: tuple[str, ...] = tuple(Grade.values)  # lowest first
#: The top-level JSON keys these figures fill, in this order.
SECTIONS = ("incidents", "risk_notes")
#: How deep the type tree is walked up (a loop in bad data must not hang a page).
_MAX_DEPTH = 10

ON_TIME, LATE, PENDING = "on_time", "late", "pending"


# --------------------------------------------------------------------------- the type tree


class TypeTree:
    """The incident type tree, read once (one query): each type's by_type key and class."""

    def __init__(self) -> None:
        self.rows = {
            pk: (name, parent, active)
            for pk, name, parent, active in Category.objects.filter(kind=Kind.INCIDENT)
            .order_by("order", "id")
            .values_list("id", "name", "parent_id", "active")
        }
        self._keys: dict[int | None, str] = {}

    def _path(self, pk: int) -> list[int]:
        """`pk` and its parents up to the class (the root), at most _MAX_DEPTH."""
        path = [pk]
        while len(path) < _MAX_DEPTH:
            parent = self.rows[path[-1]][1]
            if parent is None or parent not in self.rows or parent in path:
                break
            path.append(parent)
        return path

    def key(self, pk: int | None) -> str:
        """The by_type key of type `pk` (see the module docstring)."""
        if pk in self._keys:
            return self._keys[pk]
        if pk is None or pk not in self.rows:
            found = UNCLASSIFIED
        else:
            path = self._path(pk)
            named = next(
                (TYPE_KEYS[self.rows[p][0]] for p in path if self.rows[p][0] in TYPE_KEYS), None
            )
            # Otherwise the type just below the class (the class itself when it is the type).
            found = named or f"type_{path[-2] if len(path) > 1 else path[-1]}"
        self._keys[pk] = found
        return found

    def class_name(self, pk: int | None) -> str | None:
        """The name of the class of art. 2 above type `pk` (for the reporting limits)."""
        if pk is None or pk not in self.rows:
            return None
        return self.rows[self._path(pk)[-1]][0]

    def listed(self) -> list[str]:
        """Every by_type key always listed: the default types, then each other type in use
        just below a class."""
        others = [
            f"type_{pk}"
            for pk, (name, parent, active) in self.rows.items()
            if active
            and parent is not None
            and self.rows.get(parent, ("", 0))[1] is None
            and name not in TYPE_KEYS
        ]
        return [*TYPE_KEYS.values(), *others]

    def names(self) -> dict[str, str]:
        """{by_type key: the name to show}."""
        out = {key: name for name, key in TYPE_KEYS.items()}
        for pk, (name, _parent, _active) in self.rows.items():
            out.setdefault(f"type_{pk}", name)
        out[UNCLASSIFIED] = "未分类"
        return out


def type_keys() -> tuple[dict[int, str], list[str]]:
    """``({incident type id: its by_type key}, [every by_type key always listed])``."""
    tree = TypeTree()
    return {pk: tree.key(pk) for pk in tree.rows}, tree.listed()


def type_labels() -> dict[str, str]:
    """{by_type key: the name to show}. One query."""
    return TypeTree().names()


# --------------------------------------------------------------------------- the incidents


def incident_rows(period: Period, *, user=None, scope: Scope | None = None) -> QuerySet[Incident]:
    """The incidents counted in `period` (the incidents app's door), one row each with what the
    figures read: type, grade, learned_at and the moment of the first report upward."""
    return (
        incident_goals.incidents(period, user=user, scope=scope)
        .order_by()
        .values("pk", "case__category_id", "grade", "learned_at")
        .annotate(first_sent=Min("reports__sent_at"))
    )


def first_report_status(
    learned_at: datetime, first_sent: datetime | None, minutes: int, now: datetime
) -> str:
    """ON_TIME, LATE or PENDING (see the module docstring): the first report against the limit
    of `minutes` from `learned_at`; a missing report is late once the limit passed `now`."""
    due = learned_at + timedelta(minutes=minutes)
    if first_sent is not None:
        return ON_TIME if first_sent <= due else LATE
    return LATE if now > due else PENDING


def _fold(rows: Iterable[Mapping], tree: TypeTree, now: datetime) -> dict[str, Any]:
    out: dict[str, Any] = {
        "total": 0,
        "by_type": dict.fromkeys(tree.listed(), 0),
        "by_grade": dict.fromkeys(GRADES, 0),
        "first_reports": {ON_TIME: 0, LATE: 0},
    }
    limits: dict[tuple[str | None, str], int] = {}
    for row in rows:
        category, grade = row["case__category_id"], row["grade"]
        out["total"] += 1
        key = tree.key(category)
        out["by_type"][key] = out["by_type"].get(key, 0) + 1
        out["by_grade"][grade] = out["by_grade"].get(grade, 0) + 1
        class_name = tree.class_name(category)
        if (class_name, grade) not in limits:
            limits[class_name, grade] = reporting.limits_for(class_name, grade)[reporting.FIRST]
        status = first_report_status(
            row["learned_at"], row["first_sent"], limits[class_name, grade], now
        )
        if status != PENDING:
            out["first_reports"][status] += 1
    return out


def _rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def risk_notes(period: Period, *, user=None, scope: Scope | None = None) -> dict[str, int]:
    """``{"opened", "closed"}`` of the risk notes (see the module docstring). One query."""
    notes = RiskNote.objects.all() if user is None else RiskNote.objects.visible_to(user)
    if scope is not None:
        if scope.unit_id is not None:
            return {"opened": 0, "closed": 0}
        if scope.street_id is not None:
            notes = notes.filter(street_id=scope.street_id)
        if scope.community_id is not None:
            notes = notes.filter(community_id=scope.community_id)
        if scope.grid_id is not None:
            notes = notes.filter(grid_id=scope.grid_id)
    first, after = period.bounds()
    noted = Q(noted_on__gte=period.start, noted_on__lte=period.end)
    closed = Q(closed_at__gte=first, closed_at__lt=after)
    counts = notes.filter(noted | closed).aggregate(
        opened=Count("pk", filter=noted), closed=Count("pk", filter=closed)
    )
    return {"opened": counts["opened"], "closed": counts["closed"]}


# --------------------------------------------------------------------------- compute


def figures(period: Period, *, user=None, scope: Scope | None = None) -> dict:
    """The sections ``incidents`` and ``risk_notes`` of :func:`~huiyin.reports.stats.compute`.

    See the module docstring for each definition and the README for the key list. `user`
    limits the numbers to what that person may see; None counts everything (the CLI). Three
    queries, whatever the period.
    """
    tree = TypeTree()
    folded = _fold(incident_rows(period, user=user, scope=scope), tree, timezone.now())
    reports = folded["first_reports"]
    return {
        "incidents": {
            **folded,
            "reporting_on_time_rate": _rate(reports[ON_TIME], reports[ON_TIME] + reports[LATE]),
        },
        "risk_notes": risk_notes(period, user=user, scope=scope),
    }


# --------------------------------------------------------------------------- the names

#: The sections' and their fixed figures' names, by dotted key (``huiyin stats``' table).
NAMES = {
    "incidents": _("Incidents"),
    "incidents.total": _("Incidents (by the time they happened)"),
    "incidents.by_type": _("By incident type"),
    "incidents.by_grade": _("By grade"),
    "incidents.first_reports": _("First reports upward"),
    "incidents.first_reports.on_time": _("Within the limit"),
    "incidents.first_reports.late": _("Late or missing past the limit"),
    "incidents.reporting_on_time_rate": _("First reports on time"),
    "risk_notes": _("Risk notes"),
    "risk_notes.opened": _("Risk notes noted"),
    "risk_notes.closed": _("Risk notes closed"),
}


def labels() -> dict[str, str]:
    """{dotted key: name} of the sections: :data:`NAMES`, each type by its name (one query)
    and each grade by its label."""
    names = {key: str(name) for key, name in NAMES.items()}
    names.update({f"incidents.by_type.{key}": name for key, name in type_labels().items()})
    names.update({f"incidents.by_grade.{value}": str(label) for value, label in Grade.choices})
    return names


register("incidents", figures, sections=SECTIONS, order=40, labels=labels)
