"""Benchmark: registering a petition (POST /petitions/new/) against the public tracker page.

    .venv/bin/python bench/intake_bench.py --data-dir /tmp/huiyin-bench-100k
    .venv/bin/python bench/intake_bench.py --data-dir /tmp/huiyin-bench-100k --profile 40
    .venv/bin/python bench/intake_bench.py --data-dir /tmp/huiyin-bench-100k --queries
    .venv/bin/python bench/intake_bench.py --data-dir /tmp/huiyin-bench-100k --http

On a database made by bench/generate.py. Both are served in this one process by Django's
test Client (every middleware, the session, the template; no HTTP server): the intake as the
street-wide petition clerk, one individual visit with a new ID and phone number each time
(the registration, its clocks, timeline, audit entries, encryption and blind indexes, and
the redirect to the receipt — not the receipt page itself); the tracker as the public opens
it (GET /track/). --rounds rounds of --count requests each, alternately; prints the requests
per second of each, their ratio per round and the median ratio. --queries prints the queries
of one intake POST; --profile N prints a cProfile of N intake POSTs (top functions by own
and by cumulative time); --http serves both through `huiyin serve` (gunicorn) instead and
drives them over HTTP (bench/intake_http.py). Every run adds petitions to the database: never a real one.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
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

    def intake():
        # As a browser sends the intake form (it has no file field): url-encoded, not multipart.
        response = clerk.post(
            NEW,
            urlencode(_form(rng, grid.community_id, grid.pk), doseq=True),
            content_type="application/x-www-form-urlencoded",
        )
        if response.status_code != 302:
            raise SystemExit(f"intake answered {response.status_code}, not a redirect")

    def track():
        response = public.get(TRACK)
        assert response.status_code == 200, response.status_code

    intake()
    track()
    if args.queries:
        with CaptureQueriesContext(connection) as queries:
            intake()
        for number, query in enumerate(queries.captured_queries, start=1):
            print(f"{number:3} {float(query['time']) * 1000:6.2f} ms  {query['sql'][:300]}")
        print(f"{len(queries)} queries")
        return
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for _i in range(args.profile):
            intake()
        profiler.disable()
        stats = pstats.Stats(profiler)
        if os.environ.get("INTAKE_PROFILE_OUT"):
            stats.dump_stats(os.environ["INTAKE_PROFILE_OUT"])
        stats.sort_stats("tottime").print_stats(30)
        stats.sort_stats("cumulative").print_stats(60)
        return

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
            f"round {round_}: intake {rates['intake']:6.1f}/s ({1000 / rates['intake']:5.1f} ms),"
            f" tracker {rates['tracker']:6.1f}/s ({1000 / rates['tracker']:5.1f} ms),"
            f" ratio {ratios[-1]:.3f}×"
        )
    print(f"median ratio intake / tracker {statistics.median(ratios):.3f}×")
    print(f"load average  {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


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
    args = parser.parse_args(argv)
    setup(args.database_url, args.data_dir)
    from django.core.management import call_command

    # The code may have moved on since the database was generated.
    call_command("migrate", interactive=False, verbosity=0)
    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: no static root
    run(args)


if __name__ == "__main__":
    main()
