"""`huiyin partition-events [--apply]`: the timeline partitioned by year (PostgreSQL only).

Without --apply it says what the table is and what --apply would do. With --apply, an
ordinary table is converted in one transaction (docs/city.md: take a backup first; writes of
events wait until it ends), and a partitioned one gets the partitions of this year and the
next --years-ahead years that it lacks.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from huiyin.ops import partitions
from huiyin.ops.partition_command import PartitionCommand


class Command(PartitionCommand):
    help = (
        "Partition the case timeline (cases_caseevent) by year on PostgreSQL: show the state, "
        "or with --apply convert the table or add the coming years' partitions."
    )
    partitions = partitions

    def converted(self, rows: int, parts: int, seconds: float) -> str:
        return _(
            "The timeline is partitioned by year: %(rows)d events in %(parts)d partitions (%(seconds).1f s)."
        ) % {"rows": rows, "parts": parts, "seconds": seconds}

    def ordinary(self, rows: int) -> str:
        return _(
            "%(table)s is an ordinary table of %(rows)d events; --apply converts it in one transaction, during which events cannot be written (take a backup first)."
        ) % {"table": partitions.TABLE, "rows": rows}

    def copied(self, done: int, total: int) -> str:
        return _("Copied %(done)d of %(total)d events") % {"done": done, "total": total}

    def cannot(self, reason: str) -> str:
        return _("Cannot partition the timeline: %(reason)s") % {"reason": reason}
