"""The job handlers of the sheets app: import (preview or commit), kind export, list-page export."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.http import HttpRequest, QueryDict
from django.utils import timezone
from django.utils.module_loading import import_string

from .definitions import ExportContext
from .jobs import Handler, JobProgress, save_job_file
from .models import Job
from .pipeline import run_import
from .refs import OrgIndex
from .registry import get_definition
from .workbooks import export_header, export_rows, write_csv, write_error_workbook, write_xlsx


def _org(pk: int | None) -> Any:
    if not pk:
        return None
    from qingnong.orgs.models import Org

    return Org.objects.filter(pk=pk).first()


def run_import_job(job: Job, progress: JobProgress) -> None:
    params = job.params
    definition = get_definition(params["kind"])
    commit = job.stage == "commit"
    report = run_import(
        definition,
        job.input_file.path,
        actor=job.user,
        filename=params.get("filename"),
        under=_org(params.get("under")),
        commit=commit,
        skip_existing=bool(params.get("skip_existing")),
        progress=progress,
    )
    job.result = {**job.result, job.stage: report.as_dict()}
    job.progress_done = job.progress_total = report.total
    job.message = ("已导入。" if report.committed else "") + report.summary()
    if report.error_rows and not report.file_error:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "errors.xlsx"
            write_error_workbook(
                out, source_path=job.input_file.path, filename=params.get("filename", ""), report=report
            )
            stem = Path(params.get("filename") or "导入").stem
            save_job_file(job, "error_file", f"{stem}-错误报告.xlsx", out)


def _write(path: Path, fmt: str, *, sheet_name: str, header: list[str], rows: Any) -> int:
    if fmt == "csv":
        return write_csv(path, header=header, rows=rows)
    return write_xlsx(path, sheet_name=sheet_name, header=header, rows=rows)


def run_export_job(job: Job, progress: JobProgress) -> None:
    params = job.params
    definition = get_definition(params["kind"])
    fmt = params.get("format", "xlsx")
    ctx = ExportContext(user=job.user, under=_org(params.get("under")), orgs=OrgIndex())
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"export.{fmt}"
        count = _write(
            out,
            fmt,
            sheet_name=definition.label,
            header=export_header(definition),
            rows=export_rows(definition, ctx, progress=lambda n: progress(n, n)),
        )
        save_job_file(job, "result_file", f"{definition.label}-{timezone.localdate():%Y%m%d}.{fmt}", out)
    job.progress_done = job.progress_total = count
    job.result = {"rows": count}
    job.message = f"已导出 {count} 行"


def run_list_export_job(job: Job, progress: JobProgress) -> None:
    """Rebuild a list page (its view class, the user, the query string) and write what it selects."""
    params = job.params
    view_class = import_string(params["view"])
    request = HttpRequest()
    request.method = "GET"
    request.GET = QueryDict(params.get("query", ""))
    request.user = job.user
    view = view_class()
    view.setup(request)
    _form, filters = view.filters()
    queryset = view.selector(job.user, filters)
    columns = view.export_column_list()
    fmt = params.get("format", "xlsx")
    total = queryset.count()
    user = job.user

    def rows() -> Any:
        for n, obj in enumerate(queryset.iterator(chunk_size=2000), start=1):
            if n % 2000 == 0:
                progress(n, total)
            yield [_plain(c.value(obj, user)) for c in columns]

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"export.{fmt}"
        header = [c.header for c in columns]
        count = _write(out, fmt, sheet_name=str(view.title or "导出"), header=header, rows=rows())
        name = f"{view.export_name}-{timezone.localdate():%Y%m%d}.{fmt}"
        save_job_file(job, "result_file", name, out)
    job.progress_done = job.progress_total = count
    job.result = {"rows": count}
    job.message = f"已导出 {count} 行"


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    import datetime

    if isinstance(value, datetime.date):
        return value
    return str(value)


# The job kinds of the sheets app itself, registered by ``SheetsConfig.ready()``.
HANDLERS: dict[str, Handler] = {
    "sheets.import": run_import_job,
    "sheets.export": run_export_job,
    "sheets.list_export": run_list_export_job,
}
