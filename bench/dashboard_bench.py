"""Benchmark: does the dashboard's cost follow the period or the whole history?

    .venv/bin/python bench/dashboard_bench.py \\
        --small /tmp/huiyin-bench-100k --large /tmp/huiyin-bench-1m          # SQLite
    .venv/bin/python bench/dashboard_bench.py \\
        --small /tmp/huiyin-bench-pg100k --large /tmp/huiyin-bench-pg1m \\
        --small-url postgres://postgres@127.0.0.1:5432/bench_100k \\
        --large-url postgres://postgres@127.0.0.1:5432/bench_1m            # PostgreSQL

Two databases made by bench/generate.py with the same density of petitions and ten times the
history, so that the same 100 days ending today hold about as many petitions in both (or 500,000 over
five years: --cases 500000 --years 5):

    .venv/bin/python bench/generate.py --cases 100000 --years 1 --data-dir /tmp/huiyin-bench-100k
    .venv/bin/python bench/generate.py --cases 1000000 --data-dir /tmp/huiyin-bench-1m

Each round runs one child process per database, small then large; a child renders the real
dashboard (/reports/, custom dates: the 100 days ending today) through Django's test Client
as the street-wide petition clerk, once to warm up and --inner times, and times each of the
statistics calls the page makes the same way. The parent prints, per round, the median of
each database and the ratio large / small, then the median of the rounds' ratios: a dashboard
whose cost follows the period is at 1.0×, one that reads every petition of the history
approaches 10×. --before measures, in the same rounds, the statistics as they were before
2026-12-05 (patched back in the child). --explain prints the plans of the dashboard's
queries on each database.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import warnings
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import setup  # noqa: E402

DAYS = 100
PARTS = ("page", "dashboard", "compute", "per_community", "per_grid", "weekly_trend", "lists")


def _as_before() -> None:
    """The statistics as they were before 2026-12-05: petitions joined without the id bounds
    (_with_petitions) and the dashboard's three aggregates run one by one."""
    from huiyin.reports import stats
    from huiyin.reports.stats import petitions

    petitions._with_petitions = lambda cases: cases.filter(petition__isnull=False)
    stats.dashboard = lambda period, *, user=None: (
        stats.compute(period, user=user),
        stats.per_community(period, user=user),
        stats.per_grid(period, user=user),
    )


def _child(inner: int, explain: bool) -> dict:
    from django.test import Client
    from django.utils import timezone
    from list_bench import capture, clerk_user, plain_static

    from huiyin.reports import stats

    plain_static()
    user = clerk_user()
    today = timezone.localdate()
    period = stats.Period(today - timedelta(days=DAYS - 1), today)
    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    params = {"period": "custom", "from": period.start.isoformat(), "to": period.end.isoformat()}

    def page():
        response = client.get("/reports/", params)
        assert response.status_code == 200, response.status_code

    calls = {
        "page": page,
        "compute": lambda: stats.compute(period, user=user),
        "per_community": lambda: stats.per_community(period, user=user),
        "per_grid": lambda: stats.per_grid(period, user=user),
        "weekly_trend": lambda: stats.weekly_trend(period, user=user, today=today),
        "dashboard": lambda: stats.dashboard(period, user=user),
        "lists": lambda: (
            list(stats.overdue_cases(user=user, today=today)[:16]),
            list(stats.due_soon_cases(user=user, today=today)[:16]),
        ),
    }
    if explain:
        from django.db import connection

        prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ANALYZE "
        page()
        for sql, seconds in capture(page):
            if '"cases_case"' not in sql:
                continue
            print(f"\n=== {seconds * 1000:.1f} ms\n{sql}", file=sys.stderr)
            with connection.cursor() as cursor:
                cursor.execute(prefix + sql)
                for row in cursor.fetchall():
                    print("   ", " | ".join(str(c) for c in row), file=sys.stderr)
    times: dict[str, float] = {}
    cpu: dict[str, float] = {}
    for name, fn in calls.items():
        fn()
        samples, cpu_samples = [], []
        for _i in range(inner):
            began, began_cpu = time.perf_counter(), time.process_time()
            fn()
            samples.append(time.perf_counter() - began)
            cpu_samples.append(time.process_time() - began_cpu)
        times[name] = statistics.median(samples)
        cpu[name] = statistics.median(cpu_samples)
    batches = stats.compute(period)["petitions"]["batches"]
    return {"times": times, "cpu": cpu, "batches": batches, "queries": len(capture(page))}


def _run_child(data_dir: str, url: str | None, inner: int, explain: bool, before: bool) -> dict:
    command = [sys.executable, __file__, "--child", "--data-dir", data_dir, "--inner", str(inner)]
    if before:
        command.append("--as-before")
    if url:
        command += ["--database-url", url]
    if explain:
        command.append("--explain")
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"the child for {data_dir} failed")
    if explain:
        sys.stderr.write(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", default="/tmp/huiyin-bench-100k")  # noqa: S108
    parser.add_argument("--large", default="/tmp/huiyin-bench-1m")  # noqa: S108
    parser.add_argument("--small-url", help="postgres://... of the small database")
    parser.add_argument("--large-url", help="postgres://... of the large database")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--inner", type=int, default=5, help="timed runs per child")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="compare this process's CPU time instead of the wall clock (SQLite: the database"
        " works in the process, and a loaded machine moves the wall clock far more)",
    )
    parser.add_argument(
        "--before", action="store_true", help="also measure the statistics as they were before"
    )
    parser.add_argument("--as-before", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        setup(args.database_url, args.data_dir)
        from django.core.management import call_command

        # The code may have moved on since the database was generated.
        call_command("migrate", interactive=False, verbosity=0)
        warnings.filterwarnings("ignore", message="No directory at")
        if args.as_before:
            _as_before()
        print(json.dumps(_child(args.inner, args.explain)))
        return

    variants = (("before", True), ("now", False)) if args.before else (("now", False),)
    ratios = {(v, name): [] for v, _b in variants for name in PARTS}
    times = {(v, size, name): [] for v, _b in variants for size in "sl" for name in PARTS}
    for round_ in range(1, args.rounds + 1):
        for variant, before in variants:
            explain = args.explain and round_ == 1
            small = _run_child(args.small, args.small_url, args.inner, explain, before)
            large = _run_child(args.large, args.large_url, args.inner, explain, before)
            print(
                f"round {round_}, {variant}: petitions in the period {small['batches']:,} / "
                f"{large['batches']:,}; queries per page {small['queries']} / {large['queries']}"
            )
            key = "cpu" if args.cpu else "times"
            for name in PARTS:
                a, b = small[key][name], large[key][name]
                ratios[variant, name].append(b / a)
                times[variant, "s", name].append(a)
                times[variant, "l", name].append(b)
                print(f"  {name:<14} {a * 1000:8.1f} ms  {b * 1000:8.1f} ms  {b / a:5.2f}×")
    clock = "CPU time" if args.cpu else "wall clock"
    print(f"median of {args.rounds} rounds ({clock}): small, large, large / small")
    for variant, _b in variants:
        for name in PARTS:
            small_ms = statistics.median(times[variant, "s", name]) * 1000
            large_ms = statistics.median(times[variant, "l", name]) * 1000
            ratio = statistics.median(ratios[variant, name])
            print(f"  {variant:<6} {name:<14} {small_ms:8.1f} ms {large_ms:8.1f} ms {ratio:5.2f}×")
    print(f"load average   {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
