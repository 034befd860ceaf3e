"""Journey: every role on a 390×844 phone, on the demo street (a real Chromium).

Each role signs in and opens its home and every page it has among the staff pages below
(the petition list, the intake, a case page, key cases, reception days, the dashboard,
campaigns, ledgers, the audit trail, the forms ...); the public opens the tracker. On each
page nothing overflows sideways, the menu button slides the navigation in and out, and a
screenshot goes to test-artifacts/screenshots/phone-<role>-<page>.png. One desktop screenshot
of the petition list shows the wide layout is unchanged.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case
from huiyin.org import demo
from huiyin.org.management.commands.demo import demo_loaders
from huiyin.org.models import Staff
from huiyin.org.roles import Role
from huiyin.petitions.models import KeyCase
from huiyin.reports.models import Campaign
from huiyin.testing.browser import SCREENSHOTS, screenshot
from huiyin.testing.crawl import ROLE_USERS
from huiyin.testing.factories import PASSWORD
from huiyin.testing.snapshot import restored_or_built

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
LOGIN_PAGE = re.compile(r"/login/(\?.*)?$")


def load_demo_street() -> None:
    out = io.StringIO()
    demo.load_organisation()
    demo.load_accounts(PASSWORD)
    for load in demo_loaders():
        load(out)
    call_command("tick", stdout=out)


@pytest.fixture
def demo_street(live_server):
    """The demo street as `huiyin demo` loads it (its places, accounts, petitions, campaigns).

    Loaded once a run and put back for each journey (huiyin/testing/snapshot.py).
    """
    restored_or_built("demo street", load_demo_street)


def no_overflow(page, what: str) -> None:
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if width > inner + 1:
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                 .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                 .slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className)"""
        )
        pytest.fail(f"{what}: the page is {width} px wide at {inner} px: {wide}")


def menu_opens(page, shot: str | None = None) -> None:
    """The menu button slides the navigation in; its close button slides it out again."""
    nav = page.locator("#main-nav")
    expect(nav).not_to_be_in_viewport()
    page.click("#menu-toggle")
    expect(page.locator("#hy-sidebar")).to_have_class(re.compile(r"\bshow\b"))
    expect(nav).to_be_in_viewport()
    if shot:
        page.wait_for_timeout(400)  # the slide's transition
        page.screenshot(path=str(SCREENSHOTS / f"{shot}.png"))
    page.click("#hy-sidebar .btn-close")
    expect(page.locator("#hy-sidebar")).not_to_have_class(re.compile(r"\bshow\b"))
    expect(page.locator(".offcanvas-backdrop")).to_have_count(0)


def staff_pages(user) -> list[tuple[str, str]]:
    """(name, path) of the pages worth a look for `user`; those the role lacks answer 403/404."""
    visible = Case.objects.visible_to(user).filter(kind=Kind.PETITION, withdrawn=False)
    keyed = set(KeyCase.objects.values_list("case_id", flat=True))
    ids = list(visible.order_by("pk").values_list("pk", flat=True))
    case = next((pk for pk in ids if pk in keyed), ids[0] if ids else None)
    plain = next((pk for pk in ids if pk not in keyed), None)
    key_case = KeyCase.objects.filter(case_id=case).values_list("pk", flat=True).first()
    campaign = Campaign.objects.order_by("pk").values_list("pk", flat=True).first()
    pages = [
        ("home", "/"),
        ("list", "/petitions/"),
        ("intake", "/petitions/new/"),
        ("keycases", "/petitions/keycases/"),
        ("reception", "/petitions/reception/"),
        ("reception-form", "/petitions/reception/new/"),
        ("notifications", "/cases/notifications/"),
        ("dashboard", "/reports/"),
        ("campaigns", "/reports/campaigns/"),
        ("campaign-form", "/reports/campaigns/new/"),
        ("ledger", "/reports/ledger/"),
        ("word", "/reports/word/"),
        ("audit", "/audit/"),
        ("system", "/system/"),
        ("section-disputes", "/section/disputes/"),
    ]
    if case is not None:
        pages.append(("case", f"/petitions/{case}/"))
    if key_case is not None:
        pages.append(("keycase", f"/petitions/keycases/{key_case}/"))
    if plain is not None:
        pages.append(("keycase-form", f"/petitions/{plain}/keycase/"))
    if campaign is not None:
        pages.append(("campaign", f"/reports/campaigns/{campaign}/"))
    return pages


