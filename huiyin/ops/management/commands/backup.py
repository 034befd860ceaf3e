"""`huiyin backup [--out DIR] [--keep N] [--encrypt-to RECIPIENT]` (docs/deploy.md, "Backup")."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from huiyin.ops.backup import BackupError, default_out, make_backup
from huiyin.ops.database import vendor_label


class Command(BaseCommand):
    help = (
        "Make one consistent, verifiable backup of the database and the kept files while "
        "Huiyin runs. The keys are never copied: keep them apart (docs/deploy.md)."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--out",
            type=Path,
            help="the new backup directory (default: HUIYIN_BACKUP_DIR/huiyin-<time>)",
        )
        parser.add_argument(
            "--keep",
            type=int,
            help="then keep only the N newest backups beside it (older ones are removed)",
        )
        parser.add_argument(
            "--encrypt-to",
            metavar="RECIPIENT",
            help="encrypt the files to this GnuPG public key (its id or e-mail)",
        )

    def handle(self, *args, out: Path | None, keep: int | None, encrypt_to: str | None, **opts):
        try:
            result = make_backup(out or default_out(), keep=keep, encrypt_to=encrypt_to)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        made = result.manifest
        tables = made["tables"]
        attachments = [f for name, f in made["files"].items() if name != made["database"]["file"]]
        write = self.stdout.write
        write(
            self.style.SUCCESS(
                _("Backup made: %(path)s (%(seconds).1f s)")
                % {"path": result.path, "seconds": result.seconds}
            )
        )
        write(
            "  "
            + _("Database: %(vendor)s, %(tables)d tables, %(rows)d rows")
            % {
                "vendor": vendor_label(made["database"]["vendor"]),
                "tables": len(tables),
                "rows": sum(tables.values()),
            }
        )
        write(
            "  "
            + _("Audit trail: %(count)d entries, the last #%(seq)d (hash %(hash)s…)")
            % {
                "count": made["audit"]["count"],
                "seq": made["audit"]["last_seq"],
                "hash": made["audit"]["last_hash"][:12],
            }
        )
        write(
            "  "
            + _("Files: %(count)d (%(mb).1f MB)")
            % {"count": len(attachments), "mb": sum(f["size"] for f in attachments) / 1e6}
        )
        write(
            "  "
            + _("Data key needed: %(ids)s (keep it apart from the backup)")
            % {"ids": "、".join(made["data_key_ids_used"]) or made["data_key_id"]}
        )
        if made["archive"]:
            write("  " + _("Encrypted to: %(who)s") % {"who": made["archive"]["recipient"]})
        for path in result.pruned:
            write(_("Older backup removed: %(path)s") % {"path": path})
