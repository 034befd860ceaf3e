"""The GB/T 9704 page, read back from a saved .docx."""

import io
import zipfile
from datetime import date

import pytest
from docx import Document
from docx.oxml.ns import qn

from huiyin.reports.docx_layout import (
    BODY_FONT,
    TITLE_FALLBACK_FONT,
    TITLE_FONT,
    add_heading,
    add_paragraph,
    add_signature,
    add_table,
    add_title,
    check_layout,
    chinese_date,
    heading_number,
    new_document,
)

UNIT = "柑子园街道办事处"


def report(**kwargs) -> io.BytesIO:
    fallback = kwargs.pop("fallback", False)
    doc = new_document(**kwargs)
    add_title(doc, "关于2026年第三季度\n信访工作情况的通报", fallback=fallback)
    add_heading(doc, heading_number(1, 1) + "基本情况", 1)
    for _ in range(30):  # a few pages, so footers repeat
        add_paragraph(doc, "本季度共接待来访群众128人次，其中集体访3批45人次。" * 3)
    add_heading(doc, heading_number(2, 1) + "各社区情况", 2)
    add_table(doc, ["社区", "批次", "人次"], [["柑子园社区", "3", "12"], ["翠屏路社区", "1", "5"]])
    add_heading(doc, heading_number(3, 1) + "逾期事项", 3)
    add_heading(doc, heading_number(4, 1) + "说明", 4)
    add_signature(doc, UNIT, date(2026, 11, 29))
    buffer = io.BytesIO()
    doc.save(buffer)
    buffer.seek(0)
    return buffer


def test_it_sets_up_the_a4_page_and_margins():
    layout = check_layout(report())
    assert layout["page_mm"]["width"] == pytest.approx(210, abs=0.1)
    assert layout["page_mm"]["height"] == pytest.approx(297, abs=0.1)
    margins = layout["margins_mm"]
    assert margins["top"] == pytest.approx(37, abs=0.1)
    assert margins["bottom"] == pytest.approx(35, abs=0.1)
    assert margins["left"] == pytest.approx(28, abs=0.1)
    assert margins["right"] == pytest.approx(26, abs=0.1)


def test_it_fits_22_lines_of_28_characters():
    layout = check_layout(report())
    assert layout["line_spacing"] == {"rule": "EXACTLY", "pt": pytest.approx(28.95)}
    grid = layout["doc_grid"]
    assert grid["type"] == "linesAndChars"
    assert grid["line_pitch_pt"] == pytest.approx(28.95)
    assert grid["lines_per_page"] == 22
    assert grid["chars_per_line"] == 28


def test_it_uses_the_official_fonts():
    layout = check_layout(report())
    assert layout["body"] == {
        "east_asia": BODY_FONT,
        "ascii": BODY_FONT,
        "size_pt": 16,
        "bold": False,
    }
    assert layout["title"]["east_asia"] == TITLE_FONT == "方正小标宋简体"
    assert layout["title"]["ascii"] == TITLE_FONT
    assert layout["title"]["size_pt"] == 22
    assert layout["title_alignment"] == "CENTER"
    assert layout["headings"][1]["east_asia"] == "黑体"
    assert layout["headings"][2]["east_asia"] == "楷体_GB2312"
    assert layout["headings"][3]["east_asia"] == BODY_FONT
    assert layout["headings"][4]["east_asia"] == BODY_FONT
    assert {font["size_pt"] for font in layout["headings"].values()} == {16}


def test_it_names_east_asian_fonts_in_the_normal_style():
    doc = Document(report())
    fonts = doc.styles["Normal"].element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == BODY_FONT
    assert fonts.get(qn("w:ascii")) == BODY_FONT
    assert fonts.get(qn("w:hAnsi")) == BODY_FONT
    assert fonts.get(qn("w:eastAsiaTheme")) is None


def test_it_offers_the_title_in_the_fallback_font():
    layout = check_layout(report(fallback=True))
    assert layout["title"]["east_asia"] == TITLE_FALLBACK_FONT == "宋体"
    assert layout["title"]["size_pt"] == 22


def test_it_tells_word_which_fonts_substitute_for_missing_ones():
    with zipfile.ZipFile(report()) as package:
        fonts = package.read("word/fontTable.xml").decode()
    assert '<w:font w:name="方正小标宋简体"><w:altName w:val="宋体"/>' in fonts
    assert '<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/>' in fonts
    assert '<w:font w:name="楷体_GB2312"><w:altName w:val="楷体"/>' in fonts


def test_it_numbers_pages_outside_with_em_dashes():
    layout = check_layout(report())
    assert layout["odd_and_even_pages"] is True
    assert layout["footer"]["text"] == "— {PAGE} —"
    assert layout["footer"]["alignment"] == "RIGHT"
    assert layout["even_footer"]["text"] == "— {PAGE} —"
    assert layout["even_footer"]["alignment"] == "LEFT"
    assert layout["footer"]["font"] == {
        "east_asia": "宋体",
        "ascii": "宋体",
        "size_pt": 14,
        "bold": False,
    }
    with zipfile.ZipFile(report()) as package:
        footers = [name for name in package.namelist() if name.startswith("word/footer")]
        xml = package.read(footers[0]).decode()
    assert "\u2014 " in xml and " \u2014" in xml
    assert '<w:instrText xml:space="preserve"> PAGE </w:instrText>' in xml


