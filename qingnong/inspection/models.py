"""Inspectors' corrections to the automatic inspection score (R11)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qingnong.core.scoping import ScopedQuerySet

from .choices import Dimension


class ScoreAdjustment(models.Model):
    """An inspector sets one dimension of an org's score for a campaign, with the written reason.

    The automatic score comes from the rules; the latest adjustment of a dimension replaces it (an
    adjustment with no score restores the automatic one). Every adjustment is kept and audited.
    """

    scope_path_field = "org__path"

    campaign = models.ForeignKey(
        "campaign.Campaign", verbose_name=_("年度工作"), on_delete=models.CASCADE, related_name="adjustments"
    )
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("被考核组织"), on_delete=models.PROTECT, related_name="+"
    )
    dimension = models.CharField(_("考核项"), max_length=12, choices=Dimension.choices)
    score = models.DecimalField(
        _("调整后得分"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("0–100；留空表示恢复自动得分"),
    )
    auto_score = models.DecimalField(
        _("调整时的自动得分"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    reason = models.TextField(_("调整理由"))
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("督查员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("评分调整")
        verbose_name_plural = _("评分调整")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["campaign", "org", "dimension", "-created_at"], name="adjust_lookup_idx")
        ]

    def __str__(self) -> str:
        return f"{self.org} · {self.get_dimension_display()} · {self.score}"

    def audit_org_path(self) -> str:
        return self.org.path
