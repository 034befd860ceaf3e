"""`huiyin doctor [--json]`: one line per check, exit status 1 on any problem (docs/deploy.md)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from huiyin.ops.doctor import FAIL, run


class Command(BaseCommand):
    help = (
        "Check this installation: configuration, database, migrations, keys, next year's "
        "holidays, the last backup, the worker, disk space. Exit status 1 on any problem."
    )
    # The doctor runs Django's system checks itself, as one of its lines.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="print the results as JSON"
        )

    def handle(self, *args, as_json: bool, **options):
        results = run()
        if as_json:
            self.stdout.write(_dumps([r.as_dict() for r in results]))
        else:
            for result in results:
                self.stdout.write(result.line())
        if any(r.status == FAIL for r in results):
            raise SystemExit(1)


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
