"""Pages of the sheets app: import per kind (upload → preview → commit), templates, exports, my jobs."""

from __future__ import annotations

import mimetypes
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from qingnong.core.permissions import Action
from qingnong.core.views import Column, ObjectListView, ScopedViewMixin, object_or_404

from . import selectors, services
from .definitions import SheetDefinition, Status
from .forms import ExportForm, ImportForm
from .jobs import job_progress
from .models import Job, JobStatus
from .readers import FileRejected
from .registry import get_definition
from .workbooks import write_template

FILE_FIELDS = {"input": "input_file", "result": "result_file", "errors": "error_file"}


def _definition(kind: str) -> SheetDefinition:
    try:
        return get_definition(kind)
    except KeyError:
        raise Http404("没有这种导入类型") from None


class SheetIndexView(ScopedViewMixin, View):
    """批量导入: the kinds this user may import and export, with templates."""

    model = Job
    action = Action.VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        context = {
            "title": "批量导入导出",
            "importable": selectors.importable_kinds(request.user),
            "exportable": {d.kind for d in selectors.exportable_kinds(request.user)},
        }
        return render(request, "sheets/index.html", context)


class ImportView(ScopedViewMixin, View):
    """Upload a file of one kind; the preview (or its progress) follows on the job page."""

    model = Job
    action: str = Action.ADD

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.definition = _definition(kwargs["kind"])
        self.action = self.definition.import_action
        return super().dispatch(request, *args, **kwargs)

    def context(self, form: ImportForm) -> dict[str, Any]:
        return {"title": f"导入{self.definition.label}", "form": form, "definition": self.definition}

    def get(self, request: HttpRequest, kind: str) -> HttpResponse:
        return render(request, "sheets/import_form.html", self.context(ImportForm(user=request.user)))

    def post(self, request: HttpRequest, kind: str) -> HttpResponse:
        form = ImportForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            try:
                job = services.import_start(
                    actor=request.user,
                    kind=kind,
                    upload=form.cleaned_data["file"],
                    under=form.cleaned_data.get("under"),
                    skip_existing=form.cleaned_data.get("skip_existing", False),
                )
            except FileRejected as exc:
                form.add_error("file", exc.message)
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(
                    None, "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                )
            else:
                return HttpResponseRedirect(job.get_absolute_url())
        return render(request, "sheets/import_form.html", self.context(form), status=422)


class TemplateView(ScopedViewMixin, View):
    """The .xlsx import template of a kind."""

    model = Job
    action = Action.VIEW

    def get(self, request: HttpRequest, kind: str) -> HttpResponseBase:
        definition = _definition(kind)
        tmp = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
        write_template(definition, tmp.name)
        tmp.seek(0)
        return FileResponse(tmp, as_attachment=True, filename=f"{definition.label}导入模板.xlsx")


class ExportView(ScopedViewMixin, View):
    """Export a kind (the import columns) as a background job."""

    model = Job
    action = Action.EXPORT

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.definition = _definition(kwargs["kind"])
        if self.definition.export is None:
            raise Http404("该类型不支持导出")
        return super().dispatch(request, *args, **kwargs)

    def context(self, form: ExportForm) -> dict[str, Any]:
        return {"title": f"导出{self.definition.label}", "form": form, "definition": self.definition}

    def get(self, request: HttpRequest, kind: str) -> HttpResponse:
        return render(request, "sheets/export_form.html", self.context(ExportForm(user=request.user)))

    def post(self, request: HttpRequest, kind: str) -> HttpResponse:
        form = ExportForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                job = services.export_start(
                    actor=request.user,
                    kind=kind,
                    under=form.cleaned_data.get("under"),
                    fmt=form.cleaned_data["format"],
                )
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(
                    None, "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                )
            else:
                return HttpResponseRedirect(job.get_absolute_url())
        return render(request, "sheets/export_form.html", self.context(form), status=422)


# --- jobs ---------------------------------------------------------------------------------------------


def _duration(job: Job) -> str:
    if job.started_at and job.finished_at:
        return f"{(job.finished_at - job.started_at).total_seconds():.1f} 秒"
    return ""


class JobListView(ObjectListView):
    """我的任务: the user's own imports, exports and other background jobs."""

    model = Job
    title = "我的任务"
    export_name = "我的任务"
    columns = [
        Column("title", "任务"),
        Column(lambda j: j.get_status_display(), "状态"),
        Column("message", "结果", css="qn-hide-phone"),
        Column(lambda j: timezone.localtime(j.created_at).strftime("%Y-%m-%d %H:%M"), "创建时间"),
        Column(
            lambda j: timezone.localtime(j.expires_at).strftime("%Y-%m-%d"), "文件保留至", css="qn-hide-phone"
        ),
    ]

    def selector(self, user: Any, filters: dict[str, Any]) -> QuerySet[Job]:
        return selectors.job_list(user=user)


class JobMixin(ScopedViewMixin):
    """A job is visible to its owner only: anyone else gets the same 404 as for a missing job."""

    model = Job
    action = Action.VIEW

    def get_queryset(self) -> QuerySet[Job]:
        return Job.objects.of_user(self.request.user).select_related("org")


def _import_context(job: Job) -> dict[str, Any]:
    stage = "commit" if "commit" in job.result else "preview"
    result = job.result.get(stage) or {}
    counts = result.get("counts") or {}
    groups = [
        (status, Status.LABELS[status], counts.get(status, 0), (result.get("samples") or {}).get(status, []))
        for status in (Status.BAD, Status.NEW, Status.UPDATED, Status.UNCHANGED, Status.SKIPPED)
    ]
    return {
        "report": result,
        "stage": stage,
        "groups": groups,
        "can_commit": (
            job.stage == "preview"
            and job.status == JobStatus.SUCCEEDED
            and result
            and not result.get("file_error")
            and not counts.get(Status.BAD)
            and counts.get(Status.NEW, 0) + counts.get(Status.UPDATED, 0) > 0
        ),
        "kind": job.params.get("kind"),
    }


class JobDetailView(JobMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = self.get_object()
        done, total = job_progress(job)
        context: dict[str, Any] = {"title": job.title, "job": job, "done": done, "total": total}
        if job.kind == services.IMPORT_KIND:
            context.update(_import_context(job))
        return render(request, "sheets/job_detail.html", context)


class JobProgressView(JobMixin, View):
    """The progress bar (htmx polls it every second); a finished job reloads the page."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = self.get_object()
        done, total = job_progress(job)
        response = render(request, "sheets/_job_progress.html", {"job": job, "done": done, "total": total})
        if job.is_finished and getattr(request, "htmx", False):
            response["HX-Refresh"] = "true"
        return response


class JobCommitView(JobMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = self.get_object()
        try:
            job = services.import_commit(actor=request.user, job=job)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            job.refresh_from_db()
            if job.status == JobStatus.SUCCEEDED and (job.result.get("commit") or {}).get("committed"):
                messages.success(request, "导入成功：" + job.message)
            elif job.is_finished:
                messages.error(request, job.message or "导入失败，未写入任何数据")
        return HttpResponseRedirect(job.get_absolute_url())


class JobFileView(JobMixin, View):
    """A job's private file, to its owner only."""

    def get(self, request: HttpRequest, pk: int, which: str) -> HttpResponseBase:
        job = self.get_object()
        field_name = FILE_FIELDS.get(which)
        if field_name is None:
            raise Http404("文件不存在")
        field = getattr(job, field_name)
        if not field or job.status == JobStatus.EXPIRED:
            raise Http404("文件不存在或已过期删除")
        try:
            handle = field.open("rb")
        except FileNotFoundError:
            raise Http404("文件不存在或已过期删除") from None
        name = Path(field.name).name
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        response = FileResponse(handle, content_type=content_type)
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        response["Cache-Control"] = "private, no-store"
        return response


def job_url(job: Job) -> str:
    return reverse("sheets:job_detail", args=[job.pk])


__all__ = [
    "ExportView",
    "ImportView",
    "JobCommitView",
    "JobDetailView",
    "JobFileView",
    "JobListView",
    "JobProgressView",
    "SheetIndexView",
    "TemplateView",
    "object_or_404",
]
