"""The petitions' figures: the sections ``petitions``, ``receptions``, ``goals`` and ``replies``.

Registered with the statistics engine (:mod:`huiyin.reports.stats.engine`), which composes
them with the other kinds' into :func:`~huiyin.reports.stats.compute`:

    stats = compute(Period(date(2026, 6, 1), date(2026, 9, 8)), user=request.user)
    stats["petitions"]["by_level"]["national"]["batches"]
    flat(stats)["petitions.by_level.national.batches"]      # the same, for placeholders

The per-community and per-grid rows, the weekly trend and the overdue lists are in
:mod:`~huiyin.reports.stats.petitions_breakdowns`, from the same grouped aggregate.

Definitions (also in the README, "Statistics")
=============================================

* **Which petitions.** A petition belongs to a period by its date received, in Beijing time
  (Asia/Shanghai); both ends are inclusive (a petition received at 00:05 on the first day and
  one received at 23:55 on the last day both count). Withdrawn cases (recorded in error) never
  count. With ``user``, only the cases that person may see (``Case.objects.visible_to``); with
  a :class:`Scope`, only one community, grid or responsible unit.
* **batch (批次)** = one petition; a collective visit is one batch.
  **headcount (人次)** = the sum of the petitions' headcounts (person-times).
* **by_channel** letter / visit / phone / online / assigned (from above);
  **by_level** where the petition was lodged (street, district, city, province, national),
  every channel; **visits_by_level** the same for channel = visit only (the speech's
  进京 / 赴省 / 到市 / 到区 / 来街道上访).
* **over_level (越级)** = lodged ABOVE the level one up from the level that should handle it
  (条例 art. 20 "本级或者上一级"): for a matter the street should handle, lodged at the city,
  the province or the national level; a district-level petition is not over-level.
  **upward** = lodged at ANY level above the one that should handle it (district and up for a
  street matter); every over-level petition is also upward. The Word report's sentence prints
  the one named by the setting ``HUIYIN_OVER_LEVEL_FIGURE`` (``"statutory"``, the default, or
  ``"upward"``); ``over_level_figure`` in ``petitions`` says which.
* **collective (集体访)** = petitions marked collective. **first / repeat** = petitions not
  marked / marked ``is_repeat`` (初信初访 / 重复信访: the office's own mark, with or without
  a link to the earlier petition), in batches.
* **By present status** (they add up to ``batches``): **registered** = awaiting the decision on
  acceptance; **accepted** = accepted and not yet concluded (accepted, assigned, in handling,
  replied, under review or re-examination); **declined** = declined (不予受理) and not yet
  concluded; **transferred** the same for transfers; **concluded** = concluded (办结), not
  counting **returned** = assigned from above, objected to as not the street's and taken back
  by the sender (条例 art. 23: ended, but not handled by the street, so never 办结). Each
  matches the petition list filtered by those statuses (``returned=1`` for the last).
* **on_time_rate** (按期办结率) = 按期答复件数 ÷ 应答复件数, where an answer owed and not
  given by its due date counts against it: ``met / (met + late + overdue)``; ``None`` when
  all three are 0. Each petition counts once, the first that applies:
  ``on_time.late`` = its handling clock (条例 art. 34, 60 days from acceptance, extended once
  at most) stopped after its due date (replied late); ``on_time.overdue`` = it is
  ``overdue_open`` (an office clock — the acceptance notice, the handling, a review answer —
  running past its due date at the end of the reference day) and was not replied late;
  ``on_time.met`` = its handling clock stopped on or before its due date and nothing of it is
  overdue. A returned petition is in none of the three (the street owed it no answer). So the
  rate is below 100 % whenever ``overdue_open`` counts a petition not returned: a leader never
  reads 100 % beside overdue matters.
* **satisfaction_rate** = (满意 + 基本满意) / rated petitions, each petition rated by its latest
  follow-up (by staff or the petitioner's own rating); ``None`` when none is rated.
  ``satisfaction.<satisfied|basically_satisfied|dissatisfied>`` count the rated petitions by
  that latest rating.
* **overdue_open** = petitions that, at the end of the reference day, had one of the office's
  clocks running past its due date (an open step overdue). The reference day is the period's
  last day or today, whichever is earlier. For a period reaching today that is the case's
  nearest running due date before today (``Case.due_on``: exactly the list's ``due=overdue``);
  for a past period it is reconstructed from the clocks' start and stop dates, so it shows
  what was overdue then (an extension's new due date applies; a clock suspended for a
  re-examination hearing is not overdue on the hearing's days, and is judged on other days
  against the due date it had then: a hearing later does not undo an earlier overdue).
* **receptions.headcount** = the headcount of petitions received at a leader's reception
  (坐班接访, 下访, 巡回接访): the speech's 接访群众 人次; **receptions.by_leader** the same per leader.
* **goals** (三零四无): ``goals.counts.<goal>`` = the batches and headcount lodged at the
  goal's level (national, province, city) by the channels of the setting
  ``HUIYIN_GOAL_CHANNELS`` (default ``("visit",)``: 走访 only, exactly
  ``visits_by_level.<level>``, the report's 进京 / 赴省 / 到市上访); ``goals.channels`` names
  them. ``zero_national`` / ``zero_province`` / ``zero_city`` are true when that count is 0;
  ``goals.breaches.<goal>`` lists the petitions counted in it (``{"id", "number",
  "handling"}``, oldest first), ``handling`` saying whether the street's own handling was on
  time: ``met`` / ``late`` (its handling clock stopped on or before / after its due date),
  ``overdue`` (open past its nearest due date at the end of the reference day), ``open``, or
  ``returned`` (returned to the sender: not the street's to handle). The four 无 goals
  (``no_major_political_incident``, ``no_illegal_gathering``, ``no_large_mass_incident``,
  ``no_violent_terror_incident``) are true when no incident of the goal's types happened in
  the period (:mod:`huiyin.incidents.goals`: by the time it happened, the types and the
  threshold of "large" configurable); ``goals.breaches.<goal>`` lists the incidents
  (``{"id", "number"}``) that broke one.
* **replies.written** = petitions with a written reply (处理意见书, 条例 art. 32) recorded;
  **with_basis** = those whose reply states its basis in law or policy, **without_basis** the
  others; **with_basis_rate** = with_basis ÷ written, ``None`` when none was written. (The
  assessment reads them; they come from the same grouped aggregate as every figure above.)
* Rates are fractions between 0 and 1, rounded to four places.

Each function issues a fixed number of queries, never one per row: figures() three (one grouped
aggregate, COUNT and SUM per group of petitions alike in every respect a figure depends on,
folded into the figures by _fold(); one for the petitions behind the lists; and one over
the incidents for the 四无),
per_community() and per_grid() the same grouped aggregate by community or grid; dashboard()
all three from one aggregate grouped by community and grid. Each query reads the period's
cases by their received date and joins their petitions by key (_with_petitions()), so its
cost follows the period, not the history. bench/stats_bench.py measures compute() against
one hand-written SQL query, bench/dashboard_bench.py the dashboard on a long and a short
history.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    ExpressionWrapper,
    Max,
    Min,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models import Case as DbCase

from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case, Clock
from huiyin.incidents.goals import as_stats as four_nos
from huiyin.org.access import reach_of
from huiyin.petitions.models import (
    LEVEL_RANK,
    Channel,
    Level,
    Satisfaction,
    Status,
)
from huiyin.reports.stats.engine import (
    Period,
    Scope,
    SuspensionRecord,
    register,
    register_suspensions,
)
from huiyin.reports.stats.engine import cases as _cases
from huiyin.reports.stats.engine import overdue_at as _overdue

__all__ = [
    "ACCEPTED_STATES",
    "CHANNELS",
    "GOALS",
    "INCIDENT_GOALS",
    "LEVELS",
    "SATISFIED",
    "SECTIONS",
    "figures",
    "petition_cases",
]

CHANNELS: tuple[str, ...] = tuple(Channel.values)
LEVELS: tuple[str, ...] = tuple(Level.values)  # lowest first
#: The 三零 goals and the level each forbids.
GOALS: dict[str, str] = {
    "zero_national": Level.NATIONAL,
    "zero_province": Level.PROVINCE,
    "zero_city": Level.CITY,
}
#: Which figure the report's 越级 sentence prints: "statutory" (over_level) or "upward".
OVER_LEVEL_FIGURES = ("statutory", "upward")


def over_level_figure() -> str:
    """The setting HUIYIN_OVER_LEVEL_FIGURE: "statutory" (default) or "upward"."""
    value = getattr(settings, "HUIYIN_OVER_LEVEL_FIGURE", "statutory")
    return value if value in OVER_LEVEL_FIGURES else "statutory"


def goal_channels() -> tuple[str, ...]:
    """The setting HUIYIN_GOAL_CHANNELS: the channels the 三零 goals count (default visits)."""
    value = getattr(settings, "HUIYIN_GOAL_CHANNELS", (Channel.VISIT,))
    if isinstance(value, str):
        value = (value,)
    chosen = tuple(c for c in CHANNELS if c in set(value))
    return chosen or (Channel.VISIT,)


def is_over_level(level: str, handling_level: str) -> bool:
    """越级 (条例 art. 20): lodged above the handling level and the next level up."""
    return LEVEL_RANK.get(level, 0) > LEVEL_RANK.get(handling_level, 0) + 1


def is_upward(level: str, handling_level: str) -> bool:
    """Lodged at any level above the one that should handle it."""
    return LEVEL_RANK.get(level, 0) > LEVEL_RANK.get(handling_level, 0)


#: The 四无 goals, read from the incidents (huiyin.incidents.goals).
INCIDENT_GOALS: tuple[str, ...] = (
    "no_major_political_incident",
    "no_illegal_gathering",
    "no_large_mass_incident",
    "no_violent_terror_incident",
)

#: States of a petition accepted and not yet concluded.
ACCEPTED_STATES = (
    Status.ACCEPTED,
    Status.ASSIGNED,
    Status.HANDLING,
    Status.REPLIED,
    Status.REVIEW_REQUESTED,
    Status.REVIEW_ANSWERED,
    Status.REEXAM_REQUESTED,
    Status.REEXAM_ANSWERED,
)
SATISFIED = (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED)


# --------------------------------------------------------------------------- the base queryset


def petition_cases(
    period: Period | None = None, *, user=None, scope: Scope | None = None
) -> QuerySet[Case]:
    """The petition cases counted: not withdrawn, received in `period`, seen by `user`, in `scope`.

    Every number here starts from this queryset (and so may a caller that wants the rows).
    """
    return _cases(Kind.PETITION, period, user=user, scope=scope)


def bounded_streets(user=None, scope: Scope | None = None) -> tuple[int, ...]:
    """The streets whose petitions :func:`_with_petitions` bounds one by one: the reader's,
    when they read several (a district officer), else none (one range for all)."""
    if user is None or (scope is not None and scope.street_id is not None):
        return ()
    ids = reach_of(user).street_ids
    return tuple(sorted(ids)) if len(ids) > 1 else ()


def _with_petitions(cases: QuerySet[Case], streets: Collection[int] = ()) -> QuerySet[Case]:
    """`cases` joined to their petitions, the petitions' side read by primary key within the
    lowest and highest id of `cases` (two scalar subqueries over the period's cases).

    The bounds change no result (every petition joined has the id of one of `cases`); they
    let the database read the period's petitions by their key instead of every petition of
    the history: without them PostgreSQL hash-joined a sequential scan of all petitions, so
    the same 100 days cost more the longer the history. Ids follow the order of registration,
    so the range is about the period's own; a period with cases imported long after (higher
    ids) only reads a wider range.

    With `streets` (several), one range a street, OR-ed: a district that merged its streets'
    databases has each street's ids in a block of its own, and one range over the district's
    period then spans nearly every petition (bench/README.md, "A city").
    """
    condition = Q()
    for street_id in streets if len(streets) > 1 else (None,):
        of = cases if street_id is None else cases.filter(street_id=street_id)
        ids = of.order_by().values("kind")  # one group: every case counted is a petition
        lowest = Subquery(ids.annotate(bound=Min("pk")).values("bound"))
        highest = Subquery(ids.annotate(bound=Max("pk")).values("bound"))
        condition |= Q(petition__case_id__gte=lowest, petition__case_id__lte=highest)
    return cases.filter(Q(petition__isnull=False) & condition)


# --------------------------------------------------------------------------- counting
#
# One grouped aggregate does the counting: the period's petitions grouped by everything a
# figure depends on (channel, levels, collective, reception, repeat, status, overdue, the
# latest handling clock's outcome, the latest rating — both kept on the petition by triggers,
# huiyin/petitions/latest.py), with COUNT (batches) and SUM (headcount) per group. The groups
# are few (hundreds, whatever the number of petitions) and _fold() adds them up into the
# figures in Python; the database does one pass, and each figure's definition is written
# once, in _fold().

_G = {
    "channel": "petition__channel",
    "level": "petition__level",
    "handling_level": "petition__handling_level",
    "collective": "petition__is_collective",
    "reception": "g_reception",
    "repeat": "g_repeat",
    "status": "status",
    "overdue": "g_overdue",
    "handling": "petition__latest_handling",
    "rating": "petition__latest_rating",
    "returned": "g_returned",
    "reply": "g_reply",
}


def _groups(
    cases: QuerySet[Case], day: date, by: tuple[str, ...] = (), streets: Collection[int] = ()
) -> list[dict]:
    """The grouped aggregate: one row per combination, with ``b`` (batches), ``h`` (headcount)
    and each column of `by` (``community_id``, ``grid_id``) under its own name."""
    annotated = _with_petitions(cases, streets).annotate(
        g_reception=ExpressionWrapper(
            Q(petition__reception_slot__isnull=False), output_field=BooleanField()
        ),
        g_repeat=ExpressionWrapper(Q(petition__is_repeat=True), output_field=BooleanField()),
        g_returned=_returned(),
        g_overdue=_overdue(day),
        g_reply=_reply(),
    )
    fields = [*_G.values(), *by]
    rows = (
        annotated.values(*fields)
        .annotate(b=Count("pk"), h=Sum("petition__headcount", default=0))
        .order_by()
    )
    names = {column: name for name, column in _G.items()}
    return [{names.get(k, k): v for k, v in row.items()} for row in rows]


def _bh() -> dict[str, int]:
    return {"batches": 0, "headcount": 0}


def _empty() -> dict[str, Any]:
    return {
        "batches": 0,
        "headcount": 0,
        "by_channel": {c: _bh() for c in CHANNELS},
        "by_level": {lv: _bh() for lv in LEVELS},
        "visits_by_level": {lv: _bh() for lv in LEVELS},
        "over_level": _bh(),
        "upward": _bh(),
        "by_level_channel": {lv: {c: _bh() for c in CHANNELS} for lv in LEVELS},
        "collective": _bh(),
        "receptions": _bh(),
        "first": 0,
        "repeat": 0,
        "registered": 0,
        "accepted": 0,
        "declined": 0,
        "transferred": 0,
        "concluded": 0,
        "returned": 0,
        "overdue_open": 0,
        "on_time": {"met": 0, "late": 0, "overdue": 0},
        "rated": 0,
        "satisfaction": dict.fromkeys(Satisfaction.values, 0),
        "replies": {"written": 0, "with_basis": 0},
    }


def _add(pair: dict[str, int], b: int, h: int) -> None:
    pair["batches"] += b
    pair["headcount"] += h


def _fold(rows: Iterable[dict]) -> dict[str, Any]:
    """Add the groups up into the figures: the definitions of the module docstring."""
    out = _empty()
    for row in rows:
        b, h = row["b"], row["h"] or 0
        channel, level = row["channel"], row["level"]
        _add(out, b, h)
        if channel in out["by_channel"]:
            _add(out["by_channel"][channel], b, h)
        if level in out["by_level"]:
            _add(out["by_level"][level], b, h)
            if channel == Channel.VISIT:
                _add(out["visits_by_level"][level], b, h)
            if channel in out["by_level_channel"][level]:
                _add(out["by_level_channel"][level][channel], b, h)
        if is_over_level(level, row["handling_level"]):
            _add(out["over_level"], b, h)
        if is_upward(level, row["handling_level"]):
            _add(out["upward"], b, h)
        if row["collective"]:
            _add(out["collective"], b, h)
        if row["reception"]:
            _add(out["receptions"], b, h)
        out["repeat" if row["repeat"] else "first"] += b
        status = row["status"]
        if row["returned"]:
            out["returned"] += b  # ended, never 办结: not the street's to handle
        elif status in ACCEPTED_STATES:
            out["accepted"] += b
        elif status in ("registered", "declined", "transferred", "concluded"):
            out[status] += b
        if row["overdue"]:
            out["overdue_open"] += b
        # 按期办结率: late, else overdue and unanswered, else on time (module docstring); a
        # returned petition owed no answer of the street.
        if row["returned"]:
            pass
        elif row["handling"] == Clock.Outcome.LATE:
            out["on_time"]["late"] += b
        elif row["overdue"]:
            out["on_time"]["overdue"] += b
        elif row["handling"] == Clock.Outcome.MET:
            out["on_time"]["met"] += b
        if row["reply"]:
            out["replies"]["written"] += b
            if row["reply"] == REPLY_WITH_BASIS:
                out["replies"]["with_basis"] += b
        if row["rating"] in out["satisfaction"]:
            out["rated"] += b
            out["satisfaction"][row["rating"]] += b
    on_time = out["on_time"]
    out["on_time_rate"] = _rate(on_time["met"], sum(on_time.values()))
    satisfied = sum(out["satisfaction"][value] for value in SATISFIED)
    out["satisfaction_rate"] = _rate(satisfied, out["rated"])
    return out


#: ``g_reply``: no written reply, a reply stating its basis, a reply without one.
REPLY_NONE, REPLY_WITH_BASIS, REPLY_WITHOUT_BASIS = "", "basis", "bare"


def _reply() -> DbCase:
    """Whether a written reply (条例 art. 32) is recorded, and whether it states its basis."""
    return DbCase(
        When(petition__replied_on__isnull=True, then=Value(REPLY_NONE)),
        When(petition__reply_basis="", then=Value(REPLY_WITHOUT_BASIS)),
        default=Value(REPLY_WITH_BASIS),
        output_field=CharField(),
    )


def _replies(folded: dict[str, Any]) -> dict[str, Any]:
    written, with_basis = folded["replies"]["written"], folded["replies"]["with_basis"]
    return {
        "written": written,
        "with_basis": with_basis,
        "without_basis": written - with_basis,
        "with_basis_rate": _rate(with_basis, written),
    }


def _returned() -> ExpressionWrapper:
    """Returned to the sender (条例 art. 23): the sender agreed and took the file back."""
    return ExpressionWrapper(
        Q(petition__sender_agreed_on__isnull=False), output_field=BooleanField()
    )


def _handling(outcome: str | None, overdue: bool, returned: bool = False) -> str:
    """Whether the street's own handling of a petition was on time (goals.breaches)."""
    if returned:
        return "returned"
    if outcome == Clock.Outcome.LATE:
        return "late"
    if overdue:
        return "overdue"
    if outcome == Clock.Outcome.MET:
        return "met"
    return "open"


