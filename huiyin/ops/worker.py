"""`huiyin worker`'s own duties beside running tasks, and the doctor's "worker" check.

A worker process writes its heartbeat (huiyin.ops.models.WorkerBeat) every BEAT_SECONDS and
the heartbeat of the job it runs, so that the progress page and `huiyin doctor` can tell a
live worker from a dead one. Every RECOVER_SECONDS it looks for jobs left "running" by a worker
that died (no heartbeat for DEAD_AFTER): a report or an export is queued once more, anything
else (an import) is marked failed and never repeated by itself. With ``--tick-every`` it also
queues `tick` (huiyin.ops.tasks.run_tick) at that interval.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import datetime, timedelta

from django.db import connections
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from huiyin.ops import doctor
from huiyin.ops.models import Job, WorkerBeat

log = logging.getLogger(__name__)

#: This process's worker id while it is `huiyin worker` (empty otherwise: jobs run inline).
WORKER_ID = ""
#: How often a worker writes its heartbeat (seconds).
BEAT_SECONDS = 10
#: A worker silent this long is dead: its running jobs are recovered (seconds).
DEAD_AFTER = 120
#: How often a worker looks for the jobs of dead workers (seconds).
RECOVER_SECONDS = 60
#: The doctor: queued work and no worker heartbeat for this long is a problem (minutes).
DOCTOR_SILENT_MINUTES = 5


def beat(worker_id: str, *, now: datetime | None = None) -> None:
    """This worker is alive; so is the job it runs."""
    now = now or timezone.now()
    updated = WorkerBeat.objects.filter(pk=worker_id).update(seen=now, stopped=None)
    if not updated:
        WorkerBeat.objects.create(
            worker_id=worker_id,
            host=socket.gethostname()[:255],
            pid=os.getpid(),
            started=now,
            seen=now,
        )
    Job.objects.filter(worker=worker_id, state=Job.State.RUNNING).update(heartbeat=now)


def stopped(worker_id: str) -> None:
    WorkerBeat.objects.filter(pk=worker_id).update(stopped=timezone.now())


def recover(*, now: datetime | None = None) -> dict[str, int]:
    """Jobs left running by a dead worker: queued again when idempotent, else failed."""
    from huiyin.ops import tasks
    from huiyin.reports import jobs

    now = now or timezone.now()
    dead = WorkerBeat.objects.filter(
        Q(stopped__isnull=False) | Q(seen__lt=now - timedelta(seconds=DEAD_AFTER))
    ).values_list("pk", flat=True)
    abandoned = Job.objects.filter(state=Job.State.RUNNING).filter(
        Q(worker__in=list(dead)) | Q(heartbeat__lt=now - timedelta(seconds=jobs.STALE_AFTER))
    )
    counts = {"requeued": 0, "failed": 0}
    for job in abandoned:
        mine = Job.objects.filter(pk=job.pk, state=Job.State.RUNNING, worker=job.worker)
        if job.idempotent and job.work and job.attempts < jobs.MAX_ATTEMPTS:
            if mine.update(state=Job.State.QUEUED, worker="", message=str(jobs.MSG_RETRY)):
                tasks.enqueue_job(job.pk, job.work, job.arguments)
                counts["requeued"] += 1
                log.warning("job %s (%s): its worker died; queued again", job.pk, job.kind)
        elif mine.update(
            state=Job.State.FAILED,
            message=str(jobs.MSG_LOST),
            error=str(jobs.MSG_LOST),
            finished_at=now,
        ):
            counts["failed"] += 1
            log.warning("job %s (%s): its worker died; failed", job.pk, job.kind)
    return counts


class Heart(threading.Thread):
    """The worker's second thread: heartbeat, recovery of dead workers' jobs, the tick."""

    def __init__(self, worker_id: str, *, tick_every: float | None = None):
        super().__init__(name="huiyin-worker-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.tick_every = tick_every
        self.halt = threading.Event()
        self._last_recover = self._last_tick = float("-inf")

    def once(self, clock: float) -> None:
        from huiyin.ops import tasks

        beat(self.worker_id)
        if clock - self._last_recover >= RECOVER_SECONDS:
            self._last_recover = clock
            recover()
        if self.tick_every and clock - self._last_tick >= self.tick_every:
            self._last_tick = clock
            tasks.enqueue_tick()

    def run(self) -> None:
        import time

        try:
            while not self.halt.is_set():
                try:
                    self.once(time.monotonic())
                except Exception:  # a locked or restarting database: try again next beat
                    log.warning("worker heartbeat not written", exc_info=True)
                self.halt.wait(BEAT_SECONDS)
        finally:
            connections.close_all()


# --------------------------------------------------------------------------- the doctor


def check_worker(context: doctor.Context) -> doctor.Result:
    """Red when work waits and no worker has answered for DOCTOR_SILENT_MINUTES, or a worker
    died; green while a worker answers; information when none has run and nothing waits."""
    backend = doctor._task_backend()
    if not backend.endswith("DatabaseBackend"):
        return doctor.check_worker(context)
    label = _("Worker")
    if skipped := doctor._needs_database(context, "worker", label):
        return skipped
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    cutoff = now - timedelta(minutes=DOCTOR_SILENT_MINUTES)
    waiting = DBTaskResult.objects.ready().count()
    live = WorkerBeat.objects.filter(stopped__isnull=True, seen__gte=cutoff).count()
    values = {"waiting": waiting, "live": live, "minutes": DOCTOR_SILENT_MINUTES}
    if live:
        return doctor.Result(
            "worker",
            doctor.OK,
            label,
            ngettext("%(live)d worker answers", "%(live)d workers answer", live) % values
            + _("; %(waiting)d tasks waiting") % values,
        )
    if waiting:
        return doctor.Result(
            "worker",
            doctor.FAIL,
            label,
            _(
                "%(waiting)d tasks wait and no worker has answered for %(minutes)d minutes:"
                " is `huiyin worker` running?"
            )
            % values,
        )
    crashed = WorkerBeat.objects.filter(stopped__isnull=True).order_by("-seen").first()
    if crashed is not None:
        return doctor.Result(
            "worker",
            doctor.FAIL,
            label,
            _("the worker on %(host)s stopped answering %(minutes)d minutes ago")
            % {"host": crashed.host, "minutes": (now - crashed.seen).total_seconds() // 60},
        )
    if not WorkerBeat.objects.exists():
        return doctor.Result(
            "worker", doctor.INFO, label, _("no worker has run yet; no task waits")
        )
    return doctor.Result("worker", doctor.INFO, label, _("the worker was stopped; no task waits"))
