"""Daily metric snapshots: each org's key figures for one day, so that trends can be drawn.

One row per org per day (a province is ≈ 50 k rows a day). The figures are a compact JSON object with
short keys (see ``metrics.METRICS`` and the rule ids): counts that are zero are left out, and which counts
were measured on a day is recorded once in that day's ``SnapshotRun`` — so that a missing key reads as 0
when the count was measured and as "no data" when it was not (the app holding it did not exist yet).
Rule values (R1 … R12) are stored whenever the rule gave a value; a missing rule key is "no data".
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qingnong.core.scoping import ScopedQuerySet


class MetricSnapshot(models.Model):
    """One org's figures for one day, covering the org's whole subtree (the org itself included): groups
    by type, youth registered and reached, cadres, subscribers, posts, activities, and each rule's value."""

    scope_path_field = "org__path"

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("组织"), on_delete=models.CASCADE, related_name="metric_snapshots"
    )
    day = models.DateField(_("日期"))
    figures = models.JSONField(_("指标"), default=dict)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("指标快照")
        verbose_name_plural = _("指标快照")
        ordering = ["org", "day"]
        constraints = [models.UniqueConstraint(fields=["org", "day"], name="snapshot_org_day")]
        indexes = [models.Index(fields=["day"], name="snapshot_day_idx")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.day}"

    def audit_org_path(self) -> str:
        return self.org.path


class SnapshotRun(models.Model):
    """One day's snapshot job: which count metrics and rules it measured, how many orgs, how long it took.
    Re-running a day (or back-filling a subtree) widens the day's record."""

    day = models.DateField(_("日期"), unique=True)
    metrics = models.JSONField(_("已统计的指标"), default=list)
    rules = models.JSONField(_("已计算的规则"), default=list)
    orgs = models.PositiveIntegerField(_("组织数"), default=0)
    seconds = models.FloatField(_("用时（秒）"), default=0)
    backfilled = models.BooleanField(_("补算"), default=False)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("快照任务")
        verbose_name_plural = _("快照任务")
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day} {self.orgs}"
