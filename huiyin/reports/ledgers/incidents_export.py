"""The incident ledger out to Excel: which incidents, and each one's row.

The incidents are those the incident list shows with the same GET filters
(:class:`huiyin.incidents.views.filters.IncidentFilter`, through ``visible_to``: ``from`` and
``to`` are the days learned of), oldest first. Rows stream in chunks, each chunk's first
reports and import notes read in one query each. The ledger names no one but staff (the leader
in charge): never the next of kin of an unnatural death, never the people involved (a count).
What an import kept as written (a leader Huiyin does not know) is written again, so a ledger
exported and imported again reads the same.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from django.db.models import Min, QuerySet
from django.utils import timezone

from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case, CaseEvent, Category
from huiyin.incidents.models import Report
from huiyin.reports.ledgers.cells import choice_label
from huiyin.reports.ledgers.incidents import GRADES, casualties_text
from huiyin.reports.ledgers.petitions_export import category_label

__all__ = ["export_rows", "ledger_cases"]

#: Export rows fetched per chunk.
EXPORT_CHUNK = 2000


def ledger_cases(user, params: Mapping | None) -> tuple[QuerySet[Case], dict]:
    """(the incidents of the ledger, oldest first; the valid filters): the incident list's
    filter with the same GET names."""
    from huiyin.incidents.views.filters import IncidentFilter

    incident_filter = IncidentFilter(params or {}, user)
    cases = incident_filter.queryset().order_by("received_at", "id")
    return cases, incident_filter.filters


def _ambiguous_type_names() -> set[str]:
    """Type names used by two types (not a class and its one type of the same name)."""
    seen: set[str] = set()
    repeated: set[str] = set()
    for name in Category.objects.filter(kind=Kind.INCIDENT, parent__isnull=False).values_list(
        "name", flat=True
    ):
        (repeated if name in seen else seen).add(name)
    return repeated


class _Related:
    """One chunk's first reports and import notes, by case id: one query each."""

    def __init__(self, ids: list[int]):
        self.first = dict(
            Report.objects.filter(incident_id__in=ids)
            .values("incident_id")
            .annotate(first=Min("sent_at"))
            .values_list("incident_id", "first")
        )
        self.kept: dict[int, dict] = {}
        events = CaseEvent.objects.filter(case_id__in=ids, kind="imported")
        for case_id, data in events.values_list("case_id", "data"):
            self.kept.setdefault(case_id, {}).update((data or {}).get("kept") or {})


def _chunks(cases: QuerySet[Case]) -> Iterator[tuple[Case, _Related]]:
    chunk: list[Case] = []
    query = cases.select_related("community", "category__parent", "incident__leader")
    for case in query.iterator(chunk_size=EXPORT_CHUNK):
        chunk.append(case)
        if len(chunk) == EXPORT_CHUNK:
            related = _Related([c.pk for c in chunk])
            yield from ((c, related) for c in chunk)
            chunk = []
    if chunk:
        related = _Related([c.pk for c in chunk])
        yield from ((c, related) for c in chunk)


def _export_row(number: int, case: Case, related: _Related, ambiguous: set[str]) -> list:
    incident = case.incident
    kept = related.kept.get(case.pk, {})
    leader = incident.leader.name if incident.leader_id else kept.get("leader", "")
    concluded = incident.concluded_at is not None
    return [
        number,
        case.number,
        incident.occurred_at,
        incident.learned_at,
        related.first.get(case.pk),
        category_label(case.category, ambiguous),
        choice_label(GRADES, incident.grade),
        case.community.name if case.community_id else "",
        incident.place,
        case.description or case.title,
        incident.people_count,
        casualties_text(
            incident.deaths, incident.missing, incident.serious_injuries, incident.minor_injuries
        ),
        leader,
        incident.outcome if concluded else incident.measures,
        timezone.localtime(incident.concluded_at, CHINA_TZ).date() if concluded else None,
    ]


def export_rows(cases: QuerySet[Case]) -> Iterator[list]:
    """The ledger's rows of `cases`, in order, one list of cells per incident (streamed)."""
    ambiguous = _ambiguous_type_names()
    for number, (case, related) in enumerate(_chunks(cases), start=1):
        yield _export_row(number, case, related, ambiguous)
