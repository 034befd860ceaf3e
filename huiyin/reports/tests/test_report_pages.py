"""Finding and using the report pages as a user does: links to them, and forms that show their
values back (found in a walk through the demo as each role)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from huiyin.org.roles import Role
from huiyin.reports.models import Campaign


@pytest.fixture
def campaign(db):
    return Campaign.objects.create(
        name="百日大会战", start=date(2026, 8, 22), end=date(2026, 11, 29)
    )


def test_it_fills_the_campaign_edit_form_with_dates_a_date_input_accepts(
    client, personas, campaign
):
    # <input type="date"> takes only 2026-08-22; the zh-hans format 2026/08/22 shows it empty.
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    response = client.get(reverse("reports:campaign_edit", args=[campaign.pk]))
    page = response.content.decode()
    assert 'value="2026-08-22"' in page
    assert 'value="2026-11-29"' in page
    assert "2026/08/22" not in page


@pytest.mark.parametrize(
    ("role", "ledger"),
    [(Role.PETITION_CLERK, True), (Role.LEADER, True), (Role.AUDITOR, False)],
)
def test_it_links_the_dashboard_to_the_word_report_and_the_ledger(client, personas, role, ledger):
    client.force_login(personas[role])
    page = client.get(reverse("reports:dashboard")).content.decode()
    assert f'href="{reverse("reports:word")}"' in page
    assert (f'href="{reverse("reports:ledger")}"' in page) is ledger
    # Where the link shows, the page opens; where it does not, the page refuses.
    status = client.get(reverse("reports:ledger")).status_code
    assert status == (200 if ledger else 403)


def test_it_offers_the_administrator_the_ledger_import_on_the_system_page(client, personas):
    client.force_login(personas[Role.ADMINISTRATOR])
    page = client.get(reverse("system")).content.decode()
    assert reverse("reports:ledger_import") in page
    response = client.get(reverse("reports:ledger_import"))
    assert response.status_code == 200
    # Its breadcrumb leads nowhere the administrator is refused.
    assert f'href="{reverse("reports:dashboard")}"' not in response.content.decode()
    assert client.get(reverse("reports:ledger")).status_code == 200


def test_it_does_not_offer_the_ledger_import_to_the_auditor(client, personas):
    client.force_login(personas[Role.AUDITOR])
    page = client.get(reverse("system")).content.decode()
    assert reverse("reports:ledger_import") not in page
    assert client.get(reverse("reports:ledger_import")).status_code == 403
