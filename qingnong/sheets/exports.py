"""List-page exports (``?export=xlsx`` / ``?export=csv`` on any ObjectListView).

Small lists are answered at once: CSV streamed row by row, .xlsx written by xlsxwriter in constant
memory to a temporary file that is streamed back. Lists over the background threshold (10 000 rows)
become a job: the page redirects to the job's progress page, where the file can be downloaded.
"""

from __future__ import annotations

import tempfile
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import FileResponse, HttpResponseBase, HttpResponseRedirect
from django.utils import timezone

from .handlers import _plain
from .services import export_background_rows, list_export_start
from .workbooks import write_xlsx


def list_export_response(
    view: Any, queryset: QuerySet[Any], columns: list[Any], fmt: str
) -> HttpResponseBase:
    request = view.request
    user = request.user
    count = queryset.count()
    if count > export_background_rows():
        query = request.GET.copy()
        query.pop("export", None)
        job = list_export_start(
            actor=user,
            view=f"{type(view).__module__}.{type(view).__qualname__}",
            query=query.urlencode(),
            fmt=fmt,
            title=str(view.title or view.export_name),
            org=getattr(user, "home_org", None),
        )
        messages.info(request, f"共 {count} 行，已转为后台导出；完成后在本页下载。")
        return HttpResponseRedirect(job.get_absolute_url())
    if fmt == "csv":
        return view.export_csv(queryset, columns)  # type: ignore[no-any-return]
    tmp = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    write_xlsx(
        tmp.name,
        sheet_name=str(view.title or "导出"),
        header=[c.header for c in columns],
        rows=([_plain(c.value(obj, user)) for c in columns] for obj in queryset.iterator(chunk_size=2000)),
    )
    tmp.seek(0)
    name = f"{view.export_name}-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(tmp, as_attachment=True, filename=name)