def sign_in(page, live_url, username: str) -> None:
    page.goto(live_url("/login/"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(live_url("/"))


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_every_page_of_the_role_fits_a_phone(page, live_url, demo_street, role):
    username = ROLE_USERS[str(role)]
    user = Staff.objects.select_related("user").get(user__username=username).user
    page.set_viewport_size(PHONE)
    sign_in(page, live_url, username)

    opened = []
    for name, path in staff_pages(user):
        response = page.goto(live_url(path))
        if response.status in (403, 404) or LOGIN_PAGE.search(page.url):
            continue
        assert response.status == 200, (path, response.status)
        # The top bar holds the menu button, the brand, the bell and 退出 on one line.
        logout = page.locator("#logout")
        expect(logout).to_have_text("退出")
        box, toggle = logout.bounding_box(), page.locator("#menu-toggle").bounding_box()
        assert box["height"] < 40, (path, box)
        assert abs(box["y"] - toggle["y"]) < 8, (path, box, toggle)
        no_overflow(page, f"{role.value} {path}")
        screenshot(page, f"phone-{role.value}-{name}")
        menu_opens(page, f"phone-{role.value}-menu" if name == "home" else None)
        opened.append(name)

    assert "home" in opened
    if role in (Role.PETITION_CLERK, Role.LEADER, Role.AUDITOR, Role.DEPARTMENT_HANDLER):
        assert {"list", "case"} <= set(opened), opened
    if role == Role.PETITION_CLERK:
        assert "intake" in opened


def test_the_petition_list_on_a_phone_shows_cards_and_folds_its_filters(
    page, live_url, demo_street
):
    page.set_viewport_size(PHONE)
    sign_in(page, live_url, "clerk")
    page.goto(live_url("/petitions/"))
    expect(page.locator("#petition-table")).to_be_hidden()
    cards = page.locator("#petition-cards [data-card]")
    expect(cards.first).to_be_visible()
    first = cards.first
    expect(first).to_contain_text(re.compile(r"信〔\d{4}〕\d{4}号"))
    # The filter bar folds behind 筛选 and opens with it; its selects show their text.
    expect(page.locator("#petition-filter")).to_be_hidden()
    page.click("#petition-filter-toggle")
    expect(page.locator("#petition-filter")).to_be_visible()
    status = page.locator("#f-status")
    assert status.bounding_box()["width"] > 120
    no_overflow(page, "list with the filters open")
    screenshot(page, "phone-clerk-list-filters")

    # The same list on a desktop: the table, the filter bar open, no cards.
    page.set_viewport_size(DESKTOP)
    page.goto(live_url("/petitions/"))
    expect(page.locator("#petition-table")).to_be_visible()
    expect(page.locator("#petition-filter")).to_be_visible()
    expect(page.locator("#petition-cards")).to_be_hidden()
    expect(page.locator("#menu-toggle")).to_be_hidden()
    expect(page.locator("#main-nav")).to_be_visible()
    no_overflow(page, "desktop list")
    screenshot(page, "desktop-clerk-list")


def test_the_public_tracker_and_sign_in_fit_a_phone(page, live_url, demo_street):
    page.set_viewport_size(PHONE)
    page.goto(live_url("/login/"))
    no_overflow(page, "login")
    screenshot(page, "phone-public-login")
    page.goto(live_url("/track/"))
    expect(page.locator("#track-form")).to_be_visible()
    no_overflow(page, "tracker")
    screenshot(page, "phone-public-tracker")


def test_the_go_to_box_opens_a_case_from_the_phone_menu(page, live_url, demo_street):
    user = Staff.objects.get(user__username="clerk").user
    case = Case.objects.visible_to(user).order_by("pk").first()
    page.set_viewport_size(PHONE)
    sign_in(page, live_url, "clerk")
    page.click("#menu-toggle")
    page.fill("#goto-number-menu", f"  {case.number} ")
    page.press("#goto-number-menu", "Enter")
    page.wait_for_url(live_url(f"/petitions/{case.pk}/"))
    page.click("#menu-toggle")
    page.fill("#goto-number-menu", "浓洄信〔1999〕9999号")
    page.press("#goto-number-menu", "Enter")
    # 未找到编号为“…”的事项，或您无权查看 (the number quoted back, the page not left)
    expect(page.locator(".alert")).to_contain_text("浓洄信〔1999〕9999号")
    expect(page).to_have_url(re.compile(rf"/petitions/{case.pk}/$"))
    no_overflow(page, "goto message")
    screenshot(page, "phone-clerk-goto-missing")


def test_the_petitioners_of_a_case_read_one_below_the_other_on_a_phone(page, live_url, demo_street):
    """No sideways scrolling inside the petitioners' box: each petitioner's name, ID, phone
    and address are labelled lines of their own, the reveal button under them."""
    user = Staff.objects.get(user__username="clerk").user
    case = (
        Case.objects.visible_to(user, kind=Kind.PETITION)
        .filter(petition__petitioners__isnull=False)
        .order_by("pk")
        .first()
    )
    page.set_viewport_size(PHONE)
    sign_in(page, live_url, "clerk")
    page.goto(live_url(f"/petitions/{case.pk}/"))
    box = page.locator("#case-petitioners .table-responsive")
    scroll, client = box.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert scroll <= client + 1, f"the petitioners' box scrolls: {scroll} px in {client} px"
    first = page.locator("#case-petitioners tbody tr[data-petitioner]").first
    expect(first.locator("td[data-label]").first).to_be_visible()
    reveal = first.locator(".hy-reveal")
    reveal.scroll_into_view_if_needed()
    right = reveal.evaluate("e => e.getBoundingClientRect().right")
    assert right <= PHONE["width"], f"the reveal button ends at {right} px"
    reveal.click()
    expect(page.locator("#case-petitioners tr[data-revealed]")).to_have_count(1)
    scroll, client = box.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert scroll <= client + 1, f"revealed, the box scrolls: {scroll} px in {client} px"
    no_overflow(page, "case page with a petitioner revealed")
    screenshot(page, "phone-clerk-case-petitioners")
