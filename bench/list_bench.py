"""Benchmark: the petition list page (/petitions/) on a large database, as the clerk sees it.

    .venv/bin/python bench/list_bench.py                                    # SQLite in --data-dir
    .venv/bin/python bench/list_bench.py \\
        --database-url postgres://postgres@127.0.0.1:5432/huiyin_bench      # PostgreSQL

Fill the database first with bench/generate.py (the same --data-dir / --database-url). The page
is rendered through Django's test Client — every middleware, the session, the whole template —
signed in as a street-wide petition clerk (``clerk``, created in the benchmark database with
the demo's role and unit when missing). For each set of filters it renders page 1, page 50, the
middle page (the deepest OFFSET: later pages are read from the other end) and the last page:
one warm-up, then --repeat times, in one process, and prints the median server time, the
number of queries (counted on a separate run) and the slowest query. With --explain it prints
the queries that read cases on each of those pages, their times and the database's plans.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
import warnings
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import setup  # noqa: E402

URL = "/petitions/"
PAGE_SIZE = 50


def clerk_user():
    """The street-wide petition clerk, as the demo makes it (role, no scope, unit 信访办)."""
    from django.contrib.auth.models import User

    from huiyin.org import demo
    from huiyin.org.models import RoleGrant, Staff, Street, Unit
    from huiyin.org.roles import Role

    user, _created = User.objects.get_or_create(username="clerk")
    if not hasattr(user, "staff"):
        street = Street.objects.get(name=demo.STREET)
        unit = Unit.objects.filter(street=street, name="信访办").first()
        staff = Staff.objects.create(
            user=user, name="测试信访员", title="信访办工作人员", unit=unit
        )
        RoleGrant.objects.create(staff=staff, role=Role.PETITION_CLERK)
    return user


def plain_static() -> None:
    """No collected static files in a benchmark data dir: look them up unhashed."""
    from django.test.utils import override_settings

    override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()


def scenarios() -> list[tuple[str, dict]]:
    from django.utils import timezone

    from huiyin.org.models import Community

    today = timezone.localdate()
    community = Community.objects.order_by("order", "id").first()
    period = {"from": (today - timedelta(days=99)).isoformat(), "to": today.isoformat()}
    number = f"〔{today.year - 1}〕0042"  # a fragment of one case number
    return [
        ("no filters", {}),
        ("community + 100 days", {"community": community.pk, **period}),
        (
            "handling + community + 100 days",
            {"status": "handling", "community": community.pk, **period},
        ),
        ("overdue", {"due": "overdue"}),
        ("q=噪声 + 100 days", {"q": "噪声", **period}),
        # Free text over all ten years: a common word, a rarer one, a phrase, one character,
        # a fragment of a case number, and words that are in no case.
        ("q=噪声 (all years)", {"q": "噪声"}),
        ("q=锈蚀 (all years)", {"q": "锈蚀"}),
        ("q=彩钢房 (all years)", {"q": "彩钢房"}),
        ("q=楼顶搭建彩钢房 (all years)", {"q": "楼顶搭建彩钢房"}),
        ("q=漏 (all years)", {"q": "漏"}),
        # Rarer fragments: a road and house number's first digit, a block of one estate, one
        # house number.
        ("q=滨河路2 (all years)", {"q": "滨河路2"}),
        ("q=幸福苑3号楼 (all years)", {"q": "幸福苑3号楼"}),
        ("q=民主路7号 (all years)", {"q": "民主路7号"}),
        (f"q={number} (all years)", {"q": number}),
        ("q=无此内容 (all years)", {"q": "无此内容"}),
        ("received, oldest first", {"sort": "received"}),
    ]


def run(repeat: int, explain: bool, only: str | None = None) -> None:
    from django.db import connection
    from django.test import Client

    from huiyin.cases.models import Case

    plain_static()
    client = Client(SERVER_NAME="localhost")
    client.force_login(clerk_user())

    def get(params: dict, page: int | None):
        query = dict(params, **({"page": page} if page else {}))
        response = client.get(URL, query)
        if response.status_code != 200:
            raise SystemExit(f"{URL} {query}: HTTP {response.status_code}")
        return response

    print(f"database  {connection.vendor}")
    print(f"cases     {Case.objects.count():,}")
    client.get(URL)  # warm-up: session, holiday calendar, templates
    if explain:
        return explain_plans(get, only)
    header = f"{'filters':<34} {'page':>6} {'matched':>9} {'queries':>7} {'median':>9} {'slowest query':>14}"
    print(header)
    print("-" * len(header))
    worst = 0.0
    counts = set()
    for name, params in scenarios():
        if only and only not in name:
            continue
        first = get(params, None)
        matched = int(re.search(rb'data-count="(\d+)"', first.content).group(1))
        if b'data-truncated="1"' in first.content:
            name = f"{name} >"  # more matches than are counted and listed
        last = max(1, -(-matched // PAGE_SIZE))
        for page in sorted({1, min(50, last), (last + 1) // 2, last}):
            get(params, page)  # warm-up
            captured = capture(lambda params=params, page=page: get(params, page))
            slowest = max(t for _sql, t in captured)
            times = []
            for _i in range(repeat):
                began = time.perf_counter()
                get(params, page)
                times.append(time.perf_counter() - began)
            median = statistics.median(times) * 1000
            worst = max(worst, median)
            counts.add(len(captured))
            print(
                f"{name:<34} {page:>6} {matched:>9,} {len(captured):>7} {median:>6.0f} ms"
                f" {slowest * 1000:>11.0f} ms",
                flush=True,
            )
    print(f"slowest page  {worst:.0f} ms (median of {repeat}); queries per page {sorted(counts)}")


def capture(fn) -> list[tuple[str, float]]:
    """The queries `fn` runs, with their times: (sql, seconds)."""
    from django.db import connection

    queries: list[tuple[str, float]] = []

    def timed(execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append(
                (sql % tuple(_literal(p) for p in params or ()), time.perf_counter() - began)
            )

    with connection.execute_wrapper(timed):
        fn()
    return queries


def _literal(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return "ARRAY[" + ", ".join(_literal(item) for item in value) + "]"
    return "'" + str(value).replace("'", "''") + "'"


def explain_plans(get, only: str | None = None) -> None:
    """The queries that read cases on each page measured, with their times and plans."""
    from django.db import connection

    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ANALYZE "
    for name, params in scenarios():
        if only and only not in name:
            continue
        first = get(params, None)
        matched = int(re.search(rb'data-count="(\d+)"', first.content).group(1))
        last = max(1, -(-matched // PAGE_SIZE))
        for page in sorted({1, min(50, last), (last + 1) // 2, last}):
            get(params, page)
            for sql, seconds in capture(lambda params=params, page=page: get(params, page)):
                if '"cases_case"' not in sql:
                    continue
                print(f"\n=== {name}, page {page}: {seconds * 1000:.1f} ms\n{sql}")
                with connection.cursor() as cursor:
                    cursor.execute(prefix + sql)
                    for row in cursor.fetchall():
                        print("   ", " | ".join(str(c) for c in row))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="postgres://... (default: SQLite in --data-dir)")
    parser.add_argument("--data-dir", default="/tmp/huiyin-bench")  # noqa: S108
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--explain", action="store_true", help="print the query plans instead")
    parser.add_argument("--only", help="only the filters whose name contains this text")
    args = parser.parse_args(argv)
    setup(args.database_url, args.data_dir)
    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: no static root
    run(args.repeat, args.explain, args.only)


if __name__ == "__main__":
    main()
