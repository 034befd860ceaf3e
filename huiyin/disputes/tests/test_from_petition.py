"""A petition turned into people's mediation with both parties' consent (条例 art. 33, 37)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from huiyin.cases.models import CaseEvent
from huiyin.disputes import services
from huiyin.disputes.models import Consent, Dispute, Transfer
from huiyin.disputes.services import DisputeInvalid
from huiyin.disputes.tests import factories as df
from huiyin.org.roles import Role
from huiyin.petitions.tests.factories import register as register_petition

pytestmark = pytest.mark.django_db


@pytest.fixture
def petition(personas, community):
    return register_petition(personas[Role.PETITION_CLERK], community=community)


def test_a_petition_becomes_a_mediation_linked_both_ways(petition, governance, personas):
    other = df.person("李四", "b", id_number=df.ID_2, phone=df.PHONE_2)
    case = services.petition_to_dispute(
        petition.case, governance, parties=[other], consent_manner="written"
    )
    dispute = Dispute.objects.get(pk=case.pk)
    assert (dispute.source, dispute.petition_case_id) == ("petition", petition.pk)
    assert list(petition.case.mediations.all()) == [dispute]
    assert (case.title, case.community_id) == (petition.case.title, petition.case.community_id)
    a, b = df.parties(case)
    assert (a.side, a.name, a.id_number) == ("a", "张三", df.ID_1)  # copied, still encrypted
    assert b.name_masked == "李*"
    assert Consent.objects.filter(party__dispute=dispute, agreed=True).count() == 2
    note = CaseEvent.objects.get(case=petition.case, kind="note")
    assert case.number in note.note and note.data["dispute"] == case.pk
    assert CaseEvent.objects.filter(case=case, kind="from_petition").exists()
    incoming = Transfer.objects.get(dispute=dispute)
    assert (incoming.direction, incoming.body_kind) == ("in", "petition")
    # Consent is on record: the rights told, and the mediation can start.
    mediator = personas[Role.MEDIATOR]
    df.step(case, "tell_rights", mediator)
    assert df.step(case, "start_mediation", mediator).status == "mediating"


def test_it_needs_both_sides(petition, governance):
    with pytest.raises(DisputeInvalid) as invalid:
        services.petition_to_dispute(petition.case, governance)
    assert "parties" in invalid.value.errors
    assert not Dispute.objects.exists()


def test_it_checks_the_day_of_consent(petition, governance):
    other = df.person("李四", "b", id_number=df.ID_2)
    tomorrow = timezone.localdate() + timezone.timedelta(days=1)
    with pytest.raises(DisputeInvalid) as invalid:
        services.petition_to_dispute(
            petition.case, governance, parties=[other], consented_on=tomorrow
        )
    assert "consented_on" in invalid.value.errors


def test_only_who_sees_the_petition_and_registers_disputes_turns_it(petition, personas):
    other = df.person("李四", "b", id_number=df.ID_2)
    # A mediator does not see petitions; a clerk registers no dispute.
    with pytest.raises(Http404):
        services.petition_to_dispute(petition.case, personas[Role.MEDIATOR], parties=[other])
    with pytest.raises(PermissionDenied):
        services.petition_to_dispute(petition.case, personas[Role.PETITION_CLERK], parties=[other])


def test_a_dispute_is_not_a_petition(governance, community):
    case = df.register(governance, community=community)
    with pytest.raises(DisputeInvalid):
        services.petition_to_dispute(case, governance, parties=[df.person("李四", "b")])


def test_a_link_to_a_petition_is_for_a_dispute_turned_from_one(petition, governance, community):
    with pytest.raises(DisputeInvalid) as invalid:
        df.register(governance, community=community, petition_case=petition.pk)
    assert "petition_case" in invalid.value.errors
    case = df.register(
        governance, community=community, source="petition", petition_case=petition.pk
    )
    assert Dispute.objects.get(pk=case.pk).petition_case_id == petition.pk
