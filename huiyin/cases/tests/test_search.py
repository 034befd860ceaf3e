"""The bigram search index: what it stores, that it never loses a match, that it follows edits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huiyin.cases import search
from huiyin.cases.models import Case, CaseSearch
from huiyin.cases.services import update_case
from huiyin.cases.tests.factories import make_case
from huiyin.org.roles import Role


def found(text: str, *, among=None) -> set[int]:
    """Ids of the cases the index alone returns for `text`, then confirmed as the list does."""
    condition, exact = search.matching(text)
    assert condition is not None
    cases = Case.objects.filter(condition)
    if among is not None:
        cases = cases.filter(pk__in=[c.pk for c in among])
    return set(cases.values_list("pk", flat=True))


# --------------------------------------------------------------------------- grams


def test_grams_are_pairs_of_each_run_and_its_last_character():
    assert search.grams_of("翠微园漏水").split() == ["翠微", "微园", "园漏", "漏水", "水"]
    # Punctuation and spaces end a run; letters are lower-cased; repeats are stored once.
    assert search.grams_of("浓洄信〔2026〕0042号").split() == [
        "浓洄", "洄信", "信", "20", "02", "26", "6", "00", "04", "42", "2号", "号",
    ]  # fmt: skip
    assert search.grams_of("A-b", "ab ab") == "a b ab"
    assert search.grams_of("", None, "，。") == ""


def test_a_query_is_exact_only_when_the_index_alone_answers():
    assert search.Query("噪声").exact
    assert search.Query("噪").exact
    assert not search.Query("噪声扰民").exact  # pairs may be far apart: confirm
    assert not search.Query("噪声 扰民").exact
    assert not search.Query("AB").exact  # the database folds case its own way: confirm
    assert not search.Query("²").exact
    assert search.Query("42").exact
    assert not search.Query("，。").usable


def test_a_lone_character_beside_pairs_is_left_to_the_substring_test():
    query = search.Query("调〔2025〕004")
    assert not query.exact
    assert query.fts5() == '"20" AND "02" AND "25" AND "00" AND "04"'
    assert search.Query("漏 水").fts5() == '"漏"* AND "水"*'


# Characters a ledger's text holds: Chinese, digits, Latin, full-width, punctuation, spaces.
ALPHABET = "噪声扰民翠微园漏水拆迁工资信访一二三0123456789AaBbZzＡｂ１２ 　，。、〔〕-()（）"


@given(st.text(alphabet=ALPHABET, min_size=1, max_size=40), st.data())
def test_every_substring_finds_the_text_it_came_from(text, data):
    """What makes the index safe to narrow with: each term of a substring is a gram of the
    text (or, for a lone character, the start of one)."""
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    query = search.Query(text[start:end])
    grams = set(search.grams_of(text).split())
    assert set(query.pairs) <= grams
    for prefix in query.prefixes:
        assert any(gram.startswith(prefix) for gram in grams)


# --------------------------------------------------------------------------- the index


@pytest.mark.django_db
def test_the_index_finds_words_anywhere_in_number_title_and_description():
    noise = make_case(title="反映噪声扰民", description="")
    leak = make_case(title="反映房屋漏水", description="翠微园3号楼顶层漏水，物业不修")
    wages = make_case(title="拖欠工资", description="工资拖欠半年")
    among = [noise, leak, wages]
    assert found("噪声", among=among) == {noise.pk}
    assert found("漏水", among=among) == {leak.pk}
    assert found("水", among=among) == {leak.pk}  # last character of its run
    assert found("翠", among=among) == {leak.pk}  # first character
    assert found(wages.number[-5:], among=among) >= {wages.pk}
    assert found("工资", among=among) == {wages.pk}


@pytest.mark.django_db
def test_part_of_a_number_with_its_kind_letter_finds_that_number_only(personas, community):
    """The kind letter beside the year is left to the substring test: the list still tells
    a petition's number from a title holding the same digits."""
    from huiyin.petitions.queries import PetitionFilter

    clerk = personas[Role.PETITION_CLERK]
    wanted = make_case(title="反映噪声", description="", community=community)
    letter = wanted.number[len(wanted.number) - len("信〔2026〕0042号")]
    part = wanted.number[wanted.number.index(letter) : -1]  # 信〔2026〕0001, say
    digits = part[1:]
    lookalike = make_case(title=f"抄送{digits}", description="", community=community)
    assert {wanted.pk, lookalike.pk} <= found(part)  # the index alone: both hold the pairs
    cases = PetitionFilter({"q": part}, clerk).queryset()
    assert wanted.pk in set(cases.values_list("pk", flat=True))
    assert lookalike.pk not in set(cases.values_list("pk", flat=True))


