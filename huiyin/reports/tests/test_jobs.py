"""Long work with progress: job rows, ownership, the polled page, cleanup, the queue.

The worker itself (claims, recovery, the doctor) is tested in huiyin/ops/tests/test_worker.py.
"""

from __future__ import annotations

import io
import os
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from huiyin.ops.models import Job
from huiyin.org.roles import Role
from huiyin.reports import jobs


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture(autouse=True)
def work_here(monkeypatch):
    """This module's functions may run as jobs (only the report and ledger views' may)."""
    monkeypatch.setattr(jobs, "WORK_MODULES", jobs.WORK_MODULES | {__name__})


@pytest.fixture
def clerk(personas):
    return personas[Role.PETITION_CLERK]


def counting(progress, *, steps: int) -> dict:
    for step in range(steps):
        progress(step, steps, "step")
    path = progress.result_file("out.txt")
    path.write_text("done", "utf-8")
    return {"kind": "word", "file": path.name, "download_name": "结果.txt"}


class Refusal(Exception):
    message = "模板有误"


def refusing(progress) -> dict:
    raise Refusal()


def crashing(progress) -> dict:
    raise ZeroDivisionError("secret internals")


def test_it_keeps_the_state_in_the_database(settings, clerk, data_dir):
    settings.HUIYIN_JOBS_SYNC = True
    job = jobs.start(clerk, "word", "报告", counting, steps=3)
    row = Job.objects.get(pk=job.id)
    assert row.state == "done" and row.owner_id == clerk.pk
    assert row.result["file"] == "out.txt" and row.step == 3 and row.total == 3
    assert row.work == f"{__name__}.counting" and row.arguments == {"steps": 3}
    assert row.finished_at is not None and row.attempts == 1
    assert not list((data_dir / "jobs").glob("*.json"))  # no state files any more
    loaded = jobs.get_for_user(clerk, job.id)
    assert loaded.percent == 100
    assert loaded.result_path.read_text("utf-8") == "done"


def test_it_shows_a_job_only_to_the_person_who_started_it(settings, clerk, personas):
    settings.HUIYIN_JOBS_SYNC = True
    job = jobs.start(clerk, "word", "报告", counting, steps=1)
    with pytest.raises(Http404):
        jobs.get_for_user(personas[Role.LEADER], job.id)
    with pytest.raises(Http404):
        jobs.get_for_user(clerk, "../../etc/passwd")
    with pytest.raises(Http404):
        jobs.get_for_user(clerk, "x" * 24)


def test_it_ends_a_job_with_the_users_message_or_a_generic_one(settings, clerk, caplog):
    settings.HUIYIN_JOBS_SYNC = True
    refused = jobs.start(clerk, "word", "报告", refusing)
    assert refused.state == "failed" and refused.message == "模板有误"
    crashed = jobs.start(clerk, "word", "报告", crashing)
    assert crashed.state == "failed"
    assert "secret internals" not in crashed.message
    assert crashed.message == str(jobs.MSG_FAILED)
    assert "secret internals" in caplog.text  # in the log, for the administrator


def test_it_stores_the_progress_in_the_row(clerk):
    job = jobs.prepare(clerk, "word", "报告")
    jobs.Progress(job)(1, 2, "half", force=True)
    row = Job.objects.get(pk=job.id)
    assert (row.step, row.total, row.message, row.percent) == (1, 2, "half", 50)
    assert row.heartbeat is not None


def test_it_throttles_progress_writes(clerk, monkeypatch):
    job = jobs.prepare(clerk, "word", "报告")
    writes = []
    monkeypatch.setattr(jobs, "_write", lambda j, p=None: writes.append(j.done))
    progress = jobs.Progress(job)
    for n in range(1000):
        progress(n, 1000, "rows")
    assert 1 <= len(writes) <= 3
    progress(1000, 1000, "rows", force=True)
    assert writes[-1] == 1000


