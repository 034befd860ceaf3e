"""Cases over the API: the web list's filters, cursor pages, a case with its ETag, timeline and
clocks, and actions through fire() with If-Match (412 stale, 428 missing, 409, 403, 422)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from huiyin.api.tests.conftest import problem
from huiyin.cases.models import Case
from huiyin.org.roles import Role
from huiyin.petitions.tests.factories import register, step

CASES = "/api/v1/cases"


@pytest.fixture
def clerk(personas):
    return personas[Role.PETITION_CLERK]


@pytest.fixture
def petition(clerk, community):
    return register(clerk, community=community, title="小区违建影响采光")


def url(case: Case, rest: str = "") -> str:
    return f"{CASES}/{quote(case.number)}{rest}"


def test_list_uses_the_web_filters_and_pages_by_cursor(call, clerk, community, other_community):
    made = [register(clerk, community=community, title=f"采光{i}") for i in range(5)]
    register(clerk, community=other_community, title="别处")
    seen: list[str] = []
    cursor = None
    while True:
        query = {"kind": "petition", "community": community.pk, "limit": 2, "sort": "-received"}
        if cursor:
            query["cursor"] = cursor
        response = call(clerk, "get", CASES, **query)
        assert response.status_code == 200, response.content
        page = response.json()
        assert len(page["items"]) <= 2
        seen += [item["number"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(p.case.number for p in made)
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize("sort", ["due", "received", "-received"])
def test_cursor_pages_follow_every_order(call, clerk, community, sort):
    made = {register(clerk, community=community, title=f"件{i}").case.number for i in range(4)}
    # One with no running clock (declined: the due date is empty) sorts last by due date.
    declined = register(clerk, community=community, title="不予受理")
    step(declined.case, "decline", clerk, reason="不属于信访事项")
    made.add(declined.case.number)
    expected = [
        item["number"]
        for item in call(clerk, "get", CASES, kind="petition", sort=sort, limit=100).json()["items"]
    ]
    paged, cursor = [], None
    for _ in range(10):
        query = {
            "kind": "petition",
            "sort": sort,
            "limit": 2,
            **({"cursor": cursor} if cursor else {}),
        }
        body = call(clerk, "get", CASES, **query).json()
        paged += [item["number"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert paged == expected and set(paged) == made


def test_list_never_counts_the_matches(call, clerk, community):
    """The web lists count up to petitions.queries.COUNT_LIMIT on every page (a district's
    ten million cases); the API's pages are keyset cursors with no total, so no page counts
    the cases at all, and the last page is reached as cheaply as the first."""
    made = {register(clerk, community=community, title=f"计数{i}").case.number for i in range(5)}
    table = Case._meta.db_table
    seen, cursor = [], None
    with CaptureQueriesContext(connection) as queries:
        for _ in range(10):
            query = {"kind": "petition", "limit": 2, **({"cursor": cursor} if cursor else {})}
            body = call(clerk, "get", CASES, **query).json()
            assert set(body) == {"items", "next_cursor", "limit"}
            seen += [item["number"] for item in body["items"]]
            cursor = body["next_cursor"]
            if not cursor:
                break
    assert set(seen) == made and len(seen) == len(made)
    counts = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].upper().startswith("SELECT COUNT(") and table in q["sql"]
    ]
    assert not counts, counts


def test_text_search_and_bad_filter_values(call, clerk, community):
    register(clerk, community=community, title="噪音扰民")
    register(clerk, community=community, title="采光")
    found = call(clerk, "get", CASES, kind="petition", q="噪音").json()["items"]
    assert [item["title"] for item in found] == ["噪音扰民"]
    response = call(clerk, "get", CASES, kind="petition", status="nonsense", due="later")
    assert response.status_code == 422
    fields = {e["field"] for e in problem(response)["errors"]}
    assert fields == {"status", "due"}
    response = call(clerk, "get", CASES, kind="incident", sort="due")
    assert response.status_code in (403, 422)


def test_bad_cursor_is_400(call, clerk):
    for cursor in ["abc", "x" * 300, "W10:1abc:def"]:
        response = call(clerk, "get", CASES, kind="petition", cursor=cursor)
        assert response.status_code == 400
        assert problem(response)["type"].endswith("malformed")
    good = call(clerk, "get", CASES, kind="petition", limit=1)
    assert good.status_code == 200


def test_detail_has_an_etag_and_no_identity(call, clerk, petition):
    response = call(clerk, "get", url(petition.case))
    assert response.status_code == 200
    assert response["ETag"] == f'"{petition.case.version}"'
    body = response.json()
    assert body["number"] == petition.case.number
    assert body["petition"]["channel"] == "visit"
    assert "accept" in [t["name"] for t in body["transitions"]]
    text = response.content.decode()
    for secret in ("张三", "张*", "13812345678", "翠屏路12号", petition.receipt_code):
        assert secret not in text


def test_timeline_and_clocks(call, clerk, petition):
    events = call(clerk, "get", url(petition.case, "/timeline")).json()
    assert events[0]["kind"] == "registered"
    clocks = call(clerk, "get", url(petition.case, "/clocks")).json()
    assert {c["code"] for c in clocks} >= {"register_transfer", "acceptance_notice"}
    assert all(c["running"] for c in clocks)


def test_unknown_or_hidden_case_is_404(call, clerk, personas, petition):
    for number in ["浓洄信〔2099〕9999号", "x" * 41, "123456789012345678901234567890", "a%00b"]:
        response = call(clerk, "get", f"{CASES}/{number}")
        assert response.status_code == 404, number
        problem(response)
    # A grid worker cannot see petitions at all: the same 404 as for no case.
    response = call(personas[Role.GRID_WORKER], "get", url(petition.case))
    assert response.status_code == 404


def test_transition_fires_with_if_match(call, clerk, petition, unit):
    case = petition.case
    accept = call(clerk, "post", url(case, "/transitions/accept"), {}, headers={"If-Match": '"1"'})
    assert accept.status_code == 200, accept.content
    assert accept.json()["status"] == "accepted"
    assert accept["ETag"] == '"2"'
    assign = call(
        clerk,
        "post",
        url(case, "/transitions/assign"),
        {"unit": unit.pk, "note": "请办理"},
        headers={"If-Match": accept["ETag"]},
    )
    assert assign.status_code == 200, assign.content
    body = assign.json()
    assert body["status"] == "assigned" and body["owner_unit"]["id"] == unit.pk


def test_stale_if_match_is_412_and_nothing_changes(call, clerk, petition):
    case = petition.case
    step(case, "accept", clerk)  # someone else acted: version 2
    response = call(
        clerk, "post", url(case, "/transitions/record_notice"), {}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 412
    assert problem(response)["type"].endswith("stale")
    assert Case.objects.get(pk=case.pk).version == 2


def test_if_match_missing_or_malformed(call, clerk, petition):
    path = url(petition.case, "/transitions/accept")
    assert call(clerk, "post", path, {}).status_code == 428
    response = call(clerk, "post", path, {}, headers={"If-Match": "abc"})
    assert response.status_code == 400
    response = call(clerk, "post", path, {}, headers={"If-Match": "9" * 30})
    assert response.status_code == 400


def test_wrong_state_is_409_and_role_is_403(call, clerk, personas, petition):
    case = petition.case
    response = call(
        clerk, "post", url(case, "/transitions/start_handling"), {}, headers={"If-Match": "1"}
    )
    assert response.status_code == 409
    assert problem(response)["type"].endswith("transition-refused")
    leader = personas[Role.LEADER]
    response = call(leader, "post", url(case, "/transitions/accept"), {}, headers={"If-Match": "1"})
    assert response.status_code == 403
    assert Case.objects.get(pk=case.pk).version == 1


def test_bad_payload_is_422_with_fields(call, clerk, petition):
    case = petition.case
    step(case, "accept", clerk)
    path = url(case, "/transitions/assign")
    response = call(clerk, "post", path, {"unit": 10**30}, headers={"If-Match": "2"})
    assert response.status_code == 422
    assert [e["field"] for e in problem(response)["errors"]] == ["unit"]
    response = call(clerk, "post", path, {"unit": "abc", "color": "red"}, headers={"If-Match": "2"})
    assert response.status_code == 422
    assert "color" in {e["field"] for e in problem(response)["errors"]}
    response = call(clerk, "post", path, {"note": "x\x00y", "unit": 1}, headers={"If-Match": "2"})
    assert response.status_code == 422
    response = call(clerk, "post", path, {}, headers={"If-Match": "2"})
    assert response.status_code == 422
    assert (
        call(
            clerk, "post", url(case, "/transitions/fly"), {}, headers={"If-Match": "2"}
        ).status_code
        == 404
    )
    assert Case.objects.get(pk=case.pk).version == 2


def test_actions_of_disputes_and_incidents_use_their_own_forms(call, personas, community):
    from huiyin.disputes.tests import factories as df
    from huiyin.incidents.tests import factories as itf
    from huiyin.incidents.types import ensure_default_types

    ensure_default_types()
    governance = personas[Role.GOVERNANCE_STAFF]
    dispute = df.register(governance, community=community)
    response = call(
        governance,
        "post",
        url(dispute, "/transitions/tell_rights"),
        {"manner": "in_person", "note": "已告知权利义务"},
        headers={"If-Match": str(dispute.version)},
    )
    assert response.status_code == 200, response.content
    assert response.json()["version"] == dispute.version + 1
    incident = itf.register(governance, community=community)
    response = call(
        governance,
        "post",
        url(incident, "/transitions/update_situation"),
        {"people_count": 12, "deaths": "x"},
        headers={"If-Match": str(incident.version)},
    )
    # The incident's own checks refuse it, in words that name the field.
    assert response.status_code == 422
    assert problem(response)["errors"]
    response = call(
        governance,
        "post",
        url(incident, "/transitions/update_situation"),
        {"people_count": 12, "measures": "已疏散"},
        headers={"If-Match": str(incident.version)},
    )
    assert response.status_code == 200, response.content
