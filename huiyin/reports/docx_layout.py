"""The official-document page of GB/T 9704-2012 (党政机关公文格式) for python-docx.

    doc = new_document()
    add_title(doc, "关于2026年第三季度信访工作情况的通报")
    add_heading(doc, heading_number(1, 1) + "基本情况", 1)      # 一、基本情况
    add_paragraph(doc, "本季度共接待来访群众……")
    add_table(doc, ["社区", "批次", "人次"], [["柑子园社区", "3", "12"]])
    add_signature(doc, "××街道办事处", date(2026, 11, 29))
    doc.save(path)
    check_layout(path)  # the page setup and fonts as read back

The page: A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (a text block of
156 × 225 mm); body 仿宋_GB2312 三号 (16 pt); 22 lines of 28 characters, held by an exact
line pitch of 28.95 pt and a document grid of lines and characters; page numbers 4号 (14 pt)
宋体 "— 1 —" below the text block, outside-aligned as the standard says (odd pages right,
even pages left, one character in from the edge), or centred on request.

Fonts are named as the offices' PCs have them; the document's font table also gives Word
the usual substitutes (仿宋_GB2312 → 仿宋, 楷体_GB2312 → 楷体, 方正小标宋简体 → 宋体), so a PC
without a font still gets the right family. `add_title(fallback=True)` names 宋体 outright.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from datetime import date
from typing import IO, Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_BREAK, WD_LINE_SPACING, WD_PARAGRAPH_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Length, Mm, Pt
from docx.text.paragraph import Paragraph
from lxml import etree

__all__ = [
    "BODY_FONT",
    "TITLE_FALLBACK_FONT",
    "TITLE_FONT",
    "add_heading",
    "add_paragraph",
    "add_signature",
    "add_table",
    "add_title",
    "check_layout",
    "chinese_date",
    "heading_number",
    "new_document",
]

# -- the page --------------------------------------------------------------------------------

PAGE_WIDTH_MM = 210
PAGE_HEIGHT_MM = 297
MARGIN_TOP_MM = 37
MARGIN_BOTTOM_MM = 35
MARGIN_LEFT_MM = 28
MARGIN_RIGHT_MM = 26
LINES_PER_PAGE = 22
CHARS_PER_LINE = 28

TEXT_WIDTH_PT = (PAGE_WIDTH_MM - MARGIN_LEFT_MM - MARGIN_RIGHT_MM) / 25.4 * 72  # 442.2
TEXT_HEIGHT_PT = (PAGE_HEIGHT_MM - MARGIN_TOP_MM - MARGIN_BOTTOM_MM) / 25.4 * 72  # 637.8
# Word keeps line pitch in twentieths of a point: round down, or the 22nd line won't fit.
LINE_PITCH_TWIPS = math.floor(TEXT_HEIGHT_PT * 20 / LINES_PER_PAGE)  # 579
LINE_PITCH_PT = LINE_PITCH_TWIPS / 20  # 28.95

# -- fonts and sizes (号 → points: 二号 22, 三号 16, 四号 14, 小四 12) ---------------------------

TITLE_FONT = "方正小标宋简体"
TITLE_FALLBACK_FONT = "宋体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONTS = {1: "黑体", 2: "楷体_GB2312", 3: BODY_FONT, 4: BODY_FONT}
PAGE_NUMBER_FONT = "宋体"
TITLE_SIZE_PT = 22
BODY_SIZE_PT = 16
PAGE_NUMBER_SIZE_PT = 14
TABLE_SIZE_PT = 14
TABLE_SMALL_SIZE_PT = 12

# Extra character spacing of the grid, in 1/4096 pt, so that 28 body characters fill a line.
CHAR_SPACE = math.floor((TEXT_WIDTH_PT / CHARS_PER_LINE - BODY_SIZE_PT) * 4096)  # -848

# What Word should use where a font is missing: (substitute, family, charset 86 = GB2312).
FONT_SUBSTITUTES = {
    TITLE_FONT: (TITLE_FALLBACK_FONT, "roman"),
    BODY_FONT: ("仿宋", "modern"),
    "楷体_GB2312": ("楷体", "modern"),
    "黑体": ("SimHei", "modern"),
    "宋体": ("SimSun", "auto"),
}

STYLE_TITLE = "GB Title"
STYLE_BODY = "GB Body"
STYLE_HEADINGS = {1: "GB Heading 1", 2: "GB Heading 2", 3: "GB Heading 3", 4: "GB Heading 4"}
STYLE_TABLE = "GB Table Text"
STYLE_SIGNATURE = "GB Signature"
STYLE_PAGE_NUMBER = "GB Page Number"

PAGE_NUMBERS_OUTSIDE = "outside"
PAGE_NUMBERS_CENTER = "center"

_CHINESE_DIGITS = "零一二三四五六七八九"
_TWIPS_PER_PT = 20


# -- small helpers -----------------------------------------------------------------------------


def _set_fonts(font, name: str, size_pt: float | None = None, *, bold: bool | None = None) -> None:
    """Latin and East Asian font names both set (python-docx's font.name sets only Latin)."""
    font.name = name
    r_fonts = font.element.get_or_add_rPr().get_or_add_rFonts()
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        r_fonts.set(qn(slot), name)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        r_fonts.attrib.pop(qn(theme), None)
    if size_pt is not None:
        font.size = Pt(size_pt)
    if bold is not None:
        font.bold = bold


def _set_indent_chars(paragraph_format, *, first_line: int = 0, left: int = 0, right: int = 0):
    """Indents in hundredths of a character (Word's *Chars attributes), with the same in
    points at the body size for readers that ignore character units."""
    pf = paragraph_format
    if first_line:
        pf.first_line_indent = Pt(BODY_SIZE_PT * first_line / 100)
    if left:
        pf.left_indent = Pt(BODY_SIZE_PT * left / 100)
    if right:
        pf.right_indent = Pt(BODY_SIZE_PT * right / 100)
    ind = pf._element.get_or_add_pPr().get_or_add_ind()
    if first_line:
        ind.set(qn("w:firstLineChars"), str(first_line))
    if left:
        ind.set(qn("w:leftChars"), str(left))
    if right:
        ind.set(qn("w:rightChars"), str(right))


_SNAP_SUCCESSORS = (
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)


def _no_grid_snap(paragraph_format) -> None:
    """Off the document grid: the line pitch and character grid apply to body text only."""
    ppr = paragraph_format._element.get_or_add_pPr()
    snap = ppr.find(qn("w:snapToGrid"))
    if snap is None:
        snap = ppr.insert_element_before(OxmlElement("w:snapToGrid"), *_SNAP_SUCCESSORS)
    snap.set(qn("w:val"), "0")


def _outline_level(paragraph_format, level: int) -> None:
    """The level in Word's navigation pane (0 for the title, 1 to 4 for headings)."""
    ppr = paragraph_format._element.get_or_add_pPr()
    outline = OxmlElement("w:outlineLvl")
    outline.set(qn("w:val"), str(level))
    ppr.insert_element_before(outline, "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")


def _paragraph_style(doc: DocumentObject, name: str):
    styles = doc.styles
    if name in [style.name for style in styles]:
        return styles[name]
    style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = styles["Normal"]
    style.quick_style = True
    return style


def _font_table_substitutes(doc: DocumentObject) -> None:
    """Name a substitute (w:altName) for each font used, in word/fontTable.xml."""
    part = next(
        (rel.target_part for rel in doc.part.rels.values() if rel.reltype.endswith("/fontTable")),
        None,
    )
    if part is None:
        return
    root = etree.fromstring(part.blob)
    w = root.nsmap.get("w") or "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    present = {element.get(f"{{{w}}}name") for element in root.findall(f"{{{w}}}font")}
    for name, (substitute, family) in FONT_SUBSTITUTES.items():
        if name in present:
            continue
        font = etree.SubElement(root, f"{{{w}}}font", {f"{{{w}}}name": name})
        etree.SubElement(font, f"{{{w}}}altName", {f"{{{w}}}val": substitute})
        etree.SubElement(font, f"{{{w}}}charset", {f"{{{w}}}val": "86"})
        etree.SubElement(font, f"{{{w}}}family", {f"{{{w}}}val": family})
        etree.SubElement(font, f"{{{w}}}pitch", {f"{{{w}}}val": "variable"})
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _doc_grid(section) -> None:
    sect_pr = section._sectPr
    grid = sect_pr.find(qn("w:docGrid"))
    if grid is None:
        grid = sect_pr.insert_element_before(
            OxmlElement("w:docGrid"), "w:printerSettings", "w:sectPrChange"
        )
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))
    grid.set(qn("w:charSpace"), str(CHAR_SPACE))