def test_it_queues_the_work_for_the_worker(settings, clerk):
    settings.HUIYIN_JOBS_SYNC = False
    job = jobs.start(clerk, "word", "报告", counting, steps=2)
    assert jobs.load(job.id).state == "queued"  # nothing runs in the web process
    (queued,) = DBTaskResult.objects.ready()
    assert queued.task_path == "huiyin.ops.tasks.run_job"
    assert queued.args_kwargs["args"] == [job.id, f"{__name__}.counting", {"steps": 2}]


def test_it_removes_jobs_older_than_a_day(settings, clerk, data_dir):
    settings.HUIYIN_JOBS_SYNC = True
    old = jobs.start(clerk, "word", "报告", counting, steps=1)
    fresh = jobs.start(clerk, "word", "报告", counting, steps=1)
    # Stamp the old job and its folder by Python's clock (the one cleanup reads), which a test
    # run may have moved away from the file system's (HUIYIN_TEST_NOW).
    now = time.time()
    long_ago = now - 2 * 24 * 3600
    Job.objects.filter(pk=old.id).update(created_at=datetime.fromtimestamp(long_ago, tz=UTC))
    for path in (data_dir / "jobs").iterdir():
        stamp = long_ago if path.name.startswith(old.id) else now
        os.utime(path, (stamp, stamp))
    stray = data_dir / "jobs" / "stray-folder-of-an-older-version"
    stray.mkdir()
    os.utime(stray, (long_ago, long_ago))
    assert jobs.cleanup() == 1
    assert jobs.load(old.id) is None
    assert not jobs.job_dir(old.id).exists() and not stray.exists()
    assert jobs.load(fresh.id) is not None


def test_it_marks_a_job_abandoned_by_a_dead_process_as_failed(clerk):
    job = jobs.prepare(clerk, "word", "报告")  # prepared, never launched: the web process died
    long_ago = timezone.now() - timedelta(seconds=jobs.STALE_AFTER + 1)
    Job.objects.filter(pk=job.id).update(created_at=long_ago)
    loaded = jobs.load(job.id)
    assert loaded.state == "failed" and loaded.message == str(jobs.MSG_LOST)


def test_it_prints_progress_on_the_command_line():
    stream = io.StringIO()
    progress = jobs.StderrProgress(stream)
    progress(0, 10, "Checking rows", force=True)
    progress(5, 10, "Checking rows", force=True)
    progress.close()
    assert stream.getvalue().splitlines() == ["Checking rows 0/10 (0%)", "Checking rows 5/10 (50%)"]


# --------------------------------------------------------------------------- the page


def test_it_polls_while_running_and_stops_when_done(client, clerk):
    job = jobs.prepare(clerk, "word", "报告")
    client.force_login(clerk)
    url = reverse("reports:job", args=[job.id])
    page = client.get(url).content.decode()
    assert "hx-trigger" in page and 'class="progress"' in page
    jobs.Progress(job)(3, 4, "写入", force=True)
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment
    assert 'aria-valuenow="75"' in fragment and "hx-trigger" in fragment
    job.state, job.result = jobs.DONE, {"kind": "word", "file": "report.docx"}
    jobs.job_dir(job.id).mkdir(parents=True, exist_ok=True)
    (jobs.job_dir(job.id) / "report.docx").write_bytes(b"PK")
    jobs._write(job)
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in fragment
    assert reverse("reports:job_download", args=[job.id]) in fragment


def test_it_answers_404_to_anyone_but_the_owner_on_the_page(client, clerk, personas):
    job = jobs.prepare(clerk, "word", "报告")
    client.force_login(personas[Role.LEADER])
    assert client.get(reverse("reports:job", args=[job.id])).status_code == 404
    assert client.get(reverse("reports:job_download", args=[job.id])).status_code == 404
    client.logout()
    response = client.get(reverse("reports:job", args=[job.id]))
    assert response.status_code == 302  # to the sign-in page


def test_it_offers_no_download_before_the_job_is_done(client, clerk):
    job = jobs.prepare(clerk, "word", "报告")
    client.force_login(clerk)
    assert client.get(reverse("reports:job_download", args=[job.id])).status_code == 404
