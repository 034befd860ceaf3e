"""Writing ledger sheets, read back with openpyxl and with our own reader."""

import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from huiyin.reports.ledgers.cells import (
    YES_NO,
    choice_label,
    parse_choice,
    parse_date,
    parse_int,
    parse_text,
)
from huiyin.reports.ledgers.export import write_ledger
from huiyin.reports.ledgers.petitions import (
    CHANNELS,
    LEVELS,
    PETITION_COLUMNS,
    PETITION_LEDGER_LAYOUT,
    SATISFACTION,
    STATUSES,
    read_rows,
)

TITLE = "柑子园街道信访事项登记台账"
SUBTITLE = "填报单位：柑子园街道办事处　　统计时段：2026年9月1日至2026年11月29日"


def petition_row(number, **overrides):
    row = {
        "序号": number,
        "登记日期": date(2026, 9, number % 28 + 1),
        "信访形式": "来访",
        "信访层级": "进京",
        "是否集体访": "否",
        "人数": 1,
        "信访人": f"信访人{number}",
        "身份证号": "110105194912310022",
        "联系电话": "13812345678",
        "所属社区": "柑子园社区",
        "问题类别": "征地拆迁",
        "信访事项": "反映拆迁补偿问题，\n要求尽快解决。",
        "被反映单位": "某公司",
        "责任单位": "城建办",
        "包案领导": "王主任",
        "办理状态": "已受理",
        "受理日期": date(2026, 9, 30),
        "答复日期": None,
        "办结日期": None,
        "是否重复信访": "否",
        "满意度": "",
    }
    row.update(overrides)
    return [row[name] for name in PETITION_COLUMNS]


#: The columns an office's ledger has (the export adds 信访编号 and 办理结果).
OFFICE_LAYOUT = tuple(column for column in PETITION_LEDGER_LAYOUT if column[0] in PETITION_COLUMNS)


def write(target, rows, **kwargs):
    return write_ledger(
        target,
        title=TITLE,
        subtitle=SUBTITLE,
        columns=kwargs.pop("columns", OFFICE_LAYOUT),
        rows=rows,
        **kwargs,
    )


def test_it_lays_out_title_subtitle_and_a_frozen_header(tmp_path):
    path = tmp_path / "ledger.xlsx"
    assert write(path, [petition_row(n) for n in range(1, 4)]) == 3
    ws = load_workbook(path).active
    assert ws.title == TITLE
    assert {str(r) for r in ws.merged_cells.ranges} == {"A1:U1", "A2:U2"}
    assert ws["A1"].value == TITLE
    assert ws["A1"].font.b is True
    assert ws["A1"].font.sz == 16
    assert ws["A1"].alignment.horizontal == "center"
    assert ws["A2"].value == SUBTITLE
    assert [cell.value for cell in ws[3]] == list(PETITION_COLUMNS)
    for cell in ws[3]:
        assert cell.font.b is True
        assert cell.alignment.wrap_text is True
        assert cell.border.left.style == "thin"
        assert cell.border.bottom.style == "thin"
    assert ws.freeze_panes == "A4"
    assert ws.column_dimensions["H"].width == 21
    assert ws.column_dimensions["L"].width == 40
    assert ws.print_title_rows == "$3:$3"
    assert ws.page_setup.orientation == "landscape"
    assert ws.auto_filter.ref == "A3:U6"
    assert ws.max_row == 6


def test_it_writes_real_dates_and_text_that_stays_text(tmp_path):
    path = tmp_path / "ledger.xlsx"
    write(
        path,
        [
            petition_row(
                1,
                身份证号="110105194912310022",
                联系电话=13812345678,
                信访事项='=HYPERLINK("http://example.com","x")',
                信访人="  张三  ",
                答复日期=datetime(2026, 10, 8, 9, 30),
            )
        ],
    )
    ws = load_workbook(path).active
    registered = ws["B4"]
    assert registered.is_date
    assert registered.value == datetime(2026, 9, 2)
    assert registered.number_format == "yyyy-mm-dd"
    assert ws["R4"].value == datetime(2026, 10, 8)  # a date column holds the date only
    assert ws["H4"].data_type == "s"
    assert ws["H4"].value == "110105194912310022"  # not 1.10105E+17
    assert ws["H4"].number_format == "@"
    assert ws["I4"].value == "13812345678"
    assert ws["L4"].data_type == "s"  # never a formula
    assert ws["L4"].value.startswith("=HYPERLINK")
    assert ws["G4"].value == "  张三  "  # kept as given; the reader tidies
    assert ws["A4"].value == 1
    assert ws["F4"].value == 1
    assert ws["S4"].value is None
    assert ws["S4"].border.left.style == "thin"  # empty cells keep the grid


