"""The statistics of a reader over several streets: every street counted, each street's
petitions read within its own range of ids (a district that merged its streets' databases
keeps each street's ids in a block of their own; one range over all would span them all)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from huiyin.cases import bounds
from huiyin.org.models import RoleGrant
from huiyin.org.roles import Role
from huiyin.petitions.tests.factories import days_ago, register
from huiyin.reports import stats
from huiyin.reports.stats.petitions import bounded_streets
from huiyin.testing import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def street_b(personas):
    st = f.StreetFactory(name="溪桥街道", short_name="溪桥")
    community = f.CommunityFactory(street=st, name="石门社区")
    clerk = f.person(Role.PETITION_CLERK, username="clerk-b", street=st)
    return {"street": st, "community": community, "clerk": clerk}


@pytest.fixture
def district(personas, street_b):
    user = personas[Role.DISTRICT]
    RoleGrant.objects.create(staff=user.staff, role=Role.DISTRICT, street=street_b["street"])
    return user


@pytest.fixture
def period():
    today = bounds.today()
    return stats.Period(today - timedelta(days=99), today)


@pytest.fixture
def petitions(personas, community, street_b):
    """Street A: 3 petitions, street B: 2, registered A, B, A, B, A (ids interleaved)."""
    a_clerk, b_clerk = personas[Role.PETITION_CLERK], street_b["clerk"]
    for index in range(5):
        if index % 2 == 0:
            register(a_clerk, community=community, received_at=days_ago(10 + index))
        else:
            register(b_clerk, community=street_b["community"], received_at=days_ago(10 + index))


def test_a_district_over_two_streets_counts_both_with_a_range_each(
    district, street, street_b, petitions, period
):
    assert bounded_streets(district) == tuple(sorted((street.pk, street_b["street"].pk)))
    with CaptureQueriesContext(connection) as captured:
        figures = stats.compute(period, user=district)
    assert figures["petitions"]["batches"] == 5
    grouped = next(q["sql"] for q in captured.captured_queries if "GROUP BY" in q["sql"])
    # Two streets: a lowest and a highest id for each (four bounds), not one pair.
    assert grouped.upper().count("MIN(") == 2
    assert grouped.upper().count("MAX(") == 2


def test_each_street_alone_counts_its_own(personas, district, street, street_b, petitions, period):
    clerk_a, clerk_b = personas[Role.PETITION_CLERK], street_b["clerk"]
    assert bounded_streets(clerk_a) == ()
    assert stats.compute(period, user=clerk_a)["petitions"]["batches"] == 3
    assert stats.compute(period, user=clerk_b)["petitions"]["batches"] == 2
    # The dashboard's breakdowns of the same reader add up to the same petitions.
    rows = stats.per_community(period, user=district)
    assert sum(row["batches"] for row in rows) == 5


def test_a_street_with_nothing_in_the_period_leaves_the_others_counted(
    personas, district, community, street_b, period
):
    register(personas[Role.PETITION_CLERK], community=community, received_at=days_ago(3))
    register(personas[Role.PETITION_CLERK], community=community, received_at=days_ago(300))
    assert stats.compute(period, user=district)["petitions"]["batches"] == 1


def test_the_replies_of_a_district_are_counted_within_each_street_s_range(
    personas, district, community, unit, street_b, petitions, period
):
    from huiyin.petitions.tests.factories import bring_to

    replied = register(personas[Role.PETITION_CLERK], community=community, received_at=days_ago(4))
    bring_to(replied, "replied", personas, unit=unit)
    with CaptureQueriesContext(connection) as captured:
        figures = stats.compute(period, user=district)
    assert figures["replies"]["written"] == 1
    assert figures["petitions"]["batches"] == 6
    # The replies are counted in the petitions' grouped aggregate, no query of their own,
    # which reads the petitions by key within each street's ids.
    assert not any('"written"' in q["sql"] for q in captured.captured_queries)
    grouped = next(q["sql"] for q in captured.captured_queries if '"g_reply"' in q["sql"])
    assert grouped.upper().count("MIN(") == 2
