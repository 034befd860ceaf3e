"""Long work with progress: a report over a long period, a ledger import.

    job = jobs.prepare(request.user, "word", _("Campaign report"))
    jobs.launch(job, build, user=request.user, start=period.start, end=period.end)
    return redirect("reports:job", job.id)

    def build(progress: jobs.Progress, *, user, start, end) -> dict:   # module level
        progress(0, 3, _("Counting"))
        ...
        path = progress.result_file("report.docx")   # where the result goes
        return {"file": path.name, "download_name": "情况通报.docx"}

The state of a job is a row of the database (huiyin.ops.models.Job), so every app server
answers its progress page and a restart of the web loses nothing. The work is queued as a
django-tasks task (huiyin.ops.tasks.run_job) and run by `huiyin worker`, which claims the row
with a conditional UPDATE (queued → running): two workers never run one job. The work is named
by its dotted path, from the modules in :data:`WORK_MODULES` only, and its arguments travel as
JSON: a user as its pk, a date as ISO text, plain values as they are; anything else is refused
at launch. Result files sit in ``settings.DATA_DIR/jobs/<id>/``: a disk the app servers and the
worker share. A job belongs to the person who started it: everyone else gets 404. Jobs older
than a day are removed whenever a job starts.

A work function raising an exception with a user-facing ``message`` (LedgerError,
ReportTemplateError...) ends the job "failed" with that message; any other exception ends it
with a generic one (and the traceback in the log, never on the page). A job whose worker died
is queued once more when its kind may safely run again (:data:`IDEMPOTENT_KINDS`: reports and
exports), and otherwise shown failed (an import is never repeated by itself).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import shutil
import sys
import time
from collections.abc import Callable
from contextlib import nullcontext
from datetime import UTC, date, datetime, timedelta
from importlib import import_module
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from huiyin.ops.models import Job
from huiyin.ops.routers import reading_from_replica

log = logging.getLogger(__name__)

#: Jobs (rows and files) older than this are removed (seconds).
MAX_AGE = 24 * 3600
#: A running job whose heartbeat is this old died with its process (seconds).
STALE_AFTER = 15 * 60
#: Progress is written at most this often (seconds), except the first and the last update.
WRITE_INTERVAL = 0.5
#: The modules whose module-level functions may be run as jobs (never an arbitrary path).
WORK_MODULES = frozenset({"huiyin.reports.views.word", "huiyin.reports.views.ledger"})
#: Kinds of work that may run again after a crashed worker: they only read and write a file.
IDEMPOTENT_KINDS = frozenset({"word", "export", "ledger_export"})
#: How often a job is tried in all when its worker dies (an idempotent one only).
MAX_ATTEMPTS = 2
#: Seconds a report or export waits, at most, for the read replica to catch up (else: primary).
REPLICA_CATCH_UP = 2.0

QUEUED, RUNNING, DONE, FAILED = (s.value for s in Job.State)
_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")

MSG_FAILED = _(
    "The work stopped with an unexpected error. Please try again or tell the administrator."
)
MSG_LOST = _("The work was interrupted (the server restarted). Please start it again.")
MSG_QUEUED = _("Waiting to start…")
MSG_RETRY = _("The work was interrupted; it starts again.")

STATE_LABELS = {s.value: s.label for s in Job.State}

Work = Callable[..., dict | None]


def jobs_root() -> Path:
    return Path(settings.DATA_DIR) / "jobs"


def _valid_id(job_id: str) -> bool:
    return bool(_ID.fullmatch(str(job_id or "")))


def job_dir(job_id: str) -> Path:
    """The folder of a job's files (an upload to read, the result to download)."""
    return jobs_root() / job_id


# --------------------------------------------------------------------------- reading


