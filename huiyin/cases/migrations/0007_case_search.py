"""Search grams for every case and the text index over them (see huiyin/cases/search.py).

SQLite: an FTS5 table with the grams' table as its external content (ascii tokenizer: every
gram, letters and digits only, is one token; no positions kept), and triggers that keep it
in step with every insert, update and delete. PostgreSQL: the grams column is a tsvector
with a GIN index. Existing cases get their grams here, 2,000 at a time (a million take minutes).
"""

from django.db import migrations, models

import huiyin.cases.search

FTS = "cases_casesearch_fts"

SQLITE_INSTALL = [
    f"CREATE VIRTUAL TABLE {FTS} USING fts5(grams, content='cases_casesearch', "
    "content_rowid='case_id', tokenize='ascii', detail='none')",
    "CREATE TRIGGER cases_casesearch_ai AFTER INSERT ON cases_casesearch BEGIN "
    f"INSERT INTO {FTS}(rowid, grams) VALUES (new.case_id, new.grams); END",
    "CREATE TRIGGER cases_casesearch_ad AFTER DELETE ON cases_casesearch BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, grams) VALUES ('delete', old.case_id, old.grams); END",
    "CREATE TRIGGER cases_casesearch_au AFTER UPDATE ON cases_casesearch BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, grams) VALUES ('delete', old.case_id, old.grams); "
    f"INSERT INTO {FTS}(rowid, grams) VALUES (new.case_id, new.grams); END",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
]
SQLITE_UNINSTALL = [
    "DROP TRIGGER IF EXISTS cases_casesearch_ai",
    "DROP TRIGGER IF EXISTS cases_casesearch_ad",
    "DROP TRIGGER IF EXISTS cases_casesearch_au",
    f"DROP TABLE IF EXISTS {FTS}",
]
POSTGRES_INSTALL = [
    "CREATE INDEX cases_casesearch_grams ON cases_casesearch USING gin (grams)",
]
POSTGRES_UNINSTALL = ["DROP INDEX IF EXISTS cases_casesearch_grams"]


def fill(apps, schema_editor):
    from huiyin.cases.search import grams_of

    Case = apps.get_model("cases", "Case")
    CaseSearch = apps.get_model("cases", "CaseSearch")
    db = schema_editor.connection.alias
    last = 0
    while True:
        chunk = list(
            Case.objects.using(db)
            .filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "number", "title", "description")[:2000]
        )
        if not chunk:
            break
        CaseSearch.objects.using(db).bulk_create(
            [CaseSearch(case_id=pk, grams=grams_of(*texts)) for pk, *texts in chunk],
            batch_size=500,
        )
        last = chunk[-1][0]


def install(apps, schema_editor):
    sql = SQLITE_INSTALL if schema_editor.connection.vendor == "sqlite" else POSTGRES_INSTALL
    for statement in sql:
        schema_editor.execute(statement)


def uninstall(apps, schema_editor):
    sql = SQLITE_UNINSTALL if schema_editor.connection.vendor == "sqlite" else POSTGRES_UNINSTALL
    for statement in sql:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_holiday_notes_in_chinese"),
    ]

    operations = [
        migrations.CreateModel(
            name="CaseSearch",
            fields=[
                (
                    "case",
                    models.OneToOneField(
                        on_delete=models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search",
                        serialize=False,
                        to="cases.case",
                        verbose_name="case",
                    ),
                ),
                (
                    "grams",
                    huiyin.cases.search.GramsField(blank=True, verbose_name="search grams"),
                ),
            ],
            options={
                "verbose_name": "search grams",
                "verbose_name_plural": "search grams",
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(install, uninstall),
    ]
