"""The intake against the tracker page through a real server: `huiyin serve` (gunicorn, one
worker with its threads, as the command sets it) on a free port, driven over HTTP from this
process, as the first users measured it.

    .venv/bin/python bench/intake_bench.py --data-dir /tmp/huiyin-bench-100k --http

Each request is a new connection, the clerk signed in once through the sign-in form; the
intake posts the form url-encoded with the CSRF token of its page, as a browser does, and must
answer with the redirect to the receipt, which the clerk's browser then opens (untimed, not
counted; --no-follow leaves it out). Intakes and tracker pages take turns, one request each.
The gunicorn worker's CPU time per request is read from /proc where there is one.
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
        self.location = ""  # of the last redirect

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
        self.location = response.headers.get("Location", "")
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


def measure(
    args,
    intake: Callable[[], float],
    track: Callable[[], float],
    how: str,
    cpu: Callable[[], float] | None = None,
    after_intake: Callable[[], None] | None = None,
) -> None:
    """--rounds rounds of --count intakes and as many tracker pages, one after the other (so
    that both meet the same load), each timed alone; the requests per second of each and their
    ratio per round, and the median ratio. With `cpu` (the server's CPU seconds so far), the
    server's CPU time per request too: less moved by other work on the machine.
    `after_intake` (the receipt opened) is neither timed nor counted."""
    ratios, cpu_ratios = [], []
    for round_ in range(1, args.rounds + 1):
        took = {"intake": 0.0, "tracker": 0.0}
        used = {"intake": 0.0, "tracker": 0.0}
        for _i in range(args.count):
            for name, fn in (("intake", intake), ("tracker", track)):
                before = cpu() if cpu else 0.0
                took[name] += fn()
                used[name] += (cpu() - before) if cpu else 0.0
                if name == "intake" and after_intake:
                    after_intake()
        rates = {name: args.count / seconds for name, seconds in took.items()}
        ratios.append(rates["intake"] / rates["tracker"])
        line = (
            f"round {round_}: intake {rates['intake']:6.1f}/s ({1000 / rates['intake']:5.1f} ms),"
            f" tracker {rates['tracker']:6.1f}/s ({1000 / rates['tracker']:5.1f} ms),"
            f" ratio {ratios[-1]:.3f}×"
        )
        if cpu and used["intake"]:
            cpu_ratios.append(used["tracker"] / used["intake"])
            line += (
                f"; server CPU {1000 * used['intake'] / args.count:5.1f}"
                f" / {1000 * used['tracker'] / args.count:4.1f} ms, ratio {cpu_ratios[-1]:.3f}×"
            )
        print(line)
    print(f"median ratio intake / tracker {how} {statistics.median(ratios):.3f}×")
    if cpu_ratios:
        print(
            f"median ratio of the server's CPU time per request {statistics.median(cpu_ratios):.3f}×"
        )
    print(f"load average  {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


def _worker_cpu(server_pid: int) -> Callable[[], float] | None:
    """The CPU seconds (user and system) of gunicorn's worker so far, read from /proc (Linux;
    in clock ticks, so only a sum over many requests means anything)."""
    try:
        children = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()
    except OSError:
        return None
    for pid in children:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve" in command:  # not `huiyin worker`, the task worker beside it
            stat, ticks = Path(f"/proc/{pid}/stat"), os.sysconf("SC_CLK_TCK")

            def cpu(stat: Path = stat, ticks: int = ticks) -> float:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                return (int(fields[11]) + int(fields[12])) / ticks

            return cpu
    return None


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

        def intake() -> float:
            body = urlencode({**form(), "csrfmiddlewaretoken": token}, doseq=True)
            began = time.perf_counter()
            status, page = browser.request("POST", "/petitions/new/", body)
            took = time.perf_counter() - began
            if status != 302:
                raise SystemExit(f"intake answered {status}, not a redirect:\n{page[:2000]}")
            return took

        def receipt() -> None:
            # As the clerk's browser does: the receipt shows the flash message, which otherwise
            # piles up in the session, intake after intake.
            status, page = browser.request("GET", browser.location)
            if status != 200:
                raise SystemExit(f"the receipt answered {status}:\n{page[:2000]}")

        def track() -> float:
            began = time.perf_counter()
            status, _page = public.request("GET", "/track/")
            assert status == 200, status
            return time.perf_counter() - began

        intake()
        track()
        after = None if args.no_follow else receipt
        measure(args, intake, track, "over HTTP", _worker_cpu(server.pid), after)
    finally:
        server.terminate()
        server.wait(timeout=30)
