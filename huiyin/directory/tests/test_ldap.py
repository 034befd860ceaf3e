"""LDAP sign-in against a real OpenLDAP slapd started here, through the real sign-in form."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from huiyin.directory.models import DirectoryAccount
from huiyin.directory.services import Refused
from huiyin.directory.tests import slapd
from huiyin.directory.tests.conftest import MAPPING
from huiyin.org.access import reach_of
from huiyin.org.models import RoleGrant
from huiyin.org.roles import Perm, Role
from huiyin.privacy.models import AuditEntry
from huiyin.testing.factories import PASSWORD

pytestmark = pytest.mark.skipif(bool(slapd.unavailable()), reason=slapd.unavailable() or "-")

ZHANG_PASSWORD = "zhang-directory-pw-1"
LI_PASSWORD = "li-directory-pw-1"
WANG_PASSWORD = "wang-directory-pw-1"
LEADER_PASSWORD = "leader-directory-pw-1"
READER_PASSWORD = "reader-pw-for-huiyin"


@pytest.fixture(scope="module")
def directory():
    server = slapd.start(
        [
            slapd.person("zhangwei", "张伟", ZHANG_PASSWORD, "zhangwei@jd.example.gov.cn"),
            slapd.person("lina", "李娜", LI_PASSWORD),
            slapd.person("wangfang", "王芳", WANG_PASSWORD),
            # A directory user with the name of a local account (the conftest's leader).
            slapd.person("leader", "冒名", LEADER_PASSWORD),
            slapd.group("hy-clerks", "zhangwei"),
            slapd.group("hy-gzy", "zhangwei"),
            slapd.group("hy-grid1", "lina"),
            slapd.group("hy-cjb"),
            slapd.group("hy-leaders", "leader"),
            slapd.group("canteen", "wangfang", "zhangwei"),
        ],
        root_password="root-pw-for-tests",
        reader_password=READER_PASSWORD,
    )
    yield server
    server.stop()


@pytest.fixture
def ldap_on(directory, directory_env, personas):
    return directory_env(
        {
            "HUIYIN_LDAP_URL": directory.url,
            "HUIYIN_LDAP_BIND_DN": slapd.READER_DN,
            "HUIYIN_LDAP_BIND_PASSWORD": READER_PASSWORD,
            "HUIYIN_LDAP_USER_BASE": slapd.PEOPLE,
            "HUIYIN_LDAP_GROUP_BASE": slapd.GROUPS,
            "HUIYIN_LDAP_TIMEOUT": "5",
            "HUIYIN_DIRECTORY_GROUPS": MAPPING,
        }
    )


def sign_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def grants(username):
    """(role, community, grid) or (role, "unit", unit) of each of the person's grants."""
    found = set()
    rows = RoleGrant.objects.filter(staff__user__username=username)
    for g in rows.select_related("community", "grid__community", "unit"):
        if g.unit:
            found.add((g.role, "unit", g.unit.name))
        elif g.grid:
            found.add((g.role, g.grid.community.name, g.grid.name))
        else:
            found.add((g.role, g.community.name if g.community else None, None))
    return found


def form_error(response):
    errors = response.context["form"].non_field_errors().as_data()
    return errors[0] if errors else None


