"""The ledger engine with a kind that only declares columns and hooks, as a new kind would:
tolerant reading, the row-by-row error report, all rows or none, duplicates, progress, the
audit entry, the export and ``huiyin import-ledger --kind``."""

from __future__ import annotations

import io
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.utils import timezone, translation
from openpyxl import load_workbook

from huiyin.cases.models import Category
from huiyin.org.roles import Role
from huiyin.privacy.models import AuditEntry
from huiyin.reports import ledgers
from huiyin.reports.ledgers import kinds
from huiyin.reports.ledgers.cells import YES_NO, choice_cell, date_cell, int_cell, text_cell
from huiyin.reports.ledgers.export import export_ledger, write_ledger
from huiyin.reports.ledgers.load import import_ledger, write_error_report

#: The toy ledger writes categories of a kind of its own: every real kind (petitions, disputes,
#: incidents) has its type tree seeded by its app's migrations, and the toy's rows must be
#: the only ones the test reads. Category.kind is a plain column: no constraint refuses it.
KIND = "ledger-test"


class CategoryLedger(kinds.LedgerKind):
    """A toy kind: one category per row, written through the ORM like a kind's services."""

    key = "test-categories"
    label = "类别台账"
    msg_imported = "%(count)s categories imported from %(rows)s rows."
    msg_refused = "%(name)s may not import categories."
    batch = 2
    columns = (
        kinds.Column("序号", ("编号",), serial=True, format="int", width=6),
        kinds.Column("名称", ("类别名称",), required=True, parse=text_cell, get=lambda c: c.name),
        kinds.Column("启用日期", parse=date_cell, format="date", get=lambda c: None),
        kinds.Column("顺序", parse=int_cell(0), format="int", get=lambda c: c.order),
        kinds.Column(
            "是否启用",
            parse=choice_cell(YES_NO),
            get=lambda c: "是" if c.active else "否",
        ),
        kinds.Column("联系电话", parse=text_cell, personal="phone", get=lambda c: ""),
    )

    def may_import(self, user) -> bool:
        return user.username != "handler"

    def prepare(self, session) -> None:
        session.prepared = True

    def build(self, session, number, cells):
        name = cells["名称"]
        if name and len(name) > 10:
            session.error(number, "名称", name, "名称太长")
        started = cells["启用日期"]
        if started is not None and started > session.today:
            session.error(number, "启用日期", started, "日期在将来")
        if not session.row_ok():
            return None
        if cells["顺序"] is None:
            session.warn(number, "顺序", "", "没有顺序")
        return SimpleNamespace(
            number=number,
            name=name,
            order=cells["顺序"] or 0,
            active=cells["是否启用"] is not False,
        )

    def duplicate_key(self, row):
        return row.name

    def duplicate_cell(self, row):
        return "名称", row.name

    def existing(self, session, rows):
        names = [row.name for row in rows]
        found = Category.objects.filter(kind=KIND, name__in=names)
        return dict.fromkeys(found.values_list("name", flat=True), "")

    def save(self, session, row) -> None:
        Category.objects.create(kind=KIND, name=row.name, order=row.order, active=row.active)

    def finish(self, session):
        return [(1, "名称", "", "全部写入之后")]

    def export_records(self, user, params):
        return Category.objects.filter(kind=KIND).order_by("order", "pk"), {"kind": KIND}


@pytest.fixture
def ledger(monkeypatch):
    """The toy kind, registered for the test only."""
    kinds.keys()  # every kind of the package registered before the copy
    monkeypatch.setattr(kinds, "_REGISTRY", dict(kinds._REGISTRY))
    return kinds.register(CategoryLedger())


@pytest.fixture
def clerk(personas):
    return personas[Role.PETITION_CLERK]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


HEADER = ["序号", "类别名称", "启用日期", "顺序", "是否启用", "联系电话"]


def sheet(rows, header=HEADER) -> io.BytesIO:
    """An office's sheet: a title row above the header, as offices keep them."""
    out = io.BytesIO()
    layout = [(name, 12, "text") for name in header]
    write_ledger(out, title="类别台账", subtitle="填报单位：…", columns=layout, rows=rows)
    out.seek(0)
    return out


def names() -> list[str]:
    return list(Category.objects.filter(kind=KIND).order_by("pk").values_list("name", flat=True))


def test_the_petitions_are_registered_and_a_kind_joins_them(ledger):
    assert ledgers.keys()[:1] == ["petitions"]
    assert ledgers.get("test-categories") is ledger
    assert ledger.required == ("名称",)
    assert ledger.personal == {"联系电话": "phone"}


def test_a_valid_sheet_is_imported_row_by_row_with_progress_and_one_audit_entry(ledger, clerk):
    told = []
    rows = [[n, f"类别{n}", "2026年1月5日", n, "是", ""] for n in range(1, 6)]
    report = import_ledger(
        ledger,
        sheet(rows),
        filename="类别.xlsx",
        actor=clerk,
        progress=lambda done, total, message, force=False: told.append((done, str(message))),
    )
    assert report.ok, report.errors
    assert (report.rows, report.imported) == (5, 5)
    assert names() == [f"类别{n}" for n in range(1, 6)]
    assert told[-1] == (5, "Importing rows")
    entry = AuditEntry.objects.get(action="ledger.import")
    assert entry.diff["kind"] == "test-categories"
    assert entry.diff["imported"] == 5
    # The kind's last word comes after the commit, as a warning.
    assert [(w.column, w.reason) for w in report.warnings] == [("名称", "全部写入之后")]


