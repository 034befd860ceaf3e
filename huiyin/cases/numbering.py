"""Case numbers: 浓洄信〔2026〕0042号 — street short name, kind letter, year, sequence.

Numbers are gap-free per street, kind and year: the sequence comes from a :class:`CaseCounter`
row locked (SELECT ... FOR UPDATE) in the transaction that creates the case, so a rolled-back
registration gives its number back and two clerks never get the same one.
"""

from __future__ import annotations

from django.db import transaction

from huiyin.cases.kinds import spec
from huiyin.cases.models import CaseCounter


def format_number(short_name: str, kind: str, year: int, seq: int) -> str:
    return f"{short_name}{spec(kind).letter}〔{year}〕{seq:04d}号"


def allocate(street, kind: str, year: int) -> tuple[int, str]:
    """The next sequence number and the case number; call inside the creating transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("allocate() must run inside the transaction that creates the case")
    # Make sure the row exists without racing another first registration of the year.
    CaseCounter.objects.bulk_create(
        [CaseCounter(street=street, kind=kind, year=year, last=0)], ignore_conflicts=True
    )
    counter = CaseCounter.objects.select_for_update().get(street=street, kind=kind, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last, format_number(street.short_name, kind, year, counter.last)
