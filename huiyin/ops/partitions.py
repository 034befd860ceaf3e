"""The timeline (``cases_caseevent``) partitioned by year on PostgreSQL (docs/city.md).

Why by the moment of the event: the timeline is the largest table (several events per case),
append-only, read by case and by period, and nothing points at it with a foreign key.
PostgreSQL requires the partition key in every unique constraint, so the partitioned table's
primary key is ``(id, at)``: ``id`` stays unique because only its sequence gives it out, which
Django relies on anyway (it reads and writes events by ``id`` alone). The cases, which many
tables point at, are partitioned by ranges of their id instead (:mod:`case_partitions`). The
audit trail is not partitioned: its unique ``seq`` is what refuses a second entry with the
same number in the hash chain, and that guarantee cannot be kept across partitions.

:func:`convert` turns the ordinary table into a partitioned one in ONE transaction: a new
table partitioned by range of ``at`` (a year a partition, Beijing years, and a default
partition for anything outside them), the same columns, indexes and foreign keys, the rows
copied in batches of ids, the counts compared, then the names swapped and the old table
dropped (or kept under another name). While it runs the timeline stays readable and every
write of an event (every transition) waits for it: plan the downtime (docs/city.md has the
rates). :func:`ensure_years` adds the partitions of the coming years (run it each autumn, or
from cron; it moves into a new year's partition any rows the default partition held for it).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction
from django.utils.translation import gettext as _

from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.models import CaseEvent

TABLE = CaseEvent._meta.db_table
#: The partition key: the moment of the event.
KEY = "at"
#: The old table's name when it is kept (``keep_old``).
OLD_SUFFIX = "_unpartitioned"
#: The suffix of the new table and its objects until the names are swapped.
NEW_SUFFIX = "_p"
DEFAULT_PARTITION = f"{TABLE}_default"
#: Rows per batch of the copy (each batch one INSERT … SELECT, progress told after it).
BATCH = 50_000

_INDEX = re.compile(r"^CREATE (UNIQUE )?INDEX (\S+) ON (\S+) USING (.+)$")


class PartitionError(Exception):
    """The conversion cannot be made here; the message says why."""


@dataclass(frozen=True)
class Partition:
    name: str
    year: int | None  # None: the default partition
    rows: int


@dataclass(frozen=True)
class Status:
    partitioned: bool
    rows: int
    partitions: list[Partition]

    def years(self) -> set[int]:
        return {p.year for p in self.partitions if p.year is not None}


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def partition_name(year: int) -> str:
    return f"{TABLE}_y{year}"


def _bound(year: int) -> str:
    """The first instant of a Beijing year, as a timestamptz literal."""
    return date(year, 1, 1).isoformat() + " 00:00:00+08:00"


def _range(year: int) -> str:
    """The partition bound of a year (DDL takes no parameters; the text is made of digits)."""
    return f"FOR VALUES FROM ('{_bound(int(year))}') TO ('{_bound(int(year) + 1)}')"


def _require_postgresql() -> None:
    if connection.vendor != "postgresql":
        raise PartitionError(_("partitioning needs PostgreSQL"))


def relkind(cursor, table: str) -> str | None:
    """The table's kind in the catalogue (``r`` ordinary, ``p`` partitioned); None if absent."""
    cursor.execute(
        "SELECT c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = current_schema() AND c.relname = %s",
        [table],
    )
    row = cursor.fetchone()
    return row[0] if row else None


