"""Hostile values into every filter and every form: no 500, and no markup unescaped.

The forms are not listed here: they are read from the pages the crawl finds (every <form> of
every page answering 200, for every role, and every link with a query string), so a new filter
or form is probed the day it lands. Each field gets one hostile value per run (absurd dates,
huge numbers, a NUL byte, markup, format and template strings; cycled so that every value is
sent to every form), the others keep a plausible valid value so the hostile one can reach the
save path; then the 1 MB text once per form. Every request runs in a savepoint rolled back
after it, so what one request saves never changes what the next one sees.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from huiyin.testing import crawl

pytestmark = pytest.mark.django_db

#: Forms not sent hostile values, and why.
LEFT_OUT = {
    # Signing out ends the session the probes run in; it has no field but the CSRF token.
    "/logout/": "signs the prober out",
}


@dataclass
class Found:
    world: crawl.World
    forms: list[tuple[str, crawl.Form]]  # (person, form), one per form signature


@pytest.fixture(scope="module")
def found(django_db_setup, django_db_blocker):
    """The demo street, crawled once for its forms; rolled back after the module's tests."""
    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        HUIYIN_JOBS_SYNC=True,
    )
    with django_db_blocker.unblock(), fast, transaction.atomic():
        world = crawl.world()
        routes, _ = crawl.routes()
        targets = [t for t in crawl.plan(world, routes) if t.scope != "out"]
        forms: dict[tuple, tuple[str, crawl.Form]] = {}
        links: list[tuple[str, crawl.Form]] = []
        for target, seen, _ in crawl.run(world, targets):
            if seen.status != 200 or "html" not in seen.content_type:
                continue
            for form in crawl.forms_in(target.url, seen.body):
                if form.action in LEFT_OUT:
                    continue
                if form.from_link:
                    links.append((target.person, form))
                else:
                    forms.setdefault(form.signature, (target.person, form))
        # A link's query string is probed only for the parameters no <form> of its page sends.
        covered = {
            (f.action, x.name) for _, f in forms.values() if f.method == "GET" for x in f.fields
        }
        for person, form in links:
            names = {(form.action, x.name) for x in form.fields}
            if not names <= covered:
                covered |= names
                forms.setdefault(form.signature, (person, form))
        yield Found(world, list(forms.values()))
        transaction.set_rollback(True)


def _escaped_everywhere(visit: crawl.Visit) -> list[str]:
    if "html" not in visit.content_type:
        return []
    return [m for m in crawl.MARKUP if m in visit.body]


def _probe(found: Found, method: str) -> tuple[list[str], int]:
    offenders: list[str] = []
    sent = 0
    forms = [(p, f) for p, f in found.forms if f.method == method]
    for person, form in forms:
        client = crawl.client_for(found.world.people[person])
        for name, value, data in crawl.hostile_requests(form):
            sent += 1
            if method == "GET":
                visit = crawl.visit(client, person, "GET", form.action, data)
            else:
                visit = crawl.visit(client, person, "POST", form.action, data)
            where = f"{person} {method} {crawl._generic(form.action)} {name}={crawl.short(value)}"
            if visit.status >= 500:
                offenders.append(f"  {where} -> {visit.status} {visit.error}")
            elif raw := _escaped_everywhere(visit):
                offenders.append(f"  {where} -> {visit.status} unescaped {crawl.short(raw[0])}")
    return offenders, sent


def test_the_crawl_finds_the_filters_and_forms(found):
    actions = {(f.method, crawl._generic(f.action)) for _, f in found.forms}
    for expected in [
        ("GET", reverse("petitions:list")),
        ("GET", reverse("privacy:audit")),
        ("POST", reverse("petitions:new")),
        ("POST", reverse("login")),
    ]:
        assert expected in actions, f"{expected} not found among {sorted(actions)}"


def test_hostile_values_in_every_filter(found):
    offenders, sent = _probe(found, "GET")
    assert sent > 50
    assert not offenders, f"{len(offenders)} of {sent} hostile GETs:\n" + "\n".join(offenders)


def test_hostile_values_in_every_form(found):
    offenders, sent = _probe(found, "POST")
    assert sent > 50
    assert not offenders, f"{len(offenders)} of {sent} hostile POSTs:\n" + "\n".join(offenders)
