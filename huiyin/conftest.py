"""Shared fixtures: a small street and a persona per role."""

from __future__ import annotations

import pytest

from huiyin.org.roles import Role
from huiyin.testing import factories as f


@pytest.fixture(autouse=True)
def _fast_password_hashing(request, settings):
    """Argon2 is slow by design; tests that pin hashing ask for it with `real_hashing`."""
    if "real_hashing" not in request.keywords:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def street():
    return f.StreetFactory()


@pytest.fixture
def community(street):
    return f.CommunityFactory(street=street, name="柑子园社区")


@pytest.fixture
def other_community(street):
    return f.CommunityFactory(street=street, name="翠屏路社区")


@pytest.fixture
def grid(community):
    return f.GridFactory(community=community, name="第1网格")


@pytest.fixture
def unit(street):
    return f.UnitFactory(street=street, name="城建办")


@pytest.fixture
def personas(db, community, grid, unit):
    """One person per role, with the scopes the demo street gives them."""
    return {
        Role.PETITION_CLERK: f.person(Role.PETITION_CLERK, username="clerk"),
        Role.GOVERNANCE_STAFF: f.person(Role.GOVERNANCE_STAFF, username="governance"),
        Role.COMMUNITY_WORKER: f.person(
            Role.COMMUNITY_WORKER, username="community1", community=community
        ),
        Role.GRID_WORKER: f.person(Role.GRID_WORKER, username="grid1", grid=grid),
        Role.MEDIATOR: f.person(Role.MEDIATOR, username="mediator"),
        Role.DEPARTMENT_HANDLER: f.person(Role.DEPARTMENT_HANDLER, username="handler", unit=unit),
        Role.LEADER: f.person(Role.LEADER, username="leader"),
        Role.AUDITOR: f.person(Role.AUDITOR, username="auditor"),
        Role.ADMINISTRATOR: f.person(Role.ADMINISTRATOR, username="admin"),
        Role.DISTRICT: f.person(Role.DISTRICT, username="district"),
    }


@pytest.fixture
def outsider(db):
    """Signed in, but holding no role at all."""
    return f.UserFactory(username="outsider")
