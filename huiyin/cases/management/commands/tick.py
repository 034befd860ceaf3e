"""`huiyin tick`: the periodic work, from cron every few minutes (see huiyin.cases.reminders)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from huiyin.cases import reminders


class Command(BaseCommand):
    help = (
        "Close the petitioner's lapsed windows and remind the people responsible of time limits"
        " due soon or overdue, once each. Safe to run from cron, and two copies at once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"remind this many days before a due date (default {reminders.remind_days()})",
        )

    def handle(self, *args, days: int | None = None, **options) -> None:
        if days is not None and days < 0:
            raise CommandError(gettext("--days cannot be negative."))
        result = reminders.tick(days=days)
        self.stdout.write(result.summary())
        # The other apps' lines (screening reminders, ...) with -v 2; cron's log keeps one line.
        if options.get("verbosity", 1) >= 2:
            for line in result.lines:
                self.stdout.write(line)
