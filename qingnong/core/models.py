"""Models every app shares: the audit trail and the login-failure counter."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .audit_actions import action_label
from .scoping import ScopedQuerySet


class AuditEntry(models.Model):
    """One change made through a service: who made it, when, to what, and the data before and after.

    Written in the same transaction as the change itself, so a rolled-back change leaves no entry.
    ``org_path`` is the tree path of the org the object belongs to, so that admins see the history
    of their own subtree and nothing else.
    """

    scope_path_field = "org_path"

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    # The trail is append-only and written in bulk by imports: no database constraint or extra index on
    # its references (the composite index below serves the history panel; actor_name survives a deleted user).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    actor_name = models.CharField(_("操作人名称"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=80)
    object_type = models.ForeignKey(
        ContentType,
        verbose_name=_("对象类型"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_constraint=False,
        db_index=False,
    )
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    org_path = models.CharField(_("组织路径"), max_length=255, blank=True)
    before = models.JSONField(_("修改前"), null=True, blank=True)
    after = models.JSONField(_("修改后"), null=True, blank=True)
    request_id = models.CharField(_("请求编号"), max_length=32, blank=True)
    ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("操作记录")
        verbose_name_plural = _("操作记录")
        ordering = ["-at", "-id"]
        # One index per way the trail is read, each written on every change (imports write 100 k at once):
        # by object; by action, exact or prefix (pattern ops serve both on PostgreSQL); by subtree, a path
        # range (a plain index; a prefix LIKE is never used on it).
        indexes = [
            models.Index(fields=["object_type", "object_id", "-at"], name="audit_object_idx"),
            models.Index(fields=["action"], name="audit_action_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["org_path"], name="audit_org_path_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"

    @property
    def action_label(self) -> str:
        """The action's Chinese label (its dotted name for an action no longer declared)."""
        return action_label(self.action)

    def changed_fields(self) -> list[tuple[str, object, object]]:
        """The fields whose value differs between before and after, for the history panel."""
        before = self.before or {}
        after = self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


class LoginFailure(models.Model):
    """A failed password login, kept for the lock-out window."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("登录失败")
        verbose_name_plural = _("登录失败")
        indexes = [models.Index(fields=["ip", "at"], name="loginfail_ip_idx")]

    def __str__(self) -> str:
        return f"{self.username} {self.at:%Y-%m-%d %H:%M}"


class Notification(models.Model):
    """An in-app message to one user: a reminder (QR code about to expire, a deadline, a task to forward)
    or a notice. ``dedupe_key`` keeps a daily job from sending the same reminder twice."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("类别"), max_length=40, db_index=True)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    dedupe_key = models.CharField(_("去重键"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"], condition=~models.Q(dedupe_key=""), name="notification_dedupe"
            )
        ]

    def __str__(self) -> str:
        return self.title
