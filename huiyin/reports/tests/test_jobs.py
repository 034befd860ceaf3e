"""Long work with progress: job files, ownership, the polled page, cleanup, threads."""

from __future__ import annotations

import io
import json
import os
import threading
import time

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import translation

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


def test_it_keeps_the_state_in_a_json_file_under_the_data_dir(settings, clerk, data_dir):
    settings.HUIYIN_JOBS_SYNC = True
    job = jobs.start(clerk, "word", "报告", counting, steps=3)
    state = json.loads((data_dir / "jobs" / f"{job.id}.json").read_text("utf-8"))
    assert state["state"] == "done"
    assert state["user_id"] == clerk.pk
    assert state["result"]["file"] == "out.txt"
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


def test_it_writes_the_file_atomically(clerk, data_dir, monkeypatch):
    job = jobs.prepare(clerk, "word", "报告")
    replaced = []
    original = os.replace

    def spy(src, dst):
        replaced.append((str(src), str(dst)))
        return original(src, dst)

    monkeypatch.setattr(jobs.os, "replace", spy)
    jobs.Progress(job)(1, 2, "half", force=True)
    ((src, dst),) = replaced
    assert dst.endswith(f"{job.id}.json") and src != dst
    assert not [p for p in (data_dir / "jobs").iterdir() if p.suffix == ".tmp"]


def test_it_throttles_progress_writes(clerk, monkeypatch):
    job = jobs.prepare(clerk, "word", "报告")
    writes = []
    monkeypatch.setattr(jobs, "_write", lambda j: writes.append(j.done))
    progress = jobs.Progress(job)
    for n in range(1000):
        progress(n, 1000, "rows")
    assert 1 <= len(writes) <= 3
    progress(1000, 1000, "rows", force=True)
    assert writes[-1] == 1000


def test_it_runs_the_work_in_a_background_thread(settings, clerk):
    settings.HUIYIN_JOBS_SYNC = False
    gate = threading.Event()

    def waiting(progress) -> dict:
        progress(1, 2, "waiting", force=True)
        gate.wait(10)
        return {"kind": "word"}

    job = jobs.start(clerk, "word", "报告", waiting)
    deadline = time.monotonic() + 10
    while jobs.load(job.id).state != "running" and time.monotonic() < deadline:
        time.sleep(0.02)
    assert jobs.load(job.id).state == "running"
    gate.set()
    while jobs.load(job.id).state != "done" and time.monotonic() < deadline:
        time.sleep(0.02)
    assert jobs.load(job.id).state == "done"


def test_it_removes_jobs_older_than_a_day(settings, clerk, data_dir):
    settings.HUIYIN_JOBS_SYNC = True
    old = jobs.start(clerk, "word", "报告", counting, steps=1)
    fresh = jobs.start(clerk, "word", "报告", counting, steps=1)
    # Stamp both jobs' files by Python's clock (the one cleanup reads), which a test run may
    # have moved away from the file system's (HUIYIN_TEST_NOW).
    now = time.time()
    long_ago = now - 2 * 24 * 3600
    for path in (data_dir / "jobs").iterdir():
        stamp = long_ago if path.name.startswith(old.id) else now
        os.utime(path, (stamp, stamp))
    assert jobs.cleanup() == 1
    assert jobs.load(old.id) is None
    assert not jobs.job_dir(old.id).exists()
    assert jobs.load(fresh.id) is not None


def test_it_marks_a_job_abandoned_by_a_dead_process_as_failed(clerk, monkeypatch):
    job = jobs.prepare(clerk, "word", "报告")
    monkeypatch.setattr(jobs.time, "time", lambda: job.updated + jobs.STALE_AFTER + 1)
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
