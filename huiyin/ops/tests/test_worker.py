"""The task worker: jobs queued in the database, claimed once, recovered after a crash, the
arguments that may travel, the tick, and the doctor's "worker" check."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from huiyin.ops import doctor, tasks
from huiyin.ops import worker as duties
from huiyin.ops.models import Job, WorkerBeat
from huiyin.org.roles import Role
from huiyin.reports import jobs

pytestmark = pytest.mark.django_db

RUNS: list[dict] = []


def counting(progress, *, steps: int, day: date, user) -> dict:
    RUNS.append({"steps": steps, "day": day, "user": user.pk})
    for step in range(steps):
        progress(step, steps, "step", force=True)
    return {"kind": "word", "counts": {1: steps}, "day": day}


class Refusal(Exception):
    message = "The ledger has no header row"


def refusing(progress, **kwargs) -> dict:
    raise Refusal()


@pytest.fixture(autouse=True)
def setup(monkeypatch, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.HUIYIN_JOBS_SYNC = False
    monkeypatch.setattr(jobs, "WORK_MODULES", jobs.WORK_MODULES | {__name__})
    RUNS.clear()
    with translation.override("en"):
        yield
    duties.WORKER_ID = ""


@pytest.fixture
def clerk(personas):
    return personas[Role.PETITION_CLERK]


def drain(worker_id: str = "worker-a") -> int:
    """What `huiyin worker --batch` does, in this test's transaction: claim and run each
    ready task with django-tasks' own worker code."""
    duties.WORKER_ID = worker_id
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    ran = 0
    while (ready := DBTaskResult.objects.ready().first()) is not None:
        ready.claim(worker_id)
        worker.run_task(ready)
        ran += 1
    duties.WORKER_ID = ""
    return ran


def launch(user, kind: str = "word", work=counting, **kwargs) -> Job:
    kwargs = kwargs or {"steps": 3, "day": date(2026, 5, 1), "user": user}
    return jobs.launch(jobs.prepare(user, kind, "Report"), work, **kwargs)


def test_a_job_queued_by_one_app_server_is_run_by_the_worker_and_seen_by_another(client, clerk):
    job = launch(clerk)
    # Another app server has nothing but the database: the page shows the job waiting.
    client.force_login(clerk)
    url = reverse("reports:job", args=[job.id])
    assert "hx-trigger" in client.get(url).content.decode()
    assert Job.objects.get(pk=job.id).state == jobs.QUEUED and not RUNS
    assert drain() == 1
    row = Job.objects.get(pk=job.id)
    assert row.state == jobs.DONE and row.worker == "worker-a" and row.attempts == 1
    assert (row.step, row.total) == (3, 3)
    # The arguments came back as they went: a date, the user.
    assert [{"steps": 3, "day": date(2026, 5, 1), "user": clerk.pk}] == RUNS
    assert row.result == {"kind": "word", "counts": {"1": 3}, "day": "2026-05-01"}
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in fragment


def test_a_failed_work_shows_its_message_and_an_unexpected_error_a_generic_one(clerk):
    refused = launch(clerk, work=refusing, steps=1)
    drain()
    row = jobs.load(refused.id)
    assert row.state == jobs.FAILED and row.message == "The ledger has no header row"
    assert row.errors == ["The ledger has no header row"]
    broken = launch(clerk, work=counting, steps=1)  # `day` and `user` missing: a TypeError
    drain()
    row = jobs.load(broken.id)
    assert row.state == jobs.FAILED and row.message == str(jobs.MSG_FAILED)


def test_the_claim_prevents_a_second_run(clerk):
    job = launch(clerk)
    # The same job handed out twice (a retry racing the first, two workers): one run.
    tasks.enqueue_job(job.id, f"{__name__}.counting", Job.objects.get(pk=job.id).arguments)
    assert drain() == 2
    assert len(RUNS) == 1
    assert jobs.execute(job.id, f"{__name__}.counting", {}) == {"job": job.id, "skipped": True}
    assert len(RUNS) == 1


def test_a_worker_thought_dead_does_not_overwrite_the_job_taken_over(clerk):
    job = launch(clerk)
    Job.objects.filter(pk=job.id).update(state=jobs.RUNNING, worker="someone-else")
    assert jobs.execute(job.id, f"{__name__}.counting", {})["skipped"]
    assert Job.objects.get(pk=job.id).worker == "someone-else"


def test_only_work_of_the_allowed_modules_runs(clerk):
    def local(progress) -> dict:
        return {}

    with pytest.raises(ValueError, match="cannot run as a job"):
        launch(clerk, work=local, steps=1)
    with pytest.raises(ValueError, match="not work of an allowed module"):
        jobs.resolve_work("os.system")
    with pytest.raises(ValueError, match="not work of an allowed module"):
        jobs.resolve_work("huiyin.reports.views.word.__class__")
    # A queued task naming other work (a tampered row) ends failed, running nothing.
    job = jobs.prepare(clerk, "word", "Report")
    tasks.enqueue_job(job.id, "subprocess.run", {"args": ["true"]})
    Job.objects.filter(pk=job.id).update(work="subprocess.run")
    drain()
    assert Job.objects.get(pk=job.id).state == jobs.FAILED


