"""API test helpers: a token per persona and a client that sends it.

def test_x(call, personas):
    response = call(personas[Role.PETITION_CLERK], "get", "/api/v1/cases", kind="petition")
"""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import translation

from huiyin.api.tokens import create_token
from huiyin.cases import calendar


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
def token_of(db):
    """``token_of(user, scope="write")`` → the token text (one per user and scope)."""
    made: dict = {}

    def make(user, scope: str = "write") -> str:
        key = (user.pk, scope)
        if key not in made:
            made[key] = create_token(owner=user, name="测试", scope=scope, days=30)[1]
        return made[key]

    return make


@pytest.fixture
def call(token_of):
    """``call(user, method, path, body=None, headers=None, **query)`` → the response.

    `user` None sends no token; a string is sent as the token itself.
    """
    client = Client()

    def do(user, method: str, path: str, body=None, *, headers=None, scope="write", **query):
        # The answers' language follows Accept-Language (LocaleMiddleware): English msgids.
        extra = {"HTTP_ACCEPT_LANGUAGE": "en"}
        if user is not None:
            token = user if isinstance(user, str) else token_of(user, scope)
            extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        for name, value in (headers or {}).items():
            extra["HTTP_" + name.upper().replace("-", "_")] = value
        if method == "get":
            return client.get(path, query, **extra)
        data = body if isinstance(body, str | bytes) else json.dumps(body or {})
        return getattr(client, method)(path, data=data, content_type="application/json", **extra)

    return do


def problem(response) -> dict:
    """The problem details of an error answer (and that it is one)."""
    assert response["Content-Type"] == "application/problem+json", response.content[:300]
    data = response.json()
    assert data["status"] == response.status_code
    assert data["type"].startswith("/api/v1/docs#problem-")
    assert data["title"] and data["detail"]
    return data


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "fuzz: a bounded schemathesis run over the API (huiyin/api/tests/test_fuzz.py)"
    )
