"""Each petition's latest handling outcome and latest rating, kept on the petition row by the
database (``Petition.latest_handling``, ``Petition.latest_rating``).

The statistics, the assessment's matters and the petitions list group or filter petitions by
the outcome of the latest stopped handling clock and by the satisfaction of the latest
follow-up. As a look-up per petition that cost about 2 s of the city's 100-day statistics at
ten million cases (bench/README.md); as two columns of the row the statistics already read,
it costs nothing.

Triggers write them, on both vendors, so that every path is covered: the ORM, bulk inserts,
ledger imports, raw SQL and other clients.
- A handling clock inserted stopped, stopped, reopened, moved or deleted: its petition's
  ``latest_handling`` is computed again.
- A follow-up inserted, changed or deleted: its petition's ``latest_rating`` is.
- A petition inserted, or updated by a client with either column in its SET list (Django's
  ``save()`` lists every column, with what the instance held when it was read): both are
  computed again, so a stale instance can never write a stale value.

Like the audit's triggers, they are installed by a migration and again after every
``migrate`` when missing: on SQLite a later migration that remakes one of the three tables
drops its triggers silently. When any was missing, every petition's values are computed again.
"""

# ruff: noqa: S608 -- every statement here is built from this module's constants only.

from __future__ import annotations

from django.db import transaction

PETITION = "petitions_petition"
CLOCK = "cases_clock"
FOLLOW_UP = "petitions_followup"

# The one definition of "latest", written once per vendor's quoting; `{case}` is the
# petition's case id as the surrounding statement names it.
HANDLING = (
    f"(SELECT outcome FROM {CLOCK} WHERE case_id = {{case}} AND code = 'handling'"
    " AND stopped_at IS NOT NULL ORDER BY stopped_at DESC, id DESC LIMIT 1)"
)
RATING = (
    f'(SELECT satisfaction FROM {FOLLOW_UP} WHERE petition_id = {{case}} ORDER BY "on" DESC,'
    " id DESC LIMIT 1)"
)


def _handling(case: str) -> str:
    return HANDLING.format(case=case)


def _rating(case: str) -> str:
    return RATING.format(case=case)


# -- PostgreSQL ---------------------------------------------------------------------------
#
# The clocks' and follow-ups' triggers are statement-level, with transition tables: one
# set-based UPDATE per statement, whatever the number of rows it wrote, that writes only the
# petitions whose value changes. The petition's own row trigger guards only what a client
# writes directly (pg_trigger_depth() = 0), so the UPDATEs made by the other triggers do not
# compute the values twice. A ledger import defers them all (defer(), settle()).

_CLOCK_MATTERS = (
    "o.stopped_at IS DISTINCT FROM n.stopped_at OR o.outcome IS DISTINCT FROM n.outcome"
    " OR o.code IS DISTINCT FROM n.code OR o.case_id IS DISTINCT FROM n.case_id"
)
_CLOCK_CHANGED = (
    "SELECT unnest(ARRAY[o.case_id, n.case_id]) FROM gone o JOIN added n ON n.id = o.id"
    f" WHERE (o.code = 'handling' OR n.code = 'handling') AND ({_CLOCK_MATTERS})"
)
_STOPPED = "code = 'handling' AND stopped_at IS NOT NULL"


def _pg_set(column: str, value, cases: str) -> str:
    """UPDATE `column` of the petitions among `cases` (a query of case ids) to `value` (the
    look-up, given the case id) where it differs: a petition already right is not written
    again, and the look-up runs only for petitions that exist."""
    return (
        f"UPDATE {PETITION} p SET {column} = x.value FROM (SELECT q.case_id AS id,"
        f" {value('q.case_id')} AS value FROM {PETITION} q WHERE q.case_id IN ({cases})) x"
        f" WHERE p.case_id = x.id AND p.{column} IS DISTINCT FROM x.value;"
    )


def _pg_set_handling(cases: str) -> str:
    return _pg_set("latest_handling", _handling, cases)


def _pg_set_rating(cases: str) -> str:
    return _pg_set("latest_rating", _rating, cases)


