"""The reception-day pages: the month calendar, scheduling a slot, and a leader's headcount."""

from __future__ import annotations

from datetime import date, time, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from huiyin.cases.models import Case
from huiyin.org.models import Staff
from huiyin.org.roles import Role
from huiyin.petitions.models import ReceptionSlot
from huiyin.petitions.services import schedule_reception
from huiyin.petitions.tests.factories import petitioner, register
from huiyin.petitions.views.reception import month_bounds
from huiyin.privacy.models import AuditEntry
from huiyin.testing import factories as f

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def zh(message) -> str:
    with translation.override("zh-hans"):
        return str(message)


@pytest.fixture
def leader_staff(leader):
    return Staff.objects.get(user=leader)


def slot(actor, leader_staff, on, **overrides) -> ReceptionSlot:
    values = {
        "leader": leader_staff,
        "kind": ReceptionSlot.SlotKind.RECEPTION_DAY,
        "on": on,
        "start_time": time(9),
        "end_time": time(12),
        "place": "街道信访接待室",
        **overrides,
    }
    return schedule_reception(actor=actor, **values)


def crowd(n: int) -> list[dict]:
    return [
        petitioner(f"群众{i}", id_number="", phone="", is_representative=i == 0) for i in range(n)
    ]


def form(leader_staff, **overrides) -> dict:
    return {
        "leader": leader_staff.pk,
        "kind": "outreach",
        "date": today().isoformat(),
        "start_time": "14:00",
        "end_time": "17:00",
        "place": "果丰社区居委会",
        "community": "",
        "note": "",
        **overrides,
    }


# --------------------------------------------------------------------------- the calendar


