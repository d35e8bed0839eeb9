"""The rural youth registry: the young people the league reaches through its groups and cadres."""

from __future__ import annotations

import datetime

from django.db import connection, models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qingnong.core.asof import end_of_day
from qingnong.core.scoping import ScopedQuerySet

from .choices import Gender, Whereabouts, YouthSource


def youth_existed_q(day: datetime.date, prefix: str = "") -> Q:
    """Youth registered by the end of ``day`` (``core.asof``); ``prefix`` reaches them through a join."""
    return Q(**{f"{prefix}created_at__lt": end_of_day(day)})


class YouthQuerySet(ScopedQuerySet["Youth"]):
    def existed_on(self, day: datetime.date) -> YouthQuerySet:
        """The youth as the registry stood at the end of ``day``."""
        return self.filter(youth_existed_q(day))

    def in_category(self, code: str) -> YouthQuerySet:
        """Youth whose ``categories`` list holds ``code``.

        PostgreSQL answers JSON containment from the value itself; SQLite has no ``contains`` on JSON, so
        there we match the quoted code in the JSON text (codes are plain ASCII words, so this is exact).
        """
        if connection.vendor == "postgresql":
            return self.filter(categories__contains=[code])
        return self.filter(categories__icontains=f'"{code}"')


class Youth(models.Model):
    """A rural young person in the registry (摸底 survey, a group member, an import or an account follower).

    ``home_org`` is the village or direct org the youth belongs to (scope follows it); ``liaison`` is the
    cadre who keeps in touch (联系人) and counts toward that cadre's reach of 20 (R1). ``phone`` and
    ``wechat_id`` identify a person across the deployment: each is unique when given. ``categories`` is a
    JSON list of ``YouthCategory`` codes (several allowed), ``tags`` a JSON list of free words.
    """

    scope_path_field = "home_org__path"
    personal_fields = ("phone", "wechat_id")

    name = models.CharField(_("姓名"), max_length=50, db_index=True)
    gender = models.CharField(_("性别"), max_length=6, choices=Gender.choices, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("出生年份"), null=True, blank=True)
    phone = models.CharField(_("手机号"), max_length=11, null=True, blank=True, unique=True)
    wechat_id = models.CharField(_("微信号"), max_length=40, null=True, blank=True, unique=True)
    is_league_member = models.BooleanField(_("团员"), default=False)
    home_org = models.ForeignKey(
        "orgs.Org", verbose_name=_("所属组织"), on_delete=models.PROTECT, related_name="youth"
    )
    whereabouts = models.CharField(
        _("现在"), max_length=6, choices=Whereabouts.choices, default=Whereabouts.HOME, db_index=True
    )
    away_place = models.CharField(
        _("在外地点"), max_length=60, blank=True, help_text=_("在外青年：所在城市或省份")
    )
    occupation = models.CharField(_("职业"), max_length=60, blank=True)
    industry = models.CharField(_("行业（业缘）"), max_length=60, blank=True)
    interests = models.CharField(_("兴趣（趣缘）"), max_length=200, blank=True)
    tags = models.JSONField(_("标签"), default=list, blank=True)
    categories = models.JSONField(_("类别"), default=list, blank=True)
    liaison = models.ForeignKey(
        "orgs.Cadre",
        verbose_name=_("联系人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="liaison_youth",
    )
    source = models.CharField(
        _("来源"), max_length=10, choices=YouthSource.choices, default=YouthSource.SURVEY
    )
    notes = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = YouthQuerySet.as_manager()

    class Meta:
        verbose_name = _("青年")
        verbose_name_plural = _("青年")
        ordering = ["home_org__path", "name", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("youth:youth_detail", args=[self.pk])

    def audit_org_path(self) -> str:
        return self.home_org.path

    def category_labels(self) -> list[str]:
        from .choices import YouthCategory

        labels = dict(YouthCategory.choices)
        return [str(labels.get(code, code)) for code in self.categories or []]

    @property
    def categories_text(self) -> str:
        return "、".join(self.category_labels())
