"""Indexes made outside Django's model state (per database)."""

from __future__ import annotations

import pytest
from django.db import connection


@pytest.mark.django_db
def test_postgresql_alone_has_the_count_index():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'case_count_kind'")
            (definition,) = cursor.fetchone()
            assert "(kind)" in definition
            assert "WHERE (NOT withdrawn)" in definition
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'case_count_kind'")
            assert cursor.fetchone() is None
