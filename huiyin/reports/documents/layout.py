"""The GB/T 9704-2012 elements of documents that go out, on top of :mod:`huiyin.reports.docx_layout`.

docx_layout gives the page (A4, margins 37/35/28/26 mm, 仿宋_GB2312 三号 on a grid of 22 lines
of 28 characters), the title, body, headings, tables and the plain signature. This module adds
what a letter to another organ carries and what a notice to a petitioner needs:

    doc = gb.new_document()
    add_masthead(doc, "浓洄街道办事处")                  # red 发文机关标志
    add_doc_number(doc, "")                             # 发文字号, with its red separator line
    gb.add_title(doc, "关于转送信访事项的函")
    add_addressee(doc, "区住建委")                      # 主送机关
    gb.add_paragraph(doc, "……")
    add_sealed_signature(doc, "浓洄街道办事处", day)    # 署名, 成文日期, 印章 position
    add_colophon(doc, copy_to="", printer="浓洄街道办事处", printed_on=day)   # 版记

A value Huiyin does not hold is never made up: :func:`add_blank` writes an underlined gap to be
filled by hand, and :data:`BLANK_MARK` says in the text that it is to be filled.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from docx.document import Document as DocumentObject
from docx.enum.text import WD_PARAGRAPH_ALIGNMENT, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from huiyin.reports import docx_layout as gb
from huiyin.reports.docx_layout import (  # noqa: F401 - re-exported for the kinds' modules
    add_heading,
    add_paragraph,
    add_signature,
    add_title,
    chinese_date,
    heading_number,
    new_document,
)

#: The red of the masthead and its separator line (GB/T 9704 7.2: 推荐使用红色).
RED = RGBColor(0xE6, 0x00, 0x12)
RED_HEX = "E60012"
MASTHEAD_SIZE_PT = 36  # 小初: within the standard's "不大于 22 mm × 15 mm" a character
COLOPHON_SIZE_PT = 14  # 版记: 4号仿宋
#: Said in the text where a value is to be filled in by hand.
BLANK_MARK = "（待填写）"
FULL_WIDTH_SPACE = "\u3000"


def _no_indent(paragraph: Paragraph) -> None:
    pf = paragraph.paragraph_format
    pf.first_line_indent = Pt(0)
    ind = pf._element.get_or_add_pPr().get_or_add_ind()
    ind.set(qn("w:firstLineChars"), "0")


def _border(paragraph: Paragraph, edge: str, *, size_eighths: int, color: str, space_pt: int):
    """A line over or under the paragraph, as wide as the text block (no indents)."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = ppr.insert_element_before(
            OxmlElement("w:pBdr"),
            "w:shd",
            "w:tabs",
            "w:suppressAutoHyphens",
            "w:kinsoku",
            "w:wordWrap",
            "w:overflowPunct",
            "w:topLinePunct",
            "w:autoSpaceDE",
            "w:autoSpaceDN",
            "w:bidi",
            "w:adjustRightInd",
            "w:snapToGrid",
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
    line = OxmlElement(f"w:{edge}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(size_eighths))
    line.set(qn("w:space"), str(space_pt))
    line.set(qn("w:color"), color)
    order = ["top", "left", "bottom", "right", "between", "bar"]
    following = [qn(f"w:{name}") for name in order[order.index(edge) + 1 :]]
    for child in borders:
        if child.tag in following:
            child.addprevious(line)
            break
    else:
        borders.append(line)


def add_blank(paragraph: Paragraph, chars: int = 6) -> None:
    """An underlined gap of `chars` characters, to be filled in by hand."""
    run = paragraph.add_run(FULL_WIDTH_SPACE * chars)
    run.font.underline = True


def add_masthead(doc: DocumentObject, organ: str) -> Paragraph:
    """发文机关标志: the issuing organ's name, red 方正小标宋简体, centred (GB/T 9704 7.2.4)."""
    paragraph = doc.add_paragraph(style=gb.STYLE_TITLE)
    run = paragraph.add_run(organ)
    run.font.color.rgb = RED
    run.font.size = Pt(MASTHEAD_SIZE_PT)
    paragraph.paragraph_format.space_after = Pt(0)
    return paragraph


def add_doc_number(doc: DocumentObject, number: str, *, year: int | None = None) -> Paragraph:
    """发文字号 two lines below the masthead, centred, with the red separator line 4 mm under
    it (GB/T 9704 7.2.5, 7.2.7). Without a number, a gap to fill: 〔2026〕　　号."""
    doc.add_paragraph(style=gb.STYLE_BODY)
    paragraph = doc.add_paragraph(style=gb.STYLE_BODY)
    _no_indent(paragraph)
    paragraph.alignment = WD_PARAGRAPH_ALIGNMENT.CENTER
    if number:
        paragraph.add_run(number)
    else:
        add_blank(paragraph, 3)
        paragraph.add_run(f"〔{year or timezone.localdate().year}〕")
        add_blank(paragraph, 2)
        paragraph.add_run("号")
    _border(paragraph, "bottom", size_eighths=12, color=RED_HEX, space_pt=11)  # 4 mm ≈ 11 pt
    doc.add_paragraph(style=gb.STYLE_BODY)
    return paragraph


def add_addressee(doc: DocumentObject, organ: str) -> Paragraph:
    """主送机关: flush left under the title, ending in a full-width colon (GB/T 9704 7.3.2)."""
    paragraph = doc.add_paragraph(style=gb.STYLE_BODY)
    _no_indent(paragraph)
    if organ:
        paragraph.add_run(f"{organ}：")
    else:
        add_blank(paragraph, 8)
        paragraph.add_run("：")
    return paragraph


def add_field(doc: DocumentObject, label: str, value: str) -> Paragraph:
    """A body paragraph "label：value"; an empty value is a gap marked as to be filled."""
    paragraph = doc.add_paragraph(style=gb.STYLE_BODY)
    paragraph.add_run(f"{label}：")
    if value:
        paragraph.add_run(value)
    else:
        add_blank(paragraph, 10)
        paragraph.add_run(BLANK_MARK)
    return paragraph


def add_blank_section(doc: DocumentObject, lines: int = 3) -> list[Paragraph]:
    """A marked gap of a few underlined lines, for text Huiyin does not record."""
    marked = add_paragraph(doc, BLANK_MARK)
    out = [marked]
    for _i in range(lines):
        paragraph = doc.add_paragraph(style=gb.STYLE_BODY)
        _no_indent(paragraph)
        add_blank(paragraph, gb.CHARS_PER_LINE)
        out.append(paragraph)
    return out


def add_sealed_signature(
    doc: DocumentObject, organ: str, day: date | None, *, seal_label: str = "（印章）"
) -> tuple[Paragraph, Paragraph, Paragraph]:
    """署名, 印章 and 成文日期 as GB/T 9704 7.3.5.1 lays out a sealed document: the date four
    characters in from the right, the organ's name centred over it, the seal pressing on both
    (its place marked). An empty organ or date is a gap to fill."""
    doc.add_paragraph(style=gb.STYLE_BODY)
    date_text = chinese_date(day) if day else ""
    date_width = gb._text_width_chars(date_text) if date_text else 11
    organ_width = gb._text_width_chars(organ) if organ else 10
    # The organ's centre over the date's centre; the date 4 characters from the right edge.
    organ_right = max(4 + (date_width - organ_width) / 2, 0)
    organ_paragraph = doc.add_paragraph(style=gb.STYLE_SIGNATURE)
    if organ:
        organ_paragraph.add_run(organ)
    else:
        add_blank(organ_paragraph, 10)
    gb._set_indent_chars(organ_paragraph.paragraph_format, right=round(organ_right * 100))
    seal_paragraph = doc.add_paragraph(seal_label, style=gb.STYLE_SIGNATURE)
    seal_right = max(4 + (date_width - gb._text_width_chars(seal_label)) / 2, 0)
    gb._set_indent_chars(seal_paragraph.paragraph_format, right=round(seal_right * 100))
    date_paragraph = doc.add_paragraph(style=gb.STYLE_SIGNATURE)
    if date_text:
        date_paragraph.add_run(date_text)
    else:
        add_blank(date_paragraph, 4)
        date_paragraph.add_run("年")
        add_blank(date_paragraph, 2)
        date_paragraph.add_run("月")
        add_blank(date_paragraph, 2)
        date_paragraph.add_run("日")
    gb._set_indent_chars(date_paragraph.paragraph_format, right=400)
    return organ_paragraph, seal_paragraph, date_paragraph


def _colophon_paragraph(doc: DocumentObject) -> Paragraph:
    paragraph = doc.add_paragraph(style=gb.STYLE_BODY)
    _no_indent(paragraph)
    gb._no_grid_snap(paragraph.paragraph_format)
    paragraph.paragraph_format.line_spacing = Pt(gb.LINE_PITCH_PT)
    gb._set_indent_chars(paragraph.paragraph_format, left=100, right=100)
    return paragraph


def _colophon_run(paragraph: Paragraph, text: str):
    run = paragraph.add_run(text)
    run.font.size = Pt(COLOPHON_SIZE_PT)
    return run


def add_colophon(
    doc: DocumentObject, *, copy_to: str, printer: str, printed_on: date
) -> tuple[Paragraph, Paragraph]:
    """版记 (GB/T 9704 7.4): 抄送 and 印发机关 / 印发日期, 4号仿宋, one character in from each
    side, between black lines (the first and last thick, the one between thin). An empty
    `copy_to` is a gap to fill (or strike out when there is none)."""
    doc.add_paragraph(style=gb.STYLE_BODY)
    copy = _colophon_paragraph(doc)
    _colophon_run(copy, "抄送：")
    if copy_to:
        _colophon_run(copy, f"{copy_to}。")
    else:
        run = _colophon_run(copy, FULL_WIDTH_SPACE * 12)
        run.font.underline = True
    _border(copy, "top", size_eighths=8, color="000000", space_pt=1)  # 0.35 mm ≈ 1 pt
    _border(copy, "bottom", size_eighths=6, color="000000", space_pt=1)  # 0.25 mm
    printed = _colophon_paragraph(doc)
    # 印发机关 flush left, 印发日期 flush right (a right tab one character before the edge).
    text_width = Pt(gb.TEXT_WIDTH_PT - gb.BODY_SIZE_PT)
    printed.paragraph_format.tab_stops.add_tab_stop(text_width, WD_TAB_ALIGNMENT.RIGHT)
    _colophon_run(printed, f"{printer}\t{chinese_date(printed_on)}印发")
    _border(printed, "bottom", size_eighths=8, color="000000", space_pt=1)
    return copy, printed


def add_form_table(doc: DocumentObject, rows: list[tuple[str, str]], *, label_mm: float = 36):
    """A two-column form (label | value), bordered, as registration forms are laid out."""
    text_mm = gb.PAGE_WIDTH_MM - gb.MARGIN_LEFT_MM - gb.MARGIN_RIGHT_MM
    widths = [label_mm, text_mm - label_mm]
    table = doc.add_table(rows=0, cols=2)
    table.autofit = False
    gb._table_borders(table)
    style = doc.styles[gb.STYLE_TABLE]
    size = Pt(gb.TABLE_SIZE_PT)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Mm(width)
    for label, value in rows:
        tr = table.add_row()._tr
        for tc, text, width, bold in zip(
            tr.tc_lst, (label, value), widths, (True, False), strict=True
        ):
            tc.width = Mm(width)
            gb._fill_cell(tc, table, text, style, size, bold=bold)
    return table


def office_name(street) -> str:
    """The issuing organ: the street's own office name when it has one (its branding), else
    the street office by its name (浓洄街道 → 浓洄街道办事处), as the reports name it."""
    own = (getattr(street, "office_name", "") or "").strip()
    if own:
        return own
    name = (getattr(street, "name", "") or "").strip()
    if not name or name.endswith("办事处"):
        return name
    return f"{name}办事处"
