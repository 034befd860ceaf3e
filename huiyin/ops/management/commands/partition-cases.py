"""`huiyin partition-cases [--apply]`: the cases partitioned by year (PostgreSQL only).

Without --apply it says what the table is and what --apply would do. With --apply, an
ordinary table is converted in one transaction (docs/city.md: take a backup first; no case
can be registered or changed until it ends), and a partitioned one gets the partitions of
this year and the next --years-ahead years that it lacks (``huiyin tick`` adds them too).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from huiyin.ops import case_partitions
from huiyin.ops.partition_command import PartitionCommand


class Command(PartitionCommand):
    help = (
        "Partition the cases (cases_case) by year on PostgreSQL: show the state, or with "
        "--apply convert the table or add the coming years' partitions."
    )
    partitions = case_partitions

    def converted(self, rows: int, parts: int, seconds: float) -> str:
        return _(
            "The cases are partitioned by year: %(rows)d cases in %(parts)d partitions (%(seconds).1f s)."
        ) % {"rows": rows, "parts": parts, "seconds": seconds}

    def ordinary(self, rows: int) -> str:
        return _(
            "%(table)s is an ordinary table of %(rows)d cases; --apply converts it in one transaction, during which no case can be registered or changed (take a backup first)."
        ) % {"table": case_partitions.TABLE, "rows": rows}

    def copied(self, done: int, total: int) -> str:
        return _("Copied %(done)d of %(total)d cases") % {"done": done, "total": total}

    def cannot(self, reason: str) -> str:
        return _("Cannot partition the cases: %(reason)s") % {"reason": reason}
