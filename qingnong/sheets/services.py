"""Every write of the sheets app: starting, running and finishing jobs; starting imports and exports.

The data an import writes goes through the importing app's own rules and bulk writers (see
``pipeline.py``); these services only manage the job around it.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from qingnong.core.audit import audit_record, snapshot
from qingnong.core.errors import RuleError
from qingnong.core.permissions import Action
from qingnong.core.scoping import grant_paths
from qingnong.core.services import require_org_scope

from .jobs import clear_progress, describe_failure, handler_for
from .models import Job, JobStatus
from .registry import get_definition

logger = logging.getLogger(__name__)

IMPORT_KIND = "sheets.import"
EXPORT_KIND = "sheets.export"
LIST_EXPORT_KIND = "sheets.list_export"


def import_background_rows() -> int:
    return int(getattr(settings, "SHEETS_IMPORT_BACKGROUND_ROWS", 2000))


def export_background_rows() -> int:
    return int(getattr(settings, "SHEETS_EXPORT_BACKGROUND_ROWS", 10_000))


# --- the job lifecycle --------------------------------------------------------------------------------


@transaction.atomic
def job_create(
    *,
    actor: Any,
    kind: str,
    title: str,
    org: Any = None,
    params: dict[str, Any] | None = None,
    input_file: UploadedFile | None = None,
    stage: str = "",
) -> Job:
    """Record a job the actor starts (any app's kind; run it with ``job_dispatch``)."""
    if org is not None:
        require_org_scope(actor, Action.VIEW, org)
    job = Job(
        kind=kind,
        title=title[:200],
        user=actor,
        org=org,
        params=params or {},
        stage=stage,
    )
    if input_file is not None:
        job.input_file.save(input_file.name or "upload", input_file, save=False)
    job.full_clean(exclude=["input_file", "result_file", "error_file"])
    job.save()
    audit_record(actor=actor, action="sheets.job.create", obj=job, before=None, after=snapshot(job))
    return job


def job_dispatch(job: Job, *, background: bool) -> None:
    """Run the job now (small work, in this request) or as a Celery task (after this transaction)."""
    if not background:
        job_run(job.pk)
        return
    from .tasks import run_job

    transaction.on_commit(lambda: run_job.delay(job.pk))


def job_run(job_id: int) -> Job:
    """Run a job's handler and record how it ended. Called by the Celery task (or directly)."""
    job = Job.objects.select_related("user", "org").get(pk=job_id)
    if job.status == JobStatus.RUNNING:
        return job
    handler = handler_for(job.kind)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=timezone.now(), message="")
    job.status = JobStatus.RUNNING
    from .jobs import JobProgress

    progress = JobProgress(job)
    try:
        handler(job, progress)
    except Exception as exc:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        job.status = JobStatus.FAILED
        job.message = f"任务失败：{describe_failure(exc)}"
    else:
        job.status = JobStatus.SUCCEEDED
    job.finished_at = timezone.now()
    job.progress_done = max(job.progress_done, progress.last if progress.last > 0 else 0)
    job.save()
    clear_progress(job)
    return job


# --- imports ------------------------------------------------------------------------------------------


def _require_import_rights(actor: Any, action: str, under: Any) -> None:
    paths = grant_paths(actor, action)
    if paths == []:
        raise RuleError("您没有导入数据的权限", code="out_of_scope")
    if under is not None:
        require_org_scope(actor, action, under)


def import_start(
    *,
    actor: Any,
    kind: str,
    upload: UploadedFile,
    under: Any = None,
    skip_existing: bool = False,
) -> Job:
    """Keep the uploaded file with a new import job and run its preview (in the background when large)."""
    definition = get_definition(kind)
    _require_import_rights(actor, definition.import_action, under)
    from .readers import FileRejected, max_bytes

    if upload.size is not None and upload.size > max_bytes():
        raise FileRejected(
            f"文件大小 {upload.size / 1024 / 1024:.1f} MB，超过上限 {max_bytes() / 1024 / 1024:.1f} MB，"
            "请拆分后分批导入",
            code="too_large",
        )
    job = job_create(
        actor=actor,
        kind=IMPORT_KIND,
        title=f"导入{definition.label}：{upload.name}",
        org=under if under is not None else getattr(actor, "home_org", None),
        params={
            "kind": kind,
            "filename": upload.name,
            "under": under.pk if under is not None else None,
            "skip_existing": skip_existing,
        },
        input_file=upload,
        stage="preview",
    )
    job_dispatch(job, background=_estimate_rows(job) > import_background_rows())
    job.refresh_from_db()
    return job


