"""Hostile and oversized ledgers are refused early, in Chinese, and import nothing.

The files are built here by hand (a zip of minimal SpreadsheetML, or a few CSV lines), so a
"20 MB" shared string or a row numbered 300,000,000 is a few kilobytes on disk.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import trans_real

from huiyin.cases.models import Case
from huiyin.org.roles import Role
from huiyin.reports.ledgers import limits as ledger_read
from huiyin.reports.ledgers.limits import LedgerError, LedgerLimits
from huiyin.reports.ledgers.petitions import import_petition_ledger, read_rows

# The Chinese of the messages these limits added, for as long as the catalogue lacks them
# (once it has them, the catalogue's own translations are the ones tested).
PENDING_ZH = {
    "MSG_CSV_BROKEN": "CSV 文件第 {row} 行附近无法读取，可能有引号位置不对。"
    "请在 Excel 中重新另存为“CSV UTF-8”格式。",
    "MSG_CSV_TOO_LONG": "CSV 文件第 {row} 行附近有一行或一个单元格超过 {limit} 个字符"
    "（可能有引号没有闭合）。请检查文件，并在 Excel 中重新另存为“CSV UTF-8”格式。",
    "MSG_CSV_NUL": "CSV 文件第 {row} 行含有空字符（NUL），不是纯文本文件（可能是没有字节顺序"
    "标记的 UTF-16 文件，或其他类型的文件）。请在 Excel 中重新另存为“CSV UTF-8”格式。",
    "MSG_FILE_TOO_LARGE": "文件超过 {mb} MB。请把台账拆分为几个文件，逐个导入。",
    "MSG_TOO_MANY_ROWS": "第 {row} 行有数据，但一份台账最多 {limit} 行。"
    "请把台账拆分为几个文件，每个不超过 {limit} 行，逐个导入。",
    "MSG_DIMENSION": "工作簿声称其工作表到第 {row} 行，超出了 Excel 的最大行数，文件已损坏。"
    "请用 Excel 打开后重新另存为 .xlsx。",
    "MSG_CELL_TOO_LONG": "第 {row} 行 {column} 列有 {length} 个字符，"
    "一个单元格最多 {limit} 个字符。请缩短后重新导入。",
    "MSG_TEXT_TOO_LONG": "工作簿中有一段文字超过 {limit} 个字符，一个单元格最多 {limit} 个字符。"
    "请缩短后重新导入。",
    "MSG_TEXT_TOO_LONG_ROW": "第 {row} 行附近有一段文字超过 {limit} 个字符，"
    "一个单元格最多 {limit} 个字符。请缩短后重新导入。",
    "MSG_FAR_COLUMN": "第 {row} 行在 {column} 列有内容，超出了 {limit} 列，台账用不了这么多列。"
    "请删除最右边多余的列后重新导入。",
    "MSG_XLSX_TOO_LARGE": "工作簿解压后超出了台账所需的大小（其中的部件 {part} 超过 {mb} MB）。"
    "请把台账拆分为几个文件，或用 Excel 打开后重新另存为 .xlsx。",
    "MSG_XLSX_PARTS": "工作簿包含的部件超过 {limit} 个，Excel 台账不会这样。"
    "请用 Excel 打开后重新另存为 .xlsx。",
    "MSG_XLSX_DOCTYPE": "工作簿的部件 {part} 含有文档类型声明（DOCTYPE），Excel 从不写入这种内容，"
    "为安全起见拒绝导入。请用 Excel 打开文件后重新另存为 .xlsx。",
    "MSG_XLSX_MERGED": "工作表的合并单元格超过 {limit} 个。请取消数据行的合并单元格后重新导入。",
}


def msgid(name: str) -> str:
    with translation.override(None):
        return str(getattr(ledger_read, name))


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    with translation.override("zh-hans"):
        catalog = trans_real.translation("zh-hans")._catalog
        for name, text in PENDING_ZH.items():
            if msgid(name) not in catalog:
                monkeypatch.setitem(catalog._catalogs[0], msgid(name), text)
        yield


@pytest.fixture
def clerk(personas):
    return personas[Role.PETITION_CLERK]


def assert_chinese(text: str) -> None:
    assert re.search(r"[\u4e00-\u9fff]{4}", text), text
    names = r"Excel|UTF-8|xlsx|CSV|DOCTYPE|NUL|[\w/\[\].]+\.(?:xml|rels|png)"
    assert not re.search(r"[A-Za-z]{4,}", re.sub(names, "", text)), text


# --------------------------------------------------------------------------- hostile files

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL}">'
    f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{NS}" xmlns:r="{REL}">'
    '<sheets><sheet name="台账" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL}">'
    f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
HEADER = ["登记日期", "信访形式", "信访人", "所属社区", "信访事项"]
DATA = ["2026-01-05", "来访", "张三", "柑子园社区", "小区电梯长期故障"]


def cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def row(number: int, texts=DATA) -> str:
    cells = "".join(cell(f"{chr(65 + i)}{number}", text) for i, text in enumerate(texts))
    return f'<row r="{number}">{cells}</row>'


def sheet(*rows: str, dimension: str = "", prolog: str = "") -> str:
    size = f'<dimension ref="{dimension}"/>' if dimension else ""
    data = "".join(rows)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="{NS}">{size}'
        f"<sheetData>{data}</sheetData></worksheet>"
    )


def shared(*strings: str, prolog: str = "") -> str:
    items = "".join(f"<si><t>{text}</t></si>" for text in strings)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<sst xmlns="{NS}" '
        f'count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>'
    )


def xlsx(sheet_xml: str | bytes, strings_xml: str | bytes | None = None, extra=()) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", CONTENT_TYPES)
        package.writestr("_rels/.rels", ROOT_RELS)
        package.writestr("xl/workbook.xml", WORKBOOK)
        package.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        package.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        package.writestr("xl/sharedStrings.xml", shared() if strings_xml is None else strings_xml)
        for name, data in extra:
            package.writestr(name, data)
    return out.getvalue()


def with_recorded_size(data: bytes, name: str, size: int) -> bytes:
    """The package with the central directory's uncompressed size of `name` replaced."""
    record = b"PK\x01\x02"
    at = data.index(record)
    encoded = name.encode()
    while True:
        at = data.index(record, at)
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + name_length] == encoded:
            return data[: at + 24] + struct.pack("<L", size) + data[at + 28 :]
        at += 4


