"""Reading ledgers as offices keep them: messy sheets built here with openpyxl, and CSVs."""

import csv
import io
import zipfile
from datetime import date, datetime

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from huiyin.reports.ledgers.cells import (
    YES_NO,
    CellError,
    choice_label,
    normalize_header,
    parse_choice,
    parse_date,
    parse_int,
    parse_text,
)
from huiyin.reports.ledgers.limits import LedgerError
from huiyin.reports.ledgers.petitions import (
    CHANNELS,
    LEVELS,
    PETITION_COLUMNS,
    SATISFACTION,
    STATUSES,
    read_rows,
)
from huiyin.reports.ledgers.read_xlsx import _SheetRows, _XlsxSource


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def message(call, *args, **kwargs) -> str:
    with pytest.raises(CellError) as caught:
        call(*args, **kwargs)
    return str(caught.value)


def file_error(*args, **kwargs) -> str:
    with pytest.raises(LedgerError) as caught:
        read_rows(*args, **kwargs)
    return str(caught.value)


# -- a messy sheet -------------------------------------------------------------------------------

MESSY_HEADER = [
    "序 号",
    "来访\n日期",
    "信访形式（来信/来访/来电/网上/上级交办）",
    "信访层级",
    "是否集体访",
    "人数(人)",
    "*姓名（必填）",
    "身份证号码",
    "手机号",
    "社区",
    "问题类别",
    "主要　诉求",
    "被反映单位",
    "责任单位",
    "包案领导",
    "办理状态",
    "受理日期",
    "答复日期",
    "办结日期",
    "是否重复信访",
    "满意度",
    "备注",
]


def messy_workbook(path):
    """Title rows merged above the header, a column-numbers row, blank rows, a totals row
    and a footer; every date form; full-width digits; trailing spaces; 北京/国家 for 进京."""
    wb = Workbook()
    first = wb.active
    first.title = "说明"
    first["A1"] = "this hidden sheet must be skipped"
    first.sheet_state = "hidden"
    ws = wb.create_sheet("台账")
    ws["A1"] = "柑子园街道信访事项登记台账"
    ws.merge_cells("A1:V1")
    ws["A2"] = "填报单位（盖章）：柑子园街道办事处　　　　时间：2026年9月"
    ws.merge_cells("A2:V2")
    ws.append([])  # row 3 blank
    ws.append(MESSY_HEADER)  # row 4
    ws.append(list(range(1, 23)))  # row 5: column numbers
    rows = [
        # row 6: a serial date, 北京, full-width digits, trailing spaces
        [
            1,
            46268,
            "来访 ",
            "北京",
            "是",
            "３人",
            "张三 ",
            "11010519491231002X",
            13812345678,
            "柑子园社区",
            "征地拆迁",
            "  反映拆迁补偿\n问题  ",
            "城建办",
            "城建办",
            "王主任",
            "已受理",
            "2026年9月3日",
            None,
            None,
            "否",
            None,
            "ignored",
        ],
        None,  # row 7 blank
        # row 8: dotted date, 国家
        [
            2,
            "2026.9.3",
            "网上信访",
            "国家",
            "否",
            1,
            "李四",
            None,
            "0816-2345678",
            "翠屏路社区",
            "劳动社保",
            "讨薪",
            None,
            None,
            None,
            "办理中",
            "2026/09/03",
            None,
            None,
            "N",
            "满意",
        ],
        # row 9: the remaining date spellings
        [
            3,
            "2026-9-3",
            "上级交办",
            "赴省",
            "√",
            "2",
            "王五",
            None,
            None,
            "柑子园社区",
            "其他",
            "x",
            None,
            None,
            None,
            "已办结",
            "2026-09-03",
            "20260903",
            "２０２６年９月３日 ",
            "是",
            "基本满意",
        ],
        [None, None, None, None, None, None, None],  # row 10 blank (cells present)
        ["合计", None, None, None, None, 6],  # row 11
        ["填表人：赵六", None, None, None, None, None, "审核人：钱七"],  # row 12
    ]
    for row in rows:
        ws.append(row or [])
    ws["B6"].number_format = "General"  # a bare serial, not formatted as a date
    wb.save(path)
    return path


