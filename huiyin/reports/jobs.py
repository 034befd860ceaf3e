"""Long work with progress: a report over a long period, a ledger import.

    job = jobs.start(request.user, "word", _("Campaign report"), build, period=period)
    return redirect("reports:job", job.id)

    def build(progress: jobs.Progress, *, period) -> dict:
        progress(0, 3, _("Counting"))
        ...
        path = progress.result_file("report.docx")   # where the result goes
        return {"file": path.name, "download_name": "情况通报.docx"}

The work runs in a background thread of the web process. Its state lives in a small JSON file,
``settings.DATA_DIR/jobs/<id>.json``, replaced atomically (temporary file + ``os.replace``) at
every update, so any gunicorn worker can answer the progress page without a table of its own.
Result files sit beside it in ``jobs/<id>/``. A job belongs to the person who started it:
everyone else gets 404. Files older than a day are removed whenever a job starts.

A work function raising an exception with a user-facing ``message`` (LedgerError,
ReportTemplateError...) ends the job "failed" with that message; any other exception ends it
with a generic one (and the traceback in the log, never on the page).
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import connections
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)

#: Job files older than this are removed (seconds).
MAX_AGE = 24 * 3600
#: A running job whose file has not changed for this long died with its process (seconds).
STALE_AFTER = 15 * 60
#: Progress is written at most this often (seconds), except the first and the last update.
WRITE_INTERVAL = 0.5

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")

MSG_FAILED = _(
    "The work stopped with an unexpected error. Please try again or tell the administrator."
)
MSG_LOST = _("The work was interrupted (the server restarted). Please start it again.")
MSG_QUEUED = _("Waiting to start…")

STATE_LABELS = {
    QUEUED: _("Waiting"),
    RUNNING: _("Running"),
    DONE: _("Done"),
    FAILED: _("Failed"),
}


@dataclass
class Job:
    """The state of one piece of long work, as kept in its JSON file."""

    id: str
    user_id: int
    kind: str
    title: str
    state: str = QUEUED
    done: int = 0
    total: int | None = None
    message: str = ""
    result: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    created: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)

    @property
    def finished(self) -> bool:
        return self.state in (DONE, FAILED)

    @property
    def percent(self) -> int | None:
        """0–100, or None while the total is unknown."""
        if self.state == DONE:
            return 100
        if not self.total:
            return None
        return max(0, min(100, int(self.done * 100 / self.total)))

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS.get(self.state, self.state))

    @property
    def result_path(self) -> Path | None:
        """The result file, when the job made one and it is still there."""
        name = self.result.get("file")
        if not name:
            return None
        path = job_dir(self.id) / Path(name).name
        return path if path.is_file() else None


def jobs_root() -> Path:
    return Path(settings.DATA_DIR) / "jobs"


def _valid_id(job_id: str) -> bool:
    return bool(_ID.fullmatch(str(job_id or "")))


def _state_path(job_id: str) -> Path:
    return jobs_root() / f"{job_id}.json"


def job_dir(job_id: str) -> Path:
    """The folder of a job's files (an upload to read, the result to download)."""
    return jobs_root() / job_id


def _write(job: Job) -> None:
    """Replace the job's file atomically: readers see the old state or the new, never half."""
    root = jobs_root()
    root.mkdir(parents=True, exist_ok=True)
    job.updated = time.time()
    fd, tmp = tempfile.mkstemp(prefix=f".{job.id}.", suffix=".tmp", dir=root)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(asdict(job), handle, ensure_ascii=False)
        os.replace(tmp, _state_path(job.id))
    except BaseException:
        with _suppress():
            os.unlink(tmp)
        raise


class _suppress:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return exc[0] is not None and issubclass(exc[0], OSError)


def load(job_id: str) -> Job | None:
    """The job with this id, or None (no such job, or a file that cannot be read)."""
    if not _valid_id(job_id):
        return None
    try:
        data = json.loads(_state_path(job_id).read_text("utf-8"))
        job = Job(**data)
    except (OSError, ValueError, TypeError):
        return None
    if job.state in (QUEUED, RUNNING) and time.time() - job.updated > STALE_AFTER:
        job.state, job.message = FAILED, str(MSG_LOST)
    return job


