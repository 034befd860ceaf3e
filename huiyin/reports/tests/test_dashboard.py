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
from huiyin.reports import stats
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
        f"/petitions/?from={period.start:%Y-%m-%d}&to={period.end:%Y-%m-%d}"
        "&level=national&channel=visit"
    )
    assert [b["number"] for b in national["breaches"]] == [recent["national"].case.number]
    assert goals["zero_province"]["held"] is True
    assert goals["no_illegal_gathering"]["held"] is True  # no incident recorded
    html = response.content.decode()
    assert 'data-goal="zero_national" data-state="broken"' in html
    assert 'data-goal="zero_city" data-state="held"' in html
    assert 'data-goal="no_large_mass_incident" data-state="held"' in html
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
            "label": "柑子园社区 第1网格",
            "community": "柑子园社区",
            "grid": "第1网格",
            "value": 2,
            "headcount": 21,
            "url": f"/petitions/?from={period.start:%Y-%m-%d}&to={period.end:%Y-%m-%d}&grid={grid.pk}",
        }
    ]
    assert sum(row["batches"] or 0 for row in data["trend"]) == 3
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
    command = json.loads(out.getvalue())
    # The command also gives the sections computed only on request (the assessment's
    # ranking), which the dashboard never asks for; every other number is the same.
    on_request = {f.sections[0] for f in stats.registered() if f.on_request}
    assert on_request and all(key in command for key in on_request)
    assert {k: v for k, v in command.items() if k not in on_request} == response.context["stats"]


# --------------------------------------------------------------------------- an honest dashboard


def trend_at(client, personas, moment: str) -> list[dict]:
    import time_machine

    with time_machine.travel(moment, tick=False):
        client.logout()
        client.force_login(personas[Role.LEADER])  # a session of that moment
        response = client.get(URL)
        assert response.status_code == 200
        return chart_data(response)["trend"]


def test_the_trend_stops_at_today_instead_of_falling_to_zero(client, personas, db):
    # Monday 30 November 2026, late evening: all six weeks touching November have happened.
    november = trend_at(client, personas, "2026-11-30T23:30:00+08:00")
    assert [row["week"] for row in november][0] == "2026-10-26"
    assert len(november) == 6
    assert all(row["batches"] == 0 for row in november)

    # An hour later it is December: the month's axis has five weeks, only the first has begun.
    december = trend_at(client, personas, "2026-12-01T00:30:00+08:00")
    assert [row["week"] for row in december] == [
        "2026-11-30",
        "2026-12-07",
        "2026-12-14",
        "2026-12-21",
        "2026-12-28",
    ]
    assert [row["batches"] for row in december] == [0, None, None, None, None]
    assert [row["headcount"] for row in december] == [0, None, None, None, None]
    shown = [row for row in december if row["batches"] is not None]
    assert len(shown) == 1 != len([row for row in november if row["batches"] is not None])


def test_the_grid_labels_carry_their_community(client, personas, community, other_community, grid):
    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}
    grid.geometry = square
    grid.save(update_fields=["geometry"])
    f.GridFactory(community=other_community, name="第1网格", geometry=square)
    client.force_login(personas[Role.LEADER])
    values = chart_data(client.get(URL))["map"]["values"]
    labels = [v["label"] for v in values]
    assert f"{community.name} 第1网格" in labels
    assert f"{other_community.name} 第1网格" in labels
    assert len(set(labels)) == len(labels)
    assert all(v["community"] and v["grid"] for v in values)


def test_the_rates_say_what_they_count_on_hover(client, personas, recent):
    from django.utils import translation

    client.force_login(personas[Role.LEADER])
    with translation.override("en"):
        response = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    page = html_tree(response)
    on_time = page.xpath("//*[@data-rate-help='on_time']")[0].get("title")
    satisfaction = page.xpath("//*[@data-rate-help='satisfaction']")[0].get("title")
    figures = response.context["figures"]
    assert on_time == figures["on_time"]["help"]
    assert satisfaction == figures["satisfaction"]["help"]
    assert "answered on time ÷" in on_time or "按期答复件数 ÷" in on_time
    assert "÷" in satisfaction
    assert set(page.xpath("//*[@data-rate-help]/@tabindex")) == {"0"}


def test_the_on_time_rate_is_below_100_beside_an_overdue_matter(client, personas, recent):
    overdue = recent["other"].case
    yesterday = timezone.localdate() - timedelta(days=1)
    overdue.clocks.filter(stopped_at=None).update(due_on=yesterday)
    type(overdue).objects.filter(pk=overdue.pk).update(due_on=yesterday)
    client.force_login(personas[Role.LEADER])
    today = timezone.localdate().isoformat()
    response = client.get(URL, {"period": "custom", "from": today, "to": today})
    figures = response.context["figures"]
    assert figures["overdue_open"]["count"] == 1
    assert figures["on_time"]["overdue"] == 1
    assert figures["on_time"]["rate"] == "0.0%"
    assert figures["on_time"]["rate"] != "100.0%"
    assert 'data-figure-link="on_time_overdue"' in response.content.decode()


def html_tree(response):
    from lxml import html

    return html.fromstring(response.content.decode())