def test_it_reads_a_messy_sheet(tmp_path):
    path = messy_workbook(tmp_path / "台账.xlsx")
    with read_rows(path, filename="台账.xlsx") as reader:
        rows = list(reader)
        assert reader.sheet_name == "台账"
        assert reader.header_rows == (4,)
        assert reader.columns == list(PETITION_COLUMNS)
        assert reader.unknown_columns == [("V", "备注")]
        assert reader.missing_columns == []
        assert reader.headers["登记日期"] == "来访 日期"
        assert reader.column_letters["信访事项"] == "L"
        assert reader.preamble[0] == "柑子园街道信访事项登记台账"
    assert [row.number for row in rows] == [6, 8, 9]
    assert [(s.number, s.reason) for s in reader.skipped] == [
        (5, "column_numbers"),
        (11, "totals"),
        (12, "footer"),
    ]
    first, second, third = (row.values for row in rows)
    assert set(first) == set(PETITION_COLUMNS)
    day = date(2026, 9, 3)
    assert parse_date(first["登记日期"]) == day
    assert parse_date(first["受理日期"]) == day
    assert parse_date(second["登记日期"]) == day
    assert parse_date(second["受理日期"]) == day
    assert parse_date(third["登记日期"]) == day
    assert parse_date(third["受理日期"]) == day
    assert parse_date(third["答复日期"]) == day
    assert parse_date(third["办结日期"]) == day
    assert parse_choice(first["信访层级"], LEVELS, column="信访层级") == "national"
    assert parse_choice(second["信访层级"], LEVELS, column="信访层级") == "national"
    assert parse_choice(third["信访层级"], LEVELS, column="信访层级") == "province"
    assert parse_choice(first["信访形式"], CHANNELS, column="信访形式") == "visit"
    assert parse_choice(second["信访形式"], CHANNELS, column="信访形式") == "online"
    assert parse_choice(third["信访形式"], CHANNELS, column="信访形式") == "assigned"
    assert [parse_int(v["人数"], minimum=1) for v in (first, second, third)] == [3, 1, 2]
    assert parse_text(first["信访人"]) == "张三"
    assert parse_text(first["信访事项"]) == "反映拆迁补偿\n问题"
    assert parse_text(first["联系电话"]) == "13812345678"
    assert [
        parse_choice(v["是否集体访"], YES_NO, column="是否集体访") for v in rows_values(rows)
    ] == [
        True,
        False,
        True,
    ]
    assert parse_choice(second["是否重复信访"], YES_NO, column="是否重复信访") is False
    assert parse_choice(first["满意度"], SATISFACTION, column="满意度") is None
    assert parse_choice(third["满意度"], SATISFACTION, column="满意度") == "basically_satisfied"
    assert parse_choice(third["办理状态"], STATUSES, column="办理状态") == "concluded"


def rows_values(rows):
    return [row.values for row in rows]


def test_it_row_numbers_are_the_ones_excel_shows(tmp_path):
    path = messy_workbook(tmp_path / "a.xlsx")
    sheet = load_workbook(path)["台账"]
    with read_rows(path, filename="a.xlsx") as reader:
        letters = reader.column_letters
        for row in reader:
            for column in ("序号", "信访人", "所属社区"):
                assert sheet[f"{letters[column]}{row.number}"].value == row.values[column]


def test_it_fast_rows_match_openpyxl(tmp_path):
    """The lxml row reader gives what openpyxl's own read-only rows give, gaps included."""
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "text"
    ws["C1"] = 3.5
    ws["D1"] = True
    ws["E1"] = datetime(2026, 9, 3, 14, 30)
    ws["F1"] = date(2026, 9, 3)
    ws["G1"] = "=1+1"
    ws["B4"] = "after a gap"
    ws["AB4"] = 12
    ws["A5"] = " padded "
    wb.save(tmp_path / "f.xlsx")
    source = _XlsxSource(tmp_path / "f.xlsx")
    try:
        fast = [list(row) for row in source.rows()]
    finally:
        source.close()
    expected = [
        list(row)
        for row in load_workbook(tmp_path / "f.xlsx", read_only=True, data_only=True).active.values
    ]

    def trimmed(row):
        while row and row[-1] is None:
            row = row[:-1]
        return row

    assert [trimmed(r) for r in fast] == [trimmed(r) for r in expected][: len(fast)]
    assert fast[3][27] == 12
    assert fast[4][0] == " padded "
    assert _SheetRows  # the class under test


