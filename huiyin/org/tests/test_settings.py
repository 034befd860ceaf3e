"""Start-up configuration: a bad or missing variable stops with one line naming it."""

import os
import subprocess
import sys

import pytest

from huiyin.env import ConfigError, envbool, envint, envstr


def run_huiyin(args, env_extra, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUIYIN_")}
    env.update({"HUIYIN_DATA_DIR": str(tmp_path)})
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "-m", "huiyin", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_reads_booleans_and_refuses_nonsense(monkeypatch):
    monkeypatch.setenv("HUIYIN_X", "yes")
    assert envbool("HUIYIN_X", False) is True
    monkeypatch.setenv("HUIYIN_X", "perhaps")
    with pytest.raises(ConfigError, match="HUIYIN_X"):
        envbool("HUIYIN_X", False)


def test_it_reads_integers_and_refuses_nonsense(monkeypatch):
    monkeypatch.setenv("HUIYIN_N", "45")
    assert envint("HUIYIN_N", 30) == 45
    monkeypatch.setenv("HUIYIN_N", "thirty")
    with pytest.raises(ConfigError, match="HUIYIN_N"):
        envint("HUIYIN_N", 30)
    monkeypatch.setenv("HUIYIN_N", "0")
    with pytest.raises(ConfigError, match="at least 1"):
        envint("HUIYIN_N", 30, minimum=1)


def test_it_reads_a_secret_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "s"
    secret.write_text("abc\n")
    monkeypatch.delenv("HUIYIN_S", raising=False)
    monkeypatch.setenv("HUIYIN_S_FILE", str(secret))
    assert envstr("HUIYIN_S") == "abc"


def test_it_stops_without_a_secret_key_in_production(tmp_path):
    result = run_huiyin(["check"], {"HUIYIN_DEBUG": "0"}, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "huiyin: HUIYIN_SECRET_KEY is not set (required when HUIYIN_DEBUG is off)"
    )


def test_it_stops_on_a_malformed_data_key(tmp_path):
    result = run_huiyin(
        ["check"],
        {"HUIYIN_SECRET_KEY": "x" * 60, "HUIYIN_DATA_KEY": "short", "HUIYIN_ALLOWED_HOSTS": "a"},
        tmp_path,
    )
    assert result.returncode == 2
    assert "HUIYIN_DATA_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_it_stops_on_a_malformed_debug_flag(tmp_path):
    result = run_huiyin(["check"], {"HUIYIN_DEBUG": "maybe"}, tmp_path)
    assert result.returncode == 2
    assert "HUIYIN_DEBUG" in result.stderr and "Traceback" not in result.stderr


def test_it_generates_demo_keys_once_with_private_mode(tmp_path):
    result = run_huiyin(["check"], {"HUIYIN_DEBUG": "1"}, tmp_path)
    assert result.returncode == 0, result.stderr
    key = tmp_path / "data_key"
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    first = key.read_text()
    run_huiyin(["check"], {"HUIYIN_DEBUG": "1"}, tmp_path)
    assert key.read_text() == first


def test_it_passes_the_deploy_check_with_production_variables(tmp_path):
    key = run_huiyin(["genkey"], {}, tmp_path).stdout.strip()
    result = run_huiyin(
        ["check", "--deploy", "--fail-level", "WARNING"],
        {
            "HUIYIN_DEBUG": "0",
            "HUIYIN_SECRET_KEY": "k" + key + key,
            "HUIYIN_DATA_KEY": key,
            "HUIYIN_ALLOWED_HOSTS": "huiyin.example.gov.cn",
            "HUIYIN_DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        },
        tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr


def test_it_opens_sqlite_in_wal_mode_with_foreign_keys(db):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone()[0] == 1
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 5000


def test_it_runs_code_only_commands_without_secrets_and_stores_none(tmp_path):
    result = run_huiyin(["makemigrations", "--check", "--dry-run"], {"HUIYIN_DEBUG": "0"}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "secret_key").exists()
    assert not (tmp_path / "data_key").exists()
