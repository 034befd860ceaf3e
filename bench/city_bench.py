"""Benchmark: a city's database (bench/city.py) as a street and as the district read it.

    .venv/bin/python bench/city_bench.py --data-dir /tmp/huiyin-city \\
        --database-url postgres://postgres@127.0.0.1:5432/huiyin_city

Three readers, made by bench/city.py: the first street's petition clerk (``city-clerk``), the
district officer with that street chosen in the header (``city-district``, one street), and
the district officer over every street (the city). For each, in one process, for the 100 days
ending today: the statistics (``huiyin.reports.stats.compute``, the numbers of every kind), the
dashboard page (/reports/ through Django's test Client: every middleware, the session, the
template) and the petition ledger export of those days (masked, to memory, as the ledger page's
job does it); one warm-up, then the median of --repeat (the city's export once, it is long).
With --list it also runs bench/list_bench.py's pages for each reader (pages 1, 50, the middle
and the last of each set of filters).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import setup  # noqa: E402

DAYS = 100


def readers() -> list[tuple[str, object, int | None]]:
    """(label, user, street chosen in the header or None)."""
    from city import CLERK, DISTRICT
    from django.contrib.auth.models import User

    from huiyin.org import demo
    from huiyin.org.models import Street

    first = Street.objects.get(name=demo.STREET)
    clerk = User.objects.get(username=CLERK)
    district = User.objects.get(username=DISTRICT)
    return [
        ("a street, its clerk", clerk, None),
        ("a street, the district", district, first.pk),
        ("the city, the district", district, None),
    ]


def _timed(fn, repeat: int, warm: bool = True) -> tuple[float, object]:
    result = fn() if warm else None  # warm-up
    samples = []
    for _i in range(repeat):
        began = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples), result


#: docs/city.md's session settings for a city's database (--tuned): statistics are many
#: short queries (no JIT) that group a hundred thousand rows (memory to sort them).
TUNED = ("SET jit = off", "SET work_mem = '32MB'")


def run(
    repeat: int,
    with_list: bool,
    only_list: bool,
    tuned: bool = False,
    no_export: bool = False,
    only: str = "",
) -> None:
    from django.db import connection
    from django.test import Client
    from django.utils import timezone
    from list_bench import plain_static
    from list_bench import run as list_run

    from huiyin.org.access import reach_of
    from huiyin.org.street_choice import SESSION_KEY, narrow
    from huiyin.reports import stats
    from huiyin.reports.ledgers.petitions import export_petition_ledger

    plain_static()
    today = timezone.localdate()
    period = stats.Period(today - timedelta(days=DAYS - 1), today)
    with connection.cursor() as cursor:
        for setting in TUNED if tuned else ():
            cursor.execute(setting)
        cursor.execute("SELECT count(*), count(DISTINCT street_id) FROM cases_case")
        cases, streets = cursor.fetchone()
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    print(f"database  {connection.vendor}, {size}; {cases:,} cases in {streets} streets")
    print(f"period    {period.start} to {period.end}")
    print(f"load      {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"settings  {'; '.join(TUNED) if tuned else 'the server defaults'}")
    for label, user, street_id in readers():
        if only not in label:
            continue
        print(f"\n== {label}", flush=True)
        if with_list or only_list:
            list_run(repeat, False, user=user, street_id=street_id)
        if only_list:
            continue

        def as_reader(user=user, street_id=street_id):
            # The street chosen in the header narrows the reach, as the middleware does.
            for attribute in ("_huiyin_reach", "_huiyin_full_reach"):
                if hasattr(user, attribute):
                    delattr(user, attribute)
            reach_of(user)
            if street_id is not None:
                narrow(user, street_id)
            return user

        client = Client(SERVER_NAME="localhost")
        client.force_login(user)
        if street_id is not None:
            session = client.session
            session[SESSION_KEY] = street_id
            session.save()
        params = {
            "period": "custom",
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
        }

        def page(client=client, params=params):
            response = client.get("/reports/", params)
            if response.status_code != 200:
                raise SystemExit(f"/reports/: HTTP {response.status_code}")

        seconds, numbers = _timed(lambda: stats.compute(period, user=as_reader()), repeat)
        petitions = numbers["petitions"]["batches"]
        print(f"statistics, {DAYS} days   {seconds * 1000:8.0f} ms  ({petitions:,} petitions)")
        seconds, _r = _timed(page, repeat)
        print(f"dashboard page          {seconds * 1000:8.0f} ms")

        def export(user=user):
            out = io.BytesIO()
            rows = export_petition_ledger(
                out,
                user=as_reader(),
                params={"from": period.start.isoformat(), "to": period.end.isoformat()},
            )
            return rows, len(out.getvalue())

        if no_export:
            continue
        city = street_id is None and label.startswith("the city")
        seconds, (rows, size) = _timed(export, 1 if city else repeat, warm=not city)
        print(
            f"ledger export           {seconds:8.1f} s   ({rows:,} rows, {size / 1e6:.1f} MB,"
            f" {rows / seconds:,.0f} rows a second)",
            flush=True,
        )
    print(f"\nload      {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="postgres://...")
    parser.add_argument("--data-dir", default="/tmp/huiyin-city")  # noqa: S108
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--list", action="store_true", help="the list pages too")
    parser.add_argument("--only-list", action="store_true", help="the list pages only")
    parser.add_argument("--tuned", action="store_true", help="docs/city.md's session settings")
    parser.add_argument("--no-export", action="store_true", help="leave the ledger exports out")
    parser.add_argument("--readers", default="", help="only the readers whose label holds this")
    args = parser.parse_args(argv)
    setup(args.database_url, args.data_dir)
    import warnings

    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: no static root
    run(args.repeat, args.list, args.only_list, args.tuned, args.no_export, args.readers)


if __name__ == "__main__":
    main()
