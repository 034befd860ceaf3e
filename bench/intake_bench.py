"""Benchmark: registering a petition (POST /petitions/new/) against the public tracker page.

    .venv/bin/python bench/intake_bench.py --data-dir /tmp/huiyin-bench-100k
    .venv/bin/python bench/intake_bench.py --data-dir /tmp/huiyin-bench-100k --profile 40
    .venv/bin/python bench/intake_bench.py --data-dir /tmp/huiyin-bench-100k --queries
    .venv/bin/python bench/intake_bench.py --data-dir /tmp/huiyin-bench-100k --http

On a database made by bench/generate.py. Both are served in this one process by Django's
test Client (every middleware, the session, the template; no HTTP server): the intake as the
street-wide petition clerk, one individual visit with a new ID and phone number each time
(the registration, its clocks, timeline, audit entries, encryption and blind indexes, and
the redirect to the receipt); the tracker as the public opens it (GET /track/). After each
intake the clerk's browser opens the receipt, as a browser follows the redirect, neither
timed nor counted (--no-follow leaves it out: the flash message of every intake then stays
in the session, which grows with each one). --rounds rounds of --count intakes and as many
tracker pages, taking turns one request each; prints the requests per second of each, their
ratio per round and the median ratio. --queries prints the queries of one intake POST;
--profile N prints a cProfile (CPU time) of N intake POSTs (top functions by own and by
cumulative time); --http serves both through `huiyin serve` (gunicorn) instead and drives
them over HTTP (bench/intake_http.py). Every run adds petitions to the database: never a
real one.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import sys
import time
import warnings
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import setup  # noqa: E402

NEW = "/petitions/new/"
TRACK = "/track/"


def _id_number(rng: random.Random) -> str:
    from huiyin.privacy.validators import resident_id_check_digit

    born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 50))
    first17 = f"510105{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + resident_id_check_digit(first17)


def _form(rng: random.Random, community_id: int, grid_id: int) -> dict:
    return {
        "channel": "visit",
        "level": "street",
        "handling_level": "street",
        "received_at": "",
        "community": str(community_id),
        "grid": str(grid_id),
        "title": "小区违建影响采光",
        "description": "楼下加盖彩钢棚，遮挡采光，多次向物业反映未果，要求依法处理。",
        "headcount": "",
        "p-TOTAL_FORMS": "1",
        "p-INITIAL_FORMS": "0",
        "p-MIN_NUM_FORMS": "1",
        "p-MAX_NUM_FORMS": "50",
        "p-0-name": "张三",
        "p-0-id_number": _id_number(rng),
        "p-0-phone": f"138{rng.randrange(10**8):08d}",
        "p-0-address": "翠屏路12号",
    }


def run(args) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from list_bench import clerk_user, plain_static

    from huiyin.org.models import Grid

    rng = random.Random(11)
    grid = Grid.objects.order_by("id").first()
    if args.http:
        from intake_http import run_http

        run_http(args, lambda: _form(rng, grid.community_id, grid.pk), clerk_user())
        return
    plain_static()
    clerk = Client(SERVER_NAME="localhost")
    clerk.force_login(clerk_user())
    public = Client(SERVER_NAME="localhost")

    def intake(queries: list | None = None) -> float:
        # As a browser sends the intake form (it has no file field): url-encoded, not multipart.
        body = urlencode(_form(rng, grid.community_id, grid.pk), doseq=True)
        capture = CaptureQueriesContext(connection) if queries is not None else None
        began = time.perf_counter()
        with contextlib.nullcontext() if capture is None else capture:
            response = clerk.post(NEW, body, content_type="application/x-www-form-urlencoded")
        took = time.perf_counter() - began
        if capture is not None:
            # Read now: the next request starts the connection's query log again.
            queries.extend(capture.captured_queries)
        if response.status_code != 302:
            raise SystemExit(f"intake answered {response.status_code}, not a redirect")
        receipts.append(response["Location"])
        return took

    receipts: list[str] = []

    def receipt() -> None:
        # As the clerk's browser does: the receipt shows the flash message, which otherwise
        # piles up in the session, intake after intake.
        response = clerk.get(receipts.pop())
        assert response.status_code == 200, response.status_code

    def track() -> float:
        began = time.perf_counter()
        response = public.get(TRACK)
        assert response.status_code == 200, response.status_code
        return time.perf_counter() - began

    intake()
    track()
    if args.queries:
        queries = []
        intake(queries)
        for number, query in enumerate(queries, start=1):
            print(f"{number:3} {float(query['time']) * 1000:6.2f} ms  {query['sql'][:300]}")
        print(f"{len(queries)} queries")
        return
    if args.profile:
        import cProfile
        import pstats

        # CPU time, not the wall clock: what others run on the machine is left out.
        profiler = cProfile.Profile(time.process_time)
        for _i in range(args.profile):
            profiler.enable()
            intake()
            profiler.disable()
            if not args.no_follow:
                receipt()
        stats = pstats.Stats(profiler)
        if os.environ.get("INTAKE_PROFILE_OUT"):
            stats.dump_stats(os.environ["INTAKE_PROFILE_OUT"])
        stats.sort_stats("tottime").print_stats(30)
        stats.sort_stats("cumulative").print_stats(60)
        return

    from intake_http import measure

    measure(args, intake, track, "(test client)", after_intake=None if args.no_follow else receipt)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="postgres://... (default: SQLite in --data-dir)")
    parser.add_argument("--data-dir", default="/tmp/huiyin-bench")  # noqa: S108
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--count", type=int, default=50, help="requests of each per round")
    parser.add_argument("--queries", action="store_true", help="list one intake's queries")
    parser.add_argument("--profile", type=int, metavar="N", help="profile N intakes")
    parser.add_argument(
        "--http", action="store_true", help="through `huiyin serve` (gunicorn) over HTTP"
    )
    parser.add_argument(
        "--no-follow",
        action="store_true",
        help="do not open the receipt after each intake (as measured before 2026-12-06)",
    )
    args = parser.parse_args(argv)
    setup(args.database_url, args.data_dir)
    from django.core.management import call_command

    # The code may have moved on since the database was generated.
    call_command("migrate", interactive=False, verbosity=0)
    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: no static root
    run(args)


if __name__ == "__main__":
    main()
