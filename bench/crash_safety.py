"""Crash safety, proven: intakes through HTTP, the server killed in the middle, nothing lost.

    .venv/bin/python bench/crash_safety.py --data-dir /tmp/huiyin-crash
    .venv/bin/python bench/crash_safety.py --data-dir /tmp/huiyin-crash-pg \
        --database-url postgres://postgres@127.0.0.1:5432/huiyin_crash
    .venv/bin/python bench/crash_safety.py --runs 1 --intakes 200        # CI's bounded form

Each run: a new data dir (and, for PostgreSQL, the database dropped and made again) with the
organisation and the demo accounts; `huiyin serve` (gunicorn, 2 workers) in its own process
group; --clients threads sign in as the petition clerk and register petitions over HTTP, each
with a title of its own; once --kill-at of them were acknowledged (the 302 to the receipt),
`kill -9` of the whole process group, mid-stream. Then, with the server dead:

* every acknowledged intake is in the database (0 lost) — an intake the client never saw
  acknowledged may or may not be there, both are right;
* the case numbers of the year have no gap and no duplicate, and the counter is at the last;
* `audit verify` passes (the hash chain is whole);
* every case has its search row.

The server is then started again on the same data and one more intake must succeed. The
script exits 1 on the first violation. Runs on SQLite with ``PRAGMA synchronous=FULL`` (see
huiyin/settings.py), which keeps every acknowledged commit across an operating-system crash
too; the kill here only proves the process-crash half.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from intake_http import Browser, _free_port  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "crash-password-1"  # noqa: S105 - a throwaway database's demo accounts
TITLE = "崩溃测试"


def _env(args) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HUIYIN_DEMO": "1"}
    env["HUIYIN_DATA_DIR"] = args.data_dir
    env.pop("HUIYIN_DATABASE_URL", None)
    if args.database_url:
        env["HUIYIN_DATABASE_URL"] = args.database_url
    return env


def _huiyin(args, *command: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "huiyin", *command],
        cwd=ROOT,
        env=_env(args),
        capture_output=True,
        text=True,
        check=False,
    )


def _fresh(args) -> None:
    shutil.rmtree(args.data_dir, ignore_errors=True)
    Path(args.data_dir).mkdir(parents=True)
    if args.database_url:
        name = args.database_url.rsplit("/", 1)[1]
        for tool in ("dropdb", "createdb"):
            flags = ["--if-exists"] if tool == "dropdb" else []
            subprocess.run(  # noqa: S603
                [tool, "-h", "127.0.0.1", "-U", "postgres", *flags, name], check=True
            )
    done = subprocess.run(  # noqa: S603 - this script, in the data's environment
        [sys.executable, __file__, "--setup", "--data-dir", args.data_dir]
        + (["--database-url", args.database_url] if args.database_url else []),
        cwd=ROOT,
        env=_env(args),
        check=False,
    )
    if done.returncode:
        raise SystemExit("setting up the data failed")


def _serve(args, port: int) -> subprocess.Popen:
    process = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "huiyin", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        cwd=ROOT,
        env=_env(args),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: kill -9 takes master and workers
    )
    for _i in range(600):
        try:
            if Browser(port).request("GET", "/login/")[0] == 200:
                return process
        except OSError:
            time.sleep(0.1)
    os.killpg(process.pid, signal.SIGKILL)
    raise SystemExit("the server did not start")


def _form(rng: random.Random, title: str) -> dict:
    from intake_bench import _form as intake_form

    form = intake_form(rng, 0, 0)
    # The first community and grid: the demo street's (ids from the setup).
    form.update(community=os.environ["CRASH_COMMUNITY"], grid=os.environ["CRASH_GRID"])
    form["title"] = title
    return form


def _client(port: int, number: int, planned: int, acked: list, stop: threading.Event) -> None:
    rng = random.Random(number)
    browser = Browser(port)
    token = browser.token("/login/")
    login = {"csrfmiddlewaretoken": token, "username": "clerk", "password": PASSWORD}
    if browser.request("POST", "/login/", urlencode(login))[0] != 302:
        raise SystemExit("the clerk could not sign in")
    token = browser.token("/petitions/new/")
    for i in range(planned):
        if stop.is_set():
            return
        title = f"{TITLE}{number:02d}-{i:05d}"
        body = urlencode({**_form(rng, title), "csrfmiddlewaretoken": token}, doseq=True)
        try:
            status, _page = browser.request("POST", "/petitions/new/", body)
        except OSError:
            return  # the server is gone: this intake was never acknowledged
        if status == 302:
            acked.append(title)
        elif not stop.is_set():
            raise SystemExit(f"an intake answered {status}")


def _check(args, acked: list[str]) -> dict:
    path = Path(args.data_dir) / "acknowledged.json"
    path.write_text(json.dumps(acked, ensure_ascii=False))
    done = subprocess.run(  # noqa: S603 - this script, in the data's environment
        [sys.executable, __file__, "--check", "--data-dir", args.data_dir]
        + (["--database-url", args.database_url] if args.database_url else []),
        cwd=ROOT,
        env=_env(args),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"the check failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def one_run(args, number: int) -> dict:
    _fresh(args)
    ids = json.loads((Path(args.data_dir) / "ids.json").read_text())
    os.environ["CRASH_COMMUNITY"], os.environ["CRASH_GRID"] = str(ids[0]), str(ids[1])
    port = _free_port()
    server = _serve(args, port)
    acked: list[str] = []
    stop = threading.Event()
    per_client = -(-args.intakes // args.clients)
    threads = [
        threading.Thread(target=_client, args=(port, n, per_client, acked, stop), daemon=True)
        for n in range(args.clients)
    ]
    for thread in threads:
        thread.start()
    while len(acked) < args.kill_at and any(t.is_alive() for t in threads):
        time.sleep(0.01)
    os.killpg(server.pid, signal.SIGKILL)  # mid-stream: clients are still posting
    killed_at = len(acked)
    stop.set()
    server.wait()
    for thread in threads:
        thread.join(timeout=30)
    found = _check(args, acked)
    # Up again on the same data, and it still takes an intake.
    server = _serve(args, port)
    try:
        again: list[str] = []
        _client(port, 99, 1, again, threading.Event())
        if len(again) != 1:
            raise SystemExit("after the restart the intake failed")
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
    result = {"run": number, "acknowledged": len(acked), "killed_after": killed_at, **found}
    print(json.dumps(result, ensure_ascii=False))
    if found["lost"] or found["gaps"] or found["duplicates"] or not found["audit_ok"]:
        raise SystemExit(1)
    if found["without_search_row"] or not found["counter_at_last"]:
        raise SystemExit(1)
    return result


# ------------------------------------------------------------------ inside the data's process


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huiyin.settings")
    import django

    django.setup()


def setup_data() -> None:
    _django()
    from django.core.management import call_command

    from huiyin.org import demo
    from huiyin.org.models import Grid

    call_command("migrate", interactive=False, verbosity=0)
    demo.load_organisation()
    demo.load_accounts(PASSWORD)
    grid = Grid.objects.order_by("id").first()
    ids = [grid.community_id, grid.pk]
    (Path(os.environ["HUIYIN_DATA_DIR"]) / "ids.json").write_text(json.dumps(ids))


def check_data() -> None:
    _django()
    from django.db.models import Count, Max

    from huiyin.cases.kinds import Kind
    from huiyin.cases.models import Case, CaseCounter, CaseSearch
    from huiyin.privacy.audit import verify

    acked = json.loads((Path(os.environ["HUIYIN_DATA_DIR"]) / "acknowledged.json").read_text())
    present: set[str] = set()
    for start in range(0, len(acked), 500):
        chunk = acked[start : start + 500]
        present.update(Case.objects.filter(title__in=chunk).values_list("title", flat=True))
    lost = sorted(set(acked) - present)
    gaps = duplicates = 0
    counter_at_last = True
    for street_id, year in (
        Case.objects.filter(kind=Kind.PETITION).values_list("street_id", "year").distinct()
    ):
        mine = Case.objects.filter(kind=Kind.PETITION, street_id=street_id, year=year)
        seqs = sorted(mine.values_list("seq", flat=True))
        duplicates += len(seqs) - len(set(seqs))
        gaps += (seqs[-1] - seqs[0] + 1) - len(set(seqs)) if seqs else 0
        last = (
            CaseCounter.objects.filter(street_id=street_id, kind=Kind.PETITION, year=year)
            .values_list("last", flat=True)
            .first()
        )
        counter_at_last = counter_at_last and last == mine.aggregate(m=Max("seq"))["m"]
    without_search = Case.objects.exclude(pk__in=CaseSearch.objects.values("case_id")).aggregate(
        n=Count("pk")
    )["n"]
    chain = verify()
    print(
        json.dumps(
            {
                "cases": Case.objects.count(),
                "acknowledged_present": len(present),
                "lost": len(lost),
                "gaps": gaps,
                "duplicates": duplicates,
                "counter_at_last": counter_at_last,
                "without_search_row": without_search,
                "audit_ok": bool(chain.ok),
            }
        )
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="/tmp/huiyin-crash")  # noqa: S108
    parser.add_argument("--database-url", help="postgres://... (default: SQLite in --data-dir)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--intakes", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--kill-at", type=int, help="acknowledged intakes before the kill")
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--check", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.setup:
        return setup_data()
    if args.check:
        return check_data()
    args.data_dir = str(Path(args.data_dir).resolve())
    args.kill_at = args.kill_at or args.intakes // 2
    results = [one_run(args, n) for n in range(1, args.runs + 1)]
    lost = sum(r["lost"] for r in results)
    acknowledged = sum(r["acknowledged"] for r in results)
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"crash safety on {database}: {len(results)} runs, {acknowledged} intakes acknowledged,"
        f" {lost} lost, no gap or duplicate in the numbers, audit chain whole"
    )


if __name__ == "__main__":
    main()
