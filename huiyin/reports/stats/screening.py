"""The weekly screening's figures: the section ``screening`` (一周一排查、一周一上报).

Registered with the statistics engine (:mod:`huiyin.reports.stats.engine`); the counting is
:func:`huiyin.screening.compliance.compliance`, the same as the weekly board's, so the board,
the dashboard, ``huiyin stats`` and the Word report never disagree.

Definitions (also in the README, "Statistics")
=============================================

* **Which reporting periods.** The screening periods (ISO weeks by default,
  ``HUIYIN_SCREENING_PERIOD``) that END in the statistics period, both ends inclusive
  (:func:`huiyin.screening.periods.ending_in`): June counts the weeks whose Sunday is in June,
  so a week across two months counts once, in the month it ends. A statistics period in
  which no screening period ends counts nothing.
* **Which bodies.** Every community, grid and unit with a screening duty running in that
  period; with a :class:`~huiyin.reports.stats.engine.Scope`, one community (with its grids),
  one grid or one unit; with ``user``, only the bodies that person's ``disputes.view`` reaches
  (a community worker their community and its grids, a grid worker their grid; a person
  without it counts nothing).
* Each body and period is one expected report, counted once, by its status now:
  **on_time** = filed no later than its deadline (default the following Monday 12:00, Beijing
  time, moved past rest days); **late** = filed after it; **missing** = not filed and the
  deadline has passed. **expected** = on_time + late + missing: a period whose deadline is
  still ahead and not yet reported is not expected yet. **nil** = the reports filed (on time or
  late) that are nil reports (零报告).

Three queries whatever the period (the duties, the reports, their item counts).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from huiyin.reports.stats.engine import Period, Scope, register
from huiyin.screening import periods
from huiyin.screening.compliance import compliance

__all__ = ["KEYS", "NAMES", "figures", "labels"]

#: The figures, in the order of the JSON.
KEYS = ("expected", "on_time", "late", "missing", "nil")


def figures(period: Period, *, user=None, scope: Scope | None = None) -> dict:
    """The section ``screening`` of :func:`~huiyin.reports.stats.compute` for `period`."""
    span = periods.ending_in(period.start, period.end)
    if span is None:
        return {"screening": dict.fromkeys(KEYS, 0)}
    first, last = span
    totals = compliance(None, first, last, scope, user=user).totals
    return {"screening": {key: totals[key] for key in KEYS}}


#: The section's and its figures' names, by dotted key (``huiyin stats``' table).
NAMES = {
    "screening": _("Weekly screening reports"),
    "screening.expected": _("Reports due"),
    "screening.on_time": _("On time"),
    "screening.late": _("Filed late"),
    "screening.missing": _("Missing"),
    "screening.nil": _("Nil reports"),
}


def labels() -> dict[str, str]:
    return {key: str(name) for key, name in NAMES.items()}


register("screening", figures, order=30, labels=labels)