def _add_field(paragraph: Paragraph, instruction: str, placeholder: str) -> None:
    """A complex field (begin, instruction, separate, result, end), as Word writes PAGE."""

    def char(kind: str) -> None:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        paragraph.add_run()._r.append(element)

    char("begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    paragraph.add_run()._r.append(instr)
    char("separate")
    paragraph.add_run(placeholder)
    char("end")


def _page_number_paragraph(paragraph: Paragraph, alignment, *, side: str | None) -> None:
    paragraph.style = STYLE_PAGE_NUMBER
    paragraph.alignment = alignment
    one_char = Pt(PAGE_NUMBER_SIZE_PT)  # 空一字, at the page number's size
    if side == "right":
        paragraph.paragraph_format.right_indent = one_char
    elif side == "left":
        paragraph.paragraph_format.left_indent = one_char
    paragraph.add_run("— ")
    _add_field(paragraph, "PAGE", "1")
    paragraph.add_run(" —")


# -- the document ----------------------------------------------------------------------------


def new_document(*, page_numbers: str = PAGE_NUMBERS_OUTSIDE) -> DocumentObject:
    """An empty document with the GB/T 9704 page, styles and page-number footers.

    page_numbers: "outside" (odd pages right, even pages left, as the standard says for
    double-sided printing; the default) or "center".
    """
    if page_numbers not in (PAGE_NUMBERS_OUTSIDE, PAGE_NUMBERS_CENTER):
        raise ValueError("page_numbers is 'outside' or 'center'")
    doc = Document()
    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width = Mm(PAGE_WIDTH_MM)
    section.page_height = Mm(PAGE_HEIGHT_MM)
    section.top_margin = Mm(MARGIN_TOP_MM)
    section.bottom_margin = Mm(MARGIN_BOTTOM_MM)
    section.left_margin = Mm(MARGIN_LEFT_MM)
    section.right_margin = Mm(MARGIN_RIGHT_MM)
    section.gutter = Mm(0)
    section.header_distance = Mm(15)
    # The page number's em dashes sit 7 mm below the text block: the 14 pt line's bottom is
    # then about 35 - 7 - 2.5 = 25.5 mm above the page edge.
    section.footer_distance = Mm(25.5)
    _doc_grid(section)

    # Defaults and Normal: the body text.
    styles_root = doc.styles.element
    defaults = styles_root.find(qn("w:docDefaults"))
    if defaults is not None:
        r_fonts = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
        if r_fonts is not None:
            for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
                r_fonts.attrib.pop(qn(theme), None)
            for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
                r_fonts.set(qn(slot), BODY_FONT)
        for tag in ("w:sz", "w:szCs"):
            size = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn(tag)}")
            if size is not None:
                size.set(qn("w:val"), str(BODY_SIZE_PT * 2))
        lang = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}")
        if lang is not None:
            lang.set(qn("w:val"), "en-US")
            lang.set(qn("w:eastAsia"), "zh-CN")
    normal = doc.styles["Normal"]
    _set_fonts(normal.font, BODY_FONT, BODY_SIZE_PT)
    pf = normal.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Pt(LINE_PITCH_PT)
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    pf.widow_control = False

    body = _paragraph_style(doc, STYLE_BODY)
    body.paragraph_format.alignment = WD_PARAGRAPH_ALIGNMENT.JUSTIFY
    _set_indent_chars(body.paragraph_format, first_line=200)

    title = _paragraph_style(doc, STYLE_TITLE)
    _set_fonts(title.font, TITLE_FONT, TITLE_SIZE_PT, bold=False)
    title.paragraph_format.alignment = WD_PARAGRAPH_ALIGNMENT.CENTER
    title.paragraph_format.keep_with_next = True
    _no_grid_snap(title.paragraph_format)
    _outline_level(title.paragraph_format, 0)

    for level, name in STYLE_HEADINGS.items():
        heading = _paragraph_style(doc, name)
        _set_fonts(heading.font, HEADING_FONTS[level], BODY_SIZE_PT, bold=False)
        heading.paragraph_format.alignment = WD_PARAGRAPH_ALIGNMENT.JUSTIFY
        heading.paragraph_format.keep_with_next = True
        _set_indent_chars(heading.paragraph_format, first_line=200)
        _outline_level(heading.paragraph_format, level)

    table_text = _paragraph_style(doc, STYLE_TABLE)
    table_text.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    table_text.paragraph_format.alignment = WD_PARAGRAPH_ALIGNMENT.CENTER
    _no_grid_snap(table_text.paragraph_format)

    signature = _paragraph_style(doc, STYLE_SIGNATURE)
    signature.paragraph_format.alignment = WD_PARAGRAPH_ALIGNMENT.RIGHT

    page_number = _paragraph_style(doc, STYLE_PAGE_NUMBER)
    _set_fonts(page_number.font, PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE_PT)
    page_number.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    _no_grid_snap(page_number.paragraph_format)

    # Page numbers.
    if page_numbers == PAGE_NUMBERS_OUTSIDE:
        doc.settings.odd_and_even_pages_header_footer = True
        _page_number_paragraph(
            section.footer.paragraphs[0], WD_PARAGRAPH_ALIGNMENT.RIGHT, side="right"
        )
        _page_number_paragraph(
            section.even_page_footer.paragraphs[0], WD_PARAGRAPH_ALIGNMENT.LEFT, side="left"
        )
    else:
        _page_number_paragraph(
            section.footer.paragraphs[0], WD_PARAGRAPH_ALIGNMENT.CENTER, side=None
        )

    _font_table_substitutes(doc)
    # The body of a new python-docx document holds no paragraph: nothing to clear.
    return doc


