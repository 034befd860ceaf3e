"""A database state built once per run and put back for each test that wants it.

Browser journeys run on pytest-django's live server, so their tests commit for real and the
database is emptied after each one: a journey that needs the demo street would load it again
and again (seconds each time, through every service). `restored_or_built("demo street",
build)` builds it the first time and copies the whole database aside; the next test of the
process gets that copy put back instead, byte for byte, in milliseconds.

Only where that is exact: the test database is SQLite in memory (the default run), copied
with SQLite's own backup. Elsewhere (PostgreSQL) it simply builds each time.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from django.contrib.contenttypes.models import ContentType
from django.db import connection

_copies: dict[str, sqlite3.Connection] = {}


def _copyable() -> bool:
    return (
        connection.vendor == "sqlite"
        and connection.is_in_memory_db()
        and not connection.in_atomic_block
    )


def restored_or_built(key: str, build: Callable[[], object]) -> None:
    """The database as `build()` left it the first time this run; built now where it can't be.

    For tests whose database is emptied after them (transactional tests, the live server):
    the copy replaces every table, so whatever the test before left is gone too.
    """
    if not _copyable():
        build()
        return
    connection.ensure_connection()
    copy = _copies.get(key)
    if copy is not None:
        copy.backup(connection.connection)
        # Rows were replaced under Django's feet: content type ids come from the copy now.
        ContentType.objects.clear_cache()
        return
    build()
    copy = sqlite3.connect(":memory:", check_same_thread=False)
    connection.connection.backup(copy)
    _copies[key] = copy
