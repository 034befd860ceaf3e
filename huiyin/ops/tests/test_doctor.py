"""`huiyin doctor`: green on a fresh installation, red for each problem it checks."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import override_settings
from django.utils import timezone

from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.models import CalendarYear
from huiyin.ops import doctor
from huiyin.ops.tests.conftest import craft_backup, run_huiyin
from huiyin.org.roles import Role
from huiyin.petitions import latest
from huiyin.petitions.tests.factories import petitioner, register
from huiyin.privacy import crypto
from huiyin.privacy import triggers as audit

pytestmark = pytest.mark.django_db

OTHER_KEY = bytes(range(100, 132))


@pytest.fixture
def fresh(settings, tmp_path, personas):
    """A deployment as docs/deploy.md leaves it: production settings, this year's and next
    year's holidays, a backup made an hour ago, a petition with its identity encrypted."""
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["huiyin.example.gov.cn"]
    settings.HUIYIN_BACKUP_DIR = str(tmp_path / "backups")
    settings.HUIYIN_BACKUP_MAX_AGE_HOURS = 26
    settings.HUIYIN_DISK_MIN_FREE_MB = 1
    settings.TASKS = None
    an_hour_ago = timezone.now() - timedelta(hours=1)
    craft_backup(tmp_path / "backups" / "last", created_at=an_hour_ago.isoformat())
    this_year = timezone.localdate(timezone=CHINA_TZ).year
    for year in (this_year, this_year + 1):
        CalendarYear.objects.get_or_create(year=year)
    register(personas[Role.PETITION_CLERK], petitioners=[petitioner()])
    return settings


def results(**kwargs) -> dict[str, doctor.Result]:
    return {r.code: r for r in doctor.run(**kwargs)}


def failing(**kwargs) -> set[str]:
    return {code for code, r in results(**kwargs).items() if r.status == doctor.FAIL}


def test_it_is_green_on_a_fresh_installation(fresh):
    found = results()
    assert list(found) == [
        "config",
        "database",
        "migrations",
        "triggers",
        "keys",
        "holidays",
        "backup",
        "worker",
        "disk",
    ]
    assert {code: r.status for code, r in found.items() if r.status != doctor.OK} == {
        "worker": doctor.INFO  # no task worker configured: said, not a problem
    }
    out = io.StringIO()
    call_command("doctor", stdout=out)  # exit status 0: no SystemExit
    lines = out.getvalue().splitlines()
    assert len(lines) == 9
    assert [line[0] for line in lines] == ["✓"] * 7 + ["·", "✓"]


def test_it_exits_non_zero_and_says_which_check_failed(fresh):
    fresh.HUIYIN_BACKUP_DIR = ""
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("doctor", "--json", stdout=out)
    assert exited.value.code == 1
    [bad] = [r for r in json.loads(out.getvalue()) if r["status"] == "fail"]
    assert bad["code"] == "backup"


def test_it_flags_debug_mode_and_missing_hosts(fresh):
    fresh.DEBUG = True
    assert failing() == {"config"}
    fresh.DEBUG = False
    fresh.ALLOWED_HOSTS = []
    assert failing() == {"config"}


def test_it_flags_a_database_that_does_not_answer(fresh, monkeypatch):
    def refuse():
        raise OperationalError("connection to server at 127.0.0.1 failed")

    with monkeypatch.context() as patched:
        patched.setattr(connection, "ensure_connection", refuse)
        found = results()
    assert found["database"].status == doctor.FAIL
    assert "127.0.0.1" in found["database"].detail
    # What needs the database says it was not checked, as a problem, not as good news.
    for code in ("migrations", "keys", "holidays"):
        assert found[code].status == doctor.FAIL


def test_it_flags_migrations_not_applied(fresh):
    recorded = MigrationRecorder.Migration.objects.filter(app="cases").order_by("-id").first()
    recorded.delete()
    assert failing() == {"migrations"}


def test_it_flags_triggers_gone_missing_and_migrate_makes_them_again(fresh):
    latest.uninstall(connection)
    try:
        found = results()
        assert {code for code, r in found.items() if r.status == doctor.FAIL} == {"triggers"}
        assert "cases_clock_latest_insert" in found["triggers"].detail
        assert "huiyin migrate" in found["triggers"].detail
    finally:
        call_command("migrate", verbosity=0)  # nothing to apply; post_migrate puts them back
    assert failing() == set()
    audit.uninstall(connection)
    try:
        assert audit.TABLE in results()["triggers"].detail
    finally:
        audit.install(connection)
    assert failing() == set()


