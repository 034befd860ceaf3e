"""PostgreSQL only: each case's search grams carry a term for its street.

Where several streets share a database, a street's search for a text in many cases of the
city (滨河路2: 46,100 petitions of ten million, 4,610 of them the street's) read every hit of
the city from the grams index, then each hit's case row to keep the street's: 400–560 ms
(bench/README.md, "A city"). With a term for the street among the grams (``§`` and the
street's id: never a gram, which is letters and digits only), the index itself keeps the
street's hits, and the search reads a tenth of the rows.

A trigger adds the term to every row written (``cases.search.refresh``, the ledger import,
any bulk load), reading the case's street; the rows already there get it here, by one UPDATE
with the grams index made again after it: searches wait meanwhile (about 7 minutes at ten
million cases; plan it for a large database). SQLite's index is not changed: a street term
there would be cut into a digits token that a search for those digits would find.
"""

from django.db import migrations

FUNCTION = "cases_casesearch_street_term"
TRIGGER = "cases_casesearch_street"
INDEX = "cases_casesearch_grams"

BODY = """
    BEGIN
        NEW.grams := NEW.grams || coalesce(
            (SELECT ('§' || street_id)::tsvector FROM cases_case WHERE id = NEW.case_id),
            ''::tsvector
        );
        RETURN NEW;
    END
"""

INSTALL = [
    f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $${BODY}$$",
    f"DROP TRIGGER IF EXISTS {TRIGGER} ON cases_casesearch",
    f"CREATE TRIGGER {TRIGGER} BEFORE INSERT OR UPDATE OF grams ON cases_casesearch"
    f" FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()",
    # The rows already there: the trigger adds the term, with the index (0007's) made again
    # after rather than kept up row by row (at ten million rows: 4 minutes and 3 to build it).
    f"DROP INDEX IF EXISTS {INDEX}",
    "UPDATE cases_casesearch SET grams = grams",
    f"CREATE INDEX {INDEX} ON cases_casesearch USING gin (grams)",
]


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in INSTALL:
            schema_editor.execute(statement)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON cases_casesearch")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
    # The street terms out again: every lexeme starting with §.
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
    schema_editor.execute(
        "UPDATE cases_casesearch SET grams = ts_delete(grams, ARRAY("
        "SELECT lexeme FROM unnest(grams) WHERE left(lexeme, 1) = '§'))"
        " WHERE strpos(grams::text, '§') > 0"
    )
    schema_editor.execute(f"CREATE INDEX {INDEX} ON cases_casesearch USING gin (grams)")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0018_community_received_index_on_postgresql"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
