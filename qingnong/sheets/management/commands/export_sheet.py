"""Export a kind: ``manage.py export_sheet KIND OUT.xlsx|OUT.csv [--under ORG] [--as USER]``.

The file has the import columns, so it can be edited and imported again. Personal data (phones,
WeChat IDs) is masked unless the ``--as`` user may see it; exports of personal data are audited.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from qingnong.core.audit import audit_record
from qingnong.core.permissions import Action
from qingnong.sheets.definitions import ExportContext
from qingnong.sheets.refs import OrgIndex
from qingnong.sheets.registry import definitions, get_definition
from qingnong.sheets.workbooks import export_header, export_rows, write_csv, write_xlsx

from ._common import actor_for, org_for


class Command(BaseCommand):
    help = "导出（组织 orgs、团干部 cadres …）为 .xlsx 或 .csv，列与导入模板相同"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("kind", help="导出类型：" + "、".join(definitions()))
        parser.add_argument("out", help="输出文件：.xlsx 或 .csv")
        parser.add_argument("--under", help="只导出该组织及其下级（区划代码、路径或 #编号）")
        parser.add_argument("--as", dest="as_user", help="以该用户的身份和管辖范围导出（默认：系统）")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            definition = get_definition(opts["kind"])
        except KeyError as exc:
            raise CommandError(str(exc.args[0]), returncode=2) from None
        if definition.export is None:
            raise CommandError(f"“{definition.label}”不支持导出", returncode=2)
        out = Path(opts["out"])
        fmt = out.suffix.lower().lstrip(".")
        if fmt not in ("xlsx", "csv"):
            raise CommandError("输出文件须为 .xlsx 或 .csv", returncode=2)
        actor = actor_for(opts["as_user"])
        under = org_for(opts["under"], actor, Action.EXPORT)
        started = time.perf_counter()
        ctx = ExportContext(user=actor, under=under, orgs=OrgIndex())
        if any(c.personal for c in definition.export_columns):
            with transaction.atomic():
                audit_record(
                    actor=actor,
                    action="sheets.export.personal",
                    obj=under,
                    after={"kind": definition.kind, "file": out.name},
                    org_path=under.path if under is not None else "",
                    object_repr=f"导出{definition.label}",
                )
        rows = export_rows(definition, ctx)
        header = export_header(definition)
        if fmt == "csv":
            count = write_csv(out, header=header, rows=rows)
        else:
            count = write_xlsx(out, sheet_name=definition.label, header=header, rows=rows)
        self.stdout.write(f"已导出 {count} 行到 {out}（{time.perf_counter() - started:.1f} 秒）")
