from __future__ import annotations

import socket

import pytest
from django.utils import translation

from huiyin.mail.tests.sink import Sink
from huiyin.org.roles import Role


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def sink(settings):
    """A real SMTP server on loopback, and Django's SMTP backend pointed at it."""
    server = Sink()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.HUIYIN_EMAIL_HOST = settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "huiyin@street.gov.cn"
    settings.HUIYIN_BASE_URL = "https://huiyin.street.gov.cn"
    yield server
    server.stop()


@pytest.fixture
def dead_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def clerk(personas):
    return personas[Role.PETITION_CLERK]


@pytest.fixture
def handler(personas):
    return personas[Role.DEPARTMENT_HANDLER]


@pytest.fixture
def leader(personas):
    return personas[Role.LEADER]
