"""Text search over cases: a bigram index kept beside every case.

Chinese has no spaces between words, and most words people search for have two characters
(噪声, 拆迁, 工资), so a word index or a trigram index cannot find them. Huiyin cuts each
case's number, title and description into runs of letters and digits (punctuation and spaces
end a run), lower-cased, and stores every run's overlapping character pairs plus its last
character in :class:`~huiyin.cases.models.CaseSearch` ("翠微园漏水" → 翠微 微园 园漏 漏水 水).
SQLite indexes that column with FTS5 (external content, kept in step by triggers); on
PostgreSQL the column is a ``tsvector`` with a GIN index. Both are made by migration
``cases/0007_case_search``.

A search asks the index for the cases holding every pair of the text (a lone character: any
gram starting with it, which is why each run's last character is stored too). Unless the
text is one or two Chinese characters or digits — where holding the pairs is the answer —
the usual substring test confirms each candidate, so the index narrows and never decides.

Every write of a case's text goes through :func:`refresh` (``Case.save()``,
``cases.services.update_case``) or writes the grams itself in bulk (the ledger import, which
calls :func:`grams_of`). ``huiyin rebuild-search-index`` recomputes them all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import repeat
from operator import add

from django.db import connection, connections, models
from django.db.models import F, Func, Q
from django.db.models.expressions import RawSQL
from django.db.models.lookups import In

#: Cases per batch when the grams are recomputed.
BATCH = 2000


class GramsField(models.TextField):
    """The grams, space-separated: ``text`` on SQLite (indexed by its FTS5 table), a
    ``tsvector`` on PostgreSQL (its own GIN index; read back in tsvector notation). A gram
    holds letters and digits only, so the text is a valid tsvector as it stands."""

    def db_type(self, connection) -> str:
        return "tsvector" if connection.vendor == "postgresql" else super().db_type(connection)


# Letters and digits (str.isalnum(): every script, full-width forms included); anything
# else, the underscore too, ends a run.
_RUN = re.compile(r"[^\W_]+")
_NONE = repeat(None)


def _runs(text: str) -> list[str]:
    """Runs of letters and digits, lower-cased; anything else separates them."""
    return _RUN.findall(text.lower())


def _plain(char: str) -> bool:
    return "0" <= char <= "9" or "\u4e00" <= char <= "\u9fff"


def grams_of(*texts: str | None) -> str:
    """The grams of these texts, distinct, space-separated (what ``CaseSearch.grams`` holds):
    each run's pairs of neighbouring characters, then its last character."""
    grams: dict[str, None] = {}
    for text in texts:
        if text:
            for run in _RUN.findall(text.lower()):
                grams.update(zip(map(add, run, run[1:]), _NONE, strict=False))  # pairs, in C
                grams[run[-1]] = None
    return " ".join(grams)


def case_grams(case) -> str:
    """The grams of a case: its number, title and description."""
    return grams_of(case.number, case.title, case.description)


class Query:
    """A search text turned into index terms: every pair of each run; a lone character as a
    prefix. ``exact`` when the index alone answers the substring question."""

    def __init__(self, text: str):
        self.text = text
        runs = _runs(text)
        self.pairs: list[str] = []
        self.prefixes: list[str] = []
        for run in runs:
            if len(run) == 1:
                self.prefixes.append(run)
            else:
                self.pairs.extend(dict.fromkeys(run[i : i + 2] for i in range(len(run) - 1)))
        # One or two Chinese characters or digits: the index is the answer. Not for letters
        # (the database's case-insensitive test may fold more than lower() does) or rarer
        # characters (where another tokenizer might draw the runs differently).
        self.exact = 0 < len(text) <= 2 and all(_plain(char) for char in text)

    @property
    def usable(self) -> bool:
        return bool(self.pairs or self.prefixes)

    def fts5(self) -> str:
        """An FTS5 MATCH expression (terms are letters and digits only: nothing to escape)."""
        terms = [f'"{pair}"' for pair in self.pairs] + [f'"{p}"*' for p in self.prefixes]
        return " AND ".join(terms)

    def tsquery(self) -> str:
        """A ``tsquery`` literal of the same terms."""
        terms = [f"'{pair}'" for pair in self.pairs] + [f"'{p}':*" for p in self.prefixes]
        return " & ".join(terms)


#: SQLite: walk the list's order rather than fetch every hit when hits² exceed this times
#: the rows wanted times the cases (a walk reads about rows wanted × cases / hits index
#: entries at a fraction of the cost of fetching and sorting one hit; bench/README.md).
WALK_FACTOR = 0.15

_HITS = "SELECT rowid FROM cases_casesearch_fts WHERE cases_casesearch_fts MATCH %s"


class _Unindexed(Func):
    """``+column``: SQLite then uses no index for the condition on it (the query planner's
    documented way to steer it), and tests it row by row."""

    template = "+%(expressions)s"
    output_field = models.IntegerField()


