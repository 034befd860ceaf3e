"""The read-replica router's decisions, without a server (test_replica.py has the real one):
which reads go to the replica, which stay on the primary, and that no write ever leaves it."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.db import OperationalError
from django.http import HttpResponse
from django.test import RequestFactory

from huiyin.cases.models import Case, CaseEvent
from huiyin.ops import routers
from huiyin.ops.models import Job
from huiyin.ops.routers import REPLICA, ReplicaRouter, ReplicaState, reading_from_replica
from huiyin.privacy.models import AuditEntry

PRIMARY = "default"
router = ReplicaRouter()


class FakeReplica:
    """What the replica answers: caught up and streaming unless told otherwise."""

    def __init__(self):
        self.lag = 0.0
        self.replay_lsn = "0/100"
        self.in_recovery = True
        self.down = False
        self.asked: list[str | None] = []
        self.primary = "0/100"

    def state(self, need_lsn=None):
        self.asked.append(need_lsn)
        if self.down:
            raise OperationalError("connection refused")
        replayed = need_lsn is None or _lsn(self.replay_lsn) >= _lsn(need_lsn)
        return ReplicaState(self.in_recovery, True, self.replay_lsn, self.lag, replayed)


def _lsn(text: str) -> int:
    high, low = text.split("/")
    return (int(high, 16) << 32) + int(low, 16)


@pytest.fixture
def replica(monkeypatch, settings):
    fake = FakeReplica()
    monkeypatch.setattr(routers, "configured", lambda: True)
    monkeypatch.setattr(routers, "replica_state", fake.state)
    monkeypatch.setattr(routers, "primary_lsn", lambda: fake.primary)
    monkeypatch.setattr(routers, "_in_transaction", lambda: False)
    monkeypatch.setattr(routers, "_close_replica", lambda: None)
    monkeypatch.setattr(routers, "POLL_INTERVAL", 0.01)
    settings.HUIYIN_REPLICA_MAX_LAG_SECONDS = 5
    # A fresh unit of work, as a request would begin one.
    token = routers._unit.set(routers._Unit())
    yield fake
    routers._unit.reset(token)


def test_without_a_replica_nothing_changes():
    assert not routers.configured()
    with reading_from_replica():
        assert routers.reading() is None
        assert routers._block.get() is None


def test_reads_of_the_figures_go_to_the_replica_and_writes_never(replica):
    assert router.db_for_read(Case) == PRIMARY  # outside a block
    with reading_from_replica():
        assert router.db_for_read(Case) == REPLICA
        assert router.db_for_read(CaseEvent) == REPLICA
        # Sign-in, sessions, roles, the audit trail and jobs are read where they are written.
        for model in (User, Session, AuditEntry, Job):
            assert router.db_for_read(model) == PRIMARY, model
        assert router.db_for_write(Case) == PRIMARY
    assert router.db_for_write(Case) == PRIMARY
    assert router.allow_migrate(REPLICA, "cases") is False
    assert router.allow_migrate(PRIMARY, "cases") is True


def test_a_block_that_writes_reads_its_writes_from_the_primary(replica):
    with reading_from_replica():
        assert router.db_for_read(Case) == REPLICA
        # A job's progress or an audit entry does not count: nothing reads them back there.
        router.db_for_write(Job)
        router.db_for_write(AuditEntry)
        assert router.db_for_read(Case) == REPLICA
        router.db_for_write(CaseEvent)
        assert router.db_for_read(Case) == PRIMARY
    # The request saved something: a later block of it reads the primary.
    with reading_from_replica():
        assert router.db_for_read(Case) == PRIMARY


def test_reads_inside_a_transaction_stay_on_the_primary(replica, monkeypatch):
    with reading_from_replica():
        monkeypatch.setattr(routers, "_in_transaction", lambda: True)
        assert router.db_for_read(Case) == PRIMARY
        monkeypatch.setattr(routers, "_in_transaction", lambda: False)
        assert router.db_for_read(Case) == REPLICA
    monkeypatch.setattr(routers, "_in_transaction", lambda: True)
    with reading_from_replica():
        monkeypatch.setattr(routers, "_in_transaction", lambda: False)
        assert router.db_for_read(Case) == PRIMARY  # decided when the block began


def test_a_nested_block_is_the_outer_one(replica):
    with reading_from_replica():
        router.db_for_write(Case)
        with reading_from_replica():
            assert router.db_for_read(Case) == PRIMARY
        assert router.db_for_read(Case) == PRIMARY
    assert len(replica.asked) == 1


def test_a_replica_too_far_behind_or_down_or_promoted_is_not_read(replica, caplog):
    replica.lag = 6.0
    with reading_from_replica():
        assert router.db_for_read(Case) == PRIMARY
    replica.lag = 5.0
    with reading_from_replica():
        assert router.db_for_read(Case) == REPLICA
    replica.down = True
    with caplog.at_level(logging.WARNING, logger="huiyin.ops.routers"), reading_from_replica():
        assert router.db_for_read(Case) == PRIMARY
    assert "OperationalError" in caplog.text and "refused" not in caplog.text
    replica.down, replica.in_recovery = False, False
    with reading_from_replica():
        assert router.db_for_read(Case) == PRIMARY


def test_a_person_reads_their_own_last_save(replica):
    """The middleware keeps the primary's position after a request that saved; the next
    request's block reads the replica only once it has replayed it."""
    middleware_saving = routers.ReadYourWritesMiddleware(_view(write=True))
    middleware_reading = routers.ReadYourWritesMiddleware(_view(write=False))
    request = RequestFactory().post("/")
    request.session = Session_()
    replica.primary = "0/2A0"
    middleware_saving(request)
    assert request.session[routers.SESSION_KEY] == "0/2A0"
    # A request without a session of its own (an API token's) is given none.
    request.session = Session_(key=None)
    middleware_saving(request)
    assert request.session == {}

    request = RequestFactory().get("/reports/")
    request.session = {routers.SESSION_KEY: "0/2A0"}
    replica.replay_lsn = "0/200"
    assert middleware_reading(request).content == PRIMARY.encode()
    assert replica.asked[-1] == "0/2A0"
    replica.replay_lsn = "0/2A0"
    assert middleware_reading(request).content == REPLICA.encode()
    # Someone else's session does not wait for that save.
    request.session = {}
    replica.replay_lsn = "0/200"
    assert middleware_reading(request).content == REPLICA.encode()
    # A session value that is not a WAL position is ignored.
    request.session = {routers.SESSION_KEY: "0/2A0; DROP TABLE"}
    middleware_reading(request)
    assert replica.asked[-1] is None


