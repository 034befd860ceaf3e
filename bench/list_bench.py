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
median CPU time of the process (on SQLite the database's work too), the number of queries
(counted on a separate run) and the slowest query. With --explain it prints the queries that
read cases on each of those pages, their times and the database's plans.

With --profile it runs each page measured --repeat times under cProfile instead and prints,
per page, the process's CPU time, the time spent rendering templates (Django's
``Template.render``, outermost calls) and, inside it, the time reading the page's rows
(``QuerySet._fetch_all``: the page's rows are read when the template first loops over them,
unless the view read them before), then the functions costing the most. With --html DIR it
writes each page's HTML to DIR (one file per filter and page; the CSRF token blanked) so two
versions of the templates can be compared (``diff``, after normalising whitespace).
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


def run(
    repeat: int,
    explain: bool,
    only: str | None = None,
    profile: bool = False,
    html: str | None = None,
    user=None,
    street_id: int | None = None,
) -> None:
    """Signed in as `user` (default: the street-wide clerk), with `street_id` chosen in the
    header (a district officer's street, bench/city_bench.py) when given."""
    from django.db import connection
    from django.test import Client

    from huiyin.cases.models import Case
    from huiyin.org.street_choice import SESSION_KEY

    plain_static()
    client = Client(SERVER_NAME="localhost")
    client.force_login(user or clerk_user())
    if street_id is not None:
        session = client.session
        session[SESSION_KEY] = street_id
        session.save()

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
    if profile or html:
        for name, params in scenarios():
            if only and only not in name:
                continue
            first = get(params, None)
            matched = int(re.search(rb'data-count="(\d+)"', first.content).group(1))
            last = max(1, -(-matched // PAGE_SIZE))
            for page in sorted({1, min(50, last), (last + 1) // 2, last}):
                if html:
                    write_html(html, "clerk", name, page, get(params, page))
                if profile:
                    profile_page(f"{name}, page {page}", lambda p=params, n=page: get(p, n), repeat)
        return
    header = (
        f"{'filters':<34} {'page':>6} {'matched':>9} {'queries':>7} {'median':>9}"
        f" {'CPU':>9} {'slowest query':>14}"
    )
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
            print(
                f"{name:<34} {page:>6} {matched:>9,} {len(captured):>7} {median:>6.0f} ms"
                f" {cpu:>6.0f} ms {slowest * 1000:>11.0f} ms",
                flush=True,
            )
    print(f"slowest page  {worst:.0f} ms (median of {repeat}); queries per page {sorted(counts)}")


def write_html(directory: str, who: str, name: str, page: int, response) -> None:
    """The page's HTML in `directory`, named after who, the filters and the page; the CSRF
    tokens (different on every page) blanked."""
    slug = re.sub(r"[^\w]+", "_", f"{who} {name} {page}").strip("_")
    text = response.content.decode()
    text = re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]*"', r'\1"', text)
    text = re.sub(r'(<meta name="csrf-token" content=")[^"]*"', r'\1"', text)
    Path(directory).mkdir(parents=True, exist_ok=True)
    (Path(directory) / f"{slug}.html").write_text(text)


def split_page(fn, repeat: int) -> dict[str, float]:
    """`fn` (one page) `repeat` times, uninstrumented but for a few clocks of the process's CPU
    (medians, in ms): the page; its templates (``Template.render``, outermost calls); the rows
    prepared by the view (``huiyin.cases.listing``); and the queries' rows read inside either
    (``QuerySet._fetch_all``: the page's rows are read by the first loop over them, in the
    template or in the view). "rendering" is templates + rows prepared - rows read: the work
    of turning the page's data into HTML."""
    from django.db.models.query import QuerySet
    from django.template.base import Template

    from huiyin.cases import listing

    clocks = {"template": 0.0, "rows prepared": 0.0, "read": 0.0}
    depth = dict.fromkeys(clocks, 0)

    def timed(original, key, counted):
        def wrapper(*args, **kwargs):
            outermost = counted()
            depth[key] += 1
            began = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                depth[key] -= 1
                if outermost:
                    clocks[key] += time.process_time() - began

        return wrapper

    def inside():
        return (depth["template"] or depth["rows prepared"]) and not depth["read"]

    originals = {
        (Template, "render"): Template.render,
        (QuerySet, "_fetch_all"): QuerySet._fetch_all,
        (listing, "petition_rows"): listing.petition_rows,
        (listing, "dispute_rows"): listing.dispute_rows,
    }
    Template.render = timed(Template.render, "template", lambda: not depth["template"])
    QuerySet._fetch_all = timed(QuerySet._fetch_all, "read", inside)
    for name in ("petition_rows", "dispute_rows"):
        setattr(listing, name, timed(getattr(listing, name), "rows prepared", lambda: True))
    samples: dict[str, list[float]] = {"page": [], "rendering": [], **{k: [] for k in clocks}}
    try:
        fn()  # warm-up
        for _i in range(repeat):
            for key in clocks:
                clocks[key] = 0.0
            began = time.process_time()
            fn()
            samples["page"].append(time.process_time() - began)
            for key, value in clocks.items():
                samples[key].append(value)
            samples["rendering"].append(
                clocks["template"] + clocks["rows prepared"] - clocks["read"]
            )
    finally:
        for (owner, name), original in originals.items():
            setattr(owner, name, original)
    return {key: statistics.median(values) * 1000 for key, values in samples.items()}


def profile_page(label: str, fn, repeat: int) -> None:
    """`fn` (one page) `repeat` times under cProfile, timing the process's CPU: its CPU time,
    the templates' share and the rows' reading, the costliest functions (per page, in ms)."""
    import cProfile
    import pstats

    split = split_page(fn, repeat)
    print(
        f"\n--- {label}: CPU {split['page']:.1f} ms a page, rendering {split['rendering']:.1f}"
        f" ms (templates {split['template']:.1f} + rows prepared by the view"
        f" {split['rows prepared']:.1f} - rows read in either {split['read']:.1f});"
        f" medians of {repeat}, no profiler",
        flush=True,
    )
    fn()  # warm-up
    # CPU time, not the wall clock: on a loaded machine the wall clock is mostly waiting.
    profiler = cProfile.Profile(time.process_time)
    cpu = time.process_time()
    profiler.enable()
    for _i in range(repeat):
        fn()
    profiler.disable()
    cpu = (time.process_time() - cpu) / repeat * 1000
    stats = pstats.Stats(profiler)

    def cumulative(filename: str, function: str) -> float:
        """ms a page in the costliest function of that name in that file: for a recursive
        one (templates render templates) its outermost calls, as cProfile counts them."""
        return (
            max(
                (
                    entry[3]
                    for (path, _line, func), entry in stats.stats.items()
                    if path.endswith(filename) and func == function
                ),
                default=0.0,
            )
            / repeat
            * 1000
        )

    template = cumulative("django/template/base.py", "render")
    rows = cumulative("django/db/models/query.py", "_fetch_all")
    print(
        f"\n=== {label}: CPU {cpu:.1f} ms a page under the profiler; templates {template:.1f} ms,"
        f" reading rows {rows:.1f} ms (in the templates or before; means of {repeat})",
        flush=True,
    )
    stats.sort_stats("cumulative").print_stats(25)
    stats.sort_stats("tottime").print_stats(20)


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
    parser.add_argument(
        "--profile", action="store_true", help="cProfile each page: CPU, templates, rows"
    )
    parser.add_argument("--html", metavar="DIR", help="write each page's HTML to DIR")
    args = parser.parse_args(argv)
    setup(args.database_url, args.data_dir)
    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: no static root
    run(args.repeat, args.explain, args.only, args.profile, args.html)


if __name__ == "__main__":
    main()
