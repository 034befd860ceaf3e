"""The cases (``cases_case``) partitioned by year on PostgreSQL (docs/city.md).

Nineteen foreign keys point at ``cases_case(id)``, and a foreign key must reference a unique
constraint that, on a partitioned table, includes the partition key. So the partition key is
the primary key itself: the table is partitioned by **range of id**, and a year is a range of
ids. After the conversion a case's id is handed out by :data:`ID_FUNCTION`:
``year × 10¹⁰ + the next number of a counter``, the year being Beijing's at the moment of
registration, so the ranges of the coming years are known in advance and each year's cases
fill their own partition. Ids given before the conversion are small (below 10¹⁰) and stay
what they are: the audit trail, the search index, links and notifications name cases by id,
and the audit chain cannot be rewritten. Those cases are split by the year of their number
(``Case.year``) into ranges of the old ids, one partition a year. Nothing that points at a
case changes, and every foreign key keeps its one column.

The case's other unique constraints (its number; street, kind, year and sequence) do not
include the id, so a partitioned table cannot hold them. They move, under the same names, to
a narrow ordinary table, :data:`KEYS`, which triggers keep equal to the cases: a case whose
number is taken fails in the statement that writes it, with the same constraint's name, as
before.

:func:`convert` does it all in ONE transaction, as :mod:`huiyin.ops.partitions` does for the
timeline; while it runs the cases stay readable and every write of a case waits.
:func:`ensure_years` adds the coming years' partitions (``huiyin tick`` calls it); in a year
whose partition is missing, new cases take the latest year's ids rather than wait in the
default partition, whose rows could not move once something points at them.
"""

# ruff: noqa: S608 - the SQL is built from our own table, column and catalogue names and digits

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils.translation import gettext as _

from huiyin.cases.bounds import ID_SPAN
from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.models import Case
from huiyin.ops.partitions import (
    _INDEX,
    BATCH,
    NEW_SUFFIX,
    OLD_SUFFIX,
    PartitionError,
    _columns,
    _constraints,
    _indexes,
    _q,
    _require_postgresql,
    counted,
    relkind,
)

TABLE = Case._meta.db_table
#: A year's ids: from year × SPAN (the counter stays far below SPAN: ten billion cases).
SPAN = ID_SPAN
#: The function that gives a new case its id, and the counter it draws from.
ID_FUNCTION = "huiyin_case_id"
COUNTER = "huiyin_case_counter"
#: The unique constraints that do not include the id live here.
KEYS = f"{TABLE}_keys"
KEYS_FUNCTION = "huiyin_case_keys"
DEFAULT_PARTITION = f"{TABLE}_default"
#: The suffix of the partitions of the ids given before the conversion (``cases_case_y2024_0``);
#: ``cases_case_y2027`` is 2027's ids of the new kind.
EARLIER = "_0"

_NAME = re.compile(rf"^{TABLE}_y(\d{{4}})({EARLIER})?$")


@dataclass(frozen=True)
class Partition:
    name: str
    year: int | None  # None: the default partition
    rows: int
    earlier: bool = False  # ids given before the conversion


@dataclass(frozen=True)
class Status:
    partitioned: bool
    rows: int
    partitions: list[Partition]

    def years(self) -> set[int]:
        """The years whose ids of the new kind have a partition."""
        return {p.year for p in self.partitions if p.year is not None and not p.earlier}


def partition_name(year: int, *, earlier: bool = False) -> str:
    return f"{TABLE}_y{int(year)}{EARLIER if earlier else ''}"


def year_of(case_id: int) -> int | None:
    """The Beijing year a case of the new kind was registered in; None for an earlier id."""
    return case_id // SPAN if case_id >= SPAN else None


def status() -> Status:
    partitioned, rows, parts = counted(TABLE)
    found = []
    for name, count in parts:
        match = _NAME.match(name)
        year = int(match.group(1)) if match else None
        found.append(Partition(name, year, count, bool(match and match.group(2))))
    return Status(partitioned, rows, found)


def _range(year: int) -> str:
    return f"FOR VALUES FROM ({int(year) * SPAN}) TO ({(int(year) + 1) * SPAN})"


