"""The dashboard: who may see it, the period picker, the drill-down links, the chart data."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from huiyin.org.roles import Role
from huiyin.petitions.models import Channel, Level
from huiyin.petitions.tests.factories import register
from huiyin.reports.models import Campaign
from huiyin.reports.stats import Period
from huiyin.testing import factories as f

URL = "/reports/"


def chart_data(response) -> dict:
    match = re.search(
        r'<script id="dashboard-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match, "the chart data is embedded in the page"
    return json.loads(match.group(1))


@pytest.fixture
def recent(personas, community, other_community, grid):
    """Three petitions received today (inside this week and this month, whatever the day)."""
    clerk = personas[Role.PETITION_CLERK]
    day = timezone.localdate()
    return {
        "national": register(
            clerk, community=community, grid=grid, level=Level.NATIONAL, received_at=day
        ),
        "collective": register(
            clerk,
            community=community,
            grid=grid,
            is_collective=True,
            headcount=20,
            petitioners=[
                {"name": "代表甲", "id_number": "", "phone": "", "is_representative": True}
            ],
            received_at=day,
        ),
        "other": register(
            clerk, community=other_community, channel=Channel.LETTER, received_at=day
        ),
    }


def test_it_shows_the_dashboard_to_a_leader(client, personas, recent):
    client.force_login(personas[Role.LEADER])
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["nav_active"] == "reports"
    assert reverse("reports:dashboard") == URL
    s = response.context["stats"]
    assert s["petitions"]["batches"] == 3
    assert s["petitions"]["headcount"] == 22
    assert 'id="goals-board"' in response.content.decode()
    assert "vendor/echarts-5.6.0.min.js" in response.content.decode()
    assert "huiyin/dashboard.js" in response.content.decode()


@pytest.mark.parametrize(
    "role",
    [
        Role.COMMUNITY_WORKER,
        Role.GRID_WORKER,
        Role.MEDIATOR,
        Role.DEPARTMENT_HANDLER,
        Role.ADMINISTRATOR,
    ],
)
def test_it_refuses_roles_without_reports(client, personas, role):
    client.force_login(personas[role])
    assert client.get(URL).status_code == 403


def test_it_sends_an_anonymous_visitor_to_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", [Role.PETITION_CLERK, Role.GOVERNANCE_STAFF, Role.AUDITOR])
def test_it_shows_the_dashboard_to_every_reports_role(client, personas, role):
    client.force_login(personas[role])
    assert client.get(URL).status_code == 200


def test_it_links_a_broken_goal_to_the_matters_that_broke_it(client, personas, recent):
    client.force_login(personas[Role.LEADER])
    response = client.get(URL)
    goals = {g["key"]: g for g in response.context["goals"]}
    national = goals["zero_national"]
    assert national["held"] is False
    period = response.context["period"]
    assert national["url"] == (
        f"/petitions/?from={period.start:%Y-%m-%d}&to={period.end:%Y-%m-%d}&level=national"
    )
    assert [b["number"] for b in national["breaches"]] == [recent["national"].case.number]
    assert goals["zero_province"]["held"] is True
    assert goals["no_illegal_gathering"]["held"] is None
    html = response.content.decode()
    assert 'data-goal="zero_national" data-state="broken"' in html
    assert 'data-goal="zero_city" data-state="held"' in html
    assert 'data-goal="no_large_mass_incident" data-state="unknown"' in html
    assert recent["national"].case.number in html


def test_it_links_every_figure_to_the_filtered_list(client, personas, recent):
    client.force_login(personas[Role.LEADER])
    response = client.get(URL)
    figures = response.context["figures"]
    period = response.context["period"]
    dates = f"from={period.start:%Y-%m-%d}&to={period.end:%Y-%m-%d}"
    assert figures["total"]["url"] == f"/petitions/?{dates}"
    assert figures["over_level"]["url"] == f"/petitions/?{dates}&over_level=1"
    assert figures["collective"]["url"] == f"/petitions/?{dates}&collective=1"
    assert figures["repeat"]["url"] == f"/petitions/?{dates}&repeat=1"
    assert figures["overdue_open"]["url"] == f"/petitions/?{dates}&due=overdue"
    visits = {row["key"]: row for row in figures["visits"]}
    assert visits["city"]["url"] == f"/petitions/?{dates}&channel=visit&level=city"
    statuses = {row["key"]: row for row in figures["statuses"]}
    assert statuses["concluded"]["url"] == f"/petitions/?{dates}&concluded=1"
    assert statuses["registered"]["count"] == 3
    html = response.content.decode()
    escaped = dates.replace("&", "&amp;")
    assert f'href="/petitions/?{escaped}&amp;over_level=1"' in html
    assert response.context["overdue_url"] == "/petitions/?due=overdue"
    assert response.context["due_soon_url"] == "/petitions/?due=soon"


def test_it_embeds_the_chart_data_with_links(client, personas, recent, community, grid):
    grid.geometry = {
        "type": "Polygon",
        "coordinates": [[[106.6, 30.44], [106.606, 30.44], [106.606, 30.446], [106.6, 30.44]]],
    }
    grid.save(update_fields=["geometry"])
    client.force_login(personas[Role.LEADER])
    response = client.get(URL)
    data = chart_data(response)
    period = response.context["period"]
    communities = {row["name"]: row for row in data["communities"]}
    assert communities["柑子园社区"]["batches"] == 2
    assert communities["柑子园社区"]["headcount"] == 21
    assert communities["柑子园社区"]["url"] == (
        f"/petitions/?from={period.start:%Y-%m-%d}&to={period.end:%Y-%m-%d}"
        f"&community={community.pk}"
    )
    geojson = data["map"]["geojson"]
    assert geojson["type"] == "FeatureCollection"
    assert [feature["properties"]["name"] for feature in geojson["features"]] == [
        "柑子园社区·第1网格"
    ]
    assert data["map"]["values"] == [
        {
            "name": "柑子园社区·第1网格",
            "value": 2,
            "headcount": 21,
            "url": f"/petitions/?from={period.start:%Y-%m-%d}&to={period.end:%Y-%m-%d}&grid={grid.pk}",
        }
    ]
    assert sum(row["batches"] for row in data["trend"]) == 3
    assert all(row["url"].startswith("/petitions/?from=") for row in data["trend"])


def test_it_draws_no_map_features_for_grids_without_a_boundary(client, personas, recent):
    client.force_login(personas[Role.LEADER])
    data = chart_data(client.get(URL))
    assert data["map"]["geojson"]["features"] == []
    assert data["labels"]["no_map"]


def test_it_defaults_to_this_month(client, personas, db):
    client.force_login(personas[Role.LEADER])
    response = client.get(URL)
    assert response.context["period"] == Period.this_month()
    assert response.context["period_kind"] == "month"


def test_it_shows_this_week(client, personas, db):
    client.force_login(personas[Role.LEADER])
    response = client.get(URL, {"period": "week"})
    assert response.context["period"] == Period.this_week()


def test_it_shows_custom_dates_both_included(client, personas, recent):
    client.force_login(personas[Role.LEADER])
    day = recent["other"].case.received_on
    response = client.get(URL, {"period": "custom", "from": day.isoformat(), "to": day.isoformat()})
    assert response.context["period"] == Period(day, day)
    assert response.context["stats"]["petitions"]["batches"] == 3


def test_it_shows_a_campaign_period(client, personas, db):
    campaign = Campaign.objects.create(
        name="百日大会战", start=date(2026, 3, 1), end=date(2026, 6, 8)
    )
    client.force_login(personas[Role.LEADER])
    response = client.get(URL, {"period": "campaign", "campaign": campaign.pk})
    assert response.context["period"] == Period(date(2026, 3, 1), date(2026, 6, 8))
    assert response.context["campaign"] == campaign
    assert "百日大会战" in response.content.decode()


@pytest.mark.parametrize(
    "params,field",
    [
        ({"period": "custom", "from": "2026-03-10", "to": "2026-03-01"}, "to"),
        ({"period": "custom", "from": "2026-02-30", "to": "2026-03-01"}, "from"),
        ({"period": "custom", "from": "", "to": "2026-03-01"}, "from"),
        ({"period": "custom", "from": "2000-01-01", "to": "2026-03-01"}, "to"),
        ({"period": "campaign"}, "campaign"),
        ({"period": "campaign", "campaign": "999999"}, "campaign"),
        ({"period": "campaign", "campaign": "abc"}, "campaign"),
        ({"period": "year"}, "period"),
    ],
)
def test_it_explains_a_bad_period_and_shows_this_month(client, personas, params, field):
    client.force_login(personas[Role.LEADER])
    response = client.get(URL, params)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert response.context["period"] == Period.this_month()
    assert 'id="period-errors"' in response.content.decode()


def test_it_counts_only_what_a_community_limited_clerk_may_see(
    client, recent, community, other_community
):
    limited = f.person(Role.PETITION_CLERK, username="clerk-ganziyuan", community=community)
    client.force_login(limited)
    response = client.get(URL)
    assert response.context["stats"]["petitions"]["batches"] == 2
    names = [row["name"] for row in chart_data(response)["communities"]]
    assert names == ["柑子园社区"]
    assert recent["other"].case.number not in response.content.decode()


def test_it_lists_overdue_and_due_soon_matters(client, personas, db):
    clerk = personas[Role.PETITION_CLERK]
    old = register(clerk, received_at=timezone.localdate() - timedelta(days=40))
    fresh = register(clerk, received_at=timezone.localdate())
    client.force_login(personas[Role.LEADER])
    response = client.get(URL)
    assert [row["number"] for row in response.context["overdue"]] == [old.case.number]
    assert response.context["overdue"][0]["late"] > 0
    assert fresh.case.number not in [row["number"] for row in response.context["overdue"]]


def test_it_queries_the_same_number_of_times_for_few_or_many_petitions(
    client, personas, community, grid, django_assert_max_num_queries
):
    clerk = personas[Role.PETITION_CLERK]
    leader = personas[Role.LEADER]
    client.force_login(leader)
    register(clerk, community=community, grid=grid, received_at=timezone.localdate())
    client.get(URL)  # warm caches (content types, sessions)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for _i in range(8):
        register(
            clerk,
            community=community,
            grid=grid,
            received_at=timezone.localdate() - timedelta(days=40),
        )
        register(clerk, community=community, grid=grid, received_at=timezone.localdate())
    with django_assert_max_num_queries(len(few)):
        response = client.get(URL)
    assert len(response.context["overdue"]) == 8


def test_it_shows_the_same_numbers_as_the_command(client, personas, recent):
    import io

    from django.core.management import call_command

    client.force_login(personas[Role.LEADER])
    response = client.get(URL, {"period": "week"})
    period = response.context["period"]
    out = io.StringIO()
    call_command(
        "stats",
        "--from",
        period.start.isoformat(),
        "--to",
        period.end.isoformat(),
        "--json",
        stdout=out,
    )
    assert json.loads(out.getvalue()) == response.context["stats"]
