"""Screening reports over the API: the board's rows for what the caller may see, and filing a
report (nil, disputes linked or registered) through the filing page's service and messages."""

from __future__ import annotations

from datetime import date

import pytest

from huiyin.api.tests.conftest import problem
from huiyin.cases.models import Case
from huiyin.org.roles import Role
from huiyin.privacy.models import AuditEntry
from huiyin.screening import periods, services
from huiyin.screening.models import ScreeningItem, ScreeningReport
from huiyin.screening.tests.factories import dispute
from huiyin.testing import factories as f

URL = "/api/v1/screening/reports"
pytestmark = pytest.mark.django_db


@pytest.fixture
def duties(street, community, grid):
    services.ensure_duties(street, active_from=date(2024, 1, 1))


@pytest.fixture
def now_label(db) -> str:
    return periods.current().label


def test_nil_report_filed_then_listed(duties, personas, grid, call, now_label):
    worker = personas[Role.GRID_WORKER]
    response = call(worker, "post", URL, {"nil": True, "period": now_label})
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["created"] and data["changed"] and data["disputes"] == []
    row = data["report"]
    assert row["body"]["token"] == f"g{grid.pk}" and row["nil"] is True
    assert row["status"] == "on_time" and row["version"] == 1 and row["items"] == 0
    assert response["ETag"] == '"1"'
    assert AuditEntry.objects.filter(action="screening.file").count() == 1
    # Again: nothing changes (a double tap).
    again = call(worker, "post", URL, {"nil": True, "period": now_label})
    assert again.status_code == 200 and again.json()["changed"] is False
    assert ScreeningReport.objects.count() == 1

    listed = call(worker, "get", URL, **{"from": now_label, "to": now_label})
    assert listed.status_code == 200, listed.content
    rows = {r["body"]["token"]: r for r in listed.json()["items"]}
    assert rows[f"g{grid.pk}"]["status"] == "on_time"
    assert listed.json()["periods"] == [now_label]


def test_list_filters_and_statuses(duties, personas, grid, community, call, now_label):
    governance = personas[Role.GOVERNANCE_STAFF]
    data = call(governance, "get", URL, **{"from": now_label}).json()
    tokens = {r["body"]["token"] for r in data["items"]}
    assert {f"g{grid.pk}", f"c{community.pk}"} <= tokens
    assert all(r["status"] in ("pending", "missing") for r in data["items"])
    # (`body` is the test client's keyword: that query is written in the address)
    only = call(governance, "get", f"{URL}?body=g{grid.pk}&status=pending&status=missing").json()
    assert only["items"] and {r["body"]["token"] for r in only["items"]} == {f"g{grid.pk}"}
    assert call(governance, "get", URL, status=["on_time"]).json()["items"] == []


