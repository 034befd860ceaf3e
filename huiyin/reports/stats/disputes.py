"""The disputes' figures: the section ``disputes`` (矛盾纠纷排查调处).

Registered with the statistics engine (:mod:`huiyin.reports.stats.engine`), which composes
them with the other kinds' into :func:`~huiyin.reports.stats.compute`:

    stats = compute(Period(date(2026, 6, 1), date(2026, 9, 8)), user=request.user)
    stats["disputes"]["resolved"]                   # 化解
    flat(stats)["disputes.by_type.labour"]          # 劳动争议, 欠薪 included

:func:`per_community` gives the dashboard's rows from the same queries and definitions.

Definitions (also in the README, "Statistics")
=============================================

* **Which disputes.** Dispute cases not withdrawn; with ``user``, only those that person may
  see (``Case.objects.visible_to``: a community worker counts their community's); with a
  :class:`~huiyin.reports.stats.engine.Scope`, one community, grid or responsible unit. Each
  figure belongs to a period by the date of ITS event, both ends inclusive, in Beijing dates:
  a dispute received in May and settled in June is registered in May and resolved in June.
* **registered (排查)** = disputes received in the period (by the moment received, Beijing
  time: one received at 00:00 on the first day counts, one at 23:59 the day before does not).
* **mediated (调处)** = disputes whose mediation started (受理: ``start_mediation``) in the
  period. A new round after a court refused to confirm the agreement (``mediate_again``)
  starts it again: the dispute counts in the period of the round it is in now.
* **resolved (化解)** = disputes whose mediation ended with a written or an oral agreement in
  the period, by the day it ended (the day the agreement was reached). A dispute mediated
  again after the court's rejection is not resolved until it has a new agreement.
* **failed** = disputes whose mediation ended in the period without agreement (调解不成功)
  or because a party refused it (art. 17, before or during mediation), by the day it ended.
  A dispute transferred to another body (三调对接) is neither resolved nor failed.
* **resolution_rate (化解率)** = resolved ÷ (resolved + failed); ``None`` when both are 0.
* **by_type.<type>** = registered, by the TOP-LEVEL type of the dispute type tree: a type
  below another counts in it (欠薪 in 劳动争议, ``labour``). The default types have fixed
  keys (:data:`TYPE_KEYS`: ``marriage_family``, ``neighbours``, ``housing_homestead``,
  ``land_contract``, ``damages``, ``labour``, ``property_management``, ``contract``,
  ``consumer``, ``other``), always present; a top-level type an administrator added is
  ``type_<id>``; a dispute registered without a type is ``unclassified``. They add up to
  ``registered``.
* **by_tier.<grid|community|unit|street|district>** = registered, by the tier handling the
  dispute last (its present tier: an escalation moves it up). They add up to ``registered``.
* **community_share (就地化解率)** = the resolved disputes whose tier is grid or community ÷
  resolved ("小事不出社区"); ``None`` when none is resolved.
* **agreements.{written,oral}** = the resolved disputes by the form of their agreement; they
  add up to ``resolved``.
* **performed (已履行)** = the resolved disputes whose agreement was performed in full, as
  the record stands today: every performance term checked as performed (人民调解法 art. 31);
  an agreement with no term to perform counts once the dispute is closed (结案).
* **judicial.applied** = applications for judicial confirmation (司法确认, art. 33) made in
  the period, by the day applied; **judicial.confirmed / judicial.rejected** = the courts'
  rulings in the period (确认有效 / 驳回), by the day ruled. Each application counts once.
* Rates are fractions between 0 and 1, rounded to four places.

Queries: figures() issues four whatever the period — the disputes received in the period
grouped by type, tier and community; the disputes with a start or an end in the period grouped
by what the figures read; the type tree (a few dozen rows); one conditional count of the
judicial confirmations. The second reads the disputes received before the period's end and
tests the start and end dates of each (the dispute has no index on them).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.utils.translation import gettext_lazy as _

from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case, Category
from huiyin.disputes.models import (
    Agreement,
    JudicialConfirmation,
    Outcome,
    Performance,
    Tier,
)
from huiyin.reports.stats.engine import Period, Scope, register
from huiyin.reports.stats.engine import cases as _cases

__all__ = [
    "FAILED_OUTCOMES",
    "LOCAL_TIERS",
    "TIERS",
    "TYPE_KEYS",
    "UNCLASSIFIED",
    "dispute_cases",
    "figures",
    "labels",
    "per_community",
    "type_keys",
    "type_labels",
]

#: The keys of the default top-level types (huiyin.disputes.types), by name.
TYPE_KEYS: dict[str, str] = {
    "婚姻家庭": "marriage_family",
    "邻里": "neighbours",
    "房屋宅基地": "housing_homestead",
    "土地承包": "land_contract",
    "损害赔偿": "damages",
    "劳动争议": "labour",
    "物业": "property_management",
    "合同": "contract",
    "消费": "consumer",
    "其他": "other",
}
#: A dispute registered without a type.
UNCLASSIFIED = "unclassified"
TIERS: tuple[str, ...] = tuple(Tier.values)  # lowest first
#: The tiers of "小事不出社区": community_share.
LOCAL_TIERS = (Tier.GRID, Tier.COMMUNITY)
#: Ended without agreement: failed, or a party refused.
FAILED_OUTCOMES = (Outcome.FAILED, Outcome.REFUSED)
#: How deep the type tree is walked up (a loop in bad data must not hang a page).
_MAX_DEPTH = 10


# --------------------------------------------------------------------------- the base queryset


def dispute_cases(
    period: Period | None = None, *, user=None, scope: Scope | None = None
) -> QuerySet[Case]:
    """The dispute cases counted: not withdrawn, received in `period` (None: whenever), seen
    by `user`, in `scope` — the engine's one door."""
    return _cases(Kind.DISPUTE, period, user=user, scope=scope)