def children(cursor, table: str) -> list[str]:
    """The names of a partitioned table's partitions."""
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " WHERE i.inhparent = %s::regclass ORDER BY c.relname",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def counted(table: str) -> tuple[bool, int, list[tuple[str, int]]]:
    """Whether `table` is partitioned, its rows, and its partitions with their rows."""
    _require_postgresql()
    with connection.cursor() as cursor:
        kind = relkind(cursor, table)
        if kind is None:
            raise PartitionError(
                _("there is no table %(table)s: run migrate first") % {"table": table}
            )
        cursor.execute(f"SELECT count(*) FROM {_q(table)}")  # noqa: S608 - our own name
        rows = int(cursor.fetchone()[0])
        parts = []
        for name in children(cursor, table) if kind == "p" else []:
            cursor.execute(f"SELECT count(*) FROM {_q(name)}")  # noqa: S608 - catalogue name
            parts.append((name, int(cursor.fetchone()[0])))
    return kind == "p", rows, parts


def status() -> Status:
    """Whether the timeline is partitioned, its rows, and its partitions with their rows."""
    partitioned, rows, parts = counted(TABLE)
    named = re.compile(rf"^{TABLE}_y(\d{{4}})$")
    return Status(
        partitioned,
        rows,
        [
            Partition(name, int(m.group(1)) if (m := named.match(name)) else None, count)
            for name, count in parts
        ],
    )


def _indexes(cursor, table: str) -> list[tuple[str, str]]:
    """(name, definition) of the table's indexes other than its primary key's."""
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x"
        " JOIN pg_class i ON i.oid = x.indexrelid"
        " WHERE x.indrelid = %s::regclass AND NOT x.indisprimary ORDER BY i.relname",
        [table],
    )
    return list(cursor.fetchall())


def _constraints(cursor, table: str, kinds: str) -> list[tuple[str, str]]:
    """The table's own constraints of these kinds. A foreign key to a partitioned table (the
    cases, once partitioned) has a row per partition besides its own, each with its
    ``conparentid``: those come back by themselves when the key is made again."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = %s::regclass AND contype = ANY(%s) AND conparentid = 0"
        " ORDER BY conname",
        [table, list(kinds)],
    )
    return list(cursor.fetchall())


def _columns(cursor, table: str) -> list[str]:
    cursor.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0"
        " AND NOT attisdropped ORDER BY attnum",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def _index_columns(using: str) -> list[str]:
    """The columns of an index definition's ``btree (case_id, at)``."""
    inside = using[using.find("(") + 1 : using.rfind(")")]
    return [part.strip().split(" ")[0].strip('"') for part in inside.split(",")]


def _refuse_what_cannot_follow(cursor) -> None:
    """Unique indexes without the key, triggers, or a table that points at this one."""
    for name, definition in _indexes(cursor, TABLE):
        match = _INDEX.match(definition)
        if match and match.group(1) and KEY not in _index_columns(match.group(4)):
            raise PartitionError(
                _("the unique index %(index)s does not include %(key)s")
                % {"index": name, "key": KEY}
            )
    cursor.execute(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
        [TABLE],
    )
    if cursor.fetchall():
        raise PartitionError(
            _("%(table)s has triggers, which would have to be made again") % {"table": TABLE}
        )
    cursor.execute(
        "SELECT conrelid::regclass::text FROM pg_constraint"
        " WHERE confrelid = %s::regclass AND contype = 'f'",
        [TABLE],
    )
    pointing = [row[0] for row in cursor.fetchall()]
    if pointing:
        raise PartitionError(
            _("foreign keys point at %(table)s from %(tables)s")
            % {"table": TABLE, "tables": ", ".join(pointing)}
        )


def _years_with_rows(cursor, table: str) -> list[int]:
    cursor.execute(
        f"SELECT DISTINCT extract(year FROM {_q(KEY)} AT TIME ZONE %s)::int"  # noqa: S608
        f" FROM {_q(table)}",
        [str(CHINA_TZ)],
    )
    return sorted(int(row[0]) for row in cursor.fetchall())


def _create_year(cursor, parent: str, name: str, year: int) -> None:
    cursor.execute(f"CREATE TABLE {_q(name)} PARTITION OF {_q(parent)} {_range(year)}")