def _earlier_ranges(cursor, table: str) -> list[tuple[str, str, int]]:
    """(partition name, bound, year) of the ids given before the conversion: a range of ids
    per year of the cases' numbers, each from the lowest id of that year or later; the last
    (this year's, or the latest year's) reaching up to SPAN."""
    cursor.execute(f"SELECT year, min(id) FROM {_q(table)} GROUP BY year ORDER BY year")
    firsts = [(int(y), int(i)) for y, i in cursor.fetchall()]
    if not firsts:
        return []
    # The lowest id of this year's cases or any later: the bounds must rise with the years.
    starts: list[tuple[int, int]] = []
    lowest_after = None
    for year, first in reversed(firsts):
        lowest_after = first if lowest_after is None else min(first, lowest_after)
        starts.append((year, lowest_after))
    starts.reverse()
    # Years whose first id is not above the previous year's start share its partition.
    kept: list[tuple[int, int]] = []
    for year, start in starts:
        if kept and start <= kept[-1][1]:
            continue
        kept.append((year, start))
    ranges = []
    for index, (year, start) in enumerate(kept):
        low = "MINVALUE" if index == 0 else str(start)
        high = str(kept[index + 1][1]) if index + 1 < len(kept) else str(SPAN)
        name = partition_name(year, earlier=True)
        ranges.append((name, f"FOR VALUES FROM ({low}) TO ({high})", year))
    return ranges


def _unique_constraints(cursor) -> list[tuple[str, list[str]]]:
    """(name, columns) of the table's unique constraints other than its primary key."""
    cursor.execute(
        "SELECT c.conname, array_agg(a.attname ORDER BY k.ord) FROM pg_constraint c"
        " CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)"
        " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum"
        " WHERE c.conrelid = %s::regclass AND c.contype = 'u' GROUP BY c.conname"
        " ORDER BY c.conname",
        [TABLE],
    )
    return [(name, list(columns)) for name, columns in cursor.fetchall()]


def _refuse_what_cannot_follow(cursor, unique: list[tuple[str, list[str]]]) -> None:
    constrained = {name for name, _cols in unique}
    for name, definition in _indexes(cursor, TABLE):
        match = _INDEX.match(definition)
        if match and match.group(1) and name not in constrained:
            # A unique index that is not a constraint (partial, on an expression): it cannot
            # be moved to the keys table as it is.
            raise PartitionError(
                _("the unique index %(index)s is not a plain unique constraint") % {"index": name}
            )
    cursor.execute(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
        [TABLE],
    )
    if cursor.fetchall():
        raise PartitionError(
            _("%(table)s has triggers, which would have to be made again") % {"table": TABLE}
        )


def _pointing(cursor) -> list[tuple[str, str, str]]:
    """(table, constraint, definition) of the foreign keys that point at the cases."""
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
        " FROM pg_constraint WHERE confrelid = %s::regclass AND contype = 'f'"
        " AND conparentid = 0 ORDER BY 1, 2",
        [TABLE],
    )
    return list(cursor.fetchall())


def _install_functions(cursor, key_columns: list[str]) -> None:
    """The id function and the triggers' function that keep :data:`KEYS` equal to the cases."""
    cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {_q(COUNTER)} AS bigint")
    # This year's partition when it is there; else (nobody ran tick since last year) the
    # latest year's: a new case never waits in the default partition, where its references
    # would keep it (a partition's rows cannot move under a foreign key).
    this_year = f"extract(year FROM clock_timestamp() AT TIME ZONE '{CHINA_TZ}')::int"
    named = f"^{TABLE}_y[0-9]{{4}}$"
    cursor.execute(
        f"""CREATE OR REPLACE FUNCTION {_q(ID_FUNCTION)}() RETURNS bigint LANGUAGE sql VOLATILE
AS $$ SELECT coalesce(
  (SELECT y FROM (SELECT {this_year} AS y) t WHERE to_regclass('{TABLE}_y' || y) IS NOT NULL),
  (SELECT max(right(c.relname, 4)::int) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = to_regclass('{TABLE}') AND c.relname ~ '{named}'),
  {this_year})::bigint * {SPAN} + nextval('{_q(COUNTER)}') $$"""
    )
    listed = ", ".join(_q(c) for c in key_columns)
    new = ", ".join(f"n.{_q(c)}" for c in key_columns)
    changed = " OR ".join(f"NEW.{_q(c)} IS DISTINCT FROM OLD.{_q(c)}" for c in ["id", *key_columns])
    assigned = ", ".join(f"{_q(c)} = NEW.{_q(c)}" for c in key_columns)
    cursor.execute(
        f"""CREATE OR REPLACE FUNCTION {_q(KEYS_FUNCTION)}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO {_q(KEYS)} (case_id, {listed}) SELECT n.id, {new} FROM new_rows n;
  ELSIF TG_OP = 'DELETE' THEN
    DELETE FROM {_q(KEYS)} k USING old_rows o WHERE k.case_id = o.id;
  ELSIF TG_OP = 'TRUNCATE' THEN
    TRUNCATE {_q(KEYS)};
  ELSIF {changed} THEN
    UPDATE {_q(KEYS)} SET case_id = NEW.id, {assigned} WHERE case_id = OLD.id;
  END IF;
  RETURN NULL;
END $$"""
    )


