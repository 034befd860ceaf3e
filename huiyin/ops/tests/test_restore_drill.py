"""The restore drill: a demo street → `huiyin backup` → `huiyin restore` into another data dir
(and, on PostgreSQL, a database made for the test) → the same rows, the audit trail intact to
its last hash, an ID number decrypted equal to the one registered, the files. Then the same
restore again is refused, changing nothing. Runs on the suite's database: SQLite, and
PostgreSQL in the run with HUIYIN_TEST_DATABASE_URL."""

from __future__ import annotations

import io
import os
import secrets
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import translation

from huiyin.ops.manifest import read as read_manifest
from huiyin.ops.restore import MSG_DATABASE_NOT_EMPTY, MSG_OTHER_KEY
from huiyin.ops.tests.conftest import craft_backup, data_key_text, run_huiyin
from huiyin.petitions.models import Petitioner
from huiyin.privacy import crypto
from huiyin.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


class Target:
    """Where a restore goes: a new data dir, and a new database on PostgreSQL."""

    def __init__(self, data_dir: Path, database_url: str | None = None):
        self.data_dir = data_dir
        self.database_url = database_url
        data_dir.mkdir(parents=True, exist_ok=True)

    def query(self, sql: str, params=()) -> list[tuple]:
        if self.database_url is None:
            db = sqlite3.connect(self.data_dir / "huiyin.sqlite3")
            try:
                return db.execute(sql.replace("%s", "?"), params).fetchall()
            finally:
                db.close()
        import psycopg

        with psycopg.connect(self.database_url) as db:
            return db.execute(sql, params).fetchall()

    def tables(self) -> dict[str, int]:
        if self.database_url is None and not (self.data_dir / "huiyin.sqlite3").exists():
            return {}
        if self.database_url is None:
            sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        else:
            sql = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        names = [row[0] for row in self.query(sql)]
        return {name: self.query(f'SELECT count(*) FROM "{name}"')[0][0] for name in names}  # noqa: S608


def source_tables() -> dict[str, int]:
    with connection.cursor() as cursor:
        names = connection.introspection.table_names(cursor)
        counts = {}
        for name in names:
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(name)}")  # noqa: S608
            counts[name] = cursor.fetchone()[0]
    return counts


@pytest.fixture
def new_target(tmp_path):
    """Make targets; on PostgreSQL each gets a fresh database, dropped afterwards."""
    made: list[str] = []

    def make(name: str) -> Target:
        if connection.vendor != "postgresql":
            return Target(tmp_path / name)
        import psycopg

        url = os.environ["HUIYIN_TEST_DATABASE_URL"]
        database = f"huiyin_restore_{secrets.token_hex(4)}"
        with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{database}"')
        made.append(database)
        return Target(tmp_path / name, _with_database(url, database))

    yield make
    if made:
        import psycopg

        url = os.environ["HUIYIN_TEST_DATABASE_URL"]
        with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as admin:
            for database in made:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def restore(target: Target, backup: Path, *extra: str, **env: str):
    return run_huiyin(
        "restore",
        "--from",
        str(backup),
        *extra,
        data_dir=target.data_dir,
        database_url=target.database_url,
        **env,
    )


def in_chinese(message) -> str:
    with translation.override("zh-hans"):
        return str(message)


def test_it_restores_the_demo_street_elsewhere_whole(demo_street, tmp_path, new_target):
    before = source_tables()
    last = AuditEntry.objects.order_by("-seq").values_list("seq", "hash").first()
    backups = tmp_path / "backups"
    (backups / "notes").mkdir(parents=True)  # not a backup: retention leaves it alone
    call_command("backup", out=backups / "first", stdout=io.StringIO())
    out = io.StringIO()
    call_command("backup", out=backups / "second", keep=1, stdout=out)
    assert sorted(p.name for p in backups.iterdir()) == ["notes", "second"]
    made = read_manifest(backups / "second")
    assert made["tables"] == before
    assert (made["audit"]["last_seq"], made["audit"]["last_hash"]) == last
    assert made["data_key_ids_used"] == [crypto.current_key_id()]
    # Never a key in the backup: only the key's id.
    text = (backups / "second" / "manifest.json").read_text(encoding="utf-8")
    for secret in (data_key_text(), settings.DATA_KEY.hex(), settings.SECRET_KEY):
        assert secret not in text

    target = new_target("restored")
    done = restore(target, backups / "second")
    assert done.returncode == 0, done.stderr
    checks = [line for line in done.stdout.splitlines() if line[:1] in "✓✗!"]
    assert len(checks) == 6
    assert all(line.startswith("✓") for line in checks), done.stdout

    # Identical counts; the trail ends at the same entry; the ID decrypts to what was typed.
    assert target.tables() == before
    assert target.query("SELECT seq, hash FROM privacy_auditentry ORDER BY seq DESC LIMIT 1") == [
        last
    ]
    field = Petitioner._meta.get_field("id_number")
    [(token,)] = target.query(
        "SELECT id_number FROM petitions_petitioner WHERE id = %s", [demo_street.petitioner_pk]
    )
    assert token.startswith("v1:") and demo_street.id_number not in token
    assert crypto.decrypt(token, context=field.context) == demo_street.id_number
    restored_file = target.data_dir / "attachments" / demo_street.attachment_name
    original_file = Path(settings.ATTACHMENT_DIR) / demo_street.attachment_name
    assert restored_file.read_bytes() == original_file.read_bytes()

    # The same restore again: refused, in Chinese, and nothing changed.
    again = restore(target, backups / "second")
    assert again.returncode != 0
    assert in_chinese(MSG_DATABASE_NOT_EMPTY)[:12] in again.stderr
    assert target.tables() == before


@pytest.mark.django_db(transaction=False)
def test_it_refuses_a_backup_whose_data_key_is_not_configured(tmp_path):
    backup = craft_backup(tmp_path / "backup", data_key_ids_used=["deadbeef"])
    target = Target(tmp_path / "target")
    refused = restore(target, backup)
    assert refused.returncode != 0
    assert "deadbeef" in refused.stderr and crypto.current_key_id() in refused.stderr
    assert in_chinese(MSG_OTHER_KEY)[:8] in refused.stderr
    assert target.tables() == {}
