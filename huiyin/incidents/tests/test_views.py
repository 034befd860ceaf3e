"""The incident pages: the list and its filters, registration, the case page and its steps,
the next of kin's audited reveal, the documents; each for the roles that may and may not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from huiyin.cases.models import Case
from huiyin.incidents.forms import local_input
from huiyin.incidents.models import Incident, Report
from huiyin.incidents.tests import factories as itf
from huiyin.incidents.types import type_named
from huiyin.org.roles import Role
from huiyin.privacy.models import AuditEntry

pytestmark = pytest.mark.usefixtures("types")

LIST = "/incidents/"


@pytest.fixture
def cases(personas, community, other_community, grid):
    duty = personas[Role.GOVERNANCE_STAFF]
    return {
        "in_grid": itf.register(duty, title="网格内的火警", community=community, grid=grid),
        "elsewhere": itf.register(
            duty, title="别处的群体性事件", community=other_community, type_name="群体性事件"
        ),
    }


@pytest.mark.parametrize(
    ("role", "status", "seen"),
    [
        (Role.GOVERNANCE_STAFF, 200, {"in_grid", "elsewhere"}),
        (Role.LEADER, 200, {"in_grid", "elsewhere"}),
        (Role.AUDITOR, 200, {"in_grid", "elsewhere"}),
        (Role.COMMUNITY_WORKER, 200, {"in_grid"}),
        (Role.GRID_WORKER, 200, {"in_grid"}),
        (Role.PETITION_CLERK, 403, set()),
        (Role.MEDIATOR, 403, set()),
    ],
)
def test_the_list_shows_each_role_its_incidents(client, personas, cases, role, status, seen):
    client.force_login(personas[role])
    response = client.get(LIST)
    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        for key, case in cases.items():
            assert (case.number in html) == (key in seen), key
        assert 'id="incident-cards"' in html  # cards on a phone


def test_the_list_filters_and_ignores_bad_values(client, personas, cases):
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    fire = type_named("火警")
    html = client.get(LIST, {"category": fire.pk, "unreported": "1"}).content.decode()
    assert cases["in_grid"].number in html and cases["elsewhere"].number not in html
    response = client.get(LIST, {"grade": "huge", "page": "9" * 40, "category": "10" * 30})
    assert response.status_code == 200
    assert 'id="filter-notices"' in response.content.decode()
    itf.report(cases["in_grid"], personas[Role.GOVERNANCE_STAFF])
    html = client.get(LIST, {"unreported": "1"}).content.decode()
    assert cases["in_grid"].number not in html


def test_registering_from_the_form(client, personas, community, grid):
    client.force_login(personas[Role.GRID_WORKER])
    page = client.get(reverse("incidents:new"))
    assert page.status_code == 200 and 'id="district-note"' in page.content.decode()
    now = timezone.now()
    data = {
        "category": type_named("生产安全事故").pk,
        "title": "工地脚手架坍塌",
        "occurred_at": local_input(now - timedelta(minutes=40)),
        "learned_at": local_input(now - timedelta(minutes=30)),
        "source": "grid",
        "grid": grid.pk,
        "deaths": "3",
        "serious_injuries": "2",
        "direct_loss": "1,000,000",
        "people_count": "",
    }
    response = client.post(reverse("incidents:new"), data)
    assert response.status_code == 302
    case = Case.objects.get(title="工地脚手架坍塌")
    incident = Incident.objects.get(pk=case.pk)
    assert incident.grade == "larger" and incident.grade_derived  # 3 deaths: 较大
    assert case.grid == grid and case.community == community
    assert response["Location"] == reverse("incidents:detail", args=[case.pk])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("learned_at", "2999-01-01T00:00"),
        ("occurred_at", "not a time"),
        ("deaths", "-1"),
        ("deaths", "9" * 30),
        ("direct_loss", "1e999"),
        ("people_count", "0"),
        ("dispute_case", "浓洄调〔2026〕9999号"),
        ("category", "10" * 30),
    ],
)
def test_bad_input_is_refused_beside_its_field(client, personas, community, field, value):
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    now = timezone.now()
    data = {
        "category": type_named("火警").pk,
        "title": "某处火警",
        "occurred_at": local_input(now - timedelta(minutes=40)),
        "learned_at": local_input(now - timedelta(minutes=30)),
        "source": "hotline",
        "community": community.pk,
        field: value,
    }
    response = client.post(reverse("incidents:new"), data)
    assert response.status_code == 400
    assert "hy-field-error" in response.content.decode()
    assert not Case.objects.filter(title="某处火警").exists()


def test_a_grid_worker_cannot_register_in_another_grid(client, personas, other_community):
    client.force_login(personas[Role.GRID_WORKER])
    now = timezone.now()
    response = client.post(
        reverse("incidents:new"),
        {
            "category": type_named("火警").pk,
            "title": "别处火警",
            "occurred_at": local_input(now),
            "learned_at": local_input(now),
            "source": "grid",
            "community": other_community.pk,
        },
    )
    assert response.status_code == 400
    assert not Case.objects.filter(title="别处火警").exists()


def test_the_case_page_and_a_step(client, personas, cases):
    case = cases["in_grid"]
    url = reverse("incidents:detail", args=[case.pk])
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    html = client.get(url).content.decode()
    for marker in ('id="reporting"', 'data-transition="respond"', 'data-document="first-report"'):
        assert marker in html
    response = client.post(
        reverse("incidents:transition", args=[case.pk, "record_report"]),
        {
            "version": case.version,
            "kind": "first",
            "sent_at": local_input(timezone.now()),
            "recipient": "区委总值班室",
            "channel": "phone",
            "contents": "初报内容",
        },
    )
    assert response.status_code == 302
    assert Report.objects.filter(incident_id=case.pk).count() == 1
    # A stale version is refused with 409, nothing written.
    response = client.post(
        reverse("incidents:transition", args=[case.pk, "update_situation"]),
        {"version": case.version, "deaths": "1"},
    )
    assert response.status_code == 409
    assert Incident.objects.get(pk=case.pk).deaths == 0
    # A refused step says why, on the page.
    client.force_login(personas[Role.GRID_WORKER])
    response = client.post(
        reverse("incidents:transition", args=[case.pk, "respond"]),
        {"version": itf.refresh(case).version, "leader": personas[Role.LEADER].staff.pk},
    )
    assert response.status_code == 400
    assert itf.refresh(case).status == "registered"
    # Outside one's scope: 404.
    response = client.get(reverse("incidents:detail", args=[cases["elsewhere"].pk]))
    assert response.status_code == 404


def test_the_disposal_log_takes_notes(client, personas, cases):
    case = cases["in_grid"]
    client.force_login(personas[Role.GRID_WORKER])
    response = client.post(reverse("incidents:case_note", args=[case.pk]), {"text": "火已扑灭"})
    assert response.status_code == 302
    assert "火已扑灭" in client.get(reverse("incidents:detail", args=[case.pk])).content.decode()
    client.force_login(personas[Role.AUDITOR])
    response = client.post(reverse("incidents:case_note", args=[case.pk]), {"text": "审计"})
    assert response.status_code == 400


def test_the_next_of_kin_is_revealed_only_to_handlers_and_audited(client, personas, community):
    from huiyin.incidents import services

    duty = personas[Role.GOVERNANCE_STAFF]
    case = itf.register(duty, community=community, type_name="非正常死亡")
    services.step(case, "record_kin", duty, kin_name="王小明", kin_phone="13812345678")
    client.force_login(personas[Role.AUDITOR])
    page = client.get(reverse("incidents:detail", args=[case.pk])).content.decode()
    assert "王小明" not in page and "13812345678" not in page
    assert client.post(reverse("incidents:kin", args=[case.pk])).status_code == 403
    client.force_login(personas[Role.COMMUNITY_WORKER])
    shown = client.post(reverse("incidents:kin", args=[case.pk])).content.decode()
    assert "王小明" in shown and "13812345678" in shown
    entry = AuditEntry.objects.get(action="identity.view")
    assert "王小明" not in str(entry.diff)
    assert AuditEntry.objects.filter(action="access.denied", target_id=str(case.pk)).exists()


def test_the_reports_as_documents(client, personas, cases):
    case = cases["in_grid"]
    duty = personas[Role.GOVERNANCE_STAFF]
    client.force_login(duty)
    response = client.get(reverse("incidents:document", args=[case.pk, "first-report"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AuditEntry.objects.filter(action="document.export").count() == 1
    # No follow-up recorded: refused, back to the page with the reason.
    response = client.get(reverse("incidents:document", args=[case.pk, "follow-up-report"]))
    assert response.status_code == 302
    assert client.get(reverse("incidents:document", args=[case.pk, "nothing"])).status_code == 404
    client.force_login(personas[Role.GRID_WORKER])
    other = cases["elsewhere"]
    assert (
        client.get(reverse("incidents:document", args=[other.pk, "first-report"])).status_code
        == 404
    )


def test_the_home_page_names_what_is_waiting(client, personas, cases):
    client.force_login(personas[Role.GRID_WORKER])
    html = client.get("/").content.decode()
    assert "/incidents/?open=1&amp;unreported=1" in html
    client.force_login(personas[Role.AUDITOR])
    assert "unreported=1" not in client.get("/").content.decode()
