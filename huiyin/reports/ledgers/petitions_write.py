"""Writing the rows of a petition ledger in bulk: cases, petitions, people, clocks, events.

A 100,000-row ledger is written in minutes (bench/import_bench.py): each batch of checked
rows is numbered, encrypted and given its statutory clocks here (Python) while the batch
before is inserted by a writer thread (the database's work), one statement per table and
batch (``bulk.py``), all in the import's one transaction. What is written is what the
petitions' services would write for the same facts: see the petitions module for what an
imported petition keeps.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connections, router
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from huiyin.cases import deadlines
from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case, CaseCounter, CaseEvent, CaseSearch, Clock
from huiyin.cases.numbering import format_number
from huiyin.cases.search import grams_of
from huiyin.petitions import latest
from huiyin.petitions.models import (
    RECEIPT_ALPHABET,
    RECEIPT_LENGTH,
    Channel,
    FollowUp,
    KeyCase,
    Petition,
    Petitioner,
    Status,
)
from huiyin.privacy import masking
from huiyin.reports.ledgers.bulk import Background as _Background
from huiyin.reports.ledgers.bulk import Table as _Table
from huiyin.reports.ledgers.bulk import insert as _insert
from huiyin.reports.ledgers.bulk import new_ids as _new_ids
from huiyin.reports.ledgers.petitions_check import Row, title_of

#: Ledger rows per insert batch (and per duplicate lookup).
BATCH = 1000
TRANSFERRED_TO_LENGTH = Petition._meta.get_field("transferred_to").max_length
#: The clock stopped when the petitioner is told of the decision (条例 art. 23).
NOTICE_CLOCK = "acceptance_notice"

MSG_IMPORTED_NOTE = _("Imported from the ledger {file}, row {row}.")


def _start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=CHINA_TZ)


def told_on(row: Row) -> date | None:
    """The day the petitioner was told of the decision (条例 art. 23): the ledger's 告知日期;
    on a sheet without that column, the decision day (the import counts the notice given with
    the decision, as it did before the column), unless that day is unknown."""
    if row.told_on is not None or row.told_column or row.returned:
        return row.told_on
    if row.declined and row.accepted_on is None:
        return None
    return row.accepted_on or (
        row.concluded_on if row.status == "concluded" and not row.declined else None
    )


class _Clocks:
    """Due dates computed once per (limit, start day): a ledger has few distinct days."""

    def __init__(self, today: date, now: datetime):
        from huiyin.cases.clocks import PETITIONER_WINDOWS

        self.today = today
        self.now = now
        self.windows = PETITIONER_WINDOWS
        self.limits = {code: deadlines.limit(code) for code in deadlines.LIMITS}
        # One calendar for the whole import, read now: the rows are prepared while the writer
        # thread uses the connection, so preparing them must not query the database.
        self.calendar = deadlines.current_calendar()
        self._cache: dict[tuple[str, date], deadlines.Due] = {}

    def due(self, code: str, start: date) -> deadlines.Due:
        key = (code, start)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self.limits[code].due(start, calendar=self.calendar)
        return found

    def build(self, row: Row) -> list[dict]:
        """The clocks of an imported petition, stopped on the ledger's dates or running."""
        clocks: list[dict] = []

        def add(
            code: str,
            start: date,
            stop: date | None,
            *,
            lapse: bool = False,
            unknown=False,
            outcome: str = "",
        ) -> None:
            computed = self.due(code, start)
            lim = self.limits[code]
            clock = {
                "code": code,
                "party": Clock.Party.PETITIONER if code in self.windows else Clock.Party.OFFICE,
                "started_on": start,
                "due_on": computed.date,
                "days": lim.days,
                "working_days": lim.working_days,
                "unknown_years": list(computed.unknown_years),
            }
            if unknown:
                # Stopped on a day nobody wrote down: no stop date, no outcome (not "met").
                clock["stopped_at"], clock["stopped_on"], clock["outcome"] = self.now, None, ""
            elif stop is not None:
                clock["stopped_at"], clock["stopped_on"] = self.now, stop
                met = stop <= computed.date
                clock["outcome"] = outcome or (Clock.Outcome.MET if met else Clock.Outcome.LATE)
            elif lapse and computed.date < self.today:
                # The petitioner's window passed unused, as `huiyin tick` would have closed it.
                clock["stopped_at"], clock["stopped_on"] = self.now, computed.date
                clock["outcome"] = Clock.Outcome.LAPSED
            clocks.append(clock)

        status = row.status
        # A decline without its date: decided, on a day unknown — never the conclusion's date.
        # A decline without its date, or a return to the sender (the objection's day is not in
        # the ledger): decided on a day unknown — never the conclusion's date.
        unknown = (row.declined and row.accepted_on is None) or row.returned
        decided = row.accepted_on or (
            row.concluded_on
            if status == "concluded" and not row.declined and not row.returned
            else None
        )
        codes = ["register_transfer", NOTICE_CLOCK]
        if row.channel == Channel.ASSIGNED:
            codes.append("transfer_objection")
        for code in codes:
            if code != NOTICE_CLOCK:
                add(code, row.received_on, decided, unknown=unknown)
            # The notice (条例 art. 23) stops when the petitioner is told (told_on(): the
            # ledger's 告知日期, or the decision day on a sheet without the column). With the
            # column an empty cell is "not told": the written reply told them at the latest, a
            # matter concluded otherwise was told on a day not written down, as was a decline
            # of unknown date.
            elif row.returned:
                # The sender owes the petitioner the notice now (as object_return does).
                add(code, row.received_on, row.concluded_on, outcome=Clock.Outcome.CANCELLED)
            elif told_on(row) is not None:
                add(code, row.received_on, told_on(row))
            elif unknown or not row.told_column:
                add(code, row.received_on, decided, unknown=unknown)
            elif row.replied_on is not None:
                add(code, row.received_on, row.replied_on)
            else:
                add(code, row.received_on, None, unknown=status == "concluded")
        handled = status in ("accepted", "assigned", "handling", "replied") or (
            status == "concluded" and row.replied_on is not None
        )
        if handled and row.accepted_on is not None:
            add("handling", row.accepted_on, row.replied_on)
        # The review window runs from the delivery of the written answer (条例 art. 35); a sheet
        # without 送达日期 runs it from the reply, as before the column.
        if row.replied_on is not None:
            opened = row.delivered_on or (None if row.delivered_column else row.replied_on)
            if opened is not None:
                add("review_request", opened, None, lapse=True)
        return clocks


