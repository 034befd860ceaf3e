"""`huiyin api-schema [--write | --check] [--output docs/openapi.json]`.

Prints the API's OpenAPI 3.1 schema as served at /api/v1/openapi.json. `--write` stores it in
the committed copy (docs/openapi.json by default) after a deliberate change to the API;
`--check` exits with status 1 when the committed copy differs from the live schema (the test
``huiyin/api/tests/test_openapi.py`` does the same).
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

DEFAULT = Path(settings.BASE_DIR).parent / "docs" / "openapi.json"


def dumps(schema: dict) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"


def live() -> dict:
    from huiyin.api.api import schema

    # Through JSON, as the view serves it (tuples become lists, keys strings).
    return json.loads(json.dumps(schema(), ensure_ascii=False))


class Command(BaseCommand):
    help = "Print, write or check the API's OpenAPI schema (the committed docs/openapi.json)."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--write", action="store_true", help="write the committed copy")
        group.add_argument("--check", action="store_true", help="fail if the copy differs")
        parser.add_argument("--output", default=str(DEFAULT), metavar="PATH")

    def handle(self, *args, write: bool, check: bool, output: str, **options):
        text = dumps(live())
        path = Path(output)
        if write:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            self.stdout.write(_("Wrote %(path)s.") % {"path": path})
        elif check:
            stored = path.read_text(encoding="utf-8") if path.exists() else ""
            if not stored or json.loads(stored) != json.loads(text):
                self.stderr.write(
                    _("%(path)s differs from the live schema: run huiyin api-schema --write.")
                    % {"path": path}
                )
                raise SystemExit(1)
            self.stdout.write(_("%(path)s matches the live schema.") % {"path": path})
        else:
            self.stdout.write(text, ending="")
