"""`huiyin import-ledger FILE [--kind petitions] [--street NAME] [--dry-run] [--user NAME]
[--report ERRORS.xlsx]`.

Imports a ledger (.xlsx or .csv) of the kind named by --kind (default petitions; the kinds
registered with huiyin.reports.ledgers: ``disputes`` for the dispute screening ledger, and
``mediations`` for the people's mediation ledger, which has the same columns) with the ledger
engine: every row is checked first,
and the file is imported whole or not at all. Errors are printed on stderr, one per
line (row, column, value, reason); warnings and skipped duplicates too. Exit status: 0 when
the file was imported (or, with --dry-run, would be), 1 when a row has an error or the file
cannot be read, 2 for bad options. Progress goes to stderr.

--user imports as that person (their communities only, and their name on the timeline);
without it the import is the operator's, for every community of the street.

--street names the street the ledger is of (its name, short name or id): its communities are
the ones the rows name, and a row without one is of that street. Needed only where there are
several streets and the account (--user) does not work in one; default: the only street.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from huiyin.org import streets
from huiyin.org.access import reach_of
from huiyin.reports import ledgers
from huiyin.reports.jobs import StderrProgress
from huiyin.reports.ledgers.load import import_ledger, write_error_report


class Command(BaseCommand):
    help = "Import a ledger (.xlsx or .csv): all rows or none."

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE")
        parser.add_argument("--kind", choices=ledgers.keys(), default="petitions")
        parser.add_argument("--dry-run", action="store_true", help="check only, import nothing")
        parser.add_argument("--user", metavar="NAME", help="import as this account")
        streets.add_street_argument(parser)
        parser.add_argument("--report", metavar="ERRORS.xlsx", help="write the check as a sheet")

    def handle(self, *args, file, kind, dry_run, user, report, street=None, **options):
        path = Path(file)
        if not path.is_file():
            self.stderr.write(_("The file %(path)s does not exist.") % {"path": file})
            raise SystemExit(2)
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user, is_active=True).first()
            if actor is None:
                self.stderr.write(_("No active account named %(name)s.") % {"name": user})
                raise SystemExit(2)
        chosen = self._street(street, actor, user)
        ledger = ledgers.get(kind)
        progress = StderrProgress(self.stderr._out)
        try:
            with streets.working_in(chosen):
                result = import_ledger(
                    ledger,
                    path,
                    filename=path.name,
                    actor=actor,
                    dry_run=dry_run,
                    progress=progress,
                )
        except PermissionDenied:
            progress.close()
            self.stderr.write(str(ledger.msg_refused) % {"name": user})
            raise SystemExit(2) from None
        progress.close()
        self._print(result, ledger)
        if report:
            write_error_report(result, report)
        if not result.ok:
            raise SystemExit(1)

    def _street(self, value, actor, username):
        """The street named by --street; without it, the account's one street or the only one.
        An account may import only into a street it holds a role in."""
        try:
            if value in (None, "") and actor is not None:
                own = streets.street_of(actor)
                if own is not None:
                    return own
            chosen = streets.street_for_command(value, required=False)
        except CommandError as error:
            self.stderr.write(str(error))
            raise SystemExit(2) from None
        mine = reach_of(actor).street_ids if actor is not None else None
        if (
            chosen is not None
            and mine is not None
            and not actor.is_superuser
            and chosen.pk not in mine
        ):
            self.stderr.write(
                _("%(name)s holds no role in %(street)s.")
                % {"name": username, "street": chosen.name}
            )
            raise SystemExit(2)
        return chosen

    def _print(self, result, ledger) -> None:
        err = self.stderr.write
        if result.file_error:
            err(result.file_error)
        for issue in result.errors:
            if issue.row is None:
                err(issue.reason)
                continue
            err(
                _("Row %(row)s, column %(column)s “%(value)s”: %(reason)s")
                % {
                    "row": issue.row,
                    "column": f"{issue.letter} {issue.column}".strip(),
                    "value": issue.value,
                    "reason": issue.reason,
                }
            )
        for issue in result.duplicates:
            err(_("Row %(row)s: %(reason)s") % {"row": issue.row, "reason": issue.reason})
        for notice in result.warnings:
            rows = "、".join(str(n) for n in notice.rows)
            err(
                _(
                    "Warning, column %(column)s “%(value)s”: %(reason)s (rows %(rows)s; %(count)s in all)"
                )
                % {
                    "column": notice.column,
                    "value": notice.value,
                    "reason": notice.reason,
                    "rows": rows,
                    "count": notice.count,
                }
            )
        if result.file_error:
            return
        if not result.ok:
            err(
                _("%(count)s errors in %(rows)s rows: nothing was imported.")
                % {"count": result.error_count, "rows": result.rows}
            )
        elif result.dry_run:
            self.stdout.write(
                _("%(rows)s rows checked: the file can be imported.") % {"rows": result.rows}
            )
        else:
            self.stdout.write(
                str(ledger.msg_imported) % {"count": result.imported, "rows": result.rows}
            )