def _in(field: str, period: Period) -> Q:
    return Q(**{f"{field}__gte": period.start, f"{field}__lte": period.end})


def _flag(condition: Q) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


# --------------------------------------------------------------------------- the type tree


def type_keys() -> tuple[dict[int, str], list[str]]:
    """``({dispute type id: by_type key of its top-level type}, [every by_type key])`` from
    one query over the type tree. The keys listed: the default types, then every other
    top-level type in use (or counted), then unclassified."""
    rows = {
        pk: (name, parent, active)
        for pk, name, parent, active in Category.objects.filter(kind=Kind.DISPUTE)
        .order_by("order", "id")
        .values_list("id", "name", "parent_id", "active")
    }

    def key(pk: int) -> str:
        return TYPE_KEYS.get(rows[pk][0]) or f"type_{pk}"

    roots: dict[int, str] = {}
    for pk in rows:
        root = pk
        for _step in range(_MAX_DEPTH):
            parent = rows[root][1]
            if parent is None or parent not in rows:
                break
            root = parent
        roots[pk] = key(root)
    others = [
        key(pk)
        for pk, (name, parent, active) in rows.items()
        if parent is None and active and name not in TYPE_KEYS
    ]
    return roots, [*TYPE_KEYS.values(), *others, UNCLASSIFIED]


def type_labels() -> dict[str, str]:
    """{by_type key: the name to show} — the default types' names, the others' from the tree,
    ``unclassified`` "未分类". One query."""
    labels = {key: name for name, key in TYPE_KEYS.items()}
    for pk, name in Category.objects.filter(kind=Kind.DISPUTE, parent__isnull=True).values_list(
        "id", "name"
    ):
        labels.setdefault(TYPE_KEYS.get(name) or f"type_{pk}", name)
    labels[UNCLASSIFIED] = "未分类"
    return labels


# --------------------------------------------------------------------------- counting
#
# Two grouped aggregates do the counting: the disputes received in the period grouped by type,
# tier and community (registered, by_type, by_tier), and the disputes with a start or an end
# in the period grouped by everything the other figures read (started in the period, ended in
# it, outcome, tier, form of the agreement, performed, community). The groups are few;
# _fold() adds them up in Python, each figure's definition written once.


def _received_groups(cases: QuerySet[Case]) -> list[dict]:
    rows = (
        cases.order_by()
        .values("category_id", "dispute__tier", "community_id")
        .annotate(n=Count("pk"))
    )
    return [
        {
            "category": r["category_id"],
            "tier": r["dispute__tier"],
            "community": r["community_id"],
            "n": r["n"],
        }
        for r in rows
    ]


