"""The tasks `huiyin worker` runs: a job of huiyin.reports.jobs, and the periodic tick.

Both are django-tasks tasks on the database backend (settings.TASKS["default"]): the queue is
a table of our own database, so no other server is needed and every app server sees it. With
``HUIYIN_JOBS_SYNC`` (the tests) a job runs at once through the immediate backend.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django_tasks import task

log = logging.getLogger(__name__)

TICK_PATH = "huiyin.ops.tasks.run_tick"


@task()
def run_job(job_id: str, work_path: str, kwargs: dict) -> dict:
    """Run one job (claimed first: huiyin.reports.jobs.execute)."""
    from huiyin.reports import jobs

    return jobs.execute(job_id, work_path, kwargs)


@task()
def run_tick() -> dict:
    """`huiyin tick`: lapsed windows closed, reminders sent, once each (safe to repeat)."""
    from huiyin.cases import reminders

    result = reminders.tick()
    summary = result.summary()
    log.info("tick: %s", summary)
    return {"summary": str(summary)}


def enqueue_job(job_id: str, work_path: str, kwargs: dict, *, sync: bool = False) -> None:
    """Queue a job for the worker (or, with `sync`, run it now in this thread)."""
    chosen = run_job.using(backend="immediate") if sync else run_job
    chosen.enqueue(job_id, work_path, kwargs)


def enqueue_tick() -> bool:
    """Queue a tick unless one is waiting or running already; whether one was queued."""
    from django_tasks_db.models import DBTaskResult

    # A tick "running" for an hour died with its worker: it does not hold the next one back.
    recent = timezone.now() - timedelta(hours=1)
    pending = DBTaskResult.objects.filter(task_path=TICK_PATH).filter(
        Q(status="READY") | Q(status="RUNNING", started_at__gte=recent)
    )
    if pending.exists():
        return False
    run_tick.enqueue()
    return True
