"""The dispute list's filters on the dispute's own columns and on the type: read from indexes
instead of rows (bench/README.md, "Dispute list").

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
]
# The type's index: SQLite, with the kind first, keeps finding cases by key in
# ``dispute_case_filters`` (with the type first it went back to the rows, by rowid);
# PostgreSQL, with the kind first, preferred scanning ``dispute_case_filters`` whole.
CATEGORY = {
    "sqlite": "CREATE INDEX IF NOT EXISTS dispute_list_category ON cases_case "
    f"(kind, category_id, due_on, received_at DESC, id DESC, withdrawn, {FILTERED}) {WHERE}",
    "postgresql": "CREATE INDEX IF NOT EXISTS dispute_list_category ON cases_case "
    f"(category_id, due_on, received_at DESC, id DESC, kind, withdrawn, {FILTERED}) {WHERE}",
}
DROP = [
    "DROP INDEX IF EXISTS dispute_case_filters",
    "DROP INDEX IF EXISTS dispute_list_category",
]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in [*CREATE, CATEGORY.get(vendor, CATEGORY["postgresql"])]:
        schema_editor.execute(sql)
    if vendor == "postgresql":
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
