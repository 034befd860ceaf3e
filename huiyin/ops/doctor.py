"""`huiyin doctor`: is this installation healthy? One line per check, exit 1 on any problem.

Checks, in order: configuration, database, migrations, triggers, keys, holidays, backup,
worker, disk.
Each is a function returning a :class:`Result`; an app may add or replace one with
:func:`register` (the task worker, when it exists, replaces "worker"). A check that raises
is reported as a problem with the exception's class, never its arguments (personal data).

Status "info" is neither good nor bad news (no worker configured; next year's holidays
before December, when the State Council's notice may not be out yet) and does not fail.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from huiyin.cases.deadlines import CHINA_TZ
from huiyin.ops import database
from huiyin.ops import manifest as mf
from huiyin.privacy import crypto

OK, FAIL, INFO = "ok", "fail", "info"
MARKS = {OK: "✓", FAIL: "✗", INFO: "·"}
#: From this month on, next year's holiday table must be entered (the notice is out by then).
HOLIDAY_NOTICE_MONTH = 12
#: Encrypted values per column opened to prove the keys (doctor runs often: a sample).
KEY_SAMPLE = 5
#: A queued task waiting longer than this means no worker is taking work (minutes).
WORKER_STALE_MINUTES = 10


@dataclass(frozen=True)
class Result:
    code: str
    status: str
    label: str
    detail: str

    def line(self) -> str:
        text = _("%(label)s: %(detail)s") % {"label": self.label, "detail": self.detail}
        return f"{MARKS[self.status]} {text}"

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Context:
    """What the checks share: the moment, and whether the database answered."""

    today: date
    using: str = DEFAULT_DB_ALIAS
    database_ok: bool | None = None


_CHECKS: dict[str, Callable[[Context], Result]] = {}


def register(code: str, check: Callable[[Context], Result]) -> None:
    """Add a check (or replace the one with this code); checks run in registration order."""
    _CHECKS[code] = check


def run(*, today: date | None = None, using: str = DEFAULT_DB_ALIAS) -> list[Result]:
    context = Context(today or timezone.localdate(timezone=CHINA_TZ), using)
    results = []
    for code, check in _CHECKS.items():
        try:
            result = check(context)
        except Exception as exc:  # a broken check is a problem, not a crash of the doctor
            result = Result(
                code, FAIL, code, _("the check failed: %(error)s") % {"error": type(exc).__name__}
            )
        results.append(result)
    return results


def _needs_database(context: Context, code: str, label: str) -> Result | None:
    if context.database_ok is False:
        return Result(code, FAIL, label, _("not checked: the database does not answer"))
    return None


# --------------------------------------------------------------------------- the checks


def check_configuration(context: Context) -> Result:
    from django.core import checks

    label = _("Configuration")
    if settings.DEBUG:
        return Result(
            "config", FAIL, label, _("HUIYIN_DEBUG is on: never run real data in debug mode")
        )
    if not settings.ALLOWED_HOSTS:
        return Result("config", FAIL, label, _("HUIYIN_ALLOWED_HOSTS is empty"))
    errors = [m for m in checks.run_checks() if m.level >= checks.ERROR and not m.is_silenced()]
    if errors:
        return Result(
            "config",
            FAIL,
            label,
            _("%(count)d system check errors, the first %(id)s")
            % {"count": len(errors), "id": errors[0].id},
        )
    return Result(
        "config",
        OK,
        label,
        _("settings read, system checks pass, data dir %(path)s") % {"path": settings.DATA_DIR},
    )


def check_database(context: Context) -> Result:
    label = _("Database")
    connection = connections[context.using]
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        context.database_ok = False
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return Result(
            "database",
            FAIL,
            label,
            _("cannot connect (%(error)s)")
            % {"error": f"{type(exc).__name__}: {first_line}"[:200]},
        )
    context.database_ok = True
    vendor = database.vendor_label(connection.vendor)
    version = ".".join(str(part) for part in connection.get_database_version())
    return Result(
        "database",
        OK,
        label,
        _("%(vendor)s %(version)s answers") % {"vendor": vendor, "version": version},
    )


def check_migrations(context: Context) -> Result:
    from django.db.migrations.executor import MigrationExecutor

    label = _("Migrations")
    if skipped := _needs_database(context, "migrations", label):
        return skipped
    executor = MigrationExecutor(connections[context.using])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        return Result(
            "migrations",
            FAIL,
            label,
            ngettext(
                "%(count)d migration not applied: back up, then run `huiyin migrate`",
                "%(count)d migrations not applied: back up, then run `huiyin migrate`",
                len(plan),
            )
            % {"count": len(plan)},
        )
    return Result("migrations", OK, label, _("all applied"))


def check_triggers(context: Context) -> Result:
    """The database's own guards and bookkeeping: the audit trail's append-only triggers and
    the ones that keep each petition's latest handling outcome and rating, and, once the
    cases are partitioned, the ones that keep their unique numbers. A later migration
    on SQLite, a restore by hand or a careless administrator can lose them silently;
    `huiyin migrate` makes them again (post_migrate), even with nothing to apply."""
    from huiyin.ops import case_partitions
    from huiyin.petitions import latest
    from huiyin.privacy import triggers as audit

    label = _("Triggers")
    if skipped := _needs_database(context, "triggers", label):
        return skipped
    connection = connections[context.using]
    lost = sorted(latest.missing(connection) | case_partitions.missing_triggers(connection))
    if not audit.installed(connection):
        lost.insert(0, audit.TABLE)
    if lost:
        return Result(
            "triggers",
            FAIL,
            label,
            _("missing: %(names)s; run `huiyin migrate` to make them again")
            % {"names": ", ".join(lost)},
        )
    return Result("triggers", OK, label, _("all in place"))


def _key_files() -> list[Path]:
    files = []
    for name, default in (("HUIYIN_SECRET_KEY", "secret_key"), ("HUIYIN_DATA_KEY", "data_key")):
        if os.environ.get(f"{name}_FILE") and not os.environ.get(name):
            files.append(Path(os.environ[f"{name}_FILE"]))
        elif not os.environ.get(name) and (Path(settings.DATA_DIR) / default).exists():
            files.append(Path(settings.DATA_DIR) / default)
    return files


def check_keys(context: Context) -> Result:
    label = _("Keys")
    secret = settings.SECRET_KEY or ""
    if len(secret) < 50 or len(set(secret)) < 5:
        return Result(
            "keys",
            FAIL,
            label,
            _("HUIYIN_SECRET_KEY is too short or too simple (50 characters at least)"),
        )
    for path in _key_files():
        try:
            mode = path.stat().st_mode
            path.read_bytes()
        except OSError:
            return Result("keys", FAIL, label, _("%(path)s cannot be read") % {"path": path})
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            return Result(
                "keys",
                FAIL,
                label,
                _("%(path)s can be read by others: chmod 600 it") % {"path": path},
            )
    if skipped := _needs_database(context, "keys", label):
        return skipped
    current, known = crypto.current_key_id(), set(crypto.known_key_ids())
    opened = old = broken = 0
    unknown: set[str] = set()
    with connections[context.using].cursor() as cursor:
        for table, column, context_name in database.encrypted_columns():
            cursor.execute(
                f"SELECT {database.quote(column)} FROM {database.quote(table)} "  # noqa: S608
                f"WHERE {database.quote(column)} LIKE %s LIMIT {KEY_SAMPLE}",
                ["v1:%"],
            )
            for (token,) in cursor.fetchall():
                kid = crypto.token_key_id(token)
                if kid not in known:
                    unknown.add(kid)
                    continue
                try:
                    crypto.decrypt(token, context=context_name)
                except crypto.DecryptionError:
                    broken += 1
                    continue
                opened += 1
                old += kid != current
    if unknown:
        return Result(
            "keys",
            FAIL,
            label,
            _("personal data sealed with data key %(ids)s, which is not configured")
            % {"ids": "、".join(sorted(unknown))},
        )
    if broken:
        return Result(
            "keys",
            FAIL,
            label,
            _("%(count)d sampled encrypted values do not open: altered, or sealed elsewhere")
            % {"count": broken},
        )
    values = {"key": current, "count": opened}
    if old:
        detail = (
            _(
                "data key %(key)s; %(count)d sampled encrypted values open, some still under "
                "an old key: run `huiyin rotate-data-key`"
            )
            % values
        )
    else:
        detail = _("data key %(key)s; %(count)d sampled encrypted values open") % values
    return Result("keys", OK, label, detail)


def check_holidays(context: Context) -> Result:
    from huiyin.cases.models import CalendarYear

    label = _("Holidays")
    if skipped := _needs_database(context, "holidays", label):
        return skipped
    this_year, next_year = context.today.year, context.today.year + 1
    years = set(
        CalendarYear.objects.filter(year__in=[this_year, next_year]).values_list("year", flat=True)
    )
    if this_year not in years:
        return Result(
            "holidays",
            FAIL,
            label,
            _("the holidays of %(year)d are not entered: deadlines count weekends only")
            % {"year": this_year},
        )
    if next_year in years:
        return Result(
            "holidays",
            OK,
            label,
            _("%(this)d and %(next)d entered") % {"this": this_year, "next": next_year},
        )
    detail = _(
        "the holidays of %(year)d are not entered yet: enter the State Council's notice in "
        "the admin's holiday table"
    ) % {"year": next_year}
    status = FAIL if context.today.month >= HOLIDAY_NOTICE_MONTH else INFO
    return Result("holidays", status, label, detail)


def check_backup(context: Context) -> Result:
    label = _("Backup")
    base = getattr(settings, "HUIYIN_BACKUP_DIR", "")
    if not base:
        return Result("backup", FAIL, label, _("HUIYIN_BACKUP_DIR is not set: no backups are made"))
    found = mf.backups_in(Path(base))
    if not found:
        return Result("backup", FAIL, label, _("no complete backup in %(path)s") % {"path": base})
    newest = found[0]
    hours = (timezone.now() - newest.created_at).total_seconds() / 3600
    limit = settings.HUIYIN_BACKUP_MAX_AGE_HOURS
    values = {"hours": hours, "limit": limit, "name": newest.path.name}
    if hours > limit:
        return Result(
            "backup",
            FAIL,
            label,
            _("the last backup (%(name)s) is %(hours).0f hours old, more than %(limit)d") % values,
        )
    return Result(
        "backup", OK, label, _("the last backup (%(name)s) is %(hours).1f hours old") % values
    )


def _task_backend() -> str:
    tasks = getattr(settings, "TASKS", None) or {}
    return str((tasks.get("default") or {}).get("BACKEND", ""))


def _queue_model():
    """The task framework's database queue model, when its app is installed."""
    from django.apps import apps

    for label in ("django_tasks_database.DBTaskResult", "django_tasks_db.DBTaskResult"):
        try:
            return apps.get_model(label)
        except (LookupError, ValueError):
            continue
    return None


