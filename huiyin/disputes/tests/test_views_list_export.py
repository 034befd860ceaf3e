"""The dispute list's "Export ledger" button: the 矛盾纠纷排查台账 of every dispute the list's
filters match, for those who may export reports; parties masked and the export audited, as
on the ledger page; bad filter values never reach it."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.urls import reverse

from huiyin.disputes.tests import factories as df
from huiyin.org.roles import Role
from huiyin.privacy.models import AuditEntry
from huiyin.reports.ledgers.disputes import COLUMNS
from huiyin.reports.tests.test_ledger_export import sheet_rows

pytestmark = pytest.mark.django_db

URL = "/disputes/"
HEADERS = [c.header for c in COLUMNS]
BUTTON = re.compile(r'id="dispute-export" href="([^"]+)"')


@pytest.fixture
def cases(governance, community, other_community):
    df.dispute_type("邻里")
    return {
        "here": df.register(governance, community=community, title="柑子园社区的纠纷"),
        "there": df.register(governance, community=other_community, title="翠屏路社区的纠纷"),
    }


def button(client, user, **params) -> str | None:
    client.force_login(user)
    response = client.get(URL, params)
    assert response.status_code == 200
    found = BUTTON.search(response.content.decode())
    return html.unescape(found.group(1)) if found else None


def export(client, href: str):
    response = client.get(href)
    assert response.status_code == 200, response.status_code
    # The file is named in the office's language: 矛盾纠纷排查台账-<time>.xlsx.
    assert "矛盾纠纷排查台账" in unquote(response["Content-Disposition"])
    return sheet_rows(b"".join(response.streaming_content))


def test_the_button_exports_the_filtered_disputes_masked_and_audited(
    client, governance, cases, community
):
    href = button(client, governance, community=community.pk, sort="-received", size=100)
    assert href is not None
    parts = urlsplit(href)
    assert parts.path == reverse("reports:ledger_export")
    # The filters of the list, not its order or page size; never the identity.
    assert parse_qs(parts.query) == {"ledger": ["disputes"], "community": [str(community.pk)]}
    rows = export(client, href)
    assert rows[0][0].endswith("矛盾纠纷排查台账")
    (data,) = rows[3:]
    assert data[HEADERS.index("纠纷编号")] == cases["here"].number
    assert data[HEADERS.index("申请人")] == "张*"
    assert data[HEADERS.index("身份证号")].count("*") >= 8
    assert "*" in data[HEADERS.index("联系电话")]
    entry = AuditEntry.objects.filter(action="export").latest("id")
    assert entry.actor == governance
    assert entry.diff["rows"] == 1 and entry.diff["identity"] is False
    assert entry.diff["filters"] == {"community": str(community.pk)}


def test_without_filters_it_exports_every_dispute_the_person_sees(client, governance, cases):
    href = button(client, governance)
    assert parse_qs(urlsplit(href).query) == {"ledger": ["disputes"]}
    numbers = {row[HEADERS.index("纠纷编号")] for row in export(client, href)[3:]}
    assert numbers == {cases["here"].number, cases["there"].number}


def test_the_leader_s_button_is_masked_too(client, personas, cases):
    """The leader may open identities, but the list's button never asks for them."""
    href = button(client, personas[Role.LEADER])
    assert "identity" not in parse_qs(urlsplit(href).query)
    names = {row[HEADERS.index("申请人")] for row in export(client, href)[3:]}
    assert names == {"张*"}


@pytest.mark.parametrize(
    "role", [Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.MEDIATOR, Role.AUDITOR]
)
def test_who_may_not_export_gets_no_button_and_is_refused(client, personas, cases, role):
    user = personas[role]
    assert button(client, user) is None
    response = client.get(reverse("reports:ledger_export"), {"ledger": "disputes"})
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="export").exists()


def test_bad_filter_values_stay_out_of_the_export(client, governance, cases):
    href = button(
        client,
        governance,
        community="99999999999999999999999",
        status="nope",
        **{"from": "2026-02-30", "to": "x" * 300},
    )
    assert parse_qs(urlsplit(href).query) == {"ledger": ["disputes"]}
    assert len(export(client, href)[3:]) == 2
    # Typed into the address by hand, the same values are ignored by the export, never a 500.
    response = client.get(
        reverse("reports:ledger_export"),
        {"ledger": "disputes", "community": "9" * 30, "from": "2026-13-01", "q": "纠" * 500},
    )
    assert response.status_code == 200


def test_the_export_follows_a_text_search(client, governance, cases):
    href = button(client, governance, q="翠屏路")
    assert parse_qs(urlsplit(href).query) == {"ledger": ["disputes"], "q": ["翠屏路"]}
    (data,) = export(client, href)[3:]
    assert data[HEADERS.index("纠纷编号")] == cases["there"].number
