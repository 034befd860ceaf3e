"""PostgreSQL only: a community's cases by date received, for a community's lists and counts.

A community's list over a period ("community + 100 days") was read from the community's
foreign-key index (every case of the community over the years, of every kind) or from the
kind's date index (every community's), whichever the statistics of the day made look cheaper:
over a city of ten million the count then took 19 ms one day and 185 ms the next, reading the
community's 227,000 cases to keep 6,059 (bench/README.md, "A city"). This index holds the
community's cases of a kind in the order received, so the period is one range of it, counted
from the index alone, and a community worker's newest-first list is a walk of it. Built
CONCURRENTLY, so an existing database keeps taking writes meanwhile.
"""

from django.db import migrations

NAME = "case_community_received"
DEFINITION = "(community_id, kind, received_at DESC, id DESC) WHERE NOT withdrawn"


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
        ("cases", "0017_open_due_index_on_postgresql"),
    ]

    operations = [migrations.RunPython(create, drop, atomic=False)]
