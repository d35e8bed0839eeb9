"""Real spreadsheet files for the tests, written the way offices' tools write them.

.xlsx by openpyxl (merged cells, formulas, dates), .xls by xlwt (the BIFF8 format of Excel 97–2003),
.ods by hand (it is a zip of XML, exactly what LibreOffice writes, minus styles), .csv in UTF-8 with or
without BOM and in GBK, encrypted .xlsx by msoffcrypto-tool (Excel's agile encryption), and a zip bomb.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

CADRE_HEADER = ["所属组织", "姓名", "手机号", "性别", "出生年份", "职务", "任职日期"]


def xlsx(
    path: Path,
    rows: Sequence[Sequence[Any]],
    *,
    merges: Sequence[str] = (),
    sheet: str = "Sheet1",
    extra_sheets: dict[str, Sequence[Sequence[Any]]] | None = None,
) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for row in rows:
        ws.append(list(row))
    for merge in merges:
        ws.merge_cells(merge)
    for name, more in (extra_sheets or {}).items():
        other = wb.create_sheet(name)
        for row in more:
            other.append(list(row))
    wb.save(path)
    return path


def xls(path: Path, rows: Sequence[Sequence[Any]]) -> Path:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, datetime.date):
                ws.write(r, c, value, date_style)
            elif value is not None:
                ws.write(r, c, value)
    wb.save(str(path))
    return path


def ods(path: Path, rows: Sequence[Sequence[Any]], *, formula_at: tuple[int, int] | None = None) -> Path:
    """A minimal OpenDocument spreadsheet; ``formula_at`` (row, col), 0-based, gets a formula cell."""
    cells_xml = []
    for r, row in enumerate(rows):
        cells = []
        for c, value in enumerate(row):
            formula = ' table:formula="of:=1+1"' if formula_at == (r, c) else ""
            if value is None or value == "":
                cells.append("<table:table-cell/>")
            elif isinstance(value, bool):
                cells.append(
                    '<table:table-cell office:value-type="boolean" '
                    f'office:boolean-value="{str(value).lower()}">'
                    f"<text:p>{value}</text:p></table:table-cell>"
                )
            elif isinstance(value, datetime.date):
                cells.append(
                    '<table:table-cell office:value-type="date" '
                    f'office:date-value="{value.isoformat()}"{formula}>'
                    f"<text:p>{value.isoformat()}</text:p></table:table-cell>"
                )
            elif isinstance(value, int | float):
                cells.append(
                    f'<table:table-cell office:value-type="float" office:value="{value}"{formula}>'
                    f"<text:p>{value}</text:p></table:table-cell>"
                )
            else:
                cells.append(
                    f'<table:table-cell office:value-type="string"{formula}>'
                    f"<text:p>{escape(str(value))}</text:p>"
                    "</table:table-cell>"
                )
        cells_xml.append("<table:table-row>" + "".join(cells) + "</table:table-row>")
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Sheet1">'
        + "".join(cells_xml)
        + "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return path


def csv_file(
    path: Path, rows: Sequence[Sequence[Any]], *, encoding: str = "utf-8", bom: bool = False
) -> Path:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    data = buffer.getvalue().encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)
    return path


def encrypted_xlsx(path: Path, rows: Sequence[Sequence[Any]], password: str = "Secret-2014") -> Path:
    """An .xlsx with an open password, encrypted exactly as Excel does (ECMA-376 agile encryption)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = path.with_suffix(".plain.xlsx")
    xlsx(plain, rows)
    with open(plain, "rb") as src, open(path, "wb") as dst:
        OOXMLFile(src).encrypt(password, dst)
    plain.unlink()
    return path


def zip_bomb_xlsx(path: Path, *, inflated_mb: int = 1200) -> Path:
    """A real .xlsx whose worksheet inflates to ``inflated_mb`` MB of zeros (a few MB on disk)."""
    plain = path.with_suffix(".plain.xlsx")
    xlsx(plain, [["姓名", "手机号"], ["张三", "13900000000"]])
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename))
        with dst.open("xl/padding.bin", "w", force_zip64=True) as member:
            block = b"\0" * (1024 * 1024)
            for _ in range(inflated_mb):
                member.write(block)
    plain.unlink()
    return path
