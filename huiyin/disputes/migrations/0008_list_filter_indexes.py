"""The dispute list's filters on the dispute's own columns, on the type, and a community's
disputes on PostgreSQL: read from indexes instead of rows (bench/README.md, "Dispute list").

* ``tier``, ``source`` and ``committee`` live on ``disputes_dispute``: a match had its dispute
  row read (the dispute's key is not SQLite's rowid) and its case's row (SQLite 120–203 ms of
  CPU, PostgreSQL 140–211 ms for ``tier=street`` at 1,000,000 cases). The dispute indexes now
  end with the case's key (``dispute_tier_case`` ...: the value's disputes from the index
  alone), and ``dispute_case_filters`` holds, by case key, every column ``visible_to`` and the
  other filters read, over the disputes not withdrawn: a case is found and tested in that
  index, never in its row.
* The type (``category_id IN (劳动争议, 欠薪)``): PostgreSQL read the matches from the heap by
  bitmap (221–289 ms). ``dispute_list_category`` holds the type followed by the list's order
  and the filtered columns: the count and a page from the index.
* PostgreSQL only: a community worker's text search over all years (``community_id IN (…) OR
  owner_id = …`` and a ``LIKE`` the planner cannot estimate) read the community's cases of
  both kinds by bitmap (225,000 at 1,000,000 cases; 290–500 ms). ``dispute_community`` is the
  community's disputes alone. SQLite walks its covering list index there already.

Like 0006, the indexes on ``cases_case`` are not in a model's Meta: a migration that makes SQLite
rebuild that table must create them again (``CREATE`` below; the list's plan tests fail if
they are missing).
"""

from django.db import migrations, models

WHERE = "WHERE kind = 'dispute' AND NOT withdrawn"
FILTERED = "community_id, grid_id, owner_id, owner_unit_id, status, closed_at"

# The condition's columns are in the index too: without them SQLite reads the row to test them.
CREATE = [
    "CREATE INDEX IF NOT EXISTS dispute_case_filters ON cases_case "
    f"(id, kind, withdrawn, {FILTERED}, category_id, due_on, received_at) {WHERE}",
    "CREATE INDEX IF NOT EXISTS dispute_list_category ON cases_case "
    f"(kind, category_id, due_on, received_at DESC, id DESC, withdrawn, {FILTERED}) {WHERE}",
]
CREATE_POSTGRESQL = [
    f"CREATE INDEX IF NOT EXISTS dispute_community ON cases_case (community_id) {WHERE}",
]
DROP = [
    "DROP INDEX IF EXISTS dispute_case_filters",
    "DROP INDEX IF EXISTS dispute_list_category",
    "DROP INDEX IF EXISTS dispute_community",
]


def create(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for sql in CREATE + (CREATE_POSTGRESQL if postgresql else []):
        schema_editor.execute(sql)
    if postgresql:
        schema_editor.execute("ANALYZE cases_case")


def drop(apps, schema_editor):
    for sql in DROP:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0012_other_body_clock_index"),
        ("disputes", "0007_kind_category_statistics"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="dispute", name="dispute_source"),
        migrations.RemoveIndex(model_name="dispute", name="dispute_tier"),
        migrations.AddIndex(
            model_name="dispute",
            index=models.Index(fields=["source", "case"], name="dispute_source_case"),
        ),
        migrations.AddIndex(
            model_name="dispute",
            index=models.Index(fields=["tier", "case"], name="dispute_tier_case"),
        ),
        migrations.AddIndex(
            model_name="dispute",
            index=models.Index(fields=["committee", "case"], name="dispute_committee_case"),
        ),
        migrations.RunPython(create, drop),
    ]