@pytest.mark.django_db
def test_the_list_confirms_what_the_index_only_suggests(personas, community):
    """Every pair of 翠微园漏 is in the text, but not together: not a match."""
    from huiyin.petitions.queries import PetitionFilter

    clerk = personas[Role.PETITION_CLERK]
    scattered = make_case(title="翠微园里", description="园漏一处，微园二字", community=community)
    together = make_case(title="翠微园漏水", description="", community=community)
    condition, exact = search.matching("翠微园漏")
    assert not exact
    assert {scattered.pk, together.pk} <= found("翠微园漏")  # the index alone: both
    cases = PetitionFilter({"q": "翠微园漏"}, clerk).queryset()
    assert set(cases.values_list("pk", flat=True)) == {together.pk}
    # Within a short period the list tests each case of the period instead: the same rows.
    today = timezone.localdate()
    for days in (30, 400):
        start = (today - timedelta(days=days)).isoformat()
        cases = PetitionFilter({"q": "翠微园漏", "from": start}, clerk).queryset()
        assert set(cases.values_list("pk", flat=True)) == {together.pk}, days
    # A two-character word is answered by the index alone, with the same rows as a scan.
    cases = PetitionFilter({"q": "园漏"}, clerk).queryset()
    assert set(cases.values_list("pk", flat=True)) == {scattered.pk, together.pk}


@pytest.mark.django_db
def test_the_grams_follow_an_edit_and_leave_with_the_case():
    case = make_case(title="道路破损")
    assert found("破损", among=[case]) == {case.pk}
    case.title = "路灯不亮"
    case.save(update_fields=["title"])
    assert found("路灯", among=[case]) == {case.pk}
    assert found("破损", among=[case]) == set()
    pk = case.pk
    case.delete()
    assert not CaseSearch.objects.filter(pk=pk).exists()
    assert pk not in found("路灯")


@pytest.mark.django_db
def test_update_case_refreshes_the_grams(personas, community):
    case = make_case(title="燃气安全", community=community)
    update_case(case, actor=personas[Role.PETITION_CLERK], version=1, description="管道锈蚀")
    assert found("锈蚀", among=[case]) == {case.pk}
    assert found("燃气", among=[case]) == {case.pk}


@pytest.mark.django_db
def test_rebuild_recomputes_lost_grams():
    case = make_case(title="电梯故障")
    CaseSearch.objects.filter(pk=case.pk).update(grams="")
    if connection.vendor == "sqlite":
        # The update trigger kept the FTS table in step: the word is gone from the index too.
        assert found("电梯", among=[case]) == set()
    assert search.rebuild() >= 1
    assert found("电梯", among=[case]) == {case.pk}


@pytest.mark.django_db
def test_refresh_writes_and_replaces_in_batches(monkeypatch):
    monkeypatch.setattr(search, "REFRESH_BATCH", 2)
    cases = [make_case(title=title) for title in ("电梯故障", "路灯不亮", "噪声扰民")]
    CaseSearch.objects.filter(pk__in=[c.pk for c in cases[:2]]).delete()  # two new, one kept
    cases[2].title = "油烟扰民"
    search.refresh(cases)
    stored = dict(CaseSearch.objects.values_list("case_id", "grams"))
    for case in cases:
        assert found(case.title[:2], among=[case]) == {case.pk}
        if connection.vendor == "sqlite":
            assert stored[case.pk] == search.case_grams(case)
    assert found("噪声", among=cases) == set()


