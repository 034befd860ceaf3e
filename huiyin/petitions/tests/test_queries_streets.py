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
