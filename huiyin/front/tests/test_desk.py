"""The front desk: one intake, a petition or a dispute, one receipt code for the tracker."""

from __future__ import annotations

import pytest
from django.urls import reverse

from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case
from huiyin.disputes.models import Dispute, Party, Source
from huiyin.front import desk
from huiyin.org.roles import Role
from huiyin.petitions.models import Channel, Petition
from huiyin.petitions.tests.factories import ID_1, PHONE_1
from huiyin.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db

DESK = "/desk/"
TRACK = "/track/"


def form(community, kind: str, **extra) -> dict:
    return {
        "kind": kind,
        "title": "楼上漏水影响楼下",
        "description": "楼上卫生间漏水，楼下天花板受损。",
        "community": community.pk,
        "grid": "",
        "name": "张三",
        "id_number": ID_1,
        "phone": PHONE_1,
        "address": "柑子园社区3栋2单元",
        "other_name": "李四" if kind == desk.DISPUTE else "",
        "other_phone": "",
        **extra,
    }


def signed_in(client, personas, role):
    client.force_login(personas[role])
    return client


def test_the_page_explains_both_kinds_to_who_may_register_both(client, personas):
    page = signed_in(client, personas, Role.COMMUNITY_WORKER).get(DESK)
    assert page.status_code == 200
    text = page.content.decode()
    assert 'value="petition"' in text and 'value="dispute"' in text
    assert 'data-kind-help="petition"' in text and 'data-kind-help="dispute"' in text
    assert reverse("desk") == DESK


def test_a_visit_becomes_a_petition_with_its_receipt(client, personas, community):
    response = signed_in(client, personas, Role.COMMUNITY_WORKER).post(
        DESK, form(community, desk.PETITION)
    )
    petition = Petition.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("petitions:receipt", args=[petition.pk])
    assert petition.channel == Channel.VISIT and petition.case.community == community
    assert not Dispute.objects.exists()
    # The same code opens it in the tracker.
    client.logout()
    found = client.post(TRACK, {"code": petition.receipt_code, "last4": PHONE_1[-4:]})
    assert found.status_code == 200 and petition.case.number in found.content.decode()


def test_a_visit_becomes_a_dispute_with_one_receipt_code(client, personas, community):
    response = signed_in(client, personas, Role.COMMUNITY_WORKER).post(
        DESK, form(community, desk.DISPUTE)
    )
    assert response.status_code == 200
    dispute = Dispute.objects.select_related("case").get()
    assert dispute.source == Source.APPLICATION and dispute.case.kind == Kind.DISPUTE
    assert dispute.receipt_code and dispute.receipt_code in response.content.decode()
    assert not Petition.objects.exists()
    applicant, other = dispute.parties.order_by("side")
    assert (applicant.side, other.side) == (Party.Side.A, Party.Side.B)
    assert applicant.name == "张三" and applicant.id_number_masked.startswith("1101")
    # Only the visitor, who was given the slip, can follow it.
    assert applicant.track_hash and not other.track_hash


def test_the_tracker_follows_a_dispute_code_with_the_right_digits_only(client, personas, community):
    signed_in(client, personas, Role.GRID_WORKER)
    receipt = desk.register(
        personas[Role.COMMUNITY_WORKER], form(community, desk.DISPUTE, other_phone="13987654321")
    )
    client.logout()
    found = client.post(TRACK, {"code": receipt.receipt_code.lower(), "last4": PHONE_1[-4:]})
    page = found.content.decode()
    assert found.status_code == 200
    assert receipt.case.number in page and 'data-stage="registered"' in page
    for secret in ("张三", "张*", "李四", "李*", "天花板", ID_1[-4:], "13987654321"):
        assert secret not in page
    # The other side's digits and wrong digits: the same "not found" as petitions'.
    for last4 in ("4321", "0000"):
        missed = client.post(TRACK, {"code": receipt.receipt_code, "last4": last4})
        assert missed.status_code == 200 and 'id="track-result"' not in missed.content.decode()
    assert AuditEntry.objects.filter(action="dispute.track").count() == 3


