"""Content supply (notice 四): what upper levels give the groups to send, the forwarding tasks, and the
record of content sent into each group (forwarded or the owner's own), which feeds R11 and R12."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qingnong.core.scoping import ScopedQuerySet
from qingnong.wxgroups.models import ChatGroup

from .choices import ContentCategory, PostKind, TaskStatus
from .uploads import random_name


def poster_upload_to(instance: ContentItem, filename: str) -> str:
    # Public: the poster is forwarded into groups and youth open it from there.
    return random_name("public/content/posters")


def screenshot_upload_to(instance: GroupPost, filename: str) -> str:
    # Private: a screenshot of a group chat shows members' names; only scoped views serve it.
    return random_name("private/content/screenshots")


class ContentItem(models.Model):
    """A piece of content an upper level (city, county or township league body) supplies to its subtree:
    text to paste into a group, a link (often a post of the official account) and a poster.

    ``valid_until`` is the last day it should still be sent. It is published by ``org``; cadres below
    that org read it (and upper levels read what their subtree published).
    """

    scope_path_field = "org__path"

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("发布组织"), on_delete=models.PROTECT, related_name="content_items"
    )
    title = models.CharField(_("标题"), max_length=80)
    category = models.CharField(_("类别"), max_length=16, choices=ContentCategory.choices)
    body = models.TextField(_("转发文字"), blank=True, help_text=_("在群里发送的文字，干部可一键复制"))
    link = models.URLField(_("链接"), max_length=500, blank=True, help_text=_("如公众号文章的链接"))
    poster = models.ImageField(_("海报或图片"), upload_to=poster_upload_to, blank=True, max_length=200)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("发布时间"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("供稿内容")
        verbose_name_plural = _("供稿内容")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("content:item_detail", args=[self.pk])

    def audit_org_path(self) -> str:
        return self.org.path

    def copy_text(self) -> str:
        """What the cadre pastes into the group: the text, then the link."""
        parts = [self.body.strip()] if self.body.strip() else [self.title]
        if self.link:
            parts.append(self.link)
        return "\n".join(parts)


class ForwardTask(models.Model):
    """A request to forward a content item into groups below the publishing org by a due date.

    The target is the publisher's whole subtree, or the subtrees of the picked ``target_orgs``, limited to
    ``group_types``. The groups it reached when it was pushed are frozen as ``TaskGroup`` rows, so that
    completion is "of the groups it was sent to, how many confirmed". A withdrawn task takes no more
    confirmations and leaves every cadre's 待转发 list.
    """

    scope_path_field = "org__path"

    content = models.ForeignKey(
        ContentItem, verbose_name=_("内容"), on_delete=models.PROTECT, related_name="tasks"
    )
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("发布组织"), on_delete=models.PROTECT, related_name="forward_tasks"
    )
    target_orgs = models.ManyToManyField(
        "orgs.Org",
        verbose_name=_("指定组织"),
        blank=True,
        related_name="+",
        help_text=_("不选则下发到本组织的全部下级"),
    )
    group_types = models.JSONField(_("群类型"), default=list)
    due_on = models.DateField(_("转发截止日期"))
    note = models.CharField(_("转发要求"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.ACTIVE, db_index=True
    )
    group_count = models.PositiveIntegerField(_("下发群数"), default=0)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdraw_reason = models.CharField(_("撤回原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("发起时间"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("转发任务")
        verbose_name_plural = _("转发任务")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"转发：{self.content.title}"

    def get_absolute_url(self) -> str:
        return reverse("content:task_detail", args=[self.pk])

    def audit_org_path(self) -> str:
        return self.org.path

    @property
    def is_active(self) -> bool:
        return self.status == TaskStatus.ACTIVE

    def group_types_labels(self) -> list[str]:
        from qingnong.wxgroups.choices import GroupType

        labels = dict(GroupType.choices)
        return [str(labels.get(t, t)) for t in self.group_types or []]


class GroupPost(models.Model):
    """One piece of content sent into a group on a day: a confirmation of a forwarding task (已转发) or
    what the owner sent on their own ("今天在群里发了…"). These rows are the content frequency of R11 and
    the "last content" of R12. ``screenshot`` is an optional private proof."""

    scope_path_field = "group__org__path"

    group = models.ForeignKey(
        "wxgroups.ChatGroup", verbose_name=_("微信群"), on_delete=models.CASCADE, related_name="posts"
    )
    sent_on = models.DateField(_("发送日期"), db_index=True)
    kind = models.CharField(_("来源"), max_length=10, choices=PostKind.choices, db_index=True)
    task = models.ForeignKey(
        ForwardTask,
        verbose_name=_("转发任务"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="posts",
    )
    summary = models.CharField(_("内容"), max_length=200)
    link = models.URLField(_("链接"), max_length=500, blank=True)
    screenshot = models.ImageField(_("截图"), upload_to=screenshot_upload_to, blank=True, max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("群内容记录")
        verbose_name_plural = _("群内容记录")
        ordering = ["-sent_on", "-id"]
        indexes = [models.Index(fields=["group", "sent_on"], name="grouppost_group_day_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "group"], condition=Q(task__isnull=False), name="grouppost_one_per_task_group"
            ),
            models.CheckConstraint(
                condition=(Q(kind="forwarded") & Q(task__isnull=False))
                | (Q(kind="own") & Q(task__isnull=True)),
                name="grouppost_kind_matches_task",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} · {self.sent_on} · {self.summary}"

    def get_absolute_url(self) -> str:
        return reverse("content:post_list") + f"?group={self.group_id}"

    def audit_org_path(self) -> str:
        return self.group.org.path


class TaskGroup(models.Model):
    """A group a forwarding task was sent to, and the confirmation (``post``) once it is forwarded."""

    scope_path_field = "group__org__path"

    task = models.ForeignKey(
        ForwardTask, verbose_name=_("转发任务"), on_delete=models.CASCADE, related_name="task_groups"
    )
    group = models.ForeignKey(
        "wxgroups.ChatGroup", verbose_name=_("微信群"), on_delete=models.CASCADE, related_name="task_groups"
    )
    post = models.OneToOneField(
        GroupPost,
        verbose_name=_("转发确认"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="task_group",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("转发任务中的群")
        verbose_name_plural = _("转发任务中的群")
        ordering = ["task", "id"]
        constraints = [models.UniqueConstraint(fields=["task", "group"], name="taskgroup_unique")]
        indexes = [models.Index(fields=["group", "post"], name="taskgroup_group_post_idx")]

    def __str__(self) -> str:
        return f"{self.task} · {self.group}"

    def get_absolute_url(self) -> str:
        return self.task.get_absolute_url()

    def audit_org_path(self) -> str:
        return self.group.org.path

    @property
    def is_done(self) -> bool:
        return self.post_id is not None


def group_url(group: ChatGroup) -> str:
    """The ledger page of a group when the ledger app serves one, else its content records."""
    try:
        return reverse("wxgroups:group_detail", args=[group.pk])
    except NoReverseMatch:
        return reverse("content:post_list") + f"?group={group.pk}"


class TrackedGroup(ChatGroup):
    """A ledger group as content supply lists it (R12 dormancy, content frequency): the same row, with a
    link that works whichever pages the ledger app offers."""

    class Meta:
        proxy = True
        verbose_name = _("微信群（活跃度）")
        verbose_name_plural = _("微信群（活跃度）")

    def get_absolute_url(self) -> str:
        return group_url(self)
