import pytest
from django.conf import settings
from django.contrib.auth.hashers import identify_hasher
from django.urls import reverse

from huiyin.org.roles import Role
from huiyin.testing.factories import PASSWORD


@pytest.fixture
def leader(personas):
    return personas[Role.LEADER]


def test_it_serves_a_chinese_login_page(client, db):
    html = client.get(reverse("login")).content.decode()
    assert "登录" in html and "用户名" in html and "密码" in html


def test_it_signs_in_and_shows_the_shell(client, leader):
    response = client.post(reverse("login"), {"username": "leader", "password": PASSWORD})
    assert response.status_code == 302
    html = client.get(reverse("home")).content.decode()
    assert 'id="main-nav"' in html and "退出" in html


@pytest.mark.real_hashing
def test_it_hashes_passwords_with_argon2(leader):
    assert identify_hasher(leader.password).algorithm == "argon2"


def test_it_gives_the_same_chinese_message_for_unknown_user_and_wrong_password(client, leader):
    wrong = client.post(reverse("login"), {"username": "leader", "password": "nope-nope-1"})
    unknown = client.post(reverse("login"), {"username": "nobody", "password": "nope-nope-1"})
    assert wrong.status_code == unknown.status_code == 200
    error_wrong = wrong.context["form"].non_field_errors()
    error_unknown = unknown.context["form"].non_field_errors()
    assert error_wrong == error_unknown
    assert "正确的" in str(error_wrong)


def test_it_rotates_the_session_key_at_sign_in(client, leader):
    client.get(reverse("login"))
    client.session.save()
    before = client.session.session_key
    client.post(reverse("login"), {"username": "leader", "password": PASSWORD})
    assert client.session.session_key != before


def test_it_expires_an_idle_session_after_the_configured_minutes(client, leader):
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_MINUTES * 60 == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST


def test_it_throttles_repeated_failures_per_account(client, leader):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "leader", "password": "wrong-wrong-1"})
    response = client.post(reverse("login"), {"username": "leader", "password": PASSWORD})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()


def test_it_throttles_repeated_failures_per_address(client, leader):
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": f"guess{n}", "password": "wrong-wrong-1"})
    response = client.post(reverse("login"), {"username": "leader", "password": PASSWORD})
    assert response.status_code == 429


def test_it_signs_out_with_post(client, leader):
    client.force_login(leader)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302