def test_it_can_centre_page_numbers():
    layout = check_layout(report(page_numbers="center"))
    assert layout["odd_and_even_pages"] is False
    assert layout["even_footer"] is None
    assert layout["footer"]["text"] == "— {PAGE} —"
    assert layout["footer"]["alignment"] == "CENTER"
    with pytest.raises(ValueError):
        new_document(page_numbers="left")


def test_it_indents_body_and_headings_two_characters():
    doc = Document(report())
    body = doc.styles["GB Body"].element.pPr.ind
    assert body.get(qn("w:firstLineChars")) == "200"
    assert body.get(qn("w:firstLine")) == "640"
    assert doc.styles["GB Heading 1"].element.pPr.ind.get(qn("w:firstLineChars")) == "200"


def test_it_builds_a_bordered_table_with_a_repeating_bold_header():
    doc = Document(report())
    table = doc.tables[0]
    assert [cell.text for cell in table.rows[0].cells] == ["社区", "批次", "人次"]
    assert [cell.text for cell in table.rows[2].cells] == ["翠屏路社区", "1", "5"]
    header_run = table.rows[0].cells[0].paragraphs[0].runs[0]
    assert header_run.font.bold is True
    assert header_run.font.size.pt == 14  # 四号 up to five columns
    assert table.rows[1].cells[0].paragraphs[0].runs[0].font.bold is None
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    assert {child.get(qn("w:val")) for child in borders} == {"single"}
    assert len(borders) == 6
    assert table.columns[0].width.mm == pytest.approx(52, abs=0.1)


def test_it_shrinks_wide_tables_and_takes_widths():
    doc = new_document()
    header = [f"列{n}" for n in range(8)]
    table = add_table(doc, header, [["x"] * 8], widths_mm=[19.5] * 8)
    assert table.rows[0].cells[0].paragraphs[0].runs[0].font.size.pt == 12  # 小四
    assert table.columns[3].width.mm == pytest.approx(19.5, abs=0.1)
    with pytest.raises(ValueError):
        add_table(doc, ["a", "b"], [["only one"]])
    with pytest.raises(ValueError):
        add_table(doc, ["a", "b"], [], widths_mm=[10])


def test_it_signs_with_unit_and_date():
    doc = Document(report())
    unit, day = doc.paragraphs[-2], doc.paragraphs[-1]
    assert unit.text == UNIT
    assert day.text == "2026年11月29日"
    assert unit.style.name == day.style.name == "GB Signature"
    assert unit.style.paragraph_format.alignment.name == "RIGHT"
    # The date is wider than the unit less two characters: it keeps two characters from
    # the edge and the unit moves left so the date starts two characters right of it.
    unit_right = int(unit.paragraph_format._element.pPr.ind.get(qn("w:rightChars")))
    date_right = int(day.paragraph_format._element.pPr.ind.get(qn("w:rightChars")))
    assert date_right == 200
    assert unit_right == 300  # unit 8 chars, date 7: date starts at 9, unit at 11
    assert doc.paragraphs[-3].text == ""  # a blank line before the signature


def test_it_signs_a_long_unit_name_two_characters_from_the_edge():
    doc = new_document()
    unit, day = add_signature(doc, "中共柑子园街道工作委员会柑子园街道办事处", date(2026, 1, 5))
    assert day.text == "2026年1月5日"
    assert unit.paragraph_format._element.pPr.ind.get(qn("w:rightChars")) == "200"
    # 20 characters of unit start 22 from the edge; the date (6 wide) starts at 20.
    assert day.paragraph_format._element.pPr.ind.get(qn("w:rightChars")) == "1400"


@pytest.mark.parametrize(
    ("level", "number", "text"),
    [
        (1, 1, "一、"),
        (1, 10, "十、"),
        (1, 12, "十二、"),
        (1, 20, "二十、"),
        (1, 99, "九十九、"),
        (2, 3, "（三）"),
        (3, 4, "4."),
        (4, 5, "（5）"),
    ],
)
def test_it_numbers_headings(level, number, text):
    assert heading_number(level, number) == text


def test_it_refuses_heading_levels_it_does_not_know():
    with pytest.raises(ValueError):
        heading_number(5, 1)
    with pytest.raises(ValueError):
        heading_number(1, 100)
    with pytest.raises(ValueError):
        add_heading(new_document(), "x", 5)


def test_it_writes_dates_without_leading_zeros():
    assert chinese_date(date(2026, 11, 29)) == "2026年11月29日"
    assert chinese_date(date(2026, 1, 5)) == "2026年1月5日"


def test_it_reads_back_a_document_it_did_not_make():
    plain = Document()
    plain.add_paragraph("hello")
    buffer = io.BytesIO()
    plain.save(buffer)
    buffer.seek(0)
    layout = check_layout(buffer)
    assert layout["footer"] is None
    assert layout["title"]["east_asia"] is None  # theme fonts only
    assert layout["doc_grid"]["type"] is None