def matching(
    text: str, *, vendor: str | None = None, first: int | None = None
) -> tuple[Q | None, bool]:
    """A condition on Case rows from the index for `text`, and whether it is exact.

    ``(None, False)``: the caller uses the substring test alone — when the text holds no
    letter or digit, or (below) when that is the cheaper way. `first`: the caller reads only
    that many rows in an indexed order and filters on nothing else. The databases otherwise
    start from the index's hits, fetching and sorting every one of them. SQLite, for a common
    word, then walks the order instead, testing each row against the hits (counted first),
    and stops after `first` of them. PostgreSQL walks the order with the substring test alone
    when a sample of the cases says the text is common: reading a case's row in the list's
    order costs less than a visit to a hit's grams row, and its planner would take a phrase's
    pairs for independent (彩钢 and 钢房 in 2.5 % of cases each, so 彩钢房 in 0.06 %, when it is
    in 2.5 %) and fetch and sort every hit.
    """
    query = Query(text)
    if not query.usable:
        return None, False
    vendor = vendor or connection.vendor
    if first is not None and vendor == "postgresql" and _common(text):
        return None, False
    if vendor == "sqlite":
        params = [query.fts5()]
        # Fixed SQL; the search text goes in as a parameter only.
        hits = RawSQL(_HITS, params)  # noqa: S611
        if first is not None and _many_hits(params[0], first):
            return Q(In(_Unindexed(F("pk")), hits)), query.exact
        return Q(pk__in=hits), query.exact
    sql = "SELECT case_id FROM cases_casesearch WHERE grams @@ %s::tsquery"
    return Q(pk__in=RawSQL(sql, [query.tsquery()])), query.exact  # noqa: S611


#: PostgreSQL: a search is read by walking the list's order with the substring test when at
#: least this share of a sample of the cases holds the text (the walk then finds its first
#: 1,001 matches in fewer rows than the index has hits; bench/README.md) ...
WALK_SHARE = 0.015
#: ... a sample of about this many cases (whole pages, a fixed choice of them) ...
SAMPLE_ROWS = 5000
#: ... once there are this many cases; below, the hits are few enough to fetch.
SAMPLE_FROM = 100_000


def _common(text: str) -> bool:
    if text.lower() != text.upper():
        return False  # letters: the list compares without case; not sampled
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM cases_case")
        cases = cursor.fetchone()[0] or 0
        if cases < SAMPLE_FROM:
            return False
        pattern = "%" + connection.ops.prep_for_like_query(text) + "%"
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE number LIKE %s OR title LIKE %s "
            "OR description LIKE %s) FROM cases_case TABLESAMPLE SYSTEM (%s) REPEATABLE (1)",
            [pattern, pattern, pattern, min(100.0, 100.0 * SAMPLE_ROWS / cases)],
        )
        sampled, holding = cursor.fetchone()
    return sampled > 0 and holding >= WALK_SHARE * sampled


def _many_hits(expression: str, first: int) -> bool:
    with connection.cursor() as cursor:
        # The FTS5 index counts its hits without reading a row; the highest id stands in for
        # the number of cases.
        cursor.execute(
            "SELECT (SELECT count(*) FROM cases_casesearch_fts "
            "WHERE cases_casesearch_fts MATCH %s), (SELECT max(id) FROM cases_case)",
            [expression],
        )
        hits, cases = cursor.fetchone()
    return hits * hits > WALK_FACTOR * first * (cases or 0)


def refresh(cases: Iterable, *, using: str = "default") -> None:
    """Store the grams of these cases (insert or replace), in the caller's transaction."""
    from huiyin.cases.models import CaseSearch

    rows = [CaseSearch(case_id=case.pk, grams=case_grams(case)) for case in cases]
    if rows:
        CaseSearch.objects.using(using).bulk_create(
            rows,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["case"],
            update_fields=["grams"],
        )


def rebuild(*, using: str = "default", batch: int = BATCH, progress=None) -> int:
    """Recompute the grams of every case (in batches of `batch`); returns how many.

    On SQLite the FTS5 index is then rebuilt from its content table as well.
    """
    from huiyin.cases.models import Case

    done = last = 0
    fields = ("id", "number", "title", "description")
    while True:
        chunk = list(
            Case.objects.using(using).filter(pk__gt=last).order_by("pk").only(*fields)[:batch]
        )
        if not chunk:
            break
        refresh(chunk, using=using)
        last = chunk[-1].pk
        done += len(chunk)
        if progress:
            progress(done)
    if connections[using].vendor == "sqlite":
        with connections[using].cursor() as cursor:
            cursor.execute(
                "INSERT INTO cases_casesearch_fts(cases_casesearch_fts) VALUES ('rebuild')"
            )
    return done
