"""Every URL pattern x every role x a petition in and out of the role's scope.

The probes that found the scope and error-page problems, kept: a new page is crawled the day it
lands (patterns come from the root URLconf), and a page whose path parameters the crawl cannot
fill fails `test_every_pattern_is_crawled` until huiyin/testing/crawl.py learns to fill it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from huiyin.testing import crawl

pytestmark = pytest.mark.django_db


@dataclass
class Crawl:
    world: crawl.World
    routes: list[crawl.Route]
    skipped: list[tuple[str, str]]
    unknown: str
    visits: list[tuple[crawl.Target, crawl.Visit]]
    posts: list[tuple[crawl.Target, crawl.Visit]]  # out-of-scope POSTs behind a 405 GET


@pytest.fixture(scope="module")
def crawled(django_db_setup, django_db_blocker):
    """The demo street loaded once and crawled once, rolled back after the module's tests."""
    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        HUIYIN_JOBS_SYNC=True,
    )
    with django_db_blocker.unblock(), fast, transaction.atomic():
        world = crawl.world()
        routes, skipped = crawl.routes()
        try:
            targets, unknown = crawl.plan(world, routes), ""
        except crawl.UnknownRoute as error:
            targets, unknown = [], str(error)
        done = crawl.run(world, targets)
        visits = [(target, seen) for target, seen, _ in done]
        posts = [(target, post) for target, _, post in done if post is not None]
        yield Crawl(world, routes, skipped, unknown, visits, posts)
        transaction.set_rollback(True)


def offenders(rows) -> str:
    return "\n".join(f"  {v.person} {v.method} {v.url} -> {v.status} {v.error}" for v in rows)


def test_every_pattern_is_crawled(crawled):
    assert not crawled.unknown, crawled.unknown
    names = {t.route for t, _ in crawled.visits}
    never = sorted(r.name for r in crawled.routes if r.name not in names)
    assert not never, f"patterns no person could be sent to (fill them in crawl.FILLERS): {never}"


def test_only_the_known_patterns_are_skipped(crawled):
    reasons = {reason for _, reason in crawled.skipped}
    assert reasons <= set(crawl.SKIPPED_WHY.values()), crawled.skipped
    names = {r.name for r in crawled.routes}
    assert {"admin:index", "home", "login", "petitions:detail", "public:track"} <= names


def test_the_crawl_reaches_every_role_and_both_scopes(crawled):
    people = crawled.world.people
    assert set(people) == {*crawl.ROLE_USERS, crawl.ANONYMOUS, crawl.OUTSIDER}
    # A role limited to a unit sees some petitions and not others: both sides are crawled.
    handler = people["department_handler"]
    assert handler.in_case and handler.out_case
    scopes = {(t.person, t.scope) for t, _ in crawled.visits}
    assert ("department_handler", "out") in scopes
    assert ("petition_clerk", "in") in scopes
    assert (crawl.ANONYMOUS, "out") in scopes
    assert len(crawled.visits) > 300


def test_no_page_fails(crawled):
    bad = [v for _, v in crawled.visits + crawled.posts if v.status not in crawl.ALLOWED_STATUS]
    assert not bad, f"{len(bad)} pages answered outside {sorted(crawl.ALLOWED_STATUS)}:\n" + (
        offenders(bad)
    )


def _refused(person: str, visit: crawl.Visit) -> bool:
    if visit.status in (403, 404):
        return True
    login = reverse(settings.LOGIN_URL)
    return person == crawl.ANONYMOUS and visit.status == 302 and visit.location.startswith(login)


def test_a_case_outside_the_scope_is_refused(crawled):
    bad = []
    for target, visit in crawled.visits:
        if target.scope == "out" and visit.status != 405 and not _refused(target.person, visit):
            bad.append(visit)
    for target, visit in crawled.posts:
        if not _refused(target.person, visit):
            bad.append(visit)
    assert not bad, "a case outside the person's scope was not refused (403/404):\n" + offenders(
        bad
    )


def test_no_page_shows_a_case_outside_the_scope(crawled):
    bad = []
    for _, visit in crawled.visits + crawled.posts:
        forbidden = crawled.world.people[visit.person].forbidden
        if visit.status == 200 and forbidden is not None:
            found = sorted(set(forbidden.findall(visit.body)))
            if found:
                visit.error = "shows " + ", ".join(found[:3]) + ("…" if len(found) > 3 else "")
                bad.append(visit)
    assert not bad, "pages showing a case outside the person's scope:\n" + offenders(bad)