def add_title(
    doc: DocumentObject, text: str, *, fallback: bool = False, blank_line_after: bool = True
) -> Paragraph:
    """The document title: 方正小标宋简体 二号, centred; with fallback=True in 宋体 instead.

    A line break in `text` starts a new title line. A blank line follows, as the standard
    puts one between the title and the text (or the addressee).
    """
    paragraph = doc.add_paragraph(style=STYLE_TITLE)
    lines = text.split("\n")
    for index, line in enumerate(lines):
        run = paragraph.add_run(line)
        if fallback:
            _set_fonts(run.font, TITLE_FALLBACK_FONT)
        if index < len(lines) - 1:
            run.add_break(WD_BREAK.LINE)
    if blank_line_after:
        doc.add_paragraph(style=STYLE_BODY)
    return paragraph


def add_heading(doc: DocumentObject, text: str, level: int = 1) -> Paragraph:
    """A heading: level 1 "一、" 黑体, level 2 "（一）" 楷体_GB2312, levels 3 "1." and 4
    "（1）" 仿宋_GB2312; all 三号 and indented two characters. `text` includes its number
    (see heading_number)."""
    if level not in STYLE_HEADINGS:
        raise ValueError("heading levels are 1 to 4")
    return doc.add_paragraph(text, style=STYLE_HEADINGS[level])


