import pytest
from django.utils import translation

from huiyin.cases import calendar
from huiyin.org.roles import Role


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
def mediator_user(personas):
    return personas[Role.MEDIATOR]


@pytest.fixture
def governance(personas):
    return personas[Role.GOVERNANCE_STAFF]
