"""Filing a report: nil reports, disputes linked or registered, amendments, scope, bad input."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied

from huiyin.cases.models import Case
from huiyin.org.roles import Role
from huiyin.privacy.models import AuditEntry
from huiyin.screening import services
from huiyin.screening.models import (
    ScreeningItem,
    ScreeningReport,
    ScreeningReportVersion,
)
from huiyin.screening.services import LinkItem, NewItem, ScreeningInvalid, file_report
from huiyin.screening.tests.factories import bj, body, dispute, week
from huiyin.testing import factories as f

pytestmark = pytest.mark.django_db

W23 = week("2026-W23")
BEFORE = bj("2026-06-08 09:30")  # Monday morning: on time
NOON = bj("2026-06-08 12:00")


def keys(error: ScreeningInvalid) -> set[str]:
    return set(error.errors)


def messages(error: ScreeningInvalid) -> list[str]:
    return [str(m) for ms in error.errors.values() for m in ms]


# --------------------------------------------------------------------------- nil reports


def test_a_nil_report_is_one_call_and_keeps_its_first_version(duties, grid_worker, grid):
    filing = file_report(grid_worker, body(grid), W23, nil=True, moment=BEFORE)

    report = filing.report
    assert filing.created and filing.changed
    assert report.is_nil and report.on_time and report.version == 1
    assert report.deadline == NOON
    assert (report.grid_id, report.community_id, report.unit_id) == (
        grid.pk,
        grid.community_id,
        None,
    )
    version = ScreeningReportVersion.objects.get(report=report)
    assert (version.version, version.action, version.is_nil, version.on_time) == (
        1,
        "filed",
        True,
        True,
    )
    entry = AuditEntry.objects.get(action="screening.file")
    assert entry.target_id == str(report.pk)
    assert entry.diff == {"version": 1, "nil": True, "items_added": 0}


def test_tapping_nothing_new_twice_changes_nothing(duties, grid_worker, grid):
    file_report(grid_worker, body(grid), W23, nil=True, moment=BEFORE)
    again = file_report(
        grid_worker, body(grid), W23, nil=True, moment=BEFORE + timedelta(seconds=2)
    )
    assert not again.created and not again.changed
    assert ScreeningReport.objects.count() == 1
    assert ScreeningReportVersion.objects.count() == 1


@pytest.mark.parametrize(
    ("moment", "on_time"),
    [
        ("2026-06-07 23:59:59", True),  # Sunday night, the week's last second
        ("2026-06-08 00:00:00", True),  # Monday midnight
        ("2026-06-08 12:00:00", True),  # the deadline's very second
        ("2026-06-08 12:00:00.000001", False),
        ("2026-06-08 12:01:00", False),
        ("2026-06-15 10:00:00", False),  # a week later
    ],
)
def test_on_time_means_no_later_than_monday_noon(duties, grid_worker, grid, moment, on_time):
    report = file_report(grid_worker, body(grid), W23, nil=True, moment=bj(moment)).report
    assert report.on_time is on_time


def test_in_a_holiday_week_the_deadline_moves_and_so_does_on_time(duties, grid_worker, grid):
    w40 = week("2026-W40")
    report = file_report(grid_worker, body(grid), w40, nil=True, moment=bj("2026-10-08 11:00"))
    report = report.report
    assert report.deadline == bj("2026-10-08 12:00")
    assert report.on_time


def test_a_report_can_be_filed_during_its_own_week(duties, grid_worker, grid):
    report = file_report(grid_worker, body(grid), W23, nil=True, moment=bj("2026-06-05 16:00"))
    assert report.report.on_time


def test_a_period_not_yet_begun_cannot_be_reported(duties, grid_worker, grid):
    with pytest.raises(ScreeningInvalid) as error:
        file_report(grid_worker, body(grid), W23.next().next(), nil=True, moment=BEFORE)
    assert services.MSG_FUTURE in error.value.errors["__all__"]
    assert not ScreeningReport.objects.exists()


def test_no_report_without_a_duty_in_the_period(street, grid_worker, grid):
    services.ensure_duties(street, active_from=date(2026, 6, 15))
    with pytest.raises(ScreeningInvalid) as error:
        file_report(grid_worker, body(grid), W23, nil=True, moment=BEFORE)
    assert services.MSG_NO_DUTY in error.value.errors["__all__"]


def test_an_empty_filing_is_refused(duties, grid_worker, grid):
    with pytest.raises(ScreeningInvalid) as error:
        file_report(grid_worker, body(grid), W23, note="看了一圈", moment=BEFORE)
    assert services.MSG_EMPTY in error.value.errors["__all__"]
    assert not ScreeningReport.objects.exists()


# --------------------------------------------------------------------------- disputes found


def test_a_linked_open_dispute_is_listed_with_its_count(duties, grid_worker, grid):
    case = dispute(community=grid.community, grid=grid)
    filing = file_report(
        grid_worker, body(grid), W23, links=[LinkItem(case.number, 3)], moment=BEFORE
    )
    item = ScreeningItem.objects.get()
    assert (item.case_id, item.how, item.people_count, item.added_in_version) == (
        case.pk,
        "linked",
        3,
        1,
    )
    assert not filing.report.is_nil


def test_a_number_may_be_typed_loosely(duties, grid_worker, grid):
    case = dispute(community=grid.community, grid=grid)
    loose = f"〔{case.year}〕{case.seq}"
    file_report(grid_worker, body(grid), W23, links=[LinkItem(loose, 1)], moment=BEFORE)
    assert ScreeningItem.objects.get().case_id == case.pk


def test_a_dispute_outside_the_workers_scope_is_not_found(duties, grid_worker, grid, grid2):
    elsewhere = dispute(community=grid2.community, grid=grid2)
    with pytest.raises(ScreeningInvalid) as error:
        file_report(
            grid_worker, body(grid), W23, links=[LinkItem(elsewhere.number, 1)], moment=BEFORE
        )
    # The same words as for a number that does not exist: nothing leaks.
    assert messages(error.value) == [str(services.MSG_NO_DISPUTE % {"number": elsewhere.number})]
    with pytest.raises(ScreeningInvalid) as error:
        file_report(grid_worker, body(grid), W23, links=[LinkItem("调〔2026〕9999号", 1)])
    assert keys(error.value) == {"links.0"}


def test_a_closed_or_withdrawn_dispute_cannot_be_linked(duties, grid_worker, grid):
    from django.utils import timezone

    closed = dispute(community=grid.community, grid=grid, closed_at=timezone.now())
    withdrawn = dispute(community=grid.community, grid=grid, withdrawn=True)
    for case in (closed, withdrawn):
        with pytest.raises(ScreeningInvalid):
            file_report(grid_worker, body(grid), W23, links=[LinkItem(case.number, 1)])


def test_the_street_office_may_list_only_disputes_of_the_bodys_area(
    duties, governance, grid, other_grid
):
    elsewhere = dispute(community=other_grid.community, grid=other_grid)
    with pytest.raises(ScreeningInvalid) as error:
        file_report(governance, body(grid), W23, links=[LinkItem(elsewhere.number, 1)])
    assert messages(error.value) == [str(services.MSG_OUTSIDE_BODY % {"number": elsewhere.number})]


def test_a_dispute_listed_twice_is_refused(duties, grid_worker, grid):
    case = dispute(community=grid.community, grid=grid)
    with pytest.raises(ScreeningInvalid) as error:
        file_report(
            grid_worker,
            body(grid),
            W23,
            links=[LinkItem(case.number, 1), LinkItem(case.number, 2)],
        )
    assert keys(error.value) == {"links.1"}
    assert not ScreeningReport.objects.exists()


def test_nil_and_disputes_together_are_refused(duties, grid_worker, grid):
    case = dispute(community=grid.community, grid=grid)
    with pytest.raises(ScreeningInvalid) as error:
        file_report(grid_worker, body(grid), W23, nil=True, links=[LinkItem(case.number, 1)])
    assert "nil" in error.value.errors


# --------------------------------------------------------------------------- amendments


def test_an_amendment_keeps_the_history_and_the_first_deadline(duties, grid_worker, grid):
    first = file_report(grid_worker, body(grid), W23, nil=True, note="无", moment=BEFORE).report
    case = dispute(community=grid.community, grid=grid)
    later = bj("2026-06-10 15:00")  # after the deadline: the report stays on time
    amended = file_report(
        grid_worker,
        body(grid),
        W23,
        links=[LinkItem(case.number, 2)],
        note="周三发现一起",
        version=1,
        moment=later,
    ).report

    assert amended.pk == first.pk
    assert (amended.version, amended.is_nil, amended.note) == (2, False, "周三发现一起")
    assert amended.on_time and amended.filed_at == BEFORE and amended.amended_at == later
    history = list(
        ScreeningReportVersion.objects.filter(report=amended).values_list(
            "version", "action", "is_nil", "note", "item_count", "items_added", "on_time"
        )
    )
    assert history == [
        (1, "filed", True, "无", 0, 0, True),
        (2, "amended", False, "周三发现一起", 1, 1, False),
    ]
    assert AuditEntry.objects.filter(action="screening.amend").count() == 1


def test_a_report_listing_disputes_cannot_become_nil(duties, grid_worker, grid):
    case = dispute(community=grid.community, grid=grid)
    file_report(grid_worker, body(grid), W23, links=[LinkItem(case.number, 1)], moment=BEFORE)
    with pytest.raises(ScreeningInvalid) as error:
        file_report(grid_worker, body(grid), W23, nil=True, moment=BEFORE)
    assert services.MSG_NIL_HAS_ITEMS in error.value.errors["nil"]
    assert ScreeningReport.objects.get().version == 1


def test_a_dispute_already_listed_is_refused_on_amendment(duties, grid_worker, grid):
    case = dispute(community=grid.community, grid=grid)
    file_report(grid_worker, body(grid), W23, links=[LinkItem(case.number, 1)], moment=BEFORE)
    with pytest.raises(ScreeningInvalid) as error:
        file_report(grid_worker, body(grid), W23, links=[LinkItem(case.number, 1)])
    assert messages(error.value) == [str(services.MSG_LISTED % {"number": case.number})]


def test_an_amendment_over_another_is_refused_not_overwritten(duties, grid_worker, grid):
    file_report(grid_worker, body(grid), W23, nil=True, moment=BEFORE)
    file_report(grid_worker, body(grid), W23, note="补充说明", version=1, moment=BEFORE)
    with pytest.raises(ScreeningInvalid) as error:
        file_report(grid_worker, body(grid), W23, note="我的说明", version=1, moment=BEFORE)
    assert services.MSG_STALE in error.value.errors["__all__"]
    assert ScreeningReport.objects.get().note == "补充说明"


def test_a_note_alone_amends_a_nil_report_and_it_stays_nil(duties, grid_worker, grid):
    file_report(grid_worker, body(grid), W23, nil=True, moment=BEFORE)
    report = file_report(grid_worker, body(grid), W23, note="已走访", moment=BEFORE).report
    assert report.is_nil and report.version == 2


# --------------------------------------------------------------------------- scope


def test_a_grid_worker_cannot_file_for_another_grid_or_the_community(
    duties, grid_worker, grid2, community
):
    for other in (grid2, community):
        with pytest.raises(PermissionDenied):
            file_report(grid_worker, body(other), W23, nil=True, moment=BEFORE)
    assert not ScreeningReport.objects.exists()


def test_a_community_worker_files_for_the_community_and_its_grids_only(
    duties, community_worker, community, grid, other_community
):
    file_report(community_worker, body(community), W23, nil=True, moment=BEFORE)
    file_report(community_worker, body(grid), W23, nil=True, moment=BEFORE)
    with pytest.raises(PermissionDenied):
        file_report(community_worker, body(other_community), W23, nil=True, moment=BEFORE)
    assert ScreeningReport.objects.count() == 2


def test_who_only_views_cannot_file(duties, personas, grid):
    with pytest.raises(PermissionDenied):
        file_report(personas[Role.MEDIATOR], body(grid), W23, nil=True, moment=BEFORE)


# --------------------------------------------------------------------------- bad input


def test_hostile_values_are_refused_with_messages_and_nothing_written(duties, grid_worker, grid):
    case = dispute(community=grid.community, grid=grid)
    with pytest.raises(ScreeningInvalid) as error:
        file_report(
            grid_worker,
            body(grid),
            W23,
            note="x" * 1_000_000,
            links=[
                LinkItem(case.number, "99999999999999999999999"),
                LinkItem("9" * 10_000, 1),
                LinkItem("<script>alert(1)</script>", -1),
            ],
            moment=BEFORE,
        )
    # Counts and lengths are refused before any number is looked up.
    assert keys(error.value) == {"note", "links.0", "links.2"}
    assert not ScreeningReport.objects.exists() and not ScreeningItem.objects.exists()


def test_too_many_disputes_at_once_are_refused(duties, grid_worker, grid):
    links = [LinkItem(str(n), 1) for n in range(services.ITEMS_MAX + 1)]
    with pytest.raises(ScreeningInvalid) as error:
        file_report(grid_worker, body(grid), W23, links=links, moment=BEFORE)
    assert "__all__" in error.value.errors


def test_a_nul_in_the_note_is_dropped(duties, grid_worker, grid):
    report = file_report(grid_worker, body(grid), W23, nil=True, note="a\x00b", moment=BEFORE)
    assert report.report.note == "ab"


# --------------------------------------------------------------------------- new disputes


def test_a_new_dispute_while_registering_is_unavailable_writes_nothing(
    duties, grid_worker, grid, monkeypatch
):
    monkeypatch.setattr(services, "_register_dispute", lambda: (None, ()))
    case = dispute(community=grid.community, grid=grid)
    with pytest.raises(ScreeningInvalid) as error:
        file_report(
            grid_worker,
            body(grid),
            W23,
            links=[LinkItem(case.number, 1)],
            new=[NewItem("楼上漏水", 2)],
            moment=BEFORE,
        )
    assert services.MSG_NO_REGISTER in error.value.errors["__all__"]
    assert not ScreeningReport.objects.exists() and not ScreeningItem.objects.exists()


def test_a_refused_registration_rolls_the_whole_filing_back(duties, grid_worker, grid, monkeypatch):
    from huiyin.cases.exceptions import TransitionRefused

    made = []

    def register(actor, **data):
        made.append(dispute(community=data["community"], grid=data["grid"], title=data["title"]))
        raise TransitionRefused("不予登记")

    monkeypatch.setattr(services, "_register_dispute", lambda: (register, ()))
    with pytest.raises(ScreeningInvalid) as error:
        file_report(grid_worker, body(grid), W23, new=[NewItem("楼上漏水", 2)], moment=BEFORE)
    assert error.value.errors == {"new.0": ["不予登记"]}
    assert made and not Case.objects.filter(pk=made[0].pk).exists()
    assert not ScreeningReport.objects.exists()


def test_new_dispute_fields_are_checked_before_anything_is_registered(
    duties, grid_worker, grid, monkeypatch
):
    called = []
    monkeypatch.setattr(services, "_register_dispute", lambda: (called.append, ()))
    with pytest.raises(ScreeningInvalid) as error:
        file_report(
            grid_worker,
            body(grid),
            W23,
            new=[NewItem("", 0, description="x" * 3000, found_on=date(2026, 5, 1))],
            moment=BEFORE,
        )
    assert {"new.0.title", "new.0.people_count", "new.0.description", "new.0.found_on"} == keys(
        error.value
    )
    assert called == []


def test_a_new_dispute_is_registered_through_the_disputes_kind(duties, grid_worker, grid):
    register_dispute = getattr(
        pytest.importorskip("huiyin.disputes.services"), "register_dispute", None
    )
    if register_dispute is None:
        pytest.skip("huiyin.disputes.services has no register_dispute yet")
    filing = file_report(
        grid_worker,
        body(grid),
        W23,
        new=[
            NewItem("楼上漏水引发邻里纠纷", 2, description="卫生间渗水", found_on=date(2026, 6, 5))
        ],
        moment=BEFORE,
    )
    item = ScreeningItem.objects.get(report=filing.report)
    case = item.case
    assert (case.kind, case.community_id, case.grid_id) == ("dispute", grid.community_id, grid.pk)
    assert (item.how, item.people_count) == ("registered", 2)
    assert case.title == "楼上漏水引发邻里纠纷"


def test_ensure_duties_gives_new_places_a_duty_once_and_never_revives_an_ended_one(
    street, community, grid
):
    assert services.ensure_duties(street) == 2
    assert services.ensure_duties(street) == 0
    from huiyin.screening.models import ScreeningDuty

    duty = ScreeningDuty.objects.get(grid=grid)
    duty.active_to = duty.active_from
    duty.save()
    assert services.ensure_duties(street) == 0
    new_grid = f.GridFactory(community=community)
    assert services.ensure_duties() == 1
    assert ScreeningDuty.objects.get(grid=new_grid).community_id == community.pk


def test_two_first_filings_at_once_are_no_error(
    duties, grid_worker, governance, grid, grid2, monkeypatch
):
    from django.db import IntegrityError

    real = ScreeningReport.objects.create
    raised = []

    def racing_create(**fields):
        # The other tap's report was written between the lookup and this insert.
        if not raised:
            raised.append(True)
            raise IntegrityError("screening_report_once_per_grid")
        return real(**fields)

    monkeypatch.setattr(ScreeningReport.objects, "create", racing_create)
    filing = file_report(grid_worker, body(grid), W23, nil=True, moment=BEFORE)
    assert raised and filing.created and ScreeningReport.objects.count() == 1

    def always(**fields):
        raise IntegrityError("screening_report_once_per_grid")

    monkeypatch.setattr(ScreeningReport.objects, "create", always)
    with pytest.raises(ScreeningInvalid) as error:
        file_report(governance, body(grid2), W23, nil=True, moment=BEFORE)
    assert services.MSG_STALE in error.value.errors["__all__"]
