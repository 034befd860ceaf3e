"""gunicorn behind a reverse proxy, for real: five failures from five addresses lock nobody out.

`huiyin serve` (gunicorn, one worker) runs on a loopback port with HUIYIN_BEHIND_PROXY=1 and a
fresh SQLite database; a small threaded proxy in front appends the client's address to
X-Forwarded-For as nginx's `$proxy_add_x_forwarded_for` does. Clients connect to the proxy
from distinct loopback source addresses (127.0.0.2, 127.0.0.3, ...), so the peer gunicorn
sees is always the proxy, 127.0.0.1. About 10 s: the migration of the fresh database and
gunicorn's start take most of it. Skipped where loopback addresses other than 127.0.0.1
cannot be bound (Linux binds all of 127.0.0.0/8).
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode

import pytest

from huiyin.testing.factories import PASSWORD

PHONE = "13712345679"

SETUP = f"""
import django
django.setup()
from django.core.management import call_command
from django.contrib.auth import get_user_model
call_command("migrate", verbosity=0)
User = get_user_model()
for name in ("alice", "bob"):
    User.objects.create_user(name, password={PASSWORD!r})
"""


def can_bind(address: str) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((address, 0))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Proxy(BaseHTTPRequestHandler):
    """Forwards one request to the upstream, adding the peer to X-Forwarded-For."""

    upstream: tuple[str, int]

    def log_message(self, *args):
        pass

    def _forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
        claimed = self.headers.get("X-Forwarded-For")
        peer = self.client_address[0]
        headers["X-Forwarded-For"] = f"{claimed}, {peer}" if claimed else peer
        headers["X-Forwarded-Proto"] = "http"
        upstream = http.client.HTTPConnection(*self.upstream, timeout=30)
        try:
            upstream.request(self.command, self.path, body=body, headers=headers)
            response = upstream.getresponse()
            payload = response.read()
            self.send_response(response.status)
            for key, value in response.getheaders():
                if key.lower() not in {"connection", "transfer-encoding", "content-length"}:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(payload)
        finally:
            upstream.close()

    do_GET = do_POST = _forward


class Browser:
    """A client at one loopback source address, through the proxy."""

    def __init__(self, proxy: tuple[str, int], source: str):
        self.proxy, self.source, self.cookies = proxy, source, {}

    def request(self, method: str, path: str, form: dict | None = None, **headers):
        connection = http.client.HTTPConnection(
            *self.proxy, timeout=30, source_address=(self.source, 0)
        )
        body = urlencode(form) if form is not None else None
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            page = response.read().decode("utf-8", "replace")
            for value in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            return response.status, page
        finally:
            connection.close()

    def sign_in(self, username: str, password: str) -> int:
        status, page = self.request("GET", "/login/")
        assert status == 200, page[:500]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = {"username": username, "password": password, "csrfmiddlewaretoken": token}
        status, _ = self.request("POST", "/login/", form)
        return status


@pytest.fixture
def served(tmp_path):
    """(proxy address, gunicorn's output so far, the database path); stops both after."""
    if not all(can_bind(f"127.0.0.{n}") for n in (2, 12)):
        pytest.skip("loopback addresses other than 127.0.0.1 cannot be bound here")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUIYIN_", "DJANGO_"))}
    env.update(
        HUIYIN_DATA_DIR=str(tmp_path),
        HUIYIN_DEBUG="1",  # keys made in the data dir; static files from the finders
        HUIYIN_HTTPS="0",
        HUIYIN_BEHIND_PROXY="1",
        DJANGO_SETTINGS_MODULE="huiyin.settings",
    )
    subprocess.run([sys.executable, "-c", SETUP], env=env, check=True, timeout=120)
    port = free_port()
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "huiyin",
                "serve",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--no-collectstatic",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    Proxy.upstream = ("127.0.0.1", port)
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("gunicorn did not start:\n" + log.read_text(errors="replace"))
                time.sleep(0.1)
        yield (
            proxy.server_address,
            (lambda: log.read_text(errors="replace")),
            tmp_path / "huiyin.sqlite3",
        )
    finally:
        proxy.shutdown()
        proxy.server_close()
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


def test_five_failures_from_five_addresses_lock_nobody_out(served):
    proxy, output, database = served
    guessers = [f"127.0.0.{n}" for n in range(2, 7)]
    for address in guessers:
        assert Browser(proxy, address).sign_in("alice", "wrong-wrong-1") == 200
    # Another account, and the account guessed at from a sixth address, still sign in.
    assert Browser(proxy, "127.0.0.7").sign_in("bob", PASSWORD) == 302
    assert Browser(proxy, "127.0.0.8").sign_in("alice", PASSWORD) == 302
    # A header the client writes itself does not make it someone new each time.
    forger = Browser(proxy, "127.0.0.9")
    for n in range(5):
        status, page = forger.request("GET", "/login/", **{"X-Forwarded-For": f"10.9.9.{n}"})
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = {"username": "bob", "password": "wrong-wrong-1", "csrfmiddlewaretoken": token}
        forger.request("POST", "/login/", form, **{"X-Forwarded-For": f"10.9.9.{n}"})
    assert forger.sign_in("bob", PASSWORD) == 429
    assert Browser(proxy, "127.0.0.10").sign_in("bob", PASSWORD) == 302

    # The audit trail has the addresses the proxy saw.
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT ip FROM privacy_auditentry WHERE action = 'auth.login_failed'"
        ).fetchall()
    assert sorted({ip for (ip,) in rows}) == sorted([*guessers, "127.0.0.9"])

    # A search for a phone reaches the access log as its path only.
    Browser(proxy, "127.0.0.11").request("GET", f"/petitions/?q={PHONE}")
    time.sleep(0.3)
    log = output()
    assert "/petitions/?[redacted]" in log
    assert PHONE not in log