def convert(
    *,
    this_year: int,
    years_ahead: int = 1,
    batch: int = BATCH,
    keep_old: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Status:
    """Make the timeline a table partitioned by year (see the module docstring): all of it in
    one transaction, so a failure changes nothing. Returns the new status."""
    _require_postgresql()
    if status().partitioned:
        raise PartitionError(_("%(table)s is partitioned already") % {"table": TABLE})
    new = TABLE + NEW_SUFFIX
    with transaction.atomic(), connection.cursor() as cursor:
        # Readers go on; writers of events wait until the commit.
        cursor.execute(f"LOCK TABLE {_q(TABLE)} IN EXCLUSIVE MODE")
        # Inside a longer transaction (a test's), foreign-key checks still pending on the old
        # table would forbid dropping or renaming it: made now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        _refuse_what_cannot_follow(cursor)
        columns = _columns(cursor, TABLE)
        indexes = _indexes(cursor, TABLE)
        foreign = _constraints(cursor, TABLE, "fc")
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [TABLE])
        old_sequence = cursor.fetchone()[0]

        cursor.execute(
            f"CREATE TABLE {_q(new)} (LIKE {_q(TABLE)} INCLUDING DEFAULTS INCLUDING STORAGE"
            f" INCLUDING COMMENTS) PARTITION BY RANGE ({_q(KEY)})"
        )
        # An identity column cannot be on a partitioned table before PostgreSQL 17: a
        # sequence of its own, owned by the column (pg_get_serial_sequence finds it).
        sequence = f"{new}_id_seq"
        cursor.execute(f"CREATE SEQUENCE {_q(sequence)} AS bigint OWNED BY {_q(new)}.id")
        cursor.execute(
            f"ALTER TABLE {_q(new)} ALTER COLUMN id SET DEFAULT nextval('{_q(sequence)}'::regclass)"
        )
        years = sorted(
            set(_years_with_rows(cursor, TABLE))
            | set(range(this_year, this_year + years_ahead + 1))
        )
        for year in years:
            _create_year(cursor, new, partition_name(year) + NEW_SUFFIX, year)
        cursor.execute(
            f"CREATE TABLE {_q(DEFAULT_PARTITION + NEW_SUFFIX)} PARTITION OF {_q(new)} DEFAULT"
        )

        # The rows first, then the keys and indexes (built once over the rows, and no
        # deferred foreign-key check queued per row).
        listed = ", ".join(_q(c) for c in columns)
        cursor.execute(
            f"SELECT coalesce(min(id), 0), coalesce(max(id), 0), count(*) FROM {_q(TABLE)}"  # noqa: S608
        )
        low, high, total = cursor.fetchone()
        copied, start = 0, low - 1
        while start < high:
            end = start + batch
            cursor.execute(
                f"INSERT INTO {_q(new)} ({listed}) SELECT {listed} FROM {_q(TABLE)}"  # noqa: S608
                " WHERE id > %s AND id <= %s",
                [start, end],
            )
            copied += cursor.rowcount
            start = end
            if progress:
                progress(copied, total)
        cursor.execute(f"SELECT count(*) FROM {_q(new)}")  # noqa: S608
        if cursor.fetchone()[0] != total or copied != total:
            raise PartitionError(_("the copy does not hold every row; nothing was changed"))
        cursor.execute(
            "SELECT setval(%s::regclass, greatest(%s, 1), %s)", [sequence, high, high > 0]
        )
        cursor.execute(
            f"ALTER TABLE {_q(new)} ADD CONSTRAINT {_q(new + '_pkey')} PRIMARY KEY (id, {_q(KEY)})"
        )
        for name, definition in indexes:
            match = _INDEX.match(definition)
            if match is None:
                raise PartitionError(
                    _("cannot read the definition of the index %(index)s") % {"index": name}
                )
            unique, _name, _on, using = match.groups()
            cursor.execute(
                f"CREATE {unique or ''}INDEX {_q(name + NEW_SUFFIX)} ON {_q(new)} USING {using}"
            )
        for name, definition in foreign:
            cursor.execute(
                f"ALTER TABLE {_q(new)} ADD CONSTRAINT {_q(name + NEW_SUFFIX)} {definition}"
            )

        # Swap: the old table goes (or steps aside), the new one takes every name.
        cursor.execute(f"LOCK TABLE {_q(TABLE)} IN ACCESS EXCLUSIVE MODE")
        if keep_old:
            old = TABLE + OLD_SUFFIX
            cursor.execute(f"ALTER TABLE {_q(TABLE)} RENAME TO {_q(old)}")
            for name, _definition in indexes:
                cursor.execute(f"ALTER INDEX {_q(name)} RENAME TO {_q(name + OLD_SUFFIX)}")
            cursor.execute(f"ALTER INDEX {_q(TABLE + '_pkey')} RENAME TO {_q(old + '_pkey')}")
            if old_sequence:
                cursor.execute(f"ALTER SEQUENCE {old_sequence} RENAME TO {_q(old + '_id_seq')}")
        else:
            cursor.execute(f"DROP TABLE {_q(TABLE)}")
        cursor.execute(f"ALTER TABLE {_q(new)} RENAME TO {_q(TABLE)}")
        cursor.execute(f"ALTER SEQUENCE {_q(sequence)} RENAME TO {_q(TABLE + '_id_seq')}")
        cursor.execute(f"ALTER INDEX {_q(new + '_pkey')} RENAME TO {_q(TABLE + '_pkey')}")
        for name, _definition in indexes:
            cursor.execute(f"ALTER INDEX {_q(name + NEW_SUFFIX)} RENAME TO {_q(name)}")
        for name, _definition in foreign:
            cursor.execute(
                f"ALTER TABLE {_q(TABLE)} RENAME CONSTRAINT {_q(name + NEW_SUFFIX)} TO {_q(name)}"
            )
        for year in years:
            cursor.execute(
                f"ALTER TABLE {_q(partition_name(year) + NEW_SUFFIX)}"
                f" RENAME TO {_q(partition_name(year))}"
            )
        cursor.execute(
            f"ALTER TABLE {_q(DEFAULT_PARTITION + NEW_SUFFIX)} RENAME TO {_q(DEFAULT_PARTITION)}"
        )
        cursor.execute(f"ANALYZE {_q(TABLE)}")
    return status()


