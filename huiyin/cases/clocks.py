"""Starting, stopping and extending the statutory clocks of a case.

Each limit of :data:`huiyin.cases.deadlines.LIMITS` runs as its own :class:`Clock` from its own
start event; the kind's workflow decides which event starts or stops which clock. Call these
inside the transaction of the change that causes them (the workflow engine does).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import F, Min, Q
from django.utils import timezone

from huiyin.cases import deadlines
from huiyin.cases.calendar import for_street
from huiyin.cases.models import Case, CaseEvent, Clock

#: Limits that are the petitioner's windows (to ask for a review or a re-examination), not the
#: office's obligations: they never make a case overdue.
PETITIONER_WINDOWS = frozenset({"review_request", "reexam_request"})


def start_clock(
    case: Case, code: str, start: date, *, actor=None, party: str | None = None
) -> Clock:
    """Start the clock `code` from `start` (the start day is not counted).

    `party`: whose clock it is; by default the petitioner's for their windows, else the
    office's (another body's answer clock is ``Clock.Party.OTHER_BODY``). A clock of the same
    code still running is a programming error (IntegrityError).
    """
    lim = deadlines.limit(code)
    with for_street(case.street_id):
        computed = lim.due(start)
    if party is None:
        party = Clock.Party.PETITIONER if code in PETITIONER_WINDOWS else Clock.Party.OFFICE
    clock = Clock.objects.create(
        case=case,
        code=code,
        party=party,
        started_on=start,
        due_on=computed.date,
        days=lim.days,
        working_days=lim.working_days,
        unknown_years=list(computed.unknown_years),
    )
    CaseEvent.objects.create(
        case=case,
        actor=actor,
        kind="clock_started",
        data={
            "code": code,
            "started_on": start.isoformat(),
            "due_on": computed.date.isoformat(),
            "unknown_years": list(computed.unknown_years),
        },
    )
    return clock


def plan_clocks(codes: Iterable[str], start: date, *, street_id: int | None = None) -> list[Clock]:
    """The clocks `codes` from `start`, computed but not saved, for a case being created: its
    nearest due date (:func:`nearest_due`) goes into the case's own insert and
    :func:`start_planned` writes them after it, one statement for the clocks and one for their
    events, where :func:`start_clock` and :func:`refresh_due` would take two per clock and two
    more. `street_id`: the case's street, whose own days count (default: the street of the
    calling :func:`~huiyin.cases.calendar.for_street`)."""
    planned = []
    for code in codes:
        lim = deadlines.limit(code)
        if street_id is not None:
            with for_street(street_id):
                computed = lim.due(start)
        else:
            computed = lim.due(start)
        planned.append(
            Clock(
                code=code,
                party=Clock.Party.PETITIONER if code in PETITIONER_WINDOWS else Clock.Party.OFFICE,
                started_on=start,
                due_on=computed.date,
                days=lim.days,
                working_days=lim.working_days,
                unknown_years=list(computed.unknown_years),
            )
        )
    return planned


def nearest_due(planned: Iterable[Clock]) -> date | None:
    """The case's due date from its planned clocks: the nearest of the office's (as refresh_due)."""
    dues = [c.due_on for c in planned if c.party == Clock.Party.OFFICE]
    return min(dues) if dues else None


def start_planned(
    case: Case, planned: list[Clock], *, actor=None, events: Iterable[CaseEvent] = ()
) -> list[Clock]:
    """Save the clocks of :func:`plan_clocks` for the newly created `case`, each with its
    "clock_started" event, as :func:`start_clock` would. `events`, the case's unsaved events
    that come before (its "registered"), go into the same statement, in their order."""
    for clock in planned:
        clock.case = case
    Clock.objects.bulk_create(planned)
    CaseEvent.objects.bulk_create(
        [
            *events,
            *(
                CaseEvent(
                    case=case,
                    actor=actor,
                    kind="clock_started",
                    data={
                        "code": clock.code,
                        "started_on": clock.started_on.isoformat(),
                        "due_on": clock.due_on.isoformat(),
                        "unknown_years": list(clock.unknown_years),
                    },
                )
                for clock in planned
            ),
        ]
    )
    return planned


def running_clock(case: Case, code: str) -> Clock | None:
    return Clock.objects.filter(case=case, code=code, stopped_at__isnull=True).first()


def stop_clock(case: Case, code: str, *, on: date, outcome: str | None = None) -> Clock | None:
    """Stop the running clock `code` as of the date `on`; None when it is not running.

    Without `outcome`: met when `on` is no later than the due date, else late.
    """
    clock = running_clock(case, code)
    if clock is None:
        return None
    clock.stopped_at = timezone.now()
    clock.stopped_on = on
    clock.outcome = outcome or (Clock.Outcome.MET if on <= clock.due_on else Clock.Outcome.LATE)
    clock.save(update_fields=["stopped_at", "stopped_on", "outcome"])
    return clock


def cancel_clock(case: Case, code: str, *, on: date) -> Clock | None:
    return stop_clock(case, code, on=on, outcome=Clock.Outcome.CANCELLED)


def extend_clock(case: Case, code: str, *, new_due_on: date) -> Clock:
    """Move the due date of the running clock `code` and mark it extended (once: the caller checks)."""
    clock = running_clock(case, code)
    if clock is None:
        raise ValueError(f"no running {code} clock on case {case.pk}")
    clock.due_on = new_due_on
    clock.extended = True
    clock.unknown_years = _unknown_years(clock.started_on, new_due_on)
    clock.save(update_fields=["due_on", "extended", "unknown_years"])
    return clock


def suspend_clock(case: Case, code: str, *, on: date) -> Clock:
    """Suspend the running clock `code` from the day `on` (a hearing, 条例 art. 36): its days
    are not counted until :func:`resume_clock`. While suspended it sets no due date of the case."""
    clock = running_clock(case, code)
    if clock is None or clock.suspended_on is not None:
        raise ValueError(f"no running, unsuspended {code} clock on case {case.pk}")
    clock.suspended_on = on
    clock.save(update_fields=["suspended_on"])
    return clock


def suspended_days(start: date, end: date) -> int:
    """The days a suspension from `start` to `end` leaves uncounted: both days included (a
    hearing held on one day takes that day)."""
    return (end - start).days + 1


def resume_clock(case: Case, code: str, *, on: date) -> tuple[Clock, date, int]:
    """Resume the suspended clock `code` on `on` (the hearing's last day): the suspended days
    are added to the period and the due date is computed again by the counting convention.
    Returns the clock, its due date before, and the days added."""
    clock = running_clock(case, code)
    if clock is None or clock.suspended_on is None:
        raise ValueError(f"no suspended {code} clock on case {case.pk}")
    old_due = clock.due_on
    added = suspended_days(clock.suspended_on, on)
    clock.suspended_days += added
    clock.suspended_on = None
    with for_street(case.street_id):
        computed, unknown = _resumed(clock, old_due, added)
    clock.due_on = computed.date
    clock.unknown_years = unknown
    clock.save(update_fields=["suspended_days", "suspended_on", "due_on", "unknown_years"])
    return clock, old_due, added


def _resumed(clock: Clock, old_due: date, added: int):
    if clock.extended:
        # An extended date was approved as a date: move it by the days and roll past rest days.
        computed = deadlines.due(old_due, added)
    else:
        computed = deadlines.due(
            clock.started_on, clock.days + clock.suspended_days, working_days=clock.working_days
        )
    return computed, _unknown_years(clock.started_on, computed.date)


def refresh_due(case: Case) -> date | None:
    """Set ``case.due_on`` to the nearest due date of the office's running clocks (a suspended
    clock has no due date while it is suspended)."""
    nearest = Clock.objects.filter(
        case_id=case.pk,
        stopped_at__isnull=True,
        suspended_on__isnull=True,
        party=Clock.Party.OFFICE,
    ).aggregate(nearest=Min("due_on"))["nearest"]
    if case.due_on != nearest:
        Case.objects.filter(pk=case.pk).update(due_on=nearest)
        case.due_on = nearest
    return nearest


def _unknown_years(start: date, end: date) -> list[int]:
    calendar = deadlines.current_calendar()
    return [y for y in range(start.year, end.year + 1) if not calendar.is_known(y)]


def refresh_clocks_for_years(years: Iterable[int], *, street_id: int | None = None) -> int:
    """Recompute running clocks touching `years` after their holiday data changed.

    Called when an administrator enters a year's notice (or changes a day; a street's own day:
    `street_id`, that street's clocks only); extended clocks keep the date the leader
    approved, only their warning is updated. Returns how many clocks changed.
    """
    years = sorted(set(years))
    if not years:
        return 0
    touching = Q()
    for year in years:
        touching |= Q(started_on__year__lte=year, due_on__year__gte=year)
    if street_id is not None:
        touching &= Q(case__street_id=street_id)
    changed_cases: set[int] = set()
    changed = 0
    running = Clock.objects.filter(touching, stopped_at__isnull=True).annotate(
        street_id=F("case__street_id")
    )
    for clock in running:
        with for_street(clock.street_id):
            due_on, unknown = _recomputed(clock)
        if (due_on, unknown) != (clock.due_on, clock.unknown_years):
            Clock.objects.filter(pk=clock.pk).update(due_on=due_on, unknown_years=unknown)
            changed_cases.add(clock.case_id)
            changed += 1
    for case in Case.objects.filter(pk__in=changed_cases):
        refresh_due(case)
    return changed


def _recomputed(clock: Clock) -> tuple[date, list[int]]:
    """A running clock's due date and unknown years by the calendar now in force."""
    if clock.extended:
        return clock.due_on, _unknown_years(clock.started_on, clock.due_on)
    computed = deadlines.due(
        clock.started_on, clock.days + clock.suspended_days, working_days=clock.working_days
    )
    return computed.date, list(computed.unknown_years)


def close_lapsed_windows(today: date | None = None) -> int:
    """Stop the petitioner's windows whose last day has passed unused (for `huiyin tick`)."""
    today = today or timezone.localdate()
    return Clock.objects.filter(
        party=Clock.Party.PETITIONER, stopped_at__isnull=True, due_on__lt=today
    ).update(stopped_at=timezone.now(), stopped_on=F("due_on"), outcome=Clock.Outcome.LAPSED)
