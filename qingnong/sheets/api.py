"""API of the sheets app: importable kinds, imports (upload → preview job → commit) and the user's jobs."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from qingnong.api.common import ERRORS, NOT_FOUND, page, scoped_get_optional
from qingnong.core.errors import RuleError
from qingnong.core.permissions import Action
from qingnong.core.scoping import grant_paths
from qingnong.orgs.models import Org

from . import selectors, services
from .models import Job
from .readers import FileRejected

PREFIX = ""
router = Router(tags=["导入导出与后台任务"])


class ColumnOut(Schema):
    name: str
    header: str
    required: bool
    aliases: list[str]
    format: str


class KindOut(Schema):
    kind: str
    label: str
    description: str
    columns: list[ColumnOut]


class JobOut(Schema):
    id: int
    kind: str
    title: str
    status: str
    stage: str
    progress_done: int
    progress_total: int
    message: str
    params: dict[str, Any]
    result: dict[str, Any]
    created_at: datetime.datetime
    finished_at: datetime.datetime | None
    expires_at: datetime.datetime
    files: dict[str, str] = {}

    @staticmethod
    def resolve_files(obj: Job) -> dict[str, str]:
        names = {"input": obj.input_file, "result": obj.result_file, "errors": obj.error_file}
        return {k: reverse("sheets:job_file", args=[obj.pk, k]) for k, f in names.items() if f}


class JobPage(Schema):
    count: int
    items: list[JobOut]


def _require_some_grant(request: HttpRequest) -> None:
    """A user without any grant gets the same 404 as everywhere else (the API does not exist for them)."""
    if grant_paths(request.user, Action.VIEW) == []:
        raise Http404(NOT_FOUND)


def _own_job(request: HttpRequest, job_id: int) -> Job:
    _require_some_grant(request)
    job = Job.objects.of_user(request.user).filter(pk=job_id).first()
    if job is None:
        raise Http404(NOT_FOUND)
    return job


@router.get("sheets/kinds", response={200: list[KindOut], **ERRORS}, summary="可导入的类型及其列")
def kind_list(request: HttpRequest) -> list[dict[str, Any]]:
    _require_some_grant(request)
    return [
        {
            "kind": d.kind,
            "label": d.label,
            "description": d.description,
            "columns": [
                {
                    "name": c.name,
                    "header": c.header,
                    "required": c.required,
                    "aliases": list(c.aliases),
                    "format": c.type.describe(),
                }
                for c in d.import_columns
            ],
        }
        for d in selectors.importable_kinds(request.user)
    ]


@router.post("sheets/{kind}/imports", response={201: JobOut, **ERRORS}, summary="上传文件并预览（后台任务）")
def import_create(
    request: HttpRequest,
    kind: str,
    file: UploadedFile = File(...),  # noqa: B008 - django-ninja's way to declare an upload
    under: int | None = Form(None),
    skip_existing: bool = Form(False),
) -> tuple[int, Job]:
    if kind not in {d.kind for d in selectors.importable_kinds(request.user)}:
        raise Http404(NOT_FOUND)
    under_org = scoped_get_optional(Org.objects.all(), request, under)
    try:
        job = services.import_start(
            actor=request.user, kind=kind, upload=file, under=under_org, skip_existing=skip_existing
        )
    except FileRejected as exc:
        raise RuleError({"file": exc.message}, code=exc.code) from None
    return 201, job


@router.post(
    "jobs/{job_id}/commit", response={200: JobOut, **ERRORS}, summary="确认导入（全部写入或全部不写）"
)
def job_commit(request: HttpRequest, job_id: int) -> Job:
    job = services.import_commit(actor=request.user, job=_own_job(request, job_id))
    job.refresh_from_db()
    return job


@router.get("jobs/", response={200: JobPage, **ERRORS}, summary="我的后台任务")
def job_list(request: HttpRequest, offset: int = 0, limit: int = 50) -> dict[str, Any]:
    _require_some_grant(request)
    return page(selectors.job_list(user=request.user), offset=offset, limit=limit)


@router.get("jobs/{job_id}", response={200: JobOut, **ERRORS}, summary="任务状态与结果")
def job_get(request: HttpRequest, job_id: int) -> Job:
    return _own_job(request, job_id)
