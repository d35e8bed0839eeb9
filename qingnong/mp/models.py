"""Official accounts (公众号, "一号" of notice 二.4): the accounts, their admin teams, followers and the
orgs or cadres that recruited them, parametric QR codes, automatic replies, the menu, posts and their
editorial workflow, read statistics, and the small tables the callback server needs (access tokens,
de-duplication keys) when no Redis is configured."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qingnong.core.scoping import ScopedQuerySet
from qingnong.orgs.models import Cadre, Org

from .choices import (
    AccountKind,
    AdminKind,
    FollowMethod,
    JobKind,
    JobStatus,
    MatchType,
    MessageMode,
    PostCategory,
    PostStatus,
    PublishChannel,
    QrKind,
    ReplyType,
    RuleKind,
)


def new_callback_key() -> str:
    """The path segment of an account's callback URL: unguessable, so that the URL itself leaks nothing."""
    return secrets.token_urlsafe(12).replace("-", "x").replace("_", "y").lower()


class AccountQuerySet(ScopedQuerySet["OfficialAccount"]):
    def served(self) -> AccountQuerySet:
        """Accounts whose server is this platform (not external accounts merely recommended)."""
        return self.filter(is_external=False, is_active=True)


class OfficialAccount(models.Model):
    """A WeChat official account of a league body at county level or above (notice 二.4).

    The platform is the account's server: WeChat calls ``/wx/<callback_key>/`` with messages and events,
    and the platform calls WeChat's API with the AppID and AppSecret. The secrets (AppSecret, Token,
    EncodingAESKey) are stored encrypted with ``FIELD_ENCRYPTION_KEY`` and never shown again after entry.
    An *external* account (such as 安徽省青年创业者协会) is not served here: it is only recorded so that
    cadres can be asked to follow it (R8).
    """

    scope_path_field = "org__path"

    org = models.ForeignKey(
        Org, verbose_name=_("主办组织"), on_delete=models.PROTECT, related_name="mp_accounts"
    )
    name = models.CharField(_("公众号名称"), max_length=60)
    kind = models.CharField(
        _("类型"), max_length=12, choices=AccountKind.choices, default=AccountKind.SUBSCRIPTION
    )
    original_id = models.CharField(_("原始ID"), max_length=32, blank=True, help_text=_("gh_ 开头"))
    app_id = models.CharField(_("AppID"), max_length=32, null=True, blank=True, unique=True)
    app_secret_encrypted = models.TextField(_("AppSecret（加密）"), blank=True)
    token_encrypted = models.TextField(_("Token（加密）"), blank=True)
    encoding_aes_key_encrypted = models.TextField(_("EncodingAESKey（加密）"), blank=True)
    message_mode = models.CharField(
        _("消息加解密方式"), max_length=12, choices=MessageMode.choices, default=MessageMode.SAFE
    )
    callback_key = models.CharField(_("回调地址标识"), max_length=32, unique=True, default=new_callback_key)
    api_enabled = models.BooleanField(
        _("具备接口权限"), default=False, help_text=_("已认证、可调用二维码、菜单、发布和数据接口")
    )
    is_external = models.BooleanField(
        _("外部公众号"), default=False, help_text=_("不由本平台托管，仅供推荐关注")
    )
    recommended = models.BooleanField(_("推荐团干部关注"), default=False, help_text=_("计入 R8 团干部关注率"))
    posts_per_week = models.PositiveSmallIntegerField(_("每周发布目标（篇）"), default=2)
    default_thumb_media_id = models.CharField(_("默认封面素材 media_id"), max_length=128, blank=True)
    # The template chosen in WeChat's back office (模板消息) for reminders; its keys are copied from the
    # template's detail page, in order (e.g. "thing1,thing2,time3"): see ``mp.notify``.
    reminder_template_id = models.CharField(
        _("提醒模板ID"), max_length=64, blank=True, help_text=_("模板消息的模板ID；留空则不通过微信发送提醒")
    )
    reminder_template_keys = models.CharField(
        _("提醒模板字段"),
        max_length=200,
        blank=True,
        default="thing1,thing2,time3",
        help_text=_("模板详情中的字段名，按顺序以逗号分隔，如 thing1,thing2,time3"),
    )
    naming_warning = models.CharField(_("命名提示"), max_length=200, blank=True)
    is_demo = models.BooleanField(_("演示账号（假凭据）"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = AccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("公众号")
        verbose_name_plural = _("公众号")
        ordering = ["org__path", "name", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("mp:account_detail", args=[self.pk])

    def audit_org_path(self) -> str:
        return self.org.path

    @property
    def has_secret(self) -> bool:
        return bool(self.app_secret_encrypted)

    @property
    def has_token(self) -> bool:
        return bool(self.token_encrypted)

    @property
    def has_aes_key(self) -> bool:
        return bool(self.encoding_aes_key_encrypted)

    def callback_path(self) -> str:
        return reverse("mp_public:callback", args=[self.callback_key])


class AccountAdmin(models.Model):
    """A cadre on an account's admin team (专职 or 兼职 管理员); R7 asks for at least two."""

    scope_path_field = "account__org__path"

    account = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="admins")
    cadre = models.ForeignKey(
        Cadre, verbose_name=_("团干部"), on_delete=models.PROTECT, related_name="mp_admin_of"
    )
    kind = models.CharField(_("类别"), max_length=12, choices=AdminKind.choices, default=AdminKind.PART_TIME)
    created_at = models.DateTimeField(_("加入时间"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("公众号管理员")
        verbose_name_plural = _("公众号管理员")
        ordering = ["kind", "cadre__name"]
        constraints = [models.UniqueConstraint(fields=["account", "cadre"], name="mp_admin_unique")]

    def __str__(self) -> str:
        return f"{self.account} · {self.cadre}（{self.get_kind_display()}）"

    def get_absolute_url(self) -> str:
        return self.account.get_absolute_url()

    def audit_org_path(self) -> str:
        return self.account.org.path


class Follower(models.Model):
    """A WeChat user (by openid) who follows or followed an account, with the org or cadre that recruited
    them: the scene string of the parametric QR code they subscribed through.

    Attribution is first-touch: a follower who unsubscribes and subscribes again through another code keeps
    the org that recruited them first (so that nobody gains by asking people to re-subscribe).
    """

    scope_path_field = "account__org__path"

    account = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="followers")
    openid = models.CharField("OpenID", max_length=64)
    subscribed = models.BooleanField(_("关注中"), default=True, db_index=True)
    first_subscribed_at = models.DateTimeField(_("首次关注"), default=timezone.now)
    subscribed_at = models.DateTimeField(_("最近关注"), default=timezone.now)
    unsubscribed_at = models.DateTimeField(_("取消关注"), null=True, blank=True)
    scene = models.CharField(_("来源场景"), max_length=64, blank=True)
    last_scene = models.CharField(_("最近扫码场景"), max_length=64, blank=True)
    org = models.ForeignKey(
        Org,
        verbose_name=_("归属组织"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mp_followers",
    )
    cadre = models.ForeignKey(
        Cadre,
        verbose_name=_("推荐团干部"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mp_recruits",
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    personal_fields = ("openid",)

    class Meta:
        verbose_name = _("关注者")
        verbose_name_plural = _("关注者")
        ordering = ["-subscribed_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["account", "openid"], name="mp_follower_unique")]
        indexes = [
            models.Index(fields=["org", "subscribed"], name="mp_follower_org_idx"),
            models.Index(fields=["cadre", "subscribed"], name="mp_follower_cadre_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.account} · {self.openid[:6]}…"

    def audit_org_path(self) -> str:
        return self.account.org.path


class QrCode(models.Model):
    """A parametric QR code of an account: its scene string names the org (``o<id>``) or cadre (``c<id>``)
    that recruits through it, or a one-time bind code (``b<token>``) with which a cadre proves, by
    scanning, that they follow the account (R8).

    Codes are permanent while the account is under WeChat's limit of permanent codes, otherwise temporary
    for 30 days and renewed by a nightly job (the poster must then be printed again).
    """

    scope_path_field = "account__org__path"

    account = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="qrcodes")
    scene = models.CharField(_("场景值"), max_length=64)
    kind = models.CharField(_("类型"), max_length=12, choices=QrKind.choices)
    org = models.ForeignKey(
        Org,
        verbose_name=_("组织"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="mp_qrcodes",
    )
    cadre = models.ForeignKey(
        Cadre,
        verbose_name=_("团干部"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="mp_qrcodes",
    )
    ticket = models.CharField(_("ticket"), max_length=200, blank=True)
    url = models.CharField(_("二维码内容"), max_length=300, blank=True)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True, db_index=True)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    poster = models.CharField(_("海报文件"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    renewed_at = models.DateTimeField(_("续期时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("参数二维码")
        verbose_name_plural = _("参数二维码")
        ordering = ["account", "scene"]
        constraints = [models.UniqueConstraint(fields=["account", "scene"], name="mp_qrcode_scene_unique")]

    def __str__(self) -> str:
        target = self.org or self.cadre
        return f"{self.account} · {target or self.scene}"

    def get_absolute_url(self) -> str:
        return reverse("mp:qrcode_list", args=[self.account_id])

    def audit_org_path(self) -> str:
        return self.account.org.path


class CadreFollow(models.Model):
    """Evidence that a cadre follows a recommended account (R8).

    For an account this platform serves the cadre scans a personal one-time bind code, which links their
    openid; the follow then lasts as long as WeChat reports them subscribed. For an external account
    (not served here) the cadre confirms on their phone page ("我已关注"), recorded with the time.
    """

    scope_path_field = "cadre__org__path"

    cadre = models.ForeignKey(
        Cadre, verbose_name=_("团干部"), on_delete=models.CASCADE, related_name="mp_follows"
    )
    account = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="cadre_follows")
    method = models.CharField(_("方式"), max_length=12, choices=FollowMethod.choices)
    openid = models.CharField("OpenID", max_length=64, blank=True, db_index=True)
    active = models.BooleanField(_("关注中"), default=True)
    confirmed_at = models.DateTimeField(_("确认时间"), default=timezone.now)
    ended_at = models.DateTimeField(_("取消时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("团干部关注记录")
        verbose_name_plural = _("团干部关注记录")
        constraints = [models.UniqueConstraint(fields=["cadre", "account"], name="mp_cadre_follow_unique")]
        indexes = [models.Index(fields=["account", "active"], name="mp_cadre_follow_active_idx")]

    def __str__(self) -> str:
        return f"{self.cadre} → {self.account}"

    def audit_org_path(self) -> str:
        return self.cadre.org.path


class ReplyRule(models.Model):
    """An automatic reply: to keywords (exact, contains or a bounded regular expression, highest priority
    first), to a new follower (欢迎语), to a menu click (by its key), or when nothing else matches."""

    scope_path_field = "account__org__path"

    account = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField(_("类别"), max_length=12, choices=RuleKind.choices, default=RuleKind.KEYWORD)
    name = models.CharField(_("规则名称"), max_length=60)
    match_type = models.CharField(
        _("匹配方式"), max_length=12, choices=MatchType.choices, default=MatchType.CONTAINS
    )
    keywords = models.TextField(_("关键词"), blank=True, help_text=_("每行一个；正则方式只写一行"))
    event_key = models.CharField(_("菜单 key"), max_length=128, blank=True)
    priority = models.IntegerField(_("优先级"), default=0, help_text=_("数字大的先匹配"))
    reply_type = models.CharField(
        _("回复类型"), max_length=8, choices=ReplyType.choices, default=ReplyType.TEXT
    )
    reply_text = models.TextField(_("回复文字"), blank=True)
    articles = models.JSONField(_("图文"), default=list, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("自动回复规则")
        verbose_name_plural = _("自动回复规则")
        ordering = ["kind", "-priority", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("mp:rule_edit", args=[self.pk])

    def audit_org_path(self) -> str:
        return self.account.org.path

    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.splitlines() if k.strip()]


class Menu(models.Model):
    """The account's custom menu (up to 3 buttons of up to 5 items, click or view), as last saved, and
    when it was last pushed to WeChat."""

    scope_path_field = "account__org__path"

    account = models.OneToOneField(OfficialAccount, on_delete=models.CASCADE, related_name="menu")
    buttons = models.JSONField(_("菜单"), default=list)
    updated_at = models.DateTimeField(_("保存时间"), default=timezone.now)
    pushed_at = models.DateTimeField(_("推送时间"), null=True, blank=True)
    push_error = models.CharField(_("推送错误"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("自定义菜单")
        verbose_name_plural = _("自定义菜单")

    def __str__(self) -> str:
        return f"{self.account} 菜单"

    def get_absolute_url(self) -> str:
        return reverse("mp:menu_edit", args=[self.account_id])

    def audit_org_path(self) -> str:
        return self.account.org.path


class Post(models.Model):
    """A post of an account through its editorial workflow: 草稿 → 待审核 → 已通过 → (发布中 →) 已发布.

    Published through the draft + freepublish API where the account has API rights, or recorded as
    published on the WeChat platform by its URL. Read and share counts come nightly from datacube.
    """

    scope_path_field = "account__org__path"

    account = models.ForeignKey(
        OfficialAccount, verbose_name=_("公众号"), on_delete=models.PROTECT, related_name="posts"
    )
    title = models.CharField(_("标题"), max_length=64)
    category = models.CharField(_("栏目"), max_length=16, choices=PostCategory.choices)
    status = models.CharField(
        _("状态"), max_length=12, choices=PostStatus.choices, default=PostStatus.DRAFT, db_index=True
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撰稿人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    author_name = models.CharField(_("署名"), max_length=16, blank=True)
    digest = models.CharField(_("摘要"), max_length=120, blank=True)
    content = models.TextField(_("正文"), blank=True)
    source_url = models.URLField(_("原文链接"), max_length=500, blank=True)
    thumb_media_id = models.CharField(_("封面素材 media_id"), max_length=128, blank=True)
    scheduled_at = models.DateTimeField(_("计划发布时间"), null=True, blank=True, db_index=True)
    submitted_at = models.DateTimeField(_("提交审核时间"), null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_comment = models.CharField(_("审核意见"), max_length=300, blank=True)
    channel = models.CharField(_("发布方式"), max_length=10, choices=PublishChannel.choices, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True, db_index=True)
    url = models.URLField(_("文章链接"), max_length=500, blank=True)
    media_id = models.CharField(_("草稿 media_id"), max_length=128, blank=True)
    publish_id = models.CharField(_("发布任务 publish_id"), max_length=64, blank=True)
    msg_data_id = models.CharField(_("消息数据 ID"), max_length=64, blank=True)
    article_id = models.CharField(_("文章 article_id"), max_length=128, blank=True)
    publish_error = models.CharField(_("发布错误"), max_length=300, blank=True)
    read_count = models.PositiveIntegerField(_("阅读次数"), default=0)
    share_count = models.PositiveIntegerField(_("分享次数"), default=0)
    stats_synced_at = models.DateTimeField(_("数据同步时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("推文")
        verbose_name_plural = _("推文")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "status", "published_at"], name="mp_post_cadence_idx")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("mp:post_detail", args=[self.pk])

    def audit_org_path(self) -> str:
        return self.account.org.path


class PostStat(models.Model):
    """One day of a post's reads and shares, from datacube ``getarticlesummary``."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="stats")
    ref_date = models.DateField(_("日期"))
    msgid = models.CharField(_("msgid"), max_length=64, blank=True)
    read_user = models.PositiveIntegerField(_("阅读人数"), default=0)
    read_count = models.PositiveIntegerField(_("阅读次数"), default=0)
    share_user = models.PositiveIntegerField(_("分享人数"), default=0)
    share_count = models.PositiveIntegerField(_("分享次数"), default=0)

    class Meta:
        verbose_name = _("推文日数据")
        verbose_name_plural = _("推文日数据")
        constraints = [models.UniqueConstraint(fields=["post", "ref_date"], name="mp_poststat_unique")]

    def __str__(self) -> str:
        return f"{self.post} {self.ref_date}"


class AccountDailyStat(models.Model):
    """One day of an account's reads and shares over all its content, from datacube ``getuserread``."""

    account = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="daily_stats")
    ref_date = models.DateField(_("日期"))
    read_user = models.PositiveIntegerField(_("阅读人数"), default=0)
    read_count = models.PositiveIntegerField(_("阅读次数"), default=0)
    share_user = models.PositiveIntegerField(_("分享人数"), default=0)
    share_count = models.PositiveIntegerField(_("分享次数"), default=0)

    class Meta:
        verbose_name = _("公众号日数据")
        verbose_name_plural = _("公众号日数据")
        constraints = [models.UniqueConstraint(fields=["account", "ref_date"], name="mp_dailystat_unique")]

    def __str__(self) -> str:
        return f"{self.account} {self.ref_date}"


class AccessToken(models.Model):
    """An account's current API access token (encrypted), shared by every process when there is no Redis.

    Its row is also the refresh lock: a process refreshing the token holds ``SELECT … FOR UPDATE`` on it,
    so that exactly one process per account calls ``stable_token``.
    """

    account = models.OneToOneField(
        OfficialAccount, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    token_encrypted = models.TextField(blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("接口凭据")
        verbose_name_plural = _("接口凭据")

    def __str__(self) -> str:
        return f"access token #{self.account_id}"


class SharedKey(models.Model):
    """A short-lived shared key when there is no Redis: callback de-duplication (MsgId, or FromUserName +
    CreateTime for events; five minutes), a youth's pending numbered choice, configuration versions,
    API back-off. The primary key is the unique key; expired rows are purged by a periodic job."""

    key = models.CharField(max_length=200, primary_key=True)
    value = models.TextField(blank=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("共享键")
        verbose_name_plural = _("共享键")

    def __str__(self) -> str:
        return self.key


class MpJob(models.Model):
    """A background job of an account (QR code generation, statistics sync) with its progress."""

    scope_path_field = "account__org__path"

    account = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(_("任务"), max_length=12, choices=JobKind.choices)
    status = models.CharField(_("状态"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    total = models.PositiveIntegerField(_("总数"), default=0)
    done = models.PositiveIntegerField(_("已完成"), default=0)
    message = models.CharField(_("说明"), max_length=300, blank=True)
    params = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("公众号任务")
        verbose_name_plural = _("公众号任务")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("mp:job_detail", args=[self.pk])

    @property
    def percent(self) -> int:
        return (
            int(self.done * 100 / self.total) if self.total else (100 if self.status == JobStatus.DONE else 0)
        )
