"""PostgreSQL only: an index on the street and kind of the cases not withdrawn, for counts.

Where several streets share a database, a street's list counts its rows with a condition on
the street, which ``case_count_kind`` (0009) cannot answer from the index alone: PostgreSQL
walked the street's index and read every row for its kind (190 ms for a street of a million
among ten million). This one holds few distinct values, stored once each with their rows
(deduplication), so the count reads the index alone (bench/README.md, "A city"). With one
street the lists carry no street condition and use 0009's, as before.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS case_count_street ON cases_case (street_id, kind)"
    " WHERE NOT withdrawn"
)
DROP = "DROP INDEX IF EXISTS case_count_street"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0014_search_statistics_on_postgresql"),
    ]

    operations = [migrations.RunPython(create, drop)]