@pytest.mark.django_db
def test_the_command_rebuilds_the_index():
    from io import StringIO

    from django.core.management import call_command

    case = make_case(title="公交线路调整")
    CaseSearch.objects.filter(pk=case.pk).delete()
    assert found("公交", among=[case]) == set()
    out = StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert found("公交", among=[case]) == {case.pk}
    assert "rebuilt" in out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text",
    [
        '"',
        "'",
        '噪"声',
        "a' OR 1=1 --",
        'NEAR("噪" 声) OR *',
        "声:*",
        "a & !b",
        "\\",
        "*",
        "噪 -声",
    ],
)
def test_search_syntax_in_the_text_is_only_text(personas, community, text):
    """Quotes, operators and wildcards of FTS5 or tsquery are never passed as syntax."""
    from huiyin.petitions.queries import PetitionFilter

    plain = make_case(title="噪声扰民", community=community)
    odd = make_case(title=f"记录{text}原文", community=community)
    cases = PetitionFilter({"q": text}, personas[Role.PETITION_CLERK]).queryset()
    found_ids = set(cases.values_list("pk", flat=True))
    assert odd.pk in found_ids  # the text itself is found, as a substring
    # And another case only when the text is part of it.
    assert (plain.pk in found_ids) == (text in plain.title or text in plain.number)


@pytest.mark.django_db
@pytest.mark.parametrize("factor", [0.0, 1e12])  # always walk the order / never
def test_walking_the_order_finds_what_fetching_the_hits_finds(monkeypatch, factor):
    monkeypatch.setattr(search, "WALK_FACTOR", factor)
    noise = [make_case(title=f"反映噪声扰民{i}", description="") for i in range(5)]
    other = make_case(title="拖欠工资", description="噪")
    for text, expected in (("噪声", noise), ("噪", [*noise, other]), ("工资", [other])):
        condition, _exact = search.matching(text, first=3)
        rows = Case.objects.filter(condition).order_by("-id")
        assert list(rows.values_list("pk", flat=True)) == [c.pk for c in expected][::-1]
        # Inside a subquery (Django renames the table) the condition keeps to its own rows.
        outer = Case.objects.filter(pk__in=rows.values("pk")[:2])
        assert set(outer.values_list("pk", flat=True)) == {c.pk for c in expected[::-1][:2]}
    sql = str(Case.objects.filter(search.matching("噪声", first=3)[0]).query)
    walked = connection.vendor == "sqlite" and factor == 0.0
    assert ('+"cases_case"."id" IN' in sql) is walked


@pytest.mark.django_db
@pytest.mark.parametrize("share", [0.0, 2.0])  # always common / never
def test_a_sampled_common_text_is_read_with_the_substring_test_alone(monkeypatch, share):
    monkeypatch.setattr(search, "SAMPLE_FROM", 0)
    monkeypatch.setattr(search, "WALK_SHARE", share)
    phrase = [make_case(title=f"楼顶搭建彩钢房{i}", description="") for i in range(4)]
    apart = make_case(title="彩钢瓦", description="钢房")  # both pairs, not the phrase
    make_case(title="拖欠工资", description="")
    walked = connection.vendor == "postgresql" and share == 0.0
    for text, expected in (("彩钢房", phrase), ("钢房", [*phrase, apart]), ("50%_", [])):
        condition, exact = search.matching(text, first=3)
        assert (condition is None) is walked
        if condition is None:  # the list then tests the substring alone
            condition = Q(title__contains=text) | Q(description__contains=text)
        elif not exact:
            condition &= Q(title__contains=text) | Q(description__contains=text)
        ids = set(Case.objects.filter(condition).values_list("pk", flat=True))
        assert ids == {case.pk for case in expected}
    # Without `first` (an export) the index is asked whatever the sample says.
    assert search.matching("彩钢房")[0] is not None


# --------------------------------------------------------------------------- PostgreSQL's pairs


def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the pairs index is PostgreSQL's (SQLite keeps its FTS5 index)")


@pytest.mark.django_db
def test_the_pairs_index_is_postgresqls_alone_and_leaves_petitions_out():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'case_text_pairs'")
            (definition,) = cursor.fetchone()
            assert "USING gin (case_text_pairs(" in definition
            assert "<> 'petition'" in definition
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'case_text_pairs'")
            assert cursor.fetchone() is None


