"""Benchmark: the dispute list page (/disputes/) on a large database, as its users see it.

    .venv/bin/python bench/dispute_list_bench.py --data-dir /tmp/huiyin-bench-disp
    .venv/bin/python bench/dispute_list_bench.py \\
        --database-url postgres://postgres@127.0.0.1:5432/huiyin_bench_disp   # PostgreSQL

Fill the database first with ``bench/generate.py --disputes-share 0.25`` (the same --data-dir /
--database-url). The page (the view behind ``disputes:list``: every middleware, the session,
the filter bar, the whole template) is rendered through Django's test Client for three people,
created in the benchmark database when missing, with the demo's roles and units: street-wide
governance staff (综治办, ``bench-governance``), a community worker of the first community
(``bench-community``) and a grid worker of its first grid (``bench-grid``), whose rows
``visible_to`` limits to their community or grid. For each set of
filters it renders page 1, page 50, the middle page (the deepest OFFSET) and the last page:
one warm-up, then --repeat times, and prints the rows matched, the queries (counted on a
separate run), the median server time against the 150 ms target, the median CPU time of the
process (on SQLite the database's work too: what the machine's load moves least) and the
slowest query. With
--explain it prints the queries that read cases on each of those pages, their times and the
database's plans. The machinery is the petition list benchmark's (bench/list_bench.py).

With --compare, every page is measured twice in the same run, alternately: as the search reads
it now, and "before" — the disputes left out of PostgreSQL's pairs index in
``huiyin.cases.search`` (``UNPAIRED_KINDS``), so a text search takes the path it took before
that index existed (the same queries as then); the two medians and slowest queries are shown
side by side.

--profile (CPU, the templates' share, the costliest functions of each page under cProfile) and
--html DIR (each page's HTML, to compare two versions of the templates) work as in
bench/list_bench.py.
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
from list_bench import capture, plain_static, profile_page, write_html  # noqa: E402

URL = "/disputes/"
PAGE_SIZE = 50
TARGET_MS = 150


def bench_user(username: str, role: str, unit_name: str, community=None, grid=None):
    """A staff member holding `role` (over `community` or `grid`, else the whole street)."""
    from django.contrib.auth.models import User

    from huiyin.org import demo
    from huiyin.org.models import RoleGrant, Staff, Street, Unit

    user, _created = User.objects.get_or_create(username=username)
    if not hasattr(user, "staff"):
        street = Street.objects.get(name=demo.STREET)
        unit = Unit.objects.filter(street=street, name=unit_name).first()
        staff = Staff.objects.create(user=user, name=f"测试{username[-4:]}", unit=unit)
        RoleGrant.objects.create(staff=staff, role=role, community=community, grid=grid)
    return user


def people() -> list[tuple[str, object, object]]:
    """(who, user, their community): street-wide governance staff, a community worker and a
    grid worker of the same community's first grid."""
    from huiyin.org.models import Community, Grid
    from huiyin.org.roles import Role

    community = Community.objects.order_by("order", "id").first()
    grid = Grid.objects.filter(community=community).order_by("id").first()
    return [
        ("governance", bench_user("bench-governance", Role.GOVERNANCE_STAFF, "综治办"), None),
        (
            "community",
            bench_user("bench-community", Role.COMMUNITY_WORKER, "", community),
            community,
        ),
        (
            "grid",
            bench_user("bench-grid", Role.GRID_WORKER, "", grid=grid),
            community,
        ),
    ]


def scenarios(own_community) -> list[tuple[str, dict]]:
    from django.utils import timezone

    from huiyin.cases.kinds import Kind
    from huiyin.cases.models import Category
    from huiyin.disputes.models import Committee
    from huiyin.org.models import Community

    today = timezone.localdate()
    communities = list(Community.objects.order_by("order", "id")[:2])
    # The street-wide user filters by another community than the first; a community worker
    # by their own (the only one they see).
    community = own_community or communities[-1]
    period = {"from": (today - timedelta(days=99)).isoformat(), "to": today.isoformat()}
    labour = Category.objects.filter(kind=Kind.DISPUTE, name="劳动争议", parent=None).first()
    # The street's committee: the one the most disputes name (every community's escalations).
    committee = Committee.objects.filter(tier="street").order_by("id").first()
    fragment = f"〔{today.year - 1}〕0042"  # of one case number, as the petition bench
    number = f"调〔{today.year - 1}〕004"  # of ten, with the kind's letter
    return [
        ("no filters", {}),
        ("community", {"community": community.pk}),
        ("community + 100 days", {"community": community.pk, **period}),
        ("overdue", {"due": "overdue"}),
        ("open", {"open": "1"}),
        ("type 劳动争议 (with 欠薪)", {"category": labour.pk} if labour else {}),
        ("awaiting performance", {"awaiting": "performance"}),
        ("tier street", {"tier": "street"}),
        ("source screening", {"source": "screening"}),
        ("committee (the street's)", {"committee": committee.pk} if committee else {}),
        ("q=漏水 + 100 days", {"q": "漏水", **period}),
        ("q=漏水 (all years)", {"q": "漏水"}),
        ("q=工资 (all years)", {"q": "工资"}),
        ("q=滨江花园 (all years)", {"q": "滨江花园"}),
        (f"q={fragment} (all years)", {"q": fragment}),
        (f"q={number} (all years)", {"q": number}),
        ("q=无此内容 (all years)", {"q": "无此内容"}),
        ("received, oldest first", {"sort": "received"}),
    ]