def test_it_reads_a_sheet_without_recorded_dimensions(tmp_path):
    """Sheets saved by openpyxl's write-only mode record no size; all rows are still read."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("x")
    ws.append(["登记日期", "信访形式", "信访人", "所属社区", "信访事项"])
    for number in range(50):
        ws.append(["2026-09-03", "来信", f"人{number}", "柑子园社区", "事项"])
    wb.save(tmp_path / "w.xlsx")
    with read_rows(tmp_path / "w.xlsx", filename="w.xlsx") as reader:
        rows = list(reader)
    assert len(rows) == 50
    assert rows[-1].number == 51
    assert rows[-1].values["信访人"] == "人49"
    assert rows[-1].values["序号"] is None  # expected but absent columns read as None
    assert "序号" in reader.missing_columns


def test_it_fills_cells_merged_down_over_data_rows(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["登记日期", "信访形式", "信访人", "所属社区", "信访事项"])
    ws.append(["2026-09-01", "来信", "甲", "柑子园社区", "a"])
    ws.append(["2026-09-02", "来访", "乙", None, "b"])
    ws.append(["2026-09-03", "来电", "丙", None, "c"])
    ws.append(["2026-09-04", "来电", "丁", "翠屏路社区", "d"])
    ws.merge_cells("D2:D4")
    wb.save(tmp_path / "m.xlsx")
    with read_rows(tmp_path / "m.xlsx", filename="m.xlsx") as reader:
        communities = [row.values["所属社区"] for row in reader]
    assert communities == ["柑子园社区", "柑子园社区", "柑子园社区", "翠屏路社区"]


def test_it_reads_a_two_level_header(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["信访台账"])
    ws.append(
        ["序号", "登记日期", "信访人信息", None, "所属社区", "信访形式", "信访事项", "办理情况"]
    )
    ws.append([None, None, "姓名", "电话", None, None, None, "受理日期", "办结日期"])
    ws.append([1, "2026-09-03", "甲", "13812345678", "柑子园社区", "来信", "事项", "2026-09-04"])
    for cell in ("A2:A3", "B2:B3", "C2:D2", "E2:E3", "F2:F3", "G2:G3", "H2:I2"):
        ws.merge_cells(cell)
    wb.save(tmp_path / "h.xlsx")
    with read_rows(tmp_path / "h.xlsx", filename="h.xlsx") as reader:
        rows = list(reader)
        assert reader.header_rows == (2, 3)
        assert reader.column_letters["信访人"] == "C"
        assert reader.column_letters["受理日期"] == "H"
        assert reader.column_letters["办结日期"] == "I"
    assert [row.number for row in rows] == [4]
    assert rows[0].values["联系电话"] == "13812345678"
    assert rows[0].values["受理日期"] == "2026-09-04"


def test_it_skips_a_repeated_header_and_keeps_rows_after_totals(tmp_path):
    wb = Workbook()
    ws = wb.active
    header = ["序号", "登记日期", "信访形式", "信访人", "所属社区", "信访事项"]
    ws.append(header)
    ws.append([1, "2026-09-01", "来信", "甲", "柑子园社区", "a"])
    ws.append(["小计", None, None, None, None, None])
    ws.append(header)  # a pasted second page
    ws.append([2, "2026-09-02", "来信", "乙", "柑子园社区", "b"])
    ws.append([None, "合 计：", None, None, None, None])
    ws.append(["本页合计", None, None, None, None, "2件"])
    ws.append(["以下空白"])
    wb.save(tmp_path / "t.xlsx")
    with read_rows(tmp_path / "t.xlsx", filename="t.xlsx") as reader:
        assert [row.number for row in reader] == [2, 5]
    assert [(s.number, s.reason) for s in reader.skipped] == [
        (3, "totals"),
        (4, "header"),
        (6, "totals"),
        (7, "totals"),
        (8, "footer"),
    ]


# -- CSV ---------------------------------------------------------------------------------------


def csv_bytes(rows, *, encoding: str, delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode(encoding)


CSV_ROWS = [
    ["柑子园街道信访台账"],
    ["序号", "登记日期", "信访形式", "信访层级", "姓名", "社区", "反映问题"],
    ["1", "2026年9月3日", "来访", "进京", "张三", "柑子园社区", "多行\n事项"],
    [],
    ["２", "2026.9.3 ", "网上", "北京", "李四 ", "翠屏路社区", "事项"],
    ["合计", "", "", "", "", "", ""],
]


@pytest.mark.parametrize(
    ("encoding", "delimiter", "expected"),
    [("gb18030", ",", "gb18030"), ("utf-8-sig", "\t", "utf-8-sig"), ("utf-8", ",", "utf-8")],
)
def test_it_reads_csv_in_each_encoding(tmp_path, encoding, delimiter, expected):
    path = tmp_path / "台账.csv"
    path.write_bytes(csv_bytes(CSV_ROWS, encoding=encoding, delimiter=delimiter))
    with read_rows(path, filename=path.name) as reader:
        rows = list(reader)
        assert reader.encoding == expected
        assert reader.delimiter == delimiter
        assert reader.header_rows == (2,)
    assert [row.number for row in rows] == [3, 5]
    assert [(s.number, s.reason) for s in reader.skipped] == [(6, "totals")]
    assert rows[0].values["信访事项"] == "多行\n事项"
    assert rows[0].values["身份证号"] is None  # a column the file lacks
    assert rows[1].values["序号"] == "２"
    assert parse_int(rows[1].values["序号"]) == 2
    assert parse_date(rows[1].values["登记日期"]) == date(2026, 9, 3)
    assert parse_choice(rows[1].values["信访层级"], LEVELS, column="信访层级") == "national"
    assert parse_text(rows[1].values["信访人"]) == "李四"


def test_it_reads_csv_from_an_upload_like_stream():
    data = csv_bytes(CSV_ROWS, encoding="gb18030")
    with read_rows(io.BytesIO(data), filename="UPLOAD.CSV") as reader:
        assert [row.values["信访人"] for row in reader] == ["张三", "李四 "]
    with read_rows(io.StringIO(data.decode("gb18030")), filename="a.csv") as reader:
        assert len(list(reader)) == 2


def test_it_finds_gb18030_after_a_long_ascii_start():
    filler = [["x"] * 3 for _ in range(3000)]  # well past the first sample
    rows = [["登记日期", "信访形式", "信访人", "所属社区", "信访事项"], *filler]
    rows.append(["2026-09-03", "来信", "张三", "柑子园社区", "事项"])
    data = csv_bytes(rows, encoding="gb18030")
    with read_rows(io.BytesIO(data), filename="a.csv") as reader:
        assert reader.encoding == "gb18030"
        last = list(reader)[-1]
    assert last.number == 3002
    assert last.values["信访人"] == "张三"


def test_it_refuses_a_csv_that_is_neither_utf8_nor_gb18030():
    assert "neither UTF-8 nor GB18030" in file_error(
        io.BytesIO(b"\x80\x81\xff\xfe\xff,\xff"), filename="a.csv"
    )


# -- file-level errors ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ledger.xls", "ledger.ods", "ledger", "ledger.xlsx.txt"])
def test_it_refuses_other_formats(name):
    assert "Save the sheet as .xlsx or .csv first." in file_error(io.BytesIO(b"x"), filename=name)


def test_it_refuses_a_renamed_xls():
    old_excel = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512
    assert "Save the sheet as .xlsx or .csv first." in file_error(
        io.BytesIO(old_excel), filename="ledger.xlsx"
    )


def test_it_reads_a_path_whose_name_is_not_xlsx(tmp_path):
    """An upload's temporary file: the format comes from `filename`, not the path."""
    path = messy_workbook(tmp_path / "upload.tmp")
    with read_rows(path, filename="ledger.xlsx") as reader:
        assert len(list(reader)) == 3


