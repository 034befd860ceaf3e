"""Benchmark: the petition ledger export (信访台账 to Excel) of --rows petitions.

    .venv/bin/python bench/export_bench.py --rows 28000 --data-dir /tmp/huiyin-export-bench

The first run fills the SQLite database in --data-dir by importing a generated ledger of
--rows rows (bench/import_bench.py's: petitioners with real ID and phone numbers, 5 %
collective visits, follow-ups, import notes); later runs reuse it (--fresh starts again).
Then, in one process, it exports every petition as the street-wide petition clerk, masked and
with full identity, one warm-up and --repeat times each, and prints the median times, the
queries per export (counted on a separate run), the CPU time of the process (SQLite works
in it: the figure a loaded machine moves least), the peak memory and a digest of the cells, so
that two versions of the export can be compared for identical output (--save writes the
masked export to a file for a cell-by-cell comparison with --compare).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import setup  # noqa: E402


def _digest(data: bytes) -> str:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True)
    h = hashlib.sha256()
    for row in wb.active.iter_rows(values_only=True):
        h.update(repr(row).encode())
    return h.hexdigest()[:16]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=28_000)
    parser.add_argument("--data-dir", default="/tmp/huiyin-export-bench")  # noqa: S108
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--fresh", action="store_true", help="import the ledger again")
    parser.add_argument("--profile", help="write a cProfile of one masked export here")
    args = parser.parse_args(argv)

    Path(args.data_dir).mkdir(parents=True, exist_ok=True)
    db = Path(args.data_dir, "huiyin.sqlite3")
    if args.fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    filled = db.exists()
    setup(None, args.data_dir)

    from django.core.management import call_command
    from django.test.utils import CaptureQueriesContext
    from import_bench import generate, import_layout
    from list_bench import clerk_user

    from huiyin.cases.models import Case
    from huiyin.org import demo
    from huiyin.reports.ledgers.export import write_ledger
    from huiyin.reports.ledgers.petitions import export_petition_ledger, import_petition_ledger

    # The code may have moved on since the database was filled.
    call_command("migrate", interactive=False, verbosity=0)
    if not filled:
        demo.load_organisation()
        path = Path(args.data_dir, "ledger.xlsx")
        write_ledger(
            path,
            title="浓洄街道信访台账",
            subtitle="填报单位：浓洄街道办事处",
            columns=import_layout(),
            rows=generate(args.rows),
        )
        began = time.perf_counter()
        report = import_petition_ledger(path, filename=path.name, actor=None)
        if not report.ok:
            raise SystemExit("the generated ledger did not import")
        print(f"imported          {report.imported:,} rows in {time.perf_counter() - began:.1f} s")
    user = clerk_user()
    print(f"petitions         {Case.objects.count():,}")

    def export(identity: bool) -> bytes:
        out = io.BytesIO()
        export_petition_ledger(out, user=user, params={}, with_identity=identity)
        return out.getvalue()

    from django.db import connection

    results = {}
    for identity in (False, True):
        data = export(identity)
        with CaptureQueriesContext(connection) as queries:
            export(identity)
        samples, cpu = [], []
        for _i in range(args.repeat):
            began, began_cpu = time.perf_counter(), time.process_time()
            export(identity)
            samples.append(time.perf_counter() - began)
            cpu.append(time.process_time() - began_cpu)
        results[identity] = data
        label = "full identity" if identity else "masked"
        print(
            f"export {label:<14} {statistics.median(samples):6.2f} s (median of {args.repeat};"
            f" {', '.join(f'{s:.2f}' for s in samples)}), CPU {statistics.median(cpu):.2f} s,"
            f" {len(queries)} queries,"
            f" {len(data) / 1e6:.1f} MB, cells {_digest(data)}"
        )
    if args.profile:
        import cProfile

        cProfile.runctx("export(False)", globals(), {"export": export}, args.profile)
    print(f"peak memory       {_peak_mb():.0f} MB")
    print(f"load average      {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
