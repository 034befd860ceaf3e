"""Journey: each role signs in, sees only its sections, and signs out (a real Chromium)."""

import re

import pytest
from playwright.sync_api import expect

from huiyin.front.tests.test_navigation import EXPECTED
from huiyin.org.roles import Role
from huiyin.testing.browser import screenshot
from huiyin.testing.factories import PASSWORD

pytestmark = pytest.mark.browser

LOGIN_PAGE = re.compile(r"/login/(\?.*)?$")


def sign_in(page, live_url, username, password):
    page.goto(live_url("/login/"))
    expect(page).to_have_title(re.compile("登录"))
    expect(page.locator("label[for=id_username]")).to_have_text("用户名")
    expect(page.locator("label[for=id_password]")).to_have_text("密码")
    expect(page.locator("#login-submit")).to_have_text("登录")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login-submit")


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_each_role_signs_in_sees_its_sections_and_signs_out(page, live_url, personas, role):
    assert set(EXPECTED) == set(Role), "test_navigation.EXPECTED must cover every role"
    user = personas[role]

    sign_in(page, live_url, user.get_username(), PASSWORD)

    page.wait_for_url(live_url("/"))
    expect(page.locator("#main-nav")).to_be_visible()
    expect(page.locator("#whoami")).to_contain_text(str(role.label))
    # Bootstrap and the app stylesheet are applied, not just requested.
    expect(page.locator(".hy-sidebar")).to_have_css("background-color", "rgb(31, 41, 55)")
    expect(page.locator("#logout")).to_have_css("display", "inline-block")

    shown = page.locator("#main-nav a[data-section]").evaluate_all(
        "links => links.map(a => a.dataset.section)"
    )
    assert sorted(shown) == sorted(EXPECTED[role])
    screenshot(page, f"signin-{role.value}")

    page.click("#logout")
    page.wait_for_url(LOGIN_PAGE)
    expect(page.locator("#login-submit")).to_be_visible()
    page.goto(live_url("/"))
    page.wait_for_url(LOGIN_PAGE)


def test_a_wrong_password_is_refused_in_chinese(page, live_url, personas):
    sign_in(page, live_url, "leader", "not-the-password-1")

    error = page.locator("#login-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("请输入一个正确的用户名和密码")
    expect(page).to_have_url(LOGIN_PAGE)
    expect(page.locator("#id_username")).to_have_value("leader")
    expect(page.locator("#main-nav")).to_have_count(0)
    screenshot(page, "signin-wrong-password")
