"""The dispute ledgers in from Excel: all rows or none, errors by row, history on the ledger's
dates, and export → import round trips."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from huiyin.cases.models import Case, CaseEvent, Clock
from huiyin.disputes.models import (
    Agreement,
    Dispute,
    JudicialConfirmation,
    Party,
    Performance,
    Transfer,
)
from huiyin.disputes.tests import factories as df
from huiyin.org.roles import Role
from huiyin.privacy.models import AuditEntry
from huiyin.reports.ledgers.disputes import (
    COLUMNS,
    export_dispute_ledger,
    import_dispute_ledger,
    is_organisation,
    tier_of,
)
from huiyin.reports.ledgers.export import write_ledger
from huiyin.reports.tests.test_ledger_export import sheet_rows

ID_1, PHONE_1 = df.ID_1, df.PHONE_1


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def types(db):
    df.dispute_type("劳动争议")  # the seeded tree, made again if a flush took it


@pytest.fixture
def governance(personas):
    return personas[Role.GOVERNANCE_STAFF]


def day(n: int) -> date:
    return timezone.localdate() - timedelta(days=n)


OFFICE = [c for c in COLUMNS if c.office]
HEADERS = [c.header for c in COLUMNS]


def row(**overrides) -> dict:
    values = {
        "序号": 1,
        "登记日期": day(60),
        "纠纷来源": "当事人申请",
        "纠纷类型": "邻里",
        "申请人": "张三",
        "被申请人": "李四",
        "身份证号": ID_1,
        "联系电话": PHONE_1,
        "所属社区": "柑子园社区",
        "纠纷简要情况": "楼上漏水致楼下墙面受损",
        "涉及人数": 2,
        "涉及金额（元）": 3000,
        "调解组织": "",
        "调解员": "",
        "受理日期": None,
        "调解结果": "",
        "协议形式": "",
        "协议生效日期": None,
        "履行情况": "",
        "是否申请司法确认": "",
        "司法确认结果": "",
        "结案日期": None,
        "回访情况": "",
    }
    values.update(overrides)
    return values


def ledger(rows: list[dict], columns=OFFICE) -> io.BytesIO:
    out = io.BytesIO()
    write_ledger(
        out,
        title="矛盾纠纷排查台账",
        subtitle="填报单位：测试",
        columns=[(c.header, c.width, c.format) for c in columns],
        rows=[[r.get(c.header) for c in columns] for r in rows],
    )
    out.seek(0)
    return out


def run(data, actor, **kwargs):
    kwargs.setdefault("filename", "纠纷台账.xlsx")
    return import_dispute_ledger(data, actor=actor, **kwargs)


def disputes():
    return list(Case.objects.filter(kind="dispute").select_related("dispute").order_by("id"))


# --------------------------------------------------------------------------- history


def test_it_registers_each_row_through_the_dispute_services(governance):
    report = run(ledger([row()]), governance)
    assert report.ok, report.errors
    assert report.imported == 1
    (case,) = disputes()
    assert "调〔" in case.number and case.status == "registered"
    assert case.received_on == day(60)
    assert case.title == "楼上漏水致楼下墙面受损" and case.community.name == "柑子园社区"
    dispute = case.dispute
    assert dispute.source == "application" and dispute.tier == "community"
    assert str(dispute.amount) == "3000.00" and dispute.people_count == 2
    a, b = Party.objects.filter(dispute=dispute).order_by("side")
    assert (a.side, a.name, a.id_number, a.phone) == ("a", "张三", ID_1, PHONE_1)
    assert a.name_masked == "张*" and a.id_number_masked.startswith(ID_1[:6])
    assert (b.side, b.name, b.kind) == ("b", "李四", "person")
    kinds = set(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert {"registered", "imported"} <= kinds
    assert AuditEntry.objects.filter(action="ledger.import").get().diff["imported"] == 1


def test_dates_in_the_past_give_the_clocks_the_ledger_dates(governance):
    rows = [
        # A labour dispute that ended with an oral agreement, long ago: every clock stopped.
        row(
            纠纷类型="欠薪",
            被申请人="宏达建筑劳务有限公司",
            受理日期=day(58),
            调解结果="调解成功",
            协议形式="口头",
            协议生效日期=day(50),
            履行情况="已履行",
            结案日期=day(45),
            回访情况="电话回访，工资已付清",
        ),
        # A written agreement 90 days ago: the parties' window lapsed, never the office's.
        row(
            序号=2,
            申请人="王五",
            身份证号="",
            联系电话="",
            受理日期=day(88),
            登记日期=day(90),
            调解结果="调解成功",
            协议形式="书面",
            协议生效日期=day(85),
            履行情况="履行中",
        ),
        # Failed: the guideline clock stopped on the day it ended, late as it was.
        row(
            序号=3,
            申请人="赵六",
            身份证号="",
            联系电话="",
            受理日期=day(58),
            调解结果="调解不成功",
            结案日期=day(10),
        ),
    ]
    report = run(ledger(rows), governance)
    assert report.ok, report.errors
    labour, written, failed = disputes()

    assert labour.status == "closed" and labour.closed_at is not None
    assert labour.category.name == "欠薪" and labour.dispute.is_labour
    assert not Clock.objects.filter(case=labour, stopped_at__isnull=True).exists()
    assert Clock.objects.get(case=labour, code="labour_mediation").stopped_on == day(50)
    guideline = Clock.objects.get(case=labour, code="mediation_guideline")
    assert (guideline.started_on, guideline.stopped_on, guideline.outcome) == (
        day(58),
        day(50),
        "met",
    )
    assert labour.due_on is None
    organisation = Party.objects.get(dispute=labour.dispute, side="b")
    assert (
        organisation.kind == "organisation" and organisation.name_masked == "宏达建筑劳务有限公司"
    )
    agreement = Agreement.objects.get(dispute=labour.dispute)
    assert agreement.form == "oral" and agreement.effective_on == day(50)
    assert Performance.objects.get(agreement=agreement).result == "performed"
    assert labour.dispute.ended_on == day(50) and labour.dispute.closed_on == day(45)
    assert labour.dispute.outcome == "agreement"

    assert written.status == "agreed"
    window = Clock.objects.get(case=written, code="judicial_confirmation")
    assert window.party == "petitioner" and window.outcome == "lapsed"
    # 履行中: a term to check, but no due date the ledger never gave, so no clock.
    term = Performance.objects.get(agreement__dispute=written.dispute)
    assert term.result == "" and not Clock.objects.filter(case=written, code="performance")
    assert written.due_on is None

    assert failed.status == "failed" and failed.dispute.closed_on == day(10)
    guideline = Clock.objects.get(case=failed, code="mediation_guideline")
    assert guideline.stopped_on == day(10) and guideline.outcome == "late"
    assert failed.due_on is None


def test_a_mediation_in_progress_keeps_its_clock_from_the_day_it_started(governance):
    report = run(ledger([row(受理日期=day(5), 调解结果="调解中")]), governance)
    assert report.ok, report.errors
    (case,) = disputes()
    assert case.status == "mediating" and case.dispute.started_on == day(5)
    guideline = Clock.objects.get(case=case, code="mediation_guideline", stopped_at__isnull=True)
    assert guideline.started_on == day(5) and case.due_on == guideline.due_on
    assert case.due_on >= timezone.localdate()  # within its month: not overdue


def test_judicial_confirmation_and_a_transfer_are_recorded(governance):
    rows = [
        row(
            受理日期=day(50),
            调解结果="调解成功",
            协议形式="书面",
            协议生效日期=day(40),
            是否申请司法确认="是",
            司法确认结果="确认有效",
        ),
        row(序号=2, 申请人="钱七", 身份证号="", 联系电话="", 调解结果="已移交", 结案日期=day(30)),
    ]
    report = run(ledger(rows), governance)
    assert report.ok, report.errors
    confirmed, transferred = disputes()
    application = JudicialConfirmation.objects.get(agreement__dispute=confirmed.dispute)
    assert application.result == "confirmed" and application.applied_on == day(40)
    window = Clock.objects.get(case=confirmed, code="judicial_confirmation")
    assert window.stopped_on == day(40)
    assert transferred.status == "transferred" and transferred.closed_at is not None
    assert Transfer.objects.get(dispute=transferred.dispute, direction="out").on == day(30)


# --------------------------------------------------------------------------- checks


def test_a_sheet_with_one_bad_row_imports_nothing(governance):
    rows = [row(序号=n, 申请人=f"申请人{n}", 身份证号="", 联系电话="") for n in range(1, 6)]
    rows[3]["登记日期"] = "2025年13月40日"
    report = run(ledger(rows), governance)
    assert not report.ok and report.imported == 0
    assert [(e.row, e.column) for e in report.errors] == [(7, "登记日期")]
    assert report.errors[0].letter == "B"
    assert not Case.objects.filter(kind="dispute").exists()
    assert not Party.objects.exists()
    assert not AuditEntry.objects.filter(action="ledger.import").exists()


def test_an_unknown_community_is_an_error_naming_the_allowed_ones(governance, other_community):
    report = run(ledger([row(所属社区="不存在社区")]), governance)
    assert not report.ok
    (error,) = report.errors
    assert error.column == "所属社区"
    assert "柑子园社区" in error.reason and "翠屏路社区" in error.reason


def test_an_unknown_type_is_an_error_naming_the_allowed_ones(governance):
    report = run(ledger([row(纠纷类型="宠物纠纷")]), governance)
    (error,) = report.errors
    assert error.column == "纠纷类型"
    assert "婚姻家庭" in error.reason and "欠薪" in error.reason


@pytest.mark.parametrize("written", ["欠薪", "劳动争议/欠薪", "劳动争议"])
def test_a_type_may_be_named_by_itself_or_below_its_parent(governance, written):
    assert run(ledger([row(纠纷类型=written)]), governance).ok
    (case,) = disputes()
    assert case.category.name == written.split("/")[-1]
    assert Dispute.objects.of_type(df.dispute_type("劳动争议")).count() == 1
    assert Clock.objects.filter(case=case, code="labour_mediation").exists()


def test_an_unknown_mediator_is_kept_as_written_with_a_warning(governance, community):
    committee = df.committee(community, name="柑子园社区人民调解委员会")
    known = df.mediator(committee, name="李调解")
    rows = [
        row(
            调解组织="柑子园社区人民调解委员会",
            调解员="李调解、无名氏",
            受理日期=day(50),
            调解结果="调解中",
        )
    ]
    report = run(ledger(rows), governance)
    assert report.ok, report.errors
    assert [(w.column, w.value) for w in report.warnings] == [("调解员", "无名氏")]
    (case,) = disputes()
    assert case.dispute.committee == committee
    assert list(case.dispute.mediators.all()) == [known]
    event = CaseEvent.objects.get(case=case, kind="imported")
    assert event.data["kept"] == {"mediators": ["无名氏"]}


def test_an_unknown_committee_is_kept_with_its_tier_read_from_its_name(governance):
    rows = [
        row(调解组织="柑子园社区第3网格调解小组"),
        row(序号=2, 申请人="丙", 身份证号="", 联系电话="", 调解组织="东风街道人民调解委员会"),
        row(序号=3, 申请人="丁", 身份证号="", 联系电话="", 调解组织="南岸区人民调解委员会"),
    ]
    report = run(ledger(rows), governance)
    assert report.ok, report.errors
    assert [w.column for w in report.warnings] == ["调解组织"] * 3
    assert [c.dispute.tier for c in disputes()] == ["grid", "street", "district"]
    assert all(c.dispute.committee is None for c in disputes())


def test_a_known_committee_of_another_community_is_refused(governance, other_community):
    df.committee(other_community, name="翠屏路社区人民调解委员会")
    report = run(ledger([row(调解组织="翠屏路社区人民调解委员会")]), governance)
    (error,) = report.errors
    assert error.column == "调解组织"


def test_it_tells_organisations_from_people_and_tiers_from_names():
    for name in ("宏达建筑劳务有限公司", "老王面馆", "柑子园社区居委会", "第一中学", "市人民医院"):
        assert is_organisation(name), name
    for name in ("张三", "欧阳修文", "李四（代理人）"):
        assert not is_organisation(name), name
    assert tier_of("柑子园社区第1网格调解小组") == "grid"
    assert tier_of("柑子园社区人民调解委员会") == "community"
    assert tier_of("东风街道人民调解委员会") == "street"
    assert tier_of("南岸区医疗纠纷人民调解委员会") == "district"
    assert tier_of("宏达公司人民调解委员会") == "unit"
    assert tier_of("老娘舅工作室") is None


@pytest.mark.parametrize(
    ("overrides", "column"),
    [
        ({"身份证号": "110101199003071234"}, "身份证号"),  # bad check digit
        ({"联系电话": "12345"}, "联系电话"),
        ({"申请人": "张*"}, "申请人"),  # a masked export cannot come back
        ({"涉及人数": 0}, "涉及人数"),
        ({"涉及金额（元）": "三千元"}, "涉及金额（元）"),
        ({"涉及金额（元）": "99999999999999"}, "涉及金额（元）"),
        ({"纠纷来源": "天上掉下来"}, "纠纷来源"),
        ({"登记日期": day(-3)}, "登记日期"),
        ({"受理日期": day(70)}, "受理日期"),  # before the date received
        ({"调解结果": "调解中"}, "受理日期"),  # mediating needs the date it started
        ({"调解结果": "调解成功", "受理日期": day(50)}, "协议形式"),
        ({"协议形式": "书面"}, "协议形式"),  # an agreement without 调解成功
        ({"调解结果": "调解不成功", "受理日期": day(50)}, "结案日期"),
        ({"受理日期": day(50), "被申请人": ""}, "被申请人"),
        ({"申请人": "宏达公司", "身份证号": ID_1}, "身份证号"),
        ({"身份证号": f"{ID_1}、{df.ID_2}"}, "身份证号"),  # two IDs for one applicant
        (
            {
                "受理日期": day(50),
                "调解结果": "调解成功",
                "协议形式": "口头",
                "协议生效日期": day(40),
                "是否申请司法确认": "是",
            },
            "是否申请司法确认",
        ),
    ],
)
def test_it_refuses_bad_cells_with_a_reason(governance, overrides, column):
    report = run(ledger([row(**overrides)]), governance)
    assert not report.ok
    assert column in [e.column for e in report.errors], report.errors
    assert all(e.reason for e in report.errors)
    assert not Case.objects.filter(kind="dispute").exists()


def test_it_masks_personal_data_in_the_error_report(governance):
    report = run(ledger([row(身份证号="110101199003071234", 所属社区="无此社区")]), governance)
    values = [e.value for e in report.errors]
    assert "110101199003071234" not in values
    assert any("*" in v for v in values)


def test_it_refuses_rows_outside_the_importers_scope(personas, other_community):
    worker = personas[Role.COMMUNITY_WORKER]  # 柑子园社区 only
    report = run(ledger([row(所属社区="翠屏路社区")]), worker)
    (error,) = report.errors
    assert error.column == "所属社区" and not disputes()
    assert run(ledger([row()]), worker).ok


def test_it_refuses_people_who_may_not_import(personas):
    from django.core.exceptions import PermissionDenied

    for role in (Role.PETITION_CLERK, Role.LEADER, Role.AUDITOR):
        with pytest.raises(PermissionDenied):
            run(ledger([row()]), personas[role])


def test_a_repeated_row_is_an_error_and_a_second_import_skips(governance):
    report = run(ledger([row(), row(序号=2)]), governance)
    assert [e.row for e in report.errors] == [5]
    assert run(ledger([row()]), governance).ok
    again = run(ledger([row()]), governance)
    assert again.ok and again.imported == 0
    assert len(again.duplicates) == 1 and disputes()[0].number in again.duplicates[0].reason


def test_a_dry_run_checks_and_writes_nothing(governance):
    report = run(ledger([row()]), governance, dry_run=True)
    assert report.ok and not disputes()


def test_hostile_cells_stay_text_and_huge_ones_are_refused(governance, personas):
    formula = '=HYPERLINK("http://example.invalid","点我")'
    report = run(ledger([row(纠纷简要情况=formula, 回访情况="@SUM(A1)")]), governance)
    assert report.ok, report.errors
    (case,) = disputes()
    assert case.title == formula
    # Exported again as text, never as a formula.
    out = io.BytesIO()
    export_dispute_ledger(out, user=personas[Role.LEADER], params={})
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    cell = sheet.cell(row=4, column=HEADERS.index("纠纷简要情况") + 1)
    assert (cell.value, cell.data_type) == (formula, "s")

    # A real formula cell is read as its cached value (none here): an empty required cell.
    book = Workbook()
    sheet = book.active
    sheet.append([c.header for c in OFFICE])
    values = row(申请人=None)
    sheet.append([values.get(c.header) for c in OFFICE])
    sheet.cell(row=2, column=[c.header for c in OFFICE].index("申请人") + 1).value = '=A1&"x"'
    data = io.BytesIO()
    book.save(data)
    report = run(data, governance)
    assert [e.column for e in report.errors] == ["申请人"]

    huge = run(ledger([row(纠纷简要情况="漏" * 20_000)]), governance)
    assert not huge.ok and huge.file_error and huge.imported == 0
    long_name = run(ledger([row(申请人="张" * 50)]), governance)
    assert [e.column for e in long_name.errors] == ["申请人"]
    many = run(ledger([row(申请人="、".join(["张三"] * 300))]), governance)
    assert not many.ok and many.errors[0].column == "申请人"  # more parties than allowed
    assert len(disputes()) == 1


def test_it_reads_an_office_sheet_with_other_headers_and_spellings(governance):
    headers = ["序号", "排查日期", "来源", "类型", "当事人", "对方当事人", "所在社区", "简要情况"]
    rows = [
        [1, 45700.0, "排查", "劳动争议", "张三", "某某超市", "柑子园", "拖欠工资"],
        [2, "２０２５年３月１日", "主动", "邻里", "李四", "王五", "柑子园社区", "噪音扰民"],
    ]
    out = io.BytesIO()
    write_ledger(
        out,
        title="2025年矛盾纠纷排查台账",
        subtitle="",
        columns=[(h, 10, "text") for h in headers],
        rows=rows,
    )
    out.seek(0)
    report = run(out, governance)
    assert report.ok, report.errors
    first, second = disputes()
    assert first.received_on == date(2025, 2, 12) and first.dispute.source == "screening"
    assert Party.objects.get(dispute=first.dispute, side="b").kind == "organisation"
    assert second.received_on == date(2025, 3, 1) and second.dispute.source == "initiative"


# --------------------------------------------------------------------------- round trip


def _build(personas, community):
    screen = personas[Role.GOVERNANCE_STAFF]
    committee = df.committee(community, name="柑子园社区人民调解委员会")
    df.mediator(committee, name="李调解")
    states = ("registered", "mediating", "agreed", "performing", "closed", "failed", "refused")
    for n, state in enumerate((*states, "transferred")):
        case = df.register(
            screen,
            community=community,
            committee=committee,
            title=f"纠纷{n}",
            description=f"第{n}件纠纷的简要情况" if n % 2 else "",
            category=df.dispute_type("欠薪" if n == 2 else "邻里"),
            parties=[
                df.person("张三", "a"),
                df.organisation("宏达建筑劳务有限公司")
                if n % 3 == 0
                else df.person("李四", "b", id_number=df.ID_2, phone=df.PHONE_2),
            ],
            amount="1234.50",
            people_count=3,
        )
        df.bring_to(case, state, personas)


def _export(user, **kwargs) -> bytes:
    out = io.BytesIO()
    export_dispute_ledger(out, user=user, params={}, **kwargs)
    return out.getvalue()


def test_export_then_import_round_trips(personas, community):
    _build(personas, community)
    leader = personas[Role.LEADER]
    first = _export(leader, with_identity=True)
    Case.objects.filter(kind="dispute").update(withdrawn=True)
    report = run(io.BytesIO(first), personas[Role.GOVERNANCE_STAFF], filename="export.xlsx")
    assert report.ok, report.errors
    assert report.imported == 8 and not report.warnings
    second = _export(leader, with_identity=True)
    before, after = sheet_rows(first)[3:], sheet_rows(second)[3:]
    number = HEADERS.index("纠纷编号")
    strip = [[v for i, v in enumerate(r) if i != number] for r in before]
    assert strip == [[v for i, v in enumerate(r) if i != number] for r in after]
    assert len(before) == 8
    results = [r[HEADERS.index("调解结果")] for r in before]
    assert results == [
        None,
        "调解中",
        "调解成功",
        "调解成功",
        "调解成功",
        "调解不成功",
        "当事人拒绝调解",
        "已移交",
    ]


def test_the_mediation_ledger_lists_the_mediated_and_a_masked_export_masks(personas, community):
    _build(personas, community)
    governance = personas[Role.GOVERNANCE_STAFF]
    rows = sheet_rows(_export(governance, mediation=True))
    assert rows[0][0].endswith("人民调解台账") or "mediation" in rows[0][0]
    data = rows[3:]
    assert len(data) == 5  # mediating, agreed, performing, closed, failed
    applicant = HEADERS.index("申请人")
    assert {r[applicant] for r in data} == {"张*"}
    entry = AuditEntry.objects.filter(action="export").latest("id")
    assert entry.diff["identity"] is False and entry.diff["rows"] == 5
