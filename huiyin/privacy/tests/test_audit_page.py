import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from huiyin.org.roles import Role
from huiyin.privacy import audit
from huiyin.privacy.models import AuditEntry
from huiyin.privacy.tests.conftest import tamper

URL = reverse("privacy:audit")


@pytest.fixture
def auditor(personas):
    return personas[Role.AUDITOR]


def entries_on(html: str) -> list[int]:
    return [int(part.split('"')[0]) for part in html.split('<tr data-seq="')[1:]]


def record_many(n: int, actor=None, action="object.update") -> None:
    for _ in range(n):
        audit.record(action, actor=actor)


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMINISTRATOR])
def test_it_shows_the_trail_newest_first_to_auditors(client, personas, role):
    record_many(3)
    client.force_login(personas[role])  # itself an entry (number 4), a sign-in: hidden
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert entries_on(html) == [3, 2, 1]
    assert entries_on(client.get(URL, {"logins": "on"}).content.decode()) == [4, 3, 2, 1]
    assert 'id="audit-verify" data-ok="1"' in html
    assert response.context["nav_active"] == "system"


@pytest.mark.parametrize(
    "role", [Role.DEPARTMENT_HANDLER, Role.COMMUNITY_WORKER, Role.PETITION_CLERK, Role.LEADER]
)
def test_it_refuses_everyone_else(client, personas, role):
    client.force_login(personas[role])
    assert client.get(URL).status_code == 403
    assert client.get(reverse("privacy:audit_export")).status_code == 403


def test_it_sends_an_anonymous_visitor_to_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_links_the_page_from_the_system_section(client, auditor):
    client.force_login(auditor)
    assert URL in client.get(reverse("system")).content.decode()


def test_it_shows_where_the_chain_breaks(client, auditor):
    record_many(3)
    tamper("UPDATE privacy_auditentry SET action = 'auth.login' WHERE seq = 2")
    client.force_login(auditor)
    html = client.get(URL).content.decode()
    assert 'data-ok="0" data-seq="2"' in html


def test_it_pages_by_50(client, auditor):
    record_many(60)
    client.force_login(auditor)
    first = entries_on(client.get(URL).content.decode())
    second = entries_on(client.get(URL, {"page": 2}).content.decode())
    assert first == list(range(60, 10, -1))  # 61, the auditor's sign-in, hidden
    assert second == list(range(10, 0, -1))


def test_it_reads_a_page_in_a_constant_number_of_queries(client, auditor, personas):
    client.force_login(auditor)
    record_many(2, actor=personas[Role.LEADER])
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    record_many(48, actor=personas[Role.LEADER])
    record_many(10, actor=personas[Role.PETITION_CLERK])
    with CaptureQueriesContext(connection) as many:
        html = client.get(URL).content.decode()
    assert len(entries_on(html)) == 50
    assert len(many) == len(few)


def test_it_filters_by_action_account_type_and_dates(client, auditor, personas, monkeypatch):
    leader, clerk = personas[Role.LEADER], personas[Role.PETITION_CLERK]
    for day in (1, 5):  # entries 1-2 on 1 March, 3-4 on 5 March
        moment = datetime.datetime(2026, 3, day, 9, tzinfo=timezone.get_current_timezone())
        monkeypatch.setattr(timezone, "now", lambda moment=moment: moment)
        audit.record("export", actor=leader)
        audit.record("object.update", actor=clerk, target=clerk.staff)
    monkeypatch.undo()
    audit.record("auth.login_failed", target_label="leader")  # 5
    client.force_login(auditor)  # 6

    def shown(**params):
        return entries_on(client.get(URL, params).content.decode())

    assert shown(action="export") == [3, 1]
    assert shown(actor="LEADER") == [5, 3, 1]  # a failed sign-in as "leader" included
    assert shown(target_type="org.staff") == [4, 2]
    assert shown(date_from="2026-03-02", date_to="2026-03-05") == [4, 3]
    assert shown(date_to="2026-03-01") == [2, 1]
    response = client.get(URL, {"date_from": "2026-03-05", "date_to": "2026-03-01"})
    assert response.context["form"].errors


def test_it_exports_the_filtered_list_and_audits_the_export(client, auditor):
    record_many(3, action="object.update")
    audit.record("download", target_label="=HYPERLINK(1)")
    client.force_login(auditor)
    response = client.get(reverse("privacy:audit_export"), {"action": "download"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 2
    assert rows[1][7] == "'=HYPERLINK(1)"
    export = AuditEntry.objects.get(action="export")
    assert export.actor == auditor
    assert export.diff == {"rows": 1, "filters": {"action": "download"}}
