"""Make a city of --streets streets out of a benchmark database's one street, in SQL.

    createdb -h 127.0.0.1 -U postgres huiyin_city
    .venv/bin/python bench/generate.py --cases 1000000 --data-dir /tmp/huiyin-city \\
        --database-url postgres://postgres@127.0.0.1:5432/huiyin_city
    .venv/bin/python bench/city.py --streets 10 --data-dir /tmp/huiyin-city \\
        --database-url postgres://postgres@127.0.0.1:5432/huiyin_city

bench/generate.py writes about 800 petitions a second (it draws every row in Python), so ten
million would take three to four hours. This script takes the demo street that generate.py
filled and gives the database --streets streets in all: each new street gets the same
communities, grids and units under its own name, and a copy of every petition of the first
street with its search grams, clocks, follow-ups and reception slots, made by INSERT ... SELECT
with the ids moved by a fixed offset, the case numbers under the new street's short name
(溪桥信〔2026〕0331号), new receipt codes, and the places mapped to the new street's own. The
case counters are brought up to date, the sequences reset, the tables analysed.

It is a benchmark's database, not a migration: the secondary indexes of the five tables are
dropped while the rows are copied and built again after (their definitions are kept in
--data-dir/city-indexes.sql, so that a run cut short rebuilds them on the next run), and the
foreign keys' checks are switched off for the copy (``session_replication_role``): the rows
are copies of rows that passed them. The copies keep the source's staff (the reception slots'
leaders, the cases' owners): the benchmarks read streets, not staff. PostgreSQL only; the
source street must hold petitions only (generate.py without --disputes-share).

Finally it makes the accounts the city benchmarks sign in as (bench/city_bench.py): a
street-wide petition clerk of the first street (``city-clerk``) and a district officer
holding every street (``city-district``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import setup  # noqa: E402

#: The new streets' names, after the demo's 浓洄; 溪桥 is the demo's second street.
NAMES = ["溪桥", "青岚", "石湾", "柳塘", "杏坛", "桐荫", "梅岭", "荷塘", "竹溪", "兰亭", "松岗"]
#: The tables copied, parents first; each with its id column moved by an offset.
TABLES = [
    "petitions_receptionslot",
    "cases_case",
    "cases_casesearch",
    "cases_clock",
    "petitions_petition",
    "petitions_followup",
]
CLERK = "city-clerk"
DISTRICT = "city-district"


def _columns(cursor, table: str) -> list[str]:
    cursor.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def _offset(cursor, table: str, column: str) -> int:
    """A round number above every id of the table: the copies' ids are id + k × it."""
    cursor.execute(f'SELECT coalesce(max("{column}"), 0) FROM {table}')  # noqa: S608
    top = cursor.fetchone()[0]
    step = 10 ** len(str(top))
    return step


def _secondary_indexes(cursor) -> list[tuple[str, str]]:
    """(name, definition) of the non-unique indexes of the copied tables."""
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)"
        " FROM pg_index i WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisunique"
        " ORDER BY 1",
        [TABLES],
    )
    return cursor.fetchall()


def _streets(count: int, out) -> list[tuple[int, str, dict, dict, dict]]:
    """The streets 2..count, made (once) with the demo street's places and units. Returns
    (street id, short name, community map, grid map, unit map) for each; maps old id → new."""
    from django.db import transaction

    from huiyin.org import demo
    from huiyin.org.models import Community, Grid, Street, Unit

    source = Street.objects.get(name=demo.STREET)
    communities = list(Community.objects.filter(street=source).order_by("id"))
    grids = list(Grid.objects.filter(community__street=source).order_by("id"))
    units = list(Unit.objects.filter(street=source).order_by("id"))
    made = []
    for short in NAMES[: count - 1]:
        with transaction.atomic():
            street, created = Street.objects.get_or_create(
                name=f"{short}街道",
                defaults={"short_name": short, "office_name": f"{short}街道办事处"},
            )
            community_map, grid_map, unit_map = {}, {}, {}
            for c in communities:
                new, _created = Community.objects.get_or_create(
                    street=street, name=c.name, defaults={"order": c.order}
                )
                community_map[c.pk] = new.pk
            for g in grids:
                new, _created = Grid.objects.get_or_create(
                    community_id=community_map[g.community_id],
                    name=g.name,
                    defaults={"order": g.order, "geometry": g.geometry},
                )
                grid_map[g.pk] = new.pk
            for u in units:
                new, _created = Unit.objects.get_or_create(
                    street=street,
                    name=u.name,
                    defaults={
                        "kind": u.kind,
                        "community_id": community_map.get(u.community_id),
                    },
                )
                unit_map[u.pk] = new.pk
        if created:
            print(f"street {street.name} made", file=out, flush=True)
        made.append((street.pk, short, community_map, grid_map, unit_map))
    return [(source.pk, source.short_name, {}, {}, {})] + made


