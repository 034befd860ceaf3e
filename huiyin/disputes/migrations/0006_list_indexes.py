"""The dispute list's two orders as covering indexes over the disputes' cases.

The case core's list indexes (``case_list_due``, ``case_list_received``, cases/0005) hold the
order of every kind's cases but none of the columns a dispute list filters on, so a filter over
all years read the table row by row: at 1,000,000 cases (250,000 disputes) a community's count
took 0.5 s through the community's foreign-key index, "open" 0.6 s, a community worker's whole
list (their community, or cases assigned to them) 0.6–0.7 s (bench/README.md, "Dispute list").
These two indexes hold the same orders for the disputes alone, followed by the columns that
``visible_to`` and the list's filters read (place, handler, status, open, type, due date), so
SQLite counts and pages from the index without the table (45–75 ms for the same lists) and
PostgreSQL can do the same with an index-only scan. Petitions do not use or keep them up (the
condition names the kind).

They are not in a model's Meta (they index the cases' table for one kind), so Django does not
know them: a migration that makes SQLite rebuild ``cases_case`` drops them, and must create
them again (``CREATE`` below; ``test_the_list_reads_disputes_from_their_own_index`` fails if
they are missing).
"""

from django.db import migrations

#: The columns after each order: every column ``visible_to`` and the list's filters test.
FILTERED = "community_id, grid_id, owner_id, owner_unit_id, status, closed_at, category_id"
WHERE = "WHERE kind = 'dispute' AND NOT withdrawn"

CREATE = [
    "CREATE INDEX IF NOT EXISTS dispute_list_due ON cases_case "
    f"(kind, due_on, received_at DESC, id DESC, withdrawn, {FILTERED}) {WHERE}",
    "CREATE INDEX IF NOT EXISTS dispute_list_received ON cases_case "
    f"(kind, received_at DESC, id DESC, withdrawn, due_on, {FILTERED}) {WHERE}",
]
DROP = [
    "DROP INDEX IF EXISTS dispute_list_due",
    "DROP INDEX IF EXISTS dispute_list_received",
]


def create(apps, schema_editor):
    for sql in CREATE:
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    for sql in DROP:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0011_clock_owner_and_suspension"),
        ("disputes", "0005_mediation_date_indexes"),
    ]

    operations = [migrations.RunPython(create, drop)]
