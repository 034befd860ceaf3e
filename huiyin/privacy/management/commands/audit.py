"""`huiyin audit verify`: walk the audit trail's hash chain; exit 1 at the first broken entry."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from huiyin.privacy.audit import verify


class Command(BaseCommand):
    help = "Work with the audit trail. `verify` checks that no entry was altered or removed."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="verify")
        sub.add_parser("verify", help="check the hash chain; exit status 1 when it is broken")

    def handle(self, *args, subcommand: str, **options):
        if subcommand == "verify":
            self.verify()

    def verify(self) -> None:
        result = verify()
        if result.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Audit trail intact: %(count)d entries") % {"count": result.checked}
                )
            )
            return
        self.stderr.write(
            _("Audit trail broken at entry %(seq)d: %(reason)s")
            % {"seq": result.first_bad_seq, "reason": result.reason}
        )
        self.stderr.write(_("%(count)d entries before it are intact.") % {"count": result.checked})
        raise SystemExit(1)