def is_stale(job: Job, now: datetime | None = None) -> bool:
    """Whether a job that is not finished has been abandoned by a dead process."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=STALE_AFTER)
    if job.state == RUNNING:
        return (job.heartbeat or job.started_at or job.created_at) < cutoff
    # Prepared but never launched: the web process died between the two.
    return job.state == QUEUED and not job.work and job.created_at < cutoff


def load(job_id: str) -> Job | None:
    """The job with this id, or None. One abandoned by a dead process is shown failed."""
    if not _valid_id(job_id):
        return None
    job = Job.objects.filter(pk=job_id).first()
    if job is not None and is_stale(job):
        job.state, job.message, job.error = FAILED, str(MSG_LOST), str(MSG_LOST)
    return job


def get_for_user(user, job_id: str) -> Job:
    """The job if `user` started it; Http404 otherwise (the same answer as for no such job)."""
    job = load(job_id)
    if job is None or not getattr(user, "is_authenticated", False) or job.owner_id != user.pk:
        raise Http404
    return job


def cleanup(max_age: float = MAX_AGE, *, now: float | None = None) -> int:
    """Remove jobs (rows and folders) older than `max_age` seconds; returns how many went.

    A running job is left alone. A folder without a row (an older version's job, an upload
    whose job was never made) goes by its age on disk.
    """
    cutoff = (now or time.time()) - max_age
    old = Job.objects.filter(created_at__lt=datetime.fromtimestamp(cutoff, tz=UTC))
    ids = set(old.exclude(state=RUNNING).values_list("pk", flat=True)[:1000])
    Job.objects.filter(pk__in=ids).delete()
    root = jobs_root()
    if not root.is_dir():
        return len(ids)
    for entry in root.iterdir():
        try:
            if entry.name not in ids and (
                entry.stat().st_mtime >= cutoff or Job.objects.filter(pk=entry.name).exists()
            ):
                continue
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink()
        except OSError:
            continue
    return len(ids)


# --------------------------------------------------------------------------- progress


def _save(job: Job, *fields: str) -> None:
    Job.objects.filter(pk=job.pk).update(**{name: getattr(job, name) for name in fields})


class Progress:
    """What a work function gets: call it with (done, total, message) as it goes.

    Writes are throttled to one every WRITE_INTERVAL seconds; `force=True` writes now.
    """

    def __init__(self, job: Job | None = None):
        self.job = job
        self._last = 0.0
        self._side = None
        # Transactions open when the work began (a test's): only the work's own count.
        self._depth = len(connections[DEFAULT_DB_ALIAS].atomic_blocks)

    def __call__(
        self, done: int, total: int | None = None, message: str | Promise = "", *, force=False
    ) -> None:
        if self.job is None:
            return
        self.job.step, self.job.total = max(0, int(done)), total
        if message:
            self.job.message = str(message)[:500]
        now = time.monotonic()
        if force or now - self._last >= WRITE_INTERVAL:
            self._last = now
            _write(self.job, self)

    def write_outside_transaction(self) -> bool:
        """Write the progress through a connection of its own, when the work is inside a
        transaction of its own (an import): PostgreSQL shows it at once. SQLite has one writer,
        the import itself: its progress shows when the transaction ends."""
        connection = connections[DEFAULT_DB_ALIAS]
        if connection.vendor != "postgresql":
            return False
        if self._side is None:
            self._side = connections.create_connection(DEFAULT_DB_ALIAS)
        job = self.job
        table = connection.ops.quote_name(Job._meta.db_table)
        with self._side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET step = %s, total = %s, message = %s, heartbeat = %s"  # noqa: S608
                " WHERE id = %s",
                [job.step, job.total, job.message, timezone.now(), job.pk],
            )
        return True

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None

    def result_file(self, name: str) -> Path:
        """Where to write a result file called `name` (the folder is created)."""
        if self.job is None:
            raise RuntimeError("result_file() needs a job; the CLI writes where it is told")
        folder = job_dir(self.job.id)
        folder.mkdir(parents=True, exist_ok=True)
        return folder / Path(name).name


def _write(job: Job, progress: Progress | None = None) -> None:
    """Store the job's progress (and state) in its row."""
    job.heartbeat = timezone.now()
    connection = connections[DEFAULT_DB_ALIAS]
    own = progress is not None and len(connection.atomic_blocks) > progress._depth
    if own and not getattr(settings, "HUIYIN_JOBS_SYNC", False):
        # Inside the work's own transaction a write would show only at its end.
        if progress is not None:
            try:
                progress.write_outside_transaction()
            except Exception:  # progress is a courtesy: it never stops the work
                log.warning("job %s: progress not written", job.pk, exc_info=True)
        return
    _save(job, "state", "step", "total", "message", "result", "error", "heartbeat")


