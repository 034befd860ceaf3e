"""PostgreSQL only: the lists' orders led by the street, and the places' dependencies.

Where several streets share a database (a district, a city), a street's lists and statistics
name the street; the lists' indexes (``case_list_due``, ``case_list_received``) lead with the
kind, so a street's page walked every street's entries and its 100 days read the city's
(bench/README.md, "A city": a street's 100-day search 162 ms, its statistics 1.1 s at ten
million). These two are the same orders behind the street. With one street the lists carry
no street condition and keep the kind's indexes.

The statistics object tells the planner that a grid lies in one community and a community in
one street: without it, "this street and this community" was estimated ten times too rare and
planned as if few rows would match.

Built CONCURRENTLY (outside a transaction), so an existing city database keeps taking writes
while they are made.
"""

from django.db import migrations

INDEXES = {
    "case_street_list_due": (
        "(street_id, kind, due_on, received_at DESC, id DESC) WHERE NOT withdrawn"
    ),
    "case_street_list_received": "(street_id, kind, received_at DESC, id DESC) WHERE NOT withdrawn",
}
STATISTICS = "case_places"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON cases_case {definition}"
        )
    schema_editor.execute(
        f"CREATE STATISTICS IF NOT EXISTS {STATISTICS} (dependencies)"
        " ON street_id, community_id, grid_id FROM cases_case"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("cases", "0015_street_count_index_on_postgresql"),
    ]

    operations = [migrations.RunPython(create, drop, atomic=False)]
