"""Absurd dates, huge numbers, NUL bytes and oversize text: a clear answer, never a 500.

Every hostile value answers 400 or the page with a message beside the field; a row stored
with an absurd date before the checks existed leaves every page, the withdrawal and
``huiyin tick`` working, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from axes.models import AccessAttempt
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.management import call_command
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext

from huiyin.cases import bounds, deadlines
from huiyin.cases.models import Case, Clock
from huiyin.org.roles import Role
from huiyin.petitions.models import Petition
from huiyin.petitions.tests.factories import ID_1, PHONE_1, register
from huiyin.petitions.tests.test_views_intake import field_errors, form_data, person
from huiyin.privacy.models import AuditEntry
from huiyin.testing import factories as f

pytestmark = pytest.mark.django_db

NEW = "/petitions/new/"
HUGE = "99999999999999999999999"
TEN_23 = str(10**23)


def zh(message, **params) -> str:
    """A message as a Chinese user sees it (the msgid until the catalogue has it)."""
    with translation.override("zh-hans"):
        text = gettext(str(message))
    return text % params if params else text


def page(response) -> str:
    return response.content.decode()


def assert_answered(response, *statuses: int) -> None:
    allowed = statuses or (200, 400)
    assert response.status_code in allowed, response.status_code


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


# --------------------------------------------------------------------------- the bounds


def test_it_keeps_the_bounds_in_one_place(settings):
    assert bounds.earliest_date() == date(1990, 1, 1)
    assert not bounds.plausible_date(date(1, 1, 1))
    assert not bounds.plausible_date(date(1900, 1, 1))
    assert not bounds.plausible_date(date(9999, 12, 31), future_ok=True)
    assert bounds.plausible_date(date(2020, 5, 1))
    assert bounds.clamp_date(date(9999, 12, 31)) == bounds.latest_date()
    assert bounds.clamp_date(date(1, 1, 1)) == date(1990, 1, 1)
    settings.HUIYIN_EARLIEST_DATE = "2000-01-01"
    assert not bounds.plausible_date(date(1995, 1, 1))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("42", 42), (" 7 ", 7), ("", None), ("abc", None), (TEN_23, None), ("9" * 5000, None)],
)
def test_it_parses_integers_with_bounds(raw, expected):
    assert bounds.bounded_int(raw, 1, bounds.MAX_ID) == expected


def test_it_does_deadline_arithmetic_at_the_ends_of_the_calendar():
    assert deadlines.due_date(date(9999, 12, 20), 60) == date.max
    assert deadlines.due_date(date(9999, 12, 28), 5, working_days=True) <= date.max
    assert deadlines.due_date(date(1, 1, 1), 15) == date(1, 1, 16)
    assert deadlines.days_left(date(1, 1, 1), date(2026, 1, 1)) < 0
    assert deadlines.days_left(datetime(9999, 12, 31, 20, tzinfo=UTC), date(2026, 1, 1)) > 0


# --------------------------------------------------------------------------- the intake form


@pytest.mark.parametrize(
    ("received_at", "message", "params"),
    [
        ("0001-01-01T00:00", bounds.MSG_TOO_EARLY, {"earliest": "1990-01-01"}),
        ("1900-01-01T09:00", bounds.MSG_TOO_EARLY, {"earliest": "1990-01-01"}),
        ("9999-12-31T23:59", "The date received cannot be in the future.", {}),
    ],
)
def test_it_refuses_an_absurd_date_received(clerk_client, received_at, message, params):
    data = form_data([person()], received_at=received_at)
    response = clerk_client.post(NEW, data)
    assert_answered(response, 200)
    assert field_errors(response, "received_at") == [zh(message, **params)]
    assert not Petition.objects.exists()
    # What was typed stays in the form.
    assert data["description"] in page(response)


@pytest.mark.parametrize(
    ("headcount", "expected"),
    [
        (HUGE, "Ensure this value is less than or equal to %(limit_value)s."),
        ("1000000", "Ensure this value is less than or equal to %(limit_value)s."),
    ],
)
def test_it_refuses_an_implausible_headcount(clerk_client, headcount, expected):
    data = form_data([person()], is_collective="on", headcount=headcount)
    response = clerk_client.post(NEW, data)
    assert_answered(response, 200)
    assert field_errors(response, "headcount") == [zh(expected, limit_value="10000")]
    assert not Petition.objects.exists()


def test_it_takes_the_headcount_limit_from_the_settings(clerk_client, settings):
    settings.HUIYIN_MAX_HEADCOUNT = 50
    crowd = [person(f"群众{i}", "", "", is_representative=i < 2) for i in range(3)]
    response = clerk_client.post(NEW, form_data(crowd, is_collective="on", headcount="51"))
    assert field_errors(response, "headcount")
    assert (
        clerk_client.post(NEW, form_data(crowd, is_collective="on", headcount="50")).status_code
        == 302
    )


def test_the_service_refuses_what_the_form_would(clerk):
    from huiyin.petitions.services import MSG_HEADCOUNT_MAX, PetitionInvalid

    with pytest.raises(PetitionInvalid) as caught:
        register(clerk, received_at=datetime(1900, 1, 1, tzinfo=deadlines.CHINA_TZ))
    assert caught.value.errors["received_at"] == [
        str(bounds.MSG_TOO_EARLY) % {"earliest": "1990-01-01"}
    ]
    with pytest.raises(PetitionInvalid) as caught:
        register(clerk, headcount=HUGE)
    assert [str(m) for m in caught.value.errors["headcount"]] == [
        str(MSG_HEADCOUNT_MAX) % {"max": 10000}
    ]


@pytest.mark.parametrize("value", [TEN_23, "-1", "abc"])
def test_it_refuses_a_community_id_out_of_range(clerk_client, value):
    response = clerk_client.post(NEW, form_data([person()], community=value))
    assert_answered(response, 200)
    assert field_errors(response, "community")
    assert not Petition.objects.exists()
    assert clerk_client.get(NEW + "grids/", {"community": value}).status_code in (200, 400)


def test_it_refuses_nul_bytes_in_the_form(clerk_client):
    response = clerk_client.post(NEW, form_data([person()], title="违建\x00采光"))
    assert_answered(response, 200)
    assert field_errors(response, "title") == [zh("Null characters are not allowed.")]
    assert not Petition.objects.exists()


def test_it_refuses_a_description_too_long_and_keeps_it(clerk_client):
    text = "楼" * 5001
    response = clerk_client.post(NEW, form_data([person()], description=text))
    assert_answered(response, 200)
    errors = field_errors(response, "description")
    assert len(errors) == 1 and "5000" in errors[0]
    assert text in page(response)  # what was typed is kept
    assert zh("At most %(limit)s characters.", limit=5000) in page(response)
    assert not Petition.objects.exists()


def test_it_answers_an_oversize_post_with_a_page_of_its_own(clerk_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = clerk_client.post(NEW, form_data([person()], description="楼" * 20_000))
    assert response.status_code == 400
    assert 'id="error-message"' in page(response)
    assert zh(
        "The request could not be accepted: what was sent is too large or not valid, "
        "and nothing was saved."
    ) in page(response)


# --------------------------------------------------------------------------- the case page


def test_it_refuses_absurd_transition_and_follow_up_dates(clerk_client, clerk, community):
    petition = register(clerk, community=community)
    case = petition.case
    url = f"/petitions/{case.pk}/do/accept/"
    for value in ("0001-01-01", "1900-01-01", "9999-12-31"):
        response = clerk_client.post(
            url, {"accept-version": case.version, "accept-decided_on": value}
        )
        assert response.status_code in (200, 400), value
        case.refresh_from_db()
        assert case.status == "registered"


# --------------------------------------------------------------------------- query strings


@pytest.mark.parametrize(
    "params",
    [
        {"to": "9999-12-31"},
        {"from": "0001-01-01"},
        {"from": "0001-01-01", "to": "9999-12-31", "q": "采光"},
        {"community": TEN_23},
        {"grid": HUGE, "owner": TEN_23, "category": TEN_23, "owner_unit": "9" * 5000},
        {"page": "9" * 5000},
        {"page": TEN_23},
        {"q": "\x00"},
        {"q": "采\x00光", "from": "2020-01-01", "to": "2020-02-01"},
    ],
)
def test_the_list_answers_hostile_query_strings(clerk_client, clerk, community, params):
    register(clerk, community=community)
    response = clerk_client.get("/petitions/", params)
    assert_answered(response, 200)


def test_the_list_clamps_a_far_end_date(clerk_client, clerk, community):
    petition = register(clerk, community=community)
    response = clerk_client.get("/petitions/", {"to": "9999-12-31"})
    assert petition.case.number in page(response)
    assert f"{bounds.latest_date().isoformat()}" in page(response)


@pytest.mark.parametrize(
    "params",
    [
        {"to": "9999-12-31"},
        {"from": "0001-01-01", "to": "9999-12-31"},
        {"q": "\x00"},
        {"community": TEN_23},
        {"identity": "1", "to": "9999-12-31"},
    ],
)
def test_the_ledger_export_answers_hostile_query_strings(client, personas, params):
    client.force_login(personas[Role.PETITION_CLERK])
    response = client.get("/reports/ledger/export/", params)
    assert_answered(response, 200, 400, 403)


@pytest.mark.parametrize(
    "params",
    [
        {"date_to": "9999-12-31"},
        {"date_from": "0001-01-01"},
        {"actor": "\x00"},
        {"page": "9" * 5000},
    ],
)
def test_the_audit_page_and_csv_answer_hostile_query_strings(client, personas, params):
    client.force_login(personas[Role.AUDITOR])
    response = client.get("/audit/", params)
    assert_answered(response, 200)
    if "date_to" in params:
        assert zh(bounds.MSG_TOO_LATE, latest=bounds.latest_date().isoformat()) in page(response)
    exported = AuditEntry.objects.filter(action="export").count()
    response = client.get("/audit/export.csv", params)
    if "page" in params:  # not a filter of the export
        assert_answered(response, 200)
        return
    assert_answered(response, 400)
    assert AuditEntry.objects.filter(action="export").count() == exported


# --------------------------------------------------------------------------- sign-in


@pytest.mark.parametrize("url", ["/login/", "/admin/login/"])
@pytest.mark.parametrize("username", ["a" * 5000, "clerk\x00", "用" * 300])
def test_the_login_pages_refuse_an_absurd_username(client, clerk, url, username):
    response = client.post(url, {"username": username, "password": "x" * 20})
    assert_answered(response, 200)
    assert "_auth_user_id" not in client.session
    # The usual "wrong username or password", in Chinese; no lockout row was written.
    assert zh(AuthenticationForm.error_messages["invalid_login"], username="用户名") in page(
        response
    ) or zh(AdminAuthenticationForm.error_messages["invalid_login"], username="用户名") in page(
        response
    )
    assert not AccessAttempt.objects.exists()


# --------------------------------------------------------------------------- bad rows already stored


def _store_bad_dates(case: Case, which: str) -> None:
    if which == "received_bc":
        # 0001-01-01 00:00 in Beijing is 1 BC in UTC: PostgreSQL keeps it, Python cannot read it.
        with connection.cursor() as cursor:
            value = (
                "0001-01-01 00:00+08"
                if connection.vendor == "postgresql"
                else "0000-12-31 16:00:00"
            )
            cursor.execute(
                "UPDATE cases_case SET received_at = %s WHERE id = %s",
                [value, case.pk],
            )
    elif which == "received_year1":
        Case.objects.filter(pk=case.pk).update(received_at=datetime(1, 1, 1, 1, tzinfo=UTC))
    elif which == "received_9999":
        Case.objects.filter(pk=case.pk).update(received_at=datetime(9999, 12, 31, 20, tzinfo=UTC))
    elif which == "due_year1":
        Case.objects.filter(pk=case.pk).update(due_on=date(1, 1, 1))
        Clock.objects.filter(case=case).update(started_on=date(1, 1, 1), due_on=date(1, 1, 1))
    elif which == "due_9999":
        Case.objects.filter(pk=case.pk).update(due_on=date(9999, 12, 31))
        Clock.objects.filter(case=case).update(due_on=date(9999, 12, 31))


BAD_ROWS = ["received_bc", "received_year1", "received_9999", "due_year1", "due_9999"]


@pytest.mark.parametrize("which", BAD_ROWS)
def test_a_bad_row_breaks_no_page(client, personas, community, which):
    clerk = personas[Role.PETITION_CLERK]
    good = register(clerk, community=community, title="好的事项")
    bad = register(clerk, community=community, title="坏的事项")
    _store_bad_dates(bad.case, which)
    urls = [
        "/",
        "/petitions/",
        "/petitions/?sort=received",
        "/petitions/?due=overdue",
        "/petitions/?q=事项",
        f"/petitions/{bad.pk}/",
        f"/petitions/{good.pk}/",
        "/petitions/reception/",
        "/petitions/keycases/",
        "/reports/",
        "/reports/ledger/",
        "/reports/ledger/export/",
        "/cases/notifications/",
    ]
    for role in (Role.PETITION_CLERK, Role.LEADER, Role.DEPARTMENT_HANDLER, Role.AUDITOR):
        client.force_login(personas[role])
        for url in urls:
            response = client.get(url)
            assert response.status_code in (200, 302, 403, 404), (role, url)
    client.force_login(clerk)
    response = client.get("/petitions/")
    assert good.case.number in page(response)


@pytest.mark.parametrize("which", BAD_ROWS)
def test_tick_skips_nothing_else_for_a_bad_row(personas, community, which, capsys):
    clerk = personas[Role.PETITION_CLERK]
    good = register(clerk, community=community, title="好的事项")
    bad = register(clerk, community=community, title="坏的事项")
    _store_bad_dates(bad.case, which)
    Clock.objects.filter(case=good.case).update(due_on=date(2000, 1, 1))
    call_command("tick")
    assert "tick" in capsys.readouterr().out
    assert good.case.notifications.exists() if hasattr(good.case, "notifications") else True


@pytest.mark.parametrize("which", BAD_ROWS)
def test_a_case_with_a_bad_date_can_be_withdrawn(client, personas, community, which):
    clerk = personas[Role.PETITION_CLERK]
    bad = register(clerk, community=community)
    _store_bad_dates(bad.case, which)
    client.force_login(clerk)
    version = Case.objects.filter(pk=bad.pk).values_list("version", flat=True).get()
    response = client.post(
        f"/petitions/{bad.pk}/withdraw/", {"reason": "录入错误", "version": version}
    )
    assert response.status_code == 302
    assert Case.objects.filter(pk=bad.pk, withdrawn=True).exists()


# --------------------------------------------------------------------------- counts in scope


def test_the_leader_page_counts_only_what_the_viewer_may_see(
    client, personas, community, other_community
):
    from huiyin.petitions.models import ReceptionSlot

    clerk = personas[Role.PETITION_CLERK]
    leader = personas[Role.LEADER]
    # A clerk of one community: his list holds that community's petitions only.
    worker = f.person(Role.PETITION_CLERK, username="clerk-community", community=community)
    today = date.today()
    slot = ReceptionSlot.objects.create(
        leader=leader.staff,
        kind=ReceptionSlot.SlotKind.values[0],
        date=today,
        start_time="09:00",
        end_time="11:00",
        place="接访室",
    )
    received = datetime.now(deadlines.CHINA_TZ)
    register(clerk, community=community, reception_slot=slot, received_at=received, headcount=3)
    register(
        clerk, community=other_community, reception_slot=slot, received_at=received, headcount=7
    )
    client.force_login(worker)
    response = client.get(f"/petitions/reception/leader/{leader.staff.pk}/")
    assert response.status_code == 200
    assert response.context["headcount"] == 3
    assert response.context["petition_count"] == 1
    client.force_login(clerk)
    response = client.get(f"/petitions/reception/leader/{leader.staff.pk}/")
    assert response.context["headcount"] == 10
    assert response.context["petition_count"] == 2


# --------------------------------------------------------------------------- in Chinese


def test_the_new_messages_are_in_chinese():
    with translation.override("zh-hans"):
        text = gettext("Enter a date no earlier than %(earliest)s.")
        if text.startswith("Enter"):
            pytest.skip("the new messages are not in the zh_Hans catalogue yet")
        assert re.search(r"[\u4e00-\u9fff]", text)
        assert re.search(r"[\u4e00-\u9fff]", gettext("At most %(limit)s characters."))


def test_the_existing_messages_used_here_are_in_chinese():
    assert zh("Null characters are not allowed.") != "Null characters are not allowed."
    assert re.search(r"[\u4e00-\u9fff]", zh(bounds.MSG_FUTURE))


__all__ = ["ID_1", "PHONE_1"]
