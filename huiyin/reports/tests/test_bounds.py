"""Report pages with absurd periods and campaigns: a message in Chinese, never a 500."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation
from django.utils.translation import gettext

from huiyin.cases import bounds
from huiyin.org.roles import Role
from huiyin.reports.models import Campaign
from huiyin.reports.stats import Period

pytestmark = pytest.mark.django_db


def zh(message, **params) -> str:
    with translation.override("zh-hans"):
        text = gettext(str(message))
    return text % params if params else text


@pytest.mark.parametrize(
    "params",
    [
        {"period": "custom", "from": "9999-12-30", "to": "9999-12-31"},
        {"period": "custom", "from": "0001-01-01", "to": "0001-01-02"},
        {"period": "custom", "from": "1900-01-01", "to": "1900-12-31"},
        {"period": "campaign", "campaign": "99999999999999999999999"},
        {"period": "custom", "from": "\x00", "to": "2020-01-01"},
    ],
)
def test_the_dashboard_explains_an_absurd_period(client, personas, params):
    client.force_login(personas[Role.LEADER])
    response = client.get("/reports/", params)
    assert response.status_code in (200, 400)
    if params.get("from", "").startswith("9999"):
        latest = bounds.latest_date().isoformat()
        assert zh(bounds.MSG_TOO_LATE, latest=latest) in response.content.decode()


def test_a_campaign_in_year_one_is_refused(client, personas):
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    response = client.post(
        "/reports/campaigns/new/",
        {"name": "百日", "start": "0001-01-01", "end": "0001-03-01"},
    )
    assert response.status_code == 200
    assert zh(bounds.MSG_TOO_EARLY, earliest="1990-01-01") in response.content.decode()
    assert not Campaign.objects.exists()


def test_a_campaign_stored_in_year_one_does_not_break_the_dashboard(client, personas):
    campaign = Campaign.objects.create(name="百日", start=date(1, 1, 1), end=date(9999, 12, 31))
    assert Period.of_campaign(campaign).start == date(1990, 1, 1)
    client.force_login(personas[Role.LEADER])
    response = client.get("/reports/", {"period": "campaign", "campaign": campaign.pk})
    assert response.status_code == 200
    assert client.get("/reports/campaigns/").status_code == 200
    assert client.get(f"/reports/campaigns/{campaign.pk}/").status_code == 200


@pytest.mark.parametrize("value", ["1000000", "99999999999999999999999"])
def test_reception_and_word_periods_are_bounded(client, personas, value):
    client.force_login(personas[Role.LEADER])
    for url, params in [
        ("/petitions/reception/", {"month": "9999-12", "leader": value}),
        ("/reports/word/", {"from": "0001-01-01", "to": "9999-12-31"}),
    ]:
        assert client.get(url, params).status_code in (200, 400)
