"""`huiyin partition-cases`: the cases converted to a table partitioned by year (by ranges of
id) on PostgreSQL, with every row and id, every foreign key that points at a case, the unique
numbers still refused twice, new cases in their year's partition, and the same statistics.
On SQLite the command refuses with one line.

The conversion is DDL inside the test's transaction: rolled back after each test."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from huiyin.cases import search
from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.models import Case, CaseEvent
from huiyin.ops import case_partitions as cp
from huiyin.ops import partition_tick
from huiyin.ops.database import count_rows, list_tables
from huiyin.petitions.models import Petition
from huiyin.petitions.tests.factories import petitioner, register
from huiyin.reports import stats

pytestmark = pytest.mark.django_db


def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("partitioning needs PostgreSQL (HUIYIN_TEST_DATABASE_URL)")


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("partition-cases", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _where(case_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {cp.TABLE} WHERE id = %s", [case_id])  # noqa: S608
        return cursor.fetchone()[0]


def _pointing() -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname FROM pg_constraint"
            " WHERE confrelid = %s::regclass AND contype = 'f' AND conparentid = 0",
            [cp.TABLE],
        )
        return set(cursor.fetchall())


def _immediately():
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.fixture
def cases(demo_street):
    """The demo street's cases, the first of them numbered in 2019 and a second in 2021:
    earlier years than the rest, so the ids given before the conversion span several years."""
    first, second = Case.objects.order_by("id")[:2]
    Case.objects.filter(pk=first.pk).update(year=2019, number="信访〔2019〕1号")
    Case.objects.filter(pk=second.pk).update(year=2021, number="信访〔2021〕1号")
    return list(Case.objects.order_by("id"))


def test_the_cases_are_partitioned_by_year_with_every_row_and_reference(cases):
    _postgresql_only()
    this_year = timezone.localdate(timezone=CHINA_TZ).year
    fields = ("id", "number", "street_id", "kind", "year", "seq", "title", "status")
    before = sorted(Case.objects.values_list(*fields))
    pointing = _pointing()
    assert len(pointing) >= 15  # the tables that point at a case
    referenced = {
        "events": sorted(CaseEvent.objects.values_list("id", "case_id")),
        "petitions": sorted(Petition.objects.values_list("case_id", "receipt_code")),
    }
    period = stats.Period(timezone.localdate() - timedelta(days=400), timezone.localdate())
    figures = stats.compute(period)
    with connection.cursor() as cursor:
        cursor.execute(search._HIGHEST_ID)
        highest = cursor.fetchone()[0]

    assert str(len(before)) in _run()  # what it is and would do; nothing done
    assert not cp.status().partitioned
    _run("--apply", "--batch", "1000")

    state = cp.status()
    assert state.partitioned and state.rows == len(before)
    assert {this_year, this_year + 1} <= state.years()
    by_name = {p.name: p.rows for p in state.partitions}
    # The ids given before: a partition for 2019's, one for 2021's, and the rest of them.
    earlier = [p for p in state.partitions if p.earlier]
    assert by_name[cp.partition_name(2019, earlier=True)] == 1
    assert by_name[cp.partition_name(2021, earlier=True)] == 1
    assert sum(p.rows for p in earlier) == len(before)
    assert [p.year for p in earlier] == sorted(p.year for p in earlier)
    assert by_name[cp.partition_name(this_year)] == 0 and by_name[cp.DEFAULT_PARTITION] == 0
    assert sorted(Case.objects.values_list(*fields)) == before
    assert _pointing() == pointing  # every foreign key points at the new table
    assert sorted(CaseEvent.objects.values_list("id", "case_id")) == referenced["events"]
    assert (
        sorted(Petition.objects.values_list("case_id", "receipt_code")) == referenced["petitions"]
    )
    assert stats.compute(period) == figures
    assert cp.keys_drift() == 0
    with connection.cursor() as cursor:
        cursor.execute(search._HIGHEST_ID)
        assert cursor.fetchone()[0] == highest

    # A new case: an id of this (Beijing, by the database's clock) year, in its partition.
    clerk = User.objects.get(username="clerk")
    made = register(clerk, title="分区后的来信", petitioners=[petitioner("赵六", id_number="")])
    assert cp.year_of(made.case_id) == this_year
    assert made.case_id % cp.SPAN == highest + 1  # the counter goes on
    assert _where(made.case_id) == cp.partition_name(this_year)
    assert Case.objects.get(pk=made.case_id).title == "分区后的来信"
    assert made.case.events.exists()
    _immediately()
    assert cp.keys_drift() == 0
    with connection.cursor() as cursor:
        cursor.execute(search._HIGHEST_ID)
        assert cursor.fetchone()[0] == highest + 1

    # A number or a sequence taken is refused as before, by the constraint of the same name.
    taken = Case.objects.get(pk=made.case_id)
    last = cases[-1]
    for change, refused in (
        ({"number": last.number, "seq": 888_888}, "(number)"),
        ({"number": "信访〔新〕1号", "seq": last.seq, "year": last.year}, "case_unique_sequence"),
    ):
        copy = Case.objects.get(pk=made.case_id)
        copy.pk = None
        copy.kind, copy.street_id = last.kind, last.street_id
        for name, value in change.items():
            setattr(copy, name, value)
        with pytest.raises(IntegrityError) as error, transaction.atomic():
            copy.save()
        assert refused in str(error.value)
    copy.number, copy.seq = "信访〔新〕2号", 888_888
    copy.save()  # neither taken: written
    # Renumbered, the old number is free and the new one taken.
    Case.objects.filter(pk=taken.pk).update(number="信访〔改〕1号")
    assert cp.keys_drift() == 0
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=cases[-1].pk).update(number="信访〔改〕1号")

    # The foreign keys hold: an event of no case is refused.
    with pytest.raises(IntegrityError), transaction.atomic():
        _immediately()
        CaseEvent.objects.create(case_id=this_year * cp.SPAN + 10**9, kind="note")

    # A backup's manifest counts the cases once (partitions are not tables) and the keys.
    with connection.cursor() as cursor:
        tables = list_tables(cursor, "postgresql")
        assert cp.TABLE in tables and cp.KEYS in tables
        assert not [t for t in tables if t.startswith(cp.TABLE + "_y")]
        counts = count_rows(cursor, [cp.TABLE, cp.KEYS])
        assert counts[cp.TABLE] == counts[cp.KEYS] == len(before) + 2


def test_a_year_without_its_partition_files_new_cases_in_the_latest_year(cases):
    """Nobody ran tick since last year: new cases go to the latest year's partition, never
    to the default one, and tick adds the missing year; ids written by hand into the default
    partition hold their year's partition back, and tick says so instead of failing."""
    _postgresql_only()
    this_year = timezone.localdate(timezone=CHINA_TZ).year
    cp.convert(this_year=this_year, years_ahead=1)
    with connection.cursor() as cursor:
        name = cp.partition_name(this_year)  # empty yet
        cursor.execute(f"ALTER TABLE {cp.TABLE} DETACH PARTITION {name}")
        cursor.execute(f"DROP TABLE {name}")

    clerk = User.objects.get(username="clerk")
    early = register(clerk, title="缺分区时的来信", petitioners=[petitioner("钱七", id_number="")])
    assert cp.year_of(early.case_id) == this_year + 1
    assert _where(early.case_id) == cp.partition_name(this_year + 1)

    line = partition_tick.tick_hook(date(this_year, 6, 1))
    assert f"{cp.TABLE} {this_year}" in line
    assert this_year in cp.status().years()
    later = register(clerk, title="补分区后的来信", petitioners=[petitioner("孙八", id_number="")])
    assert _where(later.case_id) == cp.partition_name(this_year)
    assert partition_tick.tick_hook(date(this_year, 6, 2)) is None  # nothing more to add

    # An id written by hand for a year far ahead waits in the default partition, pinned by
    # what points at it; tick reports that it cannot add that year, and goes on.
    far = this_year + 3
    odd = Case.objects.get(pk=later.case_id)
    odd.pk, odd.number, odd.seq = far * cp.SPAN + 7, "信访〔远〕1号", 999_999
    odd.save(force_insert=True)
    CaseEvent.objects.create(case=odd, kind="note", note="far")
    assert _where(odd.pk) == cp.DEFAULT_PARTITION
    line = partition_tick.tick_hook(date(far, 3, 1))
    assert "1" in line and str(far) in line and cp.TABLE in line
    assert far not in cp.status().years()
    _immediately()
    assert cp.keys_drift() == 0