def test_it_names_missing_columns_and_what_it_found(tmp_path):
    wb = Workbook()
    wb.active.append(["标题"])
    wb.active.append(["登记日期", "姓名", "备注"])
    wb.save(tmp_path / "a.xlsx")
    text = file_error(tmp_path / "a.xlsx", filename="a.xlsx")
    assert "Required columns are missing: 信访形式、所属社区、信访事项." in text
    assert "header row 2: 登记日期、姓名、备注" in text


def test_it_says_when_there_is_no_header(tmp_path):
    wb = Workbook()
    for number in range(20):
        wb.active.append([f"line {number}"])
    wb.save(tmp_path / "a.xlsx")
    assert "No header row was found in the first 15 rows" in file_error(
        tmp_path / "a.xlsx", filename="a.xlsx"
    )


def test_it_refuses_a_column_given_twice(tmp_path):
    wb = Workbook()
    wb.active.append(["登记日期", "信访形式", "信访人", "所属社区", "信访事项", "日期"])
    wb.save(tmp_path / "a.xlsx")
    assert "The column 登记日期 appears more than once (columns A、F)" in file_error(
        tmp_path / "a.xlsx", filename="a.xlsx"
    )


def test_it_reads_other_ledgers_with_their_own_columns(tmp_path):
    wb = Workbook()
    wb.active.append(["纠纷类型", "发生时间"])
    wb.active.append(["邻里", "2026-09-03"])
    wb.save(tmp_path / "a.xlsx")
    with read_rows(
        tmp_path / "a.xlsx",
        filename="a.xlsx",
        columns=["类型", "日期"],
        aliases={"类型": ["纠纷类型"], "日期": ["发生时间"]},
        required=["类型"],
    ) as reader:
        assert [row.values for row in reader] == [{"类型": "邻里", "日期": "2026-09-03"}]


