"""The dispute list: who opens it and which rows each person gets, every filter and the search,
bad filter values ignored with a notice, the page tools, cards on phones, constant queries."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from huiyin.cases.models import Case, Clock
from huiyin.disputes import clocks
from huiyin.disputes.tests import factories as df
from huiyin.disputes.views.filters import PARAMS
from huiyin.org.roles import Role
from huiyin.petitions.queries import MSG_INVALID

pytestmark = pytest.mark.django_db

URL = "/disputes/"
NUMBER = re.compile(r'<tr data-case="(\d+)"')


def shown(response) -> set[int]:
    """The disputes of the table (the cards hold the same ones)."""
    html = response.content.decode()
    table = set(map(int, NUMBER.findall(html)))
    cards = set(map(int, re.findall(r'<li class="card mb-2" data-card="(\d+)"', html)))
    assert table == cards
    return table


def get(client, user, **params):
    client.force_login(user)
    response = client.get(URL, params)
    assert response.status_code == 200
    return response


@pytest.fixture
def places(governance, community, grid, other_community):
    return {
        "in_grid": df.register(governance, community=community, grid=grid, title="第1网格的纠纷"),
        "in_community": df.register(governance, community=community, title="柑子园社区的纠纷"),
        "elsewhere": df.register(governance, community=other_community, title="翠屏路社区的纠纷"),
    }


def test_the_url_name_is_the_navigation_s_target():
    assert reverse("disputes:list") == URL


@pytest.mark.parametrize(
    "role,expected",
    [
        (Role.GOVERNANCE_STAFF, {"in_grid", "in_community", "elsewhere"}),
        (Role.MEDIATOR, {"in_grid", "in_community", "elsewhere"}),
        (Role.AUDITOR, {"in_grid", "in_community", "elsewhere"}),
        (Role.LEADER, {"in_grid", "in_community", "elsewhere"}),
        (Role.COMMUNITY_WORKER, {"in_grid", "in_community"}),
        (Role.GRID_WORKER, {"in_grid"}),
    ],
)
def test_each_role_lists_only_the_disputes_of_its_area(client, personas, places, role, expected):
    response = get(client, personas[role])
    assert shown(response) == {places[name].pk for name in expected}
    html = response.content.decode()
    for name in {"in_grid", "in_community", "elsewhere"} - expected:
        assert places[name].number not in html and places[name].title not in html


@pytest.mark.parametrize("role", [Role.PETITION_CLERK, Role.DEPARTMENT_HANDLER, Role.ADMINISTRATOR])
def test_roles_without_disputes_are_refused(client, personas, role):
    client.force_login(personas[role])
    assert client.get(URL).status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_only_those_who_register_get_the_register_button(client, personas, places):
    assert 'id="dispute-new"' in get(client, personas[Role.GRID_WORKER]).content.decode()
    assert 'id="dispute-new"' in get(client, personas[Role.MEDIATOR]).content.decode()
    assert 'id="dispute-new"' not in get(client, personas[Role.AUDITOR]).content.decode()
    assert 'id="dispute-new"' not in get(client, personas[Role.LEADER]).content.decode()


def test_it_links_to_the_weekly_screening_board(client, personas):
    board = reverse("screening:board")
    for role in (Role.GRID_WORKER, Role.MEDIATOR, Role.AUDITOR, Role.GOVERNANCE_STAFF):
        html = get(client, personas[role]).content.decode()
        assert f'id="screening-board-link" href="{board}"' in html, role


def test_it_searches_number_and_title(client, personas, places):
    governance = personas[Role.GOVERNANCE_STAFF]
    assert shown(get(client, governance, q="翠屏路")) == {places["elsewhere"].pk}
    number = places["in_grid"].number
    assert shown(get(client, governance, q=number)) == {places["in_grid"].pk}
    # Names are never searched: the parties are not in the list.
    assert shown(get(client, governance, q="张三")) == set()


def test_it_filters_by_status_source_tier_place_and_received_dates(
    client, personas, places, community, grid, governance
):
    court = df.register(
        governance,
        community=community,
        source="court_assigned",
        court_name="南岸区人民法院",
        court_document="（2026）渝0108民诉前调1号",
        tier="street",
        received_on=df.days_ago(3),
    )
    df.bring_to(places["in_community"], "refused", {Role.MEDIATOR: personas[Role.MEDIATOR]})
    g = personas[Role.GOVERNANCE_STAFF]
    assert shown(get(client, g, status="refused")) == {places["in_community"].pk}
    assert shown(get(client, g, source="court_assigned")) == {court.pk}
    assert shown(get(client, g, tier="street")) == {court.pk}
    assert shown(get(client, g, grid=grid.pk)) == {places["in_grid"].pk}
    assert shown(get(client, g, community=community.pk)) == {
        places["in_grid"].pk,
        places["in_community"].pk,
        court.pk,
    }
    week_ago = (timezone.localdate() - timedelta(days=7)).isoformat()
    assert shown(get(client, g, **{"from": week_ago})) == {court.pk}
    assert court.pk not in shown(get(client, g, to=(timezone.localdate() - timedelta(days=10))))
    both = get(client, g, status=["refused", "registered"])
    assert shown(both) == {p.pk for p in places.values()} | {court.pk}


def test_a_type_takes_in_the_types_below_it(client, personas, governance, community):
    wages = df.register(governance, community=community, category=df.dispute_type("欠薪"))
    labour = df.register(governance, community=community, category=df.dispute_type("劳动争议"))
    df.register(governance, community=community, category=df.dispute_type("邻里"))
    g = personas[Role.GOVERNANCE_STAFF]
    top = df.dispute_type("劳动争议").pk
    assert shown(get(client, g, category=top)) == {wages.pk, labour.pk}
    html = get(client, g).content.decode()
    assert "— 欠薪" in html  # the tree in the filter's options


def test_overdue_counts_the_office_s_time_limits_never_the_parties_window(
    client, personas, governance, community
):
    labour = df.register(
        governance,
        community=community,
        category=df.dispute_type("欠薪"),
        received_on=df.days_ago(30),
    )
    agreed = df.bring_to(df.register(governance, community=community), "closed", personas)
    # The parties' judicial-confirmation window long past: still not the street's overdue.
    Clock.objects.filter(case=agreed, code=clocks.CONFIRMATION).update(
        due_on=timezone.localdate() - timedelta(days=40)
    )
    g = personas[Role.GOVERNANCE_STAFF]
    assert shown(get(client, g, due="overdue")) == {labour.pk}


def test_the_mediator_s_questions(client, personas, governance, community):
    mediator_user = personas[Role.MEDIATOR]
    committee = df.committee(community)
    df.mediator(committee, staff=mediator_user.staff)
    mine = df.register(governance, community=community, committee=committee)
    mine = df.bring_to(mine, "agreed", personas)
    street = df.committee(street=community.street)
    df.mediator(street, name="王调解")
    other = df.register(governance, community=community, committee=street)
    other = df.bring_to(other, "mediating", personas)
    df.step(other, "record_session", mediator_user, place="社区调解室", summary="第一次调解")
    assert shown(get(client, mediator_user, mine=1)) == {mine.pk}
    assert shown(get(client, mediator_user, session="week")) == {mine.pk, other.pk}
    assert shown(get(client, mediator_user, awaiting="performance")) == {mine.pk}
    assert shown(get(client, mediator_user, awaiting="window")) == set()
    Clock.objects.filter(case=mine, code=clocks.CONFIRMATION).update(
        due_on=timezone.localdate() + timedelta(days=5)
    )
    assert shown(get(client, mediator_user, awaiting="window")) == {mine.pk}


@pytest.mark.parametrize(
    "params",
    [
        {"status": "<script>alert(1)</script>"},
        {"source": "nowhere"},
        {"tier": "moon"},
        {"community": "99999999999999999999999"},
        {"grid": "-1"},
        {"category": "1e308"},
        {"committee": "abc"},
        {"due": "yesterday"},
        {"awaiting": "godot"},
        {"session": "a\x00b"},
        {"from": "0001-01-01", "to": "9999-12-31"},
        {"from": "2026-02-30"},
        {"mine": "perhaps"},
        {"sort": "{{7*7}}"},
        {"size": "99999999999999999999999"},
        {"page": "99999999999999999999999"},
        {"q": "x" * 5000},
    ],
)
def test_bad_filter_values_are_ignored_never_an_error(client, personas, places, params):
    response = get(client, personas[Role.GOVERNANCE_STAFF], **params)
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html


def test_an_ignored_value_is_named(client, personas, places):
    with_notice = get(client, personas[Role.GOVERNANCE_STAFF], tier="moon").content.decode()
    assert str(MSG_INVALID) % {"name": str(PARAMS["tier"])} in with_notice
    # The rest of the list is there: the bad value filtered nothing.
    assert 'data-count="3"' in with_notice


def test_a_date_range_upside_down_is_ignored(client, personas, places):
    response = get(
        client, personas[Role.GOVERNANCE_STAFF], **{"from": "2026-05-01", "to": "2026-01-01"}
    )
    assert 'data-count="3"' in response.content.decode()


def test_page_size_sort_and_pages(client, personas, governance, community):
    for i in range(25):
        df.register(
            governance, community=community, title=f"纠纷{i:02d}", received_on=df.days_ago(i)
        )
    g = personas[Role.GOVERNANCE_STAFF]
    first = get(client, g, size=20, sort="-received")
    assert len(shown(first)) == 20
    html = first.content.decode()
    assert 'id="dispute-pages"' in html and "page=2" in html
    second = get(client, g, size=20, sort="-received", page=2)
    assert len(shown(second)) == 5
    assert shown(first).isdisjoint(shown(second))
    newest = Case.objects.filter(kind="dispute").order_by("-received_at", "-id").first()
    assert NUMBER.findall(html)[0] == str(newest.pk)


def test_htmx_gets_only_the_results(client, personas, places):
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    response = client.get(
        URL, {"q": "翠屏路"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="dispute-results"
    )
    html = response.content.decode()
    assert "<html" not in html and 'id="dispute-table"' in html


def test_phones_get_cards_with_number_time_left_title_and_status(client, personas, places):
    html = get(client, personas[Role.GOVERNANCE_STAFF]).content.decode()
    cards = html[html.index('id="dispute-cards"') :]
    assert 'class="list-unstyled d-md-none' in html
    assert places["elsewhere"].number in cards and places["elsewhere"].title in cards
    assert "hy-time-left" in cards


@pytest.fixture
def street_of(governance, community):
    committee = df.committee(community)

    def make(n: int) -> None:
        for i in range(n):
            df.register(
                governance,
                community=community,
                committee=committee,
                category=df.dispute_type("邻里"),
                title=f"纠纷{i}",
            )

    return make


def _count(client, user, django_assert_max_num_queries, params) -> int:
    with django_assert_max_num_queries(40) as captured:
        response = client.get(URL, params)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("params", [{}, {"q": "纠纷", "mine": "1", "awaiting": "performance"}])
def test_a_page_costs_the_same_queries_for_3_or_30_disputes(
    client, personas, street_of, django_assert_max_num_queries, params
):
    user = personas[Role.GOVERNANCE_STAFF]
    client.force_login(user)
    street_of(3)
    client.get(URL)  # warm the session and the holiday calendar
    few = _count(client, user, django_assert_max_num_queries, params)
    street_of(27)
    many = _count(client, user, django_assert_max_num_queries, params)
    assert few == many


def _scans(step: str) -> bool:
    """A step reading a whole table (the capped count's own subquery of ids is not one)."""
    return step.startswith("SCAN") and step != "SCAN subquery"


def _plans(client, user, params) -> list[list[str]]:
    """SQLite's plan of each query of the list page that reads the disputes' cases."""
    from django.db import connection

    queries = []

    def keep(execute, sql, sql_params, many, context):
        # The count and the page (its ids picked in a subquery); not the navigation's counts.
        # The count reads at most COUNT_LIMIT + 1 rows: SELECT COUNT(*) FROM (... LIMIT n).
        reads = sql.startswith(("SELECT COUNT(*) FROM (SELECT", 'SELECT "cases_case"'))
        if reads and "dispute" in map(str, sql_params or ()):
            queries.append((sql, sql_params))
        return execute(sql, sql_params, many, context)

    client.force_login(user)
    with connection.execute_wrapper(keep):
        assert client.get(URL, params).status_code == 200
    plans = []
    with connection.cursor() as cursor:
        for sql, sql_params in queries:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, sql_params)
            plans.append([row[-1] for row in cursor.fetchall()])
    return plans


