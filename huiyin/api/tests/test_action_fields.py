"""How a client finds the id an action needs: the case's `transitions` list each action's fields,
and a choice field the records it may name now (a party by its side, never its name)."""

from __future__ import annotations

import re
from urllib.parse import quote

from huiyin.disputes.models import Party
from huiyin.disputes.tests import factories as df
from huiyin.org.roles import Role
from huiyin.petitions.tests.factories import register, step


def actions(response) -> dict[str, dict]:
    assert response.status_code == 200, response.content
    return {t["name"]: t for t in response.json()["transitions"]}


def fields(action: dict) -> dict[str, dict]:
    return {f["name"]: f for f in action["fields"]}


def test_assign_lists_the_units_to_send(personas, community, unit, call):
    clerk = personas[Role.PETITION_CLERK]
    case = register(clerk, community=community).case
    step(case, "accept", clerk)
    found = actions(call(clerk, "get", f"/api/v1/cases/{quote(case.number)}"))
    unit_field = fields(found["assign"])["unit"]
    assert unit_field["type"] == "choice" and unit_field["required"] is True
    assert {"value": str(unit.pk), "label": unit.name} in unit_field["choices"]
    assert fields(found["assign"])["note"]["choices"] is None
    # The value found is what the action takes.
    response = call(
        clerk,
        "post",
        f"/api/v1/cases/{quote(case.number)}/transitions/assign",
        {"unit": int(unit_field["choices"][0]["value"])},
        headers={"If-Match": str(case.version + 1)},
    )
    assert response.status_code == 200, response.content
    assert response.json()["owner_unit"]["id"] == int(unit_field["choices"][0]["value"])


def test_a_party_is_named_by_side_never_by_name(personas, community, grid, call):
    governance = personas[Role.GOVERNANCE_STAFF]
    case = df.register(governance, community=community, grid=grid)
    response = call(governance, "get", f"/api/v1/cases/{quote(case.number)}")
    text = response.content.decode()
    for party in Party.objects.filter(dispute_id=case.pk):
        assert party.name_masked not in text
    assert "张三" not in text and "李四" not in text
    assert not re.findall(r"[\u4e00-\u9fff]\*+", text)
    rights = fields(actions(response)["tell_rights"])
    parties = rights["party"]["choices"]
    ids = set(Party.objects.filter(dispute_id=case.pk).values_list("pk", flat=True))
    assert {int(c["value"]) for c in parties} == ids
    assert all(re.fullmatch(r"\S+ \d+", c["label"]) for c in parties), parties
    # The id found fires the action.
    response = call(
        governance,
        "post",
        f"/api/v1/cases/{quote(case.number)}/transitions/tell_rights",
        {"party": int(parties[0]["value"]), "manner": "in_person"},
        headers={"If-Match": str(case.version)},
    )
    assert response.status_code == 200, response.content


def test_a_mediators_field_is_many(personas, community, grid, call):
    governance = personas[Role.GOVERNANCE_STAFF]
    case = df.register(governance, community=community, grid=grid)
    found = actions(call(governance, "get", f"/api/v1/cases/{quote(case.number)}"))
    mediators = fields(found["assign_mediators"])["mediators"]
    assert mediators["type"] == "many" and mediators["required"] is True
    assert isinstance(mediators["choices"], list)