def valid_sheet() -> str:
    return sheet(row(1, HEADER), row(2))


def valid_ledger(rows: int = 1) -> bytes:
    return xlsx(sheet(row(1, HEADER), *(row(n) for n in range(2, rows + 2))))


def import_error(data: bytes | str, clerk, filename: str = "台账.xlsx") -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    report = import_petition_ledger(io.BytesIO(data), filename=filename, actor=clerk)
    assert report.file_error and not report.ok and report.imported == 0
    assert Case.objects.count() == 0
    assert_chinese(report.file_error)
    return report.file_error


def read_error(data: bytes | str, filename: str = "台账.xlsx", **limits) -> str:
    source = io.BytesIO(data if isinstance(data, bytes) else data.encode("utf-8"))
    with pytest.raises(LedgerError) as caught:  # noqa: PT012 - opening or reading may raise
        for _row in read_rows(source, filename=filename, limits=LedgerLimits(**limits)):
            pass
    text = str(caught.value)
    assert_chinese(text)
    return text


# --------------------------------------------------------------------------- .xlsx


def test_the_hand_built_workbook_is_a_valid_ledger():
    with read_rows(io.BytesIO(valid_ledger(3)), filename="台账.xlsx") as reader:
        assert [r.values["信访人"] for r in reader] == ["张三"] * 3


