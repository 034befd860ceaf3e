"""Backups without a database: checking one, retention, refusals before anything is written,
encryption to a GnuPG key. (The round trip through a real database is test_restore_drill.)"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import timezone, translation

from huiyin.ops import gpg
from huiyin.ops import manifest as mf
from huiyin.ops.backup import BackupError, default_out, make_backup, prune
from huiyin.ops.restore import (
    MSG_DAMAGED,
    MSG_DATABASE_NOT_EMPTY,
    MSG_FILES_NOT_EMPTY,
    RestoreError,
    check_backup,
    check_migrations,
    check_target,
)
from huiyin.ops.tests.conftest import craft_backup

SCAN = b"%PDF-1.4 a scanned pledge"


def in_chinese(message) -> str:
    with translation.override("zh-hans"):
        return str(message)


# --------------------------------------------------------------------------- checking


def test_it_finds_a_whole_backup_whole(tmp_path):
    backup = craft_backup(tmp_path / "b", {"attachments/pledges/1/a.pdf": SCAN})
    report = check_backup(backup)
    assert report.ok
    assert [c.status for c in report.checks] == ["ok", "ok"]


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: (b / "attachments/pledges/1/a.pdf").write_bytes(SCAN.replace(b"a ", b"A ")),
        lambda b: (b / "attachments/pledges/1/a.pdf").unlink(),
        lambda b: (b / "database.sqlite3").write_bytes(b"SQLite format 3\x00 and more"),
    ],
    ids=["altered", "missing", "grown"],
)
def test_it_refuses_a_damaged_backup(tmp_path, damage):
    backup = craft_backup(tmp_path / "b", {"attachments/pledges/1/a.pdf": SCAN})
    damage(backup)
    with pytest.raises(RestoreError) as refused:
        check_backup(backup)
    assert str(refused.value).startswith(str(MSG_DAMAGED).split("%")[0])


def test_it_refuses_a_manifest_naming_files_outside_the_backup(tmp_path):
    backup = craft_backup(tmp_path / "b")
    made = json.loads((backup / mf.NAME).read_text())
    made["files"]["../../etc/passwd"] = {"sha256": "0" * 64, "size": 1}
    (backup / mf.NAME).write_text(json.dumps(made))
    with pytest.raises(RestoreError, match="not a path inside"):
        check_backup(backup)


def test_it_refuses_a_directory_that_is_no_backup(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / mf.NAME).write_text('{"format": "something else"}')
    with pytest.raises(RestoreError):
        check_backup(tmp_path / "b")
    with pytest.raises(RestoreError):
        check_backup(tmp_path / "nothing-here")


# --------------------------------------------------------------------------- retention


def _aged(parent: Path, name: str, hours: int) -> Path:
    moment = timezone.now() - timedelta(hours=hours)
    return craft_backup(parent / name, created_at=moment.isoformat(timespec="seconds"))


def test_it_keeps_the_newest_backups_and_touches_nothing_else(tmp_path):
    for name, hours in [("monday", 72), ("tuesday", 48), ("wednesday", 24), ("today", 1)]:
        _aged(tmp_path, name, hours)
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "readme.txt").write_text("keep me")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / mf.NAME).write_text("{not json")
    (tmp_path / "today.partial-x1").mkdir()  # an interrupted backup has no manifest

    removed = prune(tmp_path, 2)

    assert sorted(p.name for p in removed) == ["monday", "tuesday"]
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == ["broken", "notes", "today", "today.partial-x1", "wednesday"]


def test_it_never_prunes_the_backup_just_made(tmp_path):
    future = _aged(tmp_path, "clock-was-wrong", -48)  # "newer" than the one just made
    just_made = _aged(tmp_path, "just-made", 0)
    assert prune(tmp_path, 1, spare=just_made) == [future]
    assert prune(tmp_path, 1, spare=just_made) == []


# --------------------------------------------------------------------------- before writing


def test_it_never_writes_into_a_directory_that_holds_something(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "file").write_text("x")
    with pytest.raises(BackupError):
        make_backup(tmp_path / "out")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["file"]
    with pytest.raises(BackupError):
        make_backup(tmp_path / "new", keep=0)
    assert not (tmp_path / "new").exists()


def test_it_names_a_backup_by_the_time_in_beijing(settings, tmp_path):
    settings.HUIYIN_BACKUP_DIR = ""
    with pytest.raises(BackupError):
        default_out()
    settings.HUIYIN_BACKUP_DIR = str(tmp_path)
    moment = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)  # 00:30 in Beijing
    assert default_out(moment) == tmp_path / "huiyin-20270101-003000"


def test_it_restores_only_into_an_empty_database_and_folder(tmp_path):
    path = tmp_path / "huiyin.sqlite3"
    target = SimpleNamespace(vendor="sqlite", settings_dict={"NAME": str(path)})
    attachments = tmp_path / "attachments"
    check_target(target, attachments)  # nothing there yet: fine

    (attachments / "1").mkdir(parents=True)
    check_target(target, attachments)  # empty folders are fine
    (attachments / "1" / "a.pdf").write_bytes(SCAN)
    with pytest.raises(RestoreError) as refused:
        check_target(target, attachments)
    assert str(refused.value) == str(MSG_FILES_NOT_EMPTY) % {"path": attachments}
    (attachments / "1" / "a.pdf").unlink()

    db = sqlite3.connect(path)
    db.execute("CREATE TABLE t (x)")
    db.close()
    with pytest.raises(RestoreError) as refused, translation.override("zh-hans"):
        check_target(target, attachments)
    assert str(refused.value) == in_chinese(MSG_DATABASE_NOT_EMPTY)


def test_it_refuses_a_backup_from_a_newer_version():
    with pytest.raises(RestoreError, match="cases.9999_from_the_future"):
        check_migrations({"migrations": {"cases": ["0001_initial", "9999_from_the_future"]}})
    # An older backup restores; this version's later migrations are counted for the operator.
    assert check_migrations({"migrations": {"cases": ["0001_initial"]}}) > 0


# --------------------------------------------------------------------------- encryption


@pytest.fixture
def keyring(tmp_path, monkeypatch):
    if not gpg.available():
        pytest.skip("gpg is not installed")
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    monkeypatch.setenv("GNUPGHOME", str(home))
    subprocess.run(
        [shutil.which("gpg"), "--batch", "--passphrase", "", "--quick-gen-key"]
        + ["Huiyin Restore <restore@example.org>", "future-default", "default", "never"],
        check=True,
        capture_output=True,
    )
    yield "restore@example.org"
    if shutil.which("gpgconf"):
        subprocess.run(
            [shutil.which("gpgconf"), "--kill", "gpg-agent"], check=False, capture_output=True
        )


def test_it_encrypts_a_backup_to_a_key_and_opens_it_again(tmp_path, keyring):
    files = {"database.sqlite3": b"SQLite format 3\x00", "attachments/1/a.pdf": SCAN}
    plain = craft_backup(tmp_path / "plain", files)
    made = json.loads((plain / mf.NAME).read_text())
    sealed = tmp_path / "sealed"
    sealed.mkdir()
    gpg.encrypt(plain, sorted(files), keyring, sealed / mf.ARCHIVE_FILE)
    assert SCAN not in (sealed / mf.ARCHIVE_FILE).read_bytes()
    made["archive"] = {
        "file": mf.ARCHIVE_FILE,
        "tool": "gpg",
        "recipient": keyring,
        **mf.describe_files(sealed, [mf.ARCHIVE_FILE])[mf.ARCHIVE_FILE],
    }
    mf.write(sealed, made)

    report = check_backup(sealed)

    assert report.ok
    assert sorted(os.listdir(sealed)) == [mf.NAME, mf.ARCHIVE_FILE]  # opened elsewhere


def test_it_refuses_to_encrypt_to_an_unknown_key(tmp_path, keyring):
    plain = craft_backup(tmp_path / "plain")
    with pytest.raises(gpg.GpgError, match="no public key"):
        gpg.encrypt(plain, ["database.sqlite3"], "nobody@example.org", tmp_path / "x.gpg")
    assert not (tmp_path / "x.gpg").exists()
