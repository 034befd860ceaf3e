"""The bell in the top bar and the notification list: a person only ever sees their own."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from huiyin.cases.context import notifications
from huiyin.cases.models import Clock, Notification
from huiyin.org.roles import Role
from huiyin.petitions.tests.factories import bring_to, register, step
from huiyin.testing import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(personas):
    return personas[Role.PETITION_CLERK]


@pytest.fixture
def case(clerk):
    return register(clerk).case


def notify(user, case, *, n: int = 1, read: bool = False, kind: str = "overdue"):
    clock = Clock.objects.filter(case=case).first()
    now = timezone.now()
    return [
        Notification.objects.create(
            recipient=user,
            case=case,
            clock=clock,
            kind=kind,
            due_on=timezone.localdate() - timedelta(days=i),
            message=f"{case.number} 第{i}条提醒",
            created_at=now - timedelta(minutes=i),
            read_at=now if read else None,
        )
        for i in range(n)
    ]


def test_it_shows_the_unread_count_on_the_bell(client, clerk, case, personas):
    notify(clerk, case, n=3)
    notify(clerk, case, n=1, read=True, kind="due_soon")
    notify(personas[Role.LEADER], case, n=5)
    client.force_login(clerk)
    html = client.get(reverse("home")).content.decode()
    assert 'id="bell"' in html
    assert 'id="bell-count">3<' in html


def test_it_shows_no_count_without_unread_notifications(client, clerk, case):
    notify(clerk, case, read=True)
    client.force_login(clerk)
    html = client.get(reverse("home")).content.decode()
    assert 'id="bell"' in html
    assert "bell-count" not in html


def test_the_bell_costs_two_small_queries(clerk, case, django_assert_num_queries):
    """Another body's running clocks are looked up first (a few rows, by a partial index), then
    both counts in one statement: never a pass over everything the person may see."""
    notify(clerk, case, n=2)
    request = RequestFactory().get("/")
    request.user = clerk
    with django_assert_num_queries(2):
        assert notifications(request) == {"unread_notifications": 2, "other_body_due": 0}


def test_it_lists_only_the_persons_own_notifications_newest_first(client, clerk, case, personas):
    mine = notify(clerk, case, n=2)
    theirs = notify(personas[Role.LEADER], case)
    client.force_login(clerk)
    response = client.get(reverse("cases:notifications"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index(f'data-id="{mine[0].pk}"') < html.index(f'data-id="{mine[1].pk}"')
    assert f'data-id="{theirs[0].pk}"' not in html
    with translation.override("zh-hans"):
        assert mine[0].text in html  # rendered in the reader's language, not stored text
    assert case.number in mine[0].text


def test_it_paginates_in_a_constant_number_of_queries(
    client, clerk, case, django_assert_max_num_queries
):
    notify(clerk, case, n=65)
    client.force_login(clerk)
    client.get(reverse("cases:notifications"))  # warm the session
    counts = []
    for page in (1, 3):
        with django_assert_max_num_queries(13) as captured:
            response = client.get(reverse("cases:notifications"), {"page": page})
        counts.append(len(captured.captured_queries))
        assert response.status_code == 200
    assert counts[0] == counts[1]
    assert response.content.decode().count("data-id=") == 5


def test_it_opens_a_notification_marks_it_read_and_goes_to_the_case(client, clerk, case):
    note = notify(clerk, case)[0]
    client.force_login(clerk)
    response = client.get(reverse("cases:notification_open", args=[note.pk]))
    assert response.status_code == 302
    assert response["Location"] == f"/petitions/{case.pk}/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_it_refuses_another_persons_notification_with_404(client, clerk, case, personas):
    theirs = notify(personas[Role.LEADER], case)[0]
    client.force_login(clerk)
    assert client.get(reverse("cases:notification_open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_it_hides_notifications_about_a_case_the_person_no_longer_sees(
    client, personas, clerk, unit
):
    other_unit = f.UnitFactory(street=unit.street, name="社事办")
    handler = personas[Role.DEPARTMENT_HANDLER]
    case = bring_to(register(clerk), "assigned", personas, unit=unit)
    note = notify(handler, case)[0]
    client.force_login(handler)
    assert f'data-id="{note.pk}"' in client.get(reverse("cases:notifications")).content.decode()

    step(case, "assign", clerk, unit=other_unit)  # the matter moves to another unit
    html = client.get(reverse("cases:notifications")).content.decode()
    assert f'data-id="{note.pk}"' not in html
    assert client.get(reverse("cases:notification_open", args=[note.pk])).status_code == 404


def test_it_marks_all_of_the_persons_notifications_read(client, clerk, case, personas):
    notify(clerk, case, n=3)
    theirs = notify(personas[Role.LEADER], case, n=2)
    client.force_login(clerk)
    response = client.post(reverse("cases:notifications_read"))
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=clerk, read_at__isnull=True).exists()
    assert Notification.objects.filter(pk__in=[t.pk for t in theirs], read_at=None).count() == 2
    html = client.get(reverse("cases:notifications")).content.decode()
    assert "bell-count" not in html


def test_it_marks_read_only_by_post(client, clerk, case):
    notify(clerk, case)
    client.force_login(clerk)
    assert client.get(reverse("cases:notifications_read")).status_code == 405
    assert Notification.objects.filter(read_at=None).count() == 1


def test_it_filters_unread(client, clerk, case):
    unread = notify(clerk, case)[0]
    read = notify(clerk, case, read=True, kind="due_soon")[0]
    client.force_login(clerk)
    html = client.get(reverse("cases:notifications"), {"unread": "1"}).content.decode()
    assert f'data-id="{unread.pk}"' in html
    assert f'data-id="{read.pk}"' not in html


def test_it_sends_anonymous_visitors_to_sign_in(client, db):
    for name in ("cases:notifications", "cases:notifications_read"):
        response = (
            client.post(reverse(name)) if name.endswith("read") else client.get(reverse(name))
        )
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_a_person_without_notifications_sees_an_empty_list(client, outsider):
    client.force_login(outsider)
    response = client.get(reverse("cases:notifications"))
    assert response.status_code == 200
    assert 'id="no-notifications"' in response.content.decode()


def test_a_notification_without_a_clock_shows_its_stored_message(clerk, case):
    note = Notification.objects.create(recipient=clerk, case=case, kind="overdue", message="旧提醒")
    assert note.text == "旧提醒"


def test_mark_all_read_needs_the_csrf_token(clerk, case):
    from django.test import Client

    notify(clerk, case, n=2)
    guarded = Client(enforce_csrf_checks=True)
    guarded.force_login(clerk)
    assert guarded.post(reverse("cases:notifications_read")).status_code == 403
    assert Notification.objects.filter(recipient=clerk, read_at=None).count() == 2
    page = guarded.get(reverse("cases:notifications")).content.decode()
    assert 'id="mark-all-read"' in page
    assert 'name="csrfmiddlewaretoken"' in page


def test_the_list_shows_one_line_for_the_clocks_due_the_same_day(client, clerk, case):
    day = timezone.localdate() + timedelta(days=2)
    Clock.objects.filter(case=case, stopped_at=None, party="office").update(due_on=day)
    from huiyin.cases import reminders

    reminders.tick()
    client.force_login(clerk)
    with translation.override("zh-hans"):
        html = client.get(reverse("cases:notifications")).content.decode()
    assert html.count("data-id=") == 1
    assert "登记并转送、交办信访事项" in html
    assert "书面告知信访人是否受理" in html
    assert 'id="bell-count">1<' in html