# The petitions are reached by their key, never by a scan: while a new database is being
# filled the planner's statistics still say the table is empty, and it chose a scan of the
# whole table for every statement.
_BY_KEY = "SET enable_seqscan = off"

# A ledger import brings each petition's values with it and has the database check them all
# at once at the end (defer(), settle()); inside its transaction the statement triggers stand
# aside.
_DEFERRED = "huiyin.latest_deferred"
_SKIP = f"IF current_setting('{_DEFERRED}', true) = 'on' THEN RETURN NULL; END IF;"


def _pg_statement_function(name: str, set_, *, inserted: str, updated: str, deleted: str) -> str:
    """A statement trigger's function: `set_` the petitions among the case ids each event's
    query gives (from the transition tables `added` and `gone`)."""
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql
{_BY_KEY} AS $$
BEGIN
    {_SKIP}
    IF TG_OP = 'INSERT' THEN
        {set_(inserted)}
    ELSIF TG_OP = 'UPDATE' THEN
        {set_(updated)}
    ELSE
        {set_(deleted)}
    END IF;
    RETURN NULL;
END
$$"""


_PG_FUNCTIONS = {
    f"{PETITION}_latest": f"""
CREATE OR REPLACE FUNCTION {PETITION}_latest() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.latest_handling := {_handling("NEW.case_id")};
    NEW.latest_rating := {_rating("NEW.case_id")};
    RETURN NEW;
END
$$""",
    f"{PETITION}_latest_added": f"""
CREATE OR REPLACE FUNCTION {PETITION}_latest_added() RETURNS trigger LANGUAGE plpgsql
{_BY_KEY} AS $$
BEGIN
    {_SKIP}
    UPDATE {PETITION} p SET latest_handling = x.handling, latest_rating = x.rating
    FROM (SELECT a.case_id AS id, {_handling("a.case_id")} AS handling,
                 {_rating("a.case_id")} AS rating FROM added a) x
    WHERE p.case_id = x.id AND (p.latest_handling IS DISTINCT FROM x.handling
                                OR p.latest_rating IS DISTINCT FROM x.rating);
    RETURN NULL;