def test_the_tracker_rate_limit_covers_dispute_codes(client, personas, community, settings):
    settings.HUIYIN_TRACK_RATE = "2/10m"
    receipt = desk.register(personas[Role.COMMUNITY_WORKER], form(community, desk.DISPUTE))
    for _i in range(2):
        assert (
            client.post(TRACK, {"code": receipt.receipt_code, "last4": "0000"}).status_code == 200
        )
    refused = client.post(TRACK, {"code": receipt.receipt_code, "last4": PHONE_1[-4:]})
    assert refused.status_code == 429 and 'id="track-result"' not in refused.content.decode()


def test_a_grid_worker_may_register_a_dispute_but_not_a_petition(client, personas, grid):
    signed_in(client, personas, Role.GRID_WORKER)
    page = client.get(DESK).content.decode()
    assert 'value="dispute"' in page and 'value="petition"' not in page
    data = form(grid.community, desk.PETITION, grid=grid.pk)
    refused = client.post(DESK, data)
    assert refused.status_code == 400 and not Case.objects.exists()
    assert 'data-field="kind"' in refused.content.decode()
    ok = client.post(DESK, {**data, "kind": desk.DISPUTE, "other_name": "王五"})
    assert ok.status_code == 200 and Dispute.objects.get().case.grid == grid


def test_a_petition_clerk_may_not_register_a_dispute(client, personas, community):
    refused = signed_in(client, personas, Role.PETITION_CLERK).post(
        DESK, form(community, desk.DISPUTE)
    )
    assert refused.status_code == 400 and not Case.objects.exists()


def test_a_place_outside_the_scope_is_a_message_not_a_record(
    client, personas, community, other_community
):
    refused = signed_in(client, personas, Role.COMMUNITY_WORKER).post(
        DESK, form(other_community, desk.DISPUTE)
    )
    assert refused.status_code == 400 and not Case.objects.exists()
    assert 'data-field="community"' in refused.content.decode()


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.LEADER, Role.DEPARTMENT_HANDLER])
def test_roles_that_register_nothing_are_refused(client, personas, role):
    assert signed_in(client, personas, role).get(DESK).status_code == 403


def test_the_desk_needs_sign_in(client):
    assert client.get(DESK).status_code == 302


@pytest.mark.parametrize(
    ("kind", "change", "field"),
    [
        (desk.DISPUTE, {"other_name": ""}, "other_name"),
        (desk.DISPUTE, {"id_number": "110105199003071230"}, "id_number"),
        (desk.PETITION, {"id_number": "110105199003071230"}, "id_number"),
        (desk.DISPUTE, {"phone": "12345"}, "phone"),
        (desk.PETITION, {"phone": "12345"}, "phone"),
        (desk.PETITION, {"name": ""}, "name"),
        (desk.DISPUTE, {"title": ""}, "title"),
        (desk.DISPUTE, {"kind": "incident"}, "kind"),
        (desk.PETITION, {"community": "999999"}, "community"),
        (desk.DISPUTE, {"title": "x\x00" * 300}, "title"),
    ],
)
def test_bad_input_is_a_message_beside_its_field(client, personas, community, kind, change, field):
    response = signed_in(client, personas, Role.COMMUNITY_WORKER).post(
        DESK, {**form(community, kind), **change}
    )
    assert response.status_code == 400
    assert f'data-field="{field}"' in response.content.decode()
    assert (
        not Case.objects.exists() and not AuditEntry.objects.filter(action="object.create").exists()
    )


def test_the_home_page_leads_to_the_desk_only_those_who_may_register(client, personas):
    for role in (Role.PETITION_CLERK, Role.GRID_WORKER, Role.MEDIATOR):
        client.force_login(personas[role])
        assert 'id="home-desk"' in client.get("/").content.decode(), role
    for role in (Role.AUDITOR, Role.DEPARTMENT_HANDLER):
        client.force_login(personas[role])
        assert 'id="home-desk"' not in client.get("/").content.decode(), role
