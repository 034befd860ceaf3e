"""Benchmark: the campaign report (情况通报) in Word on a large database.

    .venv/bin/python bench/report_bench.py                                  # SQLite in --data-dir
    .venv/bin/python bench/report_bench.py \\
        --database-url postgres://postgres@127.0.0.1:5432/huiyin_bench      # PostgreSQL

Fill the database first with bench/generate.py (the same --data-dir / --database-url). For a
period of --days days ending today it writes the built-in report and the report through a
template holding every placeholder, --repeat times each after one warm-up, in one process,
and prints the medians, the number of queries, and where the time goes: the statistics
(stats.compute), the per-community rows, the overdue list and the writing of the document.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import setup  # noqa: E402


def _template() -> io.BytesIO:
    """A template with every placeholder and every list (as the tests build it)."""
    from docx import Document

    from huiyin.reports import word

    doc = Document()
    for p in word.PLACEHOLDERS:
        doc.add_paragraph(f"{p.name}=[{{{{ {p.name} }}}}] {p.alias}=[{{{{ {p.alias} }}}}]")
    for name, _alias, keys in word.LISTS:
        cells = "".join(f"[{{{{ 行.{zh} }}}}]" for zh, _en, _m in keys)
        doc.add_paragraph(f"{name}:{{% for 行 in {name} %}}<{cells}>{{% endfor %}}")
    out = io.BytesIO()
    doc.save(out)
    return out


def run(days: int, repeat: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from huiyin.cases.models import Case
    from huiyin.reports import stats, word

    today = timezone.localdate()
    period = stats.Period(today - timedelta(days=days - 1), today)
    template = _template()

    def builtin() -> None:
        word.campaign_report(io.BytesIO(), period=period)

    def templated() -> None:
        word.campaign_report(io.BytesIO(), period=period, template=template)

    steps: dict[str, list[float]] = {}

    def timed(name, fn):
        start = time.perf_counter()
        result = fn()
        steps.setdefault(name, []).append(time.perf_counter() - start)
        return result

    total = Case.objects.count()
    in_period = stats.petition_cases(period).count()
    builtin()
    templated()  # warm-up
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        builtin()
    times: dict[str, list[float]] = {"built-in": [], "template": []}
    for _i in range(repeat):
        for name, fn in (("built-in", builtin), ("template", templated)):
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
        # The parts, as word.gather() runs them.
        data = timed("stats.compute", lambda: stats.compute(period))
        timed("per_community", lambda: stats.per_community(period))
        timed("gather (all 3)", lambda: word.gather(period))
        timed(
            "write .docx",
            lambda figures=data: word.build_document(
                word.ReportData(
                    period=period,
                    figures=figures,
                    unit="浓洄街道办事处",
                    area="全街道",
                    street="浓洄街道",
                    campaign="",
                    today=today,
                    found={
                        "petitions": {
                            "communities": stats.per_community(period),
                            "overdue": [],
                            "overdue_more": False,
                        }
                    },
                )
            ).save(io.BytesIO()),
        )
    print(f"database          {connection.vendor}")
    print(f"cases             {total:,}")
    print(f"period            {period.start} – {period.end} ({period.days} days)")
    print(f"petitions counted {in_period:,}")
    for name, values in times.items():
        print(f"report {name:<10} {statistics.median(values) * 1000:8.0f} ms median of {repeat}")
    print(f"queries           {len(queries)} (built-in report)")
    for name, values in steps.items():
        print(f"  {name:<15} {statistics.median(values) * 1000:8.0f} ms")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="postgres://... (default: SQLite in --data-dir)")
    parser.add_argument("--data-dir", default="/tmp/huiyin-bench")  # noqa: S108
    parser.add_argument("--days", type=int, default=100, help="length of the period")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    setup(args.database_url, args.data_dir)
    run(args.days, args.repeat)


if __name__ == "__main__":
    main()
