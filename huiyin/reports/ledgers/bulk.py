"""Writing many rows fast, for a kind whose ledgers run to 100,000 rows (the petitions').

:class:`Table` prepares the rows of one table for a single statement per batch (COPY on
PostgreSQL, one INSERT … SELECT over a JSON array on SQLite), each value converted by its
field as the ORM would; :func:`insert` runs a batch on the import's own connection and
transaction, in a writer thread (:class:`Background`) while the next batch is prepared;
:func:`new_ids` hands out primary keys for rows inserted with explicit ids. A kind that saves
row by row through its services (the engine's default) needs none of this.
"""

from __future__ import annotations

import json
import operator
import threading
from collections.abc import Callable
from datetime import datetime

from django.db import connections, models, router

__all__ = ["Background", "Table", "insert", "new_ids"]


class Table:
    """Rows of one table, inserted per batch in one statement (COPY on PostgreSQL).

    The ORM's bulk_create() prepares every field of every object through the query compiler,
    which costs more than the insert itself for a 100,000-row ledger (and SQLite's parameter
    limit cuts its batches to a few dozen rows). Here each row is a dict by attname; plain
    columns pass as they are, the others (dates, JSON, encrypted text) through their field's
    own get_db_prep_save(), so what reaches the database is what the ORM would write.
    """

    _PLAIN = (
        models.CharField,
        models.TextField,
        models.IntegerField,
        models.PositiveIntegerField,
        models.PositiveSmallIntegerField,
        models.BigAutoField,
        models.BooleanField,
        models.ForeignKey,
        models.OneToOneField,
    )

    def __init__(self, model, now: datetime, *, auto_id: bool = False):
        self.model = model
        # A table no other row points to leaves its ids to the database (fewer round trips).
        self.fields = [f for f in model._meta.concrete_fields if not (auto_id and f.primary_key)]
        self.connection = connections[router.db_for_write(model)]
        quote = self.connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in self.fields)
        # Names from the model's own metadata, quoted; values are parameters.
        table = quote(model._meta.db_table)
        self.copy_sql = f"COPY {table} ({columns}) FROM STDIN"
        # PostgreSQL: the column types for a binary COPY, asked before the writer thread
        # starts (see binary()); None: text COPY.
        self.types: list[int] | None = None
        self._select_none = f"SELECT {columns} FROM {table} WHERE false"  # noqa: S608
        self.defaults = {}
        for f in self.fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.defaults[f.attname] = now
            elif f.primary_key:
                self.defaults[f.attname] = None
            else:
                self.defaults[f.attname] = f.get_default()
        # The row in column order in one C call; then only the columns that need converting.
        self.values = operator.itemgetter(*(f.attname for f in self.fields))
        # (index, field to convert through, memo): dates, `now` and the clocks' lists of
        # years repeat endlessly in a ledger, so each is converted once.
        self.converts = [
            (index, f, {} if isinstance(f, models.DateField | models.JSONField) else None)
            for index, f in enumerate(self.fields)
            if type(f) not in self._PLAIN
        ]
        self.insert_sql = f"INSERT INTO {table} ({columns}) SELECT {{}} FROM json_each(?)"  # noqa: S608
        self.rows: list[list] = []

    def json_insert(self, rows: list[list]) -> tuple[str, list]:
        """SQLite: the batch as one INSERT … SELECT over one JSON array, which SQLite runs
        without Python's lock (executemany() takes the lock back to bind every row, so the
        thread preparing the next batch and the writer thread would keep waiting for each
        other). The columns alike in every row of the batch are bound once instead. JSON keeps
        every value this import writes: text, integers, booleans (as 1/0) and nulls."""
        picks, params, varying = [], [], []
        for column in zip(*rows, strict=True):
            if column.count(column[0]) == len(column):
                picks.append("?")
                params.append(column[0])
            else:
                picks.append(f"json_extract(value, '$[{len(varying)}]')")
                varying.append(column)
        data = list(zip(*varying, strict=True)) if varying else [()] * len(rows)
        params.append(json.dumps(data, ensure_ascii=False))
        return self.insert_sql.format(", ".join(picks)), params

    def add(self, values: dict) -> None:
        merged = self.defaults.copy()
        merged.update(values)
        row = list(self.values(merged))
        connection = self.connection
        for index, convert, memo in self.converts:
            value = row[index]
            if value is None:
                continue
            key = tuple(value) if value.__class__ is list else value  # clocks' year lists
            if memo is None or key.__class__ is dict:
                row[index] = convert.get_db_prep_save(value, connection)
            else:
                converted = memo.get(key)
                if converted is None:
                    converted = memo[key] = convert.get_db_prep_save(value, connection)
                row[index] = converted
        self.rows.append(row)

    def binary(self, cursor) -> None:
        """Switch this table to a binary COPY: no text to format here nor to parse on the
        server. Not for columns psycopg cannot write in binary (tsvector)."""
        cursor.execute(self._select_none)
        types = [column.type_code for column in cursor.description]
        if 3614 not in types:  # tsvector
            self.types = types
            self.copy_sql += " (FORMAT BINARY)"

    def take(self) -> list[list]:
        """The rows added since the last take(), for :func:`insert`."""
        rows, self.rows = self.rows, []
        return rows