def test_lost_key_triggers_are_flagged_and_made_again_after_migrate(cases):
    _postgresql_only()
    from huiyin.ops import doctor
    from huiyin.ops.apps import _repair_case_keys

    this_year = timezone.localdate(timezone=CHINA_TZ).year
    cp.convert(this_year=this_year)
    assert cp.missing_triggers() == set() and not cp.repair()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {cp.TABLE}_keys_insert ON {cp.TABLE}")
    clerk = User.objects.get(username="clerk")
    register(clerk, title="触发器丢失时的来信", petitioners=[petitioner("周九", id_number="")])
    assert cp.keys_drift() == 1  # its number is not guarded

    found = {r.code: r for r in doctor.run()}["triggers"]
    assert found.status == doctor.FAIL and f"{cp.TABLE}_keys_insert" in found.detail

    _repair_case_keys(sender=None, using="default")  # what every migrate runs at its end
    assert cp.missing_triggers() == set() and cp.keys_drift() == 0
    assert {r.code: r for r in doctor.run()}["triggers"].status == doctor.OK


def test_the_old_table_may_be_kept_and_a_second_conversion_is_refused(cases):
    _postgresql_only()
    rows = Case.objects.count()
    _run("--apply", "--keep-old")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {cp.TABLE}{cp.OLD_SUFFIX}")  # noqa: S608
        assert cursor.fetchone()[0] == rows
    assert cp.status().rows == rows and cp.keys_drift() == 0
    with pytest.raises(cp.PartitionError):
        cp.convert(this_year=2026)
    with pytest.raises(CommandError):
        _run("--apply", "--years-ahead", "9")


