"""Background jobs: imports, exports, and any other long work (reports, document summaries) of any app."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qingnong.core.scoping import ScopedQuerySet

RETENTION_DAYS = 7


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    SUCCEEDED = "succeeded", _("已完成")
    FAILED = "failed", _("失败")
    EXPIRED = "expired", _("已过期")


def job_file_path(instance: Job, filename: str) -> str:
    # Private: under MEDIA_ROOT/private/, which is never served as static files; only
    # sheets:job_file (owner check) hands the files out.
    return f"private/jobs/{instance.token}/{filename}"


def default_expiry() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=RETENTION_DAYS)


class JobQuerySet(ScopedQuerySet["Job"]):
    def of_user(self, user: Any) -> JobQuerySet:
        """The jobs a user started: a job and its files belong to that user alone."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user_id=user.pk)


class Job(models.Model):
    """A piece of work a user started that runs in the background: an import (preview, then commit),
    an export, a report. It records who started it, for which org, how far it got, what came out
    (counts and messages in ``result``, files in ``result_file`` / ``error_file``) and when its files
    are removed (``expires_at``, 7 days by default).

    ``kind`` names the handler that runs it (``sheets.import``, ``sheets.export`` …; other apps register
    their own with ``qingnong.sheets.jobs.register_job_handlers``). Jobs and their files are private to
    ``user``.
    """

    scope_path_field = "org__path"

    token = models.UUIDField(_("编号"), default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("类别"), max_length=60, db_index=True)
    title = models.CharField(_("名称"), max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), on_delete=models.CASCADE, related_name="jobs"
    )
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("组织"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True
    )
    stage = models.CharField(_("阶段"), max_length=30, blank=True)
    progress_done = models.PositiveIntegerField(_("已处理"), default=0)
    progress_total = models.PositiveIntegerField(_("总数"), default=0)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    input_file = models.FileField(_("上传文件"), upload_to=job_file_path, max_length=300, blank=True)
    result_file = models.FileField(_("结果文件"), upload_to=job_file_path, max_length=300, blank=True)
    error_file = models.FileField(_("错误报告"), upload_to=job_file_path, max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("文件保留至"), default=default_expiry, db_index=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="job_user_recent_idx")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("sheets:job_detail", args=[self.pk])

    def audit_org_path(self) -> str:
        return self.org.path if self.org_id and self.org else ""

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.EXPIRED)

    @property
    def percent(self) -> int:
        if self.is_finished:
            return 100
        if not self.progress_total:
            return 0
        return min(99, int(self.progress_done * 100 / self.progress_total))
