"""The database side of a backup: a consistent copy, and what it holds, on either vendor.

SQLite: `sqlite3.Connection.backup()` (the online backup API) copies the live database in
one step, under one read transaction, while the server keeps writing (WAL): never a file
copy. The facts (rows per table, the audit chain's end, ...) are then read from the copy.

PostgreSQL: a REPEATABLE READ transaction exports its snapshot; the facts are read in it and
`pg_dump -Fc --snapshot=…` dumps that same snapshot, so counts and dump agree exactly.
The password goes to pg_dump and pg_restore in PGPASSWORD, never on the command line.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.apps import apps

from huiyin.privacy.fields import encrypted_fields
from huiyin.privacy.triggers import TABLE as AUDIT_TABLE

MIGRATIONS_TABLE = "django_migrations"
# Options of Django's PostgreSQL backend that are not libpq connection parameters.
_DJANGO_ONLY = {
    "assume_role",
    "context",
    "cursor_factory",
    "isolation_level",
    "pool",
    "prepare_threshold",
    "server_side_binding",
}


class DatabaseError(Exception):
    """A copy or restore that could not be made; the message says why (no password in it)."""


def vendor_label(vendor: str) -> str:
    return {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(vendor, vendor)


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def encrypted_columns() -> list[tuple[str, str, str]]:
    """(table, column, context) of every encrypted field of the installed models."""
    found = []
    for model in apps.get_models():
        if not model._meta.managed or model._meta.proxy:
            continue
        for field in encrypted_fields(model):
            found.append((model._meta.db_table, field.column, field.context))
    return sorted(found)


# --------------------------------------------------------------------------- facts


def list_tables(cursor, vendor: str) -> list[str]:
    if vendor == "sqlite":
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    else:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') "
            # A partition's rows are counted in its partitioned table (huiyin partition-events).
            "AND NOT c.relispartition"
        )
    return sorted(row[0] for row in cursor.fetchall())


def count_rows(cursor, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT count(*) FROM {quote(table)}")  # noqa: S608 (a quoted name)
        counts[table] = int(cursor.fetchone()[0])
    return counts


def _key_id_sql(vendor: str, column: str) -> str:
    col = quote(column)
    if vendor == "sqlite":
        return f"substr({col}, 4, instr(substr({col}, 4), ':') - 1)"
    return f"split_part({col}, ':', 2)"


def facts(cursor, vendor: str) -> dict:
    """Rows per table, the audit chain's end, applied migrations, data key ids in use."""
    tables = list_tables(cursor, vendor)
    counts = count_rows(cursor, tables)
    audit = {"count": counts.get(AUDIT_TABLE, 0), "last_seq": 0, "last_hash": ""}
    if AUDIT_TABLE in counts:
        cursor.execute(f"SELECT seq, hash FROM {quote(AUDIT_TABLE)} ORDER BY seq DESC LIMIT 1")  # noqa: S608
        row = cursor.fetchone()
        if row:
            audit["last_seq"], audit["last_hash"] = int(row[0]), row[1]
    migrations: dict[str, list[str]] = {}
    if MIGRATIONS_TABLE in counts:
        cursor.execute(f"SELECT app, name FROM {MIGRATIONS_TABLE} ORDER BY app, name")  # noqa: S608
        for app, name in cursor.fetchall():
            migrations.setdefault(app, []).append(name)
    key_ids: set[str] = set()
    for table, column, _context in encrypted_columns():
        if table not in counts:
            continue
        cursor.execute(
            f"SELECT DISTINCT {_key_id_sql(vendor, column)} FROM {quote(table)} "  # noqa: S608
            f"WHERE {quote(column)} LIKE 'v1:%'"
        )
        key_ids.update(row[0] for row in cursor.fetchall() if row[0])
    return {
        "tables": counts,
        "audit": audit,
        "migrations": migrations,
        "data_key_ids_used": sorted(key_ids),
    }


# --------------------------------------------------------------------------- SQLite


def sqlite_copy(source: sqlite3.Connection, target: Path) -> None:
    """Copy the database behind `source` into the new file `target` (the online backup API)."""
    destination = sqlite3.connect(target)
    try:
        # pages=-1: one step under one read transaction, so the copy is one moment of the
        # database; in WAL mode the writers go on meanwhile.
        source.backup(destination, pages=-1)
        destination.execute("PRAGMA journal_mode=DELETE")
        destination.commit()
    finally:
        destination.close()
    with open(target, "rb") as handle:
        os.fsync(handle.fileno())


