"""The petition ledger in from Excel or CSV: all rows or none, errors by row, round trip."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from huiyin.cases.models import Case, CaseEvent, Clock
from huiyin.cases.services import withdraw_case
from huiyin.org.roles import Role
from huiyin.petitions import latest
from huiyin.petitions.models import FollowUp, KeyCase, Petition, Petitioner
from huiyin.petitions.tests.factories import ID_1, ID_2, PHONE_1, make_id, step
from huiyin.privacy.models import AuditEntry
from huiyin.reports import stats
from huiyin.reports.ledgers.export import write_ledger
from huiyin.reports.ledgers.petitions import (
    PETITION_COLUMNS,
    PETITION_EXPORT_COLUMNS,
    PETITION_LEDGER_LAYOUT,
    export_petition_ledger,
    import_petition_ledger,
)
from huiyin.reports.tests.test_ledger_export import build_petitions, sheet_rows


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _sync_jobs(settings):
    settings.HUIYIN_JOBS_SYNC = True


@pytest.fixture
def clerk(personas):
    return personas[Role.PETITION_CLERK]


TODAY = timezone.localdate


def day(n: int) -> date:
    return TODAY() - timedelta(days=n)


def row(**overrides) -> dict:
    values = {
        "序号": 1,
        "登记日期": day(30),
        "信访形式": "来访",
        "信访层级": "街道",
        "是否集体访": "否",
        "人数": 1,
        "信访人": "张三",
        "身份证号": ID_1,
        "联系电话": PHONE_1,
        "所属社区": "柑子园社区",
        "问题类别": "物业管理",
        "信访事项": "小区电梯长期故障",
        "被反映单位": "",
        "责任单位": "城建办",
        "包案领导": "",
        "办理状态": "已受理",
        "受理日期": day(28),
        "答复日期": None,
        "办结日期": None,
        "是否重复信访": "否",
        "满意度": "",
    }
    values.update(overrides)
    return values


#: The columns an office's ledger has (the export adds 信访编号 and 办理结果).
OFFICE_LAYOUT = tuple(column for column in PETITION_LEDGER_LAYOUT if column[0] in PETITION_COLUMNS)


def ledger(rows: list[dict]) -> io.BytesIO:
    out = io.BytesIO()
    write_ledger(
        out,
        title="信访台账",
        subtitle="填报单位：测试",
        columns=OFFICE_LAYOUT,
        rows=[[r[c] for c in PETITION_COLUMNS] for r in rows],
    )
    out.seek(0)
    return out


def run(data, actor, *, filename="台账.xlsx", **kwargs):
    return import_petition_ledger(data, filename=filename, actor=actor, **kwargs)


# --------------------------------------------------------------------------- round trip


def test_it_round_trips_a_ledger_exactly(personas, community, other_community, unit, clerk):
    made = build_petitions(personas, community, other_community, unit)
    # The dates the Regulations make count: the petitioner told of the decision (art. 23) of
    # the accepted matter and of the decline; the concluded matter's reply delivered in person
    # and its review and re-examination answered by the street (art. 35, 36).
    for name, manner in (("national", "written"), ("repeat", "in_person")):
        step(made[name].case, "record_notice", clerk, told_on=TODAY(), told_manner=manner)
    first = io.BytesIO()
    assert export_petition_ledger(first, user=clerk, params={}, with_identity=True) == 7
    cells = [
        dict(zip(PETITION_EXPORT_COLUMNS, r, strict=True)) for r in sheet_rows(first.getvalue())[3:]
    ]
    by_number = {c["信访编号"]: c for c in cells}
    national = by_number[made["national"].case.number]
    assert national["告知日期"].date() == TODAY() and national["告知方式"] == "书面"
    assert by_number[made["repeat"].case.number]["告知方式"] == "当面"
    concluded = by_number[made["concluded"].case.number]
    assert concluded["送达日期"].date() == concluded["答复日期"].date()
    assert concluded["送达方式"] == "当面送达"
    assert concluded["复查机关"] == concluded["复核机关"] == "本街道办事处"
    # An empty Huiyin as far as the ledger goes: every petition withdrawn (never deleted).
    for case in Case.objects.filter(kind="petition"):
        withdraw_case(case, actor=clerk, version=case.version, reason="测试")
    first.seek(0)
    report = run(first, clerk, filename="ledger.xlsx")
    assert report.ok, report.errors
    assert report.imported == 7
    second = io.BytesIO()
    export_petition_ledger(second, user=clerk, params={}, with_identity=True)
    before, after = sheet_rows(first.getvalue()), sheet_rows(second.getvalue())
    assert len(after) == len(before) == 3 + 7
    for column, name in enumerate(PETITION_EXPORT_COLUMNS):
        if name == "信访编号":  # numbered anew by Huiyin (the ledger's own is on the event)
            continue
        assert [r[column] for r in after[3:]] == [r[column] for r in before[3:]], name
    # And the clocks they start or stop: the notice stopped on the day told, the review window
    # from the day delivered.
    alive = Case.objects.filter(kind="petition", withdrawn=False)
    told = alive.get(title=made["national"].case.title)
    notice = Clock.objects.get(case=told, code="acceptance_notice")
    assert (notice.stopped_on, told.petition.notice_manner) == (TODAY(), "written")
    replied = alive.get(title=made["replied"].case.title)
    window = Clock.objects.get(case=replied, code="review_request")
    assert window.started_on == replied.petition.reply_delivered_on
    assert replied.petition.reply_delivered_manner == "in_person"


def test_it_keeps_the_state_dates_and_clocks_of_imported_petitions(clerk, personas):
    rows = [
        row(信访人="甲", 身份证号=""),  # accepted: handling clock running
        row(
            序号=2,
            信访人="乙",
            身份证号="",
            办理状态="已办结",
            受理日期=day(28),
            答复日期=day(20),
            办结日期=day(18),
            满意度="基本满意",
        ),
        row(序号=3, 信访人="丙", 身份证号="", 办理状态="已登记", 受理日期=None),
    ]
    report = run(ledger(rows), clerk)
    assert report.ok, report.errors
    accepted, concluded, registered = (
        Case.objects.filter(kind="petition").order_by("id").select_related("petition")
    )
    assert accepted.status == "accepted"
    assert accepted.received_on == day(30)
    handling = Clock.objects.get(case=accepted, code="handling")
    assert handling.started_on == day(28) and handling.stopped_at is None
    assert accepted.due_on == handling.due_on
    decision = Clock.objects.get(case=accepted, code="acceptance_notice")
    assert decision.stopped_on == day(28) and decision.outcome == "met"

    assert concluded.status == "concluded" and concluded.closed_at is not None
    assert concluded.petition.replied_on == day(20)
    assert concluded.petition.concluded_on == day(18) + timedelta(0)
    assert Clock.objects.get(case=concluded, code="handling").outcome == "met"
    assert concluded.due_on is None
    assert FollowUp.objects.get(petition=concluded.petition).satisfaction == "basically_satisfied"
    # The latest handling outcome and rating the row brought, as the database's triggers
    # compute them (huiyin/petitions/latest.py).
    assert (concluded.petition.latest_handling, concluded.petition.latest_rating) == (
        "met",
        "basically_satisfied",
    )
    assert (accepted.petition.latest_handling, accepted.petition.latest_rating) == (None, None)
    assert latest.drift(connection) == 0

    assert registered.status == "registered"
    assert Clock.objects.filter(case=registered, stopped_at__isnull=True).count() == 2

    event = CaseEvent.objects.get(case=accepted, kind="imported")
    assert event.data["source"] == "台账.xlsx" and event.data["row"] == 4
    entry = AuditEntry.objects.get(action="ledger.import")
    assert entry.diff["imported"] == 3 and entry.actor == clerk
    assert Case.objects.get(pk=concluded.pk).number.startswith("浓洄信〔")


def test_it_imports_petitions_that_the_statistics_count(clerk):
    rows = [
        row(信访层级="北京", 信访人="甲", 身份证号=""),
        row(序号=2, 是否集体访="是", 人数=15, 信访人="乙、丙", 身份证号="", 信访事项="集体讨薪"),
    ]
    assert run(ledger(rows), clerk).ok
    figures = stats.compute(stats.Period(day(60), TODAY()))
    assert figures["petitions"]["batches"] == 2
    assert figures["petitions"]["headcount"] == 16
    assert figures["petitions"]["visits_by_level"]["national"] == {"batches": 1, "headcount": 1}
    assert figures["petitions"]["collective"] == {"batches": 1, "headcount": 15}
    assert figures["goals"]["zero_national"] is False


def test_it_links_a_repeat_to_the_earlier_petition_of_the_same_person(clerk):
    rows = [
        row(序号=1, 是否重复信访="是", 登记日期=day(10), 受理日期=day(9), 信访事项="再次反映"),
        row(序号=2, 登记日期=day(30)),
    ]
    report = run(ledger(rows), clerk)
    assert report.ok
    later = Petition.objects.get(case__title="再次反映")
    assert later.repeat_of.case.title == "小区电梯长期故障"
    assert stats.compute(stats.Period(day(60), TODAY()))["petitions"]["repeat"] == 1


def test_it_warns_when_a_repeat_has_no_earlier_petition(clerk):
    report = run(ledger([row(是否重复信访="是")]), clerk)
    assert report.ok and report.imported == 1
    assert [w.column for w in report.warnings] == ["是否重复信访"]


# --------------------------------------------------------------------------- all or none


def test_it_imports_nothing_when_one_row_is_bad_and_reports_that_row(clerk):
    rows = [row(序号=n, 信访人=f"人{n}", 身份证号="") for n in range(1, 6)]
    rows[2]["登记日期"] = "2026年13月40日"
    report = run(ledger(rows), clerk)
    assert not report.ok
    assert report.imported == 0
    assert [(e.row, e.column) for e in report.errors] == [(6, "登记日期")]
    assert report.errors[0].letter == "B"
    assert report.errors[0].value == "2026年13月40日"
    assert Case.objects.count() == 0
    assert not AuditEntry.objects.filter(action="ledger.import").exists()


def test_it_rolls_back_everything_when_writing_fails_half_way(clerk, monkeypatch):
    from huiyin.reports.ledgers import petitions_write as module

    monkeypatch.setattr(module, "BATCH", 2)
    calls = {"n": 0}
    original = module._Writer.write

    def failing(self, rows):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return original(self, rows)

    monkeypatch.setattr(module._Writer, "write", failing)
    rows = [row(序号=n, 信访人=f"人{n}", 身份证号="") for n in range(1, 6)]
    with pytest.raises(RuntimeError):
        run(ledger(rows), clerk)
    assert Case.objects.count() == 0
    assert Petitioner.objects.count() == 0


def test_it_inserts_each_batch_in_a_writer_thread_while_preparing_the_next(clerk, monkeypatch):
    import threading

    from huiyin.reports.ledgers import petitions_write as module

    monkeypatch.setattr(module, "BATCH", 2)
    threads = []
    original = module._insert

    def recording(*args):
        threads.append(threading.current_thread().name)
        return original(*args)

    monkeypatch.setattr(module, "_insert", recording)
    rows = [
        row(序号=n, 信访人=f"人{n}", 身份证号=make_id(f"1101051990030712{n}"), 信访事项=f"事项{n}")
        for n in (1, 2, 3, 4)
    ]
    rows.append(
        row(
            序号=5,
            信访人="人1",
            身份证号=make_id("11010519900307121"),
            信访事项="事项5",
            是否重复信访="是",
            登记日期=day(5),
            受理日期=day(4),
        )
    )
    report = run(ledger(rows), clerk)
    assert report.ok, report.errors
    assert report.imported == 5
    # Batches 1 and 2 in the writer thread while 2 and 3 were prepared; the last one after.
    assert threads == ["ledger-import-writer", "ledger-import-writer", "MainThread"]
    cases = list(Case.objects.filter(kind="petition").order_by("id"))
    assert [c.title for c in cases] == [f"事项{n}" for n in (1, 2, 3, 4, 5)]
    for case in cases:
        assert [p.name for p in Petitioner.objects.filter(petition_id=case.pk)] == [
            "人" + ("1" if case.title == "事项5" else case.title.removeprefix("事项"))
        ]
        assert CaseEvent.objects.filter(case=case, kind="imported").count() == 1
        assert Clock.objects.filter(case=case, code="handling").count() == 1
    assert Petition.objects.get(case__title="事项5").repeat_of.case.title == "事项1"


def test_a_bad_row_after_batches_went_in_undoes_them_and_every_error_is_still_reported(
    clerk, monkeypatch
):
    """Valid batches are inserted while the sheet is read; a later error rolls them back."""
    from huiyin.reports.ledgers import petitions_write as module

    monkeypatch.setattr(module, "BATCH", 2)
    inserted = []
    original = module._insert
    monkeypatch.setattr(module, "_insert", lambda *args: inserted.append(1) or original(*args))
    rows = [row(序号=n, 信访人=f"人{n}", 身份证号="", 信访事项=f"事项{n}") for n in range(1, 9)]
    rows[5]["登记日期"] = "2026年13月40日"  # sheet row 9, in the third batch
    rows[7]["所属社区"] = "不存在社区"  # sheet row 11, after the error: still checked
    report = run(ledger(rows), clerk)
    assert inserted  # the first batches did go in before the error was met
    assert not report.ok and report.imported == 0
    assert [(e.row, e.column) for e in report.errors] == [(9, "登记日期"), (11, "所属社区")]
    assert Case.objects.count() == 0
    assert Petitioner.objects.count() == 0
    assert Clock.objects.count() == 0
    assert not AuditEntry.objects.filter(action="ledger.import").exists()


def test_a_row_repeated_in_a_later_batch_is_an_error_not_a_skip(clerk, monkeypatch):
    from huiyin.reports.ledgers import petitions_write as module

    monkeypatch.setattr(module, "BATCH", 2)
    rows = [row(序号=n, 信访人=f"人{n}", 身份证号="", 信访事项=f"事项{n}") for n in range(1, 6)]
    rows[4] = row(序号=5, 信访人="人1", 身份证号="", 信访事项="事项1")  # as row 1
    report = run(ledger(rows), clerk)
    assert not report.ok
    assert [(e.row, e.column) for e in report.errors] == [(8, "信访事项")]
    assert report.duplicates == []
    assert Case.objects.count() == 0


def test_it_links_repeats_to_an_earlier_row_further_down_or_to_huiyin(clerk, monkeypatch):
    from huiyin.reports.ledgers import petitions_write as module

    before = run(ledger([row(序号=1, 身份证号=ID_2, 信访人="李四", 登记日期=day(60))]), clerk)
    assert before.ok
    monkeypatch.setattr(module, "BATCH", 2)
    rows = [
        # A repeat whose earlier petition is the last row of the file (an earlier date).
        row(序号=1, 是否重复信访="是", 登记日期=day(5), 受理日期=day(4), 信访事项="第三次"),
        row(序号=2, 信访人="王五", 身份证号="", 信访事项="无关"),
        # A repeat of the petition imported before, in Huiyin already.
        row(序号=3, 身份证号=ID_2, 信访人="李四", 是否重复信访="是", 信访事项="李四再访"),
        row(序号=4, 是否重复信访="是", 登记日期=day(20), 受理日期=day(19), 信访事项="第二次"),
        row(序号=5, 登记日期=day(40), 受理日期=day(39), 信访事项="第一次"),
    ]
    report = run(ledger(rows), clerk)
    assert report.ok, report.errors
    assert not [w for w in report.warnings if w.column == "是否重复信访"]

    def earlier(title: str) -> str:
        return Petition.objects.get(case__title=title).repeat_of.case.title

    assert earlier("第三次") == "第二次"
    assert earlier("第二次") == "第一次"
    assert earlier("李四再访") == "小区电梯长期故障"


def test_it_rolls_back_everything_when_the_writer_thread_fails(clerk, monkeypatch):
    from huiyin.reports.ledgers import petitions_write as module

    monkeypatch.setattr(module, "BATCH", 2)
    calls = {"n": 0}
    original = module._insert

    def failing(*args):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return original(*args)

    monkeypatch.setattr(module, "_insert", failing)
    rows = [row(序号=n, 信访人=f"人{n}", 身份证号="") for n in range(1, 6)]
    with pytest.raises(RuntimeError, match="disk full"):
        run(ledger(rows), clerk)
    assert calls["n"] == 2
    assert Case.objects.count() == 0
    assert Petitioner.objects.count() == 0
    assert Clock.objects.count() == 0
    assert not AuditEntry.objects.filter(action="ledger.import").exists()


def test_it_names_the_allowed_communities_for_an_unknown_one(clerk, community, other_community):
    report = run(ledger([row(所属社区="幸福社区")]), clerk)
    assert not report.ok
    (error,) = report.errors
    assert error.column == "所属社区"
    assert "柑子园社区" in error.reason and "翠屏路社区" in error.reason
    assert "幸福社区" in error.reason


def test_it_names_the_allowed_categories_for_an_unknown_one(clerk):
    report = run(ledger([row(问题类别="外星人")]), clerk)
    (error,) = report.errors
    assert error.column == "问题类别"
    assert "物业管理" in error.reason and "土地征收" in error.reason


def test_it_keeps_an_unknown_unit_as_written_with_a_warning(clerk):
    rows = [
        row(责任单位="区水务局", 被反映单位="某物业公司", 包案领导="李局长"),
        row(序号=2, 信访人="李四", 身份证号=ID_2, 责任单位="区水务局"),
    ]
    report = run(ledger(rows), clerk)
    assert report.ok and report.imported == 2
    warnings = {(w.column, w.value): w for w in report.warnings}
    assert warnings[("责任单位", "区水务局")].rows == [4, 5]
    assert warnings[("责任单位", "区水务局")].count == 2
    assert ("被反映单位", "某物业公司") in warnings
    assert ("包案领导", "李局长") in warnings
    case = Case.objects.select_related("petition").get(petition__petitioners__name_masked="张*")
    assert case.owner_unit is None
    assert case.petition.complained_text == "某物业公司"
    event = case.events.get(kind="imported")
    assert event.data["kept"] == {"owner_unit": "区水务局", "key_leader": "李局长"}


def test_it_makes_a_key_case_when_leader_and_unit_are_known(clerk, personas, unit):
    leader = personas[Role.LEADER].staff
    report = run(ledger([row(包案领导=leader.name, 责任单位=unit.name)]), clerk)
    assert report.ok and not report.warnings
    key_case = KeyCase.objects.get()
    assert key_case.leader == leader and key_case.responsible_unit == unit


@pytest.mark.parametrize(
    ("overrides", "column"),
    [
        ({"人数": 0}, "人数"),
        ({"人数": "两人"}, "人数"),
        ({"身份证号": "110105199003071230"}, "身份证号"),
        ({"联系电话": "12345"}, "联系电话"),
        ({"信访形式": "托梦"}, "信访形式"),
        ({"信访层级": "火星"}, "信访层级"),
        ({"办理状态": "研究中"}, "办理状态"),
        ({"满意度": "很好"}, "满意度"),
        ({"信访人": ""}, "信访人"),
        ({"信访事项": "  "}, "信访事项"),
        ({"登记日期": None}, "登记日期"),
        ({"答复日期": "明天", "办理状态": "已答复"}, "答复日期"),
        ({"受理日期": None}, "受理日期"),  # 已受理 needs the date of acceptance
        ({"办理状态": "已登记"}, "受理日期"),  # ... and 已登记 cannot have one
        ({"答复日期": day(29), "办理状态": "已答复", "受理日期": day(28)}, "答复日期"),
        ({"受理日期": day(31)}, "受理日期"),  # before the date received
        ({"登记日期": TODAY() + timedelta(days=2), "受理日期": None, "办理状态": ""}, "登记日期"),
        ({"办结日期": day(1)}, "办结日期"),  # 已受理 cannot have a conclusion date
        ({"满意度": "满意"}, "满意度"),  # a satisfaction without a reply
        ({"信访人": "张*"}, "信访人"),  # a masked export
        ({"身份证号": "110105********1234"}, "身份证号"),
        ({"信访人": "张三", "身份证号": f"{ID_1}、{ID_2}"}, "身份证号"),  # more IDs than people
        ({"是否集体访": "是", "人数": None}, "人数"),
        ({"人数": 1, "信访人": "张三、李四", "身份证号": ""}, "人数"),
        ({"被反映单位": "城建办", "责任单位": "城建办"}, "责任单位"),
    ],
)
def test_it_refuses_bad_cells_with_a_reason(clerk, unit, overrides, column):
    report = run(ledger([row(**overrides)]), clerk)
    assert not report.ok
    assert column in [e.column for e in report.errors], report.errors
    assert all(e.reason for e in report.errors)
    assert Case.objects.count() == 0


def test_it_masks_personal_data_in_the_error_report(clerk):
    bad = make_id("11010519900307123")[:-1] + (
        "0" if make_id("11010519900307123")[-1] != "0" else "1"
    )
    report = run(ledger([row(身份证号=bad)]), clerk)
    (error,) = report.errors
    assert error.value == bad[:6] + "********" + bad[-4:]
    assert bad not in error.reason


def test_it_refuses_a_row_repeated_within_the_file(clerk):
    report = run(ledger([row(), row(序号=2)]), clerk)
    assert [(e.row, e.column) for e in report.errors] == [(5, "信访事项")]
    assert "4" in report.errors[0].reason


def test_it_skips_petitions_already_in_huiyin_on_a_second_import(clerk):
    rows = [row(), row(序号=2, 信访人="李四", 身份证号="", 信访事项="噪音扰民")]
    assert run(ledger(rows), clerk).imported == 2
    rows.append(row(序号=3, 信访人="王五", 身份证号="", 信访事项="路灯损坏"))
    again = run(ledger(rows), clerk)
    assert again.ok
    assert again.imported == 1
    assert [d.row for d in again.duplicates] == [4, 5]
    assert Case.objects.filter(kind="petition").count() == 3


def test_it_checks_without_importing_on_a_dry_run(clerk):
    report = run(ledger([row()]), clerk, dry_run=True)
    assert report.ok and report.rows == 1 and report.imported == 0
    assert Case.objects.count() == 0


def test_it_refuses_rows_outside_the_importers_scope(personas, community, other_community):
    from huiyin.testing import factories as f

    worker = f.person(Role.PETITION_CLERK, username="clerk-cz", community=community)
    report = run(ledger([row(所属社区="翠屏路社区")]), worker)
    assert [e.column for e in report.errors] == ["所属社区"]
    assert run(ledger([row()]), worker).ok


def test_it_refuses_people_who_may_not_import(personas):
    for role in (Role.DEPARTMENT_HANDLER, Role.LEADER, Role.GOVERNANCE_STAFF):
        with pytest.raises(PermissionDenied):
            run(ledger([row()]), personas[role])


def test_it_lets_an_administrator_import(personas):
    assert run(ledger([row()]), personas[Role.ADMINISTRATOR]).ok


def test_it_reports_an_unreadable_file_without_a_traceback(clerk):
    report = run(io.BytesIO(b"not a workbook"), clerk)
    assert report.file_error and not report.ok
    report = run(io.BytesIO(b"x"), clerk, filename="old.xls")
    assert ".xlsx" in report.file_error


# --------------------------------------------------------------------------- messy sheets


def messy_workbook() -> io.BytesIO:
    """What a real office sheet looks like."""
    wb = Workbook()
    ws = wb.active
    ws.append(["浓洄街道2025年信访工作台账"])
    ws.merge_cells("A1:H1")
    ws.append(["填报单位：信访办", None, None, "时间：2025年"])
    ws.append(
        [
            "序\n号",
            " 登记 日期 ",
            "信访\n形式",
            "信访层级",
            "集体访",
            "人数",
            "姓名",
            "身份证号码",
            "电话",
            "社区",
            "问题类型",
            "反映问题",
            "承办单位",
            "状态",
            "受理时间",
        ]
    )
    ws.append(
        [
            1,
            46000,
            "来访",
            "北京",
            "否",
            "１",
            "甲某",
            None,
            None,
            "柑子园社区 ",
            "物业管理",
            "电梯故障",
            "城建办",
            "已受理",
            "2025.12.10",
        ]
    )
    ws.append([])
    ws.append(
        [
            2,
            "2025.12.3",
            "来信",
            "赴省",
            "是",
            "５人",
            "乙某、丙某",
            None,
            "１３８１２３４５６７８",
            "翠屏路",
            "劳动社保",
            "讨薪",
            "",
            "已登记",
            None,
        ]
    )
    ws.append(
        [
            3,
            "2025年12月5日",
            "网上",
            "街道",
            "否",
            1,
            "丁某",
            None,
            None,
            "柑子园社区",
            "",
            "噪音",
            "社事办",
            "已受理",
            "2025/12/06",
        ]
    )
    ws.append(["合计", None, None, None, None, 7])
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def test_it_imports_a_messy_office_sheet(clerk, community, other_community):
    report = run(messy_workbook(), clerk, filename="2025台账.xlsx")
    assert report.ok, report.errors
    assert report.imported == 3
    assert [s.reason for s in report.skipped] == ["totals"]
    cases = list(
        Case.objects.filter(kind="petition").order_by("received_at").select_related("petition")
    )
    first = next(c for c in cases if c.title == "电梯故障")
    assert first.received_on == date(2025, 12, 9)  # Excel serial 46000
    assert first.petition.level == "national"
    assert first.petition.accept_decision_on == date(2025, 12, 10)
    second = next(c for c in cases if c.title == "讨薪")
    assert second.community == other_community
    assert second.petition.headcount == 5 and second.petition.is_collective
    assert second.received_on == date(2025, 12, 3)
    assert Petitioner.objects.filter(petition=second.petition).count() == 2
    third = next(c for c in cases if c.title == "噪音")
    assert third.received_on == date(2025, 12, 5)
    assert third.category is None
    assert [w.value for w in report.warnings] == ["社事办"]


def test_it_imports_a_csv_ledger_in_gb18030(clerk, community):
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["信访台账"])
    writer.writerow(["登记日期", "信访形式", "信访人", "所属社区", "信访事项", "办理状态"])
    writer.writerow(["2025-9-3", "来电", "张三", "柑子园社区", "路面塌陷", "已登记"])
    data = io.BytesIO(text.getvalue().encode("gb18030"))
    report = run(data, clerk, filename="台账.csv")
    assert report.ok, report.errors
    assert Case.objects.get().petition.channel == "phone"


# --------------------------------------------------------------------------- the page


def test_it_refuses_the_upload_page_to_a_handler(client, personas):
    client.force_login(personas[Role.DEPARTMENT_HANDLER])
    assert client.get(reverse("reports:ledger_import")).status_code == 403
    upload = SimpleUploadedFile("台账.xlsx", ledger([row()]).getvalue())
    assert client.post(reverse("reports:ledger_import"), {"file": upload}).status_code == 403
    assert Case.objects.count() == 0


def test_it_imports_an_upload_and_shows_the_result(client, clerk):
    client.force_login(clerk)
    upload = SimpleUploadedFile("台账.xlsx", ledger([row()]).getvalue())
    response = client.post(reverse("reports:ledger_import"), {"file": upload}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="import-ok"' in page
    assert Case.objects.filter(kind="petition").count() == 1


def test_it_shows_the_errors_and_offers_the_error_sheet(client, clerk):
    client.force_login(clerk)
    upload = SimpleUploadedFile("台账.xlsx", ledger([row(所属社区="幸福社区")]).getvalue())
    response = client.post(reverse("reports:ledger_import"), {"file": upload}, follow=True)
    page = response.content.decode()
    assert 'id="import-failed"' in page
    assert "幸福社区" in page
    link = reverse("reports:job_download", args=[response.context["job"].id])
    assert link in page
    sheet = client.get(link)
    assert sheet.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(sheet.streaming_content))).active
    assert [c.value for c in ws[3]] == ["行号", "列", "列名", "内容", "问题"]
    assert ws["A4"].value == 4 and ws["C4"].value == "所属社区"
    assert AuditEntry.objects.filter(action="download").exists()
    assert Case.objects.count() == 0


def test_it_refuses_a_file_that_is_not_a_ledger_on_the_form(client, clerk):
    client.force_login(clerk)
    upload = SimpleUploadedFile("note.txt", b"hello")
    response = client.post(reverse("reports:ledger_import"), {"file": upload})
    assert response.status_code == 200
    assert 'data-error-for="file"' in response.content.decode()
    response = client.post(reverse("reports:ledger_import"), {})
    assert 'data-error-for="file"' in response.content.decode()


def test_it_deletes_the_uploaded_file_after_reading_it(client, clerk, settings):
    client.force_login(clerk)
    upload = SimpleUploadedFile("台账.xlsx", ledger([row()]).getvalue())
    response = client.post(reverse("reports:ledger_import"), {"file": upload}, follow=True)
    job = response.context["job"]
    from huiyin.reports.jobs import job_dir

    assert not list(job_dir(job.id).glob("upload*"))


# --------------------------------------------------------------------------- the command


def test_it_imports_from_the_command_line_with_an_exit_code(tmp_path, clerk, capsys):
    good = tmp_path / "good.xlsx"
    good.write_bytes(ledger([row()]).getvalue())
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(ledger([row(所属社区="幸福社区")]).getvalue())
    with pytest.raises(SystemExit) as exit_info:
        call_command("import-ledger", str(bad), "--kind", "petitions", "--user", "clerk")
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "幸福社区" in err and "4" in err
    assert Case.objects.count() == 0
    call_command("import-ledger", str(good), "--kind", "petitions", "--user", "clerk", "--dry-run")
    assert Case.objects.count() == 0
    call_command("import-ledger", str(good), "--kind", "petitions", "--user", "clerk")
    assert Case.objects.filter(kind="petition").count() == 1


def test_a_duplicate_the_importer_may_not_open_is_skipped_without_its_number(clerk):
    """A petition about the importer (条例 art. 30) is still found as a duplicate, but its
    number is not told to them."""
    from huiyin.petitions.models import Petition
    from huiyin.testing import factories as f

    assert run(ledger([row()]), clerk).imported == 1
    case = Case.objects.get(kind="petition")
    other = f.person(Role.PETITION_CLERK, username="clerk-named")
    Petition.objects.filter(pk=case.pk).update(complained_staff=other.staff)
    assert not Case.objects.visible_to(other).filter(pk=case.pk).exists()

    again = run(ledger([row()]), other)
    assert again.ok and again.imported == 0
    assert [d.row for d in again.duplicates] == [4]
    assert case.number not in again.duplicates[0].reason
    shown = run(ledger([row()]), clerk)
    assert case.number in shown.duplicates[0].reason
