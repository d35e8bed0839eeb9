"""The league org tree, its cadres and their positions, users and their scope grants."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from qingnong.core.permissions import Role
from qingnong.core.scoping import ScopedQuerySet, subtree_q

from .choices import (
    DIRECT_KINDS,
    LEVEL_RANK,
    Gender,
    GrassrootsKind,
    OrgLevel,
    OrgStatus,
    PositionTitle,
)


class OrgQuerySet(MP_NodeQuerySet, ScopedQuerySet):
    def active(self) -> OrgQuerySet:
        return self.filter(status=OrgStatus.ACTIVE)


class OrgManager(MP_NodeManager):
    def get_queryset(self) -> OrgQuerySet:
        return OrgQuerySet(self.model, using=self._db).order_by("path")

    def restrict(self, user: object, action: str = "view") -> OrgQuerySet:
        return self.get_queryset().restrict(user, action)


class Org(MP_Node):
    """A league organisation: 团中央, 团省委, 团市委, 团县委, 乡镇团委, or a village / direct 团组织.

    The tree is the chain of command of the notice (市 → 县 → 乡镇 → 村和直属). Its materialised
    path makes "this org and everything below it" one indexed range. An org that holds data is
    never deleted: it is dissolved or merged into another.
    """

    scope_path_field = "path"
    node_order_by: list[str] = []

    name = models.CharField(_("组织名称"), max_length=100)
    short_name = models.CharField(
        _("简称"), max_length=30, help_text=_("用于“青农”命名规则，如“安庆”“怀宁”"), blank=True
    )
    level = models.CharField(_("层级"), max_length=12, choices=OrgLevel.choices, db_index=True)
    kind = models.CharField(
        _("基层组织类别"), max_length=16, choices=GrassrootsKind.choices, blank=True, db_index=True
    )
    division_code = models.CharField(
        _("行政区划代码"),
        max_length=20,
        null=True,
        blank=True,
        unique=True,
        help_text=_("可不填；填写时须唯一"),
    )
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=OrgStatus.choices, default=OrgStatus.ACTIVE, db_index=True
    )
    merged_into = models.ForeignKey(
        "self", verbose_name=_("并入"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = OrgManager()

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        indexes = [models.Index(fields=["level", "path"], name="org_level_path_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("orgs:org_detail", args=[self.pk])

    @property
    def rank(self) -> int:
        return LEVEL_RANK[self.level]

    @property
    def is_direct(self) -> bool:
        return self.kind in DIRECT_KINDS

    @property
    def is_active(self) -> bool:
        return self.status == OrgStatus.ACTIVE

    def audit_org_path(self) -> str:
        return self.path

    def subtree_q(self, field: str = "path") -> Q:
        return subtree_q(field, self.path)

    def parent_org(self) -> Org | None:
        """The parent org (None for a root)."""
        if self.depth <= 1:
            return None
        return Org.objects.filter(path=self.path[: -self.steplen]).first()

    def children_orgs(self) -> OrgQuerySet:
        return Org.objects.filter(path__startswith=self.path, depth=self.depth + 1)

    def ancestor_paths(self) -> list[str]:
        """The paths of every ancestor, root first, this org excluded."""
        step = self.steplen
        return [self.path[:i] for i in range(step, len(self.path), step)]

    @property
    def league_name(self) -> str:
        """The league body's usual name: 团安庆市委, 团怀宁县委, 石牌镇团委, 新城村团支部."""
        if self.level in {OrgLevel.CITY, OrgLevel.COUNTY}:
            return f"团{self.name}委"
        if self.level == OrgLevel.PROVINCE:
            return f"团{self.short_name or self.name}省委"
        if self.level == OrgLevel.NATION:
            return "共青团中央"
        if self.level == OrgLevel.TOWNSHIP:
            return f"{self.name}团委"
        return f"{self.name}团支部" if self.kind == GrassrootsKind.VILLAGE else f"{self.name}团组织"

    def display_path(self) -> str:
        """ "怀宁县/石牌镇/某村"-style path of short names below the city, as offices write it."""
        from .selectors import org_display_paths

        return org_display_paths([self])[self.pk]


class CadreQuerySet(ScopedQuerySet["Cadre"]):
    def with_current_positions(self) -> CadreQuerySet:
        return self.prefetch_related(
            models.Prefetch(
                "positions",
                queryset=Position.objects.current().select_related("org").order_by("org__path", "title"),
                to_attr="current_positions",
            )
        )


