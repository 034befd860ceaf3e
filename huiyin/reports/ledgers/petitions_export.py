"""The petition ledger out to Excel: which petitions, and each one's row.

The petitions are those the petition list shows with the same GET filters
(:class:`huiyin.petitions.queries.PetitionFilter`), oldest first, through the list's
``visible_to``. Rows stream from the database in chunks, each chunk's petitioners and import
notes read in one query each (plain values, no model instances; the latest rating is on the
petition's row); the engine (``export.py``) writes the sheet as they come and audits the
export. Names, ID and phone numbers are masked unless the export is with identity. 办理状态
is the label the web shows (the workflow's, :func:`huiyin.cases.workflow.status_label`),
except that a declined matter stays 不予受理 once concluded and one returned to the sender
(条例 art. 23) is 已退回交办机关, never 已办结; 办理结果 is the decision or the reply; 告知日期 / 告知方式
the day and manner the petitioner was told of the decision, 送达日期 / 送达方式 the written
answer's delivery (送达方式 alone: a reply by phone, or posted and not yet received), 复查机关 /
复核机关 the answering bodies; the people of a collective visit are written one to a line.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping

from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case, CaseEvent, Category
from huiyin.cases.workflow import status_label
from huiyin.petitions.models import Petition, Petitioner, Status
from huiyin.reports.ledgers.cells import choice_label
from huiyin.reports.ledgers.petitions import (
    ANSWER_BODIES,
    CHANNELS,
    DELIVERIES,
    LEVELS,
    SATISFACTION,
    TELL_MANNERS,
)
from huiyin.reports.ledgers.petitions_check import title_of

__all__ = [
    "category_label",
    "export_rows",
    "ledger_cases",
    "ledger_status",
    "matter_text",
    "outcome_text",
    "status_labels",
]

#: The people of one petition in an exported cell: one to a line (the cell wraps), the 、 kept
#: so that a person without an ID number or phone still takes a line of their own.
PEOPLE_SEPARATOR = "、\n"
#: 办理状态 of a matter returned to the sender: not a workflow state (its case is concluded).
RETURNED = "returned"
MSG_RETURNED = _("Returned to the sender")
#: Export rows fetched per chunk (each chunk reads its petitioners and import notes in one
#: query each).
EXPORT_CHUNK = 2000


def ledger_cases(user, params: Mapping | None = None) -> tuple[QuerySet[Case], dict, list[str]]:
    """The petitions of the ledger: the petition list's filter (same GET names), oldest first.

    Returns (cases, the valid filters, notices about ignored values).
    """
    from huiyin.petitions.queries import PetitionFilter

    petition_filter = PetitionFilter(params or {}, user)
    cases = petition_filter.queryset().order_by("received_at", "id")
    return cases, petition_filter.filters, list(petition_filter.notices)


def _export_queryset(cases: QuerySet[Case]) -> QuerySet[Case]:
    return cases.select_related(
        "community",
        "category__parent",
        "owner_unit",
        "petition__complained_unit",
        "key_case__leader",
    )


#: The petitioner columns an export writes: (name, ID number, phone), full or masked.
_PEOPLE_FIELDS = {
    True: ("name", "id_number", "phone"),
    False: ("name_masked", "id_number_masked", "phone_masked"),
}


class _Related:
    """What a chunk of exported cases needs from other tables, one query per table:
    the petitioners' (name, ID number, phone) in their order and the values an import kept
    on its "imported" event, by case id. Plain values, no model instances: a prefetch built
    and cached three model objects per row for the same."""

    def __init__(self, ids: list[int], with_identity: bool):
        self.people: dict[int, list[tuple]] = defaultdict(list)
        for petition_id, *person in (
            Petitioner.objects.filter(petition_id__in=ids)
            .order_by("order", "id")
            .values_list("petition_id", *_PEOPLE_FIELDS[with_identity])
        ):
            self.people[petition_id].append(person)
        self.kept: dict[int, dict] = {}
        events = CaseEvent.objects.filter(case_id__in=ids, kind="imported")
        for case_id, data in events.values_list("case_id", "data"):
            self.kept.setdefault(case_id, {}).update((data or {}).get("kept") or {})


def _export_chunks(cases: QuerySet[Case], with_identity: bool) -> Iterator[tuple[Case, _Related]]:
    """The cases in order, streamed EXPORT_CHUNK at a time, each with its chunk's _Related."""
    chunk: list[Case] = []
    for case in _export_queryset(cases).iterator(chunk_size=EXPORT_CHUNK):
        chunk.append(case)
        if len(chunk) == EXPORT_CHUNK:
            related = _Related([c.pk for c in chunk], with_identity)
            yield from ((c, related) for c in chunk)
            chunk = []
    if chunk:
        related = _Related([c.pk for c in chunk], with_identity)
        yield from ((c, related) for c in chunk)


