"""Choices of the youth registry."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from qingnong.orgs.choices import Gender as _Gender


class YouthCategory(models.TextChoices):
    """Categories a youth may belong to (several at once); the 专属 groups are formed by one of them."""

    LEADER = "leader", _("领头雁")
    AWAY = "away", _("在外青年")
    VILLAGE_OFFICIAL = "village_official", _("大学生村官")
    ENTREPRENEUR = "entrepreneur", _("致富带头人")
    ASSOCIATION = "association", _("青创协会会员")
    STUDENT = "student", _("在校大学生")
    OTHER = "other", _("其他")


class Whereabouts(models.TextChoices):
    HOME = "home", _("在乡")
    AWAY = "away", _("在外")


class YouthSource(models.TextChoices):
    SURVEY = "survey", _("摸底")
    GROUP = "group", _("微信群")
    IMPORT = "import", _("导入")
    ACCOUNT = "account", _("公众号")
    OTHER = "other", _("其他")


# The same vocabulary as the cadre roster's.
Gender = _Gender