def pages(matched: int) -> list[int]:
    last = max(1, -(-matched // PAGE_SIZE))
    return sorted({1, min(50, last), (last + 1) // 2, last})


def run(
    repeat: int,
    explain: bool,
    only: str | None = None,
    who: str | None = None,
    compare: bool = False,
    profile: bool = False,
    html: str | None = None,
) -> None:
    from django.db import connection
    from django.test import Client

    from huiyin.cases.kinds import Kind
    from huiyin.cases.models import Case

    if compare:
        compare_runs(repeat, only, who)
        return

    plain_static()
    print(f"database  {connection.vendor} {_version(connection)}")
    disputes = Case.objects.filter(kind=Kind.DISPUTE).count()
    print(f"cases     {Case.objects.count():,} ({disputes:,} disputes)")
    worst = 0.0
    counts = set()
    misses = []
    for name, user, community in people():
        if who and who != name:
            continue
        client = Client(SERVER_NAME="localhost")
        client.force_login(user)

        def get(params: dict, page: int | None, client=client):
            query = dict(params, **({"page": page} if page else {}))
            response = client.get(URL, query)
            if response.status_code != 200:
                raise SystemExit(f"{URL} {query}: HTTP {response.status_code}")
            return response

        get({}, None)  # warm-up: session, holiday calendar, templates
        print(f"\n{name}")
        if explain:
            explain_plans(get, community, only)
            continue
        if profile or html:
            for label, params in scenarios(community):
                if only and only not in label:
                    continue
                first = get(params, None)
                matched = int(re.search(rb'data-count="(\d+)"', first.content).group(1))
                for page in pages(matched):
                    if html:
                        write_html(html, name, label, page, get(params, page))
                    if profile:
                        profile_page(
                            f"{name}: {label}, page {page}",
                            lambda p=params, n=page, get=get: get(p, n),
                            repeat,
                        )
            continue
        header = (
            f"{'filters':<34} {'page':>6} {'matched':>9} {'queries':>7} {'median':>9}"
            f" {'CPU':>9} {'slowest query':>14}"
        )
        print(header)
        print("-" * len(header))
        for label, params in scenarios(community):
            if only and only not in label:
                continue
            first = get(params, None)
            matched = int(re.search(rb'data-count="(\d+)"', first.content).group(1))
            if b'data-truncated="1"' in first.content:
                label = f"{label} >"  # more matches than are counted and listed
            for page in pages(matched):
                get(params, page)  # warm-up
                captured = capture(lambda params=params, page=page: get(params, page))
                slowest = max(t for _sql, t in captured)
                times, cpu_times = [], []
                for _i in range(repeat):
                    began, cpu = time.perf_counter(), time.process_time()
                    get(params, page)
                    times.append(time.perf_counter() - began)
                    cpu_times.append(time.process_time() - cpu)
                median = statistics.median(times) * 1000
                cpu = statistics.median(cpu_times) * 1000
                worst = max(worst, median)
                counts.add(len(captured))
                mark = "" if median < TARGET_MS else "  MISS"
                if mark:
                    misses.append(f"{name}: {label}, page {page}: {median:.0f} ms")
                print(
                    f"{label:<34} {page:>6} {matched:>9,} {len(captured):>7} {median:>6.0f} ms"
                    f" {cpu:>6.0f} ms {slowest * 1000:>11.0f} ms{mark}",
                    flush=True,
                )
    if explain or profile or html:
        return
    print(
        f"\nslowest page  {worst:.0f} ms (median of {repeat}; target {TARGET_MS} ms);"
        f" queries per page {sorted(counts)}"
    )
    for miss in misses:
        print(f"over the target: {miss}")


def compare_runs(repeat: int, only: str | None, who: str | None) -> None:
    """Each page as the search reads it now and as it read it before the pairs index, in
    turns within one run: medians and slowest queries side by side."""
    from django.db import connection
    from django.test import Client

    from huiyin.cases import search
    from huiyin.cases.kinds import Kind
    from huiyin.cases.models import Case

    plain_static()
    now = search.UNPAIRED_KINDS
    before = frozenset(Kind.values)  # every kind out of the pairs index: the earlier path

    def variant(kinds):
        search.UNPAIRED_KINDS = kinds

    print(f"database  {connection.vendor} {_version(connection)}")
    disputes = Case.objects.filter(kind=Kind.DISPUTE).count()
    print(f"cases     {Case.objects.count():,} ({disputes:,} disputes)")
    print(f"median of {repeat}, each variant in turn; 'before': {sorted(before - now)} unpaired")
    for name, user, community in people():
        if who and who != name:
            continue
        client = Client(SERVER_NAME="localhost")
        client.force_login(user)

        def get(params: dict, page: int | None, client=client):
            response = client.get(URL, dict(params, **({"page": page} if page else {})))
            if response.status_code != 200:
                raise SystemExit(f"{URL} {params}: HTTP {response.status_code}")
            return response

        get({}, None)
        print(f"\n{name}")
        header = (
            f"{'filters':<30} {'page':>5} {'matched':>8}   {'before':>7} {'CPU':>6} {'slowest':>8}"
            f"   {'now':>7} {'CPU':>6} {'slowest':>8}  same rows"
        )
        print(header)
        print("-" * len(header))
        for label, params in scenarios(community):
            if only and only not in label:
                continue
            first = get(params, None)
            matched = int(re.search(rb'data-count="(\d+)"', first.content).group(1))
            if b'data-truncated="1"' in first.content:
                label = f"{label} >"
            for page in pages(matched):
                times = {before: [], now: []}
                cpu_times = {before: [], now: []}
                slowest, rows = {}, {}
                for kinds in (before, now):
                    variant(kinds)
                    response = get(params, page)  # warm-up
                    rows[kinds] = (
                        re.findall(rb'data-count="\d+"(?: data-truncated="1")?', response.content),
                        re.findall(rb'data-case="(\d+)"', response.content),
                    )
                    captured = capture(lambda params=params, page=page: get(params, page))
                    slowest[kinds] = max(t for _sql, t in captured)
                for _i in range(repeat):
                    for kinds in (before, now):
                        variant(kinds)
                        began, cpu = time.perf_counter(), time.process_time()
                        get(params, page)
                        times[kinds].append(time.perf_counter() - began)
                        cpu_times[kinds].append(time.process_time() - cpu)
                variant(now)
                b, n = (statistics.median(times[k]) * 1000 for k in (before, now))
                b_cpu, n_cpu = (statistics.median(cpu_times[k]) * 1000 for k in (before, now))
                same = "yes" if rows[before] == rows[now] else "NO"
                print(
                    f"{label:<30} {page:>5} {matched:>8,}   {b:>4.0f} ms {b_cpu:>3.0f} ms"
                    f" {slowest[before] * 1000:>5.0f} ms   {n:>4.0f} ms {n_cpu:>3.0f} ms"
                    f" {slowest[now] * 1000:>5.0f} ms  {same}",
                    flush=True,
                )


def _version(connection) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
        else:
            cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def explain_plans(get, community, only: str | None = None) -> None:
    """The queries that read cases on each page measured, with their times and plans."""
    from django.db import connection

    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ANALYZE "
    for label, params in scenarios(community):
        if only and only not in label:
            continue
        first = get(params, None)
        matched = int(re.search(rb'data-count="(\d+)"', first.content).group(1))
        for page in pages(matched):
            get(params, page)
            for sql, seconds in capture(lambda params=params, page=page: get(params, page)):
                if '"cases_case"' not in sql:
                    continue
                shown = re.sub(r"^SELECT .{200,}? FROM ", "SELECT … FROM ", sql)
                print(f"\n=== {label}, page {page}: {seconds * 1000:.1f} ms\n{shown}")
                with connection.cursor() as cursor:
                    cursor.execute(prefix + sql)
                    for row in cursor.fetchall():
                        print("   ", " | ".join(str(c) for c in row))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="postgres://... (default: SQLite in --data-dir)")
    parser.add_argument("--data-dir", default="/tmp/huiyin-bench-disp")  # noqa: S108
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--explain", action="store_true", help="print the query plans instead")
    parser.add_argument("--only", help="only the filters whose name contains this text")
    parser.add_argument(
        "--who", choices=["governance", "community", "grid"], help="only this person"
    )
    parser.add_argument(
        "--compare",
        action="store_true",
        help="each page now and before PostgreSQL's pairs index, in turns (see above)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile each page: CPU, templates, rows"
    )
    parser.add_argument("--html", metavar="DIR", help="write each page's HTML to DIR")
    args = parser.parse_args(argv)
    setup(args.database_url, args.data_dir)
    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: no static root
    run(args.repeat, args.explain, args.only, args.who, args.compare, args.profile, args.html)


if __name__ == "__main__":
    main()
