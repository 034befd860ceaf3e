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

PostgreSQL also indexes the pairs on the cases' table itself (``case_text_pairs``, migration
``cases/0013``; every kind but petitions), so that a list someone sees only part of — a
community worker's — finds a text's cases beside the place conditions of ``visible_to``
instead of visiting every hit in the street (see :func:`matching`).

Every write of a case's text goes through :func:`refresh` (``Case.save()``,
``cases.services.update_case``) or writes the grams itself in bulk (the ledger import, which
calls :func:`grams_of`). ``huiyin rebuild-search-index`` recomputes them all.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from itertools import repeat
from operator import add

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connection, connections, models, transaction
from django.db.models import F, Func, Q
from django.db.models.expressions import RawSQL
from django.db.models.lookups import In

from huiyin.cases.bounds import ID_SPAN

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
        """An FTS5 MATCH expression (terms are letters and digits only: nothing to escape).

        With pairs to go on, a lone character is left to the substring test that confirms
        such a text anyway (it is never ``exact``): as a prefix it merges every gram it starts
        — 调 in 调解, 调查, 协调… — which cost a partial case number (调〔2025〕004) at a
        million cases 93 ms of FTS5 for 150 hits, against 15 ms for 324 without it.
        """
        terms = [f'"{pair}"' for pair in self.pairs]
        if not terms:
            terms = [f'"{p}"*' for p in self.prefixes]
        return " AND ".join(terms)

    def tsquery(
        self, streets: Iterable[int] | None = None, everywhere: Collection[str] = ()
    ) -> str:
        """A ``tsquery`` literal of the same terms; with `streets`, only those streets' cases
        (their terms, migration ``cases/0019``).

        `everywhere`: pairs that nearly every case holds (:func:`everywhere`), left out when
        the text is not exact and keeps another pair. They narrow nothing, and GIN reads each
        one's posting tree of millions of entries to intersect it: 〔2025〕0042's 20 and 02
        took 119 ms of a street's 10 million cases, its other pairs 50 (bench/README.md).
        The substring test that confirms an inexact text's hits still holds them.
        """
        pairs = self.pairs
        if not self.exact and everywhere:
            rarer = [pair for pair in pairs if pair not in everywhere]
            pairs = rarer or pairs
        terms = [f"'{pair}'" for pair in pairs] + [f"'{p}':*" for p in self.prefixes]
        if streets:
            terms.append("(" + " | ".join(f"'{street_term(s)}'" for s in sorted(streets)) + ")")
        return " & ".join(terms)


#: PostgreSQL: what starts the term of a case's street among its grams (never in a gram,
#: which holds letters and digits only).
STREET_MARK = "§"


