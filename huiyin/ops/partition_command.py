"""What `huiyin partition-events` and `huiyin partition-cases` share: show the state, or with
--apply convert the table in one transaction or add the coming years' partitions."""

from __future__ import annotations

import sys
import time
from types import ModuleType

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from huiyin.cases.deadlines import CHINA_TZ
from huiyin.ops.partitions import BATCH, OLD_SUFFIX, PartitionError


class PartitionCommand(BaseCommand):
    #: The module that converts the table: ``status``, ``convert``, ``ensure_years``, ``TABLE``.
    partitions: ModuleType

    def converted(self, rows: int, parts: int, seconds: float) -> str:
        raise NotImplementedError

    def ordinary(self, rows: int) -> str:
        raise NotImplementedError

    def copied(self, done: int, total: int) -> str:
        raise NotImplementedError

    def cannot(self, reason: str) -> str:
        raise NotImplementedError

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
            default=BATCH,
            help=f"rows copied per statement (1000-1000000, default {BATCH})",
        )
        parser.add_argument(
            "--keep-old",
            action="store_true",
            help=f"keep the old table as {self.partitions.TABLE}{OLD_SUFFIX}",
        )

    def handle(self, *args, apply: bool, years_ahead: int, batch: int, keep_old: bool, **opts):
        if not 0 <= years_ahead <= 5:
            raise CommandError(_("--years-ahead must be between 0 and 5."))
        if not 1000 <= batch <= 1_000_000:
            raise CommandError(_("--batch must be between 1000 and 1000000."))
        this_year = timezone.localdate(timezone=CHINA_TZ).year
        try:
            state = self.partitions.status()
            if not apply:
                self._show(state, this_year, years_ahead)
                return
            if state.partitioned:
                added = self.partitions.ensure_years(this_year=this_year, years_ahead=years_ahead)
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
            state = self.partitions.convert(
                this_year=this_year,
                years_ahead=years_ahead,
                batch=batch,
                keep_old=keep_old,
                progress=self._progress,
            )
        except PartitionError as exc:
            raise CommandError(self.cannot(str(exc))) from None
        self.stdout.write(
            self.converted(state.rows, len(state.partitions), time.monotonic() - began)
        )
        self._show(state, this_year, years_ahead)

    def _progress(self, done: int, total: int) -> None:
        sys.stderr.write(self.copied(done, total) + "\n")

    def _show(self, state, this_year: int, years_ahead: int) -> None:
        if not state.partitioned:
            self.stdout.write(self.ordinary(state.rows))
            return
        for part in state.partitions:
            label = str(part.year) if part.year is not None else _("other years")
            if getattr(part, "earlier", False):
                label = _("%(year)s, registered before the partitioning") % {"year": part.year}
            self.stdout.write(f"{part.name}\t{label}\t{part.rows}")
        missing = [
            y for y in range(this_year, this_year + years_ahead + 1) if y not in state.years()
        ]
        if missing:
            self.stdout.write(
                _("Missing partitions for %(years)s: run with --apply.")
                % {"years": ", ".join(str(y) for y in missing)}
            )
