"""PostgreSQL only: an index on the kind of the cases not withdrawn, for exact counts.

Every list counts its rows exactly (the dashboard's figures link to it and must match). For a
list filtered by nothing but the kind, PostgreSQL counts a million cases by walking an index:
this one holds a single value, which PostgreSQL stores once with the list of its rows
(deduplication), so the walk reads a few megabytes instead of the list indexes' tens — 73 ms
down to 30–40 ms at a million (bench/README.md). SQLite counts at the same speed from any
index, so it gets none.
"""

from django.db import migrations

CREATE = "CREATE INDEX IF NOT EXISTS case_count_kind ON cases_case (kind) WHERE NOT withdrawn"
DROP = "DROP INDEX IF EXISTS case_count_kind"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0008_no_status_or_due_index_alone"),
    ]

    operations = [migrations.RunPython(create, drop)]
