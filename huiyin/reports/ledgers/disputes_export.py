"""The dispute ledgers out to Excel: which disputes, and each one's row.

The disputes are those the dispute list shows with the same GET filters
(:class:`huiyin.disputes.views.filters.DisputeFilter`, through ``visible_to``), oldest first;
the mediation ledger only those that went to mediation (a 受理日期). Rows stream in chunks,
each chunk's parties, agreements, terms, confirmations, follow-ups, mediators and import notes
read in one query each (plain values). Parties' names, ID and phone numbers are the masked
copies unless the export is with identity (an organisation's name is never masked); the
engine (``export.py``) writes the sheet and audits the export. What an import kept as written
(an unknown committee or mediator, the 回访情况) is written again, so a ledger exported and
imported again reads the same.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping

from django.db.models import QuerySet

from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case, CaseEvent, Category
from huiyin.disputes.models import (
    Agreement,
    Dispute,
    FollowUp,
    JudicialConfirmation,
    Outcome,
    Party,
    Performance,
    Status,
)
from huiyin.reports.ledgers.cells import choice_label
from huiyin.reports.ledgers.disputes import FORMS, PERFORMANCE, RESULTS, RULINGS, SOURCES
from huiyin.reports.ledgers.petitions_export import PEOPLE_SEPARATOR, category_label

__all__ = ["export_rows", "ledger_cases", "performance_of", "result_of"]

#: Export rows fetched per chunk.
EXPORT_CHUNK = 2000
#: Several mediators (or names kept as written) in one cell.
NAMES_SEPARATOR = "、"

#: The party fields an export writes: (name, ID number, phone), full or masked.
_PARTY_FIELDS = {
    True: ("name", "id_number", "phone"),
    False: ("name_masked", "id_number_masked", "phone_masked"),
}


def ledger_cases(user, params: Mapping | None, *, mediated_only: bool = False):
    """(the disputes of the ledger, oldest first; the valid filters): the dispute list's filter
    with the same GET names; with `mediated_only` those whose mediation started."""
    from huiyin.disputes.views.filters import DisputeFilter

    dispute_filter = DisputeFilter(params or {}, user)
    cases = dispute_filter.queryset()
    if mediated_only:
        cases = cases.filter(dispute__started_on__isnull=False)
    return cases.order_by("received_at", "id"), dispute_filter.filters


def result_of(case: Case, dispute: Dispute) -> str:
    """调解结果: the outcome, or 调解中 while mediating; blank before mediation."""
    outcome = {
        Outcome.AGREEMENT: "agreement",
        Outcome.FAILED: "failed",
        Outcome.REFUSED: "refused",
        Outcome.TRANSFERRED: "transferred",
    }.get(dispute.outcome)
    if outcome is None and case.status == Status.MEDIATING:
        outcome = "mediating"
    return choice_label(RESULTS, outcome) if outcome else ""


def performance_of(results: list[str]) -> str:
    """履行情况 from the terms' results: blank without terms; 履行中 while one is unchecked;
    else 已履行 (all performed), 未履行 (none performed at all), 部分履行."""
    if not results:
        return ""
    if "" in results:
        value = "pending"
    elif all(r == Performance.Result.PERFORMED for r in results):
        value = "performed"
    elif all(r == Performance.Result.NOT_PERFORMED for r in results):
        value = "not_performed"
    else:
        value = "partly"
    return choice_label(PERFORMANCE, value)


class _Related:
    """One chunk's parties, latest agreements with their terms and confirmations, latest
    follow-ups, mediators and import notes, by case id: one query each."""

    def __init__(self, ids: list[int], with_identity: bool):
        self.parties: dict[int, list[tuple]] = defaultdict(list)
        fields = _PARTY_FIELDS[with_identity]
        for dispute_id, side, kind, *person in (
            Party.objects.filter(dispute_id__in=ids)
            .order_by("side", "order", "id")
            .values_list("dispute_id", "side", "kind", *fields)
        ):
            self.parties[dispute_id].append((side, kind, *person))
        self.agreement: dict[int, tuple] = {}
        for row in (
            Agreement.objects.filter(dispute_id__in=ids)
            .order_by("id")
            .values_list("dispute_id", "id", "form", "effective_on")
        ):
            self.agreement[row[0]] = row[1:]  # the last one is the current agreement
        agreement_ids = [a[0] for a in self.agreement.values()]
        self.terms: dict[int, list[str]] = defaultdict(list)
        for agreement_id, result in Performance.objects.filter(
            agreement_id__in=agreement_ids
        ).values_list("agreement_id", "result"):
            self.terms[agreement_id].append(result)
        self.ruling: dict[int, str] = dict(
            JudicialConfirmation.objects.filter(agreement_id__in=agreement_ids)
            .order_by("applied_on", "id")
            .values_list("agreement_id", "result")
        )
        self.visit: dict[int, tuple] = {}
        for dispute_id, on, note in (
            FollowUp.objects.filter(dispute_id__in=ids)
            .order_by("on", "id")
            .values_list("dispute_id", "on", "note")
        ):
            self.visit[dispute_id] = (on, note)
        self.mediators: dict[int, list[str]] = defaultdict(list)
        through = Dispute.mediators.through.objects.filter(dispute_id__in=ids)
        for dispute_id, name in through.order_by("id").values_list("dispute_id", "mediator__name"):
            self.mediators[dispute_id].append(name)
        self.kept: dict[int, dict] = {}
        events = CaseEvent.objects.filter(case_id__in=ids, kind="imported")
        for case_id, data in events.values_list("case_id", "data"):
            self.kept.setdefault(case_id, {}).update((data or {}).get("kept") or {})


def _chunks(cases: QuerySet[Case], with_identity: bool) -> Iterator[tuple[Case, _Related]]:
    chunk: list[Case] = []
    query = cases.select_related("community", "category__parent", "dispute__committee")
    for case in query.iterator(chunk_size=EXPORT_CHUNK):
        chunk.append(case)
        if len(chunk) == EXPORT_CHUNK:
            related = _Related([c.pk for c in chunk], with_identity)
            yield from ((c, related) for c in chunk)
            chunk = []
    if chunk:
        related = _Related([c.pk for c in chunk], with_identity)
        yield from ((c, related) for c in chunk)


def _ambiguous_type_names() -> set[str]:
    seen: set[str] = set()
    repeated: set[str] = set()
    for name in Category.objects.filter(kind=Kind.DISPUTE).values_list("name", flat=True):
        (repeated if name in seen else seen).add(name)
    return repeated


def _joined(values: list[str]) -> str:
    """One value per applicant, one to a line; empty when none has one."""
    return PEOPLE_SEPARATOR.join(values) if any(values) else ""


def _amount(value):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _export_row(number: int, case: Case, related: _Related, ambiguous: set[str]) -> list:
    dispute = case.dispute
    parties = related.parties.get(case.pk, ())
    # (side, kind, name, ID number, phone): full or masked (an organisation's name never is)
    applicants = [p for p in parties if p[0] == Party.Side.A]
    respondents = [p for p in parties if p[0] == Party.Side.B]

    kept = related.kept.get(case.pk, {})
    agreement = related.agreement.get(case.pk) if dispute.outcome == Outcome.AGREEMENT else None
    form = effective_on = None
    performance = applied = ruling = ""
    if agreement is not None:
        agreement_id, form, effective_on = agreement
        performance = performance_of(related.terms.get(agreement_id, []))
        written = form == Agreement.Form.WRITTEN
        applied = ("是" if agreement_id in related.ruling else "否") if written else ""
        ruling = related.ruling.get(agreement_id) or ""
    committee = dispute.committee.name if dispute.committee_id else kept.get("committee", "")
    mediators = [*related.mediators.get(case.pk, []), *kept.get("mediators", [])]
    visit = related.visit.get(case.pk)
    follow_up = f"{visit[0].isoformat()} {visit[1]}" if visit else kept.get("follow_up", "")
    return [
        number,
        case.number,
        case.received_on,
        choice_label(SOURCES, dispute.source),
        category_label(case.category, ambiguous),
        PEOPLE_SEPARATOR.join(p[2] for p in applicants),
        PEOPLE_SEPARATOR.join(p[2] for p in respondents),
        _joined([p[3] for p in applicants]),
        _joined([p[4] for p in applicants]),
        case.community.name if case.community_id else "",
        case.description or case.title,
        dispute.people_count,
        _amount(dispute.amount),
        committee,
        NAMES_SEPARATOR.join(mediators),
        dispute.started_on,
        result_of(case, dispute),
        choice_label(FORMS, form) if form else "",
        effective_on,
        performance,
        applied,
        choice_label(RULINGS, ruling) if ruling else "",
        dispute.closed_on,
        follow_up,
    ]


def export_rows(cases: QuerySet[Case], *, with_identity: bool) -> Iterator[list]:
    """The ledger's rows of `cases`, in order, one list of cells per dispute (streamed)."""
    ambiguous = _ambiguous_type_names()
    for number, (case, related) in enumerate(_chunks(cases, with_identity), start=1):
        yield _export_row(number, case, related, ambiguous)