def test_the_axes_backend_stays_first_and_local_accounts_second(ldap_on):
    assert settings.AUTHENTICATION_BACKENDS[:2] == [
        "axes.backends.AxesStandaloneBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    assert settings.AUTHENTICATION_BACKENDS[2:] == ["huiyin.directory.backends.LDAPBackend"]


def test_the_right_password_signs_in_with_the_mapped_grants(client, ldap_on):
    response = sign_in(client, "zhangwei", ZHANG_PASSWORD)
    assert response.status_code == 302, form_error(response)
    assert client.get(reverse("home")).status_code == 200

    user = get_user_model().objects.get(username="zhangwei")
    assert not user.has_usable_password()  # the directory keeps the password, not Huiyin
    assert user.email == "zhangwei@jd.example.gov.cn"
    assert user.staff.name == "张伟"
    assert not (user.is_staff or user.is_superuser)
    assert grants("zhangwei") == {
        (Role.PETITION_CLERK, None, None),
        (Role.COMMUNITY_WORKER, "柑子园社区", None),
    }
    account = DirectoryAccount.objects.get(user=user)
    assert (account.source, account.subject) == ("ldap", "zhangwei")
    assert account.groups == ["hy-clerks", "hy-gzy"]  # "canteen" maps to nothing: not kept
    assert reach_of(user).can(Perm.PETITIONS_REGISTER)

    sync = AuditEntry.objects.get(action="directory.sync")
    assert sync.actor == user and sync.target_type == "org.staff"
    assert sync.diff["source"] == "ldap" and sync.diff["groups"] == ["hy-clerks", "hy-gzy"]
    assert AuditEntry.objects.filter(action="auth.login", actor=user).count() == 1


def test_the_wrong_password_is_refused_and_makes_no_account(client, ldap_on):
    response = sign_in(client, "zhangwei", "not-the-password-1")
    assert response.status_code == 200
    assert form_error(response).code == "invalid_login"
    assert not get_user_model().objects.filter(username="zhangwei").exists()
    assert "_auth_user_id" not in client.session


def test_a_user_in_no_mapped_group_is_refused_with_the_reason(client, ldap_on):
    response = sign_in(client, "wangfang", WANG_PASSWORD)
    assert response.status_code == 200
    error = form_error(response)
    assert error.code == "directory"
    assert error.message == str(Refused.MESSAGES[Refused.NO_GROUP])
    assert "_auth_user_id" not in client.session
    assert not get_user_model().objects.filter(username="wangfang").exists()
    refused = AuditEntry.objects.get(action="directory.refused")
    assert refused.target_label == "wangfang"
    assert refused.diff == {"source": "ldap", "reason": "no_mapped_group", "groups": []}
    assert AuditEntry.objects.filter(action="auth.login_failed").exists()


def test_a_group_change_in_the_directory_changes_the_grants_at_the_next_sign_in(
    client, ldap_on, directory
):
    assert sign_in(client, "lina", LI_PASSWORD).status_code == 302
    assert grants("lina") == {(Role.GRID_WORKER, "柑子园社区", "第1网格")}
    client.post(reverse("logout"))
    try:
        directory.set_members("hy-grid1")
        directory.set_members("hy-cjb", "lina")
        assert sign_in(client, "lina", LI_PASSWORD).status_code == 302
        assert grants("lina") == {(Role.DEPARTMENT_HANDLER, "unit", "城建办")}
        entries = AuditEntry.objects.filter(action="directory.sync").order_by("seq")
        assert [e.diff["groups"] for e in entries] == [["hy-grid1"], ["hy-cjb"]]
        before, after = entries.last().diff["grants"]
        assert "第1网格" in before and "城建办" in after

        # Out of every mapped group: the next sign-in is refused, and the grants are gone.
        client.post(reverse("logout"))
        directory.set_members("hy-cjb")
        response = sign_in(client, "lina", LI_PASSWORD)
        assert form_error(response).code == "directory"
        assert "_auth_user_id" not in client.session
        assert grants("lina") == set()
        last = AuditEntry.objects.filter(action="directory.sync").order_by("seq").last()
        assert last.diff["grants"][1] == "—" and "城建办" in last.diff["grants"][0]
    finally:
        directory.set_members("hy-grid1", "lina")
        directory.set_members("hy-cjb")


def test_a_sign_in_with_unchanged_groups_writes_no_sync_entry(client, ldap_on):
    assert sign_in(client, "zhangwei", ZHANG_PASSWORD).status_code == 302
    client.post(reverse("logout"))
    assert sign_in(client, "zhangwei", ZHANG_PASSWORD).status_code == 302
    assert AuditEntry.objects.filter(action="directory.sync").count() == 1
    assert AuditEntry.objects.filter(action="auth.login").count() == 2


def test_a_local_account_still_signs_in_and_is_never_taken_over(client, ldap_on):
    # The local leader's own password: the local account, argon2 and all, as before.
    response = sign_in(client, "leader", PASSWORD)
    assert response.status_code == 302
    client.post(reverse("logout"))
    # The directory's "leader" proves its password to the directory, but the name is a local
    # account's: refused, and the local account keeps its grants and password.
    response = sign_in(client, "leader", LEADER_PASSWORD)
    assert form_error(response).code == "directory"
    assert form_error(response).message == str(Refused.MESSAGES[Refused.NAME_TAKEN])
    leader = get_user_model().objects.get(username="leader")
    assert leader.has_usable_password()
    assert not DirectoryAccount.objects.filter(user=leader).exists()
    assert grants("leader") == {(Role.LEADER, None, None)}


def test_a_directory_that_cannot_be_reached_says_so_and_local_accounts_still_work(
    client, directory_env, personas
):
    directory_env(
        {
            "HUIYIN_LDAP_URL": f"ldap://127.0.0.1:{slapd.free_port()}",
            "HUIYIN_LDAP_USER_BASE": slapd.PEOPLE,
            "HUIYIN_LDAP_GROUP_BASE": slapd.GROUPS,
            "HUIYIN_LDAP_TIMEOUT": "2",
            "HUIYIN_DIRECTORY_GROUPS": MAPPING,
        }
    )
    response = sign_in(client, "zhangwei", ZHANG_PASSWORD)
    assert response.status_code == 200
    assert form_error(response).code == "directory"
    assert sign_in(client, "leader", PASSWORD).status_code == 302