@pytest.mark.django_db
def test_a_huge_shared_string_is_refused_without_holding_it(clerk):
    text = "反" * (20 * 1024 * 1024 // 3)  # 20 MB of XML, about 20 KB zipped
    strings = shared(*HEADER, text)
    data = xlsx(
        sheet(
            '<row r="1">'
            + "".join(f'<c r="{chr(65 + i)}1" t="s"><v>{i}</v></c>' for i in range(5))
            + "</row>",
            '<row r="2"><c r="E2" t="s"><v>5</v></c></row>',
        ),
        strings,
    )
    assert len(data) < 100_000
    error = import_error(data, clerk)
    assert "10000 个字符" in error


def test_a_long_shared_string_names_the_cell_that_uses_it():
    header = "".join(f'<c r="{chr(65 + i)}1" t="s"><v>{i}</v></c>' for i in range(5))
    data = xlsx(
        sheet(f'<row r="1">{header}</row>', '<row r="2"><c r="E2" t="s"><v>5</v></c></row>'),
        shared(*HEADER, "长" * 20_000),
    )
    assert "第 2 行 E 列有 20000 个字符" in read_error(data)


def test_a_long_inline_cell_names_its_row_and_column():
    texts = [*DATA[:4], "长" * 10_001]
    data = xlsx(sheet(row(1, HEADER), row(2), row(3, texts)))
    assert "第 3 行 E 列有 10001 个字符" in read_error(data)


@pytest.mark.django_db
def test_a_row_numbered_300_million_is_refused_without_walking_to_it(clerk):
    data = xlsx(sheet(row(1, HEADER), row(2), row(300_000_000)))
    assert len(data) < 3000
    error = import_error(data, clerk)
    assert "第 300000000 行有数据" in error and "200000" in error


def test_a_dimension_beyond_excel_is_refused_before_any_row():
    data = xlsx(sheet(row(1, HEADER), row(2), dimension="A1:E300000000"))
    assert "300000000" in read_error(data)


def test_blank_formatted_rows_past_the_limit_are_passed_over():
    far = '<row r="1000000" s="2" customFormat="1"><c r="A1000000" s="2"/></row>'
    data = xlsx(sheet(row(1, HEADER), row(2), far, dimension="A1:E1000000"))
    with read_rows(io.BytesIO(data), filename="台账.xlsx") as reader:
        assert [r.number for r in reader] == [2]
        assert reader.last_row_hint is None


def test_rows_out_of_order_are_refused():
    data = xlsx(sheet(row(1, HEADER), row(3), row(2)))
    assert "第 2 行附近已损坏" in read_error(data)


def test_too_many_rows_are_refused_and_the_limit_itself_is_fine():
    data = valid_ledger(40)  # rows 2..41
    with read_rows(io.BytesIO(data), filename="台账.xlsx", limits=LedgerLimits(max_rows=41)) as r:
        assert len(list(r)) == 40
    assert "第 41 行有数据" in read_error(data, max_rows=40)


def test_a_value_far_to_the_right_is_refused_and_empty_far_cells_ignored():
    far = '<row r="2">' + cell("A2", "2026-01-05") + '<c r="XFD2" s="1"/></row>'
    data = xlsx(sheet(row(1, HEADER), far))
    with read_rows(io.BytesIO(data), filename="台账.xlsx") as reader:
        assert len(list(reader)) == 1
    data = xlsx(sheet(row(1, HEADER), '<row r="2">' + cell("XFD2", "x") + "</row>"))
    assert "XFD 列" in read_error(data)


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"])
def test_a_document_type_declaration_is_refused(part):
    laughs = (
        '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>'
    )
    if part.endswith("sheet1.xml"):
        data = xlsx(sheet(row(1, HEADER), row(2, [*DATA[:4], "&lol2;"]), prolog=laughs))
    else:
        data = xlsx(valid_sheet(), shared("&lol2;", prolog=laughs))
    assert f"部件 {part} 含有文档类型声明" in read_error(data)


def test_a_document_type_declaration_in_utf16_or_after_comments_is_refused():
    doctype = '<!-- a comment --><?pi x?>\n<!DOCTYPE x [<!ENTITY e "e">]>'
    utf16 = sheet(row(1, HEADER), prolog=doctype).replace('encoding="UTF-8"', 'encoding="UTF-16"')
    data = xlsx(utf16.encode("utf-16"))
    assert "DOCTYPE" in read_error(data)
    data = xlsx(sheet(row(1, HEADER), prolog=" " * 70_000 + "<!DOCTYPE x>"))
    assert "无法作为 .xlsx 工作簿打开" in read_error(data)  # a prolog too long to check


def test_a_zip_bomb_entry_is_refused_from_the_directory():
    bomb = xlsx(valid_sheet(), extra=[("xl/media/image1.png", b"\0" * 1000)])
    data = with_recorded_size(bomb, "xl/media/image1.png", 0xFFFF0000)  # claims 4 GB
    assert "xl/media/image1.png 超过 32 MB" in read_error(data)
    data = with_recorded_size(valid_ledger(), "xl/worksheets/sheet1.xml", 600 * 1024 * 1024)
    assert "xl/worksheets/sheet1.xml 超过 512 MB" in read_error(data)


def test_a_zip_bomb_entry_is_refused_while_unpacking_when_its_header_lies():
    # 8 MB of zeros (8 KB zipped) under a cap of 1 MB: the honest size is refused at once ...
    padded = valid_sheet().replace("</worksheet>", " " * (8 * 1024 * 1024) + "</worksheet>")
    data = xlsx(padded)
    assert len(data) < 100_000
    assert "超过 1 MB" in read_error(data, max_sheet_bytes=1024 * 1024)
    # ... and a directory claiming 2 KB gets no more than 2 KB unpacked: damaged.
    lying = with_recorded_size(data, "xl/worksheets/sheet1.xml", 2048)
    assert "无法作为 .xlsx 工作簿打开" in read_error(lying)


def test_the_total_unpacked_size_is_capped():
    parts = [(f"xl/media/image{n}.png", b"\0" * 300_000) for n in range(4)]
    data = xlsx(valid_sheet(), extra=parts)
    assert "超过 1 MB" in read_error(data, max_unzipped_bytes=1024 * 1024)


def test_too_many_zip_entries_are_refused():
    extra = [(f"xl/media/image{n}.png", b"") for n in range(1001)]
    assert "超过 1000 个" in read_error(xlsx(valid_sheet(), extra=extra))


def test_too_many_merged_cells_are_refused():
    merges = "".join(f'<mergeCell ref="F{n}:F{n + 1}"/>' for n in range(2, 40, 2))
    body = valid_sheet().replace(
        "</sheetData>", f'</sheetData><mergeCells count="19">{merges}</mergeCells>'
    )
    assert "超过 10 个" in read_error(xlsx(body), max_merged=10)


@pytest.mark.django_db
def test_a_file_over_the_size_limit_is_refused(clerk, settings):
    settings.HUIYIN_LEDGER_MAX_BYTES = 1000
    assert "文件超过 1 MB" in import_error(valid_ledger(5), clerk)


# --------------------------------------------------------------------------- .csv

CSV_HEADER = ",".join(HEADER) + "\r\n"
CSV_ROW = ",".join(DATA) + "\r\n"


@pytest.mark.django_db
def test_a_5_mb_csv_cell_is_refused_with_its_line(clerk):
    text = CSV_HEADER + CSV_ROW + ",".join([*DATA[:4], '"' + "长" * (5 * 1024 * 1024) + '"'])
    error = import_error(text, clerk, filename="台账.csv")
    assert "第 3 行" in error


def test_a_long_csv_cell_names_its_row_and_column():
    text = CSV_HEADER + CSV_ROW + ",".join([*DATA[:4], "长" * 20_000]) + "\r\n"
    assert "第 3 行 E 列有 20000 个字符" in read_error(text, filename="台账.csv")


def test_an_open_quotation_mark_is_refused_with_its_line():
    text = CSV_HEADER + CSV_ROW + '2026-01-05,来访,"张三,柑子园社区,事项\r\n' + CSV_ROW * 20_000
    assert "第 3 行附近" in read_error(text, filename="台账.csv")


@pytest.mark.django_db
def test_a_nul_byte_is_refused_with_its_line(clerk):
    text = CSV_HEADER + CSV_ROW + CSV_ROW.replace("张三", "张\0三")
    error = import_error(text, clerk, filename="台账.csv")
    assert "第 3 行含有空字符" in error


@pytest.mark.django_db
def test_too_many_csv_rows_are_refused(clerk, settings):
    settings.HUIYIN_LEDGER_LIMITS = {"max_rows": 30}
    error = import_error(CSV_HEADER + CSV_ROW * 40, clerk, filename="台账.csv")
    assert "第 31 行有数据" in error


@pytest.mark.django_db
def test_a_csv_in_neither_encoding_is_refused(clerk):
    data = (CSV_HEADER + CSV_ROW).encode("gb18030") + b"\xff\xfe\xfd"
    assert "既不是 UTF-8 也不是 GB18030" in import_error(data, clerk, filename="台账.csv")


# --------------------------------------------------------------------------- the upload page


@pytest.mark.django_db
def test_the_upload_page_reports_a_hostile_workbook_without_a_500(client, clerk, settings):
    settings.HUIYIN_JOBS_SYNC = True
    client.force_login(clerk)
    data = xlsx(sheet(row(1, HEADER), row(2), row(300_000_000)))
    upload = SimpleUploadedFile("台账.xlsx", data)
    response = client.post(reverse("reports:ledger_import"), {"file": upload}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="import-file-error"' in page
    assert "第 300000000 行有数据" in page
    assert Case.objects.count() == 0