def test_a_bad_row_after_saved_batches_imports_nothing_and_every_error_is_reported(ledger, clerk):
    future = timezone.localdate() + timedelta(days=3)
    rows = [[n, f"类别{n}", "", n, "是", ""] for n in range(1, 8)]
    rows[4][2] = future  # sheet row 8, after two batches of two were saved
    rows[5][4] = "也许"  # sheet row 9: a choice that does not exist
    rows[6][1] = "一个名字太长太长太长的类别"  # sheet row 10: the kind's own rule
    report = import_ledger(ledger, sheet(rows), filename="类别.xlsx", actor=clerk)
    assert not report.ok and report.imported == 0
    assert [(e.row, e.letter, e.column) for e in report.errors] == [
        (8, "C", "启用日期"),
        (9, "E", "是否启用"),
        (10, "B", "名称"),
    ]
    assert "是/否" in report.errors[1].reason  # the allowed values
    assert names() == []
    assert not AuditEntry.objects.filter(action="ledger.import").exists()


def test_duplicates_in_the_file_are_errors_and_those_in_huiyin_are_skipped(ledger, clerk):
    Category.objects.create(kind=KIND, name="已有")
    rows = [[1, "新的", "", 1, "", ""], [2, "已有", "", 2, "", ""]]
    report = import_ledger(ledger, sheet(rows), filename="类别.xlsx", actor=clerk)
    assert report.ok and report.imported == 1
    assert [(d.row, d.value) for d in report.duplicates] == [(5, "已有")]
    rows = [[1, "重复", "", 1, "", ""], [2, "重复", "", 2, "", ""]]
    report = import_ledger(ledger, sheet(rows), filename="类别.xlsx", actor=clerk)
    assert not report.ok
    assert [(e.row, e.column) for e in report.errors] == [(5, "名称")]
    assert "row 4" in report.errors[0].reason


def test_personal_data_is_masked_in_the_error_report(ledger, clerk):
    rows = [[1, "类别", "2026-02-30", 1, "", "13812345678"]]
    report = import_ledger(ledger, sheet(rows), filename="类别.xlsx", actor=clerk)
    assert [e.column for e in report.errors] == ["启用日期"]
    rows = [[1, "类别", "", -1, "", "13812345678、13912345678"]]
    report = import_ledger(ledger, sheet(rows), filename="类别.xlsx", actor=clerk)
    assert [e.column for e in report.errors] == ["顺序"]
    report.errors.append(report.errors[0])
    out = io.BytesIO()
    write_error_report(report, out)
    out.seek(0)
    values = [c.value for r in load_workbook(out).active.iter_rows() for c in r]
    assert "13812345678" not in " ".join(str(v) for v in values)


def test_a_dry_run_and_a_missing_required_column_write_nothing(ledger, clerk):
    rows = [[1, "类别", "", 1, "", ""]]
    report = import_ledger(ledger, sheet(rows), filename="类别.xlsx", actor=clerk, dry_run=True)
    assert report.ok and report.imported == 0 and names() == []
    header = ["序号", "启用日期"]
    report = import_ledger(
        ledger, sheet([[1, ""]], header=header), filename="类别.xlsx", actor=clerk
    )
    assert report.file_error and "名称" in report.file_error
    assert names() == []


def test_the_kind_says_who_may_import(ledger, personas):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        import_ledger(
            ledger, sheet([]), filename="类别.xlsx", actor=personas[Role.DEPARTMENT_HANDLER]
        )


def test_the_export_writes_each_columns_getter_and_reads_back(ledger, clerk):
    for order, name in enumerate(["乙", "甲"]):
        Category.objects.create(kind=KIND, name=name, order=order, active=bool(order))
    out = io.BytesIO()
    assert export_ledger(ledger, out, user=clerk) == 2
    out.seek(0)
    ws = load_workbook(out).active
    assert [c.value for c in ws[3]] == list(ledger.headers)
    assert [[c.value for c in row] for row in ws.iter_rows(min_row=4)] == [
        [1, "乙", None, 0, "否", None],
        [2, "甲", None, 1, "是", None],
    ]
    entry = AuditEntry.objects.get(action="export")
    assert entry.diff == {"rows": 2, "identity": False, "filters": {"kind": KIND}}
    out.seek(0)
    Category.objects.filter(kind=KIND).delete()
    report = import_ledger(ledger, out, filename="导出.xlsx", actor=clerk)
    assert report.ok and names() == ["乙", "甲"]


def test_the_command_imports_any_registered_kind(db, ledger, tmp_path):
    path = tmp_path / "类别.xlsx"
    path.write_bytes(sheet([[1, "命令", date(2026, 1, 5), 1, "是", ""]]).getvalue())
    out, err = io.StringIO(), io.StringIO()
    call_command("import-ledger", str(path), "--kind", "test-categories", stdout=out, stderr=err)
    assert "1 categories imported from 1 rows." in out.getvalue()
    assert names() == ["命令"]