# -- header names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "normal"),
    [
        (" 登记\n日期 ", "登记日期"),
        ("*信访人（必填）", "信访人"),
        ("联系电话(选填)", "联系电话"),
        ("身份证号　【18位】", "身份证号"),
        ("ＮＯ．", "no."),
        ("人数：", "人数"),
    ],
)
def test_it_normalises_header_names(written, normal):
    assert normalize_header(written) == normal


# -- cell parsers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        date(2026, 9, 3),
        datetime(2026, 9, 3, 10, 30),
        46268,
        46268.75,
        20260903,
        "46268",
        "2026-9-3",
        "2026-09-03",
        "2026.9.3",
        "2026/09/03",
        "2026/9/3",
        "2026年9月3日",
        "2026年09月03日 ",
        "2026年9月3号",
        "20260903",
        "２０２６－０９－０３",
        "２０２６年９月３日",
        " 2026-09-03 00:00:00 ",
        "2026-09-03T14:30",
        "2026。9。3",
    ],
)
def test_it_parses_each_date_form(value):
    assert parse_date(value) == date(2026, 9, 3)


def test_it_treats_blank_dates_as_missing():
    assert parse_date(None) is None
    assert parse_date("  ") is None
    assert (
        message(parse_date, None, required=True) == "This cell is empty, but a value is required."
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-02-30", "“2026-02-30” is not a real calendar date."),
        ("2026年13月1日", "“2026年13月1日” is not a real calendar date."),
        ("20260230", "“20260230” is not a real calendar date."),
        ("9/3/2026", "“9/3/2026” is not a date. Write dates like 2026-09-03, 2026/9/3,"),
        ("下周一", "“下周一” is not a date."),
        (12, "The number 12 is not a date."),
        (3_000_000, "The number 3000000 is not a date."),
        (True, "“True” is not a date."),
        ("1899-12-31", "The date “1899-12-31” is outside 1950–2099; please check the year."),
        ("2206-09-03", "The date “2206-09-03” is outside 1950–2099"),
    ],
)
def test_it_explains_bad_dates(value, expected):
    assert message(parse_date, value).startswith(expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        ("12人", 12),
        ("１２", 12),
        (12.0, 12),
        (12, 12),
        (" 3 人次 ", 3),
        ("1,200", 1200),
    ],
)
def test_it_parses_whole_numbers(value, expected):
    assert parse_int(value) == expected


def test_it_explains_bad_numbers():
    assert message(parse_int, "十二") == "“十二” is not a whole number."
    assert message(parse_int, 2.5) == "“2.5” is not a whole number."
    assert message(parse_int, "0", minimum=1) == "The number must be at least 1; the cell says 0."
    assert parse_int(None) is None
    assert parse_int("", minimum=1) is None


