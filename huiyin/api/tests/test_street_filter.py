"""``?street=<id>``: a token over several streets reads one of them, as the web's street selector.

Street A is the usual test street (a persona per role); street B has its own community, grid,
unit, clerk and matters. The district officer holds both: without the parameter every door
shows both streets, with it one; a street not theirs (existing or not) is refused alike, a bad
value is a field error, and someone of one street may name theirs (nothing changes) only.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from huiyin.api.tests.conftest import problem
from huiyin.cases import bounds
from huiyin.cases.models import Case
from huiyin.org.models import RoleGrant, Street
from huiyin.org.roles import Role
from huiyin.org.street_choice import SESSION_KEY
from huiyin.petitions.tests.factories import petitioner, register
from huiyin.testing import factories as f

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases"
STATS = "/api/v1/stats"
COMMUNITIES = "/api/v1/reference/communities"
#: A period that holds the petitions (received 20 days ago).
WIDE = {
    "from": (bounds.today() - timedelta(days=365)).isoformat(),
    "to": bounds.today().isoformat(),
}


@pytest.fixture
def street_b(personas):
    """The second street, made after street A's personas (whose whole-street grants are A's)."""
    st = f.StreetFactory(name="溪桥街道", short_name="溪桥")
    community = f.CommunityFactory(street=st, name="石门社区")
    grid = f.GridFactory(community=community, name="第1网格")
    unit = f.UnitFactory(street=st, name="溪桥城建办")
    clerk = f.person(Role.PETITION_CLERK, username="clerk-b", street=st)
    return {"street": st, "community": community, "grid": grid, "unit": unit, "clerk": clerk}


@pytest.fixture
def matters(personas, community, street_b):
    """One petition in each street: (A's, B's)."""
    a = register(personas[Role.PETITION_CLERK], community=community, title="甲街小区违建影响采光")
    b = register(street_b["clerk"], community=street_b["community"], title="乙街路口积水")
    return a.case, b.case


@pytest.fixture
def district(personas, street_b):
    """The district officer over both streets."""
    user = personas[Role.DISTRICT]
    RoleGrant.objects.create(staff=user.staff, role=Role.DISTRICT, street=street_b["street"])
    return user


def _numbers(response) -> set[str]:
    assert response.status_code == 200, response.content[:300]
    return {item["number"] for item in response.json()["items"]}


def _community_names(response) -> set[str]:
    assert response.status_code == 200, response.content[:300]
    return {row["name"] for row in response.json()}


def test_cases_list_both_streets_or_the_one_named(call, district, street, street_b, matters):
    a, b = matters
    assert _numbers(call(district, "get", CASES, kind="petition")) == {a.number, b.number}
    only_b = call(district, "get", CASES, kind="petition", street=street_b["street"].pk)
    assert _numbers(only_b) == {b.number}
    only_a = call(district, "get", CASES, kind="petition", street=street.pk)
    assert _numbers(only_a) == {a.number}
    # The other street's case is not opened through the narrowed call either.
    assert call(district, "get", f"{CASES}/{a.pk}", street=street_b["street"].pk).status_code == 404
    assert call(district, "get", f"{CASES}/{b.pk}", street=street_b["street"].pk).status_code == 200


def test_statistics_count_one_street_when_named(call, district, street, street_b, matters):
    both = call(district, "get", STATS, **WIDE)
    assert both.status_code == 200, both.content[:300]
    one = call(district, "get", STATS, street=street_b["street"].pk, **WIDE)
    assert one.status_code == 200, one.content[:300]
    assert both.json()["petitions"]["batches"] == 2
    assert one.json()["petitions"]["batches"] == 1
    other = call(district, "get", STATS, street=street.pk, **WIDE)
    assert other.json()["petitions"]["batches"] == 1


def test_reference_data_of_one_street(call, district, community, street_b):
    both = _community_names(call(district, "get", COMMUNITIES))
    assert both == {community.name, street_b["community"].name}
    named = call(district, "get", COMMUNITIES, street=street_b["street"].pk)
    assert _community_names(named) == {street_b["community"].name}
    grids = call(district, "get", "/api/v1/reference/grids", street=street_b["street"].pk)
    assert [g["id"] for g in grids.json()] == [street_b["grid"].pk]
    units = call(district, "get", "/api/v1/reference/units", street=street_b["street"].pk)
    assert [u["id"] for u in units.json()] == [street_b["unit"].pk]


def test_a_street_not_theirs_is_refused_whether_or_not_it_exists(call, district, street_b, matters):
    third = f.StreetFactory(name="桂花街道", short_name="桂花")
    missing = Street.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000
    answers = []
    for value in (third.pk, missing):
        for path, query in ((CASES, {"kind": "petition"}), (STATS, {}), (COMMUNITIES, {})):
            response = call(district, "get", path, street=value, **query)
            assert response.status_code == 403, (path, value, response.content[:300])
            data = problem(response)
            assert data["type"].endswith("problem-forbidden")
            assert "not one of your streets" in data["detail"]
            answers.append((data["title"], data["detail"]))
    assert len(set(answers)) == 1  # the same answer for a street that exists and one that does not


def test_one_streets_caller_may_name_their_own_street_only(
    call, personas, outsider, street, street_b, matters
):
    a, b = matters
    clerk = personas[Role.PETITION_CLERK]
    plain = _numbers(call(clerk, "get", CASES, kind="petition"))
    assert plain == {a.number}
    assert _numbers(call(clerk, "get", CASES, kind="petition", street=street.pk)) == plain
    refused = call(clerk, "get", CASES, kind="petition", street=street_b["street"].pk)
    assert refused.status_code == 403 and problem(refused)
    # Someone with no role at all names no street either.
    assert call(outsider, "get", COMMUNITIES, street=street.pk).status_code == 403
    assert call(outsider, "get", COMMUNITIES).status_code == 200


def test_a_superuser_names_only_streets_they_hold_a_grant_in_as_on_the_web(
    call, personas, street, street_b
):
    """The superuser flag widens nothing (org.access: "superusers included"): the web's street
    selector offers and accepts only the streets of the person's grants, so the API refuses
    another street to a superuser as to anyone, existing or not, with the same answer."""
    admin = personas[Role.ADMINISTRATOR]
    assert admin.is_superuser
    missing = Street.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000
    answers = set()
    for value in (street_b["street"].pk, missing):
        response = call(admin, "get", COMMUNITIES, street=value)
        assert response.status_code == 403, response.content[:300]
        answers.add(problem(response)["detail"])
    assert len(answers) == 1 and "not one of your streets" in answers.pop()
    assert call(admin, "get", COMMUNITIES, street=street.pk).status_code == 200
    # The web: the selector does not keep a street the superuser holds no grant in.
    web = Client()
    web.force_login(admin)
    chosen = web.post("/street/", {"street": street_b["street"].pk, "next": "/"})
    assert chosen.status_code == 302
    assert SESSION_KEY not in web.session


@pytest.mark.parametrize(
    "value", ["0", "-1", "abc", "1" * 30, "１", "1.5", "9223372036854775808", " -0 "]
)
def test_a_bad_street_is_a_field_error_never_a_500(call, district, value):
    for path, query in ((CASES, {"kind": "petition"}), (STATS, {}), (COMMUNITIES, {})):
        response = call(district, "get", path, street=value, **query)
        assert response.status_code == 422, (path, value, response.content[:300])
        errors = problem(response)["errors"]
        assert [e["field"] for e in errors] == ["street"]
        assert errors[0]["detail"] in (
            "Enter a whole number.",
            "Enter a number from 1 to 9223372036854775807.",
        )


def test_a_street_named_twice_is_refused(call, district, street, street_b):
    response = call(district, "get", COMMUNITIES, street=[street.pk, street_b["street"].pk])
    assert response.status_code == 422
    assert problem(response)["errors"][0]["detail"] == "Name one street at most."


def test_blank_means_all_of_ones_streets(call, district, community, street_b):
    both = _community_names(call(district, "get", COMMUNITIES, street=""))
    assert both == {community.name, street_b["community"].name}


def test_a_registrar_of_two_streets_names_the_street_of_a_whole_street_matter(
    call, personas, street, street_b
):
    clerk = personas[Role.PETITION_CLERK]
    RoleGrant.objects.create(staff=clerk.staff, role=Role.PETITION_CLERK, street=street_b["street"])
    body = {"title": "溪桥路口积水多年未治理", "channel": "visit", "petitioners": [petitioner()]}
    undecided = call(clerk, "post", "/api/v1/petitions", body)
    assert undecided.status_code == 422
    assert [e["field"] for e in problem(undecided)["errors"]] == ["street"]
    named = call(clerk, "post", f"/api/v1/petitions?street={street_b['street'].pk}", body)
    assert named.status_code == 201, named.content[:300]
    assert Case.objects.get(number=named.json()["number"]).street == street_b["street"]
    forged = f.StreetFactory(name="桂花街道", short_name="桂花")
    refused = call(clerk, "post", f"/api/v1/petitions?street={forged.pk}", body)
    assert refused.status_code == 403 and Case.objects.count() == 1


def test_the_schema_documents_the_parameter(client):
    spec = client.get("/api/v1/openapi.json").json()
    for path, method in (
        ("/api/v1/cases", "get"),
        ("/api/v1/stats", "get"),
        ("/api/v1/reference/communities", "get"),
        ("/api/v1/screening/reports", "get"),
        ("/api/v1/cases/{number}/attachments", "get"),
    ):
        names = [p for p in spec["paths"][path][method]["parameters"] if p["name"] == "street"]
        assert len(names) == 1 and names[0]["schema"]["minimum"] == 1


def test_screening_reports_of_one_street(call, district, community, street_b):
    def communities(**query) -> set[int | None]:
        response = call(district, "get", "/api/v1/screening/reports", **query)
        assert response.status_code == 200, response.content[:300]
        return {row["body"]["community_id"] for row in response.json()["items"]}

    both = communities()
    only_b = communities(street=street_b["street"].pk)
    assert {community.pk, street_b["community"].pk} <= both
    assert street_b["community"].pk in only_b and community.pk not in only_b