def test_it_round_trips_through_the_reader(tmp_path):
    path = tmp_path / "ledger.xlsx"
    originals = [
        petition_row(1),
        petition_row(
            2,
            信访形式="网上",
            信访层级="街道",
            是否集体访="是",
            人数=23,
            身份证号="11010519491231002X",
            联系电话="0816-2345678",
            办理状态="已办结",
            答复日期=date(2026, 10, 20),
            办结日期=date(2026, 10, 21),
            是否重复信访="是",
            满意度="基本满意",
        ),
        petition_row(3, 信访人="", 身份证号=None, 联系电话=None, 被反映单位=None, 满意度="不满意"),
    ]
    write(path, originals)
    with read_rows(path, filename="ledger.xlsx") as reader:
        rows = list(reader)
        assert reader.header_rows == (3,)
        assert reader.unknown_columns == []
    assert [row.number for row in rows] == [4, 5, 6]

    dates = {"登记日期", "受理日期", "答复日期", "办结日期"}
    choices = {
        "信访形式": CHANNELS,
        "信访层级": LEVELS,
        "是否集体访": YES_NO,
        "办理状态": STATUSES,
        "是否重复信访": YES_NO,
        "满意度": SATISFACTION,
    }
    for row, original in zip(rows, originals, strict=True):
        for name, expected in zip(PETITION_COLUMNS, original, strict=True):
            value = row.values[name]
            if name in dates:
                assert parse_date(value) == expected, name
            elif name in ("序号", "人数"):
                assert parse_int(value) == expected, name
            elif name in choices:
                parsed = parse_choice(value, choices[name], column=name)
                assert choice_label(choices[name], parsed) == (expected or ""), name
            else:
                assert parse_text(value) == (expected or ""), name


def test_it_writes_to_a_stream_and_streams_rows_lazily():
    produced = []

    def rows():
        for number in range(1, 501):
            produced.append(number)
            yield petition_row(number)

    buffer = io.BytesIO()
    assert write(buffer, rows()) == 500
    buffer.seek(0)
    with read_rows(buffer, filename="ledger.xlsx") as reader:
        numbers = [row.values["序号"] for row in reader]
    assert numbers == list(range(1, 501))
    assert produced == numbers


def test_it_writes_an_empty_ledger(tmp_path):
    path = tmp_path / "empty.xlsx"
    assert write(path, []) == 0
    ws = load_workbook(path).active
    assert ws.max_row == 3
    with read_rows(path, filename="empty.xlsx") as reader:
        assert list(reader) == []


def test_it_cleans_what_excel_cannot_hold(tmp_path):
    path = tmp_path / "odd.xlsx"
    columns = [("备注", 20, "wrap"), ("数", 8, "number"), ("日", 12, "date")]
    write(
        path,
        [["控制\x01字符\x1f", float("nan"), "2026-09-03"], ["长" * 40000, 2.5, None]],
        columns=columns,
    )
    ws = load_workbook(path).active
    assert ws["A4"].value == "控制字符"
    assert ws["B4"].value is None
    assert ws["C4"].value == "2026-09-03"  # not a date object: written as text, not lost
    assert len(ws["A5"].value) == 32767
    assert ws["B5"].value == 2.5


def test_it_refuses_bad_columns_and_rows(tmp_path):
    with pytest.raises(ValueError, match="unknown column kind"):
        write(tmp_path / "a.xlsx", [], columns=[("x", 10, "money")])
    with pytest.raises(ValueError, match="row 1 has 2 values for 21 columns"):
        write(tmp_path / "b.xlsx", [[1, 2]])
    with pytest.raises(ValueError, match="at least one column"):
        write(tmp_path / "c.xlsx", [], columns=[])


def test_it_names_the_sheet_from_the_title_within_excels_rules(tmp_path):
    path = tmp_path / "t.xlsx"
    write_ledger(
        path,
        title="信访台账[2026/09]：柑子园街道办事处信访事项登记台账汇总表（第三季度）",
        subtitle="",
        columns=[("序号", 6, "int")],
        rows=[[1]],
    )
    title = load_workbook(path).active.title
    assert len(title) <= 31
    assert not set(title) & set("[]:*?/\\")
