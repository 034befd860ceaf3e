"""Intake over the API: petitions (a collective visit with its representatives), disputes and
incidents, through the kinds' services; identities written, never answered."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from huiyin.api.tests.conftest import problem
from huiyin.cases.models import Case
from huiyin.org.roles import Role
from huiyin.petitions.models import Petition, Petitioner
from huiyin.petitions.tests.factories import ID_1, PHONE_1, petitioner

PETITIONS = "/api/v1/petitions"


@pytest.fixture
def clerk(personas):
    return personas[Role.PETITION_CLERK]


def test_collective_visit_registered_with_warning(call, clerk, community):
    people = [
        petitioner(f"代表{i}", id_number="", phone="", is_representative=True) for i in range(6)
    ]
    people[0].update(id_number=ID_1, phone=PHONE_1)
    body = {
        "title": "拆迁补偿集体访",
        "channel": "visit",
        "community": community.pk,
        "is_collective": True,
        "headcount": 30,
        "petitioners": people,
    }
    response = call(clerk, "post", PETITIONS, body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["kind"] == "petition" and data["version"] == 1
    assert data["warnings"]  # more than five representatives: recorded, never refused
    assert response["Location"] == data["url"]
    petition = Petition.objects.get(case__number=data["number"])
    assert petition.is_collective and petition.headcount == 30
    assert petition.receipt_code == data["receipt_code"]
    assert Petitioner.objects.filter(petition=petition).count() == 6
    text = response.content.decode()
    assert "代表0" not in text and PHONE_1 not in text and ID_1 not in text


def test_petition_errors_are_field_errors(call, clerk, community):
    body = {
        "title": "",
        "channel": "visit",
        "community": community.pk,
        "petitioners": [{"name": "张三", "phone": "12345", "id_number": "110105199003071230"}],
    }
    response = call(clerk, "post", PETITIONS, body)
    assert response.status_code == 422
    fields = {e["field"] for e in problem(response)["errors"]}
    assert fields == {"title", "petitioners.0.phone", "petitioners.0.id_number"}
    pointers = {e["pointer"] for e in problem(response)["errors"]}
    assert "/petitioners/0/phone" in pointers
    assert not Case.objects.exists()


def test_petition_outside_scope_is_403(call, personas, community, other_community):
    worker = personas[Role.COMMUNITY_WORKER]  # registers in their own community only
    body = {
        "title": "x",
        "channel": "visit",
        "community": other_community.pk,
        "petitioners": [petitioner()],
    }
    assert call(worker, "post", PETITIONS, body).status_code == 403
    body["community"] = community.pk
    assert call(worker, "post", PETITIONS, body).status_code == 201
    # A mediator registers no petitions at all.
    assert call(personas[Role.MEDIATOR], "post", PETITIONS, body).status_code == 403


def test_dispute_intake(call, personas, community):
    governance = personas[Role.GOVERNANCE_STAFF]
    body = {
        "title": "楼上漏水致楼下墙面受损",
        "source": "application",
        "received_on": timezone.localdate().isoformat(),
        "community": community.pk,
        "amount": "3500.5",
        "parties": [
            {"side": "a", "name": "李四", "phone": "13900139000"},
            {"side": "b", "name": "赵五", "address": "翠屏路3号"},
        ],
    }
    response = call(governance, "post", "/api/v1/disputes", body)
    assert response.status_code == 201, response.content
    number = response.json()["number"]
    detail = call(governance, "get", response["Location"]).json()
    assert detail["number"] == number and detail["dispute"]["amount"] == "3500.50"
    for secret in ("李四", "李*", "13900139000", "翠屏路3号"):
        assert secret not in str(detail)
    body["received_on"] = (timezone.localdate() + timedelta(days=2)).isoformat()
    body["parties"][0]["side"] = "c"
    response = call(governance, "post", "/api/v1/disputes", body)
    assert response.status_code == 422
    assert {e["field"] for e in problem(response)["errors"]} == {"parties.0.side"}
    del body["parties"]
    response = call(governance, "post", "/api/v1/disputes", body)
    assert {e["field"] for e in problem(response)["errors"]} == {"received_on"}


def test_incident_intake(call, personas, community):
    from huiyin.incidents.types import ensure_default_types, type_named

    ensure_default_types()
    grid_worker = personas[Role.GRID_WORKER]
    now = timezone.now().replace(microsecond=0)
    body = {
        "title": "餐馆厨房起火",
        "category": type_named("火警").pk,
        "occurred_at": (now - timedelta(hours=1)).isoformat(),
        "learned_at": (now - timedelta(minutes=50)).isoformat(),
        "source": "hotline",
        "community": community.pk,
        "place": "翠屏路18号",
    }
    # A grid worker reports in their grid only.
    assert call(grid_worker, "post", "/api/v1/incidents", body).status_code == 403
    governance = personas[Role.GOVERNANCE_STAFF]
    response = call(governance, "post", "/api/v1/incidents", body)
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "incident"
    body["learned_at"] = (now - timedelta(hours=2)).isoformat()  # before it happened
    response = call(governance, "post", "/api/v1/incidents", body)
    assert response.status_code == 422
    assert {e["field"] for e in problem(response)["errors"]} == {"learned_at"}