def add_paragraph(doc: DocumentObject, text: str) -> Paragraph:
    """A body paragraph: 仿宋_GB2312 三号, justified, first line indented two characters."""
    return doc.add_paragraph(text, style=STYLE_BODY)


def _table_borders(table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = tbl_pr.find(qn("w:tblBorders"))
    if borders is None:
        borders = tbl_pr.insert_element_before(
            OxmlElement("w:tblBorders"),
            "w:shd",
            "w:tblLayout",
            "w:tblCellMar",
            "w:tblLook",
            "w:tblCaption",
            "w:tblDescription",
            "w:tblPrChange",
        )
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "single")
        element.set(qn("w:sz"), "4")
        element.set(qn("w:space"), "0")
        element.set(qn("w:color"), "000000")
        borders.append(element)


def _fill_cell(tc, table, text: Any, style, size: Length, *, bold: bool) -> None:
    paragraph = Paragraph(tc.p_lst[0], table)
    paragraph.style = style
    lines = ("" if text is None else str(text)).split("\n")
    for index, line in enumerate(lines):
        run = paragraph.add_run(line)
        run.font.size = size
        if bold:
            run.font.bold = True
        if index < len(lines) - 1:
            run.add_break(WD_BREAK.LINE)
    tc.get_or_add_tcPr().vAlign_val = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def add_table(
    doc: DocumentObject,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    widths_mm: Sequence[float] | None = None,
    *,
    font_size_pt: float | None = None,
):
    """A bordered table, centred, its header row bold and repeated on every page.

    Text is 仿宋_GB2312 四号 (14 pt) up to five columns and 小四 (12 pt) beyond, unless
    `font_size_pt` says otherwise; widths default to the text width shared equally.
    """
    count = len(header)
    if not count:
        raise ValueError("a table needs at least one column")
    if widths_mm is None:
        text_width_mm = PAGE_WIDTH_MM - MARGIN_LEFT_MM - MARGIN_RIGHT_MM
        widths_mm = [text_width_mm / count] * count
    if len(widths_mm) != count:
        raise ValueError("one width per column")
    size = Pt(font_size_pt or (TABLE_SIZE_PT if count <= 5 else TABLE_SMALL_SIZE_PT))
    style = doc.styles[STYLE_TABLE]

    table = doc.add_table(rows=1, cols=count)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _table_borders(table)
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)

    def add(values: Sequence[Any], *, first: bool = False, bold: bool = False) -> None:
        tr = table.rows[0]._tr if first else table.add_row()._tr
        for tc, value, width in zip(tr.tc_lst, values, widths_mm, strict=True):
            tc.width = Mm(width)
            _fill_cell(tc, table, value, style, size, bold=bold)

    add(header, first=True, bold=True)
    header_row = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    header_row.append(repeat)
    for values in rows:
        if len(values) != count:
            raise ValueError(f"a row of {len(values)} values for {count} columns")
        add(values)
    return table


