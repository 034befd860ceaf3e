"""The petition list: who sees it, every filter, bad input, pagination in constant queries."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.models import Case, Category
from huiyin.cases.templatetags.clocks import clock_badge, time_left
from huiyin.org.roles import Role
from huiyin.petitions.models import Channel, Level, ReceptionSlot, Satisfaction, Status
from huiyin.petitions.queries import PetitionFilter, list_url
from huiyin.petitions.services import mark_key_case, record_follow_up
from huiyin.petitions.tests.factories import bring_to, days_ago, petitioner, register
from huiyin.testing import factories as f

pytestmark = pytest.mark.django_db

URL = "/petitions/"


def numbers(response) -> list[str]:
    """The case numbers listed, in order."""
    html = response.content.decode()
    return re.findall(
        r'<tr data-case="\d+"[^>]*>\s*(?:<td><input [^>]*></td>\s*)?'
        r'<td class="text-nowrap"><a [^>]*>([^<]+)</a>',
        html,
    )


def listed(client, user, **params) -> set[str]:
    client.force_login(user)
    response = client.get(URL, params)
    assert response.status_code == 200
    return set(numbers(response))


def number(petition) -> str:
    return petition.case.number


def set_due(petition, due_on) -> None:
    # The nearest office due date is derived from the clocks; pin it for the edge cases.
    Case.objects.filter(pk=petition.pk).update(due_on=due_on)


# --------------------------------------------------------------------------- who sees it


def test_it_lists_the_petitions_for_the_clerk(client, clerk, community):
    first = register(clerk, community=community, title="小区违建影响采光")
    second = register(clerk, community=community, title="拖欠工资")
    client.force_login(clerk)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["nav_active"] == "petitions"
    assert set(numbers(response)) == {number(first), number(second)}
    assert 'data-count="2"' in response.content.decode()


def test_it_is_named_list_for_the_navigation():
    assert reverse("petitions:list") == URL


@pytest.mark.parametrize(
    "role", [Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.MEDIATOR, Role.ADMINISTRATOR]
)
def test_it_refuses_the_list_to_roles_without_petitions(client, personas, role):
    client.force_login(personas[role])
    assert client.get(URL).status_code == 403


def test_it_sends_an_anonymous_visitor_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_shows_a_handler_only_their_units_petitions(client, personas, clerk, handler, unit):
    mine = register(clerk, title="交给城建办")
    bring_to(mine, Status.ASSIGNED, personas, unit=unit)
    other_unit = f.UnitFactory(street=unit.street, name="社事办")
    theirs = register(clerk, title="交给社事办")
    bring_to(theirs, Status.ASSIGNED, personas, unit=other_unit)
    register(clerk, title="尚未交办")
    assert listed(client, handler) == {number(mine)}
    assert len(listed(client, clerk)) == 3


def test_it_hides_a_petition_about_the_handlers_own_unit(client, personas, clerk, unit):
    other_unit = f.UnitFactory(street=unit.street, name="社事办")
    # Handles for both units: only the complaint rule hides the petition about 城建办.
    both = f.person(Role.DEPARTMENT_HANDLER, username="both", unit=other_unit)
    both.staff.grants.create(role=Role.DEPARTMENT_HANDLER, unit=unit)
    about_unit = register(clerk, title="反映城建办", complained_unit=unit)
    bring_to(about_unit, Status.ASSIGNED, personas, unit=other_unit)
    plain = register(clerk, title="普通事项")
    bring_to(plain, Status.ASSIGNED, personas, unit=other_unit)
    assert listed(client, both) == {number(plain)}


def test_it_leaves_withdrawn_petitions_out_unless_asked(client, clerk):
    from huiyin.cases.services import withdraw_case

    kept = register(clerk, title="保留")
    gone = register(clerk, title="误录")
    withdraw_case(gone.case, actor=clerk, version=gone.case.version, reason="重复登记")
    assert listed(client, clerk) == {number(kept)}
    assert listed(client, clerk, withdrawn="1") == {number(gone)}


# --------------------------------------------------------------------------- filters


def test_it_filters_by_status_one_or_several(client, personas, clerk, unit):
    registered = register(clerk, title="待受理")
    accepted = register(clerk, title="已受理")
    bring_to(accepted, Status.ACCEPTED, personas, unit=unit)
    declined = register(clerk, title="不予受理")
    bring_to(declined, Status.DECLINED, personas, unit=unit)
    assert listed(client, clerk, status="accepted") == {number(accepted)}
    both = listed(client, clerk, status=["registered", "declined"])
    assert both == {number(registered), number(declined)}


def test_it_filters_by_channel_and_level(client, clerk):
    letter = register(clerk, channel=Channel.LETTER, title="来信")
    visit = register(clerk, channel=Channel.VISIT, level=Level.CITY, title="到市")
    assert listed(client, clerk, channel="letter") == {number(letter)}
    assert listed(client, clerk, level="city") == {number(visit)}
    assert listed(client, clerk, level="street") == {number(letter)}


def test_it_filters_by_community_and_grid(client, clerk, community, other_community, grid):
    here = register(clerk, community=community, title="柑子园")
    in_grid = register(clerk, community=community, grid=grid, title="第1网格")
    there = register(clerk, community=other_community, title="翠屏路")
    assert listed(client, clerk, community=community.pk) == {number(here), number(in_grid)}
    assert listed(client, clerk, community=other_community.pk) == {number(there)}
    assert listed(client, clerk, grid=grid.pk) == {number(in_grid)}


def test_it_filters_by_category_with_its_children(client, clerk):
    land = Category.objects.create(kind="petition", name="测试·城建")
    demolition = Category.objects.create(kind="petition", name="测试·征收", parent=land)
    compensation = Category.objects.create(kind="petition", name="测试·补偿", parent=demolition)
    labour = Category.objects.create(kind="petition", name="测试·社保")
    parent_case = register(clerk, category=land, title="拆迁")
    child_case = register(clerk, category=demolition, title="征收")
    grandchild_case = register(clerk, category=compensation, title="补偿")
    other = register(clerk, category=labour, title="社保")
    assert listed(client, clerk, category=land.pk) == {
        number(parent_case),
        number(child_case),
        number(grandchild_case),
    }
    assert listed(client, clerk, category=demolition.pk) == {
        number(child_case),
        number(grandchild_case),
    }
    assert listed(client, clerk, category=labour.pk) == {number(other)}


def test_it_filters_overdue_open_petitions(client, personas, clerk, unit):
    late = register(clerk, received_at=days_ago(20), title="已超期")
    fresh = register(clerk, received_at=days_ago(1), title="刚登记")
    concluded = register(clerk, received_at=days_ago(20), title="已办结")
    bring_to(concluded, Status.CONCLUDED, personas, unit=unit)
    set_due(concluded, days_ago(3))  # closed: a past date no longer makes it overdue
    assert listed(client, clerk, due="overdue") == {number(late)}
    assert number(fresh) not in listed(client, clerk, due="overdue")


def test_it_filters_due_soon_within_three_days_inclusive(client, clerk):
    today = timezone.localdate()
    cases = {}
    for offset in (-1, 0, 3, 4):
        cases[offset] = register(clerk, received_at=days_ago(1), title=f"到期{offset}")
        set_due(cases[offset], today + timedelta(days=offset))
    assert listed(client, clerk, due="soon") == {number(cases[0]), number(cases[3])}
    assert listed(client, clerk, due="overdue") == {number(cases[-1])}


def test_it_filters_by_received_dates_inclusive_in_beijing_time(client, clerk):
    day = days_ago(30)

    def at(d, hour, minute):
        return datetime.combine(d, time(hour, minute), tzinfo=CHINA_TZ)

    before = register(clerk, received_at=at(day - timedelta(days=1), 23, 59), title="前一天")
    first = register(clerk, received_at=at(day, 0, 0), title="第一天零点")
    early = register(clerk, received_at=at(day, 0, 30), title="第一天凌晨")  # UTC: the day before
    last = register(clerk, received_at=at(day + timedelta(days=1), 23, 59), title="最后一天")
    after = register(clerk, received_at=at(day + timedelta(days=2), 0, 0), title="后一天")
    window = {"from": day.isoformat(), "to": (day + timedelta(days=1)).isoformat()}
    assert listed(client, clerk, **window) == {number(first), number(early), number(last)}
    assert number(before) in listed(client, clerk, to=(day - timedelta(days=1)).isoformat())
    assert number(after) in listed(client, clerk, **{"from": (day + timedelta(days=2)).isoformat()})
    assert listed(client, clerk, **{"from": day.isoformat(), "to": day.isoformat()}) == {
        number(first),
        number(early),
    }


def test_it_searches_number_title_and_description_not_encrypted_names(client, clerk):
    by_title = register(clerk, title="噪音扰民")
    by_text = register(clerk, title="其他", description="夜间施工噪音持续")
    register(clerk, title="拖欠工资", petitioners=[petitioner("噪音人")])
    assert listed(client, clerk, q="噪音") == {number(by_title), number(by_text)}
    assert listed(client, clerk, q=number(by_title)) == {number(by_title)}
    assert listed(client, clerk, q="张三") == set()  # the petitioner's name is encrypted


def test_it_filters_collective_repeat_and_over_level(client, clerk):
    crowd = [
        petitioner(f"代表{i}", id_number="", phone="", is_representative=True) for i in range(3)
    ]
    collective = register(
        clerk, is_collective=True, headcount=12, petitioners=crowd, title="集体访"
    )
    over = register(clerk, level=Level.PROVINCE, handling_level=Level.STREET, title="赴省")
    at_level = register(clerk, level=Level.DISTRICT, handling_level=Level.DISTRICT, title="到区")
    repeat = register(clerk, repeat_of=over.case.number, title="重复")
    assert listed(client, clerk, collective="1") == {number(collective)}
    assert listed(client, clerk, over_level="1") == {number(over)}
    assert number(at_level) not in listed(client, clerk, over_level="1")
    assert listed(client, clerk, repeat="1") == {number(repeat)}


def test_it_filters_open_concluded_and_key_cases(client, personas, clerk, leader, unit):
    open_one = register(clerk, title="在办")
    done = register(clerk, title="已办结")
    bring_to(done, Status.CONCLUDED, personas, unit=unit)
    mark_key_case(
        open_one,
        actor=clerk,
        leader=leader.staff,
        plan="包案化解",
        time_limit=timezone.localdate() + timedelta(days=30),
        responsible_unit=unit,
    )
    assert listed(client, clerk, concluded="1") == {number(done)}
    assert listed(client, clerk, open="1") == {number(open_one)}
    assert listed(client, clerk, key="1") == {number(open_one)}


def test_it_filters_by_owner_unit_and_owner(client, personas, clerk, handler, unit):
    assigned = register(clerk, title="城建办承办")
    bring_to(
        assigned, Status.HANDLING, personas, unit=unit
    )  # start_handling makes the handler owner
    register(clerk, title="未交办")
    assert listed(client, clerk, owner_unit=unit.pk) == {number(assigned)}
    assert listed(client, clerk, owner=handler.staff.pk) == {number(assigned)}


def test_it_filters_by_the_latest_satisfaction(client, personas, clerk, unit):
    happy = register(clerk, title="满意")
    bring_to(happy, Status.REPLIED, personas, unit=unit)
    changed = register(clerk, title="先不满意后满意")
    bring_to(changed, Status.REPLIED, personas, unit=unit)
    record_follow_up(happy, actor=clerk, satisfaction=Satisfaction.SATISFIED)
    record_follow_up(changed, actor=clerk, satisfaction=Satisfaction.DISSATISFIED)
    record_follow_up(changed, actor=clerk, satisfaction=Satisfaction.SATISFIED)
    assert listed(client, clerk, satisfaction="satisfied") == {number(happy), number(changed)}
    assert listed(client, clerk, satisfaction="dissatisfied") == set()


def test_it_filters_by_the_reception_leader(client, clerk, leader):
    slot = ReceptionSlot.objects.create(
        leader=leader.staff,
        kind=ReceptionSlot.SlotKind.RECEPTION_DAY,
        date=timezone.localdate(),
        start_time=time(9),
        end_time=time(11),
        place="街道信访接待室",
    )
    received = register(clerk, received_at=timezone.now(), reception_slot=slot, title="坐班接访")
    register(clerk, title="普通来访")
    assert listed(client, clerk, reception_leader=leader.staff.pk) == {number(received)}


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "params",
    [
        {"status": "bogus"},
        {"channel": "pigeon"},
        {"level": "moon"},
        {"community": "abc"},
        {"community": "999999"},
        {"grid": "-1"},
        {"category": "1.5"},
        {"owner_unit": "０"},
        {"owner": "9" * 30},
        {"reception_leader": "x"},
        {"due": "tomorrow"},
        {"from": "2026-13-45"},
        {"to": "yesterday"},
        {"from": "20260101"},
        {"collective": "maybe"},
        {"satisfaction": "ecstatic"},
        {"sort": "title; drop table"},
    ],
)
def test_it_ignores_a_bad_filter_value_with_a_notice(client, clerk, params):
    kept = register(clerk, title="仍然列出")
    client.force_login(clerk)
    response = client.get(URL, params)
    assert response.status_code == 200
    assert 'id="filter-notices"' in response.content.decode()
    assert set(numbers(response)) == {number(kept)}
    assert response.context["filter"].notices


def test_it_ignores_a_reversed_date_range_with_a_notice(client, clerk):
    kept = register(clerk, received_at=days_ago(5))
    client.force_login(clerk)
    response = client.get(URL, {"from": days_ago(1).isoformat(), "to": days_ago(10).isoformat()})
    assert response.status_code == 200
    assert set(numbers(response)) == {number(kept)}
    assert len(response.context["filter"].notices) == 1


def test_it_survives_bad_page_numbers_and_long_searches(client, clerk):
    register(clerk)
    client.force_login(clerk)
    for params in ({"page": "abc"}, {"page": "999"}, {"page": "-3"}, {"q": "字" * 5000}):
        assert client.get(URL, params).status_code == 200


def test_it_shows_no_notice_for_good_values(client, clerk, community):
    register(clerk, community=community)
    client.force_login(clerk)
    response = client.get(URL, {"community": community.pk, "due": "overdue", "open": "1"})
    assert 'id="filter-notices"' not in response.content.decode()


# --------------------------------------------------------------------------- paging, sorting


@pytest.fixture
def many(clerk, community):
    for i in range(160):
        register(clerk, community=community, title=f"事项{i:03d}", received_at=days_ago(i % 40))


def test_it_pages_in_a_constant_number_of_queries(
    client, clerk, many, django_assert_max_num_queries
):
    client.force_login(clerk)
    client.get(URL)  # warm the session and the holiday calendar
    counts = []
    for page, rows in ((1, 50), (3, 50), (4, 10)):
        # Session, person, shell, the filter bar's option lists, count, page: never per row.
        with django_assert_max_num_queries(22) as captured:
            response = client.get(URL, {"page": page, "status": "registered"})
        assert response.status_code == 200
        assert len(numbers(response)) == rows
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1] == counts[2]


@pytest.mark.parametrize("reverse_from", [0, 10_000])
@pytest.mark.parametrize("sort", [None, "-received", "received"])
def test_it_pages_through_every_petition_once_in_order_from_either_end(
    client, clerk, many, monkeypatch, sort, reverse_from
):
    # Pages past the middle of a long list are picked from the far end in the reversed order;
    # with ties in dates and due dates mixed with none, they must still be the rows of the
    # plain order. A short list is paged from the front: the same rows.
    monkeypatch.setattr("huiyin.petitions.queries.REVERSE_FROM", reverse_from)
    Case.objects.filter(pk__in=Case.objects.order_by("id").values("pk")[:60]).update(due_on=None)
    params = {"sort": sort} if sort else {}
    expected = [case.number for case in PetitionFilter(params, clerk).ordered()]
    assert len(expected) == 160
    client.force_login(clerk)
    seen = []
    for page in (1, 2, 3, 4):
        seen += numbers(client.get(URL, {**params, "page": page}))
    assert seen == expected


def test_it_sorts_by_due_date_by_default_and_by_received_on_request(client, clerk):
    today = timezone.localdate()
    later = register(clerk, received_at=days_ago(2), title="后到期")
    sooner = register(clerk, received_at=days_ago(9), title="先到期")
    set_due(later, today + timedelta(days=9))
    set_due(sooner, today + timedelta(days=2))
    client.force_login(clerk)
    assert numbers(client.get(URL)) == [number(sooner), number(later)]
    assert numbers(client.get(URL, {"sort": "-received"})) == [number(later), number(sooner)]
    assert numbers(client.get(URL, {"sort": "received"})) == [number(sooner), number(later)]


def test_it_keeps_the_filters_in_the_page_links(client, clerk, many, community):
    client.force_login(clerk)
    response = client.get(URL, {"community": community.pk, "page": 2})
    html = response.content.decode()
    assert f"community={community.pk}&amp;sort=due&amp;page=3" not in html  # sort only when chosen
    assert f"?community={community.pk}&amp;page=3" in html
    assert f"?community={community.pk}&amp;page=1" in html


def test_it_answers_htmx_with_the_results_only(client, clerk):
    register(clerk)
    client.force_login(clerk)
    response = client.get(URL, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="petition-results")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="petition-table"' in html
    assert "<html" in client.get(URL).content.decode()


# --------------------------------------------------------------------------- buttons


def test_it_offers_registration_and_export_by_permission(client, personas, clerk, leader, handler):
    client.force_login(clerk)
    html = client.get(URL, {"channel": "visit", "page": 2}).content.decode()
    assert 'id="petition-new"' in html
    assert 'href="/reports/ledger/export/?channel=visit"' in html
    client.force_login(leader)  # may export, may not register
    html = client.get(URL).content.decode()
    assert 'id="petition-new"' not in html
    assert 'id="petition-export"' in html
    client.force_login(handler)
    html = client.get(URL).content.decode()
    assert 'id="petition-new"' not in html
    assert 'id="petition-export"' not in html


def test_it_marks_over_level_collective_and_key_cases_in_rows(client, clerk, leader, unit):
    crowd = [petitioner("代表", id_number="", phone="", is_representative=True)]
    p = register(
        clerk,
        level=Level.NATIONAL,
        is_collective=True,
        headcount=8,
        petitioners=crowd,
        title="进京",
    )
    mark_key_case(
        p,
        actor=clerk,
        leader=leader.staff,
        plan="包案",
        time_limit=timezone.localdate() + timedelta(days=5),
        responsible_unit=unit,
    )
    client.force_login(clerk)
    html = client.get(URL).content.decode()
    assert 'data-over-level="1"' in html
    assert 'data-key-case="1"' in html
    assert "text-bg-warning" in html


# --------------------------------------------------------------------------- helpers


def test_it_builds_list_links_with_the_contract_names():
    day = days_ago(3)
    url = list_url(from_=day, to=day, status=["registered", "accepted"], collective=True, q="")
    assert url == (
        f"/petitions/?from={day.isoformat()}&to={day.isoformat()}"
        "&status=registered&status=accepted&collective=1"
    )
    assert list_url() == "/petitions/"


def test_it_parses_a_plain_mapping_as_well_as_a_querydict(clerk, community):
    p = register(clerk, community=community)
    assert list(PetitionFilter({"community": str(community.pk)}, clerk).queryset()) == [p.case]
    query = QueryDict(f"community={community.pk}&status=registered&status=nope")
    parsed = PetitionFilter(query, clerk)
    assert parsed.filters == {"status": ["registered"], "community": str(community.pk)}
    assert len(parsed.notices) == 1


def test_it_words_the_time_left_badge():
    today = timezone.localdate()
    assert time_left(today + timedelta(days=5), today).text == "5 day(s) left"
    assert time_left(today + timedelta(days=2), today).state == "soon"
    assert time_left(today, today).text == "Due today"
    late = time_left(today - timedelta(days=4), today)
    assert (late.state, late.days, late.text) == ("overdue", -4, "4 day(s) overdue")
    assert 'data-state="none"' in clock_badge(None)


# --------------------------------------------------------------------------- capped text search


@pytest.fixture
def limit_of_70(monkeypatch):
    monkeypatch.setattr("huiyin.petitions.queries.TEXT_MATCH_LIMIT", 70)


def test_a_text_search_over_all_years_lists_only_the_first_matches(
    client, clerk, many, limit_of_70
):
    # 160 matches of 事项, a limit of 70: two pages (50 + 20) of the first 70 in the list's
    # own order, and the page says there were more.
    expected = [case.number for case in PetitionFilter({"q": "事项"}, clerk).ordered()]
    assert len(expected) == 160
    client.force_login(clerk)
    first = client.get(URL, {"q": "事项"})
    html = first.content.decode()
    assert 'data-count="70" data-truncated="1"' in html
    assert 'id="petition-truncated"' in html
    assert "找到的信访件超过 70 件，按当前排序列出前 70 件" in html
    assert "第 1 页，共 2 页" in html
    seen = numbers(first) + numbers(client.get(URL, {"q": "事项", "page": 2}))
    assert seen == expected[:70]
    # A page past the limit is the last one, not the far end of all matches.
    assert numbers(client.get(URL, {"q": "事项", "page": 4})) == expected[50:70]


@pytest.mark.parametrize("sort", ["-received", "received"])
def test_the_first_matches_follow_the_chosen_order(client, clerk, many, limit_of_70, sort):
    expected = [c.number for c in PetitionFilter({"q": "事项", "sort": sort}, clerk).ordered()]
    client.force_login(clerk)
    assert numbers(client.get(URL, {"q": "事项", "sort": sort, "page": 2})) == expected[50:70]


def test_a_text_search_with_no_more_matches_than_the_limit_is_counted_exactly(
    client, clerk, many, limit_of_70
):
    client.force_login(clerk)
    html = client.get(URL, {"q": "事项00"}).content.decode()  # 事项000 … 事项009
    assert 'data-count="10"' in html
    assert "data-truncated" not in html
    assert "共找到 10 件" in html


@pytest.mark.parametrize(("limit", "shown", "truncated"), [(159, 159, True), (160, 160, False)])
def test_exactly_the_limit_is_not_more_than_it(
    client, clerk, many, monkeypatch, limit, shown, truncated
):
    monkeypatch.setattr("huiyin.petitions.queries.TEXT_MATCH_LIMIT", limit)
    client.force_login(clerk)
    html = client.get(URL, {"q": "事项"}).content.decode()
    assert f'data-count="{shown}"' in html
    assert ("data-truncated" in html) is truncated


def test_filters_and_a_short_period_count_every_match(client, clerk, many, limit_of_70):
    client.force_login(clerk)
    # No text: every petition counted.
    assert 'data-count="160"' in client.get(URL).content.decode()
    # Text within a period of half a year or less reads that period: counted exactly.
    start = (timezone.localdate() - timedelta(days=60)).isoformat()
    html = client.get(URL, {"q": "事项", "from": start}).content.decode()
    assert 'data-count="160"' in html
    assert "data-truncated" not in html


def test_the_ledger_export_of_a_capped_search_holds_every_match(clerk, many, limit_of_70):
    from huiyin.reports.ledgers.petitions_export import ledger_cases

    cases, filters, _notices = ledger_cases(clerk, {"q": "事项"})
    assert filters == {"q": "事项"}
    assert cases.count() == 160


# --------------------------------------------------------------------------- capped count


@pytest.mark.parametrize("sort", [None, "received"])
def test_a_list_past_the_count_limit_says_more_than_and_pages_from_the_front(
    client, clerk, many, monkeypatch, sort
):
    # 160 petitions, counted up to 120: "more than 120", three pages (50 + 50 + 20) of the
    # first 120 in the list's own order. The last page is not picked from the far end, which
    # would be the last 20 of all 160.
    monkeypatch.setattr("huiyin.petitions.queries.COUNT_LIMIT", 120)
    params = {"sort": sort} if sort else {}
    expected = [case.number for case in PetitionFilter(params, clerk).ordered()]
    assert len(expected) == 160
    client.force_login(clerk)
    first = client.get(URL, params)
    html = first.content.decode()
    assert 'data-count="120" data-truncated="1"' in html
    assert "找到的信访件超过 120 件，按当前排序列出前 120 件" in html
    assert "第 1 页，共 3 页" in html
    seen = []
    for page in (1, 2, 3):
        seen += numbers(client.get(URL, {**params, "page": page}))
    assert seen == expected[:120]
    assert numbers(client.get(URL, {**params, "page": 9})) == expected[100:120]


@pytest.mark.parametrize(("limit", "truncated"), [(159, True), (160, False)])
def test_exactly_the_count_limit_is_not_more_than_it(
    client, clerk, many, monkeypatch, limit, truncated
):
    monkeypatch.setattr("huiyin.petitions.queries.COUNT_LIMIT", limit)
    client.force_login(clerk)
    html = client.get(URL).content.decode()
    assert f'data-count="{min(limit, 160)}"' in html
    assert ("data-truncated" in html) is truncated