def _install_triggers(cursor, table: str) -> None:
    function = f"EXECUTE FUNCTION {_q(KEYS_FUNCTION)}()"
    cursor.execute(
        f"CREATE TRIGGER {_q(TABLE + '_keys_insert')} AFTER INSERT ON {_q(table)}"
        f" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT {function}"
    )
    cursor.execute(
        f"CREATE TRIGGER {_q(TABLE + '_keys_delete')} AFTER DELETE ON {_q(table)}"
        f" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT {function}"
    )
    cursor.execute(
        f"CREATE TRIGGER {_q(TABLE + '_keys_update')} AFTER UPDATE ON {_q(table)}"
        f" FOR EACH ROW {function}"
    )
    cursor.execute(
        f"CREATE TRIGGER {_q(TABLE + '_keys_truncate')} AFTER TRUNCATE ON {_q(table)}"
        f" FOR EACH STATEMENT {function}"
    )


def convert(
    *,
    this_year: int,
    years_ahead: int = 1,
    batch: int = BATCH,
    keep_old: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Status:
    """Make the cases a table partitioned by year (see the module docstring): all of it in one
    transaction, so a failure changes nothing. Returns the new status."""
    _require_postgresql()
    if status().partitioned:
        raise PartitionError(_("%(table)s is partitioned already") % {"table": TABLE})
    new = TABLE + NEW_SUFFIX
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {_q(TABLE)} IN EXCLUSIVE MODE")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        unique = _unique_constraints(cursor)
        _refuse_what_cannot_follow(cursor, unique)
        constrained = {name for name, _cols in unique}
        columns = _columns(cursor, TABLE)
        indexes = [(n, d) for n, d in _indexes(cursor, TABLE) if n not in constrained]
        own = [(n, d) for n, d in _constraints(cursor, TABLE, "fc")]
        pointing = _pointing(cursor)
        key_columns = list(dict.fromkeys(c for _name, cols in unique for c in cols))

        cursor.execute(
            f"CREATE TABLE {_q(new)} (LIKE {_q(TABLE)} INCLUDING DEFAULTS INCLUDING STORAGE"
            " INCLUDING COMMENTS) PARTITION BY RANGE (id)"
        )
        earlier = _earlier_ranges(cursor, TABLE)
        for name, bound, _year in earlier:
            cursor.execute(f"CREATE TABLE {_q(name + NEW_SUFFIX)} PARTITION OF {_q(new)} {bound}")
        years = list(range(this_year, this_year + years_ahead + 1))
        for year in years:
            cursor.execute(
                f"CREATE TABLE {_q(partition_name(year) + NEW_SUFFIX)}"
                f" PARTITION OF {_q(new)} {_range(year)}"
            )
        cursor.execute(
            f"CREATE TABLE {_q(DEFAULT_PARTITION + NEW_SUFFIX)} PARTITION OF {_q(new)} DEFAULT"
        )

        listed = ", ".join(_q(c) for c in columns)
        cursor.execute(
            f"SELECT coalesce(min(id), 0), coalesce(max(id), 0), count(*) FROM {_q(TABLE)}"
        )
        low, high, total = cursor.fetchone()
        if high >= SPAN:
            raise PartitionError(_("case ids are too high to be ids given before partitioning"))
        copied, start = 0, low - 1
        while start < high:
            end = start + batch
            cursor.execute(
                f"INSERT INTO {_q(new)} ({listed}) SELECT {listed} FROM {_q(TABLE)}"
                " WHERE id > %s AND id <= %s",
                [start, end],
            )
            copied += cursor.rowcount
            start = end
            if progress:
                progress(copied, total)
        cursor.execute(f"SELECT count(*) FROM {_q(new)}")
        if cursor.fetchone()[0] != total or copied != total:
            raise PartitionError(_("the copy does not hold every row; nothing was changed"))

        # The keys table, filled from the cases; its constraints get their names after the swap.
        key_list = ", ".join(_q(c) for c in key_columns)
        cursor.execute(
            f"CREATE TABLE {_q(KEYS)} AS SELECT id AS case_id, {key_list} FROM {_q(TABLE)}"
        )
        cursor.execute(f"ALTER TABLE {_q(KEYS)} ADD PRIMARY KEY (case_id)")
        for column in key_columns:
            cursor.execute(f"ALTER TABLE {_q(KEYS)} ALTER COLUMN {_q(column)} SET NOT NULL")

        # The counter goes on from the highest id given so far, so an id's last digits still
        # tell its order.
        _install_functions(cursor, key_columns)
        cursor.execute(
            "SELECT setval(%s::regclass, greatest(%s, 1), %s)", [COUNTER, high, high > 0]
        )
        cursor.execute(f"ALTER TABLE {_q(new)} ALTER COLUMN id SET DEFAULT {_q(ID_FUNCTION)}()")
        cursor.execute(f"ALTER TABLE {_q(new)} ALTER COLUMN id SET NOT NULL")
        cursor.execute(f"ALTER TABLE {_q(new)} ADD CONSTRAINT {_q(new + '_pkey')} PRIMARY KEY (id)")
        for name, definition in indexes:
            match = _INDEX.match(definition)
            if match is None:
                raise PartitionError(
                    _("cannot read the definition of the index %(index)s") % {"index": name}
                )
            _unique, _name, _on, using = match.groups()
            cursor.execute(f"CREATE INDEX {_q(name + NEW_SUFFIX)} ON {_q(new)} USING {using}")
        for name, definition in own:
            cursor.execute(
                f"ALTER TABLE {_q(new)} ADD CONSTRAINT {_q(name + NEW_SUFFIX)} {definition}"
            )

        # The foreign keys that point at the old table go; they come back to the new one.
        for table, name, _definition in pointing:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {_q(name)}")
        cursor.execute(f"LOCK TABLE {_q(TABLE)} IN ACCESS EXCLUSIVE MODE")
        if keep_old:
            old = TABLE + OLD_SUFFIX
            cursor.execute(f"ALTER TABLE {_q(TABLE)} RENAME TO {_q(old)}")
            for name, _definition in indexes:
                cursor.execute(f"ALTER INDEX {_q(name)} RENAME TO {_q(name + OLD_SUFFIX)}")
            for name, _cols in unique:
                cursor.execute(
                    f"ALTER TABLE {_q(old)} RENAME CONSTRAINT {_q(name)} TO {_q(name + OLD_SUFFIX)}"
                )
            for name, _definition in own:
                cursor.execute(
                    f"ALTER TABLE {_q(old)} RENAME CONSTRAINT {_q(name)} TO {_q(name + OLD_SUFFIX)}"
                )
            cursor.execute(f"ALTER INDEX {_q(TABLE + '_pkey')} RENAME TO {_q(old + '_pkey')}")
            # The old table's id keeps drawing from its own sequence; the new one's from the counter.
        else:
            cursor.execute(f"DROP TABLE {_q(TABLE)}")
        cursor.execute(f"ALTER TABLE {_q(new)} RENAME TO {_q(TABLE)}")
        cursor.execute(f"ALTER INDEX {_q(new + '_pkey')} RENAME TO {_q(TABLE + '_pkey')}")
        for name, _definition in indexes:
            cursor.execute(f"ALTER INDEX {_q(name + NEW_SUFFIX)} RENAME TO {_q(name)}")
        for name, _definition in own:
            cursor.execute(
                f"ALTER TABLE {_q(TABLE)} RENAME CONSTRAINT {_q(name + NEW_SUFFIX)} TO {_q(name)}"
            )
        for name, _bound, _year in earlier:
            cursor.execute(f"ALTER TABLE {_q(name + NEW_SUFFIX)} RENAME TO {_q(name)}")
        for year in years:
            cursor.execute(
                f"ALTER TABLE {_q(partition_name(year) + NEW_SUFFIX)}"
                f" RENAME TO {_q(partition_name(year))}"
            )
        cursor.execute(
            f"ALTER TABLE {_q(DEFAULT_PARTITION + NEW_SUFFIX)} RENAME TO {_q(DEFAULT_PARTITION)}"
        )
        for name, cols in unique:
            cursor.execute(
                f"ALTER TABLE {_q(KEYS)} ADD CONSTRAINT {_q(name)}"
                f" UNIQUE ({', '.join(_q(c) for c in cols)})"
            )
        _install_triggers(cursor, TABLE)
        for table, name, definition in pointing:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {_q(name)} {definition}")
        cursor.execute(f"ANALYZE {_q(TABLE)}")
        cursor.execute(f"ANALYZE {_q(KEYS)}")
    return status()


def ensure_years(*, this_year: int, years_ahead: int = 1) -> list[int]:
    """Add the partitions of this year and the next `years_ahead` that are missing. Returns
    the years added. Refused for a year whose ids the default partition holds (ids written by
    hand: the id function never gives one without its partition)."""
    current = status()
    if not current.partitioned:
        raise PartitionError(
            _("%(table)s is not partitioned: run partition-cases --apply first") % {"table": TABLE}
        )
    wanted = [y for y in range(this_year, this_year + years_ahead + 1) if y not in current.years()]
    with transaction.atomic(), connection.cursor() as cursor:
        for year in wanted:
            cursor.execute(
                f"SELECT count(*) FROM {_q(DEFAULT_PARTITION)} WHERE id >= %s AND id < %s",
                [year * SPAN, (year + 1) * SPAN],
            )
            waiting = cursor.fetchone()[0]
            if waiting:
                # Only ids written by hand get there; their references pin them down.
                raise PartitionError(
                    _(
                        "%(rows)d cases in the default partition have ids of %(year)d, which "
                        "this partition would take; nothing was changed"
                    )
                    % {"rows": waiting, "year": year}
                )
            cursor.execute(
                f"CREATE TABLE {_q(partition_name(year))} PARTITION OF {_q(TABLE)} {_range(year)}"
            )
    return wanted


def keys_drift() -> int:
    """Cases whose keys row is missing or differs, plus keys rows without a case (0: equal)."""
    _require_postgresql()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname FROM pg_attribute a WHERE a.attrelid = %s::regclass"
            " AND a.attnum > 0 AND NOT a.attisdropped AND a.attname <> 'case_id'"
            " ORDER BY a.attnum",
            [KEYS],
        )
        columns = [row[0] for row in cursor.fetchall()]
        listed = ", ".join(_q(c) for c in columns)
        cursor.execute(
            f"SELECT count(*) FROM ((SELECT id, {listed} FROM {_q(TABLE)}"
            f" EXCEPT ALL SELECT case_id, {listed} FROM {_q(KEYS)})"
            f" UNION ALL (SELECT case_id, {listed} FROM {_q(KEYS)}"
            f" EXCEPT ALL SELECT id, {listed} FROM {_q(TABLE)})) d"
        )
        return int(cursor.fetchone()[0])