def chinese_date(day: date) -> str:
    """A date written out as documents date it: 2026年11月29日 (no leading zeros)."""
    return f"{day.year}年{day.month}月{day.day}日"


def _chinese_number(number: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九."""
    if not 0 < number < 100:
        raise ValueError("heading numbers run from 1 to 99")
    tens, ones = divmod(number, 10)
    text = ("" if tens == 1 else _CHINESE_DIGITS[tens]) + "十" if tens else ""
    return text + (_CHINESE_DIGITS[ones] if ones else "")


def heading_number(level: int, number: int) -> str:
    """The number in front of a heading: 一、 （一） 1. （1） for levels 1 to 4."""
    if level == 1:
        return f"{_chinese_number(number)}、"
    if level == 2:
        return f"（{_chinese_number(number)}）"
    if level == 3:
        return f"{number}."
    if level == 4:
        return f"（{number}）"
    raise ValueError("heading levels are 1 to 4")


def _text_width_chars(text: str) -> float:
    """Width in body characters: CJK and full-width count 1, ASCII half."""
    return sum(0.5 if ord(char) < 0x2E80 else 1 for char in text)


def add_signature(doc: DocumentObject, unit: str, day: date) -> tuple[Paragraph, Paragraph]:
    """The issuing unit and the date below the text, as GB/T 9704 lays out an unsealed
    document: a blank line, the unit right-aligned two characters in from the right edge,
    and on the next line the date (2026年11月29日), starting two characters to the right of
    where the unit starts; a date longer than that keeps two characters from the edge and
    moves the unit left instead."""
    date_text = chinese_date(day)
    unit_width = _text_width_chars(unit)
    date_width = _text_width_chars(date_text)
    date_right = unit_width - date_width  # date starts 2 chars right of the unit's start
    unit_right = 2.0
    if date_right < 2:
        unit_right += 2 - date_right
        date_right = 2.0
    doc.add_paragraph(style=STYLE_BODY)
    unit_paragraph = doc.add_paragraph(unit, style=STYLE_SIGNATURE)
    _set_indent_chars(unit_paragraph.paragraph_format, right=round(unit_right * 100))
    date_paragraph = doc.add_paragraph(date_text, style=STYLE_SIGNATURE)
    _set_indent_chars(date_paragraph.paragraph_format, right=round(date_right * 100))
    return unit_paragraph, date_paragraph


# -- reading a document back -----------------------------------------------------------------


def _fonts_of(rpr) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if rpr is None:
        return found
    r_fonts = rpr.find(qn("w:rFonts"))
    if r_fonts is not None:
        for key, attr in (("east_asia", "w:eastAsia"), ("ascii", "w:ascii"), ("h_ansi", "w:hAnsi")):
            value = r_fonts.get(qn(attr))
            if value:
                found[key] = value
    size = rpr.find(qn("w:sz"))
    if size is not None and size.get(qn("w:val")):
        found["size_pt"] = int(size.get(qn("w:val"))) / 2
    bold = rpr.find(qn("w:b"))
    if bold is not None:
        found["bold"] = bold.get(qn("w:val"), "true") not in ("0", "false")
    return found


def _style_chain(style) -> list:
    chain = []
    while style is not None and style not in chain:
        chain.append(style)
        style = style.base_style
    return chain


def _effective_font(doc: DocumentObject, paragraph: Paragraph) -> dict[str, Any]:
    """The font of a paragraph's first text run: run, then paragraph style and the styles it
    is based on, then the document defaults."""
    layers = []
    run = next((run for run in paragraph.runs if run.text.strip()), None)
    if run is not None:
        layers.append(_fonts_of(run._r.rPr))
    for style in _style_chain(paragraph.style):
        layers.append(_fonts_of(style.element.rPr))
    defaults = doc.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    layers.append(_fonts_of(defaults))
    result: dict[str, Any] = {"east_asia": None, "ascii": None, "size_pt": None, "bold": False}
    for key in result:
        for layer in layers:
            if key in layer:
                result[key] = layer[key]
                break
    return result


def _field_text(paragraph_element) -> str:
    """A paragraph's text with each field shown as {INSTRUCTION}: "— {PAGE} —"."""
    parts: list[str] = []
    depth = 0  # inside a complex field (begin … end), its result text is not shown
    instruction: list[str] = []
    shown = False
    for child in paragraph_element.iterchildren():
        if child.tag == qn("w:fldSimple"):
            words = (child.get(qn("w:instr")) or "").split()
            parts.append("{" + (words[0] if words else "") + "}")
            continue
        for element in child.iter(qn("w:fldChar"), qn("w:instrText"), qn("w:t")):
            if element.tag == qn("w:fldChar"):
                kind = element.get(qn("w:fldCharType"))
                if kind == "begin":
                    depth += 1
                    if depth == 1:
                        instruction, shown = [], False
                elif depth == 1 and kind in ("separate", "end") and not shown:
                    words = "".join(instruction).split()
                    parts.append("{" + (words[0] if words else "") + "}")
                    shown = True
                if kind == "end":
                    depth = max(depth - 1, 0)
            elif element.tag == qn("w:instrText"):
                if depth == 1:
                    instruction.append(element.text or "")
            elif depth == 0:
                parts.append(element.text or "")
    return "".join(parts)


def _alignment_name(paragraph: Paragraph, doc: DocumentObject) -> str | None:
    alignment = paragraph.alignment
    if alignment is None:
        for style in _style_chain(paragraph.style):
            if style.paragraph_format.alignment is not None:
                alignment = style.paragraph_format.alignment
                break
    return alignment.name if alignment is not None else None


def _footer_facts(doc: DocumentObject, footer) -> dict[str, Any] | None:
    if footer is None or footer.is_linked_to_previous:
        return None
    paragraph = next((p for p in footer.paragraphs if _field_text(p._p).strip()), None)
    if paragraph is None:
        return {"text": "", "alignment": None, "font": None}
    return {
        "text": _field_text(paragraph._p),
        "alignment": _alignment_name(paragraph, doc),
        "font": _effective_font(doc, paragraph),
    }


def _first_with_style(doc: DocumentObject, names: Sequence[str]) -> Paragraph | None:
    for paragraph in doc.paragraphs:
        if paragraph.style is not None and paragraph.style.name in names and paragraph.text.strip():
            return paragraph
    return None


def check_layout(path_or_file: str | os.PathLike | IO[bytes]) -> dict[str, Any]:
    """Page setup, grid, fonts and page-number footer of a .docx, as read back by python-docx.

    Returns {"page_mm": {"width", "height"}, "margins_mm": {"top", "bottom", "left",
    "right"}, "doc_grid": {"type", "line_pitch_pt", "char_space", "lines_per_page",
    "chars_per_line"}, "line_spacing": {"rule", "pt"} (of the Normal style), "title",
    "body" and "headings" ({level: font}) as fonts {"east_asia", "ascii", "size_pt",
    "bold"}, "footer" and "even_footer" as {"text": "— {PAGE} —", "alignment", "font"} and
    "odd_and_even_pages"}. Lengths are rounded to 0.01 mm. The title is the first paragraph
    in style "GB Title" (else the first non-empty one), the body the first in "GB Body"
    (else in Normal).
    """
    doc = Document(path_or_file)
    section = doc.sections[0]

    def mm(length) -> float | None:
        return None if length is None else round(length.mm, 2)

    grid = section._sectPr.find(qn("w:docGrid"))
    grid_facts: dict[str, Any] = {"type": None, "line_pitch_pt": None, "char_space": None}
    if grid is not None:
        grid_facts["type"] = grid.get(qn("w:type"))
        pitch = grid.get(qn("w:linePitch"))
        grid_facts["line_pitch_pt"] = int(pitch) / _TWIPS_PER_PT if pitch else None
        space = grid.get(qn("w:charSpace"))
        grid_facts["char_space"] = int(space) if space else 0

    normal = doc.styles["Normal"]
    spacing = normal.paragraph_format
    title = _first_with_style(doc, [STYLE_TITLE]) or next(
        (p for p in doc.paragraphs if p.text.strip()), None
    )
    body = _first_with_style(doc, [STYLE_BODY]) or _first_with_style(doc, ["Normal"])
    headings = {
        level: _effective_font(doc, paragraph)
        for level, name in STYLE_HEADINGS.items()
        if (paragraph := _first_with_style(doc, [name])) is not None
    }
    body_font = (
        _effective_font(doc, body)
        if body is not None
        else _effective_font(doc, Paragraph(OxmlElement("w:p"), doc._body))
    )

    text_width_pt = (section.page_width - section.left_margin - section.right_margin) / 12700
    text_height_pt = (section.page_height - section.top_margin - section.bottom_margin) / 12700
    lines = chars = None
    if grid_facts["line_pitch_pt"]:
        lines = math.floor(text_height_pt / grid_facts["line_pitch_pt"] + 1e-9)
    if grid_facts["type"] == "linesAndChars" and body_font["size_pt"]:
        pitch = body_font["size_pt"] + (grid_facts["char_space"] or 0) / 4096
        chars = math.floor(text_width_pt / pitch + 1e-9)
    grid_facts["lines_per_page"] = lines
    grid_facts["chars_per_line"] = chars

    return {
        "page_mm": {"width": mm(section.page_width), "height": mm(section.page_height)},
        "margins_mm": {
            "top": mm(section.top_margin),
            "bottom": mm(section.bottom_margin),
            "left": mm(section.left_margin),
            "right": mm(section.right_margin),
        },
        "footer_distance_mm": mm(section.footer_distance),
        "doc_grid": grid_facts,
        "line_spacing": {
            "rule": spacing.line_spacing_rule.name if spacing.line_spacing_rule else None,
            "pt": spacing.line_spacing.pt if isinstance(spacing.line_spacing, Length) else None,
        },
        "title": _effective_font(doc, title) if title is not None else None,
        "title_alignment": _alignment_name(title, doc) if title is not None else None,
        "body": body_font,
        "headings": headings,
        "footer": _footer_facts(doc, section.footer),
        "even_footer": _footer_facts(doc, section.even_page_footer)
        if doc.settings.odd_and_even_pages_header_footer
        else None,
        "odd_and_even_pages": bool(doc.settings.odd_and_even_pages_header_footer),
    }