def test_the_arguments_refuse_an_object(clerk):
    with pytest.raises(TypeError, match="cannot be queued"):
        launch(clerk, steps=1, day=date(2026, 5, 1), extra=object())
    with pytest.raises(TypeError, match="cannot be queued"):
        jobs.encode({"rows": [1, 2, clerk.groups]})
    with pytest.raises(TypeError, match="NaN"):
        jobs.encode(float("nan"))
    assert not DBTaskResult.objects.exists()  # nothing was queued
    assert jobs.decode(jobs.encode({"d": date(2026, 1, 2), "n": [1, "x", None]})) == {
        "d": date(2026, 1, 2),
        "n": [1, "x", None],
    }


def test_a_running_job_with_a_stale_heartbeat_is_shown_failed(clerk):
    job = launch(clerk)
    long_ago = timezone.now() - timedelta(seconds=jobs.STALE_AFTER + 1)
    Job.objects.filter(pk=job.id).update(state=jobs.RUNNING, heartbeat=long_ago)
    shown = jobs.load(job.id)
    assert shown.state == jobs.FAILED and shown.message == str(jobs.MSG_LOST)
    Job.objects.filter(pk=job.id).update(heartbeat=timezone.now())
    assert jobs.load(job.id).state == jobs.RUNNING
    # Queued and launched: it waits for the worker, however long.
    Job.objects.filter(pk=job.id).update(state=jobs.QUEUED, created_at=long_ago)
    assert jobs.load(job.id).state == jobs.QUEUED


def test_a_dead_workers_report_runs_again_once_and_an_import_never(clerk):
    report = launch(clerk)
    upload = launch(clerk, kind="ledger_import")
    drain()  # both done; now pretend both were running on a worker that died
    now = timezone.now()
    gone = now - timedelta(seconds=duties.DEAD_AFTER + 1)
    WorkerBeat.objects.create(worker_id="dead", started=gone, seen=gone)
    Job.objects.update(state=jobs.RUNNING, worker="dead", heartbeat=now, attempts=1)
    assert duties.recover() == {"requeued": 1, "failed": 1}
    assert Job.objects.get(pk=report.id).state == jobs.QUEUED
    failed = Job.objects.get(pk=upload.id)
    assert failed.state == jobs.FAILED and failed.message == str(jobs.MSG_LOST)
    RUNS.clear()
    drain()
    assert len(RUNS) == 1 and Job.objects.get(pk=report.id).state == jobs.DONE
    # The second crash of the same report: no third try.
    Job.objects.filter(pk=report.id).update(state=jobs.RUNNING, worker="dead")
    assert duties.recover() == {"requeued": 0, "failed": 1}
    # A live worker's job is left alone.
    duties.beat("alive")
    Job.objects.filter(pk=report.id).update(state=jobs.RUNNING, worker="alive", attempts=0)
    assert duties.recover() == {"requeued": 0, "failed": 0}


def test_the_tick_is_queued_once_and_run_by_the_worker():
    assert tasks.enqueue_tick() is True
    assert tasks.enqueue_tick() is False  # one waits already
    assert drain() == 1
    (done,) = DBTaskResult.objects.filter(task_path=tasks.TICK_PATH)
    assert done.status == "SUCCESSFUL" and "summary" in done.return_value
    assert tasks.enqueue_tick() is True


def test_the_worker_command_refuses_a_silly_tick_interval():
    with pytest.raises(CommandError, match="tick-every"):
        call_command("worker", tick_every=0.1, batch=True)


def test_the_heartbeat_thread_beats_and_queues_the_tick_when_due():
    heart = duties.Heart("w-1", tick_every=300)
    heart.once(1000.0)
    assert WorkerBeat.objects.get(pk="w-1").stopped is None
    assert DBTaskResult.objects.filter(task_path=tasks.TICK_PATH).count() == 1
    heart.once(1010.0)  # not due again yet
    assert DBTaskResult.objects.filter(task_path=tasks.TICK_PATH).count() == 1
    duties.stopped("w-1")
    assert WorkerBeat.objects.get(pk="w-1").stopped is not None


# --------------------------------------------------------------------------- the doctor


def check() -> doctor.Result:
    return {r.code: r for r in doctor.run()}["worker"]


def test_the_doctor_says_whether_a_worker_answers(settings, clerk):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert check().status == doctor.INFO  # no worker yet, nothing waits
    duties.beat("w-1")
    assert check().status == doctor.OK
    # The worker stops answering; work waits for more than five minutes.
    silent = timezone.now() - timedelta(minutes=duties.DOCTOR_SILENT_MINUTES + 1)
    WorkerBeat.objects.update(seen=silent)
    assert check().status == doctor.FAIL  # a worker that died is a problem by itself
    launch(clerk)
    result = check()
    assert result.status == doctor.FAIL and "huiyin worker" in result.detail
    duties.beat("w-2")
    assert check().status == doctor.OK
    # Stopped cleanly and nothing waits: said, not a problem.
    drain()
    duties.stopped("w-1")
    duties.stopped("w-2")
    assert check().status == doctor.INFO