def category_label(category: Category | None, ambiguous: set[str]) -> str:
    """A category as the ledger names it: its name, or 父类/子类 when the name repeats."""
    if category is None:
        return ""
    if category.name in ambiguous and category.parent_id:
        return f"{category.parent.name}/{category.name}"
    return category.name


def _ambiguous_category_names() -> set[str]:
    seen: set[str] = set()
    repeated: set[str] = set()
    for name in Category.objects.filter(kind=Kind.PETITION).values_list("name", flat=True):
        (repeated if name in seen else seen).add(name)
    return repeated


def matter_text(case: Case) -> str:
    """信访事项: the title, or the whole text when an import made the title from it."""
    if case.description and case.title == title_of(case.description):
        return case.description
    return case.title


def status_labels() -> dict[str, str]:
    """The petition states as the web shows them (the workflow's labels), in Chinese: a ledger
    is a Chinese document whatever the language of the person exporting it."""
    with translation.override("zh-hans"):
        labels = {status: status_label(Kind.PETITION, status) for status in Status.values}
        labels[RETURNED] = str(MSG_RETURNED)
    return labels


def ledger_status(case: Case) -> str:
    """The state a ledger shows: the case's own, but a declined matter stays declined once
    concluded (its conclusion is the decline notice, not a reply)."""
    petition = case.petition
    if petition.returned_to_sender:
        return RETURNED  # ended, never 办结 (条例 art. 23)
    if case.status == Status.CONCLUDED and petition.decline_reason and not petition.replied_on:
        return Status.DECLINED
    return case.status


def outcome_text(petition: Petition, kept: Mapping[str, str]) -> str:
    """办理结果: what the office decided or replied, as written."""
    if kept.get("outcome"):
        return kept["outcome"]
    if petition.replied_on:
        return petition.reply_text
    return petition.decline_reason or petition.transferred_to or petition.objection_reason


def _export_row(
    number: int, case: Case, related: _Related, ambiguous: set[str], labels: Mapping
) -> list:
    petition = case.petition
    people = related.people.get(case.pk, ())
    names = [person[0] for person in people]
    ids = [person[1] for person in people]
    phones = [person[2] for person in people]
    kept = related.kept.get(case.pk, {})
    rating = petition.latest_rating  # kept by the database (huiyin/petitions/latest.py)
    key_case = getattr(case, "key_case", None)
    complained = (
        petition.complained_unit.name if petition.complained_unit_id else petition.complained_text
    )
    return [
        number,
        case.number,
        case.received_on,
        choice_label(CHANNELS, petition.channel),
        choice_label(LEVELS, petition.level),
        "是" if petition.is_collective else "否",
        petition.headcount,
        PEOPLE_SEPARATOR.join(names),
        _joined(ids),
        _joined(phones),
        case.community.name if case.community_id else "",
        category_label(case.category, ambiguous),
        matter_text(case),
        complained,
        case.owner_unit.name if case.owner_unit_id else kept.get("owner_unit", ""),
        key_case.leader.name if key_case is not None else kept.get("key_leader", ""),
        labels.get(ledger_status(case), case.status),
        petition.accept_decision_on,
        petition.notice_told_on,
        _label(TELL_MANNERS, petition.notice_manner),
        petition.replied_on,
        petition.reply_delivered_on,
        # How the written answer was delivered, or how the reply was given while it was not
        # (by phone; posted and not yet received).
        _label(DELIVERIES, petition.reply_delivered_manner or petition.reply_delivery),
        petition.concluded_on,
        outcome_text(petition, kept),
        "是" if petition.is_repeat else "否",
        choice_label(SATISFACTION, rating) if rating is not None else "",
        _label(ANSWER_BODIES, petition.review_body),
        _label(ANSWER_BODIES, petition.reexam_body),
    ]


def _label(mapping: Mapping, value: str) -> str:
    return choice_label(mapping, value) if value else ""


def _joined(values: list[str]) -> str:
    """Values of several petitioners, one to a line; empty when nobody has one (no lone
    separators)."""
    return PEOPLE_SEPARATOR.join(values) if any(values) else ""


def export_rows(cases: QuerySet[Case], *, with_identity: bool) -> Iterator[list]:
    """The ledger's rows of `cases`, in order, one list of cells per petition (streamed)."""
    ambiguous = _ambiguous_category_names()
    labels = status_labels()
    chunks = _export_chunks(cases, with_identity)
    for number, (case, related) in enumerate(chunks, start=1):
        yield _export_row(number, case, related, ambiguous, labels)
