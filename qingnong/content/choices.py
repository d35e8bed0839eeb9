"""Choices of content supply: categories, forwarding tasks, what was sent into a group."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ContentCategory(models.TextChoices):
    """The six kinds the notice asks accounts to publish (二.4, same codes as the account posts) plus 通知."""

    POLICY = "policy", _("政策解读")
    LEAGUE_NEWS = "league_news", _("团内要讯")
    SERVICES = "services", _("服务项目")
    EXEMPLARY_WORK = "exemplary_work", _("工作典型")
    ROLE_MODELS = "role_models", _("青年榜样")
    INSPIRATION = "inspiration", _("励志文章")
    NOTICE = "notice", _("通知")


class TaskStatus(models.TextChoices):
    ACTIVE = "active", _("进行中")
    WITHDRAWN = "withdrawn", _("已撤回")


class PostKind(models.TextChoices):
    """How a piece of content came into a group: forwarded for a task, or sent by the owner on their own."""

    FORWARDED = "forwarded", _("转发任务")
    OWN = "own", _("自行发送")


class GroupActivityState(models.TextChoices):
    """R12 reading of a group from its dates (not its stored status)."""

    ACTIVE = "active", _("活跃")
    DORMANT = "dormant", _("沉寂")
    NEW = "new", _("新建（尚无内容）")


# Default of the campaign's dormant_days when no campaign governs an org (R12, notice default).
DEFAULT_DORMANT_DAYS = 30
# Owners are warned this many days before their group would turn dormant.
DORMANCY_WARNING_DAYS = 5
