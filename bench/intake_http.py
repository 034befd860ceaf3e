"""The intake against the tracker page through a real server: `huiyin serve` (gunicorn, one
sync worker) on a free port, driven over HTTP from this process, as the first users measured it.

    .venv/bin/python bench/intake_bench.py --data-dir /tmp/huiyin-bench-100k --http

Each request is a new connection (gunicorn's sync worker does not keep connections alive), the
clerk signed in once through the sign-in form; the intake posts the form url-encoded with the
CSRF token of its page, as a browser does, and must answer with the redirect to the receipt.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password-1"  # noqa: S105 - a benchmark database's clerk, never a real one


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """Cookies and one request at a time, as a browser with one tab."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Host": "localhost"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        connection.close()
        return response.status, text

    def token(self, path: str) -> str:
        status, page = self.request("GET", path)
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or not found:
            raise SystemExit(f"GET {path} answered {status} without a CSRF token")
        return found.group(1)


def _serve(port: int, env: dict) -> subprocess.Popen:
    command = [sys.executable, "-m", "huiyin", "serve", "--bind", f"127.0.0.1:{port}"]
    process = subprocess.Popen(  # noqa: S603 - our own command
        [*command, "--workers", "1"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL
    )
    for _i in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not start")


def run_http(args, form: Callable[[], dict], clerk) -> None:
    clerk.set_password(PASSWORD)
    clerk.save(update_fields=["password"])
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = _serve(port, env)
    try:
        browser = Browser(port)
        token = browser.token("/login/")
        login = {"csrfmiddlewaretoken": token, "username": clerk.username, "password": PASSWORD}
        status, _page = browser.request("POST", "/login/", urlencode(login))
        if status != 302:
            raise SystemExit(f"sign-in answered {status}")
        token = browser.token("/petitions/new/")
        public = Browser(port)

        def intake():
            body = urlencode({**form(), "csrfmiddlewaretoken": token}, doseq=True)
            status, page = browser.request("POST", "/petitions/new/", body)
            if status != 302:
                raise SystemExit(f"intake answered {status}, not a redirect:\n{page[:2000]}")

        def track():
            status, _page = public.request("GET", "/track/")
            assert status == 200, status

        intake()
        track()
        ratios = []
        for round_ in range(1, args.rounds + 1):
            rates = {}
            for name, fn in (("intake", intake), ("tracker", track)):
                began = time.perf_counter()
                for _i in range(args.count):
                    fn()
                rates[name] = args.count / (time.perf_counter() - began)
            ratios.append(rates["intake"] / rates["tracker"])
            print(
                f"round {round_}: intake {rates['intake']:6.1f}/s "
                f"({1000 / rates['intake']:5.1f} ms), tracker {rates['tracker']:6.1f}/s "
                f"({1000 / rates['tracker']:5.1f} ms), ratio {ratios[-1]:.3f}×"
            )
        print(f"median ratio intake / tracker over HTTP {statistics.median(ratios):.3f}×")
        print(f"load average  {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    finally:
        server.terminate()
        server.wait(timeout=30)
