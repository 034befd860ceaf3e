"""The screening pages: permission and scope, one-tap nil report, disputes, bad input, home todo."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from huiyin.org.roles import Role
from huiyin.screening.models import ScreeningItem, ScreeningReport
from huiyin.screening.services import LinkItem, file_report
from huiyin.screening.tests.factories import bj, body, dispute, week

pytestmark = pytest.mark.django_db

BOARD, FILE, REPORT = (
    reverse("screening:board"),
    reverse("screening:file"),
    reverse("screening:report"),
)
MONDAY = bj("2026-06-08 09:00")  # week 23 is due at noon
W23 = week("2026-W23")


@pytest.fixture(autouse=True)
def monday():
    with time_machine.travel(MONDAY, tick=False):
        yield


def login(client, user):
    client.force_login(user)
    return client


def nil_post(grid, **extra):
    return {"body": f"g{grid.pk}", "week": "2026-W23", "action": "nil", **extra}


def items_post(grid, rows: list[dict], **extra):
    data = {
        "body": f"g{grid.pk}",
        "week": "2026-W23",
        "action": "file",
        "items-TOTAL_FORMS": str(len(rows)),
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "10",
        "note": "",
        "version": "",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"items-{index}-{key}"] = value
    data.update(extra)
    return data


# --------------------------------------------------------------------------- who may open what


@pytest.mark.parametrize(
    ("role", "board", "file"),
    [
        (Role.GOVERNANCE_STAFF, 200, 200),
        (Role.COMMUNITY_WORKER, 200, 200),
        (Role.GRID_WORKER, 200, 200),
        (Role.MEDIATOR, 200, 403),
        (Role.LEADER, 200, 403),
        (Role.AUDITOR, 200, 403),
        (Role.PETITION_CLERK, 403, 403),
        (Role.DEPARTMENT_HANDLER, 403, 403),
    ],
)
def test_who_may_open_the_board_and_the_filing_page(client, duties, personas, role, board, file):
    login(client, personas[role])
    assert client.get(BOARD).status_code == board
    assert client.get(FILE).status_code == file


def test_signed_out_people_are_sent_to_sign_in(client, duties):
    for url in (BOARD, FILE, REPORT):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_board_shows_only_the_persons_area(client, duties, grid_worker, grid, grid2):
    response = login(client, grid_worker).get(BOARD + "?week=2026-W23")
    assert response.status_code == 200
    tokens = {line.body.token for b in response.context["board"].blocks for line in b.lines}
    assert tokens == {f"g{grid.pk}"}
    assert "第2网格" not in response.content.decode()


def test_the_street_office_sees_every_community_on_monday(client, duties, governance, grid):
    file_report(governance, body(grid), W23, nil=True, moment=bj("2026-06-07 20:00"))
    response = login(client, governance).get(BOARD + "?week=2026-W22")
    board = response.context["board"]
    assert [b.name for b in board.blocks] == ["柑子园社区", "翠屏路社区"]
    assert board.totals["missing"] == 5  # week 22: nobody reported
    page = client.get(BOARD + "?week=2026-W23").content.decode()
    assert 'data-status="on_time"' in page and 'data-status="pending"' in page


def test_the_board_opens_on_the_week_just_ended(client, duties, governance):
    login(client, governance)
    assert client.get(BOARD).context["period"].label == "2026-W23"  # Monday 09:00: pending
    with time_machine.travel(bj("2026-06-08 13:00"), tick=False):
        login(client, governance)  # a session of that moment (idle sessions end)
        board = client.get(BOARD).context["board"]
    assert board.period.label == "2026-W23" and board.totals["missing"] == 5


@pytest.mark.parametrize(
    "week_param",
    ["2026-W99", "2026-W53x", "x" * 100_000, "<script>alert(1)</script>", "9999-W01", "a\x00b"],
)
def test_a_bad_week_shows_the_default_with_a_message(client, duties, governance, week_param):
    response = login(client, governance).get(BOARD, {"week": week_param})
    assert response.status_code == 200
    assert response.context["period"].label == "2026-W23"
    assert "<script>alert(1)" not in response.content.decode()


def test_a_week_outside_the_plausible_range_is_moved_into_it(client, duties, governance):
    response = login(client, governance).get(BOARD, {"week": "2026-W30"})
    assert response.context["period"].label == "2026-W24"  # the current week, not the future
    early = client.get(BOARD, {"week": "2000-W10"})
    assert early.context["period"].label == "2024-W01"  # the first week with a duty


def test_the_picker_offers_weeks_back_from_now(client, duties, governance):
    response = login(client, governance).get(BOARD)
    labels = [p.label for p in response.context["choices"]]
    assert labels[0] == "2026-W24" and "2026-W23" in labels and len(labels) == 26


# --------------------------------------------------------------------------- filing


def test_a_grid_worker_files_nothing_new_in_one_tap(client, duties, grid_worker, grid):
    login(client, grid_worker)
    page = client.get(FILE)
    assert page.status_code == 200 and page.context["body"].grid_id == grid.pk
    assert page.context["period"].label == "2026-W23"  # Monday morning: last week's is due
    assert 'id="file-nil-button"' in page.content.decode()

    response = client.post(FILE, nil_post(grid))
    assert response.status_code == 302
    report = ScreeningReport.objects.get()
    assert report.is_nil and report.on_time and report.grid_id == grid.pk
    assert response["Location"] == f"{REPORT}?body=g{grid.pk}&week=2026-W23"
    again = client.post(FILE, nil_post(grid), follow=True)
    assert again.status_code == 200 and ScreeningReport.objects.get().version == 1


def test_once_last_weeks_report_is_in_the_page_turns_to_this_week(
    client, duties, grid_worker, grid
):
    file_report(grid_worker, body(grid), W23, nil=True, moment=bj("2026-06-07 17:00"))
    page = login(client, grid_worker).get(FILE)
    assert page.context["period"].label == "2026-W24"
    # Asked for by name, last week's report opens to be amended.
    assert client.get(FILE, {"week": "2026-W23"}).context["report"].period_start == W23.start


def test_a_grid_worker_cannot_file_for_another_grid(client, duties, grid_worker, grid2, community):
    login(client, grid_worker)
    for token in (f"g{grid2.pk}", f"c{community.pk}", "g999999", "g99999999999999999999999", "z1"):
        assert client.get(FILE, {"body": token}).status_code == 404
        assert client.post(FILE, {**nil_post(grid2), "body": token}).status_code == 404
    assert not ScreeningReport.objects.exists()


def test_a_community_worker_chooses_among_the_community_and_its_grids(
    client, duties, community_worker, community, grid, grid2
):
    response = login(client, community_worker).get(FILE)
    assert response.status_code == 200
    tokens = [line.body.token for line in response.context["lines"]]
    assert tokens == [f"c{community.pk}", f"g{grid.pk}", f"g{grid2.pk}"]


def test_disputes_are_filed_in_one_post(client, duties, grid_worker, grid):
    case = dispute(community=grid.community, grid=grid)
    login(client, grid_worker)
    response = client.post(
        FILE,
        items_post(grid, [{"mode": "link", "number": case.number, "people_count": "3"}]),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    item = ScreeningItem.objects.get()
    assert (item.case_id, item.people_count) == (case.pk, 3)
    detail = client.get(response["Location"]).content.decode()
    assert case.number in detail


def test_a_bad_row_files_nothing_and_says_why(client, duties, grid_worker, grid, grid2):
    good = dispute(community=grid.community, grid=grid)
    elsewhere = dispute(community=grid2.community, grid=grid2)
    login(client, grid_worker)
    response = client.post(
        FILE,
        items_post(
            grid,
            [
                {"mode": "link", "number": good.number, "people_count": "2"},
                {"mode": "link", "number": elsewhere.number, "people_count": "1"},
            ],
        ),
    )
    assert response.status_code == 400
    assert not ScreeningReport.objects.exists() and not ScreeningItem.objects.exists()
    page = response.content.decode()
    assert "在您的辖区内未找到编号为" in page  # MSG_NO_DISPUTE, as the office reads it
    assert elsewhere.title not in page


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"mode": "link", "number": "", "people_count": "2"}, "number"),
        ({"mode": "link", "number": "x" * 1_000_000, "people_count": "1"}, "number"),
        ({"mode": "new", "title": "", "people_count": "1"}, "title"),
        ({"mode": "new", "title": "漏水", "people_count": "0"}, "people_count"),
        (
            {"mode": "new", "title": "漏水", "people_count": "99999999999999999999999"},
            "people_count",
        ),
        ({"mode": "new", "title": "漏水", "people_count": "1e308"}, "people_count"),
        (
            {"mode": "new", "title": "漏水", "people_count": "1", "found_on": "0001-01-01"},
            "found_on",
        ),
        (
            {"mode": "new", "title": "漏水", "people_count": "1", "category": "99999999999999"},
            "category",
        ),
        ({"mode": "bogus", "people_count": "1"}, "mode"),
    ],
)
def test_bad_input_gets_a_message_beside_the_field(client, duties, grid_worker, grid, row, field):
    response = login(client, grid_worker).post(FILE, items_post(grid, [row]))
    assert response.status_code == 400
    form = response.context["formset"].forms[0]
    assert field in form.errors, form.errors
    assert not ScreeningReport.objects.exists()


def test_an_untouched_row_is_no_filing(client, duties, grid_worker, grid):
    data = items_post(grid, [{"mode": "link", "number": "", "people_count": "1"}])
    response = login(client, grid_worker).post(FILE, data)
    assert response.status_code == 400
    assert response.context["top_errors"] and not ScreeningReport.objects.exists()


@pytest.mark.parametrize(
    "management",
    [
        {"items-TOTAL_FORMS": "99999999999999999999999"},
        {"items-TOTAL_FORMS": "-1"},
        {"items-TOTAL_FORMS": "abc"},
        {"items-TOTAL_FORMS": "1000"},
    ],
)
def test_a_tampered_row_count_is_no_error_page(client, duties, grid_worker, grid, management):
    data = items_post(grid, [{"mode": "link", "number": "1", "people_count": "1"}], **management)
    response = login(client, grid_worker).post(FILE, data)
    assert response.status_code in (302, 400)
    assert not ScreeningItem.objects.exists()


def test_another_row_is_added_without_filing(client, duties, grid_worker, grid):
    data = items_post(grid, [{"mode": "new", "title": "楼上漏水", "people_count": "2"}])
    data["action"] = "add_row"
    response = login(client, grid_worker).post(FILE, data)
    assert response.status_code == 200
    forms = response.context["formset"].forms
    assert len(forms) == 2 and forms[0]["title"].value() == "楼上漏水"
    assert not ScreeningReport.objects.exists()


def test_a_nil_tap_on_a_report_with_disputes_is_refused(client, duties, grid_worker, grid):
    case = dispute(community=grid.community, grid=grid)
    file_report(grid_worker, body(grid), W23, links=[LinkItem(case.number, 1)])
    response = login(client, grid_worker).post(FILE, nil_post(grid))
    assert response.status_code == 400
    assert "不能改为零报告" in response.content.decode()  # MSG_NIL_HAS_ITEMS


def test_who_only_views_cannot_post(client, duties, personas, grid):
    response = login(client, personas[Role.MEDIATOR]).post(FILE, nil_post(grid))
    assert response.status_code == 403
    assert not ScreeningReport.objects.exists()


# --------------------------------------------------------------------------- one report


def test_the_community_report_rolls_up_its_grids(
    client, duties, community_worker, community, grid, grid2
):
    file_report(community_worker, body(grid), W23, nil=True, moment=bj("2026-06-07 10:00"))
    response = login(client, community_worker).get(
        REPORT, {"body": f"c{community.pk}", "week": "2026-W23"}
    )
    assert response.status_code == 200
    page = response.context["page"]
    assert [c.body.grid_id for c, _ in page.children] == [grid.pk, grid2.pk]
    assert 'data-complete="0"' in response.content.decode()


def test_a_report_outside_the_scope_is_404(client, duties, grid_worker, community, grid2):
    login(client, grid_worker)
    for token in (f"c{community.pk}", f"g{grid2.pk}", "", "g0", "c" + "9" * 40):
        assert client.get(REPORT, {"body": token, "week": "2026-W23"}).status_code == 404


def test_the_history_shows_every_version(client, duties, grid_worker, grid):
    file_report(grid_worker, body(grid), W23, nil=True, moment=bj("2026-06-07 10:00"))
    file_report(grid_worker, body(grid), W23, note="补充：已走访", moment=bj("2026-06-08 08:00"))
    response = login(client, grid_worker).get(REPORT, {"body": f"g{grid.pk}", "week": "2026-W23"})
    assert [v.version for v in response.context["page"].versions] == [2, 1]


# --------------------------------------------------------------------------- home page


def test_the_home_page_tells_a_grid_worker_to_file(client, duties, grid_worker, grid):
    login(client, grid_worker)
    todo = client.get("/").context["todo"]
    labels = {str(item.label): item for item in todo}
    due = labels["2026-W23 排查报告待报"]
    assert due.url == f"{FILE}?body=g{grid.pk}&week=2026-W23" and due.count == 1
    missed = labels["2026-W22 排查报告未报"]
    assert missed.urgent
    client.post(FILE, nil_post(grid))
    after = {str(item.label) for item in client.get("/").context["todo"]}
    assert "2026-W23 排查报告待报" not in after


def test_the_home_page_sends_the_street_office_to_the_board(client, duties, governance):
    todo = login(client, governance).get("/").context["todo"]
    item = next(i for i in todo if str(i.label) == "2026-W23 排查报告待报")
    assert item.count == 5 and item.url == f"{BOARD}?week=2026-W23"


def test_no_screening_todo_for_who_does_not_file(client, duties, personas):
    todo = login(client, personas[Role.MEDIATOR]).get("/").context["todo"]
    assert not [i for i in todo if "Screening" in str(i.label)]
