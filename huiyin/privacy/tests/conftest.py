"""Fixtures of the privacy tests: fixed data keys, a table with encrypted fields, tampering."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import override_settings

from huiyin.privacy import triggers
from huiyin.privacy.tests import scratch
from huiyin.privacy.tests.scratch import ScratchResident

KEY_A = bytes(range(32))
KEY_B = bytes(range(100, 132))
ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"


@pytest.fixture
def key_a():
    with override_settings(DATA_KEY=KEY_A, OLD_DATA_KEYS=[]):
        yield


@pytest.fixture(scope="module")
def scratch_table(django_db_setup, django_db_blocker):
    """ScratchResident, registered and with its table, for one test module.

    The table is created outside any test transaction (SQLite's schema editor needs that).
    """
    scratch.register()
    try:
        with django_db_blocker.unblock():
            with connection.schema_editor() as editor:
                editor.create_model(ScratchResident)
            try:
                yield ScratchResident
            finally:
                with connection.schema_editor() as editor:
                    editor.delete_model(ScratchResident)
    finally:
        scratch.unregister()


@pytest.fixture
def resident(db, key_a, scratch_table):
    return ScratchResident.objects.create(
        name="张三", id_number=ID_NUMBER, phone=PHONE, note="住在翠屏路 12 号"
    )


def raw_rows(table: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
        return cursor.fetchall()


@contextmanager
def tampering():
    """Switch the append-only triggers off to simulate someone editing the table directly.

    PostgreSQL: ALTER TABLE ... DISABLE TRIGGER, enabled again after the block (first the
    deferred foreign-key checks of the entries just written are run, since ALTER TABLE refuses
    a table with pending trigger events). SQLite has no disabling: the triggers are dropped
    and re-created. Both are DDL inside the test's transaction, so the test's rollback would
    restore them in any case.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {triggers.TABLE} DISABLE TRIGGER USER")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER TABLE {triggers.TABLE} ENABLE TRIGGER USER")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    else:
        with triggers.suspended(connection):
            yield


def tamper(sql: str, params=()) -> None:
    with tampering(), connection.cursor() as cursor:
        cursor.execute(sql, params)
