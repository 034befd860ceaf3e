"""Benchmark: the timeline partitioned by year (`huiyin partition-events`), before and after.

    createdb -h 127.0.0.1 -U postgres huiyin_bench_partition
    .venv/bin/python bench/generate.py --cases 200000 --data-dir /tmp/hy-part \\
        --database-url postgres://postgres@127.0.0.1:5432/huiyin_bench_partition
    .venv/bin/python bench/partition_bench.py --data-dir /tmp/hy-part \\
        --database-url postgres://postgres@127.0.0.1:5432/huiyin_bench_partition

bench/generate.py writes cases without timeline events; this adds --events-per-case events
to every case (one a day from its receipt, in SQL), then times: the timeline of --sample
random cases read as the case page reads it (``case.events.all()``), the 100-day statistics,
the conversion itself (rows per second, the write lock's length) and the same reads after.
Prints one JSON object. Run it on a database made for it: the conversion is for real.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import setup  # noqa: E402


def _median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--events-per-case", type=int, default=8)
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    setup(args.database_url, args.data_dir)

    from django.db import connection
    from django.utils import timezone

    from huiyin.cases.models import Case, CaseEvent
    from huiyin.ops import partitions
    from huiyin.reports import stats

    if connection.vendor != "postgresql":
        sys.exit("partitioning needs PostgreSQL: give --database-url postgres://…")
    out: dict[str, object] = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_case")
        out["cases"] = cursor.fetchone()[0]
        if not CaseEvent.objects.exists():
            began = time.monotonic()
            cursor.execute(
                "INSERT INTO cases_caseevent (case_id, at, kind, from_status, to_status, note,"
                " data, actor_id) SELECT c.id, c.received_at + (k * interval '1 day'), 'note',"
                " '', '', '', '{}'::jsonb, NULL FROM cases_case c,"
                " generate_series(0, %s - 1) k",
                [args.events_per_case],
            )
            cursor.execute("ANALYZE cases_caseevent")
            out["events_added_s"] = round(time.monotonic() - began, 1)
        cursor.execute(
            "SELECT count(*), pg_total_relation_size('cases_caseevent') FROM cases_caseevent"
        )
        out["events"], size = cursor.fetchone()
        out["events_mb"] = round(size / 2**20)
        cursor.execute("SELECT version()")
        out["postgresql"] = cursor.fetchone()[0].split(" on ")[0]

    ids = list(Case.objects.values_list("id", flat=True))
    sample = random.Random(7).sample(ids, min(args.sample, len(ids)))
    today = timezone.localdate()
    period = stats.Period(today - timedelta(days=99), today)

    def timeline() -> float:
        began = time.perf_counter()
        for case_id in sample:
            list(Case(pk=case_id).events.all())
        return (time.perf_counter() - began) / len(sample)

    def figures() -> float:
        began = time.perf_counter()
        stats.compute(period)
        return time.perf_counter() - began

    def measure(label: str) -> None:
        timeline(), figures()  # warm
        out[f"timeline_per_case_ms_{label}"] = _median_ms([timeline() for _ in range(args.repeat)])
        out[f"stats_100_days_ms_{label}"] = _median_ms([figures() for _ in range(args.repeat)])

    if not partitions.status().partitioned:
        measure("before")
        began = time.monotonic()
        state = partitions.convert(this_year=today.year)
        seconds = time.monotonic() - began
        out["convert_s"] = round(seconds, 1)
        out["convert_rows_per_s"] = round(state.rows / seconds)
        out["partitions"] = {str(p.year or "default"): p.rows for p in state.partitions}
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits"
                " WHERE inhparent = 'cases_caseevent'::regclass"
            )
            out["events_mb_after"] = round(cursor.fetchone()[0] / 2**20)
    measure("after")
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