# -- writing -------------------------------------------------------------------------------


class _Writer:
    """Inserts validated rows in batches: cases, petitions, people, clocks, events...

    Two threads share the work, one at a time on the connection: while the next rows are read
    and checked and a batch is prepared here (numbered, encrypted, its clocks computed —
    Python), the batch before is inserted by a writer thread (the database's work: SQLite's
    and PostgreSQL's own, with Python's lock released). Whatever else needs the connection
    first waits for the writer (:meth:`wait`). Every insert is in the import's one
    transaction; an error in either thread stops the import and rolls it all back.
    """

    def __init__(self, actor, filename: str, today: date):
        self.actor = actor
        self.actor_id = getattr(actor, "pk", None)
        self.filename = filename
        self.now = timezone.now()
        self.clocks = _Clocks(today, self.now)
        # Which earlier petition a repeat row links to is known only when the whole sheet is
        # read (an earlier date may come further down): every row's case, and the repeats.
        self.row_to_case: dict[int, int] = {}
        self.repeats: dict[int, tuple[int, str, date]] = {}  # row → (case, ID number, day)
        self.imported = 0
        self.declined_note = gettext("Recorded in an imported ledger")
        self.note_template = str(MSG_IMPORTED_NOTE)  # translated once, not per row
        # Cases and petitions are pointed to by the rows below them: their ids are chosen here.
        self.tables = {
            model: _Table(model, self.now, auto_id=model not in (Case, CaseSearch, Petition))
            for model in self._ORDER
        }
        person = Petitioner._meta
        self.id_index = person.get_field("id_number").index_value
        self.phone_index = person.get_field("phone").index_value
        self.name_index = person.get_field("name").index_value
        self.connection = connections[router.db_for_write(Case)]
        if self.connection.vendor == "postgresql":
            with self.connection.cursor() as cursor:
                for table in self.tables.values():
                    table.binary(cursor)
        self.writing: _Background | None = None  # the insert running in the writer thread
        # The batch prepared last, not yet inserted: table rows, case ids and receipt codes
        # (the next batch's must differ from these too).
        self.pending: tuple[list, list[int], list[str]] | None = None

    def _numbers(self, rows: list[Row]) -> list[tuple[int, int, str]]:
        """(year, seq, number) for each row, allocated in blocks from the case counters."""
        wanted: dict[tuple[int, int], int] = defaultdict(int)
        for row in rows:
            wanted[(row.community.street_id, row.received_on.year)] += 1
        firsts: dict[tuple[int, int], int] = {}
        streets = {row.community.street_id: row.community.street for row in rows}
        for (street_id, year), count in sorted(wanted.items()):
            CaseCounter.objects.bulk_create(
                [CaseCounter(street_id=street_id, kind=Kind.PETITION, year=year, last=0)],
                ignore_conflicts=True,
            )
            counter = CaseCounter.objects.select_for_update().get(
                street_id=street_id, kind=Kind.PETITION, year=year
            )
            firsts[(street_id, year)] = counter.last + 1
            counter.last += count
            counter.save(update_fields=["last"])
        result = []
        for row in rows:
            key = (row.community.street_id, row.received_on.year)
            seq = firsts[key]
            firsts[key] += 1
            short = streets[row.community.street_id].short_name
            year = row.received_on.year
            result.append((year, seq, format_number(short, Kind.PETITION, year, seq)))
        return result

    def _note(self, row: Row) -> str:
        return self.note_template.format(file=self.filename, row=row.number)

    def write(self, rows: list[Row]) -> None:
        """Start inserting the batch before in the writer thread, prepare this one, and
        return with the insert still running: it goes on while the next rows are read and
        checked. The last batch is inserted by :meth:`drain`."""
        if not rows:
            return
        self.wait()
        # Numbers, ids and receipt codes first: these ask the database, which is free now.
        numbers = self._numbers(rows)
        pending_ids, pending_codes = (
            (self.pending[1], self.pending[2]) if self.pending else ([], [])
        )
        case_ids = _new_ids(Case, len(rows), above=max(pending_ids, default=0))
        codes = _receipt_codes(len(rows), taken=pending_codes)
        if self.pending:
            self.writing = _Background(_insert, self.connection, self.pending[0])
        for row, (year, seq, number), case_id, code in zip(
            rows, numbers, case_ids, codes, strict=True
        ):
            self._write_row(row, year, seq, number, case_id, code, self.clocks.build(row))
        # Parents before children, as the foreign keys want them.
        self.pending = (
            [(self.tables[model], self.tables[model].take()) for model in self._ORDER],
            case_ids,
            codes,
        )
        self.imported += len(rows)

    _ORDER = (Case, CaseSearch, Petition, Petitioner, Clock, CaseEvent, FollowUp, KeyCase)

    def _write_row(self, row, year, seq, number, case_id, code, row_clocks) -> None:
        t = self.tables
        self.row_to_case[row.number] = case_id
        if row.repeat:
            self.repeats[row.number] = (case_id, row.people[0][1], row.received_on)
        office_due = [
            c["due_on"] for c in row_clocks if "stopped_at" not in c and c["party"] == "office"
        ]
        title = title_of(row.text)
        description = row.text if title != row.text else ""
        closed_at = _start_of_day(row.concluded_on) if row.status == Status.CONCLUDED else None
        transferred_to = ""
        if row.status == Status.TRANSFERRED:
            transferred_to = (row.outcome or self.declined_note)[:TRANSFERRED_TO_LENGTH]
        # 办理结果 lands in the field of the step it answers; what fits none is kept on the
        # "imported" event (and exported again).
        outcome_placed = bool(row.outcome) and (
            row.declined
            or row.returned
            or row.replied_on is not None
            or (row.status == Status.TRANSFERRED and transferred_to == row.outcome)
        )
        t[Case].add(
            {
                "id": case_id,
                "street_id": row.community.street_id,
                "kind": Kind.PETITION,
                "number": number,
                "year": year,
                "seq": seq,
                "title": title,
                "description": description,
                "community_id": row.community.pk,
                "category_id": row.category.pk if row.category else None,
                "status": row.status,
                "owner_unit_id": row.owner_unit.pk if row.owner_unit else None,
                "received_at": _start_of_day(row.received_on),
                "due_on": min(office_due) if office_due else None,
                "closed_at": closed_at,
                "created_by_id": self.actor_id,
            }
        )
        t[CaseSearch].add({"case_id": case_id, "grams": grams_of(number, title, description)})
        t[Petition].add(
            {
                "case_id": case_id,
                "receipt_code": code,
                "channel": row.channel,
                "level": row.level,
                "is_collective": row.collective,
                "headcount": row.headcount,
                "complained_unit_id": row.complained_unit.pk if row.complained_unit else None,
                "complained_text": row.complained_text,
                # None when a 不予受理 row has no 受理日期: unknown, not guessed.
                "accept_decision_on": row.accepted_on,
                # The statistics tell declines and transfers by these, also once concluded.
                "decline_reason": (row.outcome or self.declined_note) if row.declined else "",
                "transferred_to": transferred_to,
                "replied_on": row.replied_on,
                "reply_text": row.outcome if row.replied_on else "",
                "notice_told_on": told_on(row),
                "notice_manner": row.told_manner,
                "reply_delivery": row.delivery,
                "reply_delivered_on": row.delivered_on,
                "reply_delivered_manner": row.delivery if row.delivered_on else "",
                "review_body": row.review_body,
                "reexam_body": row.reexam_body,
                # Returned to the sender: the day it agreed; its reasons are the 办理结果.
                "sender_agreed_on": row.concluded_on if row.returned else None,
                "objection_reason": row.outcome if row.returned else "",
                "concluded_on": row.concluded_on,
                "is_repeat": row.repeat,
                # The latest handling outcome and rating, as the database's triggers would
                # write them; finish() has the database check them (petitions/latest.py).
                "latest_handling": next(
                    (
                        c["outcome"]
                        for c in reversed(row_clocks)
                        if c["code"] == "handling" and c.get("stopped_at") is not None
                    ),
                    None,
                ),
                "latest_rating": row.satisfaction or None,
            }
        )
        for order, (name, id_number, phone) in enumerate(row.people):
            t[Petitioner].add(
                {
                    "petition_id": case_id,
                    "name": name,
                    "name_hash": self.name_index(name),
                    "name_masked": masking.mask_name(name),
                    "id_number": id_number,
                    "id_number_hash": self.id_index(id_number),
                    "id_number_masked": masking.mask_resident_id(id_number),
                    "phone": phone,
                    "phone_hash": self.phone_index(phone),
                    "phone_masked": masking.mask_phone(phone),
                    "track_hash": _track_hash(code, phone),
                    "is_representative": row.collective,
                    "order": order,
                }
            )
        for clock in row_clocks:
            clock["case_id"] = case_id
            t[Clock].add(clock)
        kept = {}
        keyed = row.leader is not None and row.owner_unit is not None
        if row.owner_unit_text:
            kept["owner_unit"] = row.owner_unit_text
        if row.leader_text or (row.leader is not None and not keyed):
            kept["key_leader"] = row.leader_text or row.leader.name
        if row.outcome and not outcome_placed:
            kept["outcome"] = row.outcome
        data: dict[str, Any] = {"source": self.filename, "row": row.number}
        if row.ledger_number:
            data["ledger_number"] = row.ledger_number
        if kept:
            data["kept"] = kept
        note = self._note(row)
        t[CaseEvent].add(
            {
                "case_id": case_id,
                "at": self.now,
                "actor_id": self.actor_id,
                "kind": "imported",
                "to_status": row.status,
                "note": note,
                "data": data,
            }
        )
        if row.satisfaction:
            t[FollowUp].add(
                {
                    "petition_id": case_id,
                    "on": row.replied_on,
                    "satisfaction": row.satisfaction,
                    "note": note,
                    "source": FollowUp.Source.STAFF,
                    "created_at": self.now,
                }
            )
        if keyed:
            handling = next((c for c in row_clocks if c["code"] == "handling"), None)
            t[KeyCase].add(
                {
                    "case_id": case_id,
                    "leader_id": row.leader.pk,
                    "plan": note,
                    "time_limit": handling["due_on"]
                    if handling is not None
                    else row.received_on + timedelta(days=60),
                    "responsible_unit_id": row.owner_unit.pk,
                    "created_by_id": self.actor_id,
                    "closed_at": closed_at,
                }
            )

    def _link_to_huiyin(self, rows: list[int]) -> set[int]:
        """Repeat rows without an earlier petition in the file: the latest earlier one of the
        same ID number in Huiyin. Returns the rows linked.

        A petition this import inserted cannot be found here: it would have been an earlier
        row of the same ID number in the file (only petitions received before the row's day
        count, and those rows are linked in the file)."""
        linked: set[int] = set()
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            by_hash: dict[str, list[int]] = defaultdict(list)
            for number in chunk:
                by_hash[self.id_index(self.repeats[number][1])].append(number)
            earlier = Petitioner.objects.filter(id_number_hash__in=list(by_hash)).values_list(
                "id_number_hash", "petition_id", "petition__case__received_at"
            )
            best: dict[int, tuple[datetime, int]] = {}  # row → (received, petition)
            for digest, petition_id, received_at in earlier:
                for number in by_hash[digest]:
                    if received_at >= _start_of_day(self.repeats[number][2]):
                        continue
                    if number not in best or received_at > best[number][0]:
                        best[number] = (received_at, petition_id)
            _set_repeats([(petition, self.repeats[n][0]) for n, (_at, petition) in best.items()])
            linked.update(best)
        return linked

    def wait(self) -> None:
        """Wait for the insert in the writer thread, if one is running (re-raising its error):
        before anything else uses the connection."""
        writing, self.writing = self.writing, None
        if writing is not None:
            writing.result()

    def stop(self) -> None:
        """Off the connection before a rollback: wait for the writer thread, ignoring its
        error (the one being handled already says what went wrong)."""
        writing, self.writing = self.writing, None
        if writing is not None:
            writing.thread.join()

    def drain(self) -> None:
        """Insert the batch prepared last."""
        self.wait()
        if self.pending is not None:
            _insert(self.connection, self.pending[0])
            self.pending = None

    def finish(self, repeat_of_row: dict[int, int | None]) -> list[int]:
        """Link the repeat rows (to an earlier row of the file — `repeat_of_row`: row → that
        row, or None to look in Huiyin); returns the rows left without an earlier petition."""
        self.drain()
        if self.row_to_case:
            latest.settle(
                self.connection, min(self.row_to_case.values()), max(self.row_to_case.values())
            )
        in_file, look_up = [], []
        for number, earlier in repeat_of_row.items():
            if number not in self.repeats:
                continue
            if earlier is not None:
                in_file.append((self.row_to_case[earlier], self.repeats[number][0]))
            elif self.repeats[number][1]:
                look_up.append(number)
        _set_repeats(in_file)
        linked = self._link_to_huiyin(look_up)
        return sorted(
            n for n, earlier in repeat_of_row.items() if earlier is None and n not in linked
        )


