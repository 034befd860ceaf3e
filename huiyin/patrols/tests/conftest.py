from datetime import timedelta

import pytest
from django.utils import translation

from huiyin.org.roles import Role
from huiyin.patrols import services
from huiyin.patrols.models import PlaceKind
from huiyin.patrols.tests.factories import started
from huiyin.testing import factories as f


@pytest.fixture(autouse=True)
def english():
    """Messages are checked by their English msgid (the catalogue is merged separately)."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def photo_dir(settings, tmp_path):
    settings.ATTACHMENT_DIR = tmp_path / "attachments"


@pytest.fixture
def other_grid(other_community):
    return f.GridFactory(community=other_community, name="第9网格")


@pytest.fixture
def grid_worker(personas):
    return personas[Role.GRID_WORKER]


@pytest.fixture
def community_worker(personas):
    return personas[Role.COMMUNITY_WORKER]


@pytest.fixture
def governance(personas):
    return personas[Role.GOVERNANCE_STAFF]


@pytest.fixture
def patrol(grid_worker, grid):
    return services.record_patrol(
        grid_worker, kind="grid", grid=grid, started_at=started(hours=2), duration_minutes=90
    )


@pytest.fixture
def cafe_kind(db):
    from huiyin.patrols.defaults import ensure_defaults

    ensure_defaults()  # a flushed database (a browser journey's) keeps no migration rows
    return PlaceKind.objects.get(code="internet_cafe")


@pytest.fixture
def cafe(governance, community, grid, cafe_kind):
    return services.save_place(
        governance,
        kind=cafe_kind,
        name="极速网咖",
        address="翠屏路12号",
        community=community,
        grid=grid,
        authority="culture",
        responsible_name="王经理",
        responsible_phone="13812345678",
    )


@pytest.fixture
def deadline():
    from huiyin.screening import periods

    return periods.today() + timedelta(days=7)
