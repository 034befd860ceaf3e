"""Benchmark: the cases partitioned by year (`huiyin partition-cases`), before and after.

    .venv/bin/python bench/case_partition_bench.py --data-dir /tmp/hy-city \\
        --database-url postgres://postgres@127.0.0.1:5432/hy_city

On a database of bench/generate.py (and bench/city.py): times the registration of
--intakes petitions by the street's clerk through the service a clerk's form calls (each in
its own transaction, all of them rolled back at the end so the database is unchanged), and a
case read as its page reads it (--sample random cases); converts the table with
``huiyin.ops.case_partitions.convert`` (the write lock's length, rows a second) and times the
same again; checks that every case kept its id and that the keys table equals the cases.
The pages and statistics: bench/city_bench.py before and after. Prints one JSON object. Run
it on a database made for it: the conversion is for real.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import setup  # noqa: E402


def _median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 2)


class _Undo(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--intakes", type=int, default=200)
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    setup(args.database_url, args.data_dir)

    from city_bench import readers
    from django.db import connection, transaction
    from django.utils import timezone

    from huiyin.cases.models import Case
    from huiyin.ops import case_partitions
    from huiyin.petitions.tests.factories import petitioner, register

    if connection.vendor != "postgresql":
        sys.exit("partitioning needs PostgreSQL: give --database-url postgres://…")
    clerk = readers()[0][1]
    out: dict[str, object] = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), max(id) FROM cases_case")
        out["cases"], highest = cursor.fetchone()
        cursor.execute("SELECT version()")
        out["postgresql"] = cursor.fetchone()[0].split(" on ")[0]
    sample = random.Random(7).sample(range(1, highest + 1), min(args.sample, highest))
    sample = list(Case.objects.filter(pk__in=sample).values_list("pk", flat=True))

    def intakes() -> float:
        samples = []
        try:
            with transaction.atomic():
                for n in range(args.intakes):
                    began = time.perf_counter()
                    with transaction.atomic():
                        register(
                            clerk, title=f"基准来信{n}", petitioners=[petitioner(id_number="")]
                        )
                    samples.append(time.perf_counter() - began)
                raise _Undo
        except _Undo:
            pass
        return statistics.median(samples)

    def read() -> float:
        began = time.perf_counter()
        for pk in sample:
            case = Case.objects.select_related("petition", "street").get(pk=pk)
            list(case.events.all()), list(case.clocks.all())
        return (time.perf_counter() - began) / len(sample)

    def size() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
                " WHERE c.oid = 'cases_case'::regclass OR c.oid IN (SELECT inhrelid"
                " FROM pg_inherits WHERE inhparent = 'cases_case'::regclass)"
                " OR c.relname = %s",
                [case_partitions.KEYS],
            )
            return round(cursor.fetchone()[0] / 2**20)

    def measure(label: str) -> None:
        read()
        out[f"case_read_ms_{label}"] = _median_ms([read() for _ in range(args.repeat)])
        out[f"intake_ms_{label}"] = _median_ms([intakes() for _ in range(args.repeat)])
        out[f"cases_mb_{label}"] = size()

    before = None
    if not case_partitions.status().partitioned:
        measure("before")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT md5(string_agg(id::text || number, ',' ORDER BY id)) FROM cases_case"
            )
            before = cursor.fetchone()[0]
        began = time.monotonic()
        state = case_partitions.convert(this_year=timezone.localdate().year)
        seconds = time.monotonic() - began
        out["convert_s"] = round(seconds, 1)
        out["convert_rows_per_s"] = round(state.rows / seconds)
        out["partitions"] = {p.name: p.rows for p in state.partitions}
        # What docs/city.md tells the operator to run next: the new table's visibility map
        # and statistics (index-only scans read the heap until it is vacuumed).
        began = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) cases_case")
            cursor.execute(f"VACUUM (ANALYZE) {case_partitions.KEYS}")
        out["vacuum_s"] = round(time.monotonic() - began, 1)
    measure("after")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT md5(string_agg(id::text || number, ',' ORDER BY id)) FROM cases_case"
        )
        after = cursor.fetchone()[0]
    out["same_ids_and_numbers"] = before is None or before == after
    out["keys_drift"] = case_partitions.keys_drift()
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