def ensure_years(*, this_year: int, years_ahead: int = 1) -> list[int]:
    """Add the partitions of this year and the next `years_ahead` that are missing; rows the
    default partition holds for such a year move into it. Returns the years added."""
    current = status()
    if not current.partitioned:
        raise PartitionError(
            _("%(table)s is not partitioned: run partition-events --apply first") % {"table": TABLE}
        )
    wanted = [y for y in range(this_year, this_year + years_ahead + 1) if y not in current.years()]
    with transaction.atomic(), connection.cursor() as cursor:
        for year in wanted:
            name = partition_name(year)
            # Made apart, filled from the default partition, then attached: attaching checks
            # that the default partition holds nothing of that year any more.
            cursor.execute(f"CREATE TABLE {_q(name)} (LIKE {_q(TABLE)} INCLUDING DEFAULTS)")
            listed = ", ".join(_q(c) for c in _columns(cursor, TABLE))
            cursor.execute(
                f"WITH moved AS (DELETE FROM {_q(DEFAULT_PARTITION)}"  # noqa: S608
                f" WHERE {_q(KEY)} >= %s AND {_q(KEY)} < %s RETURNING {listed})"
                f" INSERT INTO {_q(name)} ({listed}) SELECT {listed} FROM moved",
                [_bound(year), _bound(year + 1)],
            )
            cursor.execute(f"ALTER TABLE {_q(TABLE)} ATTACH PARTITION {_q(name)} {_range(year)}")
    return wanted