def test_it_flags_personal_data_sealed_with_a_key_not_configured(fresh, personas):
    # A petition written while another key was configured (a restore without its key, a
    # rotation that lost the old key): the doctor's sample of the table reaches it.
    with override_settings(DATA_KEY=OTHER_KEY, OLD_DATA_KEYS=[]):
        register(personas[Role.PETITION_CLERK], petitioners=[petitioner("赵六")])
    found = results()["keys"]
    assert found.status == doctor.FAIL
    assert crypto.key_id(OTHER_KEY) in found.detail
    with override_settings(OLD_DATA_KEYS=[OTHER_KEY]):
        assert results()["keys"].status == doctor.OK  # rotation pending: readable


def test_it_flags_a_key_file_others_can_read(fresh, tmp_path, monkeypatch):
    key_file = tmp_path / "data_key"
    key_file.write_text("not read by the doctor beyond its mode\n")
    key_file.chmod(0o644)
    monkeypatch.delenv("HUIYIN_DATA_KEY", raising=False)
    monkeypatch.setenv("HUIYIN_DATA_KEY_FILE", str(key_file))
    found = results()["keys"]
    assert found.status == doctor.FAIL and str(key_file) in found.detail
    key_file.chmod(0o600)
    assert results()["keys"].status == doctor.OK


def test_it_flags_a_weak_secret_key(fresh):
    fresh.SECRET_KEY = "x" * 60
    assert failing() == {"keys"}


@pytest.mark.parametrize(
    ("today", "status"),
    [(date(2031, 6, 30), doctor.INFO), (date(2031, 12, 1), doctor.FAIL)],
    ids=["june: the notice may not be out", "december: it is"],
)
def test_it_wants_next_years_holidays_by_december(fresh, today, status):
    CalendarYear.objects.get_or_create(year=2031)
    CalendarYear.objects.filter(year=2032).delete()
    assert results(today=today)["holidays"].status == status
    CalendarYear.objects.get_or_create(year=2032)
    assert results(today=today)["holidays"].status == doctor.OK


def test_it_flags_a_year_without_its_holidays(fresh):
    CalendarYear.objects.filter(year=2031).delete()
    assert results(today=date(2031, 3, 1))["holidays"].status == doctor.FAIL


def test_it_flags_backups_missing_or_too_old(fresh, tmp_path):
    fresh.HUIYIN_BACKUP_DIR = ""
    assert failing() == {"backup"}
    fresh.HUIYIN_BACKUP_DIR = str(tmp_path / "empty")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "huiyin-interrupted.partial-1").mkdir()
    assert failing() == {"backup"}
    fresh.HUIYIN_BACKUP_DIR = str(tmp_path / "old")
    two_days_ago = timezone.now() - timedelta(hours=48)
    craft_backup(tmp_path / "old" / "b", created_at=two_days_ago.isoformat())
    assert failing() == {"backup"}
    fresh.HUIYIN_BACKUP_MAX_AGE_HOURS = 72
    assert failing() == set()


def test_it_says_when_no_worker_is_configured_and_when_it_cannot_tell(fresh):
    assert results()["worker"].status == doctor.INFO
    fresh.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    assert results()["worker"].status == doctor.INFO
    fresh.TASKS = {"default": {"BACKEND": "somewhere.RedisBackend"}}
    assert results()["worker"].status == doctor.INFO


def test_it_flags_too_little_disk_space_and_a_missing_data_dir(fresh, tmp_path):
    fresh.HUIYIN_DISK_MIN_FREE_MB = 1024**3  # a petabyte
    assert failing() == {"disk"}
    fresh.HUIYIN_DISK_MIN_FREE_MB = 1
    fresh.HUIYIN_BACKUP_DIR = str(tmp_path / "unmounted")
    assert failing() == {"backup", "disk"}


def test_a_broken_check_is_a_problem_not_a_crash(fresh, monkeypatch):
    def broken(context):
        raise RuntimeError("11010519491231002X")  # never printed: could be personal data

    monkeypatch.setitem(doctor._CHECKS, "holidays", broken)
    found = results()["holidays"]
    assert found.status == doctor.FAIL
    assert "RuntimeError" in found.detail and "1101" not in found.detail


def test_the_command_exits_non_zero_when_the_database_is_gone(tmp_path):
    done = run_huiyin(
        "doctor",
        data_dir=tmp_path,
        database_url="postgres://huiyin@127.0.0.1:9/huiyin",  # nothing listens on port 9
        HUIYIN_BACKUP_DIR=str(tmp_path),
    )
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert len(lines) == 9
    assert lines[1].startswith("✗") and "127.0.0.1" in lines[1]