def _set_repeats(links: list[tuple[int, int]]) -> None:
    """(earlier petition, petition) pairs: set repeat_of, one executemany (the petitions
    were inserted with is_repeat set)."""
    if not links:
        return
    connection = connections[router.db_for_write(Petition)]
    quote = connection.ops.quote_name
    sql = (
        f"UPDATE {quote(Petition._meta.db_table)} SET {quote('repeat_of_id')} = %s "  # noqa: S608
        f"WHERE {quote('case_id')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, links)


def _receipt_codes(count: int, *, taken: Iterable[str] = ()) -> list[str]:
    """Fresh receipt codes, none already in the database (checked in one query) or `taken`."""
    codes: list[str] = []
    pending = set(taken)
    while len(codes) < count:
        batch = set(_random_receipt_codes(count - len(codes))) - set(codes) - pending
        codes.extend(batch - _receipt_codes_in_use(batch))
    return codes


def _receipt_codes_in_use(codes: set[str]) -> set[str]:
    connection = connections[router.db_for_read(Petition)]
    if connection.vendor != "postgresql":
        return set(
            Petition.objects.filter(receipt_code__in=codes).values_list("receipt_code", flat=True)
        )
    # One array parameter instead of a thousand: PostgreSQL plans it in a fraction of the time.
    quote = connection.ops.quote_name
    sql = (
        f"SELECT {quote('receipt_code')} FROM {quote(Petition._meta.db_table)} "  # noqa: S608
        f"WHERE {quote('receipt_code')} = ANY(%s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(codes)])
        return {row[0] for row in cursor.fetchall()}


#: Random bytes below this value map evenly onto the receipt alphabet (the rest are dropped).
_RECEIPT_BYTE_LIMIT = 256 - 256 % len(RECEIPT_ALPHABET)
_RECEIPT_BYTES = bytes(
    ord(RECEIPT_ALPHABET[b % len(RECEIPT_ALPHABET)]) for b in range(_RECEIPT_BYTE_LIMIT)
) + bytes(256 - _RECEIPT_BYTE_LIMIT)
_RECEIPT_DROP = bytes(range(_RECEIPT_BYTE_LIMIT, 256))


def _random_receipt_codes(count: int) -> list[str]:
    """`count` codes as new_receipt_code() makes them — the same alphabet and length, each
    character uniform, from the operating system's CSPRNG — but from one read of random bytes
    mapped in C, not a secrets.choice() per character (a tenth of the time)."""
    need = count * RECEIPT_LENGTH
    chars = b""
    while len(chars) < need:
        raw = os.urandom(need - len(chars) + need // 16 + 16)
        chars += raw.translate(_RECEIPT_BYTES, _RECEIPT_DROP)
    text = chars[:need].decode("ascii")
    return [text[i : i + RECEIPT_LENGTH] for i in range(0, need, RECEIPT_LENGTH)]


def _track_hash(receipt_code: str, phone: str) -> str:
    from huiyin.petitions.services import _track_hash as track_hash

    return track_hash(receipt_code, phone)
