"""/api/v1/stats is `huiyin stats --json` over what the caller may see: for a street-wide
reader the same numbers, for a community worker only their community's."""

from __future__ import annotations

import json

from django.core.management import call_command

from huiyin.api.tests.conftest import problem
from huiyin.disputes.tests import factories as df
from huiyin.org.roles import Role
from huiyin.petitions.tests.factories import days_ago, register


def test_the_same_numbers_as_the_command(call, personas, community, other_community, capsys):
    clerk = personas[Role.PETITION_CLERK]
    register(
        clerk,
        community=community,
        is_collective=True,
        headcount=7,
        petitioners=[{"name": "张三", "is_representative": True}],
    )
    register(clerk, community=other_community)
    df.register(personas[Role.GOVERNANCE_STAFF], community=community)
    start, end = days_ago(40).isoformat(), days_ago(0).isoformat()
    call_command("stats", "--from", start, "--to", end, "--json")
    expected = json.loads(capsys.readouterr().out)
    response = call(personas[Role.LEADER], "get", "/api/v1/stats", **{"from": start, "to": end})
    assert response.status_code == 200
    assert response.json() == expected
    assert expected["petitions"]["headcount"] == 8


def test_scope_and_the_callers_reach(call, personas, community, other_community):
    governance = personas[Role.GOVERNANCE_STAFF]
    df.register(governance, community=community)
    df.register(governance, community=other_community)
    query = {"from": days_ago(40).isoformat(), "to": days_ago(0).isoformat()}
    street = call(governance, "get", "/api/v1/stats", **query).json()
    one = call(governance, "get", "/api/v1/stats", community=community.pk, **query).json()
    assert one["scope"]["community"] == community.pk
    assert one["disputes"] != street["disputes"]
    # A grid worker may not read the statistics (no reports.view), as on the web.
    response = call(personas[Role.GRID_WORKER], "get", "/api/v1/stats", **query)
    assert response.status_code == 403
    problem(response)