def test_it_shows_this_months_slots_with_the_headcount(client, clerk, leader_staff):
    day = slot(clerk, leader_staff, today())
    register(
        clerk,
        received_at=today(),
        reception_slot=day,
        is_collective=True,
        headcount=12,
        petitioners=crowd(2),
    )
    register(clerk, received_at=today(), reception_slot=day)
    client.force_login(clerk)
    response = client.get(reverse("petitions:reception"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-slot="{day.pk}" data-headcount="13"' in html
    assert "街道信访接待室" in html
    assert leader_staff.name in html
    assert f'data-date="{today().isoformat()}"' in html
    assert 'id="schedule"' in html
    assert 'id="petitions-subnav"' in html


def test_a_phone_reads_the_month_as_a_list_of_days(client, clerk, leader_staff):
    client.force_login(clerk)
    html = client.get(reverse("petitions:reception")).content.decode()
    agenda = html[html.index('id="calendar-agenda"') : html.index('id="calendar"')]
    assert 'id="agenda-empty"' in agenda
    day = slot(clerk, leader_staff, today())
    html = client.get(reverse("petitions:reception")).content.decode()
    agenda = html[html.index('id="calendar-agenda"') : html.index('id="calendar"')]
    assert f'data-slot="{day.pk}"' in agenda and leader_staff.name in agenda
    assert 'id="agenda-empty"' not in agenda
    # The seven-column grid is for wider screens only.
    assert 'class="table-responsive d-none d-md-block"' in html


def test_each_slot_links_to_the_petitions_registered_in_it(client, clerk, leader_staff):
    day = slot(clerk, leader_staff, today())
    client.force_login(clerk)
    html = client.get(reverse("petitions:reception")).content.decode()
    start = html.index(f'data-slot="{day.pk}"')
    href = html[html.rindex('href="', 0, start) + 6 :]
    href = href[: href.index('"')].replace("&amp;", "&")
    parts = urlsplit(href)
    assert parts.path == reverse("petitions:list")
    assert parse_qs(parts.query) == {
        "reception_leader": [str(leader_staff.pk)],
        "from": [today().isoformat()],
        "to": [today().isoformat()],
    }


def test_it_moves_between_months(client, clerk, leader_staff):
    earlier = today().replace(day=1) - timedelta(days=40)
    old = slot(clerk, leader_staff, earlier)
    client.force_login(clerk)
    html = client.get(reverse("petitions:reception")).content.decode()
    assert f'data-slot="{old.pk}"' not in html
    prev_link = html[html.index('id="prev-month"') :]
    assert "?month=" in prev_link[: prev_link.index(">")]
    html = client.get(
        reverse("petitions:reception"), {"month": earlier.strftime("%Y-%m")}
    ).content.decode()
    assert f'data-slot="{old.pk}"' in html
    assert f'data-date="{earlier.isoformat()}"' in html


def test_it_shows_this_month_for_a_month_it_does_not_understand(client, clerk):
    client.force_login(clerk)
    for bad in ("2026-13", "abc", "2026-00", "99999-1", "2026-1-1"):
        response = client.get(reverse("petitions:reception"), {"month": bad})
        assert response.status_code == 200, bad
        html = response.content.decode()
        assert 'id="notice"' in html, bad
        assert f'data-date="{today().isoformat()}"' in html


def test_it_filters_the_calendar_by_leader(client, clerk, leader_staff):
    other = Staff.objects.get(user=f.person(Role.LEADER, username="leader2"))
    mine = slot(clerk, leader_staff, today())
    theirs = slot(clerk, other, today(), place="翠屏路社区")
    client.force_login(clerk)
    html = client.get(reverse("petitions:reception"), {"leader": leader_staff.pk}).content.decode()
    assert f'data-slot="{mine.pk}"' in html
    assert f'data-slot="{theirs.pk}"' not in html
    html = client.get(reverse("petitions:reception"), {"leader": "nobody"}).content.decode()
    assert f'data-slot="{theirs.pk}"' in html
    assert 'id="notice"' in html


def test_the_calendar_costs_the_same_queries_for_few_or_many(
    client, clerk, leader_staff, django_assert_max_num_queries
):
    client.force_login(clerk)

    def count() -> int:
        with django_assert_max_num_queries(20) as captured:
            assert client.get(reverse("petitions:reception")).status_code == 200
        return len(captured.captured_queries)

    first = today().replace(day=1)
    days = [first + timedelta(days=i % today().day) for i in range(12)]
    for day in days[:2]:
        register(clerk, received_at=day, reception_slot=slot(clerk, leader_staff, day))
    few = count()
    for day in days[2:]:
        register(clerk, received_at=day, reception_slot=slot(clerk, leader_staff, day))
    assert count() == few


@pytest.mark.parametrize(
    "role", [Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.MEDIATOR, Role.ADMINISTRATOR]
)
def test_it_refuses_the_calendar_to_roles_without_petitions(client, personas, role):
    client.force_login(personas[role])
    assert client.get(reverse("petitions:reception")).status_code == 403


def test_a_handler_sees_the_calendar_but_cannot_schedule(client, handler, leader_staff):
    client.force_login(handler)
    html = client.get(reverse("petitions:reception")).content.decode()
    assert 'id="calendar"' in html
    assert 'id="schedule"' not in html


# --------------------------------------------------------------------------- scheduling


@pytest.mark.parametrize("role", [Role.PETITION_CLERK, Role.LEADER])
def test_clerks_and_leaders_schedule_a_reception(client, personas, leader_staff, role):
    client.force_login(personas[role])
    url = reverse("petitions:reception_new")
    page = client.get(url, {"date": "2026-03-02"})
    assert page.status_code == 200
    assert 'value="2026-03-02"' in page.content.decode()
    response = client.post(url, form(leader_staff))
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("petitions:reception") + f"?month={today().strftime('%Y-%m')}"
    )
    created = ReceptionSlot.objects.get()
    assert (created.leader, created.kind, created.place) == (
        leader_staff,
        ReceptionSlot.SlotKind.OUTREACH,
        "果丰社区居委会",
    )
    assert AuditEntry.objects.filter(
        action="object.create", target_type="petitions.receptionslot"
    ).exists()


def test_a_leader_is_chosen_for_themself(client, leader, leader_staff):
    client.force_login(leader)
    html = client.get(reverse("petitions:reception_new")).content.decode()
    assert f'<option value="{leader_staff.pk}" selected>' in html


@pytest.mark.parametrize(
    "role", [Role.DEPARTMENT_HANDLER, Role.AUDITOR, Role.GOVERNANCE_STAFF, Role.COMMUNITY_WORKER]
)
def test_it_refuses_scheduling_to_other_roles(client, personas, leader_staff, role):
    client.force_login(personas[role])
    url = reverse("petitions:reception_new")
    assert client.get(url).status_code == 403
    assert client.post(url, form(leader_staff)).status_code == 403
    assert not ReceptionSlot.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"end_time": "13:00"}, "end_time"),
        ({"end_time": "14:00"}, "end_time"),
        ({"place": "   "}, "place"),
        ({"date": "2026-02-30"}, "date"),
        ({"kind": "party"}, "kind"),
        ({"start_time": "25:00"}, "start_time"),
        ({"community": "999999"}, "community"),
        ({"leader": ""}, "leader"),
    ],
)
def test_it_shows_bad_input_beside_the_field(client, clerk, leader_staff, overrides, field):
    client.force_login(clerk)
    response = client.post(reverse("petitions:reception_new"), form(leader_staff, **overrides))
    assert response.status_code == 400
    assert f'data-field="{field}"' in response.content.decode()
    assert not ReceptionSlot.objects.exists()


