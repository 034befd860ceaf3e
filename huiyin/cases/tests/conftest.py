import pytest
from django.utils import translation

from huiyin.cases import calendar, deadlines

_DB_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


@pytest.fixture(autouse=True)
def english():
    """Messages are checked by their English msgid (the catalogue is merged separately)."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fresh_calendar(request):
    """A fresh holiday table cache; tests without the database use the package's calendar."""
    calendar.invalidate()
    uses_db = request.node.get_closest_marker("django_db") or _DB_FIXTURES & set(
        request.fixturenames
    )
    previous = None if uses_db else deadlines.set_calendar_provider(None)
    yield
    if previous is not None:
        deadlines.set_calendar_provider(previous)
    calendar.invalidate()
