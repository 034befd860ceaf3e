"""The assessment pages per role: who sees, who manages, who issues; explanations' links
open the matters; the case pages offer a leader the 督办; bad input gets a message."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from huiyin.assessment.apps import SUPERVISION_EVENT
from huiyin.assessment.models import Letter, LetterScan, SupervisionOrder
from huiyin.assessment.services import rounds
from huiyin.cases.models import CaseEvent
from huiyin.org.roles import Role

pytestmark = pytest.mark.django_db

VIEWERS = {
    Role.GOVERNANCE_STAFF,
    Role.COMMUNITY_WORKER,
    Role.LEADER,
    Role.AUDITOR,
    Role.DISTRICT,
}
PAGES = ["index", "letters", "schemes", "rounds", "vetoes"]


@pytest.mark.parametrize("role", list(Role))
def test_the_pages_open_to_the_holders_of_assessment_view(client, personas, role):
    client.force_login(personas[role])
    for name in PAGES:
        status = client.get(reverse(f"assessment:{name}")).status_code
        assert status == (200 if role in VIEWERS else 403), (role, name)


@pytest.mark.parametrize("role", list(Role))
def test_only_the_office_manages(client, personas, role):
    client.force_login(personas[role])
    for name in ("letter_new", "scheme_new", "veto_new"):
        status = client.get(reverse(f"assessment:{name}")).status_code
        assert status == (200 if role == Role.GOVERNANCE_STAFF else 403), (role, name)


@pytest.mark.parametrize("role", list(Role))
def test_a_leader_or_the_office_issues_supervision_orders(client, personas, role):
    client.force_login(personas[role])
    status = client.get(reverse("assessment:order_new")).status_code
    assert status == (200 if role in (Role.LEADER, Role.GOVERNANCE_STAFF) else 403)


def test_anonymous_visitors_sign_in_first(client, db):
    for name in PAGES + ["orders"]:
        response = client.get(reverse(f"assessment:{name}"))
        assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.fixture
def assigned(personas, community, unit):
    from huiyin.petitions.tests.factories import register, step

    clerk = personas[Role.PETITION_CLERK]
    found = register(clerk, community=community, title="小区违建久拖未决")
    step(step(found.case, "accept", clerk), "assign", clerk, unit=unit)
    return found.case


def test_a_leader_issues_an_order_from_the_case_page(client, personas, assigned, unit):
    leader = personas[Role.LEADER]
    client.force_login(leader)
    page = client.get(reverse("petitions:detail", args=[assigned.pk])).content.decode()
    assert 'id="issue-supervision"' in page
    form = client.get(reverse("assessment:order_new") + f"?case={assigned.pk}").content.decode()
    assert assigned.number in form and f'value="unit-{unit.pk}" selected' in form
    today = timezone.localdate()
    response = client.post(
        reverse("assessment:order_new"),
        {
            "body": f"unit-{unit.pk}",
            "cases": assigned.number,
            "ground": "delay",
            "instruction": "请五日内答复群众。",
            "requirements": "书面反馈是否采纳。",
            "issued_on": today.isoformat(),
            "deadline": (today + timedelta(days=5)).isoformat(),
        },
    )
    order = SupervisionOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "assessment:order", args=[order.pk]
    )
    assert CaseEvent.objects.filter(case=assigned, kind=SUPERVISION_EVENT).exists()
    page = client.get(reverse("petitions:detail", args=[assigned.pk])).content.decode()
    assert f'data-supervision-order="{order.pk}"' in page and "请五日内答复群众。" in page
    # The unit's handler answers from the order's page.
    client.force_login(personas[Role.DEPARTMENT_HANDLER])
    detail = client.get(reverse("assessment:order", args=[order.pk])).content.decode()
    assert 'id="feedback"' in detail
    document = client.get(reverse("assessment:order_document", args=[order.pk]))
    assert document.status_code == 200 and document.content[:2] == b"PK"


def test_the_clerk_gets_no_supervision_button(client, personas, assigned):
    client.force_login(personas[Role.PETITION_CLERK])
    page = client.get(reverse("petitions:detail", args=[assigned.pk])).content.decode()
    assert 'id="issue-supervision"' not in page


def test_the_dispute_page_offers_the_leader_the_order_too(client, personas, community, grid):
    from huiyin.disputes.services import register_dispute

    case = register_dispute(
        personas[Role.GOVERNANCE_STAFF],
        title="邻里漏水纠纷",
        community=community,
        grid=grid,
        source="application",
        received_on=timezone.localdate(),
        parties=[{"side": "a", "name": "甲某"}, {"side": "b", "name": "乙某"}],
    )
    client.force_login(personas[Role.LEADER])
    page = client.get(reverse("disputes:detail", args=[case.pk])).content.decode()
    assert f'href="/assessment/supervision/new/?case={case.pk}"' in page


def test_bad_order_input_gets_messages_never_a_500(client, personas, assigned, unit):
    client.force_login(personas[Role.LEADER])
    for hostile in (
        {"deadline": "9999-12-31"},
        {"deadline": "0000-00-00"},
        {"cases": "x" * 5000},
        {"cases": "浓洄信〔2026〕9999号"},
        {"body": "unit-99999999999999999999999"},
        {"ground": "<script>"},
        {"instruction": "\x00"},
    ):
        data = {
            "body": f"unit-{unit.pk}",
            "cases": assigned.number,
            "ground": "delay",
            "instruction": "请答复",
            "requirements": "反馈",
            "issued_on": timezone.localdate().isoformat(),
            "deadline": timezone.localdate().isoformat(),
            **hostile,
        }
        response = client.post(reverse("assessment:order_new"), data)
        assert response.status_code == 200, hostile
        assert (
            "hy-field-error" in response.content.decode()
            or "data-form-error" in response.content.decode()
        )
    assert not SupervisionOrder.objects.exists()


def test_the_explanations_link_to_the_matters(client, personas, handled, scheme, community):
    office = personas[Role.GOVERNANCE_STAFF]
    today = timezone.localdate()
    found = rounds.create_round(
        actor=office,
        scheme=scheme,
        data={"name": "本月", "start": today - timedelta(days=30), "end": today},
    )
    score = found.scores.get(community=community)
    client.force_login(office)
    page = client.get(reverse("assessment:score", args=[score.pk])).content.decode()
    links = re.findall(r'<a href="([^"]+)" class="me-1" data-matter="petition">([^<]+)</a>', page)
    assert {number for _, number in links} >= {handled["p3"].case.number, handled["p4"].case.number}
    for url, number in links:
        opened = client.get(url)
        assert opened.status_code == 200 and number in opened.content.decode()
    # A community worker reads the same points without any petition's number.
    client.force_login(personas[Role.COMMUNITY_WORKER])
    page = client.get(reverse("assessment:score", args=[score.pk])).content.decode()
    assert handled["p3"].case.number not in page
    assert "data-explanation" in page and "data-matters" in page


def test_a_letter_keeps_its_targets_its_signed_scan_and_shows_progress(
    client, personas, handled, community
):
    office = personas[Role.GOVERNANCE_STAFF]
    client.force_login(office)
    # The year the petitions of conftest.py were received in (20 days ago).
    year = (timezone.localdate() - timedelta(days=20)).year
    response = client.post(
        reverse("assessment:letter_new"), {"body": f"community-{community.pk}", "year": year}
    )
    letter = Letter.objects.get()
    assert response["Location"] == reverse("assessment:letter", args=[letter.pk])
    add = reverse("assessment:target_add", args=[letter.pk])
    client.post(
        add,
        {
            "stat_key": "petitions.on_time_rate",
            "comparison": "at_least",
            "threshold": "95",
            "weight": 30,
        },
    )
    client.post(
        add,
        {
            "stat_key": "petitions.overdue_open",
            "comparison": "at_most",
            "threshold": "0",
            "weight": 10,
        },
    )
    assert [t.threshold for t in letter.targets.order_by("order")] == [Decimal("0.95"), 0]
    page = client.get(reverse("assessment:letter", args=[letter.pk])).content.decode()
    # On time 3 of 5 (or 3 of 4 judged at the end of last year): below 95 %, not met.
    first = letter.targets.get(stat_key="petitions.on_time_rate")
    assert f'data-target="{first.pk}" data-met="0"' in page
    signed_on = min(timezone.localdate(), date(year, 12, 31)).isoformat()
    # A scan that is not a PDF or an image is refused; a PDF is kept and fixes the targets.
    client.post(
        reverse("assessment:scan_upload", args=[letter.pk]),
        {
            "signed_on": signed_on,
            "signed_by": "社区党委书记",
            "file": SimpleUploadedFile("x.pdf", b"<html></html>"),
        },
    )
    assert not LetterScan.objects.exists()
    client.post(
        reverse("assessment:scan_upload", args=[letter.pk]),
        {
            "signed_on": signed_on,
            "signed_by": "社区党委书记",
            "file": SimpleUploadedFile("责任书.pdf", b"%PDF-1.4\n%%EOF\n"),
        },
    )
    assert LetterScan.objects.filter(letter=letter, withdrawn=False).exists()
    client.post(
        add,
        {"stat_key": "screening.missing", "comparison": "at_most", "threshold": "0", "weight": 10},
    )
    assert letter.targets.count() == 2
    # A head-count key never reaches the service from the form either.
    client.post(
        reverse("assessment:scan_withdraw", args=[LetterScan.objects.get().pk]), {"reason": "重签"}
    )
    response = client.post(
        add,
        {
            "stat_key": "petitions.by_level.national.batches",
            "comparison": "at_most",
            "threshold": "0",
            "weight": 10,
        },
    )
    assert letter.targets.count() == 2
