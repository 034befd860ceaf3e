"""`huiyin partition-events [--apply]`: the timeline partitioned by year (PostgreSQL only).

Without --apply it says what the table is and what --apply would do. With --apply, an
ordinary table is converted in one transaction (docs/city.md: take a backup first; writes of
events wait until it ends), and a partitioned one gets the partitions of this year and the
next --years-ahead years that it lacks.
"""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from huiyin.cases.deadlines import CHINA_TZ
from huiyin.ops import partitions


class Command(BaseCommand):
    help = (
        "Partition the case timeline (cases_caseevent) by year on PostgreSQL: show the state, "
        "or with --apply convert the table or add the coming years' partitions."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--apply", action="store_true", help="convert the table, or add missing partitions"
        )
        parser.add_argument(
            "--years-ahead",
            type=int,
            default=1,
            help="partitions made ahead of this year (0-5, default 1)",
        )
        parser.add_argument(
            "--batch",
            type=int,
            default=partitions.BATCH,
            help=f"rows copied per statement (1000-1000000, default {partitions.BATCH})",
        )
        parser.add_argument(
            "--keep-old",
            action="store_true",
            help=f"keep the old table as {partitions.TABLE}{partitions.OLD_SUFFIX}",
        )

    def handle(self, *args, apply: bool, years_ahead: int, batch: int, keep_old: bool, **opts):
        if not 0 <= years_ahead <= 5:
            raise CommandError(_("--years-ahead must be between 0 and 5."))
        if not 1000 <= batch <= 1_000_000:
            raise CommandError(_("--batch must be between 1000 and 1000000."))
        this_year = timezone.localdate(timezone=CHINA_TZ).year
        try:
            state = partitions.status()
            if not apply:
                self._show(state, this_year, years_ahead)
                return
            if state.partitioned:
                added = partitions.ensure_years(this_year=this_year, years_ahead=years_ahead)
                if added:
                    self.stdout.write(
                        _("Partitions added for %(years)s.")
                        % {"years": ", ".join(str(y) for y in added)}
                    )
                else:
                    self.stdout.write(
                        _("Every partition up to %(year)s is there already.")
                        % {"year": this_year + years_ahead}
                    )
                return
            began = time.monotonic()
            state = partitions.convert(
                this_year=this_year,
                years_ahead=years_ahead,
                batch=batch,
                keep_old=keep_old,
                progress=self._progress,
            )
        except partitions.PartitionError as exc:
            raise CommandError(
                _("Cannot partition the timeline: %(reason)s") % {"reason": exc}
            ) from None
        self.stdout.write(
            _(
                "The timeline is partitioned by year: %(rows)d events in %(parts)d partitions (%(seconds).1f s)."
            )
            % {
                "rows": state.rows,
                "parts": len(state.partitions),
                "seconds": time.monotonic() - began,
            }
        )
        self._show(state, this_year, years_ahead)

    def _progress(self, done: int, total: int) -> None:
        sys.stderr.write(
            _("Copied %(done)d of %(total)d events") % {"done": done, "total": total} + "\n"
        )

    def _show(self, state: partitions.Status, this_year: int, years_ahead: int) -> None:
        if not state.partitioned:
            self.stdout.write(
                _(
                    "%(table)s is an ordinary table of %(rows)d events; --apply converts it in one transaction, during which events cannot be written (take a backup first)."
                )
                % {"table": partitions.TABLE, "rows": state.rows}
            )
            return
        for part in state.partitions:
            label = str(part.year) if part.year is not None else _("other years")
            self.stdout.write(f"{part.name}\t{label}\t{part.rows}")
        missing = [
            y for y in range(this_year, this_year + years_ahead + 1) if y not in state.years()
        ]
        if missing:
            self.stdout.write(
                _("Missing partitions for %(years)s: run with --apply.")
                % {"years": ", ".join(str(y) for y in missing)}
            )
