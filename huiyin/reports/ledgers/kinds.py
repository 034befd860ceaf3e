"""What a kind of case tells the ledger engine: its columns, its row rules, its records.

A kind's ledger module declares one :class:`LedgerKind` subclass and registers an instance
(:func:`register`); the engine finds it by key (:func:`get`) for ``huiyin import-ledger
--kind``, the import job and the export. See the package docstring for the whole map.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from django.db.models import QuerySet
from django.utils.functional import Promise

from huiyin.reports.ledgers.cells import Parser
from huiyin.reports.ledgers.export import KINDS as FORMATS

if TYPE_CHECKING:
    from huiyin.reports.ledgers.load import ImportSession

__all__ = ["FORMATS", "PERSONAL", "Column", "LedgerKind", "get", "keys", "register", "registered"]

#: Personal data a column may hold: the error report masks it as petitioners are masked.
PERSONAL = ("name", "id_number", "phone")


@dataclass(frozen=True)
class Column:
    """One column of a kind's ledger, in the order an export writes it.

    `header` is the canonical name (what an export writes, what the kind's rules read),
    `aliases` the other spellings an office's sheet may use (compared without spaces,
    full-width forms, ``*`` marks or bracketed notes). A `required` column must be in the
    sheet (else the file is refused) and, with the engine's row check, filled in every row.
    `office` False: a column only Huiyin's own export adds (the case number); an import still
    reads it. `parse(value, column=, required=)` reads a cell (``cells.py`` has one per type)
    for the engine's row check; `get(record)` gives the cell of one exported record for the
    engine's export. `width` (Excel character units) and `format` (one of FORMATS: "text"
    stays text, so ID and phone numbers never turn into 1.1E+17; "wrap", "date",
    "datetime", "int", "number") lay the column out; `personal` says what personal data it holds ("name", "id_number", "phone"),
    masked in the error report. `serial` marks the running number (序号) an export counts.
    """

    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    office: bool = True
    parse: Parser | None = None
    get: Callable[[Any], Any] | None = None
    width: float = 10
    format: str = "text"
    personal: str | None = None
    serial: bool = False

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"column {self.header}: format {self.format!r} not in {FORMATS}")
        if self.personal not in (None, *PERSONAL):
            raise ValueError(f"column {self.header}: personal {self.personal!r} not in {PERSONAL}")


class LedgerKind:
    """A kind's ledger. Subclass it in ``ledgers/<kind>.py``, fill in the class attributes and
    the hooks, and register one instance: the engine does the rest — reading the sheet, the
    row-by-row error report, all-or-nothing writing in one transaction, duplicates, progress,
    the audit entry and the streaming export.

    Import, per row (the engine's :class:`~huiyin.reports.ledgers.load.ImportSession`):
    every column's `parse`, then :meth:`build` (the kind's rules across columns); rows with
    the same :meth:`duplicate_key` in one file are an error, those :meth:`existing` finds in
    Huiyin are skipped; every valid row goes to :meth:`save` in the import's one transaction,
    and :meth:`finish` runs once all are saved. A kind with special needs (the petitions'
    bulk insert of 100,000 rows) returns its own session from :meth:`start`.

    Export: :meth:`export_records` (the records a person may see, through ``visible_to``),
    written in chunks by :meth:`export_rows` (default: each column's `get`), under the titles
    of :meth:`titles`.
    """

    #: "petitions", "disputes": the key of ``huiyin import-ledger --kind``.
    key: ClassVar[str]
    #: The ledger's name: the audit entry's label, the command's help.
    label: ClassVar[Promise]
    #: Every column, in export order.
    columns: ClassVar[tuple[Column, ...]]
    #: "%(count)s … imported from %(rows)s rows." / "%(name)s may not import …."
    msg_imported: ClassVar[Promise]
    msg_refused: ClassVar[Promise]
    #: Valid rows saved per batch (and per look-up of existing duplicates).
    batch: int = 1000

    # -- the columns, as the engine reads and writes them --------------------------------------

    @property
    def headers(self) -> tuple[str, ...]:
        """Every column's header, in export order: what an import reads."""
        return tuple(column.header for column in self.columns)

    @property
    def office_headers(self) -> tuple[str, ...]:
        """The columns of the office's own ledger (without those only an export adds)."""
        return tuple(column.header for column in self.columns if column.office)

    @property
    def aliases(self) -> Mapping[str, tuple[str, ...]]:
        return {column.header: column.aliases for column in self.columns if column.aliases}

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(column.header for column in self.columns if column.required)

    @property
    def personal(self) -> Mapping[str, str]:
        """Header → "name" / "id_number" / "phone", for the columns holding personal data."""
        return {column.header: column.personal for column in self.columns if column.personal}

    @property
    def layout(self) -> tuple[tuple[str, float, str], ...]:
        """(header, width, format) of each exported column, for export.write_ledger."""
        return tuple((column.header, column.width, column.format) for column in self.columns)

    # -- who --------------------------------------------------------------------------------

    def may_import(self, user) -> bool:
        raise NotImplementedError

    def may_export_identity(self, user) -> bool:
        """Whether `user` may export full names, ID and phone numbers (audited either way)."""
        from huiyin.org.access import reach_of
        from huiyin.org.roles import Perm

        return reach_of(user).can(Perm.IDENTITY_VIEW)

    # -- import -----------------------------------------------------------------------------

    def start(self, **options) -> ImportSession:
        """A new import's session (``actor``, ``collector``, ``filename``, ``dry_run``)."""
        from huiyin.reports.ledgers.load import ImportSession

        return ImportSession(self, **options)

    def prepare(self, session: ImportSession) -> None:
        """Read once, before the first row, what rows are checked against (communities,
        types, staff, the importer's scope) and keep it on the session."""

    def build(self, session: ImportSession, number: int, cells: Mapping[str, Any]) -> Any:
        """The kind's rules across columns: a row object (with ``number``) ready to save, or
        None. `cells` are the parsed values by header (None where a parser refused the cell:
        that error is already reported). Report problems with ``session.error(number, column,
        value, reason)`` and ``session.warn(...)``; a row with an error is never saved."""
        raise NotImplementedError

    def duplicate_key(self, row) -> Hashable | None:
        """Rows of one file with the same key are the same matter: the later one is an error.
        None: never a duplicate."""
        return None

    def duplicate_cell(self, row) -> tuple[str, Any]:
        """(column, value) the report shows for a duplicate row."""
        return "", ""

    def existing(self, session: ImportSession, rows: list) -> Mapping[Hashable, str]:
        """Keys of these rows already in Huiyin → their case number ("" when the importer may
        not open it): skipped, not imported twice."""
        return {}

    def save(self, session: ImportSession, row) -> None:
        """Write one valid row through the kind's service functions, inside the import's one
        transaction (an exception rolls back the whole import)."""
        raise NotImplementedError

    def finish(self, session: ImportSession) -> Iterable[tuple[int, str, Any, Any]]:
        """After every row is saved, in the same transaction: link rows to each other.
        Returns warnings ``(row, column, value, reason)`` reported after the commit."""
        return ()

    # -- export -----------------------------------------------------------------------------

    def export_records(self, user, params: Mapping | None) -> tuple[QuerySet, dict]:
        """(records in ledger order, the filters applied) for `user` — through
        ``Case.objects.visible_to`` — and the list filters in `params`."""
        raise NotImplementedError

    def export_rows(self, records: QuerySet, *, with_identity: bool) -> Iterator[list]:
        """One list of cell values per record, in column order, streamed (no list of all)."""
        for number, record in enumerate(records.iterator(chunk_size=2000), start=1):
            yield [number if c.serial else c.get(record) for c in self.columns]

    def titles(self, user, filters: Mapping) -> tuple[str, str]:
        """(title, unit-and-period line) of the exported sheet."""
        return str(self.label), ""


_REGISTRY: dict[str, LedgerKind] = {}
_discovered = False


def register(kind: LedgerKind) -> LedgerKind:
    """Register a kind's ledger under its key (replacing one registered before)."""
    _REGISTRY[kind.key] = kind
    return kind


def get(key: str) -> LedgerKind:
    """The kind registered under `key`; KeyError when none is."""
    _discover()
    return _REGISTRY[key]


def registered() -> list[LedgerKind]:
    """Every registered kind's ledger."""
    _discover()
    return list(_REGISTRY.values())


def keys() -> list[str]:
    """The keys a ledger can be imported as, for ``--kind``."""
    return [kind.key for kind in registered()]


def _discover() -> None:
    """Import every module of this package once: a kind's module registers itself when
    imported, so adding a kind is adding its file."""
    global _discovered
    if _discovered:
        return
    package = importlib.import_module(__name__.rpartition(".")[0])
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")
    _discovered = True
