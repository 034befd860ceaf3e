"""The Excel ledgers (台账): one engine reads, imports and exports every kind's ledger.

Map
===

The engine (a kind never changes these):

* ``read.py`` — tolerant reading of real office sheets (.xlsx or .csv): the header found
  among title rows, two-level headers, header aliases, merged cells filled, totals and
  footers skipped; with ``read_xlsx.py`` and ``read_csv.py`` (the sources), ``limits.py``
  (what a file may be, the errors) and ``cells.py`` (dates in every office format, numbers,
  choices, text; the column parsers).
* ``load.py`` — the import: one transaction, all rows or none, the row-by-row error report
  in the user's language (personal data masked), duplicates skipped, progress, caps, the
  audit entry; ``bulk.py`` — fast inserts for a kind whose ledgers run to 100,000 rows.
* ``export.py`` — the streaming sheet writer and the audited export.
* ``kinds.py`` — :class:`~huiyin.reports.ledgers.kinds.Column`,
  :class:`~huiyin.reports.ledgers.kinds.LedgerKind` and the registry (``get("petitions")``).

The kinds:

* ``petitions.py`` — the petition ledger's columns, aliases, choices and row rules (start
  here); ``petitions_check.py`` (a row's checks), ``petitions_import.py`` (duplicates,
  repeats), ``petitions_write.py`` (the bulk writer), ``petitions_export.py`` (the rows out).
* ``disputes.py`` — the dispute ledgers' columns (矛盾纠纷排查台账 ``disputes``, 人民调解台账
  ``mediations``), choices and row rules (start here); ``disputes_names.py`` (places, types,
  parties, committees and mediators by name), ``disputes_check.py`` (a row's rules, then the
  registration's), ``disputes_write.py`` (registered through the dispute services, the
  history on the ledger's dates), ``disputes_import.py`` (duplicates), ``disputes_export.py``.
* ``incidents.py`` — the incident ledger (突发事件台账 ``incidents``: times as date-times,
  casualties as counts); ``incidents_check.py`` (a row's rules, the registration's, duplicates),
  ``incidents_write.py`` (registered through the incidents' registration, the first report
  upward from 首报时间), ``incidents_export.py``.
* ``patrols.py`` — 巡查台账 (``patrols``) and 隐患整改台账 (``rectifications``), exported only.

How a kind plugs in
===================

A kind adds ``ledgers/<kind>.py`` (split further when it grows) that subclasses
:class:`~huiyin.reports.ledgers.kinds.LedgerKind` and registers one instance when imported
(the registry imports every module of this package before it answers)::

    from huiyin.reports.ledgers import kinds
    from huiyin.reports.ledgers.cells import choice_cell, date_cell, text_cell

    class DisputeLedger(kinds.LedgerKind):
        key = "disputes"
        label = _("Dispute ledger")
        msg_imported = _("%(count)s disputes imported from %(rows)s rows.")
        msg_refused = _("%(name)s may not import disputes.")
        columns = (
            kinds.Column("序号", serial=True, width=6, format="int"),
            kinds.Column("登记日期", ("日期",), required=True, parse=date_cell,
                         get=lambda case: case.received_on, format="date"),
            kinds.Column("申请人", parse=text_cell, personal="name", ...),
            ...
        )

        def may_import(self, user) -> bool: ...
        def prepare(self, session): session.communities = ...        # read once
        def build(self, session, number, cells): ...                   # rules across cells
        def duplicate_key(self, row): ...                              # same matter twice
        def existing(self, session, rows): ...                         # already in Huiyin
        def save(self, session, row): services.register_dispute(...)   # the kind's services
        def export_records(self, user, params): ...                    # through visible_to

    DISPUTES = kinds.register(DisputeLedger())

Then ``huiyin import-ledger FILE --kind disputes`` and the import job work: the engine reads
the sheet with the columns' headers, aliases and required flags, parses each cell with its
``parse`` (an error names the row, the column letter and the reason), calls ``build`` for
the row's rules (``session.error(...)``, ``session.warn(...)``), drops duplicates, and hands
every valid row to ``save`` inside its one transaction (rolled back at the first error:
nothing is half-written); the export writes each column's ``get`` in chunks. Nothing in the
engine changes for a new kind.
"""

from huiyin.reports.ledgers.kinds import Column, LedgerKind, get, keys, register, registered

__all__ = ["Column", "LedgerKind", "get", "keys", "register", "registered"]
