"""社区代办: a community worker registers a petition received in their community and follows
the ones they registered, with the petitioners' identity masked as a department handler sees it.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from huiyin.cases.models import Case
from huiyin.org.roles import Role
from huiyin.petitions.models import Petition, Petitioner
from huiyin.petitions.tests.factories import ID_1, PHONE_1, register
from huiyin.petitions.tests.test_views_intake import form_data, person
from huiyin.privacy.models import AuditEntry
from huiyin.testing import factories as f

pytestmark = pytest.mark.django_db

NEW = "/petitions/new/"


@pytest.fixture
def worker(personas):
    return personas[Role.COMMUNITY_WORKER]


@pytest.fixture
def worker_client(client, worker):
    client.force_login(worker)
    return client


def registered(worker_client, community, **fields) -> Petition:
    response = worker_client.post(NEW, form_data([person()], community=community.pk, **fields))
    assert response.status_code == 302, response.content.decode()[:2000]
    petition = Petition.objects.select_related("case").latest("pk")
    # Straight to the case page: the receipt (full names) is not theirs to print.
    assert response["Location"] == reverse("petitions:detail", args=[petition.pk])
    return petition


def test_the_form_offers_only_their_community_chosen_already(worker_client, community):
    f.CommunityFactory(street=community.street, name="翠屏路社区")
    page = worker_client.get(NEW).content.decode()
    assert "柑子园社区" in page
    assert "翠屏路社区" not in page
    assert f'<option value="{community.pk}" selected>' in page


def test_a_worker_registers_in_their_community_and_follows_it_masked(
    worker_client, worker, community
):
    petition = registered(worker_client, community)
    case = petition.case
    assert case.created_by == worker and case.community == community
    assert Case.objects.visible_to(worker).filter(pk=case.pk).exists()

    # Their list: the home page's "petitions I registered" (the petition list is not theirs).
    home = worker_client.get(reverse("home")).content.decode()
    assert 'id="home-registered"' in home
    assert reverse("petitions:detail", args=[case.pk]) in home and case.number in home

    page = worker_client.get(reverse("petitions:detail", args=[case.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    row = Petitioner.objects.get(petition=petition)
    assert row.name_masked in html and row.phone_masked in html
    assert "张三" not in html and ID_1 not in html and PHONE_1 not in html
    # No receipt button: it would be refused.
    assert 'id="receipt-link"' not in html
    assert not AuditEntry.objects.filter(action="identity.view").exists()


def test_the_receipt_and_the_full_identity_stay_refused(worker_client, community):
    petition = registered(worker_client, community)
    row = Petitioner.objects.get(petition=petition)
    assert worker_client.get(reverse("petitions:receipt", args=[petition.pk])).status_code == 403
    identity = reverse("petitions:identity", args=[petition.pk, row.pk])
    response = worker_client.post(identity)
    assert response.status_code == 403
    assert "张三" not in response.content.decode()
    assert not AuditEntry.objects.filter(action__in=["identity.view", "petition.receipt"]).exists()


def test_a_worker_sees_no_other_petition(worker_client, worker, personas, community):
    clerk = personas[Role.PETITION_CLERK]
    theirs = registered(worker_client, community)
    same_community = register(clerk, community=community, title="同社区别人登记的")
    elsewhere = register(
        clerk, community=f.CommunityFactory(street=community.street), title="别的社区"
    )
    other_worker = f.person(Role.COMMUNITY_WORKER, username="community2", community=community)
    by_colleague = register(other_worker, community=community, title="同事登记的")

    assert set(Case.objects.visible_to(worker).values_list("pk", flat=True)) == {theirs.pk}
    home = worker_client.get(reverse("home")).content.decode()
    assert theirs.case.number in home
    for other in (same_community, elsewhere, by_colleague):
        assert other.case.number not in home
        goto = worker_client.get(reverse("cases:goto"), {"number": other.case.number})
        assert goto["Location"] == reverse("home")  # not found, like a missing number
        assert worker_client.get(reverse("petitions:detail", args=[other.pk])).status_code == 404


def test_a_worker_cannot_register_in_another_community(worker_client, worker, community):
    other = f.CommunityFactory(street=community.street, name="翠屏路社区")
    response = worker_client.post(NEW, form_data([person()], community=other.pk))
    assert response.status_code == 200  # the form again, with the field marked
    assert 'data-field="community"' in response.content.decode()
    assert not Case.objects.exists()
    # Nor with a grid of that community (the grid and its community are read together).
    grid = f.GridFactory(community=other)
    response = worker_client.post(NEW, form_data([person()], community=other.pk, grid=grid.pk))
    assert response.status_code == 200
    assert 'data-field="community"' in response.content.decode()
    assert not Case.objects.exists()
    # Nor through the service, nor without a community at all.
    with pytest.raises(PermissionDenied):
        register(worker, community=other)
    with pytest.raises(PermissionDenied):
        register(worker)
    assert not Case.objects.exists()


def test_a_worker_who_leaves_the_community_no_longer_sees_it(worker_client, worker, community):
    petition = registered(worker_client, community)
    worker.staff.grants.all().delete()
    worker = type(worker).objects.get(pk=worker.pk)  # a fresh reach
    assert not Case.objects.visible_to(worker).filter(pk=petition.pk).exists()


def test_nobody_elses_door_changes(worker_client, personas, community, unit):
    """Only who registers without the view permission gains the cases they created."""
    registered(worker_client, community)
    clerk_case = register(personas[Role.PETITION_CLERK], community=community).case
    expected = {
        Role.PETITION_CLERK: 2,
        Role.LEADER: 2,
        Role.AUDITOR: 2,
        Role.GOVERNANCE_STAFF: 2,
        Role.DEPARTMENT_HANDLER: 0,
        Role.GRID_WORKER: 0,
        Role.MEDIATOR: 0,
        Role.ADMINISTRATOR: 0,
    }
    for role, count in expected.items():
        assert Case.objects.visible_to(personas[role]).count() == count, role
    assert clerk_case.created_by == personas[Role.PETITION_CLERK]
