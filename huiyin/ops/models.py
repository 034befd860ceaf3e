"""The state of long work (huiyin.reports.jobs) and the task workers' heartbeats.

A Job row is what the progress page reads, from any app server: who started it, how far it
is, and how it ended. The work itself is queued as a django-tasks task (huiyin.ops.tasks) and
run by `huiyin worker`; result files sit in ``DATA_DIR/jobs/<id>/`` (a disk every app server
and the worker share, docs/deploy.md).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    id = models.CharField(primary_key=True, max_length=64, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    step = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(null=True, blank=True)
    message = models.CharField(max_length=500, blank=True)
    #: File name, download name, counts: what the work function returned (JSON).
    result = models.JSONField(default=dict, blank=True)
    #: The message a failed job shows its owner (never a traceback).
    error = models.CharField(max_length=500, blank=True)
    #: The module-level work function (dotted path) and its JSON arguments, once launched;
    #: kept so that a crashed worker's idempotent job can be queued again.
    work = models.CharField(max_length=200, blank=True)
    arguments = models.JSONField(default=dict, blank=True)
    idempotent = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    worker = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    #: Written by the progress and by the worker's heartbeat while the job runs.
    heartbeat = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        indexes = [models.Index(fields=["state", "created_at"], name="ops_job_state_created")]

    def __str__(self) -> str:
        return f"{self.kind} {self.id} ({self.state})"

    # What the progress page and the callers of huiyin.reports.jobs read.

    @property
    def user_id(self) -> int:
        return self.owner_id

    @property
    def done(self) -> int:
        return self.step

    @done.setter
    def done(self, value: int) -> None:
        self.step = value

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def percent(self) -> int | None:
        """0–100, or None while the total is unknown."""
        if self.state == self.State.DONE:
            return 100
        if not self.total:
            return None
        return max(0, min(100, int(self.step * 100 / self.total)))

    @property
    def state_label(self) -> str:
        return str(self.State(self.state).label) if self.state in self.State else self.state

    @property
    def errors(self) -> list[str]:
        return [self.error] if self.error else []

    @property
    def result_path(self) -> Path | None:
        """The result file, when the job made one and it is still there."""
        name = (self.result or {}).get("file")
        if not name:
            return None
        path = Path(settings.DATA_DIR) / "jobs" / self.id / Path(name).name
        return path if path.is_file() else None


class WorkerBeat(models.Model):
    """One `huiyin worker` process: it writes `seen` every few seconds while it lives."""

    worker_id = models.CharField(primary_key=True, max_length=64)
    host = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(default=0)
    started = models.DateTimeField()
    seen = models.DateTimeField()
    #: Set when the worker stopped cleanly (a signal); a crashed worker leaves it empty.
    stopped = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}"
