"""Who may import a ledger: a petition office, not a community worker who only registers."""

import pytest
from django.urls import reverse

from huiyin.org.roles import Role
from huiyin.reports.ledgers.petitions import may_import

pytestmark = pytest.mark.django_db

URL = reverse("reports:ledger_import")


def test_a_community_worker_who_registers_petitions_may_not_import(client, personas):
    """Registering what the community received (社区代办) is not keeping the office's ledger:
    the worker sees only the petitions they registered, and an import's duplicate check looks
    at all of the community's. (The page is theirs for the dispute ledgers of their community:
    test_ledger_import_disputes_page.)"""
    worker = personas[Role.COMMUNITY_WORKER]
    assert not may_import(worker)
    client.force_login(worker)
    assert 'value="petitions"' not in client.get(URL).content.decode()
    assert client.post(URL, {"ledger": "petitions"}).status_code == 403


@pytest.mark.parametrize("role", [Role.PETITION_CLERK, Role.ADMINISTRATOR])
def test_the_petition_office_and_the_administrator_may(client, personas, role):
    assert may_import(personas[role])
    client.force_login(personas[role])
    assert client.get(URL).status_code == 200
