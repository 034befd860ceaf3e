"""平安创建's figures: the section ``safety_creation``, one entry per community.

    stats["safety_creation"]["柑子园社区"]["status"]                       # "awarded"
    stats["safety_creation"]["柑子园社区"]["criteria"]["criminal"]["value"]
    stats["safety_creation"]["柑子园社区"]["surveys"]["awareness"]["rate"]

Definitions
===========

* Keyed by the community's name (unique in the street), communities in the street's order.
  With a community scope, that community only; a grid or unit scope counts none (the
  criteria belong to a community). With ``user``, only a holder of ``assessment.view``
  counts; anyone else gets an empty section.
* **status** = the status of the community's own 平安社区 creation for the year the period
  ends in, as its status history stood at the end of the period (the last change dated on or
  before the period's last day): ``applied`` 申报, ``assessed`` 考评, ``awarded`` 命名,
  ``revoked`` 撤销, or ``None``. **creations** lists every creation of the community for that
  year (平安社区/小区/家庭): ``{category, subject, status, on, body, document}``, ``status``
  ``None`` when no change was dated by then.
* **criteria.<criminal|public_order|accident|petition>** = the figure entered for the
  community whose own period lies inside the period — the widest such period, then the one
  entered last — as ``{value, start, end, source, document, from_incidents}``; ``None`` when
  none was entered. The sources are the police's documents (criminal, public_order), the
  incident ledger or another named source (accident) and a reported figure (petition).
  ``nil`` (四无: none in the period) is given for the first three only; the petition figure
  carries ``reported_only: true`` and never a pass or a fail, and nothing here counts
  petitions.
* **surveys.<awareness|participation>** = the last survey conducted in the period:
  ``{numerator, denominator, rate, sample_size, method, on}``; ``rate`` = numerator ÷
  denominator, four places; ``None`` when no survey was conducted in the period.

Five queries whatever the period.
"""

from __future__ import annotations

from django.db.models import Prefetch

from huiyin.reports.stats.engine import Period, Scope, register

__all__ = ["CRITERIA", "SURVEY_KINDS", "figures"]

CRITERIA = ("criminal", "public_order", "accident", "petition")
SURVEY_KINDS = ("awareness", "participation")


def _may(user) -> bool:
    from huiyin.org.access import reach_of
    from huiyin.org.roles import Perm

    return user is None or reach_of(user).can(Perm.ASSESSMENT_VIEW)


def _figure(row) -> dict:
    out = {
        "value": row.value,
        "start": row.start.isoformat(),
        "end": row.end.isoformat(),
        "source": row.source,
        "document": row.source_ref,
        "from_incidents": row.from_incidents,
    }
    if row.criterion == "petition":
        out["reported_only"] = True
    else:
        out["nil"] = row.value == 0
    return out


def _creation(row, end) -> dict:
    last = None
    for change in row.changes.all():  # prefetched, by date then id
        if change.on <= end:
            last = change
    return {
        "category": row.category,
        "subject": row.subject,
        "status": last.status if last else None,
        "on": last.on.isoformat() if last else None,
        "body": last.body if last else "",
        "document": last.document_ref if last else "",
    }


def safety_creation(period: Period, *, user=None, scope: Scope | None = None) -> dict:
    from huiyin.org.models import Community
    from huiyin.safety.models import Creation, CriterionFigure, StatusChange, Survey

    if not _may(user):
        return {}
    if scope is not None and (scope.grid_id is not None or scope.unit_id is not None):
        return {}
    communities = Community.objects.order_by("order", "id")
    if user is not None:  # the communities of the person's own streets
        from huiyin.org.access import reach_of

        communities = communities.filter(street_id__in=reach_of(user).street_ids)
    if scope is not None and scope.street_id is not None:
        communities = communities.filter(street_id=scope.street_id)
    if scope is not None and scope.community_id is not None:
        communities = communities.filter(pk=scope.community_id)
    names = dict(communities.values_list("id", "name"))
    if not names:
        return {}
    out: dict = {
        name: {
            "status": None,
            "creations": [],
            "criteria": dict.fromkeys(CRITERIA),
            "surveys": dict.fromkeys(SURVEY_KINDS),
        }
        for name in names.values()
    }
    creations = (
        Creation.objects.filter(community_id__in=names, year=period.end.year)
        .order_by("category", "subject", "id")
        .prefetch_related(Prefetch("changes", queryset=StatusChange.objects.order_by("on", "id")))
    )
    for row in creations:
        entry = out[names[row.community_id]]
        found = _creation(row, period.end)
        entry["creations"].append(found)
        if row.category == "community" and not row.subject:
            entry["status"] = found["status"]
    chosen: dict[tuple[int, str], object] = {}
    figures_in = CriterionFigure.objects.filter(
        community_id__in=names, start__gte=period.start, end__lte=period.end
    ).order_by("community_id", "criterion", "entered_at", "id")
    for row in figures_in:
        key = (row.community_id, row.criterion)
        best = chosen.get(key)
        # The widest period wins; among equals the one entered last (the order above).
        if best is None or (row.end - row.start) >= (best.end - best.start):
            chosen[key] = row
    for (community_id, criterion), row in chosen.items():
        out[names[community_id]]["criteria"][criterion] = _figure(row)
    surveys = Survey.objects.filter(
        community_id__in=names, conducted_on__gte=period.start, conducted_on__lte=period.end
    ).order_by("conducted_on", "id")
    for row in surveys:
        out[names[row.community_id]]["surveys"][row.kind] = {
            "numerator": row.numerator,
            "denominator": row.denominator,
            "rate": row.rate,
            "sample_size": row.sample_size,
            "method": row.method,
            "on": row.conducted_on.isoformat(),
        }
    return out


def figures(period: Period, *, user=None, scope: Scope | None = None) -> dict:
    """The section ``safety_creation`` of :func:`~huiyin.reports.stats.compute`."""
    return {"safety_creation": safety_creation(period, user=user, scope=scope)}


def labels() -> dict[str, str]:
    from django.utils.translation import gettext

    return {"safety_creation": gettext("Safe community creation")}


register("safety", figures, sections=("safety_creation",), order=95, labels=labels)