def test_it_refuses_a_person_who_is_not_a_leader(client, clerk, handler):
    client.force_login(clerk)
    not_a_leader = Staff.objects.get(user=handler)
    response = client.post(
        reverse("petitions:reception_new"), form(not_a_leader, leader=not_a_leader.pk)
    )
    assert response.status_code == 400
    assert 'data-field="leader"' in response.content.decode()
    assert not ReceptionSlot.objects.exists()


# --------------------------------------------------------------------------- a leader's page


def test_a_leaders_page_counts_the_people_received_this_month(client, clerk, leader_staff):
    first, _last = month_bounds(today())
    here = slot(clerk, leader_staff, today())
    register(
        clerk,
        received_at=today(),
        reception_slot=here,
        is_collective=True,
        headcount=20,
        petitioners=crowd(3),
    )
    withdrawn = register(clerk, received_at=today(), reception_slot=here)
    Case.objects.filter(pk=withdrawn.pk).update(withdrawn=True)
    earlier = slot(clerk, leader_staff, first - timedelta(days=3))
    register(clerk, received_at=earlier.date, reception_slot=earlier)
    client.force_login(clerk)
    response = client.get(reverse("petitions:reception_leader", args=[leader_staff.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="headcount">20<' in html
    assert f'data-slot="{here.pk}"' in html
    assert f'data-slot="{earlier.pk}"' not in html
    assert f'value="{first.isoformat()}"' in html


def test_a_leaders_page_takes_a_period(client, clerk, leader_staff):
    first, _last = month_bounds(today())
    earlier = slot(clerk, leader_staff, first - timedelta(days=3))
    register(clerk, received_at=earlier.date, reception_slot=earlier, petitioners=crowd(1))
    client.force_login(clerk)
    url = reverse("petitions:reception_leader", args=[leader_staff.pk])
    params = {
        "date_from": (earlier.date - timedelta(days=1)).isoformat(),
        "date_to": earlier.date.isoformat(),
    }
    html = client.get(url, params).content.decode()
    assert 'id="headcount">1<' in html
    assert f'data-slot="{earlier.pk}"' in html
    # Both ends count: a period of that one day still finds it.
    one_day = {"date_from": earlier.date.isoformat(), "date_to": earlier.date.isoformat()}
    assert 'id="headcount">1<' in client.get(url, one_day).content.decode()


def test_a_leaders_page_refuses_a_reversed_or_broken_period(client, clerk, leader_staff):
    client.force_login(clerk)
    url = reverse("petitions:reception_leader", args=[leader_staff.pk])
    for params in (
        {"date_from": "2026-05-10", "date_to": "2026-05-01"},
        {"date_from": "2026-05-xx", "date_to": "2026-05-01"},
    ):
        response = client.get(url, params)
        assert response.status_code == 200
        assert "invalid-feedback" in response.content.decode()


def test_a_leaders_page_is_404_for_someone_who_is_not_a_leader(client, clerk, handler):
    client.force_login(clerk)
    not_a_leader = Staff.objects.get(user=handler)
    url = reverse("petitions:reception_leader", args=[not_a_leader.pk])
    assert client.get(url).status_code == 404
    assert client.get(reverse("petitions:reception_leader", args=[987654])).status_code == 404


def test_a_leaders_page_is_refused_to_roles_without_petitions(client, personas, leader_staff):
    client.force_login(personas[Role.COMMUNITY_WORKER])
    url = reverse("petitions:reception_leader", args=[leader_staff.pk])
    assert client.get(url).status_code == 403


def test_month_bounds():
    assert month_bounds(date(2026, 2, 14)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert month_bounds(date(2028, 2, 29)) == (date(2028, 2, 1), date(2028, 2, 29))
    assert month_bounds(date(2026, 12, 31)) == (date(2026, 12, 1), date(2026, 12, 31))
