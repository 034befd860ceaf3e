"""The matters behind a lost point: which cases or supervision orders made a body lose it.

    matters_behind("petitions.on_time_rate", body, period)
    # [{"case": 41, "number": "浓洄信〔2026〕0041号", "kind": "petition"}, ...]

Each family of statistics lists the matters its own definition counts against the body, with
the statistics layer's doors and definitions (:mod:`huiyin.reports.stats`): a petition replied
late or overdue at the end of the reference day, a petition rated dissatisfied, a written
reply without its legal basis, a dispute whose mediation failed, a dispute resolved above the
community, a supervision order answered late or overdue. A statistic without matters of its
own (the screening reports: a body's filings, not cases) lists none; its page says so.

At most :data:`LIMIT` matters per point, oldest first. The list is stored with the point; the
pages show each matter only to a person who may see it (``Case.objects.visible_to``).
"""

from __future__ import annotations

from django.db.models import F, Q, QuerySet

from huiyin.assessment.bodies import Body
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case, Clock
from huiyin.reports.stats.engine import Period, cases, overdue_at

LIMIT = 50

_PETITION_HANDLING = {
    "petitions.on_time_rate": ("late", "overdue"),
    "petitions.on_time.late": ("late",),
    "petitions.on_time.overdue": ("overdue",),
    "petitions.overdue_open": ("overdue",),
}


def _rows(found: QuerySet[Case]) -> list[dict]:
    return [
        {"case": pk, "number": number, "kind": kind}
        for pk, number, kind in found.order_by("received_at", "pk").values_list(
            "pk", "number", "kind"
        )[:LIMIT]
    ]


def _petition_handling(body: Body, period: Period, which: tuple[str, ...]) -> list[dict]:
    found = cases(Kind.PETITION, period, scope=body.scope()).annotate(
        a_overdue=overdue_at(period.reference_day()),
    )
    condition = Q(pk__in=[])
    if "late" in which:
        condition |= Q(petition__latest_handling=Clock.Outcome.LATE)
    if "overdue" in which:
        condition |= Q(a_overdue=True)
    return _rows(found.filter(condition))


def _dissatisfied(body: Body, period: Period) -> list[dict]:
    from huiyin.petitions.models import Satisfaction

    found = cases(Kind.PETITION, period, scope=body.scope())
    return _rows(found.filter(petition__latest_rating=Satisfaction.DISSATISFIED))


def _without_basis(body: Body, period: Period) -> list[dict]:
    found = cases(Kind.PETITION, period, scope=body.scope()).filter(
        petition__replied_on__isnull=False, petition__reply_basis=""
    )
    return _rows(found)


def _disputes(body: Body, period: Period, key: str) -> list[dict]:
    from huiyin.reports.stats.disputes import FAILED_OUTCOMES, LOCAL_TIERS

    ended = Q(dispute__ended_on__gte=period.start, dispute__ended_on__lte=period.end)
    found = cases(Kind.DISPUTE, scope=body.scope()).filter(ended)
    if key == "disputes.resolution_rate":
        found = found.filter(dispute__outcome__in=FAILED_OUTCOMES)
    else:  # community_share: resolved above the community
        from huiyin.disputes.models import Outcome

        found = found.filter(dispute__outcome=Outcome.AGREEMENT).exclude(
            dispute__tier__in=LOCAL_TIERS
        )
    return _rows(found)


def _orders(body: Body, period: Period, key: str) -> list[dict]:
    from huiyin.assessment.models import SupervisionOrder

    day = period.reference_day()
    orders = SupervisionOrder.objects.filter(
        issued_on__gte=period.start, issued_on__lte=period.end, **body.filters()
    )
    answered = Q(feedback_on__isnull=False, feedback_on__lte=day)
    late = answered & Q(feedback_on__gt=F("deadline"))
    overdue = ~answered & Q(deadline__lt=day)
    condition = {"supervision.overdue": overdue, "supervision.answered_late": late}.get(
        key, late | overdue
    )
    return [
        {"order": pk, "number": number}
        for pk, number in orders.filter(condition)
        .order_by("issued_on", "pk")
        .values_list("pk", "number")[:LIMIT]
    ]


def matters_behind(key: str, body: Body, period: Period) -> list[dict]:
    """The matters that made `body` lose points on `key` in `period` (see the module doc)."""
    if key in _PETITION_HANDLING:
        return _petition_handling(body, period, _PETITION_HANDLING[key])
    if key in ("petitions.satisfaction_rate", "petitions.satisfaction.dissatisfied"):
        return _dissatisfied(body, period)
    if key in ("replies.with_basis_rate", "replies.without_basis"):
        return _without_basis(body, period)
    if key in ("disputes.resolution_rate", "disputes.community_share"):
        return _disputes(body, period, key)
    if key.startswith("supervision."):
        return _orders(body, period, key)
    return []
