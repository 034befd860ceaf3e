"""The meetings' figures: the section ``meetings`` (例会, 信访工作条例 art. 13).

Registered with the statistics engine (:mod:`huiyin.reports.stats.engine`).

Definitions
===========

* **meetings.held** = meetings held in the period, by their date.
* **meetings.tasks.set** = the tasks set at those meetings; each is counted once more, by its
  state at the end of the reference day (the period's last day or today in Beijing, whichever
  is earlier): **done** = marked done on or before that day; **overdue** = not done by then
  and its due date before that day; **open** = not done by then and not yet due (its due date
  that day or later). They add up to ``set``. **done_rate** = done ÷ set, ``None`` when none
  was set.
* With a :class:`~huiyin.reports.stats.engine.Scope` (a community, a grid or a unit), none: a
  meeting is the street office's. With ``user``, only a holder of ``assessment.view`` counts
  them; anyone else counts none.

Two queries whatever the period.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from huiyin.reports.stats.engine import Period, Scope, register

__all__ = ["TASK_KEYS", "figures", "labels"]

TASK_KEYS = ("set", "open", "done", "overdue")


def _empty() -> dict:
    return {"held": 0, "tasks": {**dict.fromkeys(TASK_KEYS, 0), "done_rate": None}}


def figures(period: Period, *, user=None, scope: Scope | None = None) -> dict:
    """The section ``meetings`` of :func:`~huiyin.reports.stats.compute`."""
    from huiyin.meetings.models import Meeting, MeetingTask
    from huiyin.org.access import reach_of
    from huiyin.org.roles import Perm

    if user is not None and not reach_of(user).can(Perm.ASSESSMENT_VIEW):
        return {"meetings": _empty()}
    if scope is not None and (scope.community_id or scope.grid_id or scope.unit_id):
        return {"meetings": _empty()}
    # The meetings of the person's own streets (of the scope's street when it names one).
    streets = Q()
    if user is not None:
        streets &= Q(street_id__in=reach_of(user).street_ids)
    if scope is not None and scope.street_id is not None:
        streets &= Q(street_id=scope.street_id)
    meetings = Meeting.objects.filter(streets)
    held = meetings.filter(held_on__gte=period.start, held_on__lte=period.end).count()
    day = period.reference_day()
    done = Q(status="done", done_on__lte=day)
    found = MeetingTask.objects.filter(
        meeting__in=meetings, meeting__held_on__gte=period.start, meeting__held_on__lte=period.end
    ).aggregate(
        set=Count("pk"),
        done=Count("pk", filter=done),
        overdue=Count("pk", filter=~done & Q(due_on__lt=day)),
        open=Count("pk", filter=~done & Q(due_on__gte=day)),
    )
    tasks = {key: found[key] for key in TASK_KEYS}
    tasks["done_rate"] = round(found["done"] / found["set"], 4) if found["set"] else None
    return {"meetings": {"held": held, "tasks": tasks}}


NAMES = {
    "meetings": _("Meetings"),
    "meetings.held": _("Meetings held"),
    "meetings.tasks.set": _("Tasks set at meetings"),
    "meetings.tasks.open": _("Meeting tasks open"),
    "meetings.tasks.done": _("Meeting tasks done"),
    "meetings.tasks.overdue": _("Meeting tasks overdue"),
    "meetings.tasks.done_rate": _("Meeting tasks done (rate)"),
}


def labels() -> dict[str, str]:
    return {key: str(name) for key, name in NAMES.items()}


register("meetings", figures, order=95, labels=labels)