def _event_groups(cases: QuerySet[Case], period: Period) -> list[dict]:
    """The disputes whose mediation started or ended in `period`, grouped."""
    _first, after = period.bounds()
    latest = Agreement.objects.filter(dispute_id=OuterRef("pk")).order_by("-id")
    terms = Performance.objects.filter(agreement_id=OuterRef("g_agreement"))
    annotated = (
        cases.filter(received_at__lt=after)  # nothing starts or ends before it was received
        .filter(_in("dispute__started_on", period) | _in("dispute__ended_on", period))
        .annotate(
            g_started=_flag(_in("dispute__started_on", period)),
            g_ended=_flag(_in("dispute__ended_on", period)),
            g_closed=_flag(Q(dispute__closed_on__isnull=False)),
            g_agreement=Subquery(latest.values("pk")[:1]),
            g_form=Subquery(latest.values("form")[:1]),
            g_terms=Exists(terms),
            g_unperformed=Exists(terms.exclude(result=Performance.Result.PERFORMED)),
        )
    )
    rows = (
        annotated.order_by()
        .values(
            "g_started",
            "g_ended",
            "g_closed",
            "g_form",
            "g_terms",
            "g_unperformed",
            "dispute__outcome",
            "dispute__tier",
            "community_id",
        )
        .annotate(n=Count("pk"))
    )
    return [
        {
            "started": r["g_started"],
            "ended": r["g_ended"],
            "closed": r["g_closed"],
            "form": r["g_form"],
            "terms": r["g_terms"],
            "unperformed": r["g_unperformed"],
            "outcome": r["dispute__outcome"],
            "tier": r["dispute__tier"],
            "community": r["community_id"],
            "n": r["n"],
        }
        for r in rows
    ]


def _judicial(cases: QuerySet[Case], period: Period) -> dict[str, int]:
    """Applications made and rulings given in `period`, of the disputes counted."""
    found = JudicialConfirmation.objects.filter(
        agreement__dispute_id__in=cases.values("pk")
    ).filter(_in("applied_on", period) | _in("result_on", period))
    ruled = _in("result_on", period)
    return found.aggregate(
        applied=Count("pk", filter=_in("applied_on", period)),
        confirmed=Count("pk", filter=ruled & Q(result=JudicialConfirmation.Result.CONFIRMED)),
        rejected=Count("pk", filter=ruled & Q(result=JudicialConfirmation.Result.REJECTED)),
    )


def _empty(type_keys_: Iterable[str]) -> dict[str, Any]:
    return {
        "registered": 0,
        "mediated": 0,
        "resolved": 0,
        "failed": 0,
        "by_type": dict.fromkeys(type_keys_, 0),
        "by_tier": dict.fromkeys(TIERS, 0),
        "local": 0,
        "agreements": {"written": 0, "oral": 0},
        "performed": 0,
    }


def _fold(
    received: Iterable[dict], events: Iterable[dict], types: dict[int, str], keys: Iterable[str]
) -> dict[str, Any]:
    """Add the groups up into the figures: the definitions of the module docstring."""
    out = _empty(keys)
    for row in received:
        n = row["n"]
        out["registered"] += n
        key = types.get(row["category"], UNCLASSIFIED)
        out["by_type"][key] = out["by_type"].get(key, 0) + n
        if row["tier"] in out["by_tier"]:
            out["by_tier"][row["tier"]] += n
    for row in events:
        n = row["n"]
        if row["started"]:
            out["mediated"] += n
        if not row["ended"]:
            continue
        if row["outcome"] == Outcome.AGREEMENT:
            out["resolved"] += n
            if row["tier"] in LOCAL_TIERS:
                out["local"] += n
            if row["form"] in out["agreements"]:
                out["agreements"][row["form"]] += n
            if (row["terms"] and not row["unperformed"]) or (not row["terms"] and row["closed"]):
                out["performed"] += n
        elif row["outcome"] in FAILED_OUTCOMES:
            out["failed"] += n
    return out


def _rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _section(folded: dict[str, Any], judicial: dict[str, int]) -> dict[str, Any]:
    resolved, failed = folded["resolved"], folded["failed"]
    return {
        "registered": folded["registered"],
        "mediated": folded["mediated"],
        "resolved": resolved,
        "failed": failed,
        "resolution_rate": _rate(resolved, resolved + failed),
        "by_type": folded["by_type"],
        "by_tier": folded["by_tier"],
        "community_share": _rate(folded["local"], resolved),
        "agreements": folded["agreements"],
        "performed": folded["performed"],
        "judicial": {key: judicial[key] for key in ("applied", "confirmed", "rejected")},
    }


# --------------------------------------------------------------------------- compute