class Session_(dict):
    """A session that exists (it has a key), or a new one that was never saved."""

    def __init__(self, *args, key: str | None = "k", **kwargs):
        super().__init__(*args, **kwargs)
        self.session_key = key


def _view(*, write: bool):
    @reading_from_replica()
    def view(request):
        if write:
            router.db_for_write(Case)
        return HttpResponse(router.db_for_read(Case))

    return view


def test_a_job_waits_a_little_for_the_replica_to_catch_up(replica, monkeypatch):
    replica.primary, replica.replay_lsn = "0/300", "0/200"
    calls = []

    def state(need_lsn=None):
        calls.append(need_lsn)
        if len(calls) == 3:
            replica.replay_lsn = "0/300"
        return FakeReplica.state(replica, need_lsn)

    monkeypatch.setattr(routers, "replica_state", state)
    router.db_for_write(Case)  # saved before the job: the catch-up covers it
    with reading_from_replica(catch_up=1.0):
        assert router.db_for_read(Case) == REPLICA
    assert calls[0] == "0/300" and len(calls) == 3
    replica.primary = "0/400"
    calls.clear()
    with reading_from_replica(catch_up=0.05):
        assert router.db_for_read(Case) == PRIMARY  # it did not catch up in time
    assert len(calls) >= 2


def test_settings_add_the_replica_only_for_postgresql(tmp_path):
    def settings_of(**env):
        child = {k: v for k, v in os.environ.items() if not k.startswith("HUIYIN_")}
        child.update(HUIYIN_DATA_DIR=str(tmp_path), HUIYIN_DEBUG="1", **env)
        child["DJANGO_SETTINGS_MODULE"] = "huiyin.settings"
        code = (
            "import json; from huiyin import settings as s; print(json.dumps({"
            "'dbs': {k: [v['PORT'], v.get('DISABLE_SERVER_SIDE_CURSORS', False),"
            " v['OPTIONS'].get('options')] for k, v in s.DATABASES.items()},"
            "'routers': getattr(s, 'DATABASE_ROUTERS', []),"
            "'rw': [m for m in s.MIDDLEWARE if 'Session' in m or 'routers' in m]}))"
        )
        return subprocess.run(
            [sys.executable, "-c", code], env=child, capture_output=True, text=True, timeout=60
        )

    primary = "postgres://huiyin@10.0.0.1:5432/huiyin"
    done = settings_of(
        HUIYIN_DATABASE_URL=primary,
        HUIYIN_REPLICA_DATABASE_URL="postgres://huiyin@10.0.0.2:5433/huiyin",
        HUIYIN_PGBOUNCER="1",
    )
    assert done.returncode == 0, done.stderr
    import json

    got = json.loads(done.stdout)
    assert got["dbs"] == {"default": [5432, True, None], "replica": [5433, True, None]}
    assert got["routers"] == ["huiyin.ops.routers.ReplicaRouter"]
    assert got["rw"] == [
        "django.contrib.sessions.middleware.SessionMiddleware",
        "huiyin.ops.routers.ReadYourWritesMiddleware",
    ]
    done = settings_of(HUIYIN_DATABASE_URL=primary)
    assert json.loads(done.stdout) == {
        "dbs": {"default": [5432, False, "-c jit=off"]},
        "routers": [],
        "rw": ["django.contrib.sessions.middleware.SessionMiddleware"],
    }
    done = settings_of(HUIYIN_REPLICA_DATABASE_URL="postgres://huiyin@10.0.0.2/huiyin")
    assert done.returncode != 0
    assert "HUIYIN_REPLICA_DATABASE_URL" in done.stderr.strip().splitlines()[-1]


def test_the_doctor_says_when_the_replica_cannot_be_read(replica):
    from huiyin.ops.doctor import FAIL, OK

    assert routers.check_replica(None).status == OK
    replica.lag = 7.5
    result = routers.check_replica(None)
    assert result.status == FAIL and "7.5" in result.detail
    replica.lag, replica.in_recovery = 0.0, False
    assert routers.check_replica(None).status == FAIL
    replica.in_recovery, replica.down = True, True
    result = routers.check_replica(None)
    assert result.status == FAIL and "OperationalError" in result.detail
    assert "refused" not in result.detail  # no connection details