def check_worker(context: Context) -> Result:
    label = _("Worker")
    backend = _task_backend()
    if not backend or backend.rsplit(".", 1)[-1] in ("ImmediateBackend", "DummyBackend"):
        return Result(
            "worker", INFO, label, _("no worker configured: long work runs in the web process")
        )
    # Only the database backend's queue is ours to read; another backend's (Redis …) is not.
    model = _queue_model() if backend.endswith("DatabaseBackend") else None
    if model is None:
        return Result(
            "worker",
            INFO,
            label,
            _("cannot tell for the task backend %(backend)s") % {"backend": backend},
        )
    if skipped := _needs_database(context, "worker", label):
        return skipped
    from datetime import timedelta

    from django.core.exceptions import FieldError
    from django.db.models import Q

    cutoff = timezone.now() - timedelta(minutes=WORKER_STALE_MINUTES)
    waiting = model.objects.filter(status="READY", enqueued_at__lt=cutoff).filter(
        Q(run_after__isnull=True) | Q(run_after__lt=cutoff)
    )
    try:
        count = waiting.count()
    except FieldError:
        return Result(
            "worker",
            INFO,
            label,
            _("cannot tell for the task backend %(backend)s") % {"backend": backend},
        )
    if count:
        return Result(
            "worker",
            FAIL,
            label,
            _(
                "%(count)d tasks have waited more than %(minutes)d minutes: is `huiyin worker` running?"
            )
            % {"count": count, "minutes": WORKER_STALE_MINUTES},
        )
    return Result(
        "worker",
        OK,
        label,
        _("no task waits longer than %(minutes)d minutes") % {"minutes": WORKER_STALE_MINUTES},
    )


