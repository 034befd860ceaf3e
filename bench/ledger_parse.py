"""Time writing and reading a generated petition ledger (no database).

    .venv/bin/python bench/ledger_parse.py --rows 100000 [--csv] [--keep FILE]

Generates N realistic rows, writes them with huiyin.reports.ledgers.export.write_ledger (or as
CSV in GB18030), then reads the file back with huiyin.reports.ledgers.read.read_rows twice:
raw iteration only, and iteration with every cell parsed as the importer will parse it.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huiyin.settings")
os.environ.setdefault("HUIYIN_DEBUG", "1")
os.environ.setdefault("HUIYIN_DATA_DIR", tempfile.mkdtemp(prefix="huiyin-bench-"))

import django  # noqa: E402

django.setup()

from huiyin.reports.ledgers.cells import (  # noqa: E402
    YES_NO,
    choice_label,
    parse_choice,
    parse_date,
    parse_int,
    parse_text,
)
from huiyin.reports.ledgers.export import write_ledger  # noqa: E402
from huiyin.reports.ledgers.petitions import (  # noqa: E402
    CHANNELS,
    LEVELS,
    PETITION_COLUMNS,
    PETITION_LEDGER_LAYOUT,
    SATISFACTION,
    STATUSES,
    read_rows,
)

# The columns an import reads (generate() writes no 信访编号 nor 办理结果).
IMPORT_LAYOUT = tuple(c for c in PETITION_LEDGER_LAYOUT if c[0] in PETITION_COLUMNS)
COMMUNITIES = ["柑子园社区", "翠屏路社区", "新华街社区", "东风社区", "红星社区"]
CATEGORIES = ["征地拆迁", "劳动社保", "城乡建设", "环境保护", "涉法涉诉", "其他"]


def generate(count: int, seed: int = 7):
    rng = random.Random(seed)
    start = date(2026, 1, 1)
    for number in range(1, count + 1):
        received = start + timedelta(days=rng.randrange(300))
        collective = rng.random() < 0.05
        status = rng.choice(list(dict.fromkeys(STATUSES.values())))
        accepted = received + timedelta(days=rng.randrange(15)) if status != "registered" else None
        replied = (
            accepted + timedelta(days=rng.randrange(60))
            if accepted and rng.random() < 0.6
            else None
        )
        concluded = replied if status == "concluded" else None
        yield [
            number,
            received,
            choice_label(CHANNELS, rng.choice(list(dict.fromkeys(CHANNELS.values())))),
            choice_label(LEVELS, rng.choice(list(dict.fromkeys(LEVELS.values())))),
            "是" if collective else "否",
            rng.randrange(5, 40) if collective else 1,
            f"信访人{number}",
            f"1101051949{rng.randrange(10**8):08d}",
            f"138{rng.randrange(10**8):08d}",
            rng.choice(COMMUNITIES),
            rng.choice(CATEGORIES),
            "反映小区物业管理及停车收费等问题，要求相关部门尽快协调解决。",
            "某物业公司",
            "城建办",
            "王主任",
            choice_label(STATUSES, status),
            accepted,
            replied,
            concluded,
            "是" if rng.random() < 0.2 else "否",
            choice_label(SATISFACTION, rng.choice(["satisfied", "basically_satisfied", None])),
        ]


def parse(values: dict) -> None:
    parse_int(values["序号"])
    parse_date(values["登记日期"], required=True)
    parse_choice(values["信访形式"], CHANNELS, column="信访形式", required=True)
    parse_choice(values["信访层级"], LEVELS, column="信访层级", required=True)
    parse_choice(values["是否集体访"], YES_NO, column="是否集体访")
    parse_int(values["人数"], minimum=1)
    for name in ("信访人", "身份证号", "联系电话", "所属社区", "问题类别", "信访事项"):
        parse_text(values[name])
    for name in ("被反映单位", "责任单位", "包案领导"):
        parse_text(values[name])
    parse_choice(values["办理状态"], STATUSES, column="办理状态")
    for name in ("受理日期", "答复日期", "办结日期"):
        parse_date(values[name])
    parse_choice(values["是否重复信访"], YES_NO, column="是否重复信访")
    parse_choice(values["满意度"], SATISFACTION, column="满意度")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--csv", action="store_true", help="write and read a GB18030 CSV")
    parser.add_argument("--keep", help="write the file here instead of a temporary folder")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="huiyin-ledger-")
    suffix = ".csv" if args.csv else ".xlsx"
    path = Path(args.keep or os.path.join(folder, "ledger" + suffix))

    began, cpu = time.perf_counter(), time.process_time()
    if args.csv:
        with open(path, "w", encoding="gb18030", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["信访事项登记台账"])
            writer.writerow(["填报单位：示范街道办事处"])
            writer.writerow(PETITION_COLUMNS)
            for row in generate(args.rows):
                writer.writerow(["" if v is None else v for v in row])
    else:
        write_ledger(
            path,
            title="信访事项登记台账",
            subtitle="填报单位：示范街道办事处　　时段：2026年1月1日至2026年10月27日",
            columns=IMPORT_LAYOUT,
            rows=generate(args.rows),
        )
    wrote, wrote_cpu = time.perf_counter() - began, time.process_time() - cpu
    print(f"peak resident memory after writing: {peak_rss_mb():.0f} MB")
    size = path.stat().st_size / 1e6
    print(
        f"wrote {args.rows} rows × {len(PETITION_COLUMNS)} columns to {path} "
        f"({size:.1f} MB) in {wrote:.1f} s (CPU {wrote_cpu:.1f} s)"
    )

    began, cpu = time.perf_counter(), time.process_time()
    with read_rows(path, filename=path.name) as reader:
        count = sum(1 for _row in reader)
    raw, raw_cpu = time.perf_counter() - began, time.process_time() - cpu
    print(f"read {count} rows (no cell parsing) in {raw:.1f} s (CPU {raw_cpu:.1f} s)")

    began, cpu = time.perf_counter(), time.process_time()
    with read_rows(path, filename=path.name) as reader:
        for row in reader:
            parse(row.values)
    parsed, parsed_cpu = time.perf_counter() - began, time.process_time() - cpu
    print(f"read {count} rows and parsed every cell in {parsed:.1f} s (CPU {parsed_cpu:.1f} s)")
    print(
        f"load average while running: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
        f"on {os.cpu_count()} CPUs"
    )
    print(f"peak resident memory of this process: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
