"""The patrol pages: who may open and post what, the phone forms, bad input as 400 not 500."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from huiyin.org.roles import Role
from huiyin.patrols import services
from huiyin.patrols.models import Finding, Patrol, Rectification, Result
from huiyin.patrols.tests.factories import ID_NUMBER, inspect, jpeg, started
from huiyin.screening import periods

pytestmark = pytest.mark.django_db

PAGES = [
    "patrols:list",
    "patrols:roster",
    "patrols:volunteers",
    "patrols:places",
    "patrols:checklists",
    "patrols:rectifications",
    "patrols:campaigns",
    "patrols:sensitive",
]


def login(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.GOVERNANCE_STAFF, 200),
        (Role.COMMUNITY_WORKER, 200),
        (Role.GRID_WORKER, 200),
        (Role.LEADER, 200),
        (Role.AUDITOR, 200),
        (Role.MEDIATOR, 403),
        (Role.PETITION_CLERK, 403),
        (Role.DEPARTMENT_HANDLER, 403),
    ],
)
def test_who_may_open_the_section(client, personas, role, status):
    login(client, personas[role])
    for name in PAGES:
        assert client.get(reverse(name)).status_code == status, name


def test_an_outsider_and_an_anonymous_visitor_are_refused(client, outsider):
    assert client.get(reverse("patrols:list")).status_code == 302
    login(client, outsider)
    assert client.get(reverse("patrols:list")).status_code == 403


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.GRID_WORKER, 200), (Role.LEADER, 403), (Role.AUDITOR, 403), (Role.MEDIATOR, 403)],
)
def test_only_those_who_patrol_get_the_record_form(client, personas, role, status):
    login(client, personas[role])
    assert client.get(reverse("patrols:new")).status_code == status


def patrol_post(place, **extra):
    grid = place
    data = {
        "kind": "grid",
        "grid": str(grid.pk),
        "started_at": started().strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": "45",
    }
    data.update(extra)
    return data


def test_the_phone_form_records_a_patrol_in_the_grid(client, grid_worker, grid):
    html = login(client, grid_worker).get(reverse("patrols:new")).content.decode()
    assert 'type="datetime-local"' in html and "style=" not in html
    response = client.post(reverse("patrols:new"), patrol_post(grid))
    patrol = Patrol.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "patrols:detail", args=[patrol.pk]
    )


def test_another_grid_is_not_offered_nor_accepted(client, grid_worker, grid, other_grid):
    html = login(client, grid_worker).get(reverse("patrols:new")).content.decode()
    grids = re.search(r'<select name="grid".*?</select>', html, re.S).group(0)
    assert f'value="{other_grid.pk}"' not in grids and f'value="{grid.pk}"' in grids
    response = client.post(reverse("patrols:new"), patrol_post(other_grid))
    assert response.status_code == 400 and not Patrol.objects.exists()


@pytest.mark.parametrize(
    "bad",
    [
        {"duration_minutes": "99999999999999999999"},
        {"started_at": "9999-12-31T23:59"},
        {"grid": "99999999999999999999999"},
        {"kind": "<script>"},
        {"note": "x" * 5000},
        {"staff": "1e308"},
    ],
)
def test_bad_patrol_input_is_a_400(client, grid_worker, grid, bad):
    response = login(client, grid_worker).post(reverse("patrols:new"), patrol_post(grid, **bad))
    assert response.status_code == 400 and not Patrol.objects.exists()


def test_the_finding_form_takes_photos_from_the_camera(client, grid_worker, patrol):
    page = reverse("patrols:detail", args=[patrol.pk])
    html = login(client, grid_worker).get(page).content.decode()
    assert 'accept="image/*"' in html and 'capture="environment"' in html
    response = client.post(
        reverse("patrols:finding_new", args=[patrol.pk]),
        {"kind": "hazard", "location": "3号楼", "description": "灭火器过期", "photos": [jpeg()]},
    )
    assert response.status_code == 302
    finding = Finding.objects.get()
    photo = finding.photos.get()
    html = client.get(page).content.decode()
    shown = reverse("patrols:finding_photo", args=[photo.pk])
    assert shown in html
    assert client.get(shown)["Content-Type"] == "image/jpeg"


def test_a_finding_with_an_id_number_is_refused_on_the_page(client, grid_worker, patrol):
    response = login(client, grid_worker).post(
        reverse("patrols:finding_new", args=[patrol.pk]),
        {"kind": "event", "location": "小区门口", "description": f"身份证{ID_NUMBER}"},
    )
    assert response.status_code == 400 and not Finding.objects.exists()
    assert 'data-field="description"' in response.content.decode()


def test_a_photo_outside_the_scope_is_not_shown(client, grid_worker, patrol, other_grid):
    from huiyin.testing import factories as f

    found = services.add_finding(
        grid_worker, patrol, kind="hazard", location="3号楼", description="井盖缺失",
        files=[jpeg()],
    )  # fmt: skip
    stranger = f.person(Role.GRID_WORKER, username="grid9", grid=other_grid)
    login(client, stranger)
    assert client.get(reverse("patrols:detail", args=[patrol.pk])).status_code == 404
    photo = found.photos.get()
    assert client.get(reverse("patrols:finding_photo", args=[photo.pk])).status_code == 404


def test_a_finding_becomes_a_rectification_from_the_page(client, grid_worker, patrol, deadline):
    found = services.add_finding(
        grid_worker, patrol, kind="hazard", location="3号楼", description="井盖缺失"
    )
    response = login(client, grid_worker).post(
        reverse("patrols:finding_step", args=[found.pk]),
        {"action": "rectification", "responsible_party": "物业", "deadline": deadline.isoformat()},
    )
    task = Rectification.objects.get()
    assert response["Location"] == reverse("patrols:rectification", args=[task.pk])
    again = client.post(
        reverse("patrols:finding_step", args=[found.pk]), {"action": "noted", "note": "x"}
    )
    assert again.status_code == 400


def test_the_leader_reads_a_patrol_but_takes_no_step(client, personas, grid_worker, patrol):
    found = services.add_finding(
        grid_worker, patrol, kind="hazard", location="3号楼", description="井盖缺失"
    )
    login(client, personas[Role.LEADER])
    html = client.get(reverse("patrols:detail", args=[patrol.pk])).content.decode()
    assert "finding-form" not in html and "finding_step" not in html
    response = client.post(
        reverse("patrols:finding_step", args=[found.pk]), {"action": "noted", "note": "x"}
    )
    assert response.status_code == 403


def test_the_inspection_form_lists_the_checklist_and_records(client, community_worker, cafe):
    page = reverse("patrols:inspection_new", args=[cafe.pk])
    html = login(client, community_worker).get(page).content.decode()
    items = list(services.current_checklist(cafe.kind).items.order_by("order"))
    assert all(f'data-item="{i.pk}"' in html for i in items)
    data = {
        "inspected_on": periods.today().isoformat(),
        "lead_authority": "culture",
        "inspector_signatures": "李检查",
    }
    for index, item in enumerate(items):
        data[f"result_{item.pk}"] = Result.FAIL if index == 0 else Result.PASS
    response = client.post(page, data)
    assert response.status_code == 400  # the failed item has no deadline
    assert f'data-field="deadline_{items[0].pk}"' in response.content.decode()
    data[f"deadline_{items[0].pk}"] = (periods.today() + timedelta(days=5)).isoformat()
    response = client.post(page, data)
    assert response.status_code == 302 and Rectification.objects.count() == 1


def test_the_inspection_documents_are_word_files(client, community_worker, cafe):
    inspection = inspect(community_worker, cafe, fail=(2,))
    login(client, community_worker)
    for slug in ("inspection-record", "rectification-notice"):
        url = reverse("patrols:inspection_document", args=[inspection.pk, slug])
        response = client.get(url)
        assert response.status_code == 200 and response.content[:2] == b"PK", slug
    clean = inspect(community_worker, cafe)
    url = reverse("patrols:inspection_document", args=[clean.pk, "rectification-notice"])
    assert client.get(url).status_code == 302  # nothing failed: no notice
    url = reverse("patrols:inspection_document", args=[clean.pk, "no-such-thing"])
    assert client.get(url).status_code == 404


def test_the_rectification_list_shows_the_overdue(client, community_worker, cafe):
    inspect(community_worker, cafe, fail=(1,), deadline=periods.today())
    task = Rectification.objects.get()
    Rectification.objects.filter(pk=task.pk).update(deadline=periods.today() - timedelta(days=1))
    html = (
        login(client, community_worker)
        .get(reverse("patrols:rectifications") + "?status=overdue")
        .content.decode()
    )
    assert f'data-rectification="{task.pk}"' in html and 'data-overdue="1"' in html
    # A step from the page.
    response = client.post(
        reverse("patrols:rectification_step", args=[task.pk]),
        {"step": "reinspect", "reinspect-on": periods.today().isoformat(),
         "reinspect-result": "passed", "reinspect-version": "1"},
    )  # fmt: skip
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == "done"


def test_the_home_page_lists_overdue_rectifications(client, community_worker, cafe):
    inspect(community_worker, cafe, fail=(1,), deadline=periods.today())
    Rectification.objects.update(deadline=periods.today() - timedelta(days=2))
    html = login(client, community_worker).get(reverse("home")).content.decode()
    assert reverse("patrols:rectifications") + "?status=overdue" in html


def test_the_sensitive_board_and_the_nil_report(client, governance, community_worker, community):
    today = periods.today()
    period = services.create_period(
        governance, name="特殊时期", starts_on=today - timedelta(days=1), ends_on=today
    )
    login(client, community_worker)
    board = client.get(reverse("patrols:sensitive_period", args=[period.pk]))
    assert board.status_code == 200
    due = services.sensitive.due_day(period)
    response = client.post(
        reverse("patrols:sensitive_file", args=[period.pk]),
        {"community": str(community.pk), "day": due.isoformat(), "action": "nil"},
    )
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert f'data-community="{community.pk}" data-status="on_time"' in html
    for bad in ("2026-02-30", "x" * 100, "9999-12-31"):
        url = reverse("patrols:sensitive_period", args=[period.pk]) + f"?day={bad}"
        assert client.get(url).status_code == 200


def test_a_grid_worker_files_no_daily_report(client, governance, grid_worker):
    today = periods.today()
    period = services.create_period(governance, name="特殊时期", starts_on=today, ends_on=today)
    login(client, grid_worker)
    assert client.get(reverse("patrols:sensitive_file", args=[period.pk])).status_code == 403