END
$$""",
    f"{CLOCK}_latest": _pg_statement_function(
        f"{CLOCK}_latest",
        _pg_set_handling,
        inserted=f"SELECT case_id FROM added WHERE {_STOPPED}",
        updated=_CLOCK_CHANGED,
        deleted=f"SELECT case_id FROM gone WHERE {_STOPPED}",
    ),
    f"{FOLLOW_UP}_latest": _pg_statement_function(
        f"{FOLLOW_UP}_latest",
        _pg_set_rating,
        inserted="SELECT petition_id FROM added",
        updated="SELECT petition_id FROM added UNION SELECT petition_id FROM gone",
        deleted="SELECT petition_id FROM gone",
    ),
}

_NEW = "REFERENCING NEW TABLE AS added FOR EACH STATEMENT"
_OLD = "REFERENCING OLD TABLE AS gone FOR EACH STATEMENT"
_BOTH = "REFERENCING OLD TABLE AS gone NEW TABLE AS added FOR EACH STATEMENT"
# name: (table, when, for each, function). PostgreSQL allows one event per trigger with
# transition tables, hence three per table.
_PG_TRIGGERS = {
    f"{PETITION}_latest": (
        PETITION,
        "BEFORE UPDATE OF latest_handling, latest_rating",
        "FOR EACH ROW WHEN (pg_trigger_depth() = 0)",
        f"{PETITION}_latest",
    ),
    f"{PETITION}_latest_insert": (PETITION, "AFTER INSERT", _NEW, f"{PETITION}_latest_added"),
    f"{CLOCK}_latest_insert": (CLOCK, "AFTER INSERT", _NEW, f"{CLOCK}_latest"),
    f"{CLOCK}_latest_update": (CLOCK, "AFTER UPDATE", _BOTH, f"{CLOCK}_latest"),
    f"{CLOCK}_latest_delete": (CLOCK, "AFTER DELETE", _OLD, f"{CLOCK}_latest"),
    f"{FOLLOW_UP}_latest_insert": (FOLLOW_UP, "AFTER INSERT", _NEW, f"{FOLLOW_UP}_latest"),
    f"{FOLLOW_UP}_latest_update": (FOLLOW_UP, "AFTER UPDATE", _BOTH, f"{FOLLOW_UP}_latest"),
    f"{FOLLOW_UP}_latest_delete": (FOLLOW_UP, "AFTER DELETE", _OLD, f"{FOLLOW_UP}_latest"),
}


# -- SQLite -------------------------------------------------------------------------------

_SQLITE_CLOCK_MATTERS = (
    "OLD.stopped_at IS NOT NEW.stopped_at OR OLD.outcome IS NOT NEW.outcome"
    " OR OLD.code IS NOT NEW.code OR OLD.case_id IS NOT NEW.case_id"
)


def _sqlite_set_handling(case: str) -> str:
    return (
        f"UPDATE {PETITION} SET latest_handling = {_handling(case)} WHERE case_id = {case}"
        f" AND latest_handling IS NOT {_handling(case)};"
    )


def _sqlite_set_rating(case: str) -> str:
    return (
        f"UPDATE {PETITION} SET latest_rating = {_rating(case)} WHERE case_id = {case}"
        f" AND latest_rating IS NOT {_rating(case)};"
    )


def _sqlite_set_both(case: str) -> str:
    return (
        f"UPDATE {PETITION} SET latest_handling = {_handling(case)},"
        f" latest_rating = {_rating(case)} WHERE case_id = {case}"
        f" AND (latest_handling IS NOT {_handling(case)} OR latest_rating IS NOT {_rating(case)});"
    )


# SQLite's triggers cannot change NEW: the petition's own triggers update the row after the
# write. Recursive triggers are off (SQLite's default, which Django keeps), so that UPDATE does
# not fire the trigger that made it.
_SQLITE_TRIGGERS = {
    f"{PETITION}_latest_insert": (PETITION, "AFTER INSERT", "", _sqlite_set_both("NEW.case_id")),
    f"{PETITION}_latest_update": (
        PETITION,
        "AFTER UPDATE OF latest_handling, latest_rating",
        "",
        _sqlite_set_both("NEW.case_id"),
    ),
    f"{CLOCK}_latest_insert": (
        CLOCK,
        "AFTER INSERT",
        "WHEN NEW.code = 'handling' AND NEW.stopped_at IS NOT NULL",
        _sqlite_set_handling("NEW.case_id"),
    ),
    f"{CLOCK}_latest_update": (
        CLOCK,
        "AFTER UPDATE",
        f"WHEN (OLD.code = 'handling' OR NEW.code = 'handling') AND ({_SQLITE_CLOCK_MATTERS})",
        _sqlite_set_handling("OLD.case_id") + " " + _sqlite_set_handling("NEW.case_id"),
    ),
    f"{CLOCK}_latest_delete": (
        CLOCK,
        "AFTER DELETE",
        "WHEN OLD.code = 'handling' AND OLD.stopped_at IS NOT NULL",
        _sqlite_set_handling("OLD.case_id"),
    ),
    f"{FOLLOW_UP}_latest_insert": (
        FOLLOW_UP,
        "AFTER INSERT",
        "",
        _sqlite_set_rating("NEW.petition_id"),
    ),
    f"{FOLLOW_UP}_latest_update": (
        FOLLOW_UP,
        "AFTER UPDATE",
        "",
        _sqlite_set_rating("OLD.petition_id") + " " + _sqlite_set_rating("NEW.petition_id"),
    ),
    f"{FOLLOW_UP}_latest_delete": (
        FOLLOW_UP,
        "AFTER DELETE",
        "",
        _sqlite_set_rating("OLD.petition_id"),
    ),
}


# -- Installing, checking, computing again ------------------------------------------------


def install_sql(vendor: str) -> list[str]:
    """Statements creating the functions and triggers; each may run again safely."""
    if vendor == "postgresql":
        statements = [sql.replace("{differs}", _differs(vendor)) for sql in _PG_FUNCTIONS.values()]
        for name, (table, when, each, function) in _PG_TRIGGERS.items():
            statements += [
                f"DROP TRIGGER IF EXISTS {name} ON {table}",
                f"CREATE TRIGGER {name} {when} ON {table} {each} EXECUTE FUNCTION {function}()",
            ]
        return statements
    if vendor == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {name} {when} ON {table} {condition} BEGIN {body} END"
            for name, (table, when, condition, body) in _SQLITE_TRIGGERS.items()
        ]
    return []


def uninstall_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {name} ON {table}"
            for name, (table, *_rest) in _PG_TRIGGERS.items()
        ] + [f"DROP FUNCTION IF EXISTS {name}()" for name in _PG_FUNCTIONS]
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}" for name in _SQLITE_TRIGGERS]
    return []


def _names(vendor: str) -> set[str]:
    return set(_PG_TRIGGERS if vendor == "postgresql" else _SQLITE_TRIGGERS)


def missing(connection) -> set[str]:
    """The triggers that should be there and are not (or are disabled)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgname = ANY(%s) AND tgenabled <> 'D'",
                [sorted(_names("postgresql"))],
            )
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            return set()
        return _names(connection.vendor) - {row[0] for row in cursor.fetchall()}


