"""Choices of the official-account app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    SUBSCRIPTION = "subscription", _("订阅号")
    SERVICE = "service", _("服务号")


class MessageMode(models.TextChoices):
    """The message encryption mode chosen on the WeChat platform (基本配置 → 消息加解密方式)."""

    PLAIN = "plain", _("明文模式")
    COMPATIBLE = "compatible", _("兼容模式")
    SAFE = "safe", _("安全模式")


class AdminKind(models.TextChoices):
    FULL_TIME = "full_time", _("专职管理员")
    PART_TIME = "part_time", _("兼职管理员")


class QrKind(models.TextChoices):
    PERMANENT = "permanent", _("永久二维码")
    TEMPORARY = "temporary", _("临时二维码（30天，自动续期）")
    BIND = "bind", _("团干部绑定码（一次性）")


class FollowMethod(models.TextChoices):
    BIND = "bind", _("扫码绑定")
    CONFIRMED = "confirmed", _("本人确认")


class RuleKind(models.TextChoices):
    KEYWORD = "keyword", _("关键词回复")
    SUBSCRIBE = "subscribe", _("关注欢迎语")
    CLICK = "click", _("菜单点击回复")
    DEFAULT = "default", _("默认回复")


class MatchType(models.TextChoices):
    EXACT = "exact", _("完全匹配")
    CONTAINS = "contains", _("包含")
    REGEX = "regex", _("正则表达式")


class ReplyType(models.TextChoices):
    TEXT = "text", _("文字")
    NEWS = "news", _("图文")


class PostCategory(models.TextChoices):
    """The six kinds of content the notice asks accounts to publish regularly (二.4)."""

    POLICY = "policy", _("政策解读")
    LEAGUE_NEWS = "league_news", _("团内要讯")
    SERVICES = "services", _("服务项目")
    EXEMPLARY_WORK = "exemplary_work", _("工作典型")
    ROLE_MODELS = "role_models", _("青年榜样")
    INSPIRATION = "inspiration", _("励志文章")


class PostStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    REVIEW = "review", _("待审核")
    APPROVED = "approved", _("已通过")
    PUBLISHING = "publishing", _("发布中")
    PUBLISHED = "published", _("已发布")


class PublishChannel(models.TextChoices):
    API = "api", _("平台接口发布")
    EXTERNAL = "external", _("公众平台后台发布（登记链接）")


class JobKind(models.TextChoices):
    QRCODES = "qrcodes", _("生成参数二维码")
    STATS = "stats", _("同步阅读数据")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")
