"""PostgreSQL only: the open cases by due date, for the overdue and due-soon lists' counts.

"Overdue" is every open case whose due date has passed. ``case_list_due`` finds them in
order, but it holds every case, so counting them read each one's row for ``closed_at``: over
a city of ten million the 60,560 overdue petitions took 158 ms to count (bench/README.md,
"A city"). This index holds only the open cases (a few per cent of the history) with their
street and community, so the count, for the city, a street or a community, reads the index
alone. Built CONCURRENTLY, so an existing database keeps taking writes meanwhile.
"""

from django.db import migrations

NAME = "case_open_due"
DEFINITION = "(kind, due_on, street_id, community_id) WHERE closed_at IS NULL AND NOT withdrawn"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {NAME} ON cases_case {DEFINITION}"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("cases", "0016_street_list_indexes_on_postgresql"),
    ]

    operations = [migrations.RunPython(create, drop, atomic=False)]