TRIGGERS = tuple(f"{TABLE}_keys_{op}" for op in ("insert", "delete", "update", "truncate"))


def missing_triggers(connection=connection) -> set[str]:
    """The keys table's triggers that a partitioned cases table should have and does not (or
    has disabled); nothing on SQLite or while the cases are one table."""
    if connection.vendor != "postgresql":
        return set()
    with connection.cursor() as cursor:
        if relkind(cursor, TABLE) != "p":
            return set()
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND tgenabled <> 'D'",
            [TABLE],
        )
        return set(TRIGGERS) - {row[0] for row in cursor.fetchall()}


def repair(connection=connection) -> bool:
    """Make the keys' function and triggers again when any is missing, and bring the keys
    table back to the cases (a case's keys written or corrected, a case's gone removed).
    Returns whether anything was missing. Run after every ``migrate``."""
    if not missing_triggers(connection):
        return False
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0"
            " AND NOT attisdropped AND attname <> 'case_id' ORDER BY attnum",
            [KEYS],
        )
        key_columns = [row[0] for row in cursor.fetchall()]
        for name in TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {_q(name)} ON {_q(TABLE)}")
        _install_functions(cursor, key_columns)
        _install_triggers(cursor, TABLE)
        listed = ", ".join(_q(c) for c in key_columns)
        assigned = ", ".join(f"{_q(c)} = EXCLUDED.{_q(c)}" for c in key_columns)
        cursor.execute(
            f"DELETE FROM {_q(KEYS)} k WHERE NOT EXISTS"
            f" (SELECT 1 FROM {_q(TABLE)} c WHERE c.id = k.case_id)"
        )
        cursor.execute(
            f"INSERT INTO {_q(KEYS)} (case_id, {listed}) SELECT id, {listed} FROM {_q(TABLE)}"
            f" ON CONFLICT (case_id) DO UPDATE SET {assigned}"
        )
    return True
