"""Bad input never gets a 500: malformed JSON, huge numbers, wrong types, NUL bytes, overlong
strings, odd paths and methods all get a problem (4xx) with a stable type."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from huiyin.api.tests.conftest import problem
from huiyin.cases.models import Case
from huiyin.org.roles import Role
from huiyin.petitions.tests.factories import register

HUGE = 10**40


@pytest.fixture
def clerk(personas):
    return personas[Role.PETITION_CLERK]


@pytest.mark.parametrize(
    "body",
    [
        "{",
        "[]",
        '"text"',
        "null",
        "12",
        "\x00",
        "{" * 5000 + "}" * 5000,
        "[" * 100000,
        b"\xff\xfe\x00",
        "NaN",
    ],
)
def test_malformed_bodies(call, clerk, body):
    response = call(clerk, "post", "/api/v1/petitions", body)
    assert response.status_code in (400, 422), response.content[:200]
    problem(response)


@pytest.mark.parametrize(
    "changes",
    [
        {"title": 12},
        {"title": "x" * 201},
        {"title": "a\x00b"},
        {"channel": "pigeon"},
        {"community": HUGE},
        {"community": -1},
        {"community": "abc"},
        {"community": 1.5},
        {"headcount": HUGE},
        {"headcount": 0},
        {"headcount": float("inf")},
        {"received_at": "9999-99-99"},
        {"received_at": "0001-01-01T00:00:00+14:00"},
        {"received_at": "2999-01-01"},
        {"received_at": 10**20},
        {"is_collective": "perhaps"},
        {"petitioners": "张三"},
        {"petitioners": [{"name": "张三", "phone": "\x00"}]},
        {"petitioners": [{"name": "张三"}] * 201},
        {"petitioners": [[]]},
        {"repeat_of": "x" * 41},
        {"repeat_of": "浓洄信〔2099〕0001号"},
        {"complained_staff": 2**63},
        {"reception_slot": 2**63 - 1},
        {"category": 2**63 - 1},
    ],
)
def test_bad_petition_fields_are_422(call, clerk, community, changes):
    body = {
        "title": "噪音",
        "channel": "visit",
        "community": community.pk,
        "petitioners": [{"name": "张三"}],
    }
    body.update(changes)
    response = call(clerk, "post", "/api/v1/petitions", json.dumps(body))
    assert response.status_code in (400, 422), response.content[:300]
    data = problem(response)
    if response.status_code == 422:
        assert data["errors"]
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        {"kind": "petition", "limit": HUGE},
        {"kind": "petition", "limit": 0},
        {"kind": "petition", "limit": "abc"},
        {"kind": "spaceship"},
        {},
        {"kind": "petition", "community": str(HUGE)},
        {"kind": "petition", "q": "x" * 101},
        {"kind": "petition", "q": "a\x00b"},
        {"kind": "petition", "from": "2026-13-45"},
        {"kind": "petition", "from": "0001-01-01", "to": "9999-12-31", "status": ["x"] * 3},
        {"kind": "petition", "ids": ",".join(["9" * 30] * 600)[:100]},
        {"kind": "petition", "cursor": "\x00"},
    ],
)
def test_bad_list_queries_are_4xx(call, clerk, query):
    response = call(clerk, "get", "/api/v1/cases", **query)
    assert response.status_code in (200, 400, 422), response.content[:300]
    if response.status_code != 200:
        problem(response)


@pytest.mark.parametrize(
    "query",
    [
        {"from": "2026-01-01"},
        {"from": "2026-02-01", "to": "2026-01-01"},
        {"from": "1900-01-01", "to": "2026-01-01"},
        {"from": "2000-01-01", "to": "2026-01-01"},
        {"from": "x", "to": "y"},
        {"community": HUGE},
        {"community": 2**63 - 1},
    ],
)
def test_bad_stats_periods_are_422(call, personas, query):
    response = call(personas[Role.LEADER], "get", "/api/v1/stats", **query)
    assert response.status_code == 422, response.content[:300]
    problem(response)


def test_stats_answers_for_a_month(call, personas, community):
    response = call(
        personas[Role.LEADER], "get", "/api/v1/stats", **{"from": "2026-01-01", "to": "2026-01-31"}
    )
    assert response.status_code == 200
    assert response.json()["period"] == {"start": "2026-01-01", "end": "2026-01-31"}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/",
        "/api/v1/nothing",
        "/api/v1/cases/",
        "/api/v1/cases/%00",
        "/api/v1/cases/" + "9" * 40,
        "/api/v1/cases/" + "9" * 400,
        "/api/v1/cases/-1",
        "/api/v1/cases/1/timeline/extra",
        "/api/v1/reference/workflows/%00",
        "/api/v1/reference/workflows/" + "x" * 500,
    ],
)
def test_odd_paths_are_404(call, clerk, path):
    response = call(clerk, "get", path)
    assert response.status_code == 404, (path, response.content[:200])
    problem(response)


def test_wrong_method_is_405(call, clerk):
    response = call(clerk, "delete", "/api/v1/cases")
    assert response.status_code == 405
    assert "GET" in response["Allow"]
    problem(response)


def test_transition_bodies(call, clerk, community):
    case = register(clerk, community=community).case
    path = f"/api/v1/cases/{quote(case.number)}/transitions/accept"
    for body in (
        "{",
        "[1]",
        '{"note": {"a": 1}}',
        '{"note": [[1]]}',
        '{"decided_on": 1e400}',
        '{"decided_on": "0000-00-00"}',
        '{"told_on": "9999-12-31"}',
        '{"note": "' + "x" * 20001 + '"}',
        '{"note": ' + "9" * 5000 + "}",
    ):
        response = call(clerk, "post", path, body, headers={"If-Match": "1"})
        assert response.status_code in (400, 422), (body[:40], response.content[:300])
        problem(response)
    assert Case.objects.get(pk=case.pk).version == 1