def _mapped(column: str, table: str) -> str | None:
    """The temporary mapping table a column's value goes through, if any."""
    if column == "community_id":
        return "city_map_community"
    if column == "grid_id":
        return "city_map_grid"
    if column in ("owner_unit_id", "complained_unit_id"):
        return "city_map_unit"
    return None


def _copy_street(cursor, k: int, street_id: int, short: str, source, offsets: dict) -> None:
    """Every petition of the source street again, for street `street_id` (the k-th copy)."""
    from huiyin.cases.search import street_term
    from huiyin.petitions.models import RECEIPT_ALPHABET

    source_id, source_short = source
    case_off, clock_off, follow_off, slot_off = (
        k * offsets["case"],
        k * offsets["clock"],
        k * offsets["follow"],
        k * offsets["slot"],
    )
    source_cases = f"SELECT id FROM cases_case WHERE street_id = {source_id}"  # noqa: S608
    special = {
        "petitions_receptionslot": {"id": f"id + {slot_off}"},
        "cases_case": {
            "id": f"id + {case_off}",
            "street_id": str(street_id),
            "number": f"'{short}' || substr(number, {len(source_short) + 1})",
        },
        "cases_casesearch": {
            "case_id": f"case_id + {case_off}",
            # The street's term (cases/0019): the copy's street, not the source's (the copy
            # runs without triggers).
            "grams": f"ts_delete(grams, '{street_term(source_id)}'::text)"
            f" || '{street_term(street_id)}'::tsvector",
        },
        "cases_clock": {"id": f"id + {clock_off}", "case_id": f"case_id + {case_off}"},
        "petitions_petition": {
            "case_id": f"case_id + {case_off}",
            "receipt_code": f"'{RECEIPT_ALPHABET[k]}' || substr(receipt_code, 2)",
            "repeat_of_id": f"repeat_of_id + {case_off}",
            "reception_slot_id": f"reception_slot_id + {slot_off}",
        },
        "petitions_followup": {
            "id": f"id + {follow_off}",
            "petition_id": f"petition_id + {case_off}",
        },
    }
    where = {
        # The source's own slots: the copies' ids are at or above the offset.
        "petitions_receptionslot": f"id < {offsets['slot']}",
        "cases_case": f"street_id = {source_id}",
        "cases_casesearch": f"case_id IN ({source_cases})",
        "cases_clock": f"case_id IN ({source_cases})",
        "petitions_petition": f"case_id IN ({source_cases})",
        "petitions_followup": f"petition_id IN ({source_cases})",
    }
    for table in TABLES:
        columns = _columns(cursor, table)
        values = []
        for column in columns:
            quoted = f'"{column}"'
            if column in special[table]:
                values.append(special[table][column])
            elif (via := _mapped(column, table)) is not None:
                values.append(
                    f"(SELECT m.new FROM {via} m WHERE m.street = {street_id}"
                    f" AND m.old = t.{quoted})"
                )
            else:
                values.append(f"t.{quoted}")
        began = time.perf_counter()
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(chr(34) + c + chr(34) for c in columns)})"  # noqa: S608
            f" SELECT {', '.join(values)} FROM {table} t WHERE {where[table]}"
        )
        print(
            f"  {table:<26} {cursor.rowcount:>10,} rows {time.perf_counter() - began:7.1f} s",
            flush=True,
        )


