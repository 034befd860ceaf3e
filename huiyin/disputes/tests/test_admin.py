"""Administrators keep the committees and mediators; disputes are read-only there, masked."""

import pytest
from django.urls import reverse

from huiyin.disputes.models import Committee, Mediator
from huiyin.disputes.tests import factories as df
from huiyin.org.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, personas):
    client.force_login(personas[Role.ADMINISTRATOR])
    return client


def test_an_administrator_adds_a_committee_and_its_mediator(admin_client, street, community):
    response = admin_client.post(
        reverse("admin:disputes_committee_add"),
        {
            "street": street.pk,
            "name": "柑子园社区人民调解委员会",
            "tier": "community",
            "community": community.pk,
            "active": "on",
            "order": 0,
            "mediators-TOTAL_FORMS": 1,
            "mediators-INITIAL_FORMS": 0,
            "mediators-0-name": "李调解",
            "mediators-0-term_start": "2024-01-01",
            "mediators-0-active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    committee = Committee.objects.get()
    assert Mediator.objects.get().committee == committee
    assert admin_client.get(reverse("admin:disputes_committee_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:disputes_mediator_changelist")).status_code == 200
    page = admin_client.get(
        reverse("admin:disputes_mediator_change", args=[Mediator.objects.get().pk])
    )
    assert page.status_code == 200


def test_a_committee_of_the_wrong_place_for_its_tier_is_refused(admin_client, street):
    response = admin_client.post(
        reverse("admin:disputes_committee_add"),
        {
            "street": street.pk,
            "name": "某社区人民调解委员会",
            "tier": "community",
            "active": "on",
            "order": 0,
            "mediators-TOTAL_FORMS": 0,
            "mediators-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200 and not Committee.objects.exists()


def test_training_hours_are_bounded(admin_client, community):
    mediator = df.mediator(df.committee(community))
    url = reverse("admin:disputes_mediator_change", args=[mediator.pk])
    data = {
        "committee": mediator.committee_id,
        "name": mediator.name,
        "term_start": "2024-01-01",
        "active": "on",
        "trainings-TOTAL_FORMS": 1,
        "trainings-INITIAL_FORMS": 0,
        "trainings-0-on": "2026-03-01",
        "trainings-0-title": "人民调解业务培训",
        "trainings-0-hours": "99999",
    }
    assert admin_client.post(url, data).status_code == 200
    assert not mediator.trainings.exists()
    data["trainings-0-hours"] = "8"
    assert admin_client.post(url, data).status_code == 302
    assert mediator.trainings.get().hours == 8


def test_disputes_are_read_only_with_parties_masked(admin_client, personas, community):
    case = df.register(personas[Role.GOVERNANCE_STAFF], community=community)
    assert admin_client.get(reverse("admin:disputes_dispute_changelist")).status_code == 200
    page = admin_client.get(reverse("admin:disputes_dispute_change", args=[case.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "138****5678" in html
    assert df.ID_1 not in html and df.PHONE_1 not in html and "张三" not in html
    assert admin_client.get(reverse("admin:disputes_dispute_add")).status_code == 403


def test_other_roles_cannot_edit_committees(client, personas):
    client.force_login(personas[Role.MEDIATOR])
    response = client.get(reverse("admin:disputes_committee_changelist"))
    assert response.status_code in (302, 403)
