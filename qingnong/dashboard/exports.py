"""Exports of the dashboard's tables: CSV (the core streamed helper) and xlsx (one sheet per table).

The tables are small — one row per child org, per milestone, or per evidence row of the late list — so the
workbook is built in memory; the late-list workbook adds one sheet per rule with that rule's own evidence
columns.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import xlsxwriter
from django.http import HttpResponse, StreamingHttpResponse

from qingnong.core.views import csv_response

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")


@dataclass
class Sheet:
    name: str
    header: list[str]
    rows: list[list[Any]]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime.date | int | float | str):
        return value
    return str(value)


def _safe_sheet_name(name: str, used: set[str]) -> str:
    # Excel: at most 31 characters, none of []:*?/\ and unique in the workbook.
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:31] or "Sheet"
    candidate, n = clean, 2
    while candidate in used:
        suffix = f"({n})"
        candidate, n = clean[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate)
    return candidate


def xlsx_bytes(sheets: Iterable[Sheet]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#F2F3F5", "border": 1})
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    used: set[str] = set()
    for sheet in sheets:
        ws = book.add_worksheet(_safe_sheet_name(sheet.name, used))
        ws.write_row(0, 0, sheet.header, bold)
        widths = [max(6, len(str(h)) * 2) for h in sheet.header]
        for r, row in enumerate(sheet.rows, start=1):
            for c, value in enumerate(row):
                value = _cell(value)
                if isinstance(value, datetime.date):
                    ws.write_datetime(r, c, datetime.datetime.combine(value, datetime.time.min), dates)
                    width = 11
                else:
                    ws.write(r, c, value)
                    width = len(str(value)) * 2 if isinstance(value, str) else 8
                if c < len(widths):
                    widths[c] = min(60, max(widths[c], width))
        for c, width in enumerate(widths):
            ws.set_column(c, c, width)
        ws.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()


def table_response(fmt: str, *, filename: str, sheets: list[Sheet]) -> HttpResponse | StreamingHttpResponse:
    """The first sheet as CSV, or every sheet in one workbook."""
    if fmt == "csv":
        first = sheets[0]
        return csv_response(
            filename=f"{filename}.csv",
            header=first.header,
            rows=iter([[_cell(v) for v in row] for row in first.rows]),
        )
    response = HttpResponse(xlsx_bytes(sheets), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename + '.xlsx')}"
    return response