def _rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


# --------------------------------------------------------------------------- compute

PETITION_KEYS = (
    "batches",
    "headcount",
    "by_channel",
    "by_level",
    "visits_by_level",
    "over_level",
    "upward",
    "collective",
    "first",
    "repeat",
    "registered",
    "accepted",
    "declined",
    "transferred",
    "concluded",
    "returned",
    "overdue_open",
    "on_time",
    "on_time_rate",
    "rated",
    "satisfaction",
    "satisfaction_rate",
)


#: The top-level JSON keys the petitions fill, in this order.
SECTIONS = ("petitions", "receptions", "goals", "replies")


def figures(period: Period, *, user=None, scope: Scope | None = None) -> dict:
    """The petitions' sections of :func:`~huiyin.reports.stats.compute` for `period`.

    ``{"petitions": {...}, "receptions": {"headcount", "batches", "by_leader": [...]},
    "goals": {...}}``; see the module docstring for each definition and the README for the
    key list. `user` limits the numbers to the cases that person may see; None counts
    everything (the CLI). Two queries, whatever the size of the period.
    """
    cases = petition_cases(period, user=user, scope=scope)
    # 1. Every count and sum: one grouped aggregate over the period's petitions.
    rows = _groups(cases, period.reference_day(), streets=bounded_streets(user, scope))
    return sections(period, cases, rows, user=user, scope=scope)