def street_term(street_id: int) -> str:
    """The term of a street among its cases' grams on PostgreSQL (migration ``cases/0019``)."""
    return f"{STREET_MARK}{int(street_id)}"


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
    text: str,
    *,
    vendor: str | None = None,
    first: int | None = None,
    within: models.QuerySet | None = None,
    kind: str | None = None,
    streets: Iterable[int] | None = None,
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

    `within` (with `first`): the cases the list holds before the text — one `kind`, as its
    reader sees them (``visible_to``). On PostgreSQL, for a kind in the pairs index, the
    sample then reads the text in those cases and in the kind's (:func:`_walk_the_list`):
    a street-wide list holding it often walks its order as above; a community worker's list,
    which the database reads whole from the community's index (cases of every kind) or
    walks past every other community's cases, and a rarer text, get the pairs index on the
    cases' table, which the database intersects with the place's index, reading from the
    table only the cases that hold the text. A grid's few cases and a common word keep the
    substring test.

    `streets`: the list holds only these streets' cases (a street's reader where a district's
    streets share the database). On PostgreSQL the grams index then keeps their hits alone
    rather than every street's, each of which the list would read to leave out.
    """
    query = Query(text)
    if not query.usable:
        return None, False
    vendor = vendor or connection.vendor
    if first is not None and vendor == "postgresql":
        if (
            within is not None
            and kind is not None
            and kind not in UNPAIRED_KINDS
            and _pairable(text)
        ):
            if _walk_the_list(text, within, kind, first):
                return None, False
            return Q(_HoldsPairs(text)), len(text) == 2
        if _common(text):
            return None, False
    if vendor == "sqlite":
        params = [query.fts5()]
        # Fixed SQL; the search text goes in as a parameter only.
        hits = RawSQL(_HITS, params)  # noqa: S611
        if first is not None and _many_hits(params[0], first):
            return Q(In(_Unindexed(F("pk")), hits)), query.exact
        return Q(pk__in=hits), query.exact
    sql = "SELECT case_id FROM cases_casesearch WHERE grams @@ %s::tsquery"
    terms = query.tsquery(streets, everywhere())
    return Q(pk__in=RawSQL(sql, [terms])), query.exact  # noqa: S611


#: PostgreSQL: a pair held by at least this share of the cases is left out of an inexact
#: search's index terms (:meth:`Query.tsquery`).
EVERYWHERE_SHARE = 0.5


def everywhere(using: str = "default") -> frozenset[str]:
    """PostgreSQL: the pairs that at least :data:`EVERYWHERE_SHARE` of the cases hold, from
    ``ANALYZE``'s most common elements of the grams (``pg_stats``: the year's digits of every
    case number, a street's name, words every description uses). Empty elsewhere, before the
    first ``ANALYZE``, and while the table is small (its sample then says little).

    Read at each search (one row of the catalogue, about 1 ms at ten million cases), not kept: a
    kept answer would be stale after the next ``ANALYZE`` and give a process's first search
    one query more than the next."""
    pairs: frozenset[str] = frozenset()
    if connections[using].vendor == "postgresql":
        with connections[using].cursor() as cursor:
            cursor.execute(
                "SELECT most_common_elems::text::text[], most_common_elem_freqs, "
                "(SELECT reltuples FROM pg_class WHERE oid = 'cases_casesearch'::regclass) "
                "FROM pg_stats WHERE tablename = 'cases_casesearch' AND attname = 'grams' "
                "AND schemaname = current_schema()"
            )
            row = cursor.fetchone()
        if row and row[0] and (row[2] or 0) >= SAMPLE_FROM:
            # The frequencies list the elements' in order, then three figures of its own.
            pairs = frozenset(
                element
                for element, share in zip(row[0], row[1], strict=False)
                if share >= EVERYWHERE_SHARE and len(element) == 2
            )
    return pairs


#: PostgreSQL: a search is read by walking the list's order with the substring test when at
#: least this share of a sample of the cases holds the text (the walk then finds its first
#: 1,001 matches in fewer rows than the index has hits; bench/README.md) ...
WALK_SHARE = 0.015
#: ... a sample of about this many cases (whole pages, a fixed choice of them) ...
SAMPLE_ROWS = 5000
#: ... once there are this many cases; below, the hits are few enough to fetch.
SAMPLE_FROM = 100_000


#: PostgreSQL: the kinds whose cases are not in the pairs index (migration cases/0013): the
#: ledger import writes petitions 100,000 at a time against a time limit that a second text
#: index over each would break, and petitions are read street-wide, where the walk serves.
UNPAIRED_KINDS = frozenset({"petition"})
#: PostgreSQL, a list's first matches: a list holding at least this share of the kind's cases
#: (not withdrawn) is wide (street-wide); a narrower one is read from the place's index ...
WIDE_LIST = 0.5
#: ... and a wide one walks its order rather than read the pairs index when its matches,
#: squared, exceed this times the rows wanted times the kind's cases (a walk reads about rows
#: wanted × cases of the kind / matches rows; the index reads every match and sorts them).
PAIRS_WALK_FACTOR = 0.5


def _pairable(text: str) -> bool:
    """Whether the pairs index can answer `text`: two characters or more, none with a case
    (the list compares letters without case; the pairs keep it), no newline (it joins the
    three fields in the index) nor the unit separator (it cuts the pairs)."""
    return (
        len(text) >= 2 and text.lower() == text.upper() and "\n" not in text and "\x1f" not in text
    )


class _HoldsPairs(Func):
    """``case_text_pairs(number, title, description) @> ARRAY[…]``: the case's text holds
    every pair of neighbouring characters of the search text (the index's own expression, so
    PostgreSQL answers it from the index). Exact for a text of two characters."""

    template = "case_text_pairs(%(expressions)s) @> %(pairs)s::text[]"
    output_field = models.BooleanField()

    def __init__(self, text: str):
        super().__init__(F("number"), F("title"), F("description"))
        self.pairs = list(dict.fromkeys(text[i : i + 2] for i in range(len(text) - 1)))

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = super().as_sql(compiler, connection, pairs="%s", **extra_context)
        return sql, (*params, self.pairs)


#: The highest id stands in for the number of cases; once they are partitioned by year its
#: last digits are the counter (huiyin.ops.case_partitions).
_HIGHEST_ID = f"SELECT mod(max(id), {ID_SPAN}) FROM cases_case"  # noqa: S608 - a constant


def _walk_the_list(text: str, within: models.QuerySet, kind: str, first: int) -> bool:
    """Whether to read the list `within` (cases of `kind`) with the substring test alone rather
    than from the pairs index, by a sample of the cases.

    A list of most of the kind (street-wide) walks its order when it holds the text often
    enough to find the `first` matches sooner than the index reads them all. A list of part of
    the kind (a community's, a grid's) is read from its place's index by the database, row by
    row, so it keeps that way only when the kind holds the text in more cases than the list has
    (a grid's few cases and a common word): the pairs index reads at most the kind's matches.
    """
    with connection.cursor() as cursor:
        cursor.execute(_HIGHEST_ID)
        cases = cursor.fetchone()[0] or 0
    if cases < SAMPLE_FROM:
        return False  # few cases: the index's hits are few enough to fetch
    where = _where(within)
    if where is None:
        return _common(text)  # a list the sample cannot read: the whole table's share
    condition, params = where
    likes = ["%" + connection.ops.prep_for_like_query(text) + "%"] * 3
    holds = "(number LIKE %s OR title LIKE %s OR description LIKE %s)"
    of_kind = "kind = %s AND NOT withdrawn"
    with connection.cursor() as cursor:
        # Fixed SQL around the list's own compiled condition; the values go in as parameters.
        cursor.execute(
            f"SELECT count(*), count(*) FILTER (WHERE {of_kind}), "  # noqa: S608
            f"count(*) FILTER (WHERE {of_kind} AND {holds}), "
            f"count(*) FILTER (WHERE {condition}), "
            f"count(*) FILTER (WHERE ({condition}) AND {holds}) "
            "FROM cases_case TABLESAMPLE SYSTEM (%s) REPEATABLE (1)",
            [kind, kind, *likes, *params, *params, *likes, min(100.0, 100.0 * SAMPLE_ROWS / cases)],
        )
        sampled, kind_cases, kind_matches, listed, matches = cursor.fetchone()
    if not sampled:
        return False
    if listed < WIDE_LIST * kind_cases:
        return kind_matches > listed
    # Scaled to the table: matches² > factor × first × cases of the kind.
    scale = cases / sampled
    return (matches * scale) ** 2 > PAIRS_WALK_FACTOR * first * kind_cases * scale


def _where(rows: models.QuerySet) -> tuple[str, list] | None:
    """The SQL condition of a queryset of cases that reads no other table in its FROM clause
    (its subqueries may), for a query over ``cases_case`` itself; None otherwise."""
    from huiyin.cases.models import Case

    query = rows.query
    table = Case._meta.db_table
    # Joins that the query trimmed (a foreign key's own column was enough) stay in its alias
    # map with no reference.
    joined = [alias for alias, refs in query.alias_refcount.items() if refs and alias != table]
    if rows.model is not Case or joined or table not in query.alias_map:
        return None
    compiler = query.get_compiler(connection=connection)
    try:
        sql, params = compiler.compile(query.where)
    except FullResultSet:
        return "TRUE", []
    except EmptyResultSet:
        return "FALSE", []
    return sql, list(params)


def _common(text: str) -> bool:
    if text.lower() != text.upper():
        return False  # letters: the list compares without case; not sampled
    with connection.cursor() as cursor:
        cursor.execute(_HIGHEST_ID)
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


#: Cases per statement of :func:`refresh` (two parameters each: within SQLite's 999).
REFRESH_BATCH = 400


def refresh(cases: Iterable, *, using: str = "default") -> None:
    """Store the grams of these cases (insert or replace), in the caller's transaction.

    The statement ``bulk_create(update_conflicts=True)`` made, written out: building it
    through the ORM cost a registration about 0.2 ms more (0.29 → 0.10 ms a case, inside
    its transaction).
    """
    from huiyin.cases.models import CaseSearch

    rows = [(case.pk, case_grams(case)) for case in cases]
    if not rows:
        return
    db = connections[using]
    quote = db.ops.quote_name
    table = quote(CaseSearch._meta.db_table)
    case, grams = quote("case_id"), quote("grams")
    with transaction.atomic(using=using, savepoint=False), db.cursor() as cursor:
        for start in range(0, len(rows), REFRESH_BATCH):
            batch = rows[start : start + REFRESH_BATCH]
            values = ", ".join(["(%s, %s)"] * len(batch))
            # Fixed SQL; the ids and grams go in as parameters only.
            cursor.execute(
                f"INSERT INTO {table} ({case}, {grams}) VALUES {values} "  # noqa: S608
                f"ON CONFLICT ({case}) DO UPDATE SET {grams} = EXCLUDED.{grams}",
                [value for row in batch for value in row],
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
