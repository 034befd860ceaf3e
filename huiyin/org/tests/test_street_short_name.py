"""Each street's short name is its own: it begins the numbers of the street's cases, meetings
and orders, and a case number is unique across the streets. A second street with a short name
already taken — or whose numbers would begin as another's — is refused with a message in the
administration, never an IntegrityError; several streets may leave the short name empty."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from huiyin.org.models import MSG_PREFIX_TAKEN, MSG_SHORT_NAME_TAKEN, Street
from huiyin.org.roles import Role
from huiyin.testing import factories as f

pytestmark = pytest.mark.django_db

TAKEN_ZH = "其他街道已使用此简称"


@pytest.fixture
def admin_client(client, personas):
    client.force_login(personas[Role.ADMINISTRATOR])
    return client


def _add(admin_client, name: str, short_name: str):
    return admin_client.post(
        reverse("admin:org_street_add"),
        {
            "name": name,
            "short_name": short_name,
            "office_name": "",
            "communities-TOTAL_FORMS": 0,
            "communities-INITIAL_FORMS": 0,
            "calendar_days-TOTAL_FORMS": 0,
            "calendar_days-INITIAL_FORMS": 0,
        },
    )


def test_the_administration_adds_a_street_with_a_short_name_of_its_own(admin_client, street):
    response = _add(admin_client, "溪桥街道", "溪桥")
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Street.objects.get(name="溪桥街道").short_name == "溪桥"


def test_a_second_street_with_the_same_short_name_is_refused_with_a_message(admin_client, street):
    assert street.short_name == "浓洄"
    with translation.override("zh-hans"):
        response = _add(admin_client, "浓洄新区街道", "浓洄")
    assert response.status_code == 200
    assert not Street.objects.filter(name="浓洄新区街道").exists()
    errors = response.context["adminform"].form.errors
    assert "Another street already has this short name" in str(errors) or TAKEN_ZH in str(errors)


def test_editing_a_street_to_take_anothers_short_name_is_refused(admin_client, street):
    other = f.StreetFactory(name="溪桥街道", short_name="溪桥")
    response = admin_client.post(
        reverse("admin:org_street_change", args=[other.pk]),
        {
            "name": "溪桥街道",
            "short_name": "浓洄",
            "office_name": "",
            "communities-TOTAL_FORMS": 0,
            "communities-INITIAL_FORMS": 0,
            "calendar_days-TOTAL_FORMS": 0,
            "calendar_days-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    other.refresh_from_db()
    assert other.short_name == "溪桥"


def test_full_clean_names_the_rule_and_the_database_refuses_too(street):
    twin = Street(name="浓洄新区街道", short_name="浓洄")
    with pytest.raises(ValidationError) as refused:
        twin.full_clean()
    assert str(MSG_SHORT_NAME_TAKEN) in str(refused.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        Street.objects.create(name="浓洄新区街道", short_name="浓洄")


def test_several_streets_may_leave_the_short_name_empty(street):
    a = Street.objects.create(name="溪桥街道", short_name="")
    b = Street.objects.create(name="石门街道", short_name="")
    for s in (a, b):
        s.full_clean(exclude=["short_name"])  # the form requires one; the model allows empty
        s.validate_constraints()
    assert Street.objects.filter(short_name="").count() == 2
    assert (a.number_prefix, b.number_prefix) == ("溪桥街道", "石门街道")


def test_a_short_name_equal_to_a_street_without_one_is_refused(admin_client, street):
    Street.objects.create(name="溪桥", short_name="")
    response = _add(admin_client, "溪桥新区街道", "溪桥")
    assert response.status_code == 200
    assert not Street.objects.filter(name="溪桥新区街道").exists()
    expected = str(MSG_PREFIX_TAKEN) % {"prefix": "溪桥", "street": "溪桥"}
    assert expected in str(response.context["adminform"].form.errors)


def test_a_street_without_short_name_named_as_anothers_short_name_is_refused(street):
    lone = Street(name="浓洄", short_name="")
    with pytest.raises(ValidationError) as refused:
        lone.full_clean(exclude=["short_name"])
    assert "name" in refused.value.message_dict
    assert "浓洄街道" in " ".join(refused.value.message_dict["name"])


def test_a_street_keeps_its_own_short_name_when_edited(street):
    street.office_name = "浓洄街道办事处"
    street.full_clean()  # its own short name is no clash
    street.save()


@pytest.mark.parametrize("short_name", ["浓" * 11, "\x00浓洄"])
def test_bad_short_names_are_refused_with_a_message(admin_client, street, short_name):
    response = _add(admin_client, "溪桥街道", short_name)
    assert response.status_code == 200
    assert not Street.objects.filter(name="溪桥街道").exists()


def test_only_administrators_reach_the_street_form(client, personas):
    client.force_login(personas[Role.PETITION_CLERK])
    response = client.get(reverse("admin:org_street_add"))
    assert response.status_code in (302, 403)
