"""Writing workbooks: import templates, error workbooks and exports (xlsx in constant memory, or csv).

Every .xlsx here is written by xlsxwriter in ``constant_memory`` mode: each row is flushed to a
temporary file as soon as the next one starts, so a 1 M-row export needs no more memory than one row.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import xlsxwriter

from qingnong.core.normalise import mask_phone, mask_text
from qingnong.core.permissions import Action
from qingnong.core.scoping import grant_paths

from .columns import cell_text
from .definitions import ExportContext, SheetDefinition
from .pipeline import ERROR_COLUMN, ImportReport
from .readers import open_sheet

MAX_TEMPLATE_ROWS = 5000
DATE_FORMAT = "yyyy-mm-dd"


def _workbook(path: str | Path) -> Any:
    return xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )


class XlsxRows:
    """A streamed worksheet: ``write(row)`` appends one row (dates get a date format)."""

    def __init__(
        self, workbook: Any, name: str, header: list[str] | None = None, widths: list[int] | None = None
    ):
        self.workbook = workbook
        self.sheet = workbook.add_worksheet(name[:31])
        self.date_format = workbook.add_format({"num_format": DATE_FORMAT})
        self.header_format = workbook.add_format(
            {"bold": True, "bg_color": "#E8F0FE", "border": 1, "text_wrap": True}
        )
        self.row = 0
        if widths:
            for i, width in enumerate(widths):
                self.sheet.set_column(i, i, width)
        if header is not None:
            self.sheet.write_row(0, 0, header, self.header_format)
            self.sheet.freeze_panes(1, 0)
            self.row = 1

    def write(self, values: Iterable[Any], cell_format: Any = None) -> None:
        sheet = self.sheet
        row = self.row
        for col, value in enumerate(values):
            if value is None or value == "":
                if cell_format is not None:
                    sheet.write_blank(row, col, None, cell_format)
                continue
            if isinstance(value, datetime.datetime):
                if value.tzinfo is not None:
                    value = value.astimezone().replace(tzinfo=None)
                sheet.write_datetime(row, col, value, cell_format or self.date_format)
            elif isinstance(value, datetime.date):
                sheet.write_datetime(
                    row,
                    col,
                    datetime.datetime(value.year, value.month, value.day),
                    cell_format or self.date_format,
                )
            elif isinstance(value, bool):
                sheet.write_string(row, col, "是" if value else "否", cell_format)
            elif isinstance(value, int | float):
                sheet.write_number(row, col, value, cell_format)
            else:
                sheet.write_string(row, col, str(value), cell_format)
        self.row += 1


def write_xlsx(path: str | Path, *, sheet_name: str, header: list[str], rows: Iterable[Iterable[Any]]) -> int:
    """A one-sheet workbook of ``rows`` under ``header``; returns the number of rows written."""
    workbook = _workbook(path)
    sheet = XlsxRows(workbook, sheet_name, header, widths=[max(10, min(40, len(h) * 2 + 4)) for h in header])
    count = 0
    for values in rows:
        sheet.write(values)
        count += 1
    workbook.close()
    return count


def write_csv(path: str | Path, *, header: list[str], rows: Iterable[Iterable[Any]]) -> int:
    """UTF-8 with BOM, so that Excel and WPS open the Chinese text correctly."""
    count = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for values in rows:
            writer.writerow(
                ["" if v is None else v.isoformat() if isinstance(v, datetime.date) else v for v in values]
            )
            count += 1
    return count


# --- templates -------------------------------------------------------------------------------------


def write_template(definition: SheetDefinition, path: str | Path) -> None:
    """The import template of a kind: title, header (required columns in red), one example row,
    dropdowns for choice columns, and a notes sheet explaining every column."""
    columns = definition.import_columns
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet(definition.label)
    notes = workbook.add_worksheet("填写说明")
    lists = workbook.add_worksheet("选项")
    lists.hide()
    title_format = workbook.add_format({"bold": True, "font_size": 14})
    header_format = workbook.add_format({"bold": True, "bg_color": "#E8F0FE", "border": 1, "text_wrap": True})
    required_format = workbook.add_format(
        {"bold": True, "bg_color": "#E8F0FE", "border": 1, "font_color": "#C00000", "text_wrap": True}
    )
    example_format = workbook.add_format({"italic": True, "font_color": "#808080"})
    example_date = workbook.add_format({"italic": True, "font_color": "#808080", "num_format": DATE_FORMAT})
    text_format = workbook.add_format({"num_format": "@"})
    sheet.write(
        0, 0, f"{definition.label}导入模板（红色列必填；第 3 行是示例，导入时自动忽略，可删除）", title_format
    )
    for col, column in enumerate(columns):
        sheet.write(1, col, column.header, required_format if column.required else header_format)
        sheet.set_column(col, col, max(12, len(column.header) * 2 + 6), text_format)
        if column.help:
            sheet.write_comment(1, col, column.help, {"x_scale": 2})
        example = column.example
        if isinstance(example, datetime.date):
            sheet.write_datetime(
                2, col, datetime.datetime(example.year, example.month, example.day), example_date
            )
        elif example not in ("", None):
            sheet.write_string(2, col, cell_text(example), example_format)
        options = column.type.dropdown()
        if options:
            lists.write_column(0, col, options)
            letter = xlsxwriter.utility.xl_col_to_name(col)
            sheet.data_validation(
                2,
                col,
                MAX_TEMPLATE_ROWS,
                col,
                {
                    "validate": "list",
                    "source": f"=选项!${letter}$1:${letter}${len(options)}",
                    "error_title": "请从下拉列表选择",
                    "error_message": "可选：" + "、".join(options)[:200],
                    "error_type": "warning",
                },
            )
    sheet.freeze_panes(2, 0)
    notes.set_column(0, 0, 16)
    notes.set_column(1, 1, 8)
    notes.set_column(2, 3, 50)
    notes.set_column(4, 4, 30)
    notes.write(0, 0, f"{definition.label}导入说明", title_format)
    row = 1
    for line in [
        *definition.notes,
        "表头可以放在前几行（上面可以有标题行），列的顺序不限，认不出的列会被忽略。",
        "日期可写 2014-09-05、2014/9/5、2014年9月5日 或 2014.9.5；手机号请设为文本格式。",
        "一次最多导入 20 万行、20 MB；有任何一行出错时整个文件都不会导入，请下载错误报告改正后重新上传。",
    ]:
        notes.write(row, 0, line)
        row += 1
    row += 1
    for col, heading in enumerate(["列名", "必填", "格式", "说明", "也可写作"]):
        notes.write(row, col, heading, header_format)
    for column in columns:
        row += 1
        notes.write_row(
            row,
            0,
            [
                column.header,
                "必填" if column.required else "",
                column.type.describe(),
                column.help,
                "、".join(column.aliases),
            ],
        )
    workbook.close()


# --- error workbooks ---------------------------------------------------------------------------------


def write_error_workbook(
    path: str | Path, *, source_path: str | Path, filename: str, report: ImportReport
) -> int:
    """The original rows at their original row numbers plus an error column ("错误说明"); bad rows in red.

    Fix the rows marked in red and upload the whole workbook again (the error column is ignored).
    Returns the number of bad rows.
    """
    source = open_sheet(source_path, filename=filename)
    workbook = _workbook(path)
    sheet = workbook.add_worksheet((source.sheet_name or "数据")[:31])
    bad_format = workbook.add_format({"bg_color": "#FDE2E1"})
    bad_date = workbook.add_format({"bg_color": "#FDE2E1", "num_format": DATE_FORMAT})
    error_format = workbook.add_format({"font_color": "#C00000", "bg_color": "#FDE2E1", "text_wrap": False})
    header_format = workbook.add_format({"bold": True, "bg_color": "#E8F0FE", "border": 1})
    date_format = workbook.add_format({"num_format": DATE_FORMAT})
    header_row = report.header_row
    width = 0
    old_error_col: int | None = None
    error_col = 0
    for number, cells in source.rows():
        if number == header_row:
            for i, cell in enumerate(cells):
                if cell_text(cell) == ERROR_COLUMN:
                    old_error_col = i
            kept = [c for i, c in enumerate(cells) if i != old_error_col]
            width = len(kept)
            while width and cell_text(kept[width - 1]) == "":
                width -= 1
            error_col = width
        if old_error_col is not None:
            cells = [c for i, c in enumerate(cells) if i != old_error_col]
        messages = report.error_rows.get(number)
        fmt = bad_format if messages else None
        dfmt = bad_date if messages else date_format
        r = number - 1
        for c, value in enumerate(cells):
            if number == header_row and header_row:
                sheet.write_string(r, c, cell_text(value), header_format)
            elif isinstance(value, datetime.datetime):
                sheet.write_datetime(r, c, value, dfmt)
            elif isinstance(value, datetime.date):
                sheet.write_datetime(r, c, datetime.datetime(value.year, value.month, value.day), dfmt)
            elif isinstance(value, bool):
                sheet.write_boolean(r, c, value, fmt)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value, fmt)
            elif value not in ("", None):
                sheet.write_string(r, c, str(value), fmt)
            elif fmt is not None and c < max(width, 1):
                sheet.write_blank(r, c, None, fmt)
        if number == header_row:
            sheet.write_string(r, error_col, ERROR_COLUMN, header_format)
            sheet.set_column(error_col, error_col, 60)
            sheet.freeze_panes(number, 0)
        elif messages:
            sheet.write_string(
                r, max(error_col, len(cells)), f"第 {number} 行：" + "；".join(messages), error_format
            )
    workbook.close()
    return len(report.error_rows)


# --- exports -----------------------------------------------------------------------------------------


def export_rows(
    definition: SheetDefinition, ctx: ExportContext, *, progress: Callable[[int], None] | None = None
) -> Iterator[list[Any]]:
    """Each record as cells of the kind's export columns; personal columns masked where the user may
    not see personal data (decided per record by its org path)."""
    if definition.export is None:
        raise ValueError(f"kind {definition.kind} has no exporter")
    columns = definition.export_columns
    personal_paths = grant_paths(ctx.user, Action.VIEW_PERSONAL)
    for count, record in enumerate(definition.export(ctx), start=1):
        path = record.get("_path", "")
        allowed = personal_paths is None or any(path.startswith(p) for p in personal_paths)
        cells = []
        for column in columns:
            value = column.type.to_cell(record.get(column.name))
            if column.personal and value and not allowed:
                value = mask_phone(str(value)) if column.personal == "phone" else mask_text(str(value))
            cells.append(value)
        yield cells
        if progress is not None and count % 5000 == 0:
            progress(count)


def export_header(definition: SheetDefinition) -> list[str]:
    return [c.header for c in definition.export_columns]


__all__ = [
    "XlsxRows",
    "export_header",
    "export_rows",
    "write_csv",
    "write_error_workbook",
    "write_template",
    "write_xlsx",
]
