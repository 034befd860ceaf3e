"""sign_in(): what a directory sends is bounded; places are found by name, exactly once."""

from __future__ import annotations

import pytest

from huiyin.directory import services
from huiyin.directory.backends import _username
from huiyin.directory.services import Refused
from huiyin.directory.tests.conftest import MAPPING
from huiyin.org.models import RoleGrant
from huiyin.org.roles import Role
from huiyin.testing import factories as f


@pytest.fixture
def mapped(directory_env, personas, provider_free_env):
    return directory_env({**provider_free_env, "HUIYIN_DIRECTORY_GROUPS": MAPPING})


@pytest.fixture
def provider_free_env():
    # An LDAP configuration that is never contacted: sign_in() itself talks to no directory.
    return {
        "HUIYIN_LDAP_URL": "ldap://127.0.0.1:9",
        "HUIYIN_LDAP_USER_BASE": "ou=people,dc=t",
        "HUIYIN_LDAP_GROUP_BASE": "ou=groups,dc=t",
    }


def sign_in(**kwargs):
    values = {"source": "oidc", "subject": "s-1", "username": "zw", "groups": ["hy-clerks"]}
    return services.sign_in(**{**values, **kwargs})


def test_what_the_directory_sends_is_bounded(mapped):
    user = sign_in(
        groups=["HY-CLERKS", 42, None, "x" * 5000],  # case does not matter; junk is skipped
        name="  欧阳   " + "很长" * 40,
        email="not an address",
    )
    assert user.staff.name == ("欧阳 " + "很长" * 40)[:40]
    assert user.email == ""
    assert list(RoleGrant.objects.filter(staff__user=user).values_list("role", flat=True)) == [
        Role.PETITION_CLERK
    ]
    assert services.bounded_groups("hy-clerks") == ["hy-clerks"]
    assert services.bounded_groups(12) == []
    assert len(services.bounded_groups(f"g{n}" for n in range(5000))) == services.MAX_GROUPS


def test_a_user_name_django_cannot_hold_becomes_one_made_from_the_sub():
    assert _username("zhang.wei", "sub") == "zhang.wei"
    made = _username("张 伟/../", "sub-1")
    assert made.startswith("oidc-") and made == _username(None, "sub-1")
    assert _username("x" * 151, "sub-1") == made


def test_no_identifier_is_refused(mapped):
    with pytest.raises(Refused) as caught:
        sign_in(subject="")
    assert caught.value.reason == Refused.NO_IDENTIFIER


def test_a_place_that_is_not_found_refuses_with_its_own_reason(
    mapped, directory_env, provider_free_env
):
    directory_env(
        {**provider_free_env, "HUIYIN_DIRECTORY_GROUPS": "hy-x=grid_worker:grid:柑子园社区/第9网格"}
    )
    with pytest.raises(Refused) as caught:
        sign_in(groups=["hy-x"])
    assert caught.value.reason == Refused.UNKNOWN_PLACE


def test_with_several_streets_a_whole_street_grant_names_its_street(
    mapped, directory_env, provider_free_env, street
):
    f.StreetFactory(name="北街")
    with pytest.raises(Refused) as caught:
        sign_in(groups=["hy-clerks"])  # "the whole street": which one?
    assert caught.value.reason == Refused.UNKNOWN_PLACE
    directory_env(
        {
            **provider_free_env,
            "HUIYIN_DIRECTORY_GROUPS": f"hy-clerks=petition_clerk:street:{street.name}",
        }
    )
    user = sign_in(groups=["hy-clerks"])
    grant = RoleGrant.objects.get(staff__user=user)
    assert not (grant.community_id or grant.grid_id or grant.unit_id)
    if services.grants_name_streets():
        assert grant.street_id == street.pk


def test_a_disabled_account_stays_out(mapped):
    user = sign_in()
    user.is_active = False
    user.save()
    with pytest.raises(Refused) as caught:
        sign_in()
    assert caught.value.reason == Refused.INACTIVE