def build(count: int, out=sys.stdout) -> None:
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        raise SystemExit("a city is PostgreSQL's: give --database-url")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_case WHERE kind <> 'petition'")
        if cursor.fetchone()[0]:
            raise SystemExit("the source holds matters other than petitions: see the docstring")
    streets = _streets(count, out)
    source_id, source_short = streets[0][0], streets[0][1]
    from django.conf import settings

    saved = Path(settings.DATA_DIR) / "city-indexes.sql"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT street_id, count(*) FROM cases_case GROUP BY street_id ORDER BY street_id"
        )
        have = dict(cursor.fetchall())
        todo = [(k, s) for k, s in enumerate(streets) if k and not have.get(s[0])]
        if saved.exists():
            indexes = [tuple(line.split("\t", 1)) for line in saved.read_text().splitlines()]
        else:
            indexes = _secondary_indexes(cursor)
            saved.write_text("".join(f"{name}\t{sql}\n" for name, sql in indexes))
        offsets = {
            "case": _offset(cursor, "cases_case", "id"),
            "clock": _offset(cursor, "cases_clock", "id"),
            "follow": _offset(cursor, "petitions_followup", "id"),
            "slot": _offset(cursor, "petitions_receptionslot", "id"),
        }
        if todo:
            # Offsets from the source alone: every copy's ids are source ids + k × offset.
            cursor.execute(f"SELECT max(id) FROM cases_case WHERE street_id = {source_id}")  # noqa: S608
            offsets["case"] = 10 ** len(str(cursor.fetchone()[0]))
            if have.keys() - {source_id}:
                raise SystemExit("some streets are copied and some are not: start again")
            for name, _sql in indexes:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
            print(f"dropped {len(indexes)} secondary indexes", file=out, flush=True)
            cursor.execute(
                "CREATE TEMP TABLE city_map_community (street bigint, old bigint, new bigint);"
                "CREATE TEMP TABLE city_map_grid (street bigint, old bigint, new bigint);"
                "CREATE TEMP TABLE city_map_unit (street bigint, old bigint, new bigint)"
            )
            for street_id, _short, community_map, grid_map, unit_map in streets[1:]:
                for table, mapping in (
                    ("city_map_community", community_map),
                    ("city_map_grid", grid_map),
                    ("city_map_unit", unit_map),
                ):
                    cursor.executemany(
                        f"INSERT INTO {table} VALUES (%s, %s, %s)",  # noqa: S608
                        [(street_id, old, new) for old, new in mapping.items()],
                    )
            for table in ("city_map_community", "city_map_grid", "city_map_unit"):
                cursor.execute(f"CREATE UNIQUE INDEX ON {table} (street, old)")
            cursor.execute("SET session_replication_role = replica")
            for k, (street_id, short, *_maps) in todo:
                began = time.perf_counter()
                print(f"street {short} (copy {k})", file=out, flush=True)
                with transaction.atomic(), connection.cursor() as inner:
                    _copy_street(inner, k, street_id, short, (source_id, source_short), offsets)
                    inner.execute(
                        "INSERT INTO cases_casecounter (street_id, kind, year, last)"
                        f" SELECT {street_id}, kind, year, last FROM cases_casecounter"  # noqa: S608
                        f" WHERE street_id = {source_id}"
                        " ON CONFLICT (street_id, kind, year) DO UPDATE SET last = EXCLUDED.last"
                    )
                print(f"  copy {k} {time.perf_counter() - began:.0f} s", file=out, flush=True)
            cursor.execute("SET session_replication_role = DEFAULT")
        for name, sql in indexes:
            cursor.execute("SELECT to_regclass(%s)", [name])
            if cursor.fetchone()[0] is None:
                began = time.perf_counter()
                cursor.execute("SET maintenance_work_mem = '1GB'")
                cursor.execute(sql)
                print(f"index {name} {time.perf_counter() - began:.0f} s", file=out, flush=True)
        saved.unlink(missing_ok=True)
        for table, column in (
            ("cases_case", "id"),
            ("cases_clock", "id"),
            ("petitions_followup", "id"),
            ("petitions_receptionslot", "id"),
        ):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"  # noqa: S608
                f" (SELECT max({column}) FROM {table}))"
            )
    _accounts(streets)
    began = time.perf_counter()
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    print(f"vacuum and analyse {time.perf_counter() - began:.0f} s", file=out)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.short_name, count(*) FROM cases_case c JOIN org_street s"
            " ON s.id = c.street_id GROUP BY s.id, s.short_name ORDER BY s.id"
        )
        for short, n in cursor.fetchall():
            print(f"  {short} {n:,}", file=out)
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        print(f"database {cursor.fetchone()[0]}", file=out)
    print(f"done in {time.perf_counter() - started:.0f} s", file=out)


def _accounts(streets) -> None:
    """The city benchmarks' two accounts (made once)."""
    from django.contrib.auth.models import User

    from huiyin.org.models import RoleGrant, Staff, Street, Unit
    from huiyin.org.roles import Role

    source = Street.objects.get(pk=streets[0][0])
    user, _created = User.objects.get_or_create(username=CLERK)
    if not hasattr(user, "staff"):
        unit = Unit.objects.filter(street=source, name="信访办").first()
        staff = Staff.objects.create(user=user, name="城市测试信访员", title="信访员", unit=unit)
        RoleGrant.objects.create(staff=staff, role=Role.PETITION_CLERK, street=source)
    user, _created = User.objects.get_or_create(username=DISTRICT)
    if not hasattr(user, "staff"):
        staff = Staff.objects.create(user=user, name="城市测试区级", title="区级")
    else:
        staff = user.staff
    held = set(RoleGrant.objects.filter(staff=staff).values_list("street_id", flat=True))
    for street_id, *_rest in streets:
        if street_id not in held:
            RoleGrant.objects.create(staff=staff, role=Role.DISTRICT, street_id=street_id)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streets", type=int, default=10, help="streets in all (2 to 12)")
    parser.add_argument("--database-url", required=True, help="postgres://...")
    parser.add_argument("--data-dir", default="/tmp/huiyin-city", help="never the demo's")  # noqa: S108
    args = parser.parse_args(argv)
    if not 2 <= args.streets <= len(NAMES) + 1:
        parser.error(f"--streets: 2 to {len(NAMES) + 1}")
    setup(args.database_url, args.data_dir)
    build(args.streets)


if __name__ == "__main__":
    main()
