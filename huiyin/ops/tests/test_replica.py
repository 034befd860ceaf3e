"""A real read replica on loopback: Debian's PostgreSQL, a primary and a hot standby made with
``pg_basebackup -R``, the application configured with both (HUIYIN_REPLICA_DATABASE_URL).

The child process (replica_probe.py) migrates the primary through the router, registers
petitions through the service and checks that: the statistics, the dashboard and a ledger
export read the replica; a committed save is counted there within the lag the README states
(HUIYIN_REPLICA_MAX_LAG_SECONDS); a person's own save is counted at once even while the
replica has not replayed it (read-your-writes); no write goes to the replica, which refuses
one anyway. Skipped, with the reason, where PostgreSQL's server binaries are missing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from huiyin.testing import pgcluster

ROOT = Path(__file__).resolve().parents[3]
WHY_NOT = pgcluster.missing()

pytestmark = pytest.mark.skipif(WHY_NOT is not None, reason=f"no replica test: {WHY_NOT}")


def test_reads_from_a_real_streaming_replica(tmp_path):
    began = time.monotonic()
    base = pgcluster.workspace()
    clusters = []
    try:
        primary = pgcluster.primary(base)
        clusters.append(primary)
        primary.psql("CREATE DATABASE huiyin")
        replica = pgcluster.replica(primary, base)
        clusters.append(replica)
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("HUIYIN_") and k != "DJANGO_SETTINGS_MODULE"
        }
        env.update(
            HUIYIN_DATA_DIR=str(tmp_path),
            HUIYIN_DEBUG="1",
            HUIYIN_ALLOWED_HOSTS="testserver",
            HUIYIN_JOBS_SYNC="1",
            HUIYIN_DATABASE_URL=primary.url("huiyin"),
            HUIYIN_REPLICA_DATABASE_URL=replica.url("huiyin"),
            HUIYIN_REPLICA_MAX_LAG_SECONDS="5",
            PYTHONPATH=str(ROOT),
        )
        done = subprocess.run(
            [sys.executable, "-m", "huiyin.ops.tests.replica_probe"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr[-4000:] + replica.log()[-2000:]
        measured = json.loads(done.stdout.strip().splitlines()[-1])
        measured["total_s"] = round(time.monotonic() - began, 1)
        print("replica:", json.dumps(measured))
        assert measured["write_seen_on_replica_s"] < 5
    finally:
        pgcluster.remove(base, *reversed(clusters))