def sections(
    period: Period,
    cases: QuerySet[Case],
    rows: Iterable[dict],
    *,
    user=None,
    scope: Scope | None = None,
) -> dict:
    """figures() from the grouped aggregate's `rows` (grouped by more columns or not); `user`
    and `scope` as the cases', for the 四无 goals read from the incidents."""
    folded = _fold(rows)

    # 2. The few petitions behind the lists: receptions per leader and the 三零 breaches.
    goal_levels = {level: goal for goal, level in GOALS.items()}
    channels = goal_channels()
    breaches: dict[str, list[dict]] = {goal: [] for goal in GOALS}
    leaders: dict[int, dict] = {}
    for case_id, number, level, channel, leader_id, leader_name, headcount, outcome, late, back in (
        _with_petitions(cases, bounded_streets(user, scope))
        .filter(
            Q(petition__reception_slot__isnull=False)
            | Q(petition__level__in=list(goal_levels), petition__channel__in=channels)
        )
        .annotate(
            g_overdue=_overdue(period.reference_day()),
            g_returned=_returned(),
        )
        .order_by("received_at", "pk")
        .values_list(
            "pk",
            "number",
            "petition__level",
            "petition__channel",
            "petition__reception_slot__leader_id",
            "petition__reception_slot__leader__name",
            "petition__headcount",
            "petition__latest_handling",
            "g_overdue",
            "g_returned",
        )
    ):
        if level in goal_levels and channel in channels:
            breaches[goal_levels[level]].append(
                {"id": case_id, "number": number, "handling": _handling(outcome, late, back)}
            )
        if leader_id is not None:
            entry = leaders.setdefault(
                leader_id, {"id": leader_id, "name": leader_name, "batches": 0, "headcount": 0}
            )
            entry["batches"] += 1
            entry["headcount"] += headcount
    by_leader = sorted(leaders.values(), key=lambda e: (-e["headcount"], e["name"], e["id"]))

    # The goals read one figure: the petitions at the goal's level by the goal channels.
    counts = {goal: _bh() for goal in GOALS}
    for goal, level in GOALS.items():
        for channel in channels:
            pair = folded["by_level_channel"][level][channel]
            _add(counts[goal], pair["batches"], pair["headcount"])
    goals: dict[str, Any] = {goal: counts[goal]["batches"] == 0 for goal in GOALS}
    # The 四无: from the incidents that happened in the period (huiyin.incidents.goals).
    held, broken = four_nos(period, user=user, scope=scope)
    goals.update(held)
    goals["counts"] = counts
    goals["channels"] = list(channels)
    goals["breaches"] = {**breaches, **broken}

    return {
        "petitions": {
            **{key: folded[key] for key in PETITION_KEYS},
            "over_level_figure": over_level_figure(),
        },
        "receptions": {
            "headcount": folded["receptions"]["headcount"],
            "batches": folded["receptions"]["batches"],
            "by_leader": by_leader,
        },
        "goals": goals,
        "replies": _replies(folded),
    }


register("petitions", figures, sections=SECTIONS, order=10)
# A re-examination hearing suspends the answer clock (条例 art. 36); the workflow's
# "hearing_end" event records each suspension, for overdue on a past day (overdue_clock_q).
register_suspensions(
    "reexam_answer",
    SuspensionRecord("hearing_end", "hearing_started_on", "hearing_ended_on", "old_due_on"),
)