@pytest.mark.django_db
@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(alphabet=ALPHABET + "\n", max_size=30), min_size=3, max_size=3))
def test_the_pairs_of_a_case_hold_every_pair_of_its_three_texts(texts):
    """What makes the pairs index safe: a text inside the number, title or description has
    every one of its pairs among the case's pairs."""
    _postgresql_only()
    with connection.cursor() as cursor:
        cursor.execute("SELECT case_text_pairs(%s, %s, %s)", texts)
        (pairs,) = cursor.fetchone()
    for text in texts:
        assert {text[i : i + 2] for i in range(len(text) - 1)} <= set(pairs)


def _substring(text: str) -> Q:
    return Q(number__contains=text) | Q(title__contains=text) | Q(description__contains=text)


@pytest.fixture
def labour_cases(community, other_community):
    """Disputes of two communities (and a petition) with a word in every place it can be."""
    from huiyin.cases.kinds import Kind

    def dispute(place, **texts):
        return make_case(kind=Kind.DISPUTE, community=place, **texts)

    return [
        dispute(community, title="拖欠工资", description=""),
        dispute(community, title="劳动争议", description="工资拖欠半年，要求结清工资"),
        dispute(community, title="工", description="资"),  # across two fields: not the word
        dispute(community, title="讨薪", description="工地拖欠工人报酬"),  # both characters
        dispute(community, title="工资〔2025〕", description="欠薪（工资）、加班费"),
        dispute(other_community, title="拖欠工资", description="工资"),
        make_case(kind=Kind.PETITION, community=community, title="拖欠工资"),
    ]


TEXTS = [
    "工资",
    "拖欠工资",
    "欠工",
    "工资〔2025〕",
    "（工资）、",
    "2025",
    "工资拖欠半年",
    "资\n",
    "无此内容",
]


@pytest.mark.django_db
@pytest.mark.parametrize("walk", [False, True])
@pytest.mark.parametrize("wide", [False, True])
def test_a_list_finds_with_the_pairs_what_the_substring_finds(
    monkeypatch, labour_cases, community, walk, wide
):
    """A community's disputes (`within`), each text, the pairs index or the walk: the rows of
    the substring test alone, and the walk only for a list holding most of the kind."""
    from huiyin.cases.kinds import Kind

    monkeypatch.setattr(search, "SAMPLE_FROM", 0)  # sample even these few cases
    monkeypatch.setattr(search, "PAIRS_WALK_FACTOR", 0.0 if walk else 1e12)
    monkeypatch.setattr(search, "WIDE_LIST", 0.0 if wide else 2.0)
    within = Case.objects.filter(kind=Kind.DISPUTE, community=community, withdrawn=False)
    ids = [case.pk for case in labour_cases]
    for text in TEXTS:
        expected = set(within.filter(_substring(text)).values_list("pk", flat=True))
        condition, exact = search.matching(text, first=3, within=within, kind=Kind.DISPUTE)
        if connection.vendor == "postgresql" and search._pairable(text):
            # The sample reads every case here: a text in none is never walked for.
            assert (condition is None) is (walk and wide and bool(expected)), text
            if condition is not None:
                assert "case_text_pairs(" in str(within.filter(condition).query)
                assert exact is (len(text) == 2), text
        if condition is None:
            condition = _substring(text)
        elif not exact:
            condition &= _substring(text)
        rows = within.filter(condition)
        assert set(rows.values_list("pk", flat=True)) == expected, text
        # Inside a subquery (Django renames the table) the condition keeps to its own rows.
        outer = Case.objects.filter(pk__in=rows.values("pk")).filter(pk__in=ids)
        assert set(outer.values_list("pk", flat=True)) == expected, text
    # A list of fewer cases than the kind has matches (a grid's, and a common word) is read
    # from its own rows when it is part of the kind; street-wide, the walk's rule decides.
    few = Case.objects.filter(kind=Kind.DISPUTE, pk=labour_cases[0].pk)
    condition, _exact = search.matching("工资", first=3, within=few, kind=Kind.DISPUTE)
    if connection.vendor == "postgresql":
        assert (condition is None) is (walk or not wide)
    # The kinds out of the index (petitions) and an export (no `first`) keep the other paths.
    petitions = Case.objects.filter(kind=Kind.PETITION)
    condition, _exact = search.matching("工资", first=3, within=petitions, kind=Kind.PETITION)
    assert condition is None or "case_text_pairs(" not in str(petitions.filter(condition).query)
    condition, _exact = search.matching("工资", within=within, kind=Kind.DISPUTE)
    assert "case_text_pairs(" not in str(within.filter(condition).query)