def _disk_places() -> list[Path]:
    places = [Path(settings.DATA_DIR)]
    if getattr(settings, "HUIYIN_BACKUP_DIR", ""):
        places.append(Path(settings.HUIYIN_BACKUP_DIR))
    return places


def check_disk(context: Context) -> Result:
    label = _("Disk")
    wanted = settings.HUIYIN_DISK_MIN_FREE_MB * 1024 * 1024
    parts = []
    for place in _disk_places():
        if not place.is_dir():
            return Result("disk", FAIL, label, _("%(path)s does not exist") % {"path": place})
        if not os.access(place, os.W_OK):
            return Result("disk", FAIL, label, _("%(path)s cannot be written") % {"path": place})
        free = shutil.disk_usage(place).free
        values = {"path": place, "free": free / 1024**3, "wanted": wanted / 1024**3}
        if free < wanted:
            return Result(
                "disk",
                FAIL,
                label,
                _("%(path)s: %(free).1f GB free, less than %(wanted).1f GB") % values,
            )
        parts.append(_("%(path)s: %(free).1f GB free") % values)
    return Result("disk", OK, label, "; ".join(parts))


for _code, _check in (
    ("config", check_configuration),
    ("database", check_database),
    ("migrations", check_migrations),
    ("triggers", check_triggers),
    ("keys", check_keys),
    ("holidays", check_holidays),
    ("backup", check_backup),
    ("worker", check_worker),
    ("disk", check_disk),
):
    register(_code, _check)
