"""PostgreSQL only: finer statistics on the cases' title and description, for text searches.

A petition search for a common text over all years (``huiyin.cases.search``: the sample says
the text is common) asks for the first 1,001 cases in the list's order whose number, title or
description holds it (``LIKE '%…%'``). PostgreSQL chooses between walking the list's index
until 1,001 rows match and reading the whole table (in parallel) and sorting the matches, from
its estimate of how many cases hold the text — which, for a ``LIKE`` inside the text, it reads
off the column's most common values and histogram: 100 of each by default. With 100 histogram
entries a text in 2.5 % of the descriptions is in two or three of them, or none: at 475,000
cases the estimate for 锈蚀 or 彩钢房 ranged from 3,600 to 14,300 matches from one ``ANALYZE``
to the next (there are 8,900), and below about 3,500 the planner read the whole table:
0.33–0.36 s against 0.05–0.09 s for the walk (bench/README.md, "The list pages' own cost, and
a petition search on PostgreSQL").

A statistics target of 1,000 on the two columns (1,000 most common values and histogram
entries; every title of the benchmark's data is then among the most common values) put the
estimates at 7,500–9,100 and the plan on the walk. The price: ``ANALYZE cases_case`` samples
300,000 rows instead of 30,000 (1.2 s → 11–13 s at 475,000 cases, on a loaded machine; the
sample does not grow with the table) and a text search's planning reads the longer lists (about
1 ms more). This migration runs that ``ANALYZE`` once, so the statistics are there at once
rather than at autovacuum's next pass. SQLite reads its FTS5 index and needs none of it.
"""

from django.db import migrations

TARGET = 1000
COLUMNS = ("title", "description")


def _set(schema_editor, target: int) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    alter = ", ".join(f"ALTER COLUMN {column} SET STATISTICS {target}" for column in COLUMNS)
    schema_editor.execute(f"ALTER TABLE cases_case {alter}")
    schema_editor.execute("ANALYZE cases_case")


def finer(apps, schema_editor):
    _set(schema_editor, TARGET)


def default(apps, schema_editor):
    _set(schema_editor, -1)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0013_case_text_pairs_on_postgresql"),
    ]

    operations = [migrations.RunPython(finer, default)]
