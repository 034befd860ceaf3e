"""`huiyin partition-events`: the timeline converted to a table partitioned by year on
PostgreSQL, with every row, id, index and foreign key, and the same statistics after; the
coming years' partitions added later. On SQLite the command refuses with one line.

The conversion is DDL inside the test's transaction: rolled back after each test."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.models import CaseEvent
from huiyin.ops import partitions
from huiyin.ops.database import count_rows, list_tables
from huiyin.reports import stats

pytestmark = pytest.mark.django_db


def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("partitioning needs PostgreSQL (HUIYIN_TEST_DATABASE_URL)")


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("partition-events", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _at(year: int, month: int = 6) -> datetime:
    return datetime(year, month, 1, 10, 0, tzinfo=CHINA_TZ)


@pytest.fixture
def timeline(demo_street):
    """The demo street's petitions, with notes in earlier years and at a year's first instant."""
    case = CaseEvent.objects.order_by("id").first().case
    for year in (2019, 2021):
        CaseEvent.objects.create(case=case, kind="note", note=f"{year}", at=_at(year))
    # Midnight of 1 January in Beijing is still 31 December in UTC: the year is Beijing's.
    CaseEvent.objects.create(case=case, kind="note", note="new year", at=_at(2022, 1))
    CaseEvent.objects.create(
        case=case, kind="note", note="new year", at=datetime(2022, 1, 1, 0, 0, tzinfo=CHINA_TZ)
    )
    return case


def _index_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [partitions.TABLE])
        return {row[0] for row in cursor.fetchall()}


def test_the_timeline_is_partitioned_by_year_with_every_row(timeline):
    _postgresql_only()
    this_year = timezone.localdate(timezone=CHINA_TZ).year
    before = sorted(CaseEvent.objects.values_list("id", "case_id", "kind", "at", "data"))
    indexes = _index_names()
    period = stats.Period(timezone.localdate() - timedelta(days=400), timezone.localdate())
    figures = stats.compute(period)

    assert str(len(before)) in _run()  # what it is and would do; nothing done
    assert not partitions.status().partitioned
    _run("--apply", "--batch", "1000")

    state = partitions.status()
    assert state.partitioned and state.rows == len(before)
    assert {2019, 2021, 2022, this_year, this_year + 1} <= state.years()
    by_year = {p.year: p.rows for p in state.partitions}
    expected: dict[int, int] = {}
    for row in before:
        year = row[3].astimezone(CHINA_TZ).year
        expected[year] = expected.get(year, 0) + 1
    assert {y: n for y, n in by_year.items() if n} == expected
    assert by_year[2022] >= 2 and by_year[None] == 0  # the default partition: nothing
    assert sorted(CaseEvent.objects.values_list("id", "case_id", "kind", "at", "data")) == before
    assert _index_names() == indexes  # the same names, now on the partitioned table
    assert stats.compute(period) == figures

    # New events get the next ids from the table's own sequence and land in their year.
    made = CaseEvent.objects.create(case=timeline, kind="note", note="after")
    assert made.id > max(row[0] for row in before)
    assert CaseEvent.objects.get(pk=made.pk).note == "after"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [partitions.TABLE])
        assert cursor.fetchone()[0].endswith(f"{partitions.TABLE}_id_seq")
        where = f"SELECT tableoid::regclass::text FROM {partitions.TABLE} WHERE id = %s"  # noqa: S608
        cursor.execute(where, [made.pk])
        assert cursor.fetchone()[0] == partitions.partition_name(this_year)

    # The foreign keys came along.
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        CaseEvent.objects.create(case_id=timeline.pk + 10**9, kind="note")

    # Later: a year far ahead is in the default partition until its own is added.
    far = this_year + 3
    CaseEvent.objects.create(case=timeline, kind="note", note="far", at=_at(far))
    assert {p.year: p.rows for p in partitions.status().partitions}[None] == 1
    assert str(far) in _run("--years-ahead", "3")  # named missing
    assert str(far) in _run("--apply", "--years-ahead", "3")
    by_year = {p.year: p.rows for p in partitions.status().partitions}
    assert by_year[far] == 1 and by_year[None] == 0
    _run("--apply", "--years-ahead", "3")  # nothing more to add
    assert len(partitions.status().partitions) == len(by_year)

    # A backup's manifest counts the timeline once: partitions are not tables of their own.
    with connection.cursor() as cursor:
        tables = list_tables(cursor, "postgresql")
        assert partitions.TABLE in tables
        assert not [t for t in tables if t.startswith(partitions.TABLE + "_")]
        assert count_rows(cursor, [partitions.TABLE])[partitions.TABLE] == len(before) + 2


def test_the_old_table_may_be_kept_and_a_second_conversion_is_refused(timeline):
    _postgresql_only()
    rows = CaseEvent.objects.count()
    _run("--apply", "--keep-old")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {partitions.TABLE}{partitions.OLD_SUFFIX}")  # noqa: S608
        assert cursor.fetchone()[0] == rows
    assert partitions.status().rows == rows
    with pytest.raises(partitions.PartitionError):
        partitions.convert(this_year=2026)


def test_sqlite_is_refused_with_one_line(db):
    if connection.vendor == "postgresql":
        pytest.skip("the refusal is SQLite's")
    with pytest.raises(CommandError) as refused:
        _run()
    assert "\n" not in str(refused.value)


def test_tick_adds_the_coming_years_partitions(timeline):
    _postgresql_only()
    from datetime import date

    from huiyin.ops import partition_tick

    this_year = timezone.localdate(timezone=CHINA_TZ).year
    partitions.convert(this_year=this_year, years_ahead=1)
    assert partition_tick.tick_hook(date(this_year, 12, 31)) is None  # both there
    later = this_year + 2
    line = partition_tick.tick_hook(date(later, 1, 1))
    assert f"{partitions.TABLE} {later}" in line and f"{partitions.TABLE} {later + 1}" in line
    assert {later, later + 1} <= partitions.status().years()
