"""Django's `flush`, able to empty the append-only audit table on SQLite.

On SQLite `flush` deletes row by row, which the audit table's triggers refuse; they are
suspended for the flush and put back after it. (PostgreSQL flushes with TRUNCATE, which the
triggers do not cover.) The test runner flushes between transactional tests with this command.
"""

from __future__ import annotations

from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS, connections

from huiyin.privacy import triggers


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        if connection.vendor != "sqlite":
            return super().handle(**options)
        with triggers.suspended(connection):
            return super().handle(**options)
