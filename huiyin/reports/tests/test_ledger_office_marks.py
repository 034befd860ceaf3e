"""Ledgers keep what the office wrote: a decline without its date, the office's own repeat
mark, the case number and outcome in the export, the web's status labels, names one to a line,
and an export that imports back to the same figures."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from huiyin.cases.models import Case, Clock
from huiyin.cases.services import withdraw_case
from huiyin.org.roles import Role
from huiyin.petitions.models import Petition
from huiyin.petitions.tests.factories import bring_to, days_ago, make_id, register, step
from huiyin.reports import stats
from huiyin.reports.ledgers.cells import parse_choice
from huiyin.reports.ledgers.petitions import (
    LEDGER_STATUSES,
    PETITION_EXPORT_COLUMNS,
    export_petition_ledger,
    import_petition_ledger,
)
from huiyin.reports.ledgers.petitions_check import MSG_DECISION_DATE_UNKNOWN
from huiyin.reports.ledgers.petitions_export import status_labels
from huiyin.reports.ledgers.petitions_import import MSG_NO_EARLIER
from huiyin.reports.tests.test_ledger_export import build_petitions

ID_4 = make_id("51130219800202004")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def clerk(personas):
    return personas[Role.PETITION_CLERK]


def day(n: int) -> date:
    return timezone.localdate() - timedelta(days=n)


def period() -> stats.Period:
    return stats.Period(day(90), timezone.localdate())


# --------------------------------------------------------------------------- an office's ledger

#: Two header rows: the people and the handling dates under merged group labels.
UPPER = [
    "序号",
    "登记日期",
    "信访人信息",
    None,
    None,
    "所属社区",
    "信访形式",
    "信访事项",
    "办理状态",
    "办理情况",
    None,
    "重复信访",
    "处理结果",
]
LOWER = [None, None, "姓名", "身份证号码", "电话", None, None, None, None, "受理日期", "办结日期"]


def office_ledger(rows: list[list]) -> io.BytesIO:
    """A ledger as an office keeps it: a title row, a unit line, a two-level merged header."""
    wb = Workbook()
    ws = wb.active
    ws.append(["浓洄街道2025年信访工作台账"])
    ws.merge_cells("A1:M1")
    ws.append(["填报单位：浓洄街道信访办"])
    ws.merge_cells("A2:M2")
    ws.append(UPPER)
    ws.append(LOWER)
    for cells in ("A3:A4", "B3:B4", "C3:E3", "F3:F4", "G3:G4", "H3:H4", "I3:I4", "J3:K3"):
        ws.merge_cells(cells)
    for cells in ("L3:L4", "M3:M4"):
        ws.merge_cells(cells)
    for values in rows:
        ws.append(values)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def declined_without_date() -> list:
    return [
        1,
        day(40),
        "甲某",
        None,
        None,
        "柑子园社区",
        "来访",
        "要求撤销法院判决",
        "不予受理",
        None,  # 受理日期 left blank, as offices often do
        None,
        "否",
        "属于诉讼事项，已告知向人民法院申请再审",
    ]


def marked_repeats() -> list[list]:
    """Three rows the office marked 重复信访 = 是 whose earlier petitions are not in Huiyin."""
    return [
        [2, day(30), "乙某", ID_4, None, "柑子园社区", "来电", "再次反映噪音", "已受理", day(29)]
        + [None, "是", None],
        [3, day(20), "丙某", None, None, "翠屏路社区", "来信", "再次反映漏水", "已受理", day(19)]
        + [None, "是", None],
        [4, day(10), "丁某", None, None, "柑子园社区", "来访", "再次反映路灯", "已登记", None]
        + [None, "是", None],
    ]


def test_a_decline_without_its_date_is_imported_with_a_warning_and_no_date(
    client, clerk, community, other_community
):
    report = import_petition_ledger(
        office_ledger([declined_without_date()]), filename="2025台账.xlsx", actor=clerk
    )
    assert report.ok, report.errors
    assert report.imported == 1
    assert report.error_count == 0
    [warning] = report.warnings
    assert (warning.column, warning.rows) == ("受理日期", [5])
    assert warning.reason == str(MSG_DECISION_DATE_UNKNOWN)

    case = Case.objects.select_related("petition").get(kind="petition")
    assert case.status == "declined"
    assert case.petition.accept_decision_on is None  # unknown, not guessed
    assert case.petition.decline_reason == "属于诉讼事项，已告知向人民法院申请再审"
    # The decision stopped the acceptance clocks on a day nobody knows: no date, no outcome.
    decision = Clock.objects.filter(case=case, code__in=["register_transfer", "acceptance_notice"])
    assert decision.count() == 2
    for clock in decision:
        assert clock.stopped_at is not None
        assert clock.stopped_on is None
        assert clock.outcome == ""
    assert case.due_on is None  # nothing of the office's left running, nothing overdue

    figures = stats.compute(period(), user=clerk)["petitions"]
    assert figures["declined"] == 1
    assert figures["overdue_open"] == 0
    assert figures["on_time"]["met"] == figures["on_time"]["late"] == 0

    client.force_login(clerk)
    page = client.get(reverse("petitions:detail", args=[case.pk])).content.decode()
    assert "Met in time" not in page


def test_a_decline_with_its_date_and_a_conclusion_is_a_declined_matter_since_concluded(
    clerk, community, other_community
):
    row = declined_without_date()
    row[9], row[10] = day(38), day(35)
    report = import_petition_ledger(office_ledger([row]), filename="2025台账.xlsx", actor=clerk)
    assert report.ok, report.errors
    assert report.warnings == []
    case = Case.objects.select_related("petition").get(kind="petition")
    assert case.status == "concluded"
    assert case.petition.accept_decision_on == day(38)
    assert case.petition.decline_reason.startswith("属于诉讼事项")
    notice = Clock.objects.get(case=case, code="acceptance_notice")
    assert notice.stopped_on == day(38) and notice.outcome == "met"
    _count, rows = export(clerk)
    assert rows[0]["办理状态"] == "不予受理"


def test_the_offices_repeat_mark_counts_without_an_earlier_petition(
    clerk, community, other_community
):
    report = import_petition_ledger(
        office_ledger(marked_repeats()), filename="2025台账.xlsx", actor=clerk
    )
    assert report.ok, report.errors
    assert report.imported == 3
    [warning] = report.warnings
    assert (warning.column, warning.count) == ("是否重复信访", 3)
    assert warning.reason == str(MSG_NO_EARLIER)
    assert Petition.objects.filter(is_repeat=True, repeat_of__isnull=True).count() == 3
    _count, rows = export(clerk)
    assert [r["是否重复信访"] for r in rows] == ["是", "是", "是"]


def test_the_repeat_figure_equals_the_ledgers_count_of_repeat_marks(
    clerk, community, other_community
):
    rows = [declined_without_date(), *marked_repeats()]
    report = import_petition_ledger(office_ledger(rows), filename="2025台账.xlsx", actor=clerk)
    assert report.ok, report.errors
    figures = stats.compute(period(), user=clerk)["petitions"]  # as the dashboard asks
    assert figures["repeat"] == 3
    assert figures["first"] == 1


def test_a_link_to_an_earlier_petition_always_marks_a_repeat(clerk, community):
    earlier = register(clerk, community=community, received_at=days_ago(30))
    later = register(clerk, community=community, received_at=days_ago(5), repeat_of=earlier.pk)
    assert Petition.objects.get(pk=later.pk).is_repeat is True
    assert Petition.objects.get(pk=earlier.pk).is_repeat is False
    later.is_repeat = False
    later.save(update_fields=["repeat_of"])
    assert Petition.objects.get(pk=later.pk).is_repeat is True


# --------------------------------------------------------------------------- the export


def export(user, **kwargs) -> tuple[int, list[dict]]:
    out = io.BytesIO()
    count = export_petition_ledger(out, user=user, params={}, with_identity=True, **kwargs)
    ws = load_workbook(io.BytesIO(out.getvalue())).active
    rows = [[cell.value for cell in row] for row in ws.iter_rows(min_row=4)]
    return count, [dict(zip(PETITION_EXPORT_COLUMNS, row, strict=True)) for row in rows]


@pytest.fixture
def handled(personas, community, other_community, unit):
    """build_petitions() and the later stages the web shows with their own labels."""
    clerk = personas[Role.PETITION_CLERK]
    made = build_petitions(personas, community, other_community, unit)
    made["review"] = p = register(clerk, community=community, received_at=days_ago(35))
    bring_to(p, "review_requested", personas, unit=unit)
    made["reexam"] = p = register(
        clerk, community=other_community, received_at=days_ago(33), title="宅基地纠纷"
    )
    bring_to(p, "reexam_requested", personas, unit=unit)
    made["declined_concluded"] = p = register(
        clerk, community=community, received_at=days_ago(31), title="要求追究法官责任"
    )
    case = bring_to(p, "declined", personas, unit=unit)
    step(case, "record_notice", clerk, told_on=timezone.localdate(), told_manner="written")
    step(case, "conclude", clerk)
    return made


def test_the_export_adds_the_case_number_and_the_outcome(personas, handled):
    _count, rows = export(personas[Role.PETITION_CLERK])
    by_number = {r["信访编号"]: r for r in rows}
    for petition in handled.values():
        assert petition.case.number in by_number
    replied = by_number[handled["replied"].case.number]
    assert replied["办理结果"] == "经核查，已责令整改。"
    declined = by_number[handled["repeat"].case.number]
    assert declined["办理结果"] == "不属于信访事项"
    assert by_number[handled["registered"].case.number]["办理结果"] is None


def test_the_export_shows_the_status_the_web_shows(personas, handled):
    _count, rows = export(personas[Role.PETITION_CLERK])
    by_number = {r["信访编号"]: r for r in rows}
    with translation.override("zh-hans"):
        for key in ("review", "reexam", "key", "national", "replied", "registered"):
            case = Case.objects.get(pk=handled[key].pk)
            assert by_number[case.number]["办理状态"] == case.status_label, key
    assert by_number[handled["review"].case.number]["办理状态"] == "已申请复查"
    assert by_number[handled["reexam"].case.number]["办理状态"] == "已申请复核"
    assert by_number[handled["key"].case.number]["办理状态"] == "已交办"
    # Declined, then concluded: still 不予受理, not 已办结.
    assert by_number[handled["declined_concluded"].case.number]["办理状态"] == "不予受理"
    assert by_number[handled["concluded"].case.number]["办理状态"] == "已办结"


def test_every_status_label_the_export_writes_imports_back():
    for status, label in status_labels().items():
        assert parse_choice(label, LEDGER_STATUSES, column="办理状态"), status


def test_the_names_of_a_collective_visit_wrap_one_to_a_line(personas, handled):
    out = io.BytesIO()
    export_petition_ledger(out, user=personas[Role.PETITION_CLERK], params={}, with_identity=True)
    ws = load_workbook(io.BytesIO(out.getvalue())).active
    header = [cell.value for cell in ws[3]]
    names, ids = header.index("信访人") + 1, header.index("身份证号") + 1
    number = header.index("信访编号") + 1
    collective = handled["collective"].case.number
    [row] = [r for r in range(4, ws.max_row + 1) if ws.cell(r, number).value == collective]
    cell = ws.cell(row, names)
    assert cell.value.splitlines() == ["王五、", "欧阳修文"]
    assert cell.alignment.wrap_text is True
    assert ws.cell(row, ids).alignment.wrap_text is True
    assert len(ws.cell(row, ids).value.splitlines()) == 2  # one line per person, blank kept


# --------------------------------------------------------------------------- round trip

FIGURES = (
    "batches",
    "headcount",
    "by_channel",
    "by_level",
    "visits_by_level",
    "over_level",
    "collective",
    "first",
    "repeat",
    "registered",
    "accepted",
    "declined",
    "transferred",
    "concluded",
    "overdue_open",
    "on_time",
    "rated",
    "satisfaction",
)


def test_an_exported_ledger_imports_into_an_empty_street_with_the_same_counts(personas, handled):
    clerk = personas[Role.PETITION_CLERK]
    # And petitions an office's ledger brought in: a decline without its date, repeat marks.
    report = import_petition_ledger(
        office_ledger([declined_without_date(), *marked_repeats()]),
        filename="2025台账.xlsx",
        actor=clerk,
    )
    assert report.ok, report.errors
    # The accepted matter's petitioner is not told yet (art. 23): its notice clock runs. The
    # export's empty 告知日期 says so, and the import keeps the clock running (overdue_open).
    accepted = Petition.objects.select_related("case").get(pk=handled["national"].pk)
    assert accepted.accept_decision_on is not None and accepted.notice_told_on is None
    before = stats.compute(period(), user=clerk)["petitions"]
    marks = Petition.objects.filter(is_repeat=True).count()
    first = io.BytesIO()
    count = export_petition_ledger(first, user=clerk, params={}, with_identity=True)
    assert count == 14
    # An empty street as far as petitions go: every petition withdrawn (never deleted).
    for case in Case.objects.filter(kind="petition"):
        withdraw_case(case, actor=clerk, version=case.version, reason="测试")
    assert stats.compute(period(), user=clerk)["petitions"]["batches"] == 0

    first.seek(0)
    report = import_petition_ledger(first, filename="导出台账.xlsx", actor=clerk)
    assert report.ok, report.errors
    assert report.imported == 14
    after = stats.compute(period(), user=clerk)["petitions"]
    for name in FIGURES:
        assert after[name] == before[name], name
    alive = Petition.objects.filter(case__withdrawn=False)
    assert alive.filter(is_repeat=True).count() == marks == 4
    assert alive.filter(accept_decision_on__isnull=True, case__status="declined").count() == 1
