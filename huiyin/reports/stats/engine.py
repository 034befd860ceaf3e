"""The statistics engine: period, scope, the cases counted and the registry of figures.

What every kind shares lives here — which days a period covers, which part of the street a
scope is, which cases a person may count (``Case.objects.visible_to``) — and :func:`compute`
composes the figures each kind registered into the one nested dict whose keys are the stable
JSON keys of ``huiyin stats --json``. The figures themselves live in the kind's own module
(``petitions.py``, ``disputes.py`` …); nothing here knows what a petition is.
"""

from __future__ import annotations

import calendar as _calendar
import importlib
import pkgutil
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from django.db.models import (
    BooleanField,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce
from django.db.models.lookups import LessThan
from django.utils import timezone

from huiyin.cases import bounds
from huiyin.cases.clocks import PETITIONER_WINDOWS
from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.models import Case, CaseEvent, Clock
from huiyin.ops.routers import reading_from_replica

__all__ = [
    "FigureSet",
    "Figures",
    "Labels",
    "Period",
    "Scope",
    "SuspensionRecord",
    "cases",
    "compose",
    "compute",
    "flat",
    "overdue_at",
    "overdue_clock_q",
    "register",
    "register_suspensions",
    "registered",
    "today",
]


# --------------------------------------------------------------------------- period and scope


@dataclass(frozen=True)
class Period:
    """A run of days, both ends inclusive, in local (Beijing) dates."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError("a period cannot end before it starts")

    @classmethod
    def this_week(cls, today: date | None = None) -> Period:
        """Monday to Sunday of the week of `today` (default: today in Beijing)."""
        today = today or _today()
        monday = today - timedelta(days=today.weekday())
        return cls(monday, monday + timedelta(days=6))

    @classmethod
    def this_month(cls, today: date | None = None) -> Period:
        today = today or _today()
        last = _calendar.monthrange(today.year, today.month)[1]
        return cls(today.replace(day=1), today.replace(day=last))

    @classmethod
    def of_campaign(cls, campaign) -> Period:
        """The period of a campaign (anything with `start` and `end` dates), within the years
        the system supports (a campaign stored with an absurd year does not span millennia)."""
        start, end = bounds.clamp_date(campaign.start), bounds.clamp_date(campaign.end)
        return cls(min(start, end), end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[datetime, datetime]:
        """[first instant, first instant after) of the period, aware, in Beijing time."""
        return (
            bounds.day_start(self.start, CHINA_TZ),
            bounds.day_start(bounds.add_days(self.end, 1), CHINA_TZ),
        )

    def reference_day(self, today: date | None = None) -> date:
        """The day "overdue" is judged on: the period's end or today, whichever is earlier."""
        return min(self.end, today or _today())

    def as_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


@dataclass(frozen=True)
class Scope:
    """What part of the streets: a street, a community, a grid or a responsible unit; None =
    all. A street is named where one database serves several (the district's or the command
    line's choice); a community, grid or unit lies in one street already."""

    community_id: int | None = None
    grid_id: int | None = None
    unit_id: int | None = None
    street_id: int | None = None

    def as_dict(self) -> dict[str, int | None]:
        out = {"community": self.community_id, "grid": self.grid_id, "unit": self.unit_id}
        if self.street_id is not None:  # (the keys stay as they were where there is one street)
            out["street"] = self.street_id
        return out


def _today() -> date:
    return timezone.localdate(timezone=CHINA_TZ)


def today() -> date:
    """Today in Beijing: the day a period's "overdue" and "not yet happened" are judged on."""
    return _today()


# --------------------------------------------------------------------------- the cases counted


def cases(
    kind: str, period: Period | None = None, *, user=None, scope: Scope | None = None
) -> QuerySet[Case]:
    """The cases of `kind` counted: not withdrawn, received in `period`, seen by `user`, in
    `scope`. Every kind's figures start from this queryset, so the same person and period
    always count the same cases.

    A case belongs to a period by its date received, in Beijing time, both ends inclusive.
    `user` None counts everything (the command line); otherwise only what that person may see.
    """
    if user is None:
        found = Case.objects.filter(kind=kind)
    else:
        found = Case.objects.visible_to(user, kind=kind)
    found = found.filter(withdrawn=False)
    if period is not None:
        first, after = period.bounds()
        found = found.filter(received_at__gte=first, received_at__lt=after)
    if scope is not None:
        if scope.street_id is not None:
            found = found.filter(street_id=scope.street_id)
        if scope.community_id is not None:
            found = found.filter(community_id=scope.community_id)
        if scope.grid_id is not None:
            found = found.filter(grid_id=scope.grid_id)
        if scope.unit_id is not None:
            found = found.filter(owner_unit_id=scope.unit_id)
    return found


# --------------------------------------------------------------------------- overdue


@dataclass(frozen=True)
class SuspensionRecord:
    """Where a kind keeps the history of a clock's suspensions: each suspension that ended is
    the timeline event `event` (of the clock's case), whose ``data`` names under `first` and
    `last` the first and the last day not counted and under `due_before` the due date the
    clock had until it resumed (ISO dates). A suspension still running is the clock's own
    ``suspended_on``."""

    event: str
    first: str
    last: str
    due_before: str


_SUSPENSIONS: dict[str, SuspensionRecord] = {}


def register_suspensions(code: str, record: SuspensionRecord) -> None:
    """Tell :func:`overdue_clock_q` where the suspensions of the clocks `code` are recorded
    (a kind's statistics module does, for the clocks its workflow suspends)."""
    _SUSPENSIONS[code] = record


def overdue_clock_q(day: date) -> Q:
    """An office clock that, at the end of `day`, was running past its due date. The
    petitioner's and the parties' own windows (a review request, judicial confirmation) are
    never the office's: they are never overdue.

    A clock that was ever suspended (a re-examination hearing is not counted, 条例 art. 36)
    was not overdue on the days it was suspended; on any other day it was overdue against the
    due date it had THEN: its ``due_on`` includes the days of every suspension so far, so for
    a `day` before a suspension the due date in force is the one the clock had before the
    first suspension that began after `day` (recorded by the event that resumed it, see
    :class:`SuspensionRecord`). A clock overdue before its hearing was overdue until the
    hearing began. Never-suspended clocks — nearly all — are judged on their columns alone.
    """
    running = (
        ~Q(code__in=PETITIONER_WINDOWS)
        & Q(party=Clock.Party.OFFICE, started_on__lte=day)
        & (Q(stopped_at__isnull=True) | Q(stopped_on__gt=day))
    )
    never_suspended = Q(suspended_days=0, suspended_on__isnull=True)
    # A suspension still running (or cut short by the clock's stop) from before `day`.
    suspended_now = Q(suspended_on__lte=day)
    _discover()  # the kinds register where their suspensions are recorded
    recorded = Q()
    for code, record in _SUSPENSIONS.items():
        recorded |= Q(code=code) & _recorded_overdue_q(day, record)
    unrecorded = ~Q(code__in=list(_SUSPENSIONS)) & Q(due_on__lt=day)
    return running & (
        (never_suspended & Q(due_on__lt=day))
        | (~never_suspended & ~suspended_now & (recorded | unrecorded))
    )


def _recorded_overdue_q(day: date, record: SuspensionRecord) -> Q:
    """For a clock whose suspensions are recorded by `record`: not inside an ended suspension
    on `day`, and past the due date in force on `day`."""
    ended = (
        CaseEvent.objects.filter(case_id=OuterRef("case_id"), kind=record.event)
        .annotate(
            s_first=Cast(KeyTextTransform(record.first, "data"), DateField()),
            s_last=Cast(KeyTextTransform(record.last, "data"), DateField()),
            s_due=Cast(KeyTextTransform(record.due_before, "data"), DateField()),
        )
        # The suspensions of this clock: none begins before it started.
        .filter(s_first__gte=OuterRef("started_on"))
    )
    inside = Exists(ended.filter(s_first__lte=day, s_last__gte=day))
    due_then = Coalesce(
        Subquery(ended.filter(s_first__gt=day).order_by("s_first").values("s_due")[:1]),
        F("due_on"),
        output_field=DateField(),
    )
    return ~Q(inside) & Q(LessThan(due_then, Value(day, output_field=DateField())))


def overdue_at(day: date):
    """Per case (an annotation): had an office clock running past its due date at the end of
    `day`.

    Up to today that is the case's nearest running due date (``Case.due_on``, kept by the
    workflow: the same test as the lists' ``due=overdue``), one column and no subquery; for a
    day in the past it is reconstructed from the clocks' start and stop dates.
    """
    if day >= _today():
        return ExpressionWrapper(Q(due_on__lt=day), output_field=BooleanField())
    return Exists(Clock.objects.filter(overdue_clock_q(day), case_id=OuterRef("pk")))


# --------------------------------------------------------------------------- the registry


class Figures(Protocol):
    """A kind's figures for a period: ``{section: {...}}`` for each section it declared."""

    def __call__(
        self, period: Period, *, user=None, scope: Scope | None = None
    ) -> Mapping[str, Any]: ...


#: ``labels() -> {dotted key: readable name}``: a section's title under its own key
#: ("disputes"), each figure under its path ("disputes.by_tier.grid"), for ``huiyin stats``'
#: table. Called when the names are shown (in the language then active); it may query.
Labels = Callable[[], Mapping[str, str]]


@dataclass(frozen=True)
class FigureSet:
    """One registered kind of figures: `sections` are the top-level JSON keys it fills;
    `labels` (optional) names them for people."""

    key: str
    figures: Figures
    sections: tuple[str, ...]
    order: int
    labels: Labels | None = None
    #: Computed only when the caller names one of its sections (``compute(include=...)``).
    on_request: bool = False


_REGISTRY: dict[str, FigureSet] = {}
_discovered = False


def register(
    key: str,
    figures: Figures,
    *,
    sections: tuple[str, ...] | None = None,
    order: int = 100,
    labels: Labels | None = None,
    on_request: bool = False,
) -> None:
    """Register a kind's figures under `key` ("petitions", "disputes", "screening" …).

    `figures(period, user=, scope=)` returns a dict with exactly the keys `sections` (default:
    ``(key,)``), each the nested figures of one top-level JSON key; :func:`compute` puts them
    after ``period`` and ``scope``, kinds by `order` (then key). Registering the same key again
    replaces it (a module reloaded); two kinds may not fill the same section. `labels` (see
    :data:`Labels`) names the sections and figures in ``huiyin stats``' table; without it the
    table shows the JSON keys. `on_request`: an expensive kind, computed by :func:`compute`
    only when the caller names one of its sections in ``include`` (and left out otherwise).
    """
    sections = tuple(sections or (key,))
    for other in _REGISTRY.values():
        clash = set(other.sections) & set(sections)
        if other.key != key and clash:
            raise ValueError(f"{key!r} and {other.key!r} both fill {sorted(clash)}")
    _REGISTRY[key] = FigureSet(key, figures, sections, order, labels, on_request)


def registered() -> list[FigureSet]:
    """Every registered kind, in the order its sections appear in the JSON."""
    _discover()
    return sorted(_REGISTRY.values(), key=lambda entry: (entry.order, entry.key))


def _discover() -> None:
    """Import every module of this package once: a kind's module registers itself when
    imported, so adding a kind is adding its file."""
    global _discovered
    if _discovered:
        return
    package = importlib.import_module(__name__.rpartition(".")[0])
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")
    _discovered = True


# --------------------------------------------------------------------------- compute


def compute(
    period: Period, *, user=None, scope: Scope | None = None, include: Collection[str] = ()
) -> dict:
    """Every number for `period`, as the nested dict whose keys are the stable JSON keys.

    ``{"period": {"start", "end"}, "scope": {"community", "grid", "unit"}, <each kind's
    sections>}``; see each kind's module for its definitions and the README for the key list.
    `user` limits the numbers to the cases that person may see; None counts everything (the
    CLI). A kind registered ``on_request`` is computed only when one of its sections is in
    `include` (``huiyin stats`` names them all).
    """
    return compose(period, user=user, scope=scope, include=include)


# Counting reads the read replica when one is configured and within its lag (docs/city.md).
@reading_from_replica()
def compose(
    period: Period,
    *,
    user=None,
    scope: Scope | None = None,
    given: Mapping[str, Mapping[str, Any]] | None = None,
    include: Collection[str] = (),
) -> dict:
    """:func:`compute`, with the figures of the kinds in `given` (key → their sections)
    already computed by the caller (the dashboard computes the petitions' with its own
    breakdowns, from one query)."""
    out: dict[str, Any] = {"period": period.as_dict(), "scope": (scope or Scope()).as_dict()}
    for entry in registered():
        if entry.on_request and not set(entry.sections) & set(include):
            continue
        if given is not None and entry.key in given:
            found = given[entry.key]
        else:
            found = entry.figures(period, user=user, scope=scope)
        if tuple(found) != entry.sections:
            raise ValueError(
                f"the figures of {entry.key!r} gave {list(found)}, not {list(entry.sections)}"
            )
        out.update(found)
    return out


# --------------------------------------------------------------------------- flat


def flat(stats: dict, prefix: str = "") -> dict[str, object]:
    """The nested dict as dotted keys: ``{"petitions.by_level.city.batches": 3, ...}``.

    Lists (``receptions.by_leader``, ``goals.breaches.<goal>``) stay lists under their key.
    """
    out: dict[str, object] = {}
    for key, value in stats.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flat(value, f"{path}."))
        else:
            out[path] = value
    return out
