"""Word documents in the style of Party and government documents (党政机关公文格式, GB/T 9704-2012).

Title in 小标宋 二号 centred; body in 仿宋 三号 with fixed 28-pt line spacing; first-level headings in
黑体, second-level in 楷体; A4 with the standard margins; the issuing body and date at the end.
Fonts are named as Chinese offices have them; Word or WPS substitute when one is missing.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING1_FONT = "黑体"
HEADING2_FONT = "楷体_GB2312"
SIZE_2 = Pt(22)  # 二号
SIZE_3 = Pt(16)  # 三号
SIZE_4 = Pt(14)  # 四号
SIZE_5 = Pt(10.5)  # 五号

CHINESE_NUMBERS = "一二三四五六七八九十"


def _font(run: Any, name: str, size: Pt, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = size
    run.font.bold = bold
    r_pr = run._element.get_or_add_rPr()
    r_fonts = r_pr.find(qn("w:rFonts"))
    if r_fonts is None:
        r_fonts = r_pr.makeelement(qn("w:rFonts"), {})
        r_pr.append(r_fonts)
    r_fonts.set(qn("w:eastAsia"), name)


class OfficialDocument:
    """Builds one 公文-style .docx: ``title``, then headings, paragraphs and tables, then the signature."""

    def __init__(self, title: str, *, subtitle: str = "") -> None:
        self.document = Document()
        section = self.document.sections[0]
        section.page_height, section.page_width = Mm(297), Mm(210)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        style = self.document.styles["Normal"]
        style.font.name = BODY_FONT
        style.font.size = SIZE_3
        style.element.rPr.rFonts.set(qn("w:eastAsia"), BODY_FONT)
        self._h1 = 0
        self._paragraph(title, TITLE_FONT, SIZE_2, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
        if subtitle:
            self._paragraph(subtitle, HEADING2_FONT, SIZE_3, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
        self._paragraph("", BODY_FONT, SIZE_3, indent=False)

    def _paragraph(
        self, text: str, font: str, size: Pt, *, align: Any = None, indent: bool = True, bold: bool = False
    ) -> Any:
        paragraph = self.document.add_paragraph()
        fmt = paragraph.paragraph_format
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(28)
        fmt.space_before = fmt.space_after = Pt(0)
        if indent:
            fmt.first_line_indent = Pt(32)  # two characters of 三号
        if align is not None:
            paragraph.alignment = align
        _font(paragraph.add_run(text), font, size, bold)
        return paragraph

    def heading(self, text: str) -> None:
        """A first-level heading numbered 一、二、三…"""
        number = CHINESE_NUMBERS[self._h1] if self._h1 < len(CHINESE_NUMBERS) else str(self._h1 + 1)
        self._h1 += 1
        self._paragraph(f"{number}、{text}", HEADING1_FONT, SIZE_3)

    def subheading(self, text: str) -> None:
        self._paragraph(text, HEADING2_FONT, SIZE_3)

    def paragraph(self, text: str) -> None:
        self._paragraph(text, BODY_FONT, SIZE_3)

    def table(self, header: Sequence[str], rows: Sequence[Sequence[Any]], *, caption: str = "") -> None:
        if caption:
            self._paragraph(caption, HEADING1_FONT, SIZE_4, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
        table = self.document.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            cell.text = ""
            _font(cell.paragraphs[0].add_run(str(text)), HEADING1_FONT, SIZE_5)
        for row in rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.text = ""
                _font(cell.paragraphs[0].add_run("" if value is None else str(value)), BODY_FONT, SIZE_5)
        self._paragraph("", BODY_FONT, SIZE_3, indent=False)

    def signature(self, issuer: str, day: datetime.date) -> None:
        self._paragraph("", BODY_FONT, SIZE_3, indent=False)
        self._paragraph(issuer, BODY_FONT, SIZE_3, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
        self._paragraph(
            f"{day.year}年{day.month}月{day.day}日",
            BODY_FONT,
            SIZE_3,
            align=WD_ALIGN_PARAGRAPH.RIGHT,
            indent=False,
        )

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.document.save(buffer)
        return buffer.getvalue()


def docx_response(content: bytes, filename: str) -> Any:
    from urllib.parse import quote

    from django.http import HttpResponse

    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
