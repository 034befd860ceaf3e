"""Rendering a case's document: the registry of documents, the stage check and the file.

Each kind of case lists its documents in a module of its own (``petitions.py``…) as
:class:`DocumentSpec` rows handed to :func:`register`; this module knows none of them. A spec
says which stage the document fits (``check``: None, or why not), whether it names the
petitioner in full (then only a person with the identity view may have it, and the export is
audited), and how it is built (python-docx, in the GB/T 9704 layout of
:mod:`huiyin.reports.documents.layout`).

    spec = by_name("受理告知书")
    data = render(spec, case)            # bytes of the .docx; DocumentRefused when it does not fit

A document that is one of several records (the 调解笔录 of one session) names what it takes in
``options`` ("session"); the caller passes ``options={"session": "2"}`` and the build reads
``ctx.options``; an option the document does not take is refused. A build that finds the chosen
record missing raises :func:`refused` (the same sentence as a stage refusal).

Every file's core properties name the office as author and carry the real time of writing, and
its title is the document's name and the case number.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from huiyin.privacy import audit
from huiyin.reports.documents.layout import office_name

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

MSG_STAGE = _("“%(document)s” cannot be issued for %(number)s (%(status)s): %(reason)s.")
MSG_WITHDRAWN = _("the matter was withdrawn")
MSG_WRONG_KIND = _("it is a document of another kind of case")
MSG_NO_OPTION = _("“%(document)s” takes no option “%(option)s”.")

#: Every document written (on the page or the command line) is one audit entry.
EXPORT_ACTION = "document.export"
audit.register_action(EXPORT_ACTION, _("Exported a document"))


class DocumentRefused(Exception):
    """The document does not fit the case; `message` says why, for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Context:
    """What a document is built from."""

    case: Any
    detail: Any  # the kind's own row (a Petition, a Dispute)
    street: Any
    office: str  # the issuing organ: 浓洄街道办事处
    now: datetime  # aware
    doc_number: str = ""  # 发文字号, when the caller has one; otherwise a gap to fill
    options: Mapping[str, str] = field(default_factory=dict)  # those the spec declares

    @property
    def today(self) -> date:
        return timezone.localtime(self.now).date()


@dataclass(frozen=True)
class DocumentSpec:
    name: str  # the document's Chinese name: its title and its name on the command line
    slug: str  # in addresses
    label: Promise | str  # on screen
    kind: str  # the kind of case
    load: Callable[[Any], Any]  # case -> the kind's row
    check: Callable[[Any, Any], Promise | str | None]  # (case, detail) -> None, or why not
    build: Callable[[Context], Any]  # -> a python-docx Document
    names_person: bool = False  # names the petitioner in full: identity view only, audited
    letter: bool = False  # a letter to another organ (发文字号, 版记)
    withdrawn_ok: bool = False  # may be had for a withdrawn case (a record, not a notice)
    fields: tuple[str, ...] = field(default=())  # the identity fields it shows (for the audit)
    options: tuple[str, ...] = field(default=())  # what the caller may choose ("session")


_REGISTRY: dict[str, DocumentSpec] = {}


def register(*specs: DocumentSpec) -> None:
    for spec in specs:
        if spec.name in _REGISTRY and _REGISTRY[spec.name] is not spec:
            raise ValueError(f"two documents named {spec.name}")
        _REGISTRY[spec.name] = spec


#: Subjects of documents that are not cases (an inspection of a key place): kind -> a function
#: finding the subject by its number, for `huiyin document --case` (None when it has none).
_SUBJECTS: dict[str, Callable[[str], Any]] = {}


def register_subject(kind: str, find: Callable[[str], Any]) -> None:
    _SUBJECTS[kind] = find


def find_subject(number: str):
    """The subject numbered `number` of a document kind that is not a case, or None."""
    for find in _SUBJECTS.values():
        found = find(number)
        if found is not None:
            return found
    return None


def all_documents(kind: str | None = None) -> list[DocumentSpec]:
    return [s for s in _REGISTRY.values() if kind is None or s.kind == kind]


def by_name(name: str) -> DocumentSpec | None:
    return _REGISTRY.get((name or "").strip())


def by_slug(slug: str, kind: str | None = None) -> DocumentSpec | None:
    """The document with this slug (of `kind`, when given: two kinds may use one slug)."""
    return next(
        (s for s in _REGISTRY.values() if s.slug == slug and (kind is None or s.kind == kind)),
        None,
    )


def _sentence(spec: DocumentSpec, case, reason) -> str:
    return gettext(MSG_STAGE) % {
        "document": spec.name,
        "number": case.number,
        "status": case.status_label,
        "reason": str(reason),
    }


def refused(spec: DocumentSpec, case, reason) -> DocumentRefused:
    """The refusal to raise when a build finds the record it was asked for missing."""
    return DocumentRefused(_sentence(spec, case, reason))


def refusal(spec: DocumentSpec, case, detail=None) -> str | None:
    """Why `spec` does not fit `case` now (a sentence for the user), or None when it does."""
    if case.kind != spec.kind:
        reason = MSG_WRONG_KIND
    elif case.withdrawn and not spec.withdrawn_ok:
        reason = MSG_WITHDRAWN
    else:
        reason = spec.check(case, spec.load(case) if detail is None else detail)
    if reason is None:
        return None
    return _sentence(spec, case, reason)


def available(case, detail=None) -> list[DocumentSpec]:
    """The documents that fit `case` now, in their order."""
    specs = all_documents(case.kind)
    if not specs:
        return []
    detail = specs[0].load(case) if detail is None else detail
    return [s for s in specs if refusal(s, case, detail) is None]


def filename(spec: DocumentSpec, case) -> str:
    return f"{spec.name}-{case.number}.docx"


def render(
    spec: DocumentSpec,
    case,
    *,
    now: datetime | None = None,
    doc_number: str = "",
    options: Mapping[str, Any] | None = None,
) -> bytes:
    """The .docx of `spec` for `case`; DocumentRefused when it does not fit the case's stage,
    when `options` names one the document does not take, or when the record it chooses is
    missing. Empty option values are dropped (the document's default).

    Access (the case's door, the identity view) and the audit entry are the caller's: the
    view and the command check and record them.
    """
    chosen = {key: str(value) for key, value in (options or {}).items() if value not in (None, "")}
    for key in chosen:
        if key not in spec.options:
            raise DocumentRefused(
                gettext(MSG_NO_OPTION) % {"document": spec.name, "option": str(key)[:40]}
            )
    if case.kind != spec.kind:  # before loading: the kind's own row does not exist
        raise refused(spec, case, MSG_WRONG_KIND)
    detail = spec.load(case)
    why = refusal(spec, case, detail)
    if why is not None:
        raise DocumentRefused(why)
    now = now or timezone.now()
    street = case.street
    context = Context(
        case=case,
        detail=detail,
        street=street,
        office=office_name(street),
        now=now,
        doc_number=(doc_number or "").strip(),
        options=chosen,
    )
    doc = spec.build(context)
    _properties(doc, spec, case, context)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _properties(doc, spec: DocumentSpec, case, context: Context) -> None:
    """The office as author, the real time of writing, the name and number as title (never
    python-docx's own "python-docx" of 2013)."""
    written = context.now.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    props = doc.core_properties
    props.author = context.office
    props.last_modified_by = context.office
    props.title = f"{spec.name} {case.number}"
    props.subject = case.title[:200]
    props.comments = ""
    props.keywords = spec.name
    props.category = spec.name
    props.language = "zh-CN"
    props.created = written
    props.modified = written
    props.revision = 1
