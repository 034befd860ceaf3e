"""No identities over the API: no answer of the schema can carry a person's name, ID number,
phone or address, and no real answer does — not even masked — for any role, any endpoint."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
from django.test import Client

from huiyin.cases.models import Attachment
from huiyin.disputes.models import Party
from huiyin.disputes.tests import factories as df
from huiyin.incidents.models import Incident
from huiyin.incidents.tests import factories as itf
from huiyin.incidents.types import ensure_default_types
from huiyin.org.roles import Role
from huiyin.petitions.models import Petitioner
from huiyin.petitions.tests.factories import make_id, register, step

#: Keys that would name a person or reach them; none may appear in an answer.
FORBIDDEN = {
    "petitioner",
    "petitioners",
    "party",
    "parties",
    "id_number",
    "id_number_masked",
    "phone",
    "phone_masked",
    "address",
    "name_masked",
    "legal_representative",
    "kin",
    "kin_name",
    "kin_name_masked",
    "kin_phone",
    "kin_phone_masked",
    "kin_relation",
    "track_hash",
    "complained_staff",
    "complained_text",
    "data",
}

PERSON = {"name": "欧阳明月", "id": make_id("51130219850612002"), "phone": "13712345678"}
ADDRESS = "翠屏路99号3单元"
PARTY = {"name": "司马青山", "phone": "13611112222", "address": "柑子园路7号"}
KIN = {"name": "诸葛云舒", "phone": "13599998888"}


def _resolve(spec: dict, node: dict) -> dict:
    while "$ref" in node:
        found = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            found = found[part]
        node = found
    return node


def properties(spec: dict, node: dict, seen: set) -> set[str]:
    """Every property name an instance of `node` can carry, at any depth."""
    key = json.dumps(node, sort_keys=True)
    if key in seen:
        return set()
    seen.add(key)
    node = _resolve(spec, node)
    names: set[str] = set()
    for name, child in node.get("properties", {}).items():
        names.add(name)
        names |= properties(spec, child, seen)
    for combo in ("anyOf", "oneOf", "allOf"):
        for child in node.get(combo, []):
            names |= properties(spec, child, seen)
    for child_key in ("items", "additionalProperties"):
        child = node.get(child_key)
        if isinstance(child, dict):
            names |= properties(spec, child, seen)
    return names


def test_no_response_schema_can_carry_an_identity(client, db):
    spec = client.get("/api/v1/openapi.json").json()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            for code, answer in operation["responses"].items():
                for media in answer.get("content", {}).values():
                    names = properties(spec, media["schema"], set())
                    assert not names & FORBIDDEN, (method, path, code, names & FORBIDDEN)
    # And what intake takes about people is write-only.
    schemas = spec["components"]["schemas"]
    for name in ("PetitionerIn", "PartyIn"):
        for field in ("name", "id_number", "phone", "address"):
            assert schemas[name]["properties"][field]["writeOnly"] is True


@pytest.fixture
def matters(personas, community, grid, unit, call):
    """A petition, a dispute and an unnatural death, every identity entered (some over the
    API), the petition taken a few steps so its timeline has notes."""
    ensure_default_types()
    clerk = personas[Role.PETITION_CLERK]
    governance = personas[Role.GOVERNANCE_STAFF]
    petition = register(
        clerk,
        community=community,
        grid=grid,
        petitioners=[
            {
                "name": PERSON["name"],
                "id_number": PERSON["id"],
                "phone": PERSON["phone"],
                "address": ADDRESS,
            }
        ],
    ).case
    step(petition, "accept", clerk)
    step(petition, "assign", clerk, unit=unit)
    dispute = df.register(
        governance,
        community=community,
        grid=grid,
        parties=[
            df.person(
                PARTY["name"], "a", id_number="", phone=PARTY["phone"], address=PARTY["address"]
            ),
            df.person("公孙白露", "b", id_number="", phone=""),
        ],
    )
    incident = itf.register(governance, community=community, grid=grid, type_name="非正常死亡")
    response = call(
        governance,
        "post",
        f"/api/v1/cases/{quote(incident.number)}/transitions/record_kin",
        {"kin_name": KIN["name"], "kin_phone": KIN["phone"], "kin_relation": "配偶"},
        headers={"If-Match": str(incident.version)},
    )
    assert response.status_code == 200, response.content
    matters = {"petition": petition, "dispute": dispute, "incident": incident}
    _files_and_screening(matters, clerk, governance, community, grid)
    return matters


def _files_and_screening(matters, clerk, governance, community, grid) -> None:
    """A file on each matter (named after nobody) and the grid's screening report listing the
    dispute: their answers are walked too."""
    from datetime import date

    from django.core.files.uploadedfile import SimpleUploadedFile

    from huiyin.cases.attachments import attach
    from huiyin.screening import periods, services
    from huiyin.screening.bodies import bodies_in

    for kind, case in matters.items():
        owner = clerk if kind == "petition" else governance
        attach(case, SimpleUploadedFile("现场材料.pdf", b"%PDF-1.7\n1 0 obj"), actor=owner)
    services.ensure_duties(community.street, active_from=date(2024, 1, 1))
    body = next(
        b
        for b in bodies_in(governance, "disputes.screen", date(2024, 1, 1), periods.today())
        if b.grid_id == grid.pk
    )
    services.file_report(
        governance,
        body,
        periods.current(),
        note="本周排查发现一起",
        links=[services.LinkItem(matters["dispute"].number, 2)],
    )


def secrets_of(matters) -> list[str]:
    """Every identity and every masked copy of one that the database holds."""
    values = [PERSON["name"], PERSON["id"], PERSON["phone"], ADDRESS, *PARTY.values(), "公孙白露"]
    values += [KIN["name"], KIN["phone"]]
    for row in Petitioner.objects.all():
        values += [row.name_masked, row.id_number_masked, row.phone_masked]
    for row in Party.objects.all():
        values += [row.name_masked, row.phone_masked]
    for row in Incident.objects.exclude(kin_name_masked=""):
        values += [row.kin_name_masked, row.kin_phone_masked]
    return [v for v in values if v and len(v) >= 2]


def get_paths(spec: dict, matters) -> list[str]:
    """Every GET operation of the schema, its path parameters filled in for each matter."""
    paths = []
    for path, item in spec["paths"].items():
        if "get" not in item:
            continue
        if "{attachment_id}" in path:
            paths += [
                path.replace("{number}", quote(case.number)).replace("{attachment_id}", str(a.pk))
                for case in matters.values()
                for a in Attachment.objects.filter(case=case)
            ]
        elif "{number}" in path:
            paths += [path.replace("{number}", quote(case.number)) for case in matters.values()]
        elif "{kind}" in path:
            paths += [path.replace("{kind}", kind) for kind in ("petition", "dispute", "incident")]
        else:
            paths.append(path)
    return paths


def keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys(v)}
    return set()


@pytest.mark.parametrize(
    "role",
    [
        Role.PETITION_CLERK,
        Role.GOVERNANCE_STAFF,
        Role.LEADER,
        Role.DEPARTMENT_HANDLER,
        Role.AUDITOR,
    ],
)
def test_no_answer_names_a_person(role, personas, matters, call):
    spec = Client().get("/api/v1/openapi.json").json()
    hidden = secrets_of(matters)
    user = personas[role]
    answered = 0
    for path in get_paths(spec, matters):
        queries = [{}]
        if path == "/api/v1/cases":
            queries = [{"kind": kind} for kind in ("petition", "dispute", "incident")]
        for query in queries:
            response = call(user, "get", path, **query)
            if "/attachments/" in path:  # the file itself: its bytes, not an answer to walk
                assert response.status_code in (200, 403, 404)
                continue
            text = response.content.decode()
            for secret in hidden:
                assert secret not in text, (path, query, secret)
            if response.status_code == 200:
                answered += 1
                # The statistics' keys are figures ("phone" is the channel 来电, by_channel):
                # their values are checked above like every answer's.
                if path == "/api/v1/stats":
                    continue
                found = keys(response.json()) & FORBIDDEN
                assert not found, (path, query, found)
            names_in_text = re.findall(r"[\u4e00-\u9fff]\*+", text)
            assert not names_in_text, (path, names_in_text)  # no masked name of anyone
    assert answered >= 5


def test_uploads_and_filings_answer_no_person(personas, matters, call, token_of, community):
    """The write answers of the new endpoints: what they echo names nobody."""

    from django.core.files.uploadedfile import SimpleUploadedFile

    from huiyin.screening import periods

    hidden = secrets_of(matters)
    governance = personas[Role.GOVERNANCE_STAFF]
    answers = [
        Client().post(
            f"/api/v1/cases/{quote(matters['dispute'].number)}/attachments",
            {"file": SimpleUploadedFile("协议.pdf", b"%PDF-1.7\n1 0 obj")},
            HTTP_AUTHORIZATION=f"Bearer {token_of(governance)}",
        ),
        call(
            governance,
            "post",
            "/api/v1/screening/reports",
            {"body": f"c{community.pk}", "period": periods.current().label, "nil": True},
        ),
    ]
    for response in answers:
        assert response.status_code == 201, response.content
        text = response.content.decode()
        for secret in hidden:
            assert secret not in text
        assert not keys(response.json()) & FORBIDDEN