def test_disputes_linked_and_counted(duties, personas, community, grid, call, now_label):
    worker = personas[Role.GRID_WORKER]
    case = dispute(community=community, grid=grid)
    body = {"period": now_label, "links": [{"number": case.number, "people_count": 4}]}
    response = call(worker, "post", URL, body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["disputes"] == [case.number]
    assert data["report"]["items"] == 1 and data["report"]["people"] == 4
    assert data["report"]["nil"] is False
    # Listed again: the service's own message, on the item's field.
    again = problem(call(worker, "post", URL, body, headers={"If-Match": '"1"'}))
    assert again["status"] == 422
    assert again["errors"][0]["field"] == "links.0"
    assert again["errors"][0]["detail"] == str(services.MSG_LISTED) % {"number": case.number}
    # It cannot become a nil report now.
    nil = problem(call(worker, "post", URL, {"period": now_label, "nil": True}))
    assert nil["errors"][0]["field"] == "nil"


def test_stale_amendment_is_412(duties, personas, call, now_label):
    worker = personas[Role.GRID_WORKER]
    assert call(worker, "post", URL, {"nil": True, "period": now_label}).status_code == 201
    stale = call(
        worker, "post", URL, {"note": "补充说明", "period": now_label}, headers={"If-Match": '"7"'}
    )
    assert problem(stale)["status"] == 412
    bad = call(worker, "post", URL, {"note": "x", "period": now_label}, headers={"If-Match": "v"})
    assert problem(bad)["status"] == 400
    fresh = call(
        worker, "post", URL, {"note": "补充说明", "period": now_label}, headers={"If-Match": '"1"'}
    )
    assert fresh.status_code == 200, fresh.content
    assert fresh.json()["report"]["version"] == 2 and fresh["ETag"] == '"2"'
    assert fresh.json()["report"]["note"] == "补充说明"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"period": "2026-W99", "nil": True}, "period"),
        ({"period": "2999-W01", "nil": True}, "period"),
        ({"period": "next week", "nil": True}, "period"),
        ({"body": "x1", "nil": True}, "body"),
        ({"body": "g999999", "nil": True}, "body"),
        ({"nil": True, "links": [{"number": "nope", "people_count": 1}]}, "nil"),
        ({"links": [{"number": "浓洄调〔2026〕9999号", "people_count": 1}]}, "links.0"),
        ({"links": [{"number": "x", "people_count": 0}]}, "links.0.people_count"),
        ({"links": [{"number": "x", "people_count": 1}] * 11}, "links"),
        ({"new": [{"title": "", "people_count": 1}]}, "new.0.title"),
        ({"new": [{"title": "x", "people_count": 1, "category": 999999}]}, "new.0.category"),
        ({"note": "x" * (services.NOTE_MAX + 1), "nil": True}, "note"),
        ({"note": "a\x00b", "nil": True}, "note"),
        ({"nil": "maybe"}, "nil"),
        ({}, "__all__"),
    ],
)
def test_bad_input_is_422_and_writes_nothing(duties, personas, call, body, field):
    worker = personas[Role.GRID_WORKER]
    data = problem(call(worker, "post", URL, body))
    assert data["status"] == 422, data
    assert field in {e["field"] for e in data["errors"]}, data
    assert not ScreeningReport.objects.exists()
    assert not ScreeningItem.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        {"from": "2026-W77"},
        {"to": "2999-W01"},
        {"from": "2025-W10", "to": "2024-W10"},
        {"from": "2024-W01", "to": "2025-W40"},
        {"status": ["late", "bogus"]},
        {"status": ["x" * 50]},
        "body=q9",
        "body=" + "x" * 50,
    ],
)
def test_bad_list_queries_are_422(duties, personas, call, query):
    # `body` is the test client's own keyword: that query goes in the address.
    governance = personas[Role.GOVERNANCE_STAFF]
    if isinstance(query, str):
        data = problem(call(governance, "get", f"{URL}?{query}"))
    else:
        data = problem(call(governance, "get", URL, **query))
    assert data["status"] == 422


def test_body_must_be_named_by_who_files_for_several(duties, personas, call, now_label):
    community_worker = personas[Role.COMMUNITY_WORKER]
    data = problem(call(community_worker, "post", URL, {"nil": True, "period": now_label}))
    assert data["errors"][0]["field"] == "body"
    assert (
        data["errors"][0]["detail"] == "You file for several bodies: name one (its token, e.g. g7)."
    )


def test_another_grid_is_not_a_body_of_mine(duties, personas, community, call, now_label):
    other = f.GridFactory(community=community, name="第9网格")
    services.ensure_duties(community.street, active_from=date(2024, 1, 1))
    worker = personas[Role.GRID_WORKER]
    data = problem(call(worker, "post", URL, {"body": f"g{other.pk}", "nil": True}))
    assert data["errors"][0]["field"] == "body"
    assert not ScreeningReport.objects.exists()


def test_scope_and_roles(duties, personas, call, now_label):
    worker = personas[Role.GRID_WORKER]
    body = {"nil": True, "period": now_label}
    assert problem(call(worker, "post", URL, body, scope="read"))["type"].endswith("scope")
    assert problem(call(personas[Role.MEDIATOR], "post", URL, body))["status"] == 403
    assert problem(call(personas[Role.PETITION_CLERK], "get", URL))["status"] == 403
    assert not ScreeningReport.objects.exists()
    assert not Case.objects.exists()
