import pytest
from django.utils import translation

from huiyin.cases import calendar
from huiyin.org.roles import Role
from huiyin.petitions.tests.factories import register


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
def clerk(personas):
    return personas[Role.PETITION_CLERK]


@pytest.fixture
def handler(personas):
    return personas[Role.DEPARTMENT_HANDLER]


@pytest.fixture
def leader(personas):
    return personas[Role.LEADER]


@pytest.fixture
def petition(clerk, community):
    return register(clerk, community=community)