class StderrProgress(Progress):
    """Progress for the command line: one updating line on stderr (or a line per step)."""

    def __init__(self, stream: IO[str] | None = None, *, label: str = ""):
        super().__init__(None)
        self.stream = stream or sys.stderr
        self.label = label
        self._shown = ""
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def __call__(self, done, total=None, message="", *, force=False) -> None:
        now = time.monotonic()
        if not force and now - self._last < WRITE_INTERVAL:
            return
        self._last = now
        if total:
            text = f"{message} {done}/{total} ({int(done * 100 / total)}%)"
        else:
            text = f"{message} {done}" if done else str(message)
        text = " ".join(text.split())
        if text == self._shown:
            return
        self._shown = text
        if self._tty:
            self.stream.write("\r\x1b[K" + text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self._tty and self._shown:
            self.stream.write("\n")
            self.stream.flush()


def user_message(exc: BaseException) -> str | None:
    """The message an exception carries for the user, if it carries one."""
    message = getattr(exc, "message", None)
    if message is None:
        return None
    return str(message)


# --------------------------------------------------------------------------- the work's name
# and arguments, as they travel through the queue


def work_path(work: Work) -> str:
    """The dotted path of a module-level work function of an allowed module."""
    module = getattr(work, "__module__", "")
    name = getattr(work, "__name__", "")
    if module not in WORK_MODULES or getattr(import_module(module), name, None) is not work:
        raise ValueError(
            f"jobs: {module}.{name} cannot run as a job: only module-level functions of "
            f"{', '.join(sorted(WORK_MODULES))} can (huiyin.reports.jobs.WORK_MODULES)"
        )
    return f"{module}.{name}"


def resolve_work(path: str) -> Work:
    """The work function a queued job names; refused unless it is of an allowed module."""
    module, _dot, name = str(path).rpartition(".")
    if module not in WORK_MODULES or not name.isidentifier() or name.startswith("__"):
        raise ValueError(f"jobs: {path!r} is not work of an allowed module")
    work = getattr(import_module(module), name, None)
    if not callable(work):
        raise ValueError(f"jobs: {path!r} is not a function")
    return work


_PLAIN = (str, int, float, bool, type(None))


def encode(value: Any, name: str = "argument") -> Any:
    """A work argument as JSON: a user as its pk, a date as ISO text, plain values as they are.

    Anything else is refused: a model instance would travel as a stale copy, an open file not
    at all. Pass a pk and look the row up in the work function.
    """
    if isinstance(value, _PLAIN):
        if isinstance(value, float) and value != value:  # NaN is not JSON
            raise TypeError(f"jobs.launch: {name} is NaN")
        return value
    if isinstance(value, get_user_model()):
        return {"$user": value.pk}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, list | tuple):
        return [encode(item, f"{name}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        if any(key.startswith("$") for key in value):
            raise TypeError(f"jobs.launch: {name} has a key starting with $")
        return {key: encode(item, f"{name}[{key!r}]") for key, item in value.items()}
    raise TypeError(
        f"jobs.launch: {name} is a {type(value).__qualname__}, which cannot be queued: pass a "
        "user, a date, a datetime or plain values (str, int, float, bool, None, lists and "
        "dicts of them); for a row, pass its pk"
    )


def decode(value: Any) -> Any:
    if isinstance(value, list):
        return [decode(item) for item in value]
    if isinstance(value, dict):
        if len(value) == 1:
            ((key, item),) = value.items()
            if key == "$user":
                return get_user_model().objects.get(pk=item)
            if key == "$datetime":
                return datetime.fromisoformat(item)
            if key == "$date":
                return date.fromisoformat(item)
        return {key: decode(item) for key, item in value.items()}
    return value


# --------------------------------------------------------------------------- running


def current_worker() -> str:
    from huiyin.ops import worker

    return worker.WORKER_ID or "inline"


def execute(job_id: str, path: str, arguments: dict) -> dict:
    """Run a queued job (what the task run_job does): claim it, run it, record the outcome.

    The claim is one conditional UPDATE (queued → running): a second worker handed the same
    job, or a job already run, finds nothing to claim and does nothing.
    """
    now = timezone.now()
    me = current_worker()
    claimed = Job.objects.filter(pk=job_id, state=QUEUED).update(
        state=RUNNING,
        started_at=now,
        heartbeat=now,
        message="",
        worker=me,
        attempts=F("attempts") + 1,
    )
    if not claimed:
        log.info("job %s: not waiting (already run, running or removed); skipped", job_id)
        return {"job": job_id, "skipped": True}
    job = Job.objects.get(pk=job_id)
    progress = Progress(job)
    try:
        work = resolve_work(path)
        # A report or an export only reads: from the read replica when one is configured,
        # once it has replayed what was saved before the job began (docs/city.md).
        reads = reading_from_replica(catch_up=REPLICA_CATCH_UP) if job.idempotent else nullcontext()
        with reads:
            result = work(progress, **decode(arguments)) or {}
        # Plain JSON (a date as text, keys as strings), as the page and the download read it.
        job.result = json.loads(json.dumps(result, cls=DjangoJSONEncoder))
        job.state, job.step = DONE, job.total or job.step
    except Exception as exc:  # the job must end, whatever happened
        message = user_message(exc)
        if message is None:
            log.exception("job %s (%s) failed", job.id, job.kind)
            message = str(MSG_FAILED)
        job.state, job.message, job.error = FAILED, message[:500], message[:500]
    finally:
        progress.close()
    job.finished_at = job.heartbeat = timezone.now()
    # Only if it is still ours: a worker thought dead may have had its job taken over.
    Job.objects.filter(pk=job.pk, state=RUNNING, worker=me).update(
        state=job.state,
        step=job.step,
        total=job.total,
        message=job.message,
        result=job.result,
        error=job.error,
        finished_at=job.finished_at,
        heartbeat=job.heartbeat,
    )
    return {"job": job_id, "state": job.state}


def prepare(user, kind: str, title: str | Promise) -> Job:
    """A new job of `user`, waiting; its folder exists (save an upload there before launch)."""
    cleanup()
    job = Job.objects.create(
        id=secrets.token_urlsafe(18),
        owner=user,
        kind=kind[:40],
        title=str(title)[:200],
        message=str(MSG_QUEUED),
    )
    job_dir(job.id).mkdir(parents=True, exist_ok=True)
    return job


def launch(job: Job, work: Work, **kwargs) -> Job:
    """Queue `work(progress, **kwargs)` for a prepared job; `huiyin worker` runs it.

    `work` is a module-level function of :data:`WORK_MODULES`; `kwargs` are users, dates and
    plain values (:func:`encode`). With ``settings.HUIYIN_JOBS_SYNC`` true (the tests) the work
    runs before this returns, in the caller's thread and database transaction.
    """
    from huiyin.ops import tasks

    path = work_path(work)
    arguments = encode(kwargs, "the arguments")
    job.work, job.arguments = path, arguments
    job.idempotent = job.kind in IDEMPOTENT_KINDS
    _save(job, "work", "arguments", "idempotent")
    sync = bool(getattr(settings, "HUIYIN_JOBS_SYNC", False))
    tasks.enqueue_job(job.id, path, arguments, sync=sync)
    if sync:
        job.refresh_from_db()
    return job


def start(user, kind: str, title: str | Promise, work: Work, **kwargs) -> Job:
    """prepare() and launch() in one: the usual way to start long work."""
    return launch(prepare(user, kind, title), work, **kwargs)
