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


@pytest.mark.django_db
def test_postgresql_alone_has_the_street_count_index():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'case_count_street'")
            (definition,) = cursor.fetchone()
            assert "(street_id, kind)" in definition
            assert "WHERE (NOT withdrawn)" in definition
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'case_count_street'")
            assert cursor.fetchone() is None


@pytest.mark.django_db
def test_postgresql_alone_has_the_street_list_indexes_and_the_places_dependencies():
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("SELECT name FROM sqlite_master WHERE name LIKE 'case_street_list%'")
            assert cursor.fetchall() == []
            return
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes"
            " WHERE indexname LIKE 'case_street_list%' ORDER BY 1"
        )
        found = dict(cursor.fetchall())
        assert (
            "(street_id, kind, due_on, received_at DESC, id DESC)" in found["case_street_list_due"]
        )
        assert "(street_id, kind, received_at DESC, id DESC)" in found["case_street_list_received"]
        assert all("WHERE (NOT withdrawn)" in definition for definition in found.values())
        cursor.execute("SELECT stxkind FROM pg_statistic_ext WHERE stxname = 'case_places'")
        assert cursor.fetchone()[0] == ["f"]


@pytest.mark.django_db
def test_postgresql_alone_has_the_open_cases_due_index():
    """The overdue and due-soon counts' index (bench/README.md, "A city": the plan reads it
    alone): the open cases only, with the places a list narrows them to."""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'case_open_due'")
            assert cursor.fetchone() is None
            return
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'case_open_due'")
        (definition,) = cursor.fetchone()
    assert "(kind, due_on, street_id, community_id)" in definition
    assert "WHERE ((closed_at IS NULL) AND (NOT withdrawn))" in definition


@pytest.mark.django_db
def test_postgresql_alone_has_the_community_received_index():
    """A community's lists and counts over a period: one range of this index."""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'case_community_received'")
            assert cursor.fetchone() is None
            return
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'case_community_received'"
        )
        (definition,) = cursor.fetchone()
    assert "(community_id, kind, received_at DESC, id DESC)" in definition
    assert "WHERE (NOT withdrawn)" in definition
