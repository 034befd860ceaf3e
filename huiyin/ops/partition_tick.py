"""`huiyin tick` adds a partitioned table's partitions of this year and the next when one is
missing (docs/city.md), so a new year's cases and events never wait in the default partition
for someone to remember. It reads the catalogue only; nothing is done on SQLite or on tables
that were never partitioned."""

from __future__ import annotations

import re
from datetime import date

from django.db import connection
from django.utils.translation import gettext as _

from huiyin.ops import case_partitions, partitions


def _years(table: str) -> set[int] | None:
    """The years of a table's yearly partitions; None when the table is not partitioned."""
    with connection.cursor() as cursor:
        if partitions.relkind(cursor, table) != "p":
            return None
        named = re.compile(rf"^{re.escape(table)}_y(\d{{4}})$")
        return {
            int(m.group(1))
            for name in partitions.children(cursor, table)
            if (m := named.match(name))
        }


def tick_hook(today: date) -> str | None:
    if connection.vendor != "postgresql":
        return None
    added = []
    for module in (partitions, case_partitions):
        years = _years(module.TABLE)
        if years is None or {today.year, today.year + 1} <= years:
            continue
        try:
            for year in module.ensure_years(this_year=today.year, years_ahead=1):
                added.append(f"{module.TABLE} {year}")
        except partitions.PartitionError as exc:
            # Said in tick's log each time, until someone resolves it.
            added.append(
                _("%(table)s: cannot add a partition: %(reason)s")
                % {"table": module.TABLE, "reason": exc}
            )
    if not added:
        return None
    return _("Partitions added: %(added)s.") % {"added": ", ".join(added)}
