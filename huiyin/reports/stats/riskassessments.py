"""The decision risk assessments' figures: the section ``risk_assessments`` (社会稳定风险评估,
重大行政决策程序暂行条例 art. 22–24).

Registered with the statistics engine (:mod:`huiyin.reports.stats.engine`).

Definitions
===========

* **risk_assessments.opened** = assessments started in the period, by the day they started.
* **by_status** = those assessments by their status now (draft, consulting, reviewed,
  concluded, decided); they add up to ``opened``.
* **by_level** = those concluded, by the level of their conclusion (the levels in force,
  :mod:`huiyin.riskassessments.levels`; a level no longer configured counts under its code).
* **measures.set** = the measures followed up for those assessments; each is counted once
  more, by its state at the end of the reference day (the period's last day or today in
  Beijing, whichever is earlier): **done** = done on or before that day; **dropped** = no
  longer needed; **overdue** = neither, and its due date before that day; **open** = neither,
  not yet due. They add up to ``set``.
* With a :class:`~huiyin.reports.stats.engine.Scope` of a unit, the assessments that unit is
  responsible for; of a community or a grid, none (an assessment is of a decision, not of a
  place's matters). With ``user``, only a holder of ``assessment.view`` counts them.

Three queries whatever the period.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from huiyin.reports.stats.engine import Period, Scope, register

__all__ = ["MEASURE_KEYS", "STATUSES", "figures", "labels"]

STATUSES = ("draft", "consulting", "reviewed", "concluded", "decided")
MEASURE_KEYS = ("set", "open", "done", "overdue", "dropped")


def _level_codes() -> list[str]:
    from huiyin.riskassessments import levels

    return [level.code for level in levels.levels()]


def _empty() -> dict:
    return {
        "opened": 0,
        "by_status": dict.fromkeys(STATUSES, 0),
        "by_level": dict.fromkeys(_level_codes(), 0),
        "measures": dict.fromkeys(MEASURE_KEYS, 0),
    }


def figures(period: Period, *, user=None, scope: Scope | None = None) -> dict:
    """The section ``risk_assessments`` of :func:`~huiyin.reports.stats.compute`."""
    from huiyin.org.access import reach_of
    from huiyin.org.roles import Perm
    from huiyin.riskassessments.models import Measure, RiskAssessment

    if user is not None and not reach_of(user).can(Perm.ASSESSMENT_VIEW):
        return {"risk_assessments": _empty()}
    if scope is not None and (scope.community_id or scope.grid_id):
        return {"risk_assessments": _empty()}
    found = RiskAssessment.objects.filter(opened_on__gte=period.start, opened_on__lte=period.end)
    if user is not None:  # the assessments of the person's own streets
        found = found.filter(street_id__in=reach_of(user).street_ids)
    if scope is not None and scope.street_id is not None:
        found = found.filter(street_id=scope.street_id)
    if scope is not None and scope.unit_id:
        found = found.filter(unit_id=scope.unit_id)
    out = _empty()
    for status, count in found.values_list("status").annotate(n=Count("pk")).order_by():
        out["by_status"][status] = count
        out["opened"] += count
    concluded = found.filter(status__in=("concluded", "decided"))
    for level, count in concluded.values_list("level").annotate(n=Count("pk")).order_by():
        out["by_level"][level] = count
    day = period.reference_day()
    done = Q(status="done", done_on__lte=day)
    dropped = Q(status="dropped")
    pending = ~done & ~dropped
    out["measures"] = Measure.objects.filter(risk_point__assessment__in=found).aggregate(
        set=Count("pk"),
        open=Count("pk", filter=pending & Q(due_on__gte=day)),
        done=Count("pk", filter=done),
        overdue=Count("pk", filter=pending & Q(due_on__lt=day)),
        dropped=Count("pk", filter=dropped),
    )
    return {"risk_assessments": out}


NAMES = {
    "risk_assessments": _("Decision risk assessments"),
    "risk_assessments.opened": _("Risk assessments started"),
    "risk_assessments.measures.set": _("Risk measures followed up"),
    "risk_assessments.measures.open": _("Risk measures in progress"),
    "risk_assessments.measures.done": _("Risk measures done"),
    "risk_assessments.measures.overdue": _("Risk measures overdue"),
    "risk_assessments.measures.dropped": _("Risk measures no longer needed"),
}


def labels() -> dict[str, str]:
    from huiyin.riskassessments import levels
    from huiyin.riskassessments.models import Status

    names = {key: str(name) for key, name in NAMES.items()}
    names.update(
        {f"risk_assessments.by_status.{code}": str(label) for code, label in Status.choices}
    )
    names.update(
        {f"risk_assessments.by_level.{level.code}": level.name for level in levels.levels()}
    )
    return names


register("riskassessments", figures, sections=("risk_assessments",), order=96, labels=labels)
