"""Case numbers: 浓洄信〔2026〕0042号 — street short name, kind letter, year, sequence.

Numbers are gap-free per street, kind and year: the sequence comes from a :class:`CaseCounter`
row locked in the transaction that creates the case (one ``UPDATE ... RETURNING``; SELECT ...
FOR UPDATE where the database cannot return from an UPDATE), so a rolled-back registration
gives its number back and two clerks never get the same one.
"""

from __future__ import annotations

from django.db import transaction

from huiyin.cases.kinds import spec
from huiyin.cases.models import CaseCounter


def format_number(short_name: str, kind: str, year: int, seq: int) -> str:
    return f"{short_name}{spec(kind).letter}〔{year}〕{seq:04d}号"


def allocate(street, kind: str, year: int) -> tuple[int, str]:
    """The next sequence number and the case number; call inside the creating transaction."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("allocate() must run inside the transaction that creates the case")
    if connection.features.can_return_columns_from_insert:  # UPDATE ... RETURNING as well
        seq = _increment(connection, street.pk, kind, year)
        if seq is None:
            _ensure_counter(street, kind, year)
            seq = _increment(connection, street.pk, kind, year)
    else:
        _ensure_counter(street, kind, year)
        counter = CaseCounter.objects.select_for_update().get(street=street, kind=kind, year=year)
        counter.last += 1
        counter.save(update_fields=["last"])
        seq = counter.last
    return seq, format_number(street.short_name, kind, year, seq)


def _ensure_counter(street, kind: str, year: int) -> None:
    """Make sure the row exists without racing another first registration of the year."""
    CaseCounter.objects.bulk_create(
        [CaseCounter(street=street, kind=kind, year=year, last=0)], ignore_conflicts=True
    )


def _increment(connection, street_id: int, kind: str, year: int) -> int | None:
    """The counter's next value, in one statement (None when the row does not exist yet).

    The UPDATE locks the row until the transaction ends, as SELECT ... FOR UPDATE did: a
    second registration waits and then reads the value the first one committed.
    """
    qn = connection.ops.quote_name
    table, last = qn(CaseCounter._meta.db_table), qn("last")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {last} = {last} + 1"  # noqa: S608 (quoted names only)
            f" WHERE {qn('street_id')} = %s AND {qn('kind')} = %s AND {qn('year')} = %s"
            f" RETURNING {last}",
            [street_id, kind, year],
        )
        row = cursor.fetchone()
    return None if row is None else row[0]