def test_the_tick_leaves_ordinary_tables_alone(cases):
    assert partition_tick.tick_hook(date(2030, 1, 1)) is None
    if connection.vendor == "postgresql":
        assert not cp.status().partitioned


def test_sqlite_is_refused_with_one_line(db):
    if connection.vendor == "postgresql":
        pytest.skip("the refusal is SQLite's")
    with pytest.raises(CommandError) as refused:
        _run()
    assert "\n" not in str(refused.value)


def test_a_ledger_imported_into_partitioned_cases_takes_ids_of_this_year(personas):
    """The import hands out case ids itself (bulk inserts): from the id function, once the
    cases are partitioned, so they land in this year's partition with their keys."""
    _postgresql_only()
    from huiyin.org.roles import Role
    from huiyin.reports.tests.test_ledger_import import ledger, row, run

    this_year = timezone.localdate(timezone=CHINA_TZ).year
    cp.convert(this_year=this_year)
    rows = [row(信访人="甲", 身份证号=""), row(序号=2, 信访人="乙", 身份证号="", 信访事项="噪声")]
    report = run(ledger(rows), personas[Role.PETITION_CLERK])
    assert report.ok, report.errors
    imported = list(Case.objects.filter(kind="petition").order_by("id"))
    assert len(imported) == 2
    assert {cp.year_of(case.pk) for case in imported} == {this_year}
    assert {_where(case.pk) for case in imported} == {cp.partition_name(this_year)}
    assert all(case.events.filter(kind="imported").exists() for case in imported)
    _immediately()
    assert cp.keys_drift() == 0
    # A second import of the same ledger finds them and skips them.
    again = run(ledger(rows), personas[Role.PETITION_CLERK])
    assert Case.objects.filter(kind="petition").count() == 2, again.errors


@pytest.mark.parametrize("first", ["events", "cases"])
def test_the_timeline_and_the_cases_may_both_be_partitioned_in_either_order(cases, first):
    """The timeline points at the cases: whichever is converted second takes the other's
    partitions into account (a foreign key to a partitioned table has one row per partition
    in the catalogue, which is not a constraint of its own to copy)."""
    _postgresql_only()
    from huiyin.ops import partitions

    this_year = timezone.localdate(timezone=CHINA_TZ).year
    events = sorted(CaseEvent.objects.values_list("id", "case_id"))
    order = [partitions, cp] if first == "events" else [cp, partitions]
    for module in order:
        module.convert(this_year=this_year)
    assert partitions.status().partitioned and cp.status().partitioned
    assert sorted(CaseEvent.objects.values_list("id", "case_id")) == events

    clerk = User.objects.get(username="clerk")
    made = register(clerk, title="两表分区后的来信", petitioners=[petitioner("吴十", id_number="")])
    assert made.case.events.exists()
    _immediately()
    assert cp.keys_drift() == 0
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseEvent.objects.create(case_id=this_year * cp.SPAN + 10**9, kind="note")