@pytest.mark.django_db
def test_a_community_workers_search_reads_the_pairs_index(personas, labour_cases, community):
    """Through the dispute list's own filter: the community's disputes holding the word, the
    condition on the cases' own pairs, which PostgreSQL answers from the index."""
    from huiyin.cases.kinds import Kind
    from huiyin.disputes.views.filters import DisputeFilter

    worker = personas[Role.COMMUNITY_WORKER]
    cases = DisputeFilter({"q": "工资"}, worker).queryset(paged=True)
    expected = Case.objects.filter(kind=Kind.DISPUTE, community=community).filter(
        _substring("工资")
    )
    assert set(cases.values_list("pk", flat=True)) == set(expected.values_list("pk", flat=True))
    assert len(expected) == 3
    if connection.vendor != "postgresql":
        return
    assert "case_text_pairs(" in str(cases.query)
    # Its condition is the index's expression: with every other way off, the index answers it
    # (on a few rows the planner would choose anything otherwise).
    within = Case.objects.filter(kind=Kind.DISPUTE)
    condition, exact = search.matching("工资", first=3, within=within, kind=Kind.DISPUTE)
    assert exact
    sql, params = Case.objects.exclude(kind=Kind.PETITION).filter(condition).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Bitmap Index Scan on case_text_pairs" in plan, plan


# --------------------------------------------------------------------------- pairs every case holds


def test_pairs_every_case_holds_leave_an_inexact_query_but_never_its_last_pair():
    everywhere = frozenset({"20", "02", "号楼"})
    assert search.Query("〔2025〕0042").tsquery(everywhere=everywhere) == (
        "'25' & '00' & '04' & '42'"
    )
    assert search.Query("幸福苑3号楼").tsquery([1], everywhere) == (
        "'幸福' & '福苑' & '苑3' & '3号' & ('§1')"
    )
    # Exact (the index is the answer): every pair stays.
    assert search.Query("20").tsquery(everywhere=everywhere) == "'20'"
    # Nothing rarer to go on: every pair stays.
    assert search.Query("2020").tsquery(everywhere=everywhere) == "'20' & '02'"
    # Without statistics, nothing is left out.
    assert search.Query("〔2025〕0042").tsquery() == "'20' & '02' & '25' & '00' & '04' & '42'"


@pytest.mark.django_db(transaction=True)
def test_the_pairs_every_case_holds_come_from_the_statistics_and_change_no_result(
    monkeypatch, personas, community
):
    """PostgreSQL: after ANALYZE, the year's digits that every number holds are left out of
    the index terms, and the list still finds exactly the case whose text holds the search."""
    from huiyin.petitions.queries import PetitionFilter

    if connection.vendor != "postgresql":
        assert search.everywhere() == frozenset()
        return
    monkeypatch.setattr(search, "SAMPLE_FROM", 0)
    clerk = personas[Role.PETITION_CLERK]
    cases = [make_case(title=f"反映楼道第{n}处破损", community=community) for n in range(12)]
    wanted = cases[0]
    part = wanted.number[wanted.number.index("〔") : -1]  # 〔2026〕0001, say
    lookalike = make_case(title=f"抄送{part[1:5]}{part[6:]}", description="", community=community)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_casesearch")
    held = search.everywhere()
    year = part[1:5]
    assert {year[0:2], year[1:3], "楼道", "破损"} <= held
    terms = search.Query(part).tsquery(everywhere=held)
    assert f"'{year[0:2]}'" not in terms
    # Inexact: the list confirms. The look-alike holds the pairs, not the text.
    listed = set(PetitionFilter({"q": part}, clerk).queryset().values_list("pk", flat=True))
    assert wanted.pk in listed
    assert lookalike.pk not in listed
    assert not (listed - {c.pk for c in cases if part in c.number})
