"""Benchmark: importing a 100,000-row petition ledger against parsing the same file alone.

    .venv/bin/python bench/import_bench.py --rows 100000                   # SQLite
    .venv/bin/python bench/import_bench.py --rows 100000 \\
        --database-url postgres://postgres@127.0.0.1:5432/huiyin_import_bench

Generates a valid ledger of --rows rows (the demo street's communities, the seeded categories,
every state with consistent dates, real ID and phone numbers, a few units and leaders Huiyin
does not know, 5 % collective visits, repeats), writes it as .xlsx, then in one process:

1. parses it with huiyin.reports.ledgers.read alone (every row read, no cell parsed), and
   again with every cell parsed as the importer parses it (bench/ledger_parse.py's parse());
2. imports it with huiyin.reports.ledgers.petitions.import_petition_ledger (two streaming passes:
   validate every row, then insert all in one transaction).

Prints the times, the ratios import / raw parse and import / parse with cells, rows per second
and the peak memory. The import needs an empty database: the SQLite file in --data-dir is
deleted first, and a PostgreSQL database is dropped and created again — so its name must
contain "bench". Never point it at a real database.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import setup  # noqa: E402

COMMUNITIES = ["柑子园社区", "翠屏路社区", "果丰社区", "金鱼池社区", "北辰社区"]
CATEGORIES = ["土地征收", "城建拆迁", "劳动社保", "涉法涉诉", "环境保护", "物业管理", "其他"]
UNITS = ["城建办", "社事办", "经发办", "司法所", "区水务局", ""]  # 区水务局: unknown, a warning
COMPLAINED = ["", "", "某物业公司", "惠美家公司", "某建筑公司"]
MATTERS = [
    "反映小区物业管理及停车收费等问题，要求相关部门尽快协调解决。",
    "反映拖欠工资问题，要求督促用人单位依法支付。",
    "反映楼下餐馆油烟噪音扰民，要求整改。",
    "反映征地补偿标准偏低，要求重新核定。",
    "反映道路破损、路灯损坏，影响出行安全。",
]


def _id_number(rng: random.Random) -> str:
    from huiyin.privacy.validators import resident_id_check_digit

    born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 50))
    first17 = f"510105{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + resident_id_check_digit(first17)


def generate(count: int, seed: int = 7):
    """Rows of a valid ledger, oldest first."""
    from huiyin.reports.ledgers.cells import choice_label
    from huiyin.reports.ledgers.petitions import CHANNELS, LEVELS

    rng = random.Random(seed)
    today = date.today()
    start = today - timedelta(days=730)
    people: list[tuple[str, str, str]] = []
    channels = list(dict.fromkeys(CHANNELS.values()))
    levels = [("street", 85), ("district", 9), ("city", 4), ("province", 1.5), ("national", 0.5)]
    for number in range(1, count + 1):
        received = start + timedelta(days=(number * 700) // count)
        repeat = bool(people) and rng.random() < 0.08
        if repeat:
            person = rng.choice(people[-500:])
        else:
            person = (f"信访人{number}", _id_number(rng), f"138{rng.randrange(10**8):08d}")
            people.append(person)
        collective = not repeat and rng.random() < 0.05
        age = (today - received).days
        status = rng.choices(
            ["registered", "accepted", "handling", "declined", "replied", "concluded"],
            [1, 2, 3, 1, 3, 10] if age > 90 else [4, 3, 3, 1, 2, 1],
        )[0]
        accepted = replied = concluded = None
        if status != "registered":
            accepted = min(received + timedelta(days=rng.randrange(10)), today)
        if status in ("replied", "concluded"):
            replied = min(accepted + timedelta(days=rng.randrange(1, 70)), today)
        if status == "concluded":
            concluded = min(replied + timedelta(days=rng.randrange(20)), today)
        satisfaction = ""
        if replied and rng.random() < 0.5:
            satisfaction = rng.choice(["满意", "满意", "基本满意", "不满意"])
        names, ids, phones = person
        if collective:
            names = f"{names}、代表{number}"
            ids, phones = f"{ids}、", f"{phones}、"
        level = rng.choices([lv for lv, _w in levels], [w for _lv, w in levels])[0]
        yield [
            number,
            received,
            choice_label(CHANNELS, rng.choice(channels)),
            choice_label(LEVELS, level),
            "是" if collective else "否",
            rng.randrange(5, 40) if collective else 1,
            names,
            ids.rstrip("、"),
            phones.rstrip("、"),
            rng.choice(COMMUNITIES),
            rng.choice(CATEGORIES),
            f"{rng.choice(MATTERS)}（{number}）",
            rng.choice(COMPLAINED),
            rng.choice(UNITS),
            rng.choice(["", "", "", "王主任"]),  # an unknown leader: kept as written
            {
                "registered": "已登记",
                "accepted": "已受理",
                "handling": "办理中",
                "declined": "不予受理",
                "replied": "已答复",
                "concluded": "已办结",
            }[status],
            accepted,
            replied,
            concluded,
            "是" if repeat else "否",
            satisfaction,
        ]


def import_layout() -> tuple:
    """The layout of a ledger as an office keeps it: the columns an import reads (the
    export's layout without 信访编号 and 办理结果, which generate() does not write)."""
    from huiyin.reports.ledgers.petitions import PETITION_COLUMNS, PETITION_LEDGER_LAYOUT

    return tuple(column for column in PETITION_LEDGER_LAYOUT if column[0] in PETITION_COLUMNS)


def fresh_database(database_url: str | None, data_dir: str) -> None:
    """An empty database for the import (see the module docstring)."""
    if not database_url:
        for suffix in ("", "-wal", "-shm"):
            Path(data_dir, f"huiyin.sqlite3{suffix}").unlink(missing_ok=True)
        return
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        raise SystemExit("the PostgreSQL database name must contain 'bench': it is dropped")
    import psycopg

    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", help="postgres://.../<name with bench>")
    parser.add_argument("--data-dir", default="/tmp/huiyin-import-bench")  # noqa: S108
    parser.add_argument("--keep", help="write the ledger here (default: in --data-dir)")
    parser.add_argument(
        "--profile", help="write a cProfile of the import (main thread) to this file"
    )
    args = parser.parse_args(argv)

    Path(args.data_dir).mkdir(parents=True, exist_ok=True)
    fresh_database(args.database_url, args.data_dir)
    setup(args.database_url, args.data_dir)

    from django.core.management import call_command
    from django.db import connection
    from ledger_parse import parse

    from huiyin.cases.models import Case
    from huiyin.org import demo
    from huiyin.reports.ledgers.export import write_ledger
    from huiyin.reports.ledgers.petitions import import_petition_ledger, read_rows

    call_command("migrate", interactive=False, verbosity=0)
    demo.load_organisation()

    path = Path(args.keep or Path(args.data_dir, "ledger.xlsx"))
    began = time.perf_counter()
    write_ledger(
        path,
        title="浓洄街道信访台账",
        subtitle="填报单位：浓洄街道办事处",
        columns=import_layout(),
        rows=generate(args.rows),
    )
    print(f"ledger            {args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB ({path})")
    print(f"written in        {time.perf_counter() - began:8.1f} s")

    began, cpu = time.perf_counter(), time.process_time()
    with read_rows(path, filename=path.name) as reader:
        count = sum(1 for _row in reader)
    raw, raw_cpu = time.perf_counter() - began, time.process_time() - cpu

    began, cpu = time.perf_counter(), time.process_time()
    with read_rows(path, filename=path.name) as reader:
        for row in reader:
            parse(row.values)
    parsed, parsed_cpu = time.perf_counter() - began, time.process_time() - cpu

    began, cpu = time.perf_counter(), time.process_time()
    last = [0.0]

    def progress(done, total=None, message="", *, force=False):
        now = time.perf_counter()
        if force or now - last[0] > 10:
            last[0] = now
            print(f"  … {message} {done:,}/{total or '?'} at {now - began:6.1f} s", flush=True)

    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        report = profiler.runcall(
            import_petition_ledger, path, filename=path.name, actor=None, progress=progress
        )
        profiler.dump_stats(args.profile)
    else:
        report = import_petition_ledger(path, filename=path.name, actor=None, progress=progress)
    imported, imported_cpu = time.perf_counter() - began, time.process_time() - cpu
    if not report.ok:
        for issue in report.errors[:20]:
            print(issue)
        raise SystemExit("the generated ledger did not import")

    print(f"database          {connection.vendor}")
    print(f"rows read         {count:,}")
    # CPU time of this process beside the wall clock: the database server's own work (on
    # PostgreSQL) is not in it, but it does not move when other programs load the machine.
    print(f"raw parse         {raw:8.1f} s   CPU {raw_cpu:6.1f} s (ledger_read, no cell parsed)")
    print(
        f"parse with cells  {parsed:8.1f} s   CPU {parsed_cpu:6.1f} s (cells parsed as on import)"
    )
    print(f"import            {imported:8.1f} s   CPU {imported_cpu:6.1f} s (one pass)")
    print(f"ratio to raw      {imported / raw:8.2f}×  CPU {imported_cpu / raw_cpu:6.2f}×")
    print(f"ratio to parse    {imported / parsed:8.2f}×  CPU {imported_cpu / parsed_cpu:6.2f}×")
    print(f"petitions         {report.imported:,}")
    print(f"rows per second   {report.imported / imported:8.0f}")
    print(f"warnings          {sum(n.count for n in report.warnings):,} (kept as written)")
    print(f"cases now         {Case.objects.count():,}")
    print(f"peak memory       {peak_rss_mb():8.0f} MB")
    print(f"load average      {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
