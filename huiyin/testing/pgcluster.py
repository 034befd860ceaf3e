"""Throw-away PostgreSQL clusters on loopback, for the tests that need a server of their own
(a primary and its streaming replica: huiyin/ops/tests/test_replica.py).

Debian's server binaries (``postgresql-15`` or another version) are found under
``/usr/lib/postgresql/<version>/bin``, or in ``HUIYIN_PG_BINDIR``. initdb refuses to run as
root: as root every server command runs as the ``postgres`` system user (runuser), in a
temporary directory that user owns. The clusters trust local connections and are made for
speed, not durability (``fsync=off``): they hold nothing worth keeping.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

#: Settings for a test cluster: fast and small. fsync off: a crash of the machine loses a
#: cluster that is deleted after the test anyway.
FAST = {
    "fsync": "off",
    "full_page_writes": "off",
    "shared_buffers": "32MB",
    "max_connections": "40",
    "wal_level": "replica",
    "max_wal_senders": "4",
    "listen_addresses": "127.0.0.1",
    "logging_collector": "off",
}


class ClusterError(RuntimeError):
    """A server command failed; the message carries its output."""


def bindir() -> Path | None:
    """The directory of PostgreSQL's server binaries (initdb, pg_ctl, pg_basebackup), or None."""
    configured = os.environ.get("HUIYIN_PG_BINDIR")
    candidates = [Path(configured)] if configured else []
    root = Path("/usr/lib/postgresql")
    if root.is_dir():
        versions = sorted(
            (p for p in root.iterdir() if p.name.isdigit()), key=lambda p: int(p.name), reverse=True
        )
        candidates += [p / "bin" for p in versions]
    for candidate in candidates:
        if all((candidate / name).is_file() for name in ("initdb", "pg_ctl", "pg_basebackup")):
            return candidate
    return None


def missing() -> str | None:
    """Why no cluster can be started here (one line), or None when one can."""
    if bindir() is None:
        return "PostgreSQL's server binaries (initdb, pg_basebackup) are not installed"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres system user to run initdb as"
        if shutil.which("runuser") is None:
            return "running as root and runuser is missing"
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_owner(args: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


def run(args: list[str], *, timeout: float = 60) -> str:
    """A server command, as the clusters' owner; its output, or ClusterError."""
    done = subprocess.run(  # noqa: S603 - our own fixed commands
        _as_owner(args), capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise ClusterError(f"{' '.join(args)}: {done.stdout}{done.stderr}".strip())
    return done.stdout


def workspace() -> Path:
    """A new temporary directory the clusters' owner may write in."""
    path = Path(tempfile.mkdtemp(prefix="huiyin-pg-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(path, owner.pw_uid, owner.pw_gid)
    path.chmod(0o700)
    return path


@dataclass
class Cluster:
    datadir: Path
    port: int
    settings: dict[str, str]

    @property
    def socket_dir(self) -> Path:
        return self.datadir.parent

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self, *, timeout: float = 30) -> None:
        options = " ".join(f"-c {key}={value}" for key, value in self.settings.items())
        options += f" -p {self.port} -k {self.socket_dir}"
        run(
            [
                str(bindir() / "pg_ctl"),
                "start",
                "-w",
                "-t",
                str(int(timeout)),
                "-D",
                str(self.datadir),
                "-l",
                str(self.datadir.parent / f"{self.datadir.name}.log"),
                "-o",
                options,
            ],
            timeout=timeout + 10,
        )

    def stop(self) -> None:
        if (self.datadir / "postmaster.pid").exists():
            run([str(bindir() / "pg_ctl"), "stop", "-m", "immediate", "-D", str(self.datadir)])

    def log(self) -> str:
        path = self.datadir.parent / f"{self.datadir.name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def psql(self, sql: str, database: str = "postgres") -> str:
        return run(
            [
                str(bindir() / "psql"),
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                database,
                "-c",
                sql,
            ]
        ).strip()


def primary(base: Path, *, port: int | None = None, **settings: str) -> Cluster:
    """A new cluster in ``base/primary``, started, that replicas can stream from."""
    datadir = base / "primary"
    run(
        [
            str(bindir() / "initdb"),
            "-D",
            str(datadir),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        ]
    )
    cluster = Cluster(datadir, port or free_port(), {**FAST, **settings})
    cluster.start()
    return cluster


def replica(source: Cluster, base: Path, *, port: int | None = None, **settings: str) -> Cluster:
    """A hot standby of `source` in ``base/replica``, streaming from it, started.

    ``pg_basebackup -R`` writes ``standby.signal`` and the ``primary_conninfo``; the standby
    serves read-only queries as soon as it has reached a consistent state.
    """
    datadir = base / "replica"
    run(
        [
            str(bindir() / "pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            str(source.port),
            "-U",
            "postgres",
            "-D",
            str(datadir),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
            "--no-sync",
        ],
        timeout=120,
    )
    cluster = Cluster(datadir, port or free_port(), {**source.settings, **settings})
    cluster.start()
    deadline = time.monotonic() + 30
    while cluster.psql("SELECT pg_is_in_recovery()") != "t":  # pragma: no cover - at once
        if time.monotonic() > deadline:
            raise ClusterError("the replica did not come up as a standby")
        time.sleep(0.2)
    return cluster


def remove(base: Path, *clusters: Cluster) -> None:
    """Stop the clusters and delete their directory."""
    for cluster in clusters:
        with contextlib.suppress(ClusterError, subprocess.TimeoutExpired):
            cluster.stop()
    shutil.rmtree(base, ignore_errors=True)
