"""Benchmark: the statistics layer against one hand-written SQL query, on the same database.

    .venv/bin/python bench/stats_bench.py                                   # SQLite in --data-dir
    .venv/bin/python bench/stats_bench.py \\
        --database-url postgres://postgres@127.0.0.1:5432/huiyin_bench      # PostgreSQL

Fill the database first with bench/generate.py (the same --data-dir / --database-url). For a
100-day period ending today it times ``huiyin.reports.stats.compute()`` and one SQL query
written by hand that computes the same numbers (every count and sum of ``compute()``; the two
lists — receptions per leader and the petitions that broke a goal — are not numbers and are
left to ``compute()``, which fetches them in its second query). Both run alternately,
--repeat times after one warm-up each, in one process; the medians and their ratio are
printed, and the numbers of the two are compared (a mismatch is an error).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import setup  # noqa: E402

LEVELS = ("street", "district", "city", "province", "national")
CHANNELS = ("letter", "visit", "phone", "online", "assigned")
ACCEPTED = (
    "accepted",
    "assigned",
    "handling",
    "replied",
    "review_requested",
    "review_answered",
    "reexam_requested",
    "reexam_answered",
)
RATINGS = ("satisfied", "basically_satisfied", "dissatisfied")


def hand_written_sql() -> tuple[str, list[str]]:
    """The query and the names of its columns (dotted keys of flat(compute()))."""
    columns: list[tuple[str, str]] = []

    def pair(key: str, condition: str) -> None:
        columns.append((f"{key}.batches", f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"))
        columns.append(
            (f"{key}.headcount", f"SUM(CASE WHEN {condition} THEN t.headcount ELSE 0 END)")
        )

    def count(key: str, condition: str) -> None:
        columns.append((key, f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"))

    columns.append(("petitions.batches", "COUNT(*)"))
    columns.append(("petitions.headcount", "COALESCE(SUM(t.headcount), 0)"))
    for channel in CHANNELS:
        pair(f"petitions.by_channel.{channel}", f"t.channel = '{channel}'")
    for level in LEVELS:
        pair(f"petitions.by_level.{level}", f"t.level = '{level}'")
        pair(f"petitions.visits_by_level.{level}", f"t.level = '{level}' AND t.channel = 'visit'")
    pair(
        "petitions.over_level",
        "(CASE t.level WHEN 'street' THEN 0 WHEN 'district' THEN 1 WHEN 'city' THEN 2"
        " WHEN 'province' THEN 3 ELSE 4 END) > (CASE t.handling_level WHEN 'street' THEN 0"
        " WHEN 'district' THEN 1 WHEN 'city' THEN 2 WHEN 'province' THEN 3 ELSE 4 END)",
    )
    pair("petitions.collective", "t.is_collective")
    pair("receptions", "t.reception_slot_id IS NOT NULL")
    count("petitions.first", "NOT t.is_repeat")
    count("petitions.repeat", "t.is_repeat")
    count("petitions.registered", "t.status = 'registered'")
    accepted = ", ".join(f"'{s}'" for s in ACCEPTED)
    count("petitions.accepted", f"t.status IN ({accepted})")
    for status in ("declined", "transferred", "concluded"):
        count(f"petitions.{status}", f"t.status = '{status}'")
    count("petitions.overdue_open", "t.overdue")
    count("petitions.on_time.met", "t.handling = 'met' AND NOT t.overdue")
    count("petitions.on_time.late", "t.handling = 'late'")
    count("petitions.on_time.overdue", "t.overdue AND (t.handling IS NULL OR t.handling <> 'late')")
    count("petitions.rated", "t.rating IS NOT NULL")
    for rating in RATINGS:
        count(f"petitions.satisfaction.{rating}", f"t.rating = '{rating}'")

    select = ",\n  ".join(expression for _key, expression in columns)
    sql = f"""
SELECT
  {select}
FROM (
  SELECT c.id, c.status, p.headcount, p.channel, p.level, p.handling_level, p.is_collective,
         p.reception_slot_id, p.is_repeat,
         c.due_on < %(day)s AS overdue,
         (SELECT h.outcome FROM cases_clock h
           WHERE h.case_id = c.id AND h.code = 'handling' AND h.stopped_at IS NOT NULL
           ORDER BY h.stopped_at DESC, h.id DESC LIMIT 1) AS handling,
         (SELECT f.satisfaction FROM petitions_followup f
           WHERE f.petition_id = c.id ORDER BY f."on" DESC, f.id DESC LIMIT 1) AS rating
  FROM cases_case c JOIN petitions_petition p ON p.case_id = c.id
  WHERE c.kind = 'petition' AND NOT c.withdrawn
    AND c.received_at >= %(first)s AND c.received_at < %(after)s
) t
"""
    return sql, [key for key, _expression in columns]


def run(days: int, repeat: int) -> None:
    from django.db import connection, reset_queries
    from django.utils import timezone

    from huiyin.cases.models import Case
    from huiyin.reports import stats

    today = timezone.localdate()
    period = stats.Period(today - timedelta(days=days - 1), today)
    first, after = period.bounds()
    ops = connection.ops
    params = {
        "first": ops.adapt_datetimefield_value(first),
        "after": ops.adapt_datetimefield_value(after),
        "day": ops.adapt_datefield_value(period.reference_day()),
    }
    if period.reference_day() != today:
        raise SystemExit("the hand-written query judges overdue as of today: end the period today")
    sql, keys = hand_written_sql()

    def by_hand() -> dict:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        return {key: int(value or 0) for key, value in zip(keys, row, strict=True)}

    def layer() -> dict:
        return stats.compute(period)

    total = Case.objects.count()
    in_period = stats.petition_cases(period).count()
    layer()
    by_hand()  # warm-up: caches and, on PostgreSQL, plans
    executed: list[str] = []

    def count_queries(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count_queries):
        layer()
    times: dict[str, list[float]] = {"layer": [], "sql": []}
    for _i in range(repeat):
        for name, fn in (("layer", layer), ("sql", by_hand)):
            start = time.perf_counter()
            result = fn()
            times[name].append(time.perf_counter() - start)
            if name == "layer":
                numbers = stats.flat(result)
            else:
                hand = result
        reset_queries()
    for key, value in hand.items():
        if numbers[key] != value:
            raise SystemExit(f"mismatch at {key}: compute() {numbers[key]} vs SQL {value}")
    layer_ms = statistics.median(times["layer"]) * 1000
    sql_ms = statistics.median(times["sql"]) * 1000
    print(f"database          {connection.vendor}")
    print(f"cases             {total:,}")
    print(f"period            {period.start} – {period.end} ({period.days} days)")
    print(f"petitions counted {in_period:,}")
    print(f"numbers compared  {len(keys)} (all equal)")
    print(f"compute()         {layer_ms:8.1f} ms median of {repeat} ({len(executed)} queries)")
    print(f"hand-written SQL  {sql_ms:8.1f} ms median of {repeat} (1 query)")
    print(f"ratio             {layer_ms / sql_ms:8.2f}×")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="postgres://... (default: SQLite in --data-dir)")
    parser.add_argument("--data-dir", default="/tmp/huiyin-bench")  # noqa: S108
    parser.add_argument("--days", type=int, default=100, help="length of the period")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    setup(args.database_url, args.data_dir)
    run(args.days, args.repeat)


if __name__ == "__main__":
    main()
