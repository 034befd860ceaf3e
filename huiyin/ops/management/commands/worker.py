"""`huiyin worker`: run the queued long work (reports, imports, exports, tick).

django-tasks' database worker (``db_worker``) with Huiyin's defaults: every queue, a poll each
second, no autoreload; beside it a heartbeat thread (huiyin.ops.worker.Heart) that tells the
doctor this worker lives, recovers the jobs of dead workers and, with ``--tick-every``, queues
`tick`. Stop it with SIGTERM (systemd): the task it runs is finished first.
"""

from __future__ import annotations

import logging

from django.core.management.base import CommandError
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands import db_worker

from huiyin.ops import worker as duties

log = logging.getLogger(__name__)


class Command(db_worker.Command):
    help = (
        "Run the queued long work (reports, imports, exports, tick) from the database queue. "
        "Several may run, on any machine that reaches the database and shares the data dir."
    )

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(queue_name="*", reload=False)
        parser.add_argument(
            "--tick-every",
            type=float,
            default=None,
            metavar="MINUTES",
            help="also queue `huiyin tick` every MINUTES (instead of cron)",
        )

    def handle(self, *args, tick_every: float | None = None, **options) -> None:
        if tick_every is not None and not 1 <= tick_every <= 24 * 60:
            raise CommandError("--tick-every must be between 1 and 1440 minutes")
        worker_id = options.get("worker_id") or get_random_string(32)
        options["worker_id"] = worker_id
        duties.WORKER_ID = worker_id
        heart = duties.Heart(worker_id, tick_every=tick_every * 60 if tick_every else None)
        try:
            duties.beat(worker_id)
            duties.recover()
        except Exception as exc:
            raise CommandError(f"the database does not answer: {type(exc).__name__}") from exc
        heart.start()
        try:
            super().handle(*args, **options)
        finally:
            heart.halt.set()
            try:
                duties.stopped(worker_id)
            except Exception:
                log.warning("worker %s: stop not recorded", worker_id, exc_info=True)
            duties.WORKER_ID = ""
