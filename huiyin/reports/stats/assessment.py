"""The assessment's figures: the section ``supervision`` (督办).

Registered with the statistics engine (:mod:`huiyin.reports.stats.engine`); the scoring rules
of :mod:`huiyin.assessment` read these keys like any other.

Definitions
===========

* **supervision.issued** = supervision orders (督办, 信访工作条例 art. 40) issued in the period,
  by the day issued; each is counted once more, by its state at the end of the reference day
  (the period's last day or today, whichever is earlier):
  **answered_on_time** = its written feedback received by then, on or before its deadline;
  **answered_late** = received by then, after the deadline; **overdue** = not received by
  then, and the deadline before that day; **open** = not received, the deadline not passed.
  They add up to ``issued``. **on_time_rate** = answered_on_time ÷ (answered_on_time +
  answered_late + overdue); ``None`` when that is 0.
* With a :class:`~huiyin.reports.stats.engine.Scope`, the orders to that community or to that
  unit (a grid scope counts none). With ``user``, only a holder of ``assessment.view`` counts
  them; anyone else counts none.
* **replies** (处理意见书) are counted with the petitions, in their grouped aggregate
  (:mod:`huiyin.reports.stats.petitions`), for the assessment's keys ``replies.*``.

One query whatever the period.
"""

from __future__ import annotations

from django.db.models import Count, F, Q

from huiyin.reports.stats.engine import Period, Scope, register

__all__ = ["SUPERVISION_KEYS", "figures"]

SUPERVISION_KEYS = ("issued", "answered_on_time", "answered_late", "overdue", "open")


def _rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _supervision(period: Period, *, user=None, scope: Scope | None = None) -> dict:
    from huiyin.assessment.models import SupervisionOrder
    from huiyin.org.access import reach_of
    from huiyin.org.roles import Perm

    empty: dict = {**dict.fromkeys(SUPERVISION_KEYS, 0), "on_time_rate": None}
    if user is not None and not reach_of(user).can(Perm.ASSESSMENT_VIEW):
        return empty
    if scope is not None and scope.grid_id is not None:
        return empty
    orders = SupervisionOrder.objects.filter(issued_on__gte=period.start, issued_on__lte=period.end)
    # The orders to bodies of the person's own streets (of the scope's street when named).
    streets = reach_of(user).street_ids if user is not None else None
    if scope is not None and scope.street_id is not None:
        streets = {scope.street_id} if streets is None else set(streets) & {scope.street_id}
    if streets is not None:
        orders = orders.filter(Q(community__street_id__in=streets) | Q(unit__street_id__in=streets))
    if scope is not None and scope.community_id is not None:
        orders = orders.filter(community_id=scope.community_id)
    if scope is not None and scope.unit_id is not None:
        orders = orders.filter(unit_id=scope.unit_id)
    day = period.reference_day()
    answered = Q(feedback_on__isnull=False, feedback_on__lte=day)
    found = orders.aggregate(
        issued=Count("pk"),
        answered_on_time=Count("pk", filter=answered & Q(feedback_on__lte=F("deadline"))),
        answered_late=Count("pk", filter=answered & Q(feedback_on__gt=F("deadline"))),
        overdue=Count("pk", filter=~answered & Q(deadline__lt=day)),
        open=Count("pk", filter=~answered & Q(deadline__gte=day)),
    )
    owed = found["answered_on_time"] + found["answered_late"] + found["overdue"]
    return {
        **{key: found[key] for key in SUPERVISION_KEYS},
        "on_time_rate": _rate(found["answered_on_time"], owed),
    }


#: The top-level JSON keys filled here, in this order.
SECTIONS = ("supervision",)


def figures(period: Period, *, user=None, scope: Scope | None = None) -> dict:
    """The section ``supervision`` of :func:`~huiyin.reports.stats.compute`."""
    return {"supervision": _supervision(period, user=user, scope=scope)}


register("assessment", figures, sections=SECTIONS, order=90)
