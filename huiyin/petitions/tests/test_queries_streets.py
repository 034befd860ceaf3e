"""A text search within a period, for a reader of several streets: the period's cases are
tested one by one only while days × streets stay under SCAN_DAYS; beyond, the search index
finds the first matches (counted up to TEXT_MATCH_LIMIT), as for a long period."""

from __future__ import annotations

from datetime import timedelta

import pytest

from huiyin.cases import bounds
from huiyin.org.models import RoleGrant
from huiyin.org.roles import Role
from huiyin.petitions.queries import SCAN_DAYS, TEXT_MATCH_LIMIT, PetitionFilter
from huiyin.testing import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def district(personas):
    st = f.StreetFactory(name="溪桥街道", short_name="溪桥")
    user = personas[Role.DISTRICT]
    RoleGrant.objects.create(staff=user.staff, role=Role.DISTRICT, street=st)
    return user


def _since(days: int) -> dict:
    return {"q": "噪声", "from": (bounds.today() - timedelta(days=days)).isoformat()}


def test_one_street_tests_a_hundred_days_case_by_case(personas):
    found = PetitionFilter(_since(100), personas[Role.PETITION_CLERK])
    assert found.match_limit is None  # every match counted


def test_two_streets_ask_the_index_past_half_the_days(district):
    half = SCAN_DAYS // 2
    assert PetitionFilter(_since(half - 1), district).match_limit is None
    assert PetitionFilter(_since(half + 1), district).match_limit == TEXT_MATCH_LIMIT
    assert PetitionFilter(_since(100), district).match_limit == TEXT_MATCH_LIMIT


def _matter(clerk, community, title: str):
    from huiyin.petitions.tests.factories import register

    return register(clerk, community=community, title=title).case


def test_a_streets_reader_asks_the_index_for_their_streets_cases_alone(personas, community):
    """Another street in the database: the text index is asked for the reader's street's
    cases only (PostgreSQL: its term among the grams), and still finds them."""
    from django.db import connection

    clerk = personas[Role.PETITION_CLERK]
    mine = _matter(clerk, community, "滨河路2号楼顶漏水")
    other = f.StreetFactory(name="溪桥街道", short_name="溪桥")
    listed = PetitionFilter({"q": "滨河路2"}, clerk)
    assert listed._some_streets() == {community.street_id}
    assert list(listed.queryset(paged=True).values_list("pk", flat=True)) == [mine.pk]
    if connection.vendor == "postgresql":
        from huiyin.cases import search

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT grams @@ %s::tsquery, grams @@ %s::tsquery FROM cases_casesearch"
                " WHERE case_id = %s",
                [
                    f"'{search.street_term(community.street_id)}'",
                    f"'{search.street_term(other.pk)}'",
                    mine.pk,
                ],
            )
            assert cursor.fetchone() == (True, False)


def test_a_reader_of_every_street_names_none_to_the_index(personas, community, district):
    clerk = personas[Role.PETITION_CLERK]
    mine = _matter(clerk, community, "滨河路2号楼顶漏水")
    listed = PetitionFilter({"q": "滨河路2"}, district)
    assert listed._some_streets() is None
    assert list(listed.queryset(paged=True).values_list("pk", flat=True)) == [mine.pk]


def test_the_street_term_is_never_a_gram():
    from huiyin.cases import search

    term = search.street_term(17)
    assert term not in search.grams_of(term, "17 §17")
    assert search.Query("滨河路2").tsquery([3, 1]) == "'滨河' & '河路' & '路2' & ('§1' | '§3')"