@pytest.mark.parametrize(
    ("mapping", "value", "expected"),
    [
        (CHANNELS, "来信", "letter"),
        (CHANNELS, " 网 信 ", "online"),
        (CHANNELS, "交办", "assigned"),
        (CHANNELS, "VISIT", "visit"),
        (LEVELS, "来街道", "street"),
        (LEVELS, "到区", "district"),
        (LEVELS, "到市", "city"),
        (LEVELS, "赴省", "province"),
        (LEVELS, "进京", "national"),
        (LEVELS, "北京", "national"),
        (LEVELS, "国家", "national"),
        (LEVELS, "国家级", "national"),
        (YES_NO, "是", True),
        (YES_NO, "y", True),
        (YES_NO, "Ｎ", False),
        (YES_NO, "√", True),
        (YES_NO, 1, True),
        (YES_NO, 0.0, False),
        (YES_NO, "0", False),
        (YES_NO, False, False),
        (STATUSES, "已登记", "registered"),
        (STATUSES, "不予受理", "declined"),
        (STATUSES, "已转送", "transferred"),
        (STATUSES, "已答复", "replied"),
        (SATISFACTION, "满意", "satisfied"),
        (SATISFACTION, "不满意", "dissatisfied"),
        (SATISFACTION, "空", None),
        (SATISFACTION, "", None),
    ],
)
def test_it_maps_choices(mapping, value, expected):
    assert parse_choice(value, mapping, column="x") == expected


def test_it_lists_the_allowed_values_for_an_unknown_choice():
    assert message(parse_choice, "上访", CHANNELS, column="信访形式") == (
        "“上访” is not a valid 信访形式. Allowed values: 来信/来访/来电/网上/上级交办."
    )
    assert message(parse_choice, "乡镇", LEVELS, column="信访层级").endswith(
        "Allowed values: 街道/区/市/省/进京."
    )
    assert message(parse_choice, "也许", YES_NO, column="是否集体访").endswith("是/否.")
    assert message(parse_choice, "", YES_NO, column="是否集体访", required=True) == (
        "This cell is empty, but a value is required."
    )


def test_it_accepts_a_callers_own_mapping_each_call():
    for _ in range(100):
        assert parse_choice("b", {"A": 1, "B": 2}, column="x") == 2


def test_it_gives_the_spelling_a_ledger_shows():
    assert choice_label(CHANNELS, "online") == "网上"
    assert choice_label(LEVELS, "national") == "进京"
    assert choice_label(YES_NO, True) == "是"
    assert choice_label(YES_NO, False) == "否"
    assert choice_label(STATUSES, "concluded") == "已办结"
    assert choice_label(SATISFACTION, None) == ""
    for mapping in (CHANNELS, LEVELS, YES_NO, STATUSES, SATISFACTION):
        for value in set(mapping.values()) - {None}:
            assert parse_choice(choice_label(mapping, value), mapping, column="x") == value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        ("", ""),
        ("  张三\u3000 ", "张三"),
        ("a  b\t c", "a b c"),
        ("第一行  \r\n\r\n  第二行 ", "第一行\n第二行"),
        (13812345678, "13812345678"),
        (13812345678.0, "13812345678"),
        (0.1 + 0.2, "0.3"),
        (date(2026, 9, 3), "2026-09-03"),
    ],
)
def test_it_tidies_text(value, expected):
    assert parse_text(value) == expected


def test_it_refuses_an_id_number_excel_has_rounded():
    assert message(parse_text, 1.10105194912310e17).startswith(
        "Excel stored 110105194912310000 as a number and has lost its last digits."
    )
    assert (
        message(parse_text, "  ", required=True) == "This cell is empty, but a value is required."
    )


def test_it_translates_its_messages():
    """Messages are lazy: they speak the language active where they are shown."""
    with pytest.raises(CellError) as caught:
        parse_date("2026-02-30")
    with translation.override("en"):
        assert str(caught.value) == "“2026-02-30” is not a real calendar date."


