"""Registering a dispute from its page: who may, what each may choose, both sides' parties,
the court and petition sources, and every kind of bad input answered beside its field, in
the service's words, with nothing written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from huiyin.cases.models import Case, CaseEvent
from huiyin.disputes.checks import MSG_AMOUNT, MSG_COUNT
from huiyin.disputes.models import Dispute, Party
from huiyin.disputes.registration import MSG_COURT, MSG_PETITION_CASE, MSG_PETITION_SOURCE
from huiyin.disputes.tests import factories as df
from huiyin.org import roles
from huiyin.org.roles import Perm, Role
from huiyin.petitions.tests.factories import register as register_petition
from huiyin.privacy.validators import MSG_ID_CHECK

pytestmark = pytest.mark.django_db

URL = "/disputes/new/"


def form_data(community=None, grid=None, **extra) -> dict:
    data = {
        "title": "楼上漏水致楼下墙面受损",
        "description": "楼上卫生间漏水，楼下墙面发霉。",
        "facts": "2026年3月起楼上卫生间漏水。",
        "claims": "修复防水并赔偿2000元。",
        "received_on": timezone.localdate().isoformat(),
        "source": "application",
        "community": community.pk if community else "",
        "grid": grid.pk if grid else "",
        "amount": "2000",
        "people_count": "2",
        "party-TOTAL_FORMS": "2",
        "party-INITIAL_FORMS": "0",
        "party-MIN_NUM_FORMS": "0",
        "party-MAX_NUM_FORMS": "50",
        "party-0-side": "a",
        "party-0-kind": "person",
        "party-0-name": "张三",
        "party-0-id_number": df.ID_1,
        "party-0-phone": df.PHONE_1,
        "party-0-address": "翠屏路12号",
        "party-1-side": "b",
        "party-1-kind": "organisation",
        "party-1-name": "宏达物业服务有限公司",
        "party-1-phone": "0831-2345678",
        "party-1-address": "翠屏路1号",
        "party-1-legal_representative": "王五",
    }
    data.update(extra)
    return data


def post(client, user, data):
    client.force_login(user)
    return client.post(URL, data)


def errors_of(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize(
    "role", [Role.GOVERNANCE_STAFF, Role.MEDIATOR, Role.COMMUNITY_WORKER, Role.GRID_WORKER]
)
def test_who_screens_or_mediates_opens_the_form(client, personas, role):
    client.force_login(personas[role])
    response = client.get(URL)
    assert response.status_code == 200
    assert 'id="dispute-form"' in response.content.decode()


@pytest.mark.parametrize(
    "role",
    [Role.AUDITOR, Role.LEADER, Role.PETITION_CLERK, Role.DEPARTMENT_HANDLER, Role.ADMINISTRATOR],
)
def test_readers_and_other_roles_are_refused(client, personas, community, role):
    client.force_login(personas[role])
    assert client.get(URL).status_code == 403
    assert client.post(URL, form_data(community)).status_code == 403
    assert not Case.objects.filter(kind="dispute").exists()


def test_a_mediator_registers_only_while_the_role_permits_it(
    client, personas, community, monkeypatch
):
    mediator = personas[Role.MEDIATOR]
    assert Perm.DISPUTES_MEDIATE in roles.ROLE_PERMISSIONS[Role.MEDIATOR]
    response = post(client, mediator, form_data(community))
    assert response.status_code == 302
    # An office that keeps registration to the 综治办 takes the permission from the role.
    monkeypatch.setitem(roles.ROLE_PERMISSIONS, Role.MEDIATOR, frozenset({Perm.DISPUTES_VIEW}))
    mediator = type(mediator).objects.get(pk=mediator.pk)  # no cached reach
    client.force_login(mediator)
    assert client.get(URL).status_code == 403
    assert client.post(URL, form_data(community)).status_code == 403
    assert Case.objects.filter(kind="dispute").count() == 1


def test_it_registers_both_sides_and_opens_the_case_page(client, personas, community, grid):
    response = post(
        client,
        personas[Role.GOVERNANCE_STAFF],
        form_data(community, grid, category=df.dispute_type("物业").pk),
    )
    case = Case.objects.get(kind="dispute")
    assert response.status_code == 302
    assert response["Location"] == reverse("disputes:detail", args=[case.pk])
    dispute = Dispute.objects.get(pk=case.pk)
    assert (case.community, case.grid, case.category.name) == (community, grid, "物业")
    assert (dispute.amount, dispute.people_count, dispute.source) == (2000, 2, "application")
    person, firm = Party.objects.filter(dispute=dispute).order_by("side")
    assert (person.side, person.kind, person.name, person.id_number) == (
        "a",
        "person",
        "张三",
        df.ID_1,
    )
    assert person.name_masked == "张*"
    assert (firm.side, firm.kind, firm.legal_representative) == ("b", "organisation", "王五")
    page = client.get(response["Location"]).content.decode()
    assert case.number in page and "张*" in page and df.ID_1 not in page


def test_a_court_source_needs_the_court_and_its_document(client, personas, community):
    response = post(
        client, personas[Role.GOVERNANCE_STAFF], form_data(community, source="court_assigned")
    )
    assert response.status_code == 400
    assert str(MSG_COURT) in errors_of(response)
    assert 'data-field="court_name"' in errors_of(response)
    assert not Case.objects.filter(kind="dispute").exists()
    response = post(
        client,
        personas[Role.GOVERNANCE_STAFF],
        form_data(
            community,
            source="court_entrusted",
            court_name="南岸区人民法院",
            court_document="（2026）渝0108民初100号",
            simplified="on",
        ),
    )
    assert response.status_code == 302
    dispute = Dispute.objects.get()
    assert (dispute.court_name, dispute.simplified) == ("南岸区人民法院", True)


def test_court_details_typed_before_changing_the_source_are_dropped(client, personas, community):
    post(
        client,
        personas[Role.GOVERNANCE_STAFF],
        form_data(community, court_name="南岸区人民法院", simplified="on"),
    )
    dispute = Dispute.objects.get()
    assert (dispute.court_name, dispute.simplified) == ("", False)


def test_a_petition_is_linked_by_its_number(client, personas, community):
    clerk = personas[Role.PETITION_CLERK]
    petition = register_petition(clerk, community=community).case
    governance = personas[Role.GOVERNANCE_STAFF]
    response = post(
        client,
        governance,
        form_data(community, source="petition", petition_number=petition.number),
    )
    assert response.status_code == 302
    assert Dispute.objects.get().petition_case_id == petition.pk
    assert CaseEvent.objects.filter(case=petition, kind="note").exists()


def test_an_unknown_petition_number_is_refused_with_the_other_problems(client, personas, community):
    response = post(
        client,
        personas[Role.GOVERNANCE_STAFF],
        form_data(
            community, source="petition", petition_number="浓洄信〔2026〕9999号", amount="-5"
        ),
    )
    html = errors_of(response)
    assert response.status_code == 400
    assert str(MSG_PETITION_CASE) in html and 'data-field="petition_number"' in html
    assert 'data-field="amount"' in html
    assert not Case.objects.filter(kind="dispute").exists()


def test_a_petition_number_needs_the_petition_source(client, personas, community):
    petition = register_petition(personas[Role.PETITION_CLERK], community=community).case
    response = post(
        client,
        personas[Role.GOVERNANCE_STAFF],
        form_data(community, petition_number=petition.number),
    )
    assert response.status_code == 400
    assert str(MSG_PETITION_SOURCE) in errors_of(response)


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("amount", "99999999999999999999999", MSG_AMOUNT),
        ("amount", "1e308", MSG_AMOUNT),
        ("amount", "NaN", MSG_AMOUNT),
        ("amount", "-1", MSG_AMOUNT),
        ("people_count", "0", MSG_COUNT),
        ("people_count", "99999999999999999999999", MSG_COUNT),
        ("people_count", "a\x00b", MSG_COUNT),
    ],
)
def test_huge_and_odd_numbers_are_refused_beside_the_field(
    client, personas, community, field, value, message
):
    response = post(client, personas[Role.GOVERNANCE_STAFF], form_data(community, **{field: value}))
    html = errors_of(response)
    assert response.status_code == 400
    assert f'data-field="{field}"' in html
    assert str(message).split("“")[0] in html
    assert not Case.objects.filter(kind="dispute").exists()


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01",
        "9999-12-31",
        "2026-02-30",
        "not a date",
        (timezone.localdate() + timedelta(days=1)).isoformat(),
    ],
)
def test_bad_dates_are_refused_beside_the_field(client, personas, community, value):
    response = post(
        client, personas[Role.GOVERNANCE_STAFF], form_data(community, received_on=value)
    )
    assert response.status_code == 400
    assert 'data-field="received_on"' in errors_of(response)
    assert not Case.objects.filter(kind="dispute").exists()


def test_a_bad_party_is_refused_beside_its_own_row(client, personas, community):
    bad_id = df.ID_1[:-1] + ("0" if df.ID_1[-1] != "0" else "1")
    response = post(
        client,
        personas[Role.GOVERNANCE_STAFF],
        form_data(community, **{"party-0-id_number": bad_id, "party-1-name": ""}),
    )
    html = errors_of(response)
    assert response.status_code == 400
    assert 'data-field="party-0-id_number"' in html
    row = html[html.index('data-party-row="party-0"') : html.index('data-party-row="party-1"')]
    assert str(MSG_ID_CHECK) in row
    # The organisation's row lost its name: refused beside it, in the same answer.
    assert 'data-field="party-1-name"' in html
    assert not Case.objects.filter(kind="dispute").exists()
    assert not Party.objects.exists()


def test_hostile_strings_are_kept_as_text_and_shown_escaped(client, personas, community):
    hostile = '<script>alert(1)</script>"><img src=x onerror=alert(1)>{{7*7}}'
    response = post(
        client,
        personas[Role.GOVERNANCE_STAFF],
        form_data(community, title=hostile, facts=hostile, **{"party-0-address": hostile}),
    )
    assert response.status_code == 302
    case = Case.objects.get(kind="dispute")
    assert case.title == hostile
    page = client.get(response["Location"]).content.decode()
    assert "<script>alert(1)</script>" not in page and "<img src=x" not in page


def test_a_nul_byte_or_a_megabyte_never_breaks_the_page(client, personas, community):
    response = post(
        client, personas[Role.GOVERNANCE_STAFF], form_data(community, title="a\x00b" * 10)
    )
    assert response.status_code in (302, 400)
    response = post(
        client, personas[Role.GOVERNANCE_STAFF], form_data(community, facts="x" * 10**6)
    )
    assert response.status_code == 400
    assert 'data-field="facts"' in errors_of(response)


@pytest.mark.parametrize("field", ["community", "grid", "category", "committee"])
@pytest.mark.parametrize("value", ["99999999999999999999999", "-1", "abc", "1e308"])
def test_unknown_ids_are_an_invalid_choice(client, personas, community, field, value):
    data = {**form_data(community), field: value}
    response = post(client, personas[Role.GOVERNANCE_STAFF], data)
    assert response.status_code == 400
    assert f'data-field="{field}"' in errors_of(response)


def test_a_community_worker_registers_only_in_their_community(
    client, personas, community, other_community
):
    worker = personas[Role.COMMUNITY_WORKER]
    client.force_login(worker)
    page = client.get(URL).content.decode()
    assert other_community.name not in page
    response = client.post(URL, form_data(other_community))
    assert response.status_code == 400
    assert 'data-field="community"' in errors_of(response)
    assert client.post(URL, form_data(community)).status_code == 302
    assert Case.objects.get(kind="dispute").community == community


def test_a_grid_worker_registers_only_in_their_grid(client, personas, community, grid):
    from huiyin.testing.factories import GridFactory

    other_grid = GridFactory(community=community, name="第2网格")
    worker = personas[Role.GRID_WORKER]
    client.force_login(worker)
    page = client.get(URL).content.decode()
    assert "第2网格" not in page
    response = client.post(URL, form_data(community, other_grid))
    assert response.status_code == 400 and 'data-field="grid"' in errors_of(response)
    # The grid is required of a grid worker: without it the dispute would be the community's.
    response = client.post(URL, form_data(community))
    assert response.status_code == 400 and 'data-field="grid"' in errors_of(response)
    assert client.post(URL, form_data(community, grid)).status_code == 302
    assert Case.objects.get(kind="dispute").grid == grid


def test_add_another_party_adds_a_row_and_registers_nothing(client, personas, community):
    response = post(client, personas[Role.GOVERNANCE_STAFF], form_data(community, add_party="1"))
    html = errors_of(response)
    assert response.status_code == 200
    assert 'name="party-2-name"' in html
    assert 'value="张三"' in html  # what was typed stays
    assert "hy-field-error" not in html
    assert not Case.objects.filter(kind="dispute").exists()


def test_blank_party_rows_are_skipped(client, personas, community):
    data = form_data(community, **{"party-TOTAL_FORMS": "3", "party-2-side": "a"})
    assert post(client, personas[Role.GOVERNANCE_STAFF], data).status_code == 302
    assert Party.objects.count() == 2


def test_a_forged_management_form_is_an_error_or_fewer_rows_never_a_crash(
    client, personas, community
):
    for total in ("99999999999999999999999", "-1", "abc", "a\x00b"):
        data = form_data(community, **{"party-TOTAL_FORMS": total})
        response = post(client, personas[Role.GOVERNANCE_STAFF], data)
        assert response.status_code in (302, 400), total
        response = post(client, personas[Role.GOVERNANCE_STAFF], {**data, "add_party": "1"})
        assert response.status_code == 200, total
    # Whatever was registered has whole parties or none: never a half-written row.
    for party in Party.objects.all():
        assert party.name and party.side in ("a", "b")