@pytest.mark.parametrize(
    "role,params",
    [
        (Role.GOVERNANCE_STAFF, {"community": "own"}),
        (Role.GOVERNANCE_STAFF, {"open": "1"}),
        (Role.GOVERNANCE_STAFF, {"sort": "received", "status": "registered"}),
        (Role.COMMUNITY_WORKER, {}),
        (Role.GRID_WORKER, {"sort": "-received"}),
    ],
)
def test_the_list_reads_disputes_from_their_own_index(
    client, personas, places, community, role, params
):
    """A list over all years filtered by place, status or openness (or a community or grid
    worker's own list) is counted and paged from the disputes' covering indexes (migration
    0006), never row by row from the table: at a million cases that cost 0.5-0.7 s a page
    (bench/README.md, "Dispute list"). Fails too if a rebuild of the cases' table dropped them."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("the plan is SQLite's")
    if params.get("community") == "own":
        params = {"community": community.pk}
    plans = _plans(client, personas[role], params)
    assert len(plans) >= 2  # the count and the page's ids
    for steps in plans:
        assert any("COVERING INDEX dispute_list_" in step for step in steps), steps
        assert not any(_scans(step) for step in steps), steps


@pytest.mark.parametrize(
    "role,params",
    [
        (Role.GOVERNANCE_STAFF, {"tier": "community"}),
        (Role.GOVERNANCE_STAFF, {"source": "application"}),
        (Role.GOVERNANCE_STAFF, {"committee": "street"}),
        (Role.COMMUNITY_WORKER, {"tier": "community", "source": "application"}),
        (Role.GOVERNANCE_STAFF, {"category": "劳动争议"}),
        (Role.COMMUNITY_WORKER, {"category": "欠薪"}),
    ],
)
def test_the_dispute_s_own_columns_and_the_type_are_filtered_from_indexes(
    client, personas, places, community, role, params
):
    """Tier, source and committee (the dispute's own columns) are found in the dispute's
    indexes and their cases by key in ``dispute_case_filters``; the type in
    ``dispute_list_category`` (migration 0008): never a case's or a dispute's row, which at
    a million cases cost 120-290 ms a page (bench/README.md, "Dispute list")."""
    from django.db import connection

    from huiyin.disputes.models import Committee

    if connection.vendor != "sqlite":
        pytest.skip("the plan is SQLite's")
    params = dict(params)
    if params.get("committee") == "street":
        street = Committee.objects.create(
            tier="street", name="街道人民调解委员会", street=community.street
        )
        params["committee"] = street.pk
    if "category" in params:
        params["category"] = df.dispute_type(params["category"]).pk
    plans = _plans(client, personas[role], params)
    count, *page = plans  # the count; the page (its ids picked in a subquery), if counted
    assert all("COVERING INDEX dispute_" in step for step in count if "SEARCH" in step), count
    for steps in plans:
        assert not any(_scans(step) for step in steps), steps
        # Only the page's own rows (50 at most) are read by key, never the matches.
        inner = [s for s in steps if s.startswith(("SEARCH U", "SEARCH V"))]
        assert all("COVERING INDEX" in step for step in inner), steps