def get_for_user(user, job_id: str) -> Job:
    """The job if `user` started it; Http404 otherwise (the same answer as for no such job)."""
    job = load(job_id)
    if job is None or not getattr(user, "is_authenticated", False) or job.user_id != user.pk:
        raise Http404
    return job


def cleanup(max_age: float = MAX_AGE, *, now: float | None = None) -> int:
    """Remove job files and folders older than `max_age` seconds; returns how many jobs went."""
    root = jobs_root()
    if not root.is_dir():
        return 0
    cutoff = (now or time.time()) - max_age
    removed = 0
    for entry in root.iterdir():
        try:
            if entry.stat().st_mtime >= cutoff:
                continue
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink()
                if entry.suffix == ".json":
                    removed += 1
        except OSError:
            continue
    return removed


class Progress:
    """What a work function gets: call it with (done, total, message) as it goes.

    Writes are throttled to one every WRITE_INTERVAL seconds; `force=True` writes now.
    """

    def __init__(self, job: Job | None = None):
        self.job = job
        self._last = 0.0

    def __call__(
        self, done: int, total: int | None = None, message: str | Promise = "", *, force=False
    ) -> None:
        if self.job is None:
            return
        self.job.done, self.job.total = int(done), total
        if message:
            self.job.message = str(message)
        now = time.monotonic()
        if force or now - self._last >= WRITE_INTERVAL:
            self._last = now
            _write(self.job)

    def result_file(self, name: str) -> Path:
        """Where to write a result file called `name` (the folder is created)."""
        if self.job is None:
            raise RuntimeError("result_file() needs a job; the CLI writes where it is told")
        folder = job_dir(self.job.id)
        folder.mkdir(parents=True, exist_ok=True)
        return folder / Path(name).name


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


Work = Callable[..., dict | None]


def _run(job: Job, work: Work, kwargs: dict, *, own_thread: bool = True) -> None:
    progress = Progress(job)
    try:
        job.state, job.message = RUNNING, ""
        _write(job)
        job.result = work(progress, **kwargs) or {}
        job.state, job.done = DONE, job.total or job.done
    except Exception as exc:  # the job must end, whatever happened
        message = user_message(exc)
        if message is None:
            log.exception("job %s (%s) failed", job.id, job.kind)
            message = str(MSG_FAILED)
        job.state, job.message, job.errors = FAILED, message, [message]
    finally:
        with _suppress():
            _write(job)
        if own_thread:
            # The thread's own database connection; never the request's.
            connections.close_all()


def prepare(user, kind: str, title: str | Promise) -> Job:
    """A new job of `user`, waiting; its folder exists (save an upload there before launch)."""
    cleanup()
    job = Job(
        id=secrets.token_urlsafe(18),
        user_id=user.pk,
        kind=kind,
        title=str(title),
        message=str(MSG_QUEUED),
    )
    job_dir(job.id).mkdir(parents=True, exist_ok=True)
    _write(job)
    return job


def launch(job: Job, work: Work, **kwargs) -> Job:
    """Run `work(progress, **kwargs)` for a prepared job in a background thread.

    With ``settings.HUIYIN_JOBS_SYNC`` true (the tests) the work runs before this returns,
    in the caller's thread and database transaction.
    """
    if getattr(settings, "HUIYIN_JOBS_SYNC", False):
        _run(job, work, kwargs, own_thread=False)
    else:
        thread = threading.Thread(
            target=_run, args=(job, work, kwargs), name=f"huiyin-job-{job.kind}", daemon=True
        )
        thread.start()
    return job


def start(user, kind: str, title: str | Promise, work: Work, **kwargs) -> Job:
    """prepare() and launch() in one: the usual way to start long work."""
    return launch(prepare(user, kind, title), work, **kwargs)
