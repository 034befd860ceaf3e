"""Directory tests: the settings made from the environment as settings.py makes them."""

from __future__ import annotations

import os

import pytest

from huiyin.directory import config

# The conftest's street: 柑子园社区 with 第1网格, and the unit 城建办.
MAPPING = (
    "hy-clerks=petition_clerk; hy-gzy=community_worker:community:柑子园社区;"
    " hy-grid1=grid_worker:grid:柑子园社区/第1网格; hy-cjb=department_handler:unit:城建办;"
    " hy-leaders=leader"
)


@pytest.fixture
def directory_env(settings, monkeypatch):
    """Call with the variables: the directory settings loaded from them, in force for the test."""

    def configure(env: dict[str, str]) -> config.Directory:
        for name in list(os.environ):
            if name.startswith(("HUIYIN_LDAP_", "HUIYIN_OIDC_", "HUIYIN_DIRECTORY_")):
                monkeypatch.delenv(name)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        directory = config.load()
        ours = (config.LDAP_BACKEND, config.OIDC_BACKEND)
        settings.AUTHENTICATION_BACKENDS = [
            b for b in settings.AUTHENTICATION_BACKENDS if b not in ours
        ] + directory.backends
        settings.HUIYIN_DIRECTORY = directory
        for name, value in directory.library_settings.items():
            setattr(settings, name, value)
        return directory

    return configure