def _estimate_rows(job: Job) -> int:
    from .readers import FileRejected, open_sheet

    try:
        return open_sheet(job.input_file.path, filename=job.params.get("filename")).estimated_rows
    except FileRejected:
        return 0


@transaction.atomic
def import_commit(*, actor: Any, job: Job) -> Job:
    """Write a previewed import: everything or nothing (the rows are checked again while writing)."""
    job = Job.objects.select_for_update().get(pk=job.pk)
    if job.user_id != getattr(actor, "pk", None) or job.kind != IMPORT_KIND:
        raise RuleError("只能提交自己发起的导入", code="not_owner")
    preview = job.result.get("preview") or {}
    if job.stage != "preview" or job.status != JobStatus.SUCCEEDED:
        raise RuleError("该导入已提交或尚未完成预览", code="invalid_state")
    if preview.get("file_error") or preview.get("counts", {}).get("bad"):
        raise RuleError("预览中有错误行，请改正后重新上传", code="has_errors")
    job.stage = "commit"
    job.status = JobStatus.QUEUED
    job.progress_done = 0
    job.save(update_fields=["stage", "status", "progress_done"])
    audit_record(actor=actor, action="sheets.import.commit", obj=job, after={"kind": job.params.get("kind")})
    background = preview.get("total", 0) > import_background_rows()
    if background:
        job_dispatch(job, background=True)
    else:
        transaction.on_commit(lambda: job_run(job.pk))
    return job


# --- exports ------------------------------------------------------------------------------------------


def export_start(*, actor: Any, kind: str, under: Any = None, fmt: str = "xlsx") -> Job:
    """Export a kind (the import columns, so the file can be imported again) as a job."""
    definition = get_definition(kind)
    if definition.export is None:
        raise RuleError(f"“{definition.label}”不支持导出", code="no_export")
    _require_import_rights(actor, Action.EXPORT, under)
    job = job_create(
        actor=actor,
        kind=EXPORT_KIND,
        title=f"导出{definition.label}（{fmt}）",
        org=under,
        params={"kind": kind, "under": under.pk if under is not None else None, "format": fmt},
        stage="export",
    )
    job_dispatch(job, background=True)
    return job


def list_export_start(*, actor: Any, view: str, query: str, fmt: str, title: str, org: Any = None) -> Job:
    """Export a list page's filtered rows in the background (the list is rebuilt from its view class)."""
    job = job_create(
        actor=actor,
        kind=LIST_EXPORT_KIND,
        title=f"导出{title}（{fmt}）",
        org=org,
        params={"view": view, "query": query, "format": fmt},
        stage="export",
    )
    job_dispatch(job, background=True)
    return job


# --- housekeeping -------------------------------------------------------------------------------------


def jobs_purge_expired(*, now: Any = None) -> int:
    """Delete the files of jobs past their retention (7 days) and mark those jobs expired."""
    now = now or timezone.now()
    count = 0
    expired = Job.objects.filter(expires_at__lt=now).exclude(status=JobStatus.EXPIRED)
    for job in expired.iterator(chunk_size=200):
        for name in ("input_file", "result_file", "error_file"):
            field = getattr(job, name)
            if field:
                field.delete(save=False)
        job.status = JobStatus.EXPIRED
        job.message = "文件已超过保留期限并已删除"
        job.save(update_fields=["status", "message", "input_file", "result_file", "error_file"])
        count += 1
    return count


__all__ = [
    "EXPORT_KIND",
    "IMPORT_KIND",
    "LIST_EXPORT_KIND",
    "export_start",
    "import_commit",
    "import_start",
    "job_create",
    "job_dispatch",
    "job_run",
    "jobs_purge_expired",
    "list_export_start",
]
