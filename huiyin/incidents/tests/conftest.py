import pytest
from django.utils import translation

from huiyin.cases import calendar
from huiyin.incidents.types import ensure_default_types


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
def types(db):
    """The incident type tree (a flushed database keeps no migration rows)."""
    ensure_default_types()
