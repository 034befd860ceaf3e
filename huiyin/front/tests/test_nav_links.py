"""No role meets a 403 where the navigation offers a link.

For every role of huiyin/org/roles.py: every link of the home page (the sidebar built by
huiyin/front/navigation.py, the top bar, the to-do list, the role's panels) and every link in
the navigation of the pages those lead to (the sidebar, the section tabs) answers 200 for that
role. A link the role cannot use must not be shown. Sections not installed yet are no links.
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from huiyin.cases.models import Case
from huiyin.org.roles import ROLE_PERMISSIONS, Role
from huiyin.petitions.models import Level, ReceptionSlot
from huiyin.petitions.services import mark_key_case
from huiyin.petitions.tests.factories import register

pytestmark = pytest.mark.django_db

#: The parts of a page that are navigation (their links are followed a second step).
NAV_IDS = ("main-nav", "petitions-subnav", "reports-subnav")


class _Links(HTMLParser):
    """The <a href> of a page, and which of them sit inside a navigation element."""

    def __init__(self):
        super().__init__()
        self.all: list[str] = []
        self.nav: list[str] = []
        self._stack: list[bool] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        inside = bool(self._stack and self._stack[-1]) or attrs.get("id") in NAV_IDS
        if tag not in ("br", "img", "input", "meta", "link", "hr"):
            self._stack.append(inside)
        if tag == "a" and attrs.get("href"):
            self.all.append(attrs["href"])
            if inside:
                self.nav.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag not in ("br", "img", "input", "meta", "link", "hr") and self._stack:
            self._stack.pop()


def links(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


def _internal(href: str) -> str | None:
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None  # an anchor, another site
    if parts.path.startswith("/static/"):
        return None
    return href.replace("&amp;", "&")


@pytest.fixture
def street_at_work(personas, community, unit):
    """Enough matters for every panel to show its links: overdue, a goal broken, a key case,
    a reception day, a petition the community worker registered."""
    clerk = personas[Role.PETITION_CLERK]
    leader = personas[Role.LEADER]
    late = register(clerk, community=community, title="逾期")
    Case.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - timedelta(days=2))
    register(clerk, community=community, level=Level.CITY, received_at=timezone.now())
    mark_key_case(
        late,
        actor=leader,
        leader=leader.staff,
        responsible_unit=unit,
        plan="包案化解",
        time_limit=timezone.localdate() + timedelta(days=20),
    )
    ReceptionSlot.objects.create(
        leader=leader.staff,
        kind=ReceptionSlot.SlotKind.RECEPTION_DAY,
        date=timezone.localdate() + timedelta(days=1),
        start_time=time(9),
        end_time=time(11),
        place="街道信访接待室",
    )
    register(personas[Role.COMMUNITY_WORKER], community=community, title="社区代办")
    return personas


def test_every_role_is_crawled():
    assert set(ROLE_PERMISSIONS) == set(Role)


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_every_link_the_navigation_offers_answers_200(client, street_at_work, role):
    client.force_login(street_at_work[role])
    home = client.get(reverse("home"))
    assert home.status_code == 200
    first = links(home.content.decode())
    seen: dict[str, int] = {}
    follow = []
    for href in first.all:
        url = _internal(href)
        if url is None or url in seen:
            continue
        seen[url] = client.get(url).status_code
        follow.append(url)
    # One step further: the navigation of every page the home page leads to.
    for url in follow:
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        for href in links(response.content.decode()).nav:
            target = _internal(href)
            if target is not None and target not in seen:
                seen[target] = client.get(target).status_code
    bad = {url: status for url, status in seen.items() if status != 200}
    assert not bad, f"{role}: links answering other than 200: {bad}"
    assert reverse("home") in seen
    if role == Role.LEADER:
        # The leader's panels were crawled: an overdue case, his reception days, the board.
        assert any(re.fullmatch(r"/petitions/\d+/", url) for url in seen)
        assert any(url.startswith(reverse("petitions:reception") + "?") for url in seen)
        assert reverse("reports:dashboard") in seen
    if role == Role.COMMUNITY_WORKER:
        assert reverse("petitions:new") in seen
        assert any(re.fullmatch(r"/petitions/\d+/", url) for url in seen)


@pytest.mark.parametrize("role", [Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.MEDIATOR])
def test_field_workers_are_offered_no_empty_section_page(client, personas, role):
    client.force_login(personas[role])
    html = client.get(reverse("home")).content.decode()
    assert not re.search(r'href="/section/', html)