def sqlite_backup(django_connection, target: Path) -> dict:
    """Copy the live database (through Django's own connection) and read the copy's facts."""
    django_connection.ensure_connection()
    if django_connection.in_atomic_block:
        raise DatabaseError("a backup cannot be taken inside a transaction")
    sqlite_copy(django_connection.connection, target)
    return sqlite_facts(target)


def sqlite_facts(path: Path) -> dict:
    reader = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        (check,) = reader.execute("PRAGMA quick_check").fetchone()
        if check != "ok":
            raise DatabaseError(f"the copy fails SQLite's check: {check}")
        return facts(reader.cursor(), "sqlite")
    finally:
        reader.close()


def sqlite_is_empty(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return True
    reader = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return not list_tables(reader.cursor(), "sqlite")
    finally:
        reader.close()


def sqlite_restore(source: Path, target: Path) -> None:
    """Write the backup's database to `target` (which holds no tables), through the API."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.restoring")
    temporary.unlink(missing_ok=True)
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        sqlite_copy(reader, temporary)
    finally:
        reader.close()
    os.chmod(temporary, 0o600)
    # An empty database left by an earlier start may have its WAL files beside it.
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    os.replace(temporary, target)


# --------------------------------------------------------------------------- PostgreSQL


def pg_params(settings_dict: dict) -> tuple[dict, str]:
    """libpq parameters (without the password) and the password, from Django's settings."""
    params = {
        key: value
        for key, value in (settings_dict.get("OPTIONS") or {}).items()
        if key not in _DJANGO_ONLY
    }
    for key, setting in (("dbname", "NAME"), ("user", "USER"), ("host", "HOST"), ("port", "PORT")):
        if settings_dict.get(setting):
            params[key] = str(settings_dict[setting])
    password = params.pop("password", None) or settings_dict.get("PASSWORD") or ""
    return params, str(password)


def _conninfo(params: dict) -> str:
    from psycopg.conninfo import make_conninfo

    return make_conninfo(**params)


def _env(password: str) -> dict:
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = password
    return env


def pg_connect(settings_dict: dict):
    import psycopg

    params, password = pg_params(settings_dict)
    try:
        return psycopg.connect(_conninfo(params), password=password or None)
    except psycopg.Error as exc:
        raise DatabaseError(f"cannot connect to PostgreSQL: {exc}") from None


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise DatabaseError(f"{name} is not installed (Debian: apt install postgresql-client)")
    return found


def pg_backup(settings_dict: dict, target: Path) -> dict:
    """`pg_dump -Fc` of the configured database, and the facts of the same snapshot."""
    pg_dump = _tool("pg_dump")
    params, password = pg_params(settings_dict)
    with pg_connect(settings_dict) as connection:
        cursor = connection.cursor()
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
        snapshot, server_version = cursor.fetchone()
        found = facts(cursor, "postgresql")
        command = [pg_dump, "-Fc", "-w", f"--snapshot={snapshot}", "-f", str(target)]
        result = subprocess.run(  # noqa: S603 (fixed program, no shell)
            [*command, "-d", _conninfo(params)],
            env=_env(password),
            capture_output=True,
            text=True,
            check=False,
        )
        connection.rollback()
    if result.returncode != 0:
        raise DatabaseError(f"pg_dump failed: {result.stderr.strip()[-2000:]}")
    found["server_version"] = server_version
    return found


def pg_is_empty(settings_dict: dict) -> bool:
    with pg_connect(settings_dict) as connection:
        return not list_tables(connection.cursor(), "postgresql")


def pg_restore(source: Path, settings_dict: dict) -> None:
    """`pg_restore` into the configured (empty) database, in one transaction: all or nothing."""
    pg_restore_bin = _tool("pg_restore")
    params, password = pg_params(settings_dict)
    result = subprocess.run(  # noqa: S603 (fixed program, no shell)
        [
            pg_restore_bin,
            "--exit-on-error",
            "--single-transaction",
            "--no-owner",
            "--no-privileges",
            "-w",
            "-d",
            _conninfo(params),
            str(source),
        ],
        env=_env(password),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise DatabaseError(f"pg_restore failed: {result.stderr.strip()[-2000:]}")
