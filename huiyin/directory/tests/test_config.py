"""The directory's variables: read and checked at start-up, one clear line when malformed."""

from __future__ import annotations

import os

import pytest
from django.core import checks

from huiyin.directory import config
from huiyin.directory.checks import mapped_places_exist
from huiyin.directory.tests.conftest import MAPPING
from huiyin.env import ConfigError
from huiyin.org.tests.test_settings import run_huiyin

LDAP = {
    "HUIYIN_LDAP_URL": "ldap://ldap.jd.example.gov.cn",
    "HUIYIN_LDAP_USER_BASE": "ou=people,dc=jd,dc=gov",
    "HUIYIN_LDAP_GROUP_BASE": "ou=groups,dc=jd,dc=gov",
    "HUIYIN_DIRECTORY_GROUPS": "hy-clerks=petition_clerk",
}
OIDC = {
    "HUIYIN_OIDC_CLIENT_ID": "huiyin",
    "HUIYIN_OIDC_CLIENT_SECRET": "s" * 32,
    "HUIYIN_OIDC_ISSUER": "https://id.jd.example.gov.cn",
    "HUIYIN_OIDC_AUTHORIZATION_URL": "https://id.jd.example.gov.cn/authorize",
    "HUIYIN_OIDC_TOKEN_URL": "https://id.jd.example.gov.cn/token",
    "HUIYIN_OIDC_USERINFO_URL": "https://id.jd.example.gov.cn/userinfo",
    "HUIYIN_OIDC_JWKS_URL": "https://id.jd.example.gov.cn/jwks",
    "HUIYIN_DIRECTORY_GROUPS": "hy-clerks=petition_clerk",
}


@pytest.fixture
def env(monkeypatch):
    for name in list(os.environ):
        if name.startswith(("HUIYIN_LDAP_", "HUIYIN_OIDC_", "HUIYIN_DIRECTORY_")):
            monkeypatch.delenv(name)

    def put(values: dict[str, str]) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return put


def test_it_reads_every_form_of_the_mapping():
    rules = config.parse_groups(
        MAPPING + "\n# a comment line\nhy-grid1=grid_worker:grid:柑子园社区/第1网格\n"
        "hy-north=leader:street:北街\nhy-clerks=petition_clerk:street"
    )
    assert [r.describe() for r in rules] == [
        "hy-clerks=petition_clerk",
        "hy-gzy=community_worker:community:柑子园社区",
        "hy-grid1=grid_worker:grid:柑子园社区/第1网格",
        "hy-cjb=department_handler:unit:城建办",
        "hy-leaders=leader",
        "hy-north=leader:street:北街",
    ]  # duplicates once
    assert rules[2].place == ("柑子园社区", "第1网格")
    assert config.parse_groups("") == ()


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("hy-clerks", "entry 1 ('hy-clerks'): write group=role"),
        ("=petition_clerk", "write group=role"),
        ("a=leader; b=boss", "entry 2 ('b=boss'): unknown role 'boss'"),
        ("a=leader:town:x", "unknown scope 'town'"),
        ("a=leader:community", "the community scope needs a name"),
        ("a=leader:grid:第1网格", "a grid is written grid:<community>/<grid>"),
        ("a=leader:community:" + "长" * 51, "longer than 50 characters"),
        ("g" * 201 + "=leader", "at most 200 characters"),
        (";".join(f"g{n}=leader" for n in range(501)), "at most 500 are read"),
    ],
)
def test_it_refuses_a_malformed_mapping_naming_the_entry(text, says):
    with pytest.raises(ConfigError, match="HUIYIN_DIRECTORY_GROUPS") as caught:
        config.parse_groups(text)
    assert says in str(caught.value)


def test_nothing_is_on_without_its_variables(env):
    directory = config.load()
    assert not directory.enabled and directory.backends == [] and directory.library_settings == {}


