"""The incident ledger (突发事件台账) in from Excel: all rows or none, errors by row and column,
times as offices write them, the first report upward from 首报时间 counted like any other, and
export → import round trips."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone, translation

from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.models import Case, CaseEvent, Notification
from huiyin.incidents import reminders
from huiyin.incidents.models import Incident, Report
from huiyin.incidents.tests import factories as itf
from huiyin.org.roles import Role
from huiyin.privacy.models import AuditEntry
from huiyin.reports import stats
from huiyin.reports.ledgers.export import write_ledger
from huiyin.reports.ledgers.incidents import (
    COLUMNS,
    export_incident_ledger,
    import_incident_ledger,
)
from huiyin.reports.tests.test_ledger_export import sheet_rows


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def types(db):
    from huiyin.incidents.types import ensure_default_types

    ensure_default_types()


@pytest.fixture
def duty(personas):
    return personas[Role.GOVERNANCE_STAFF]


OFFICE = [c for c in COLUMNS if c.office]
HEADERS = [c.header for c in COLUMNS]


def bj(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CHINA_TZ)


def row(**overrides) -> dict:
    values = {
        "序号": 1,
        "发生时间": "2025-3-5 14:30",
        "获知时间": "2025-3-5 14:40",
        "首报时间": "2025-3-5 15:10",
        "事件类别": "火警",
        "事件等级": "一般",
        "所属社区": "柑子园社区",
        "地点": "翠屏路12号",
        "简要情况": "翠屏路12号底商厨房起火，明火已扑灭",
        "涉及人数": None,
        "伤亡情况": "无",
        "处置负责领导": "",
        "处置结果": "",
        "办结日期": None,
    }
    values.update(overrides)
    return values


def ledger(rows: list[dict], columns=OFFICE) -> io.BytesIO:
    out = io.BytesIO()
    write_ledger(
        out,
        title="突发事件台账",
        subtitle="填报单位：测试",
        columns=[
            (c.header, c.width, "text" if c.format == "datetime" else c.format) for c in columns
        ],
        rows=[[r.get(c.header) for c in columns] for r in rows],
    )
    out.seek(0)
    return out


def run(data, actor, **kwargs):
    kwargs.setdefault("filename", "突发事件台账.xlsx")
    return import_incident_ledger(data, actor=actor, **kwargs)


def incidents() -> list[Incident]:
    return list(
        Incident.objects.select_related("case", "case__category", "leader").order_by("case_id")
    )


# --------------------------------------------------------------------------- the rows


def test_it_registers_each_row_through_the_incident_registration(duty, personas):
    leader = personas[Role.LEADER].staff
    rows = [
        row(),
        row(
            序号=2,
            发生时间="2025年3月6日23时30分",
            获知时间="2025年3月6日23时40分",
            首报时间="2025年3月7日0时41分",
            事件类别="非正常死亡",
            简要情况="某小区一住户在家中死亡，原因待公安机关查明",
            伤亡情况="死亡1人",
            处置负责领导=leader.name,
            处置结果="公安机关已出具结论，善后完成",
            办结日期=date(2025, 3, 20),
        ),
        row(序号=3, 发生时间="2025-3-8 9:00", 获知时间="2025-3-8 9:05", 首报时间=None),
    ]
    report = run(ledger(rows), duty)
    assert report.ok, report.errors
    assert report.imported == 3 and not report.warnings
    fire, death, unreported = incidents()
    assert "事" in fire.case.number and fire.case.kind == "incident"
    assert fire.occurred_at == bj("2025-03-05 14:30") and fire.learned_at == bj("2025-03-05 14:40")
    assert fire.case.received_at == fire.learned_at
    assert fire.case.category.name == "火警" and fire.case.community.name == "柑子园社区"
    assert fire.case.status == "registered" and fire.grade == "general"
    (first,) = fire.reports.all()
    assert first.kind == "first" and first.sent_at == bj("2025-03-05 15:10")
    assert first.channel == "other" and first.recipient == "Not stated in the ledger"
    # Across midnight: learned 23:40, reported 00:41 the next day.
    assert death.reports.get().sent_at == bj("2025-03-07 00:41")
    assert death.deaths == 1 and death.leader == leader
    assert death.case.status == "concluded" and death.outcome.startswith("公安机关")
    assert timezone.localtime(death.concluded_at, CHINA_TZ).date() == date(2025, 3, 20)
    assert not unreported.reports.exists()
    # Every incident through the registration: its "registered" event, its audit entry, and
    # the import's own event naming the file and the row.
    for incident in (fire, death, unreported):
        kinds = list(CaseEvent.objects.filter(case=incident.case).values_list("kind", flat=True))
        assert kinds == ["registered", "imported"]
        assert AuditEntry.objects.filter(
            action="object.create", target_id=str(incident.pk)
        ).exists()
    event = CaseEvent.objects.get(case=death.case, kind="imported")
    assert event.data["row"] == 5 and event.data["source"] == "突发事件台账.xlsx"
    assert AuditEntry.objects.filter(action="ledger.import").count() == 1


def test_the_first_report_counts_like_any_other(duty):
    """60 minutes after learning of it is on time, 61 is late, across midnight too."""
    rows = [
        row(序号=1, 获知时间="2025-3-5 14:40", 首报时间="2025-3-5 15:40"),  # 60: on time
        row(
            序号=2,
            发生时间="2025-3-6 23:00",
            获知时间="2025-3-6 23:40",
            首报时间="2025-3-7 0:41",  # 61: late
            简要情况="另一起火警",
        ),
        row(
            序号=3,
            发生时间="2025-3-9 23:00",
            获知时间="2025-3-9 23:30",
            首报时间="2025年3月10日0时30分",  # 60 across midnight: on time
            简要情况="第三起火警",
        ),
        row(
            序号=4,
            发生时间="2025-3-12 8:00",
            获知时间="2025-3-12 8:00",
            首报时间=None,
            简要情况="未报",
        ),
    ]
    assert run(ledger(rows), duty).ok
    march = stats.compute(stats.Period(date(2025, 3, 1), date(2025, 3, 31)))["incidents"]
    assert march["total"] == 4 and march["by_type"]["fire"] == 4
    assert march["first_reports"] == {"on_time": 2, "late": 2}  # the unreported one is late


def test_midnight_and_excel_date_times(duty):
    columns = list(OFFICE)
    out = io.BytesIO()
    write_ledger(
        out,
        title="突发事件台账",
        subtitle="",
        columns=[(c.header, c.width, c.format) for c in columns],  # real Excel date-times
        rows=[
            [
                row(
                    发生时间=datetime(2025, 3, 31, 23, 0),
                    获知时间=datetime(2025, 3, 31, 23, 30),
                    首报时间=datetime(2025, 4, 1, 0, 0),
                ).get(c.header)
                for c in columns
            ],
            [
                row(
                    序号=2,
                    发生时间="2025-3-31 24:00",  # the end of the day: April's first moment
                    获知时间="2025-4-1 0:00",
                    首报时间="2025年4月1日0时30分",
                    简要情况="四月第一起",
                ).get(c.header)
                for c in columns
            ],
        ],
    )
    out.seek(0)
    report = run(out, duty)
    assert report.ok, report.errors
    first, second = incidents()
    assert first.learned_at == bj("2025-03-31 23:30")
    assert first.reports.get().sent_at == bj("2025-04-01 00:00")
    assert second.occurred_at == bj("2025-04-01 00:00")
    april = stats.compute(stats.Period(date(2025, 4, 1), date(2025, 4, 30)))["incidents"]
    assert april["total"] == 1


def test_a_sheet_with_one_bad_row_imports_nothing(duty):
    rows = [row(序号=n, 简要情况=f"第{n}起火警") for n in range(1, 6)]
    rows[3]["首报时间"] = "2025-3-5 14:39"  # before the street learned of it (14:40)
    report = run(ledger(rows), duty)
    assert not report.ok and report.imported == 0
    assert [(e.row, e.column) for e in report.errors] == [(7, "首报时间")]
    assert report.errors[0].letter == "D"
    assert not Case.objects.filter(kind="incident").exists()
    assert not Report.objects.exists()
    assert not AuditEntry.objects.filter(action="ledger.import").exists()


@pytest.mark.parametrize(
    ("overrides", "column", "says"),
    [
        ({"发生时间": "2025-3-5"}, "发生时间", "has no time of day"),
        ({"获知时间": "2025-3-5 25:10"}, "获知时间", "not a real time of day"),
        ({"获知时间": "2025-3-5 14:20"}, "获知时间", ""),  # before it happened
        ({"首报时间": "明天"}, "首报时间", "not a date and time"),
        ({"发生时间": "2099-3-5 14:30", "获知时间": "2099-3-5 14:40"}, "发生时间", "future"),
        ({"事件类别": "地震"}, "事件类别", "火警"),  # the allowed values are listed
        ({"所属社区": "不存在社区"}, "所属社区", "柑子园社区"),
        ({"伤亡情况": "受伤2人"}, "伤亡情况", "死亡1人"),
        ({"事件等级": "很大"}, "事件等级", "特别重大"),
        ({"涉及人数": 0}, "涉及人数", "at least 1"),
        ({"办结日期": date(2025, 3, 20)}, "处置结果", "办结日期"),
        ({"办结日期": date(2025, 3, 4), "处置结果": "已处置"}, "办结日期", ""),
        ({"简要情况": ""}, "简要情况", ""),
    ],
)
def test_it_refuses_bad_cells_with_a_reason(duty, overrides, column, says):
    report = run(ledger([row(**overrides)]), duty)
    assert not report.ok and not Case.objects.filter(kind="incident").exists()
    assert column in [e.column for e in report.errors], report.errors
    reasons = " ".join(str(e.reason) for e in report.errors if e.column == column)
    assert says in reasons


def test_a_conclusion_needs_the_first_report(duty):
    report = run(ledger([row(首报时间=None, 处置结果="已处置", 办结日期=date(2025, 3, 6))]), duty)
    assert [e.column for e in report.errors] == ["首报时间"]


def test_a_type_by_its_class_and_a_class_sharing_its_types_name(duty):
    rows = [
        row(事件类别="事故灾难/火警"),
        row(序号=2, 事件类别="自然灾害", 简要情况="暴雨致低洼处积水"),
        row(序号=3, 事件类别="事故灾难", 简要情况="只写了类"),  # a class, as registration allows
    ]
    report = run(ledger(rows), duty)
    assert report.ok, report.errors
    names = [(i.case.category.parent_id and i.case.category.parent.name, i.case.category.name)
             for i in incidents()]  # fmt: skip
    # 自然灾害 names a class and its one type: the type.
    assert names == [("事故灾难", "火警"), ("自然灾害", "自然灾害"), (None, "事故灾难")]


def test_an_unknown_leader_is_kept_as_written_with_a_warning(duty):
    report = run(ledger([row(处置负责领导="王某某")]), duty)
    assert report.ok and report.imported == 1
    (warning,) = report.warnings
    assert warning.column == "处置负责领导"
    incident = incidents()[0]
    assert incident.leader is None and incident.case.status == "registered"
    event = CaseEvent.objects.get(case=incident.case, kind="imported")
    assert event.data["kept"] == {"leader": "王某某"}


def test_a_safety_accidents_grade_is_the_higher_with_a_warning(duty):
    rows = [
        row(事件类别="生产安全事故", 伤亡情况="死亡3人", 事件等级="一般", 简要情况="工地坍塌"),
        row(
            序号=2,
            事件类别="生产安全事故",
            伤亡情况="轻伤1人",
            事件等级="较大",
            简要情况="仓库火灾",
        ),
    ]
    report = run(ledger(rows), duty)
    assert report.ok and len(report.warnings) == 2
    collapse, store = incidents()
    assert collapse.grade == "larger" and collapse.grade_derived  # 3 deaths: 较大 (art. 3)
    assert store.grade == "larger" and not store.grade_derived  # the ledger's, for its loss


def test_it_refuses_rows_outside_the_importers_scope(personas, other_community):
    worker = personas[Role.COMMUNITY_WORKER]  # 柑子园社区 only
    report = run(ledger([row(所属社区="翠屏路社区")]), worker)
    (error,) = report.errors
    assert error.column == "所属社区" and not incidents()
    street_wide = run(ledger([row(所属社区="")]), worker)
    assert [e.column for e in street_wide.errors] == ["所属社区"]
    assert run(ledger([row()]), worker).ok
    grid = run(ledger([row(序号=2, 简要情况="另一起")]), personas[Role.GRID_WORKER])
    assert [e.column for e in grid.errors] == ["所属社区"]  # a grid worker's scope is a grid


def test_it_refuses_people_who_may_not_import(personas):
    for role in (Role.PETITION_CLERK, Role.LEADER, Role.AUDITOR, Role.MEDIATOR):
        with pytest.raises(PermissionDenied):
            run(ledger([row()]), personas[role])
    assert run(ledger([row()]), personas[Role.ADMINISTRATOR]).ok


def test_a_repeated_row_is_an_error_and_a_second_import_skips(duty):
    report = run(ledger([row(), row(序号=2)]), duty)
    assert [e.row for e in report.errors] == [5]
    assert run(ledger([row()]), duty).ok
    again = run(ledger([row()]), duty)
    assert again.ok and again.imported == 0
    assert len(again.duplicates) == 1 and incidents()[0].case.number in again.duplicates[0].reason


def test_a_dry_run_checks_and_writes_nothing(duty):
    report = run(ledger([row()]), duty, dry_run=True)
    assert report.ok and not incidents()


def test_history_rings_no_bell(duty):
    rows = [
        row(首报时间=None),
        row(序号=2, 简要情况="已报", 处置结果="已处置", 办结日期=date(2025, 3, 6)),
    ]
    assert run(ledger(rows), duty).ok
    assert reminders.remind() == (0, 0)
    assert not Notification.objects.exists()


def test_the_command_imports_an_incident_ledger(duty, tmp_path):
    path = tmp_path / "突发事件台账.xlsx"
    path.write_bytes(ledger([row()]).getvalue())
    out, err = io.StringIO(), io.StringIO()
    call_command("import-ledger", str(path), "--kind", "incidents", stdout=out, stderr=err)
    assert len(incidents()) == 1
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(ledger([row(发生时间="2025-3-5")]).getvalue())
    with pytest.raises(SystemExit) as exit_:
        call_command("import-ledger", str(bad), "--kind", "incidents", stdout=out, stderr=err)
    assert exit_.value.code == 1 and "发生时间" in err.getvalue()


# --------------------------------------------------------------------------- round trip


def _build(personas, community, other_community):
    duty = personas[Role.GOVERNANCE_STAFF]
    now = timezone.now().replace(second=0, microsecond=0)
    made = []
    for n, (type_name, state, place, extra) in enumerate(
        (
            ("火警", "registered", community, {}),
            ("非正常死亡", "handling", community, {"deaths": 1}),
            ("群体性事件", "concluded", other_community, {"people_count": 120, "grade": "major"}),
            ("生产安全事故", "concluded", community, {"serious_injuries": 12}),
            ("自然灾害", "registered", None, {}),
        )
    ):
        case = itf.register(
            duty,
            type_name=type_name,
            title=f"事件{n}",
            description=f"第{n}起事件的简要情况" if n % 2 else "",
            community=place,
            occurred_at=now - timedelta(days=10 - n, minutes=30),
            learned_at=now - timedelta(days=10 - n),
            **extra,
        )
        if n:
            itf.report(case, duty, sent_at=now - timedelta(days=10 - n) + timedelta(minutes=55 + n))
        made.append(itf.bring_to(case, state, personas))
    return made


def _export(user, params=None) -> bytes:
    out = io.BytesIO()
    export_incident_ledger(out, user=user, params=params or {})
    return out.getvalue()


def test_export_then_import_round_trips(personas, community, other_community):
    _build(personas, community, other_community)
    leader = personas[Role.LEADER]
    first = _export(leader)
    rows = sheet_rows(first)
    assert rows[2] == HEADERS
    period = stats.Period(timezone.localdate() - timedelta(days=30), timezone.localdate())
    originally = stats.compute(period)["incidents"]
    Case.objects.filter(kind="incident").update(withdrawn=True)
    report = run(io.BytesIO(first), personas[Role.GOVERNANCE_STAFF], filename="export.xlsx")
    assert report.ok, report.errors
    assert report.imported == 5 and not report.warnings
    second = _export(leader)
    before, after = sheet_rows(first)[3:], sheet_rows(second)[3:]
    number = HEADERS.index("事件编号")
    strip = [[v for i, v in enumerate(r) if i != number] for r in before]
    assert strip == [[v for i, v in enumerate(r) if i != number] for r in after]
    assert len(before) == 5
    column = {h: i for i, h in enumerate(HEADERS)}
    assert [r[column["事件类别"]] for r in before] == [
        "火警", "非正常死亡", "群体性事件", "生产安全事故", "自然灾害",
    ]  # fmt: skip
    assert [r[column["伤亡情况"]] for r in before] == ["无", "死亡1人", "无", "重伤12人", "无"]
    assert [r[column["事件等级"]] for r in before] == ["一般", "一般", "重大", "较大", "一般"]
    assert before[0][column["首报时间"]] is None
    assert isinstance(before[1][column["首报时间"]], datetime)
    assert [bool(r[column["办结日期"]]) for r in before] == [False, False, True, True, False]
    leader_name = personas[Role.LEADER].staff.name
    assert [r[column["处置负责领导"]] for r in before][1:4] == [leader_name] * 3
    # The incidents re-imported count the same as the originals did (the first unreported).
    assert stats.compute(period)["incidents"] == originally
    assert originally["total"] == 5 and originally["first_reports"] == {"on_time": 4, "late": 1}


def test_the_export_follows_the_readers_scope(personas, community, other_community):
    _build(personas, community, other_community)
    rows = sheet_rows(_export(personas[Role.COMMUNITY_WORKER]))[3:]
    assert len(rows) == 3  # their community's; not the other community's, not the street's
    assert sheet_rows(_export(personas[Role.PETITION_CLERK]))[3:] == []
    assert len(sheet_rows(_export(personas[Role.LEADER]))[3:]) == 5
    # The list's filters: learned of in a window, one community.
    today = timezone.localdate()
    window = {"from": (today - timedelta(days=9)).isoformat(), "to": today.isoformat()}
    assert len(sheet_rows(_export(personas[Role.LEADER], window))[3:]) == 4
    there = {"community": str(other_community.pk)}
    assert len(sheet_rows(_export(personas[Role.LEADER], there))[3:]) == 1


def test_the_export_says_the_delay_of_each_report(personas, community, other_community):
    _build(personas, community, other_community)
    rows = sheet_rows(_export(personas[Role.LEADER]))[3:]
    column = {h: i for i, h in enumerate(HEADERS)}
    delays = [
        None if r[column["首报时间"]] is None else r[column["首报时间"]] - r[column["获知时间"]]
        for r in rows
    ]
    assert delays == [None] + [timedelta(minutes=55 + n) for n in range(1, 5)]
