"""Confidentiality (条例 art. 30, 46): who sees a petition and its petitioner's identity."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory

from huiyin.cases.models import Case
from huiyin.cases.workflow import fire
from huiyin.org.models import RoleGrant, Staff
from huiyin.org.roles import Role
from huiyin.petitions.services import petitioner_identity, petitioners_for_display
from huiyin.petitions.tests.factories import ID_1, PHONE_1, bring_to, register
from huiyin.privacy.models import AuditEntry
from huiyin.testing import factories as f

pytestmark = pytest.mark.django_db


def request_by(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_it_never_shows_a_petition_to_the_unit_it_complains_about(
    clerk, handler, community, unit, street
):
    about_them = register(clerk, community=community, complained_unit=unit)
    # Even if the matter were somehow owned by them, or assigned to the person.
    Case.objects.filter(pk=about_them.pk).update(
        owner_unit=unit, owner=Staff.objects.get(user=handler)
    )
    other = f.UnitFactory(street=street, name="社事办")
    about_others = register(clerk, community=community, complained_unit=other)
    Case.objects.filter(pk=about_others.pk).update(owner_unit=unit)
    visible = set(Case.objects.visible_to(handler).values_list("pk", flat=True))
    assert visible == {about_others.pk}
    with pytest.raises(Http404):
        Case.objects.get_for_user(handler, about_them.case.number)
    # The office and the leaders still see it.
    assert Case.objects.visible_to(clerk).filter(pk=about_them.pk).exists()


def test_it_hides_it_from_every_grant_of_that_unit(clerk, community, unit, personas):
    about_them = register(clerk, community=community, complained_unit=unit)
    # A leader who also acts for the unit complained about.
    leader = personas[Role.LEADER]
    RoleGrant.objects.create(
        staff=Staff.objects.get(user=leader), role=Role.DEPARTMENT_HANDLER, unit=unit
    )
    fresh = type(leader).objects.get(pk=leader.pk)  # the reach is cached per user object
    assert not Case.objects.visible_to(fresh).filter(pk=about_them.pk).exists()


def test_it_shows_a_department_handler_only_masked_identity(petition, personas, unit, handler):
    bring_to(petition, "assigned", personas, unit=unit)
    assert Case.objects.get_for_user(handler, petition.pk)
    [shown] = petitioners_for_display(petition)
    assert shown["name_masked"] == "张*"
    assert shown["id_number_masked"] == ID_1[:6] + "********" + ID_1[-4:]
    assert shown["phone_masked"] == "138****5678"
    assert ID_1 not in str(shown) and PHONE_1 not in str(shown)
    person_id = shown["id"]
    with pytest.raises(PermissionDenied):
        petitioner_identity(request_by(handler), person_id)
    denial = AuditEntry.objects.filter(action="access.denied", actor=handler).get()
    assert ID_1 not in denial.diff_text


def test_it_opens_full_identity_to_the_office_on_the_record(petition, clerk):
    [shown] = petitioners_for_display(petition)
    identity = petitioner_identity(request_by(clerk), shown["id"])
    assert (identity["id_number"], identity["phone"], identity["name"]) == (ID_1, PHONE_1, "张三")
    entry = AuditEntry.objects.filter(action="identity.view", actor=clerk).get()
    assert entry.target_id == str(petition.pk)
    assert ID_1 not in entry.diff_text and PHONE_1 not in entry.diff_text


def test_it_refuses_identity_of_a_petition_out_of_sight(petition, personas):
    [shown] = petitioners_for_display(petition)
    with pytest.raises(Http404):
        petitioner_identity(request_by(personas[Role.MEDIATOR]), shown["id"])
    with pytest.raises(Http404):
        petitioner_identity(request_by(personas[Role.MEDIATOR]), 999_999)


def test_it_lets_a_handler_reply_but_not_decide(petition, personas, unit, handler):
    case = bring_to(petition, "handling", personas, unit=unit)
    result = fire(case, "reply", actor=handler, version=case.version, text="答复", delivery="post")
    assert result.status == "replied"
