"""The 三群 ledger: WeChat groups (团青 / 青年专属 / 青农), who is in them, and their live codes (活码)."""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qingnong.core.asof import end_of_day
from qingnong.core.scoping import ScopedQuerySet
from qingnong.youth.models import youth_existed_q

from .choices import QR_VALIDITY, GroupStatus, GroupType, LiveCodeMode


def group_existed_q(day: datetime.date, prefix: str = "") -> Q:
    """Groups that existed at the end of ``day`` (``core.asof``): founded by then, or recorded by then when
    the founding day is not known. ``prefix`` reaches them through a join (``group__``)."""
    return Q(**{f"{prefix}founded_on__lte": day}) | Q(
        **{f"{prefix}founded_on__isnull": True, f"{prefix}created_at__lt": end_of_day(day)}
    )


def membership_existed_q(day: datetime.date, prefix: str = "") -> Q:
    """Memberships that existed at the end of ``day``: joined by then (recorded by then when the joining day
    is not known), in a group that existed then, of a youth registered by then (a cadre has no youth)."""
    joined = Q(**{f"{prefix}joined_on__lte": day}) | Q(
        **{f"{prefix}joined_on__isnull": True, f"{prefix}created_at__lt": end_of_day(day)}
    )
    youth = Q(**{f"{prefix}youth__isnull": True}) | youth_existed_q(day, f"{prefix}youth__")
    return joined & group_existed_q(day, f"{prefix}group__") & youth


class ChatGroupQuerySet(ScopedQuerySet["ChatGroup"]):
    def live(self) -> ChatGroupQuerySet:
        """Groups that are not dissolved."""
        return self.exclude(status=GroupStatus.DISSOLVED)

    def existed_on(self, day: datetime.date) -> ChatGroupQuerySet:
        """The groups as the ledger stood at the end of ``day``."""
        return self.filter(group_existed_q(day))

    def qr_expired(self, now: datetime.datetime | None = None) -> ChatGroupQuerySet:
        """Groups with no QR code, or one older than 7 days."""
        now = now or timezone.now()
        return self.filter(Q(qr_uploaded_at__isnull=True) | Q(qr_uploaded_at__lte=now - QR_VALIDITY))

    def qr_valid(self, now: datetime.datetime | None = None) -> ChatGroupQuerySet:
        now = now or timezone.now()
        return self.filter(qr_uploaded_at__gt=now - QR_VALIDITY)


def qr_upload_to(instance: ChatGroup, filename: str) -> str:
    # Public: youth open it from the live-code page without logging in. The name is random so
    # that the URL of a group's QR code cannot be guessed from its id.
    import secrets

    return f"public/wxgroups/qr/{timezone.localdate():%Y%m}/{secrets.token_hex(12)}.jpg"


