"""/api/v1/stats?community=|grid=|unit=: the place is looked up in the caller's streets only.
An id of another street's place answers exactly as an id that does not exist, so a caller
cannot tell which ids another street holds; the caller's own places, and those of every street
the caller holds (the district officer), are counted as before."""

from __future__ import annotations

from datetime import timedelta

import pytest

from huiyin.api.tests.conftest import problem
from huiyin.cases import bounds
from huiyin.org.models import Community, Grid, RoleGrant, Unit
from huiyin.org.roles import Role
from huiyin.testing import factories as f

pytestmark = pytest.mark.django_db

STATS = "/api/v1/stats"
WIDE = {
    "from": (bounds.today() - timedelta(days=60)).isoformat(),
    "to": bounds.today().isoformat(),
}
PLACES = ("community", "grid", "unit")


@pytest.fixture
def street_b(personas):
    """The second street, made after street A's personas (whose whole-street grants are A's)."""
    st = f.StreetFactory(name="溪桥街道", short_name="溪桥")
    community = f.CommunityFactory(street=st, name="石门社区")
    grid = f.GridFactory(community=community, name="第1网格")
    unit = f.UnitFactory(street=st, name="溪桥城建办")
    return {"street": st, "community": community, "grid": grid, "unit": unit}


def _missing_id(model) -> int:
    """An id no row of `model` has."""
    return (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000


def _refusal(response) -> dict:
    assert response.status_code == 422, response.content[:300]
    data = problem(response)
    data.pop("instance", None)  # the address asked, which names the id
    return data


@pytest.mark.parametrize("place", PLACES)
def test_another_streets_place_answers_as_a_place_that_does_not_exist(
    call, personas, street_b, place
):
    leader = personas[Role.LEADER]
    model = {"community": Community, "grid": Grid, "unit": Unit}[place]
    theirs = call(leader, "get", STATS, **{place: street_b[place].pk}, **WIDE)
    missing = call(leader, "get", STATS, **{place: _missing_id(model)}, **WIDE)
    assert _refusal(theirs) == _refusal(missing)
    assert [e["field"] for e in _refusal(theirs)["errors"]] == [place]


def test_the_callers_own_places_are_counted(call, personas, community, grid, unit, street_b):
    leader = personas[Role.LEADER]
    for place, row in (("community", community), ("grid", grid), ("unit", unit)):
        response = call(leader, "get", STATS, **{place: row.pk}, **WIDE)
        assert response.status_code == 200, response.content[:300]
        assert response.json()["scope"][place] == row.pk


def test_the_district_officer_reads_both_streets_places_and_a_narrowed_call_only_one(
    call, personas, street_b
):
    district = personas[Role.DISTRICT]
    RoleGrant.objects.create(staff=district.staff, role=Role.DISTRICT, street=street_b["street"])
    theirs = street_b["community"].pk
    response = call(district, "get", STATS, community=theirs, **WIDE)
    assert response.status_code == 200, response.content[:300]
    street_a = personas[Role.LEADER].staff.grants.first().street_id
    narrowed = call(district, "get", STATS, community=theirs, street=street_a, **WIDE)
    errors = _refusal(narrowed)["errors"]
    assert [(e["field"], e["detail"]) for e in errors] == [("community", "No such record.")]


def test_a_community_worker_of_one_street_cannot_probe_another(call, personas, street_b):
    worker = personas[Role.COMMUNITY_WORKER]
    response = call(worker, "get", STATS, unit=street_b["unit"].pk, **WIDE)
    assert response.status_code in (403, 422)
    problem(response)


@pytest.mark.parametrize("value", ["0", "-1", "abc", "9" * 40])
def test_bad_ids_are_field_errors(call, personas, value):
    response = call(personas[Role.LEADER], "get", STATS, community=value, **WIDE)
    assert response.status_code == 422
    problem(response)
