"""Online and offline activities of league orgs (notice 三.3: inspected, counted for R11 and R12)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qingnong.content.uploads import random_name
from qingnong.core.scoping import ScopedQuerySet

from .choices import PARTICIPANTS_MAX, ActivityStatus, ActivityTheme, ActivityType


def photo_upload_to(instance: ActivityPhoto, filename: str) -> str:
    # Private: photos show young people's faces; only scoped views serve them.
    return random_name("private/activities/photos")


class Activity(models.Model):
    """An activity an org holds (or plans) for rural youth: 线上, 线下 or both, on a theme.

    ``groups`` are the WeChat groups it was organised in or announced to (a held activity counts as
    activity of those groups for R12); ``participants`` is the head count, ``youth`` the optional list of
    registered youth who took part. Photos are private.
    """

    scope_path_field = "org__path"

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("举办组织"), on_delete=models.PROTECT, related_name="activities"
    )
    title = models.CharField(_("活动名称"), max_length=100)
    activity_type = models.CharField(_("形式"), max_length=10, choices=ActivityType.choices, db_index=True)
    theme = models.CharField(_("主题"), max_length=20, choices=ActivityTheme.choices, db_index=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ActivityStatus.choices, default=ActivityStatus.HELD, db_index=True
    )
    held_on = models.DateField(_("活动日期"), db_index=True)
    duration_hours = models.DecimalField(
        _("时长（小时）"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(0.5), MaxValueValidator(720)],
    )
    place = models.CharField(_("地点"), max_length=100, blank=True)
    groups = models.ManyToManyField(
        "wxgroups.ChatGroup", verbose_name=_("相关微信群"), blank=True, related_name="activities"
    )
    participants = models.PositiveIntegerField(
        _("参加人数"), default=0, validators=[MaxValueValidator(PARTICIPANTS_MAX)]
    )
    youth = models.ManyToManyField(
        "youth.Youth", verbose_name=_("参加青年"), blank=True, related_name="activities"
    )
    description = models.TextField(_("活动简介"), blank=True)
    link = models.URLField(_("链接"), max_length=500, blank=True, help_text=_("报道或直播链接"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("活动")
        verbose_name_plural = _("活动")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["org", "held_on"], name="activity_org_day_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(participants__lte=PARTICIPANTS_MAX), name="activity_participants_max"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("activities:activity_detail", args=[self.pk])

    def audit_org_path(self) -> str:
        return self.org.path

    @property
    def is_held(self) -> bool:
        return self.status == ActivityStatus.HELD


class ActivityPhoto(models.Model):
    """A photo of an activity: re-encoded without EXIF, stored privately, served through a scoped view."""

    scope_path_field = "activity__org__path"

    activity = models.ForeignKey(
        Activity, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(_("照片"), upload_to=photo_upload_to, max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("活动照片")
        verbose_name_plural = _("活动照片")
        ordering = ["activity", "id"]

    def __str__(self) -> str:
        return f"{self.activity} · 照片{self.pk}"

    def get_absolute_url(self) -> str:
        return self.activity.get_absolute_url()

    def audit_org_path(self) -> str:
        return self.activity.org.path
