"""A petition ledger's import on the shared engine (``load.py``).

:class:`PetitionImport` is the session the engine drives for ``--kind petitions``: each row
is checked by ``petitions_check.py``; a row repeating an earlier row of the file is an error,
one already in Huiyin is skipped (same date received, same 信访事项, same first petitioner by
ID number, else by name); the valid rows go in bulk to ``petitions_write.py`` (a writer thread
inserting one batch while the next is read); at the end each 重复信访 row is linked to the
same person's earlier petition, in the file or in Huiyin.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case
from huiyin.org.access import reach_of
from huiyin.org.roles import Perm
from huiyin.petitions import latest
from huiyin.petitions.models import Petitioner
from huiyin.reports.ledgers import petitions_write
from huiyin.reports.ledgers.load import (
    MSG_DUPLICATE_HIDDEN,
    MSG_DUPLICATE_IN_HUIYIN,
    ImportSession,
)
from huiyin.reports.ledgers.petitions_check import (
    Lookups,
    Row,
    RowChecker,
    duplicate_key,
    id_key,
)
from huiyin.reports.ledgers.petitions_write import _start_of_day

__all__ = ["MSG_NO_EARLIER", "PetitionImport", "existing_duplicates"]

MSG_DUPLICATE_IN_FILE = _("The same petition as row {row} (date, petitioner and matter).")
MSG_NO_EARLIER = _(
    "No earlier petition of the same person (by ID number) was found; counted as a repeat "
    "petition, as the ledger marks it, without a link to the earlier one."
)


class PetitionImport(ImportSession):
    """One petition ledger's import: the engine's calls, done the petitions' way."""

    def __init__(self, kind, **options):
        super().__init__(kind, **options)
        self.lookups = Lookups(self.actor)
        self.checker = RowChecker(self.lookups, self.collector)
        self.writer: petitions_write._Writer | None = None  # None on a dry run
        self.in_file: dict[bytes, int] = {}  # duplicate key → first row
        self.by_person: dict[bytes, list[tuple[date, int]]] = defaultdict(list)
        self.repeat_rows: list[tuple[int, date, bytes]] = []
        # Repeat rows: their earlier petition in this file (by row number), or None (look in
        # Huiyin).
        self.repeat_of_row: dict[int, int | None] = {}

    @property
    def batch(self) -> int:
        # Read when the import starts, so a test may make batches small.
        return petitions_write.BATCH

    def open(self) -> None:
        writer = self.writer = petitions_write._Writer(
            self.actor, self.filename, self.lookups.today
        )
        if writer.connection.vendor == "postgresql":
            # The foreign keys of each batch checked as it is inserted, in the writer thread
            # beside the reading of the next, not all at commit: the same checks, earlier
            # (until the transaction ends).
            with writer.connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # The rows bring each petition's latest handling outcome and rating; the database
            # checks them once at the end, not per statement (petitions/latest.py).
            latest.defer(writer.connection)

    def check(self, number: int, values: Mapping[str, Any]) -> Row | None:
        return self.checker.check(number, values)

    def accept(self, rows: list[Row]) -> list[Row]:
        if self.writer is not None:
            self.writer.wait()  # the connection is the writer thread's until then
        existing = existing_duplicates(rows, self.actor)
        kept = []
        for row in rows:
            key = duplicate_key(row.received_on, row.title, row.person_key)
            # The file first: the rows of this import inserted so far are in Huiyin too.
            if key in self.in_file:
                self.error(
                    row.number,
                    "信访事项",
                    row.text,
                    format_lazy(MSG_DUPLICATE_IN_FILE, row=self.in_file[key]),
                )
                continue
            if key in existing:
                self.collector.duplicate(
                    row.number,
                    row.text,
                    format_lazy(MSG_DUPLICATE_IN_HUIYIN, number=existing[key])
                    if existing[key]
                    else MSG_DUPLICATE_HIDDEN,
                )
                continue
            self.in_file[key] = row.number
            kept.append(row)
            id_number = row.people[0][1]
            if id_number:
                person = id_key(id_number)
                self.by_person[person].append((row.received_on, row.number))
                if row.repeat:
                    self.repeat_rows.append((row.number, row.received_on, person))
            elif row.repeat:
                self.repeat_of_row[row.number] = None
        return kept

    def write(self, rows: list[Row]) -> None:
        self.writer.write(rows)
        self.imported = self.writer.imported

    def drain(self) -> None:
        self.writer.drain()

    def stop(self) -> None:
        if self.writer is not None:
            self.writer.stop()

    def finish(self) -> list[tuple[int, str, Any, Any]]:
        # The earlier petition of each repeat: the latest row of the same ID before it.
        for number, day, person in self.repeat_rows:
            earlier = [(d, n) for d, n in self.by_person[person] if (d, n) < (day, number)]
            self.repeat_of_row[number] = max(earlier)[1] if earlier else None
        unlinked = self.writer.finish(self.repeat_of_row)
        self.imported = self.writer.imported
        return [(number, "是否重复信访", "是", MSG_NO_EARLIER) for number in unlinked]


def existing_duplicates(rows: list[Row], actor=None) -> dict[bytes, str]:
    """Keys of petitions already in Huiyin matching these rows: {duplicate key: case number},
    the number "" for a petition the importer may not open (it is skipped all the same)."""
    if not rows:
        return {}
    first = min(r.received_on for r in rows)
    last = max(r.received_on for r in rows)
    titles = {r.title for r in rows}
    in_period = Case.objects.filter(
        kind=Kind.PETITION,
        withdrawn=False,
        received_at__gte=_start_of_day(first),
        received_at__lt=_start_of_day(last + timedelta(days=1)),
    )
    # Most batches of an old ledger fall on days Huiyin has no petitions for: one index probe
    # then, rather than matching a thousand titles.
    if not in_period.exists():
        return {}
    cases = list(
        in_period.filter(title__in=titles).values_list("pk", "number", "title", "received_at")
    )
    if not cases:
        return {}
    firsts: dict[int, Petitioner] = {}
    for person in Petitioner.objects.filter(petition_id__in=[c[0] for c in cases]).order_by(
        "-order", "-id"
    ):
        firsts[person.petition_id] = person  # the last assignment is the first petitioner
    shown = {c[0] for c in cases}
    if actor is not None and not reach_of(actor).can(Perm.ADMIN_MANAGE):
        shown = set(
            Case.objects.visible_to(actor).filter(pk__in=shown).values_list("pk", flat=True)
        )
    found = {}
    for pk, number, title, received_at in cases:
        number = number if pk in shown else ""
        person = firsts.get(pk)
        if person is None:
            continue
        key = f"id:{person.id_number}" if person.id_number else f"name:{person.name}"
        day = timezone.localtime(received_at, CHINA_TZ).date()
        found[duplicate_key(day, title, key)] = number
    return found
