"""`huiyin export-ledger --user NAME [--kind petitions|disputes|mediations] [--from YYYY-MM-DD]
[--to YYYY-MM-DD] [--community NAME] [--identity] --out FILE.xlsx`.

Writes a ledger of huiyin.reports.ledgers — the petition ledger (信访台账, the default), the
dispute screening ledger (矛盾纠纷排查台账, ``disputes``) or the people's mediation ledger
(人民调解台账, ``mediations``) — as that account would get it from the ledger page: the matters
it may see, masked unless --identity is given and the account may see identities. Audited like
the page's export. Progress goes to stderr.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from huiyin.org.streets import add_street_argument, street_for_command
from huiyin.reports import ledgers
from huiyin.reports.jobs import StderrProgress
from huiyin.reports.ledgers.export import export_ledger
from huiyin.reports.management.commands.report import Refused, find_community, parse_day


class Command(BaseCommand):
    help = "Write a ledger (信访台账 by default) as an .xlsx file."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, metavar="NAME", help="export as this account")
        parser.add_argument("--kind", choices=ledgers.keys(), default="petitions")
        parser.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
        parser.add_argument("--community", metavar="NAME")
        add_street_argument(parser)
        parser.add_argument("--identity", action="store_true", help="full names, IDs and phones")
        parser.add_argument("--out", required=True, metavar="FILE.xlsx")

    def handle(
        self, *args, user, kind, date_from, date_to, community, identity, out, street=None, **o
    ):
        params = {}
        try:
            try:  # the account's matters; --street only says where --community is
                chosen = street_for_command(street, required=False) if community else None
            except CommandError as error:
                raise Refused(str(error)) from None
            if date_from:
                params["from"] = parse_day(date_from, "--from").isoformat()
            if date_to:
                params["to"] = parse_day(date_to, "--to").isoformat()
            if community:
                params["community"] = str(find_community(community, chosen).pk)
            actor = get_user_model().objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise Refused(_("No active account named %(name)s.") % {"name": user})
        except Refused as exc:
            self.stderr.write(str(exc))
            raise SystemExit(2) from None
        progress = StderrProgress(self.stderr._out)
        try:
            count = export_ledger(
                ledgers.get(kind),
                out,
                user=actor,
                params=params,
                with_identity=identity,
                progress=progress,
            )
        except PermissionDenied:
            progress.close()
            self.stderr.write(_("%(name)s may not see full identities.") % {"name": user})
            raise SystemExit(2) from None
        progress.close()
        self.stdout.write(_("%(count)s rows written to %(path)s.") % {"count": count, "path": out})
