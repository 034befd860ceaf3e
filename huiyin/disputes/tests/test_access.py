"""Who sees which disputes (the one door), who opens a party's identity (audited), and what a
dispute never records about a person."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory

from huiyin.cases.models import Case
from huiyin.cases.workflow import available_transitions
from huiyin.disputes import models as dispute_models
from huiyin.disputes import services
from huiyin.disputes.tests import factories as df
from huiyin.org.models import Staff
from huiyin.org.roles import Role
from huiyin.privacy.models import AuditEntry
from huiyin.testing import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def disputes(governance, community, grid, other_community):
    return {
        "in_grid": df.register(governance, community=community, grid=grid),
        "in_community": df.register(governance, community=community),
        "elsewhere": df.register(governance, community=other_community),
        "street": df.register(governance, community=None),
    }


ALL = {"in_grid", "in_community", "elsewhere", "street"}
EXPECTED = {
    Role.GOVERNANCE_STAFF: ALL,
    Role.COMMUNITY_WORKER: {"in_grid", "in_community"},
    Role.GRID_WORKER: {"in_grid"},
    Role.MEDIATOR: ALL,
    Role.LEADER: ALL,
    Role.AUDITOR: ALL,
    Role.PETITION_CLERK: set(),
    Role.DEPARTMENT_HANDLER: set(),
    Role.ADMINISTRATOR: set(),
    Role.DISTRICT: ALL,
}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_the_disputes_of_its_area(personas, disputes, role):
    visible = set(
        Case.objects.visible_to(personas[role], kind="dispute").values_list("pk", flat=True)
    )
    assert visible == {disputes[name].pk for name in EXPECTED[role]}


def test_an_outsider_sees_nothing_and_is_refused_by_number(outsider, disputes):
    assert not Case.objects.visible_to(outsider).exists()
    with pytest.raises(Http404):
        Case.objects.get_for_user(outsider, disputes["in_grid"].number)
    assert AuditEntry.objects.filter(action="access.denied").exists()


def test_a_mediator_of_another_area_sees_the_dispute_assigned_to_them(
    personas, disputes, community, other_community
):
    outside = f.person(Role.MEDIATOR, username="mediator-b", community=other_community)
    case = disputes["in_community"]
    assert not Case.objects.visible_to(outside).filter(pk=case.pk).exists()
    committee = df.committee(community)
    mediator = df.mediator(committee, name="赵调解", staff=Staff.objects.get(user=outside))
    df.step(case, "assign_mediators", personas[Role.GOVERNANCE_STAFF], mediators=[mediator.pk])
    assert Case.objects.get(pk=case.pk).owner.user == outside
    assert Case.objects.visible_to(outside).filter(pk=case.pk).exists()
    names = {t.name for t in available_transitions(Case.objects.get(pk=case.pk), outside)}
    assert {"consent", "tell_rights"} <= names


def test_a_unit_committee_dispute_reaches_the_units_mediators(governance, community, unit):
    unit_mediator = f.person(Role.MEDIATOR, username="unit-mediator", unit=unit)
    case = df.register(governance, community=community, committee=df.committee(unit))
    assert Case.objects.visible_to(unit_mediator).filter(pk=case.pk).exists()
    other = df.register(governance, community=community)
    assert not Case.objects.visible_to(unit_mediator).filter(pk=other.pk).exists()


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


@pytest.mark.parametrize("role", [Role.MEDIATOR, Role.COMMUNITY_WORKER, Role.LEADER])
def test_those_who_mediate_open_a_partys_identity_on_the_record(personas, disputes, role):
    party = df.parties(disputes["in_grid"])[0]
    shown = services.party_identity(_request(personas[role]), party.pk)
    assert shown == {
        "name": "张三",
        "id_number": df.ID_1,
        "phone": df.PHONE_1,
        "address": "翠屏路12号",
    }
    entry = AuditEntry.objects.get(action="identity.view")
    assert entry.actor == personas[role] and entry.target_id == str(party.dispute_id)
    assert "张三" not in str(entry.diff) and df.ID_1 not in str(entry.diff)


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.GRID_WORKER])
def test_a_role_that_does_not_mediate_sees_only_masked_parties(personas, disputes, role):
    party = df.parties(disputes["in_grid"])[0]
    with pytest.raises(PermissionDenied):
        services.party_identity(_request(personas[role]), party.pk)
    assert AuditEntry.objects.filter(action="access.denied").count() == 1
    assert not AuditEntry.objects.filter(action="identity.view").exists()


def test_no_identity_outside_the_door(personas, disputes):
    party = df.parties(disputes["elsewhere"])[0]
    with pytest.raises(Http404):
        services.party_identity(_request(personas[Role.COMMUNITY_WORKER]), party.pk)
    for bad in (10**30, "abc", -5):
        with pytest.raises(Http404):
            services.party_identity(_request(personas[Role.MEDIATOR]), bad)


FORBIDDEN = (
    "risk_score",
    "watch",
    "whereabouts",
    "location_track",
    "稳控",
    "重点人员",
    "截访",
    "劝返",
)


def test_a_dispute_keeps_no_person_watch_fields_and_risk_lives_on_the_dispute():
    for model in (
        getattr(dispute_models, name)
        for name in dispute_models.__all__
        if isinstance(getattr(dispute_models, name), type)
        and hasattr(getattr(dispute_models, name), "_meta")
    ):
        for field in model._meta.get_fields():
            assert not any(word in field.name for word in FORBIDDEN), (model, field.name)
    # The risk note relates to its dispute and who wrote it: never to a party or a person.
    assert {f.name for f in dispute_models.RiskNote._meta.get_fields() if f.is_relation} == {
        "dispute",
        "recorded_by",
    }
    assert not any("fee" in f.name for f in dispute_models.Dispute._meta.get_fields())
