"""PostgreSQL only: the character pairs of each case's text, indexed on the cases' table itself.

The search grams (``cases/0007``) live in a table of their own, so PostgreSQL can only find a
text's cases there and then visit every hit — of every kind, in every community — before it
can test where a case is; walking the list's order instead reads every other community's
cases on the way. For someone who sees one community (a community worker, a grid worker) a
common word over all years therefore read the whole community by bitmap, cases of every kind
(270–410 ms at 475,000 cases, bench/README.md "Dispute list"). This GIN index holds, for each
case, every pair of neighbouring characters of its number, title and description (spaces and
punctuation included, the three fields joined by a newline), so a condition on it
(``huiyin.cases.search.matching``) is answered on the cases' own table: PostgreSQL intersects
it with the place's index (``visible_to``) and reads only the community's cases holding the
text.

Petitions are left out (``search.UNPAIRED_KINDS``): the petition ledger import writes them
100,000 at a time within 5× of reading the sheet, which a second text index over every row
would break (measured: 10–25 % more time for the import), and their lists are read street-wide,
where walking the list's order serves.

The pairs are cut by the database (two ``regexp_replace`` passes, at even and odd offsets),
not by Python, so every write of a case keeps the index up without the application's help.
SQLite keeps its FTS5 index (its hits are row ids, which it tests while walking any order).
"""

from django.db import migrations

#: Every pair of neighbouring characters of the text (pairs at even offsets, then at odd ones,
#: each followed by the unit separator, then split on it). A pair holding the separator itself
#: is cut (a search for such a text never asks this index); the last odd character and empty
#: strings come along and are never asked for either.
_TEXT = (
    "(coalesce(number, '') || E'\\n' || coalesce(title, '') || E'\\n' || coalesce(description, ''))"
)
FUNCTION = rf"""
CREATE OR REPLACE FUNCTION case_text_pairs(number text, title text, description text)
RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT string_to_array(
        regexp_replace({_TEXT}, '(..)', E'\\1\x1f', 'g') || E'\x1f'
            || regexp_replace(substr({_TEXT}, 2), '(..)', E'\\1\x1f', 'g'),
        E'\x1f')
$$
"""
INDEX = (
    "CREATE INDEX IF NOT EXISTS case_text_pairs ON cases_case "
    "USING gin (case_text_pairs(number, title, description)) WHERE kind <> 'petition'"
)
DROP = [
    "DROP INDEX IF EXISTS case_text_pairs",
    "DROP FUNCTION IF EXISTS case_text_pairs(text, text, text)",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)
        schema_editor.execute(INDEX)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0012_other_body_clock_index"),
    ]

    operations = [migrations.RunPython(create, drop)]
