"""The yearly campaign (its phases, deadlines and thresholds) and the counties' submissions.

Every threshold and date the rules R1–R12 use lives here, never in code; the defaults are those of
the 2014 notice (团安庆市委《关于全面推进农村共青团微信体系建设的通知》).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qingnong.core.scoping import ScopedQuerySet

from .choices import SubmissionKind, SubmissionStatus


def _pct(name: str, default: int) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        name, default=default, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )


class Campaign(models.Model):
    """One year's campaign of a city (or higher) league committee: the notice's schedule and targets.

    The phases are 联系摸底 (survey), 全面建设 (build) and 检查验收 (inspection); the due dates are the
    milestones the rules are checked against. A new year starts by copying the last one.
    """

    scope_path_field = "org__path"

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("发起组织"), on_delete=models.PROTECT, related_name="campaigns"
    )
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    name = models.CharField(_("名称"), max_length=100)

    survey_start = models.DateField(_("联系摸底开始"))
    survey_end = models.DateField(_("联系摸底结束"))
    build_start = models.DateField(_("全面建设开始"))
    build_end = models.DateField(_("全面建设结束"))
    inspection_start = models.DateField(_("检查验收开始"))
    inspection_end = models.DateField(_("检查验收结束"))
    complete_by = models.DateField(_("基本完成"))

    plan_due = models.DateField(_("报送通知或工作方案（R9）"))
    qingnong_groups_due = models.DateField(_("青农微信群建成（R3）"))
    coverage_due = models.DateField(_("团青微信群覆盖（R2）"))
    exclusive_groups_due = models.DateField(_("青年专属微信群（R4）"))
    ledger_due = models.DateField(_("台账填报（R6）"))
    accounts_due = models.DateField(_("公众号与关注（R7、R8）"))
    summary_due = models.DateField(_("报送专题总结（R10）"))
    reach_check_on = models.DateField(_("联系青年检查（R1）"))

    reach_per_cadre = models.PositiveSmallIntegerField(
        _("每名基层团干部联系青年数（R1）"),
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(500)],
    )
    tuanqing_coverage_pct = _pct(_("团青微信群建群率 %（R2）"), 90)
    exclusive_groups_min = models.PositiveSmallIntegerField(
        _("市、县青年专属微信群数（R4）"), default=2, validators=[MinValueValidator(0), MaxValueValidator(50)]
    )
    qr_valid_days = models.PositiveSmallIntegerField(
        _("群二维码有效天数（R6）"), default=7, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    posts_per_week = models.PositiveSmallIntegerField(
        _("公众号每周发布数（R7）"), default=2, validators=[MinValueValidator(0), MaxValueValidator(50)]
    )
    account_admins_min = models.PositiveSmallIntegerField(
        _("公众号管理员人数（R7）"), default=2, validators=[MinValueValidator(0), MaxValueValidator(50)]
    )
    recommended_accounts = models.CharField(
        _("推荐关注的公众号（R8）"),
        max_length=300,
        default="安徽省青年创业者协会",
        help_text=_("多个用顿号或逗号分隔"),
    )
    follow_target_pct = _pct(_("团干部关注率目标 %（R8）"), 100)
    dormant_days = models.PositiveSmallIntegerField(
        _("沉寂判定天数（R12）"), default=30, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    active_share_pct = _pct(_("活跃群占比目标 %（R12）"), 80)

    weight_groups = _pct(_("考核权重：建群情况"), 30)
    weight_reach = _pct(_("考核权重：联系青年数量"), 30)
    weight_content = _pct(_("考核权重：内容及频次"), 20)
    weight_activities = _pct(_("考核权重：线上线下活动"), 20)
    content_per_group_month = models.PositiveSmallIntegerField(
        _("每群每月发送内容（满分标准）"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    pass_score = _pct(_("考核合格分数线"), 60)
    activities_per_org_quarter = models.PositiveSmallIntegerField(
        _("每个组织每季度活动（满分标准）"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )

    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("年度工作")
        verbose_name_plural = _("年度工作")
        ordering = ["-year"]
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="campaign_org_year")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("campaign:campaign_detail", args=[self.pk])

    def audit_org_path(self) -> str:
        return self.org.path

    PHASE_FIELDS = (
        ("survey", "联系摸底", "survey_start", "survey_end"),
        ("build", "全面建设", "build_start", "build_end"),
        ("inspection", "检查验收", "inspection_start", "inspection_end"),
    )
    MILESTONE_FIELDS = (
        ("R9", "plan_due"),
        ("R3", "qingnong_groups_due"),
        ("R2", "coverage_due"),
        ("R4", "exclusive_groups_due"),
        ("R6", "ledger_due"),
        ("R7", "accounts_due"),
        ("R8", "accounts_due"),
        ("R10", "summary_due"),
        ("R1", "reach_check_on"),
    )

    @classmethod
    def label(cls, field: str) -> str:
        """The Chinese name of a field, for messages."""
        return str(getattr(cls._meta.get_field(field), "verbose_name", field))

    def due_date(self, rule_id: str) -> datetime.date | None:
        """The date rule ``rule_id`` is checked against (None: ongoing, e.g. R5, R11, R12)."""
        for rid, field in self.MILESTONE_FIELDS:
            if rid == rule_id:
                return getattr(self, field)  # type: ignore[no-any-return]
        if rule_id == "R11":
            return self.inspection_end
        return None

    def phase_on(self, day: datetime.date) -> str:
        for key, _label, start, end in self.PHASE_FIELDS:
            if getattr(self, start) <= day <= getattr(self, end):
                return key
        if day < self.survey_start:
            return "before"
        return "after"

    @property
    def weights(self) -> dict[str, int]:
        return {
            "groups": self.weight_groups,
            "reach": self.weight_reach,
            "content": self.weight_content,
            "activities": self.weight_activities,
        }

    def recommended_account_names(self) -> list[str]:
        text = self.recommended_accounts.replace("，", ",").replace("、", ",")
        return [name.strip() for name in text.split(",") if name.strip()]


def submission_upload_to(instance: Submission, filename: str) -> str:
    # Private: never under public/; downloaded through a scoped view.
    stamp = timezone.now().strftime("%Y%m%d%H%M%S")
    return f"private/submissions/{instance.campaign_id}/{instance.org_id}/{instance.kind}-{stamp}-{filename}"


class Submission(models.Model):
    """A county's document for the campaign: its notice or work plan (R9, due 8-20) or its topic summary
    (R10, due 11-15), with the city's review (returned with a comment, or accepted)."""

    scope_path_field = "org__path"

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("年度工作"), on_delete=models.CASCADE, related_name="submissions"
    )
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("报送单位"), on_delete=models.PROTECT, related_name="submissions"
    )
    kind = models.CharField(_("材料类别"), max_length=12, choices=SubmissionKind.choices)
    status = models.CharField(
        _("状态"), max_length=12, choices=SubmissionStatus.choices, default=SubmissionStatus.SUBMITTED
    )
    file = models.FileField(_("文件"), upload_to=submission_upload_to, max_length=300)
    original_name = models.CharField(_("原文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小（字节）"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报送人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("报送时间"), default=timezone.now)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    comment = models.TextField(_("审核意见"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("报送材料")
        verbose_name_plural = _("报送材料")
        ordering = ["-submitted_at"]
        indexes = [models.Index(fields=["campaign", "kind", "org"], name="submission_lookup_idx")]

    def __str__(self) -> str:
        return f"{self.org} · {self.get_kind_display()}"

    def get_absolute_url(self) -> str:
        return reverse("campaign:submission_detail", args=[self.pk])

    def audit_org_path(self) -> str:
        return self.org.path
