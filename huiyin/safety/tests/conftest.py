from __future__ import annotations

import pytest
from django.utils import translation

from huiyin.org.roles import Role


@pytest.fixture(autouse=True)
def english():
    """Messages are checked by their English msgid (the catalogue is merged separately)."""
    with translation.override("en"):
        yield


@pytest.fixture
def office(personas):
    return personas[Role.GOVERNANCE_STAFF]
