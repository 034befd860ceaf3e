"""`huiyin restore --from DIR [--check] [--allow-other-key]` (docs/deploy.md, "Restore")."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from huiyin.ops.database import vendor_label
from huiyin.ops.restore import FAIL, OK, RestoreError, check_backup, restore

MARKS = {OK: "✓", FAIL: "✗"}


class Command(BaseCommand):
    help = (
        "Restore a backup into an empty database and data dir (never over data), then "
        "verify it: checksums, rows, the audit trail, the data key, the files."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="source", type=Path, required=True, metavar="DIR")
        parser.add_argument(
            "--check",
            action="store_true",
            help="only check the backup (manifest, checksums, key); restore nothing",
        )
        parser.add_argument(
            "--allow-other-key",
            action="store_true",
            help="restore even though the data key it needs is not configured",
        )

    def handle(self, *args, source: Path, check: bool, allow_other_key: bool, **options):
        try:
            report = (
                check_backup(source) if check else restore(source, allow_other_key=allow_other_key)
            )
        except RestoreError as exc:
            raise CommandError(str(exc)) from None
        made = report.manifest
        self.stdout.write(
            _("Backup of %(when)s, Huiyin %(version)s, %(vendor)s")
            % {
                "when": made["created_at"],
                "version": made.get("huiyin_version", "?"),
                "vendor": vendor_label(made["database"]["vendor"]),
            }
        )
        for item in report.checks:
            text = _("%(label)s: %(detail)s") % {"label": item.label, "detail": item.detail}
            self.stdout.write(f"{MARKS.get(item.status, '!')} {text}")
        if not report.ok:
            raise CommandError(
                _(
                    "The restored data did not verify: do not use it. Empty the database and the data dir and try another backup."
                )
                if not check
                else _("The backup did not verify.")
            )
        if check:
            self.stdout.write(
                self.style.SUCCESS(_("The backup is whole (%(s).1f s).") % {"s": report.seconds})
            )
            return
        self.stdout.write(
            self.style.SUCCESS(_("Restored and verified in %(s).1f s.") % {"s": report.seconds})
        )
        if report.pending_migrations:
            self.stdout.write(
                _("This version has %(count)d migrations the backup has not: run `huiyin migrate`.")
                % {"count": report.pending_migrations}
            )