def _differs(vendor: str) -> str:
    distinct = "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"
    return (
        f"latest_handling {distinct} {_handling(f'{PETITION}.case_id')}"
        f" OR latest_rating {distinct} {_rating(f'{PETITION}.case_id')}"
    )


def refresh_sql(vendor: str) -> str:
    """One UPDATE that writes both values wherever they differ from the clocks and follow-ups
    (only those rows: a petition already right is not written again)."""
    return (
        f"UPDATE {PETITION} SET latest_handling = {_handling(f'{PETITION}.case_id')},"
        f" latest_rating = {_rating(f'{PETITION}.case_id')} WHERE ({_differs(vendor)})"
    )


def drift(connection) -> int:
    """How many petitions hold a value their clocks and follow-ups do not give (0 when the
    triggers do their work)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {PETITION} WHERE {_differs(connection.vendor)}")
        return cursor.fetchone()[0]


def _tables_exist(connection) -> bool:
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
    if not {PETITION, CLOCK, FOLLOW_UP} <= tables:
        return False
    with connection.cursor() as cursor:
        columns = {c.name for c in connection.introspection.get_table_description(cursor, PETITION)}
    return {"latest_handling", "latest_rating"} <= columns


def install(connection) -> bool:
    """Create what is missing and, if anything was, compute every petition's values again;
    True if it did. A no-op before the columns exist (an older migration state)."""
    if connection.vendor not in ("postgresql", "sqlite") or not _tables_exist(connection):
        return False
    if not missing(connection):
        return False
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # No clock, follow-up or petition changes between the values computed here and
            # the triggers taking over (writers wait for the commit; readers do not).
            cursor.execute(
                f"LOCK TABLE {CLOCK}, {FOLLOW_UP}, {PETITION} IN SHARE ROW EXCLUSIVE MODE"
            )
        cursor.execute(refresh_sql(connection.vendor))
        for statement in install_sql(connection.vendor):
            cursor.execute(statement)
    return True


def uninstall(connection) -> None:
    """Drop the triggers (tests of what install() repairs)."""
    with connection.cursor() as cursor:
        for statement in uninstall_sql(connection.vendor):
            cursor.execute(statement)


def defer(connection) -> None:
    """Until settle() or the end of the transaction, the clocks' and follow-ups' triggers
    stand aside (PostgreSQL; SQLite's row triggers cost an import nothing to measure). For a
    writer that brings the values with the rows: a ledger import."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'on', true)", [_DEFERRED])


def settle(connection, lowest: int, highest: int) -> int:
    """The triggers back, and the petitions with case ids from `lowest` to `highest` given
    the values the clocks and follow-ups say wherever theirs differ; returns how many were
    corrected (0 when the writer brought them right)."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, 'off', true)", [_DEFERRED])
        cursor.execute(
            refresh_sql(connection.vendor) + " AND case_id BETWEEN %s AND %s", [lowest, highest]
        )
        return cursor.rowcount
