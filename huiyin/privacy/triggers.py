"""Database triggers that refuse UPDATE and DELETE on the audit table, on both vendors.

The ORM already refuses (see `AuditEntry`); the triggers also stop raw SQL and other clients.
They are installed by migration 0002 and re-installed after every `migrate` (post_migrate),
because on SQLite a later migration that remakes the table would drop them silently.

TRUNCATE is not refused on PostgreSQL: Django's `flush` (and the test runner between
transactional tests) empties tables with it. On SQLite `flush` deletes row by row, so our
`flush` command suspends the triggers around it (see management/commands/flush.py). Whoever
can run `flush` or drop a trigger can destroy the trail anyway; the hash chain shows it
(`huiyin audit verify`).
"""

from __future__ import annotations

from contextlib import contextmanager

TABLE = "privacy_auditentry"
MESSAGE = "audit entries are append-only"

_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {TABLE}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
END
$$
"""
_PG_TRIGGER = f"{TABLE}_append_only"
_SQLITE_TRIGGERS = {
    f"{TABLE}_no_update": "UPDATE",
    f"{TABLE}_no_delete": "DELETE",
}


def _table_exists(connection) -> bool:
    with connection.cursor() as cursor:
        return TABLE in connection.introspection.table_names(cursor)


def install_sql(vendor: str) -> list[str]:
    """Statements creating the triggers; each may run again safely."""
    if vendor == "postgresql":
        return [
            _PG_FUNCTION,
            f"DROP TRIGGER IF EXISTS {_PG_TRIGGER} ON {TABLE}",
            f"CREATE TRIGGER {_PG_TRIGGER} BEFORE UPDATE OR DELETE ON {TABLE} "
            f"FOR EACH ROW EXECUTE FUNCTION {TABLE}_append_only()",
        ]
    if vendor == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {event} ON {TABLE} "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            for name, event in _SQLITE_TRIGGERS.items()
        ]
    return []


def uninstall_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {_PG_TRIGGER} ON {TABLE}",
            f"DROP FUNCTION IF EXISTS {TABLE}_append_only()",
        ]
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}" for name in _SQLITE_TRIGGERS]
    return []


def install(connection) -> None:
    """Create the triggers unless they are there and enabled; no-op before the table exists."""
    if not _table_exists(connection) or installed(connection):
        return
    with connection.cursor() as cursor:
        for sql in install_sql(connection.vendor):
            cursor.execute(sql)


def uninstall(connection) -> None:
    """Drop the triggers (flush on SQLite, tamper tests)."""
    if not _table_exists(connection):
        return
    with connection.cursor() as cursor:
        for sql in uninstall_sql(connection.vendor):
            cursor.execute(sql)


@contextmanager
def suspended(connection):
    """The triggers are off inside the block and back on after it, whatever happens."""
    uninstall(connection)
    try:
        yield
    finally:
        install(connection)


def installed(connection) -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgname = %s AND tgenabled <> 'D'",
                [_PG_TRIGGER],
            )
            return cursor.fetchone()[0] == 1
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [TABLE],
            )
            return cursor.fetchone()[0] == len(_SQLITE_TRIGGERS)
    return False
