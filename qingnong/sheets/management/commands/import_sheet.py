"""Import a spreadsheet.

    manage.py import_sheet KIND FILE [--under ORG] [--dry-run] [--errors OUT.xlsx] [--as USER]


Exit status: 0 committed (or a dry run without bad rows); 1 some row is bad (nothing written; the error
workbook is written when ``--errors`` is given); 2 the file cannot be read (or the arguments are wrong).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from qingnong.sheets.pipeline import run_import
from qingnong.sheets.registry import definitions, get_definition
from qingnong.sheets.workbooks import write_error_workbook

from ._common import actor_for, org_for


class Command(BaseCommand):
    help = "从 Excel/WPS/CSV 文件导入（组织 orgs、团干部 cadres …）：有任何错误行则全部不写入"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("kind", help="导入类型：" + "、".join(definitions()))
        parser.add_argument("file", help=".xlsx / .xls / .ods / .csv 文件")
        parser.add_argument("--under", help="只导入到该组织之下（区划代码、路径如 怀宁县/石牌镇，或 #编号）")
        parser.add_argument("--dry-run", action="store_true", help="只检查、预览，不写入")
        parser.add_argument("--errors", help="有错误行时把错误报告写到这个 .xlsx 文件")
        parser.add_argument("--as", dest="as_user", help="以该用户的身份和管辖范围导入（默认：系统）")
        parser.add_argument("--skip-existing", action="store_true", help="已存在的记录跳过，不更新")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出结果")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            definition = get_definition(opts["kind"])
        except KeyError as exc:
            raise CommandError(str(exc.args[0]), returncode=2) from None
        path = Path(opts["file"])
        if not path.exists():
            raise CommandError(f"文件不存在：{path}", returncode=2)
        actor = actor_for(opts["as_user"])
        under = org_for(opts["under"], actor, definition.import_action)

        def progress(done: int, total: int) -> None:
            if opts["verbosity"] > 1:
                self.stderr.write(f"\r已处理 {done}/{total} 行", ending="")

        report = run_import(
            definition,
            path,
            actor=actor,
            under=under,
            commit=not opts["dry_run"],
            skip_existing=opts["skip_existing"],
            progress=progress,
        )
        if opts["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2, default=str))
        else:
            self._print(report, dry_run=opts["dry_run"])
        if report.file_error:
            sys.exit(2)
        if report.bad:
            if opts["errors"]:
                write_error_workbook(opts["errors"], source_path=path, filename=path.name, report=report)
                self.stdout.write(f"错误报告已写入：{opts['errors']}")
            sys.exit(1)

    def _print(self, report: Any, *, dry_run: bool) -> None:
        if report.file_error:
            self.stderr.write(f"文件无法导入：{report.file_error}")
            return
        self.stdout.write(f"工作表“{report.sheet_name or report.filename}”，表头在第 {report.header_row} 行")
        if report.unknown_headers:
            self.stdout.write("已忽略无法识别的列：" + "、".join(report.unknown_headers))
        self.stdout.write(report.summary())
        for number, header, message in report.errors[:30]:
            self.stdout.write(f"  第 {number} 行 {header + '：' if header else ''}{message}")
        if report.error_count > 30:
            self.stdout.write(f"  ……共 {report.error_count} 处错误")
        if report.bad:
            self.stdout.write("有错误行，未写入任何数据。")
        elif dry_run:
            self.stdout.write("预览完成（--dry-run），未写入。")
        elif report.committed:
            self.stdout.write("已全部写入。")