class ChatGroup(models.Model):
    """A WeChat group in the ledger (台账).

    ``group_type``: 团青 (township / village / direct orgs, formed by 地缘 业缘 事缘 趣缘 — ``bases``),
    青年专属 (for one category of youth — ``category``), 青农 (the cadre group of a city, county or township
    org, one live per org, R3). ``member_count`` is what the owner reports (as of
    ``member_count_as_of``); the recorded members are ``memberships``. ``qr_image`` is the latest group
    QR photo; it is valid 7 days after ``qr_uploaded_at``. ``wecom_chat_id`` links a WeCom customer group.
    """

    scope_path_field = "org__path"

    name = models.CharField(_("群名称"), max_length=60)
    group_type = models.CharField(_("类型"), max_length=10, choices=GroupType.choices, db_index=True)
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("所属组织"), on_delete=models.PROTECT, related_name="chat_groups"
    )
    bases = models.JSONField(_("组建基础（缘）"), default=list, blank=True)
    category = models.CharField(_("专属类别"), max_length=20, blank=True)
    owner = models.ForeignKey(
        "orgs.Cadre",
        verbose_name=_("群主"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_groups",
    )
    admins = models.ManyToManyField(
        "orgs.Cadre", verbose_name=_("管理员"), blank=True, related_name="administered_groups"
    )
    member_count = models.PositiveIntegerField(_("群成员数"), default=0)
    member_count_as_of = models.DateField(_("成员数截至"), null=True, blank=True)
    founded_on = models.DateField(_("建群日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=GroupStatus.choices, default=GroupStatus.BUILT, db_index=True
    )
    function = models.CharField(_("功能"), max_length=200, blank=True)
    qr_image = models.ImageField(_("群二维码"), upload_to=qr_upload_to, blank=True, max_length=200)
    qr_uploaded_at = models.DateTimeField(_("二维码上传时间"), null=True, blank=True, db_index=True)
    wecom_chat_id = models.CharField(_("企业微信群ID"), max_length=64, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ChatGroupQuerySet.as_manager()

    class Meta:
        verbose_name = _("微信群")
        verbose_name_plural = _("微信群")
        ordering = ["org__path", "group_type", "name", "id"]
        indexes = [
            models.Index(fields=["org", "group_type", "status"], name="chatgroup_org_type_idx"),
        ]
        constraints = [
            # R3: one live 青农 group per org (the service explains; the database makes it certain).
            models.UniqueConstraint(
                fields=["org"],
                condition=Q(group_type="qingnong") & ~Q(status="dissolved"),
                name="chatgroup_one_live_qingnong",
            ),
            models.CheckConstraint(condition=Q(member_count__lte=500), name="chatgroup_member_count_max_500"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("wxgroups:group_detail", args=[self.pk])

    def audit_org_path(self) -> str:
        return self.org.path

    @property
    def qr_expires_at(self) -> datetime.datetime | None:
        return self.qr_uploaded_at + QR_VALIDITY if self.qr_uploaded_at else None

    def qr_is_valid(self, now: datetime.datetime | None = None) -> bool:
        expires = self.qr_expires_at
        return bool(self.qr_image) and expires is not None and expires > (now or timezone.now())

    @property
    def qr_expired(self) -> bool:
        return not self.qr_is_valid()

    @property
    def is_live(self) -> bool:
        return self.status != GroupStatus.DISSOLVED

    def bases_labels(self) -> list[str]:
        from .choices import Basis

        labels = dict(Basis.choices)
        return [str(labels.get(b, b)) for b in self.bases or []]

    @property
    def category_label(self) -> str:
        from qingnong.youth.choices import YouthCategory

        return str(dict(YouthCategory.choices).get(self.category, self.category))


class GroupMembership(models.Model):
    """One person recorded in a group's member list: a youth or a cadre (exactly one of the two)."""

    scope_path_field = "group__org__path"

    group = models.ForeignKey(
        ChatGroup, verbose_name=_("微信群"), on_delete=models.CASCADE, related_name="memberships"
    )
    youth = models.ForeignKey(
        "youth.Youth",
        verbose_name=_("青年"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    cadre = models.ForeignKey(
        "orgs.Cadre",
        verbose_name=_("团干部"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    joined_on = models.DateField(_("入群日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("群成员")
        verbose_name_plural = _("群成员")
        ordering = ["group", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(youth__isnull=False) & Q(cadre__isnull=True))
                | (Q(youth__isnull=True) & Q(cadre__isnull=False)),
                name="membership_youth_xor_cadre",
            ),
            models.UniqueConstraint(
                fields=["group", "youth"], condition=Q(youth__isnull=False), name="membership_unique_youth"
            ),
            models.UniqueConstraint(
                fields=["group", "cadre"], condition=Q(cadre__isnull=False), name="membership_unique_cadre"
            ),
        ]

    def __str__(self) -> str:
        who = self.youth if self.youth_id else self.cadre
        return f"{self.group} · {who}"

    def get_absolute_url(self) -> str:
        return self.group.get_absolute_url()

    def audit_org_path(self) -> str:
        return self.group.org.path


class LiveCode(models.Model):
    """A live code (活码): a stable short link ``/j/<code>`` that always shows a group QR that still works.

    ``mode`` ``groups``: the ordered ``groups`` (one group, or a set that fills one after another);
    ``org_type``: every group of ``group_type`` at ``org`` (new groups join automatically). Youth see the
    first group whose QR is valid, that is below 200 members and not dissolved; otherwise the owner's chosen
    contact (``contact_name`` / ``contact_phone``) — the only phone number the public page ever shows.
    ``is_default`` marks the code made automatically for a single group when it was registered.
    """

    scope_path_field = "org__path"

    code = models.CharField(_("短码"), max_length=16, unique=True)
    title = models.CharField(_("名称"), max_length=60)
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("所属组织"), on_delete=models.PROTECT, related_name="live_codes"
    )
    mode = models.CharField(
        _("方式"), max_length=10, choices=LiveCodeMode.choices, default=LiveCodeMode.GROUPS
    )
    group_type = models.CharField(_("群类型"), max_length=10, choices=GroupType.choices, blank=True)
    groups = models.ManyToManyField(
        ChatGroup, verbose_name=_("微信群"), through="LiveCodeGroup", blank=True, related_name="live_codes"
    )
    owner = models.ForeignKey(
        "orgs.Cadre",
        verbose_name=_("负责人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="live_codes",
    )
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    contact_note = models.CharField(_("联系说明"), max_length=120, blank=True)
    is_default = models.BooleanField(_("群默认活码"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("活码")
        verbose_name_plural = _("活码")
        ordering = ["org__path", "title", "id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("wxgroups:livecode_detail", args=[self.pk])

    def audit_org_path(self) -> str:
        return self.org.path

    @property
    def public_path(self) -> str:
        return f"/j/{self.code}"

    @property
    def public_url(self) -> str:
        from django.conf import settings

        return settings.PUBLIC_BASE_URL.rstrip("/") + self.public_path


class LiveCodeGroup(models.Model):
    """A group of a live code's set, in the order the code fills them."""

    live_code = models.ForeignKey(LiveCode, on_delete=models.CASCADE, related_name="entries")
    group = models.ForeignKey(ChatGroup, on_delete=models.CASCADE, related_name="live_code_entries")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("活码中的群")
        verbose_name_plural = _("活码中的群")
        ordering = ["live_code", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["live_code", "group"], name="livecode_group_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.live_code} · {self.group}"


class LiveCodeVisit(models.Model):
    """How many times a live code's page was opened on one day."""

    live_code = models.ForeignKey(LiveCode, on_delete=models.CASCADE, related_name="visits")
    day = models.DateField(_("日期"))
    count = models.PositiveIntegerField(_("访问次数"), default=0)

    class Meta:
        verbose_name = _("活码访问")
        verbose_name_plural = _("活码访问")
        ordering = ["live_code", "-day"]
        constraints = [models.UniqueConstraint(fields=["live_code", "day"], name="livecode_visit_day")]

    def __str__(self) -> str:
        return f"{self.live_code} {self.day} {self.count}"