def figures(period: Period, *, user=None, scope: Scope | None = None) -> dict:
    """The section ``disputes`` of :func:`~huiyin.reports.stats.compute` for `period`.

    See the module docstring for each definition and the README for the key list. `user`
    limits the numbers to the disputes that person may see; None counts everything (the CLI).
    Four queries, whatever the size of the period.
    """
    every = dispute_cases(user=user, scope=scope)
    received = _received_groups(dispute_cases(period, user=user, scope=scope))
    events = _event_groups(every, period)
    types, keys = type_keys()
    folded = _fold(received, events, types, keys)
    return {"disputes": _section(folded, _judicial(every, period))}


def per_community(period: Period, *, user=None) -> list[dict]:
    """One row per community, in the street's order: ``id``, ``name``, ``registered``,
    ``mediated``, ``resolved``, ``failed`` — the same definitions as :func:`figures`.

    With `user`, the communities that person's dispute scope reaches plus any where they see a
    dispute. Disputes without a community are in no row. Three queries.
    """
    from huiyin.org.models import Community

    received = _received_groups(dispute_cases(period, user=user))
    events = _event_groups(dispute_cases(user=user), period)
    buckets: dict[int | None, tuple[list[dict], list[dict]]] = {}
    for row in received:
        buckets.setdefault(row["community"], ([], []))[0].append(row)
    for row in events:
        buckets.setdefault(row["community"], ([], []))[1].append(row)
    counts = {community: _fold(got, ended, {}, ()) for community, (got, ended) in buckets.items()}
    communities = list(Community.objects.order_by("order", "id").values("id", "name"))
    shown = _covered(user, [c["id"] for c in communities]) | {k for k in counts if k}
    zero = _fold((), (), {}, ())
    return [
        {
            "id": c["id"],
            "name": c["name"],
            **{
                key: counts.get(c["id"], zero)[key]
                for key in ("registered", "mediated", "resolved", "failed")
            },
        }
        for c in communities
        if c["id"] in shown
    ]


def _covered(user, community_ids: Iterable[int]) -> set[int]:
    """The communities a person's dispute scope reaches (all of them for None or street-wide)."""
    from huiyin.org.access import reach_of
    from huiyin.org.models import Community, Grid
    from huiyin.org.roles import Perm

    ids = set(community_ids)
    if user is None:
        return ids
    scope = reach_of(user).scope(Perm.DISPUTES_VIEW)
    reached = set(scope.community_ids)
    if scope.street_wide:  # the communities of the person's whole streets
        reached |= set(
            Community.objects.filter(street_id__in=scope.street_ids).values_list("pk", flat=True)
        )
    if scope.grid_ids:
        reached |= set(
            Grid.objects.filter(pk__in=scope.grid_ids).values_list("community_id", flat=True)
        )
    return ids & reached


# --------------------------------------------------------------------------- the names

#: The section's and its fixed figures' names, by dotted key (``huiyin stats``' table).
NAMES = {
    "disputes": _("Disputes: screening and mediation"),
    "disputes.registered": _("Disputes registered"),
    "disputes.mediated": _("Mediation started"),
    "disputes.resolved": _("Disputes resolved"),
    "disputes.failed": _("Ended without agreement"),
    "disputes.resolution_rate": _("Resolution rate"),
    "disputes.by_type": _("Registered, by dispute type"),
    "disputes.by_tier": _("Registered, by the tier handling it"),
    "disputes.community_share": _("Resolved at grid or community tier"),
    "disputes.agreements": _("Resolved, by form of agreement"),
    "disputes.agreements.written": _("Written agreement"),
    "disputes.agreements.oral": _("Oral agreement"),
    "disputes.performed": _("Agreements performed in full"),
    "disputes.judicial": _("Judicial confirmation"),
    "disputes.judicial.applied": _("Applications"),
    "disputes.judicial.confirmed": _("Confirmed valid"),
    "disputes.judicial.rejected": _("Rejected"),
}


def labels() -> dict[str, str]:
    """{dotted key: name} of the section ``disputes``: :data:`NAMES`, each type by its name
    (:func:`type_labels`, one query) and each tier by its label."""
    names = {key: str(name) for key, name in NAMES.items()}
    names.update({f"disputes.by_type.{key}": name for key, name in type_labels().items()})
    names.update({f"disputes.by_tier.{value}": str(label) for value, label in Tier.choices})
    return names


register("disputes", figures, order=20, labels=labels)