class Cadre(models.Model):
    """A league cadre (团干部): a person who holds one or more positions in the org tree.

    ``org`` is the org that keeps the cadre's record (usually where the main position is);
    positions elsewhere are listed through ``Position``. The phone number is the cadre's
    natural key in imports and is unique when given.
    """

    scope_path_field = "org__path"

    org = models.ForeignKey(Org, verbose_name=_("所属组织"), on_delete=models.PROTECT, related_name="cadres")
    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=6, choices=Gender.choices, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("出生年份"), null=True, blank=True)
    phone = models.CharField(_("手机号"), max_length=11, null=True, blank=True, unique=True)
    wechat_id = models.CharField(_("微信号"), max_length=40, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    is_active = models.BooleanField(_("在任"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = CadreQuerySet.as_manager()

    personal_fields = ("phone", "wechat_id")

    class Meta:
        verbose_name = _("团干部")
        verbose_name_plural = _("团干部")
        ordering = ["org__path", "name", "id"]
        # Names are looked up exactly (import by name + phone) or by icontains (no index helps): a plain
        # index, without the pattern-ops twin Django adds to ``db_index`` on PostgreSQL.
        indexes = [models.Index(fields=["name"], name="cadre_name_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("orgs:cadre_detail", args=[self.pk])

    def audit_org_path(self) -> str:
        return self.org.path


class PositionQuerySet(ScopedQuerySet["Position"]):
    def current(self, on: datetime.date | None = None) -> PositionQuerySet:
        on = on or timezone.localdate()
        return self.filter(Q(start_date__isnull=True) | Q(start_date__lte=on)).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=on)
        )


class Position(models.Model):
    """A post a cadre holds in an org (书记, 副书记, 委员 …) with its flags and term.

    The flags drive the 青农 group completeness check (R3): a city group expects the county
    committees' leadership members (班子成员), a county group the township committee members
    (团委成员), a township group the leaders of its villages and direct orgs.
    """

    scope_path_field = "org__path"

    cadre = models.ForeignKey(
        Cadre, verbose_name=_("团干部"), on_delete=models.CASCADE, related_name="positions"
    )
    # No index of its own: ``position_org_end_idx`` (org, end_date) serves every lookup by org.
    org = models.ForeignKey(
        Org, verbose_name=_("任职组织"), on_delete=models.PROTECT, related_name="positions", db_index=False
    )
    title = models.CharField(_("职务"), max_length=20, choices=PositionTitle.choices)
    title_text = models.CharField(_("职务全称"), max_length=50, blank=True)
    is_leadership = models.BooleanField(_("班子成员"), default=False)
    is_committee = models.BooleanField(_("团委成员"), default=False)
    is_full_time = models.BooleanField(_("专职"), default=False)
    start_date = models.DateField(_("任职日期"), null=True, blank=True)
    end_date = models.DateField(_("离任日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    objects = PositionQuerySet.as_manager()

    class Meta:
        verbose_name = _("职务")
        verbose_name_plural = _("职务")
        ordering = ["org__path", "title", "id"]
        indexes = [models.Index(fields=["org", "end_date"], name="position_org_end_idx")]

    def __str__(self) -> str:
        return f"{self.org} {self.title_label}"

    def get_absolute_url(self) -> str:
        return self.cadre.get_absolute_url()

    @property
    def title_label(self) -> str:
        return self.title_text or str(self.get_title_display())

    @property
    def is_current(self) -> bool:
        today = timezone.localdate()
        return (self.start_date is None or self.start_date <= today) and (
            self.end_date is None or self.end_date >= today
        )

    def audit_org_path(self) -> str:
        return self.org.path


class ScopedUserManager(UserManager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    """Django's user manager whose querysets can ``.restrict()``."""


class User(AbstractUser):
    """A person who logs in: league staff or a cadre. What they may see comes from their ScopeGrants.

    ``home_org`` is the org the account belongs to; an admin manages the accounts whose home org
    lies in the admin's subtree.
    """

    scope_path_field = "home_org__path"

    display_name = models.CharField(_("显示名称"), max_length=50, blank=True)
    home_org = models.ForeignKey(
        Org, verbose_name=_("所属组织"), null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    cadre = models.OneToOneField(
        Cadre,
        verbose_name=_("对应团干部"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
    )

    objects = ScopedUserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.username

    def get_absolute_url(self) -> str:
        return reverse("orgs:user_detail", args=[self.pk])

    def audit_org_path(self) -> str:
        return self.home_org.path if self.home_org_id and self.home_org else ""


class ScopeGrant(models.Model):
    """A role given to a user on an org; it holds for the org's whole subtree."""

    scope_path_field = "org__path"

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="grants")
    org = models.ForeignKey(Org, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="grants")
    role = models.CharField(_("角色"), max_length=12, choices=Role.choices)
    granted_by = models.ForeignKey(
        User, verbose_name=_("授权人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("授权时间"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("授权")
        verbose_name_plural = _("授权")
        constraints = [models.UniqueConstraint(fields=["user", "org", "role"], name="grant_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.org} · {self.get_role_display()}"

    def get_absolute_url(self) -> str:
        return self.user.get_absolute_url()

    def audit_org_path(self) -> str:
        return self.org.path
