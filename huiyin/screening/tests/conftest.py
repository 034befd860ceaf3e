from datetime import date

import pytest
from django.utils import translation

from huiyin.cases import calendar
from huiyin.org.roles import Role
from huiyin.screening.services import ensure_duties
from huiyin.testing import factories as f


@pytest.fixture(autouse=True)
def english():
    """Messages are checked by their English msgid (the catalogue is merged separately)."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fresh_calendar():
    calendar.invalidate()
    yield
    calendar.invalidate()


@pytest.fixture
def grid2(community):
    return f.GridFactory(community=community, name="第2网格")


@pytest.fixture
def other_grid(other_community):
    return f.GridFactory(community=other_community, name="第1网格")


@pytest.fixture
def duties(street, community, other_community, grid, grid2, other_grid):
    """Every community and grid reports, from long ago."""
    ensure_duties(street, active_from=date(2024, 1, 1))


@pytest.fixture
def grid_worker(personas):
    return personas[Role.GRID_WORKER]


@pytest.fixture
def community_worker(personas):
    return personas[Role.COMMUNITY_WORKER]


@pytest.fixture
def governance(personas):
    return personas[Role.GOVERNANCE_STAFF]
