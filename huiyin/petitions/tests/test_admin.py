"""The admin pages render, and petitions are read-only there with identities masked."""

import pytest
from django.urls import reverse

from huiyin.org.models import Staff
from huiyin.org.roles import Role
from huiyin.petitions.services import mark_key_case
from huiyin.petitions.tests.factories import ID_1, PHONE_1, days_ago

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, personas):
    client.force_login(personas[Role.ADMINISTRATOR])
    return client


def test_it_lists_the_holiday_table_by_year(admin_client):
    assert admin_client.get(reverse("admin:cases_calendarday_changelist")).status_code == 200
    response = admin_client.get(reverse("admin:cases_calendarday_changelist") + "?year=2026")
    assert response.status_code == 200
    assert admin_client.get(reverse("admin:cases_calendaryear_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:cases_calendarday_add")).status_code == 200


def test_it_lists_categories(admin_client):
    assert admin_client.get(reverse("admin:cases_category_changelist")).status_code == 200


def test_it_shows_petitions_read_only_with_masked_identity(admin_client, petition, leader, unit):
    assert admin_client.get(reverse("admin:petitions_petition_changelist")).status_code == 200
    page = admin_client.get(reverse("admin:petitions_petition_change", args=[petition.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "138****5678" in html
    assert ID_1 not in html and PHONE_1 not in html and "张三" not in html
    assert admin_client.get(reverse("admin:petitions_petition_add")).status_code == 403
    mark_key_case(
        petition,
        actor=leader,
        leader=Staff.objects.get(user=leader),
        plan="方案",
        time_limit=days_ago(-10),
        responsible_unit=unit,
    )
    assert admin_client.get(reverse("admin:petitions_keycase_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:petitions_receptionslot_changelist")).status_code == 200