def insert(connection, batch: list[tuple[Table, list[list]]]) -> None:
    """Insert prepared rows, table by table in order, on the import's own connection and
    transaction — called in the writer thread (see the kind's writer), so it goes through
    the DB-API connection itself, not Django's per-thread wrapper."""
    raw = connection.connection
    with connection.wrap_database_errors:
        cursor = raw.cursor()
        try:
            for table, rows in batch:
                if not rows:
                    continue
                if connection.vendor == "postgresql":
                    # COPY: the fastest way in, several times faster than executemany().
                    with cursor.copy(table.copy_sql) as copy:
                        if table.types is not None:
                            copy.set_types(table.types)
                        for row in rows:
                            copy.write_row(row)
                else:
                    cursor.execute(*table.json_insert(rows))
        finally:
            cursor.close()


class Background:
    """A function run in a thread of its own; result() waits and re-raises its error."""

    def __init__(self, fn: Callable, *args):
        self.error: BaseException | None = None
        self.thread = threading.Thread(
            target=self._run, args=(fn, args), name="ledger-import-writer", daemon=True
        )
        self.thread.start()

    def _run(self, fn: Callable, args: tuple) -> None:
        try:
            fn(*args)
        except BaseException as exc:  # handed to the importing thread by result()
            self.error = exc

    def result(self) -> None:
        self.thread.join()
        if self.error is not None:
            raise self.error


def new_ids(model, count: int, *, above: int = 0) -> list[int]:
    """`count` fresh primary keys for rows inserted with explicit ids.

    PostgreSQL: taken from the table's own sequence, so concurrent inserts never collide.
    SQLite: above the largest id and above `above` (the ids handed out for rows not inserted
    yet), which is safe because the import's transaction holds the database's only write lock
    (settings open every transaction IMMEDIATE).
    """
    if not count:
        return []
    connection = connections[router.db_for_write(model)]
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk])
            if cursor.fetchone()[0] is not None:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [table, pk, count],
                )
                return [row[0] for row in cursor.fetchall()]
            # No sequence of its own: the column's default gives the ids (the cases, once
            # partitioned by year, take theirs from huiyin_case_id(); docs/city.md).
            cursor.execute(
                "SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d JOIN pg_attribute a"
                " ON a.attrelid = d.adrelid AND a.attnum = d.adnum"
                " WHERE d.adrelid = %s::regclass AND a.attname = %s",
                [table, pk],
            )
            default = cursor.fetchone()
            if default is None:
                raise ValueError(f"{table}.{pk} has neither a sequence nor a default")
            # The expression is the database's own catalogue text, not input.
            cursor.execute(f"SELECT {default[0]} FROM generate_series(1, %s)", [count])  # noqa: S608
            return [row[0] for row in cursor.fetchall()]
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT COALESCE(MAX({quote(pk)}), 0) FROM {quote(table)}")  # noqa: S608
        first = max(cursor.fetchone()[0], above) + 1
    return list(range(first, first + count))