def test_it_configures_ldap_and_oidc_from_their_variables(env):
    env({**LDAP, **OIDC})
    directory = config.load()
    assert directory.backends == [config.LDAP_BACKEND, config.OIDC_BACKEND]
    values = directory.library_settings
    assert values["AUTH_LDAP_SERVER_URI"] == "ldap://ldap.jd.example.gov.cn"
    assert values["AUTH_LDAP_USER_SEARCH"].filterstr == "(uid=%(user)s)"
    assert values["AUTH_LDAP_CACHE_TIMEOUT"] == 0
    assert values["OIDC_RP_SIGN_ALGO"] == "RS256" and values["OIDC_USE_PKCE"] is True
    assert values["OIDC_USE_NONCE"] is True and values["OIDC_VERIFY_SSL"] is True
    assert directory.oidc_issuer == "https://id.jd.example.gov.cn"


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({"HUIYIN_DIRECTORY_GROUPS": "a=leader"}, "no directory is"),
        ({**LDAP, "HUIYIN_DIRECTORY_GROUPS": ""}, "must map at least one"),
        ({**LDAP, "HUIYIN_LDAP_URL": "http://ldap"}, "HUIYIN_LDAP_URL must be ldap://"),
        ({**LDAP, "HUIYIN_LDAP_USER_BASE": ""}, "HUIYIN_LDAP_USER_BASE is required"),
        ({**LDAP, "HUIYIN_LDAP_GROUP_BASE": "people"}, "HUIYIN_LDAP_GROUP_BASE must be a DN"),
        ({**LDAP, "HUIYIN_LDAP_USER_FILTER": "(uid=%s)"}, "HUIYIN_LDAP_USER_FILTER"),
        ({**LDAP, "HUIYIN_LDAP_GROUP_TYPE": "ad"}, "HUIYIN_LDAP_GROUP_TYPE must be one of"),
        ({**LDAP, "HUIYIN_LDAP_TIMEOUT": "600"}, "at most 120 seconds"),
        ({**LDAP, "HUIYIN_LDAP_BIND_PASSWORD": "x"}, "HUIYIN_LDAP_BIND_DN is not"),
        ({**LDAP, "HUIYIN_LDAP_CA_FILE": "/nonexistent/ca.pem"}, "HUIYIN_LDAP_CA_FILE: no file"),
        ({**OIDC, "HUIYIN_OIDC_CLIENT_SECRET": ""}, "HUIYIN_OIDC_CLIENT_SECRET is required"),
        ({**OIDC, "HUIYIN_OIDC_TOKEN_URL": "http://id.example/token"}, "must be https://"),
        ({**OIDC, "HUIYIN_OIDC_JWKS_URL": "ftp://x/jwks"}, "HUIYIN_OIDC_JWKS_URL must be"),
        ({**OIDC, "HUIYIN_OIDC_ISSUER": ""}, "HUIYIN_OIDC_ISSUER is required"),
        ({**OIDC, "HUIYIN_OIDC_SIGN_ALGO": "HS256"}, "HUIYIN_OIDC_SIGN_ALGO must be one of"),
        ({**OIDC, "HUIYIN_OIDC_SCOPES": "profile email"}, "including openid"),
        ({**OIDC, "HUIYIN_OIDC_LABEL": "长" * 41}, "HUIYIN_OIDC_LABEL has at most"),
        ({**OIDC, "HUIYIN_OIDC_GROUPS_CLAIM": "my groups"}, "HUIYIN_OIDC_GROUPS_CLAIM"),
    ],
)
def test_it_refuses_a_malformed_variable_naming_it(env, values, says):
    env(values)
    with pytest.raises(ConfigError) as caught:
        config.load()
    assert says in str(caught.value)


def test_plain_http_is_accepted_only_on_this_machine(env):
    env({**OIDC, "HUIYIN_OIDC_TOKEN_URL": "http://127.0.0.1:8080/token"})
    assert config.load().library_settings["OIDC_OP_TOKEN_ENDPOINT"].startswith("http://127")


def test_a_malformed_mapping_stops_huiyin_at_start_up_with_one_line(tmp_path):
    result = run_huiyin(
        ["check"],
        {
            "HUIYIN_DEBUG": "1",
            **LDAP,
            "HUIYIN_DIRECTORY_GROUPS": "hy-clerks=petition_clerk; hy-gzy=community_worker:社区",
        },
        tmp_path,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("huiyin: HUIYIN_DIRECTORY_GROUPS, entry 2")
    assert "unknown scope '社区'" in result.stderr


def test_the_database_check_names_a_place_that_is_not_there(db, personas, settings, env):
    env({**LDAP, "HUIYIN_DIRECTORY_GROUPS": MAPPING + "; hy-x=community_worker:community:无此社区"})
    settings.HUIYIN_DIRECTORY = config.load()
    found = mapped_places_exist(databases=["default"])
    assert [w.id for w in found] == ["huiyin_directory.W001"]
    assert "hy-x=community_worker:community:无此社区" in found[0].msg
    assert isinstance(found[0], checks.Warning)  # a warning: `migrate` of a new office goes on
    assert mapped_places_exist(databases=None) == []