# -- a workbook as Excel writes it -------------------------------------------------------------

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RELS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
EXCEL_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook {NS} {RELS}>'
        "<sheets>"
        '<sheet name="模板" sheetId="2" state="hidden" r:id="rId2"/>'
        '<sheet name="台账" sheetId="1" r:id="rId1"/>'
        "</sheets>"
        '<definedNames><definedName name="_xlnm.Print_Titles" localSheetId="1">台账!$2:$2</definedName></definedNames>'
        "</workbook>"
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/>'
        '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
        '<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>"
    ),
    "xl/styles.xml": (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet {NS}>'
        '<numFmts count="1"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts>'
        '<fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="176" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="常规" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    ),
    "xl/sharedStrings.xml": (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst {NS} count="12" uniqueCount="12">'
        "<si><t>信访台账</t></si>"  # 0
        "<si><t>登记日期</t></si>"  # 1
        "<si><t>信访形式</t></si>"  # 2
        "<si><r><rPr><b/></rPr><t>信访</t></r><r><t>人</t></r></si>"  # 3 rich text
        "<si><t>所属社区</t></si>"  # 4
        "<si><t>信访事项</t></si>"  # 5
        "<si><t>来访</t></si>"  # 6
        '<si><t xml:space="preserve">张三 </t></si>'  # 7
        "<si><t>柑子园社区</t></si>"  # 8
        "<si><t>拆迁&amp;补偿</t></si>"  # 9
        "<si><t>合计</t></si>"  # 10
        "<si><t>是否集体访</t></si>"  # 11
        "</sst>"
    ),
    "xl/worksheets/sheet2.xml": (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {NS}>'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>hidden</t></is></c></row></sheetData>'
        "</worksheet>"
    ),
    "xl/worksheets/sheet1.xml": (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {NS} {RELS}>'
        '<dimension ref="A1:G6"/><sheetData>'
        '<row r="1" spans="1:7"><c r="A1" t="s"><v>0</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2" t="s"><v>2</v></c>'
        '<c r="C2" t="s"><v>3</v></c><c r="D2" t="s"><v>4</v></c><c r="E2" t="s"><v>5</v></c>'
        '<c r="F2" t="s"><v>11</v></c></row>'
        '<row r="4"><c r="A4" s="1"><v>46268</v></c><c r="B4" t="s"><v>6</v></c>'
        '<c r="C4" t="s"><v>7</v></c><c r="D4" t="s"><v>8</v></c>'
        '<c r="E4" t="str"><f>"拆迁"&amp;"补偿"</f><v>拆迁补偿</v></c><c r="F4" t="b"><v>1</v></c>'
        '<c r="G4" t="e"><v>#N/A</v></c></row>'
        '<row r="5"><c s="2"><v>46269.5</v></c><c t="inlineStr"><is><r><t>来</t></r><r><t>信</t></r></is></c>'
        '<c t="s"><v>7</v></c><c/><c t="s"><v>9</v></c><c t="b"><v>0</v></c></row>'
        '<row r="6"><c r="A6" t="s"><v>10</v></c><c r="B6"><v>2</v></c></row>'
        '</sheetData><mergeCells count="2"><mergeCell ref="A1:G1"/><mergeCell ref="D4:D5"/></mergeCells>'
        "</worksheet>"
    ),
}


def excel_package(path):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, xml in EXCEL_PARTS.items():
            package.writestr(name, xml.encode())
    return path


def test_it_reads_a_workbook_as_excel_writes_it(tmp_path):
    """Shared strings (rich text too), date styles, cached formula results, booleans, error
    values, cells without coordinates, a hidden first sheet and merged cells."""
    path = excel_package(tmp_path / "excel.xlsx")
    with read_rows(path, filename="excel.xlsx") as reader:
        rows = list(reader)
        assert reader.sheet_name == "台账"
        assert reader.header_rows == (2,)
        assert reader.last_row_hint == 6
        assert reader.columns == [
            "登记日期",
            "信访形式",
            "信访人",
            "所属社区",
            "信访事项",
            "是否集体访",
        ]
        assert reader.unknown_columns == []
    assert [row.number for row in rows] == [4, 5]
    first, second = (row.values for row in rows)
    assert first["登记日期"] == datetime(2026, 9, 3)
    assert first["信访人"] == "张三 "
    assert first["信访事项"] == "拆迁补偿"
    assert first["是否集体访"] is True
    assert second["登记日期"] == datetime(2026, 9, 4, 12, 0)
    assert second["信访形式"] == "来信"
    assert second["所属社区"] == "柑子园社区"  # merged down from row 4
    assert second["信访事项"] == "拆迁&补偿"
    assert second["是否集体访"] is False
    assert [(s.number, s.reason) for s in reader.skipped] == [(6, "totals")]

    source = _XlsxSource(path)
    try:
        fast = [list(row) for row in source.rows()]
    finally:
        source.close()
    sheet = load_workbook(path, read_only=True, data_only=True)["台账"]
    expected = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert fast[3] == expected[3]
    assert fast[3][6] == "#N/A"
    assert [v for v in fast[4] if v is not None] == [v for v in expected[4] if v is not None]
