"""Every dispute page × every role: who is let in, who is refused and how (403 for a role
without disputes, 404 for a dispute outside one's scope, a refusal in words for a step the role
may not take, the sign-in page for a visitor). The dispute lies in the grid worker's grid, so
every role with a scope reaches it."""

from __future__ import annotations

import pytest

from huiyin.disputes.models import Party
from huiyin.disputes.tests import factories as df
from huiyin.org.roles import Role

pytestmark = pytest.mark.django_db

ANON, OUTSIDER = "anonymous", "outsider"
WORKERS = (Role.GOVERNANCE_STAFF, Role.MEDIATOR, Role.COMMUNITY_WORKER, Role.GRID_WORKER)
READERS = (Role.LEADER, Role.AUDITOR)
OTHERS = (Role.PETITION_CLERK, Role.DEPARTMENT_HANDLER, Role.ADMINISTRATOR, OUTSIDER)
EVERYONE = (*WORKERS, *READERS, *OTHERS, ANON)


def expected(page: str, who) -> int:
    if who == ANON:
        return 302
    if page in ("list", "committees", "detail"):
        return 200 if who in WORKERS + READERS else 403
    if page in ("new", "add_party"):
        return {"new": 200, "add_party": 302}[page] if who in WORKERS else 403
    if page == "identity":
        # Identity viewers and those who mediate the dispute; the others who see it are
        # refused (403); who cannot see it at all gets the door's 404.
        if who in (Role.GOVERNANCE_STAFF, Role.MEDIATOR, Role.COMMUNITY_WORKER, Role.LEADER):
            return 200
        return 403 if who in (Role.GRID_WORKER, Role.AUDITOR) else 404
    if page == "consent":
        if who in OTHERS:
            return 403
        # Consent is a mediation step: the grid worker screens, the readers read.
        return 302 if who in (Role.GOVERNANCE_STAFF, Role.MEDIATOR, Role.COMMUNITY_WORKER) else 400
    if page == "note":
        return 403 if who in OTHERS else (302 if who in WORKERS else 400)
    raise AssertionError(page)


@pytest.fixture
def dispute(governance, community, grid):
    return df.register(governance, community=community, grid=grid)


@pytest.fixture
def login(client, personas, outsider):
    def as_(who):
        if who == OUTSIDER:
            client.force_login(outsider)
        elif who != ANON:
            client.force_login(personas[who])
        return client

    return as_


def request(client, page: str, case):
    base = f"/disputes/{case.pk}/"
    party = Party.objects.filter(dispute_id=case.pk).order_by("pk").first()
    if page == "list":
        return client.get("/disputes/")
    if page == "new":
        return client.get("/disputes/new/")
    if page == "committees":
        return client.get("/disputes/committees/")
    if page == "detail":
        return client.get(base)
    if page == "identity":
        return client.post(f"{base}identity/{party.pk}/")
    if page == "consent":
        return client.post(
            f"{base}do/consent/", {"consent-version": case.version, "consent-party": party.pk}
        )
    if page == "note":
        return client.post(f"{base}note/", {"text": "已联系双方"})
    if page == "add_party":
        return client.post(f"{base}parties/", {"add_party-side": "b", "add_party-name": "王六"})
    raise AssertionError(page)


PAGES = ("list", "new", "committees", "detail", "identity", "consent", "note", "add_party")


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("who", EVERYONE, ids=str)
def test_every_page_for_every_role(login, dispute, page, who):
    response = request(login(who), page, dispute)
    assert response.status_code == expected(page, who), (page, who)
    if response.status_code == 302 and who == ANON:
        assert "/login/" in response["Location"]
    if who in OTHERS + (Role.GRID_WORKER, Role.AUDITOR) and page == "identity":
        assert "张三" not in response.content.decode()
