"""Choices of the org tree and the cadre roster."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgLevel(models.TextChoices):
    NATION = "nation", _("全国")
    PROVINCE = "province", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")
    TOWNSHIP = "township", _("乡镇")
    GRASSROOTS = "grassroots", _("基层")


# Deeper levels have larger ranks; a child's rank must exceed its parent's.
LEVEL_RANK: dict[str, int] = {level: rank for rank, level in enumerate(OrgLevel.values)}
# City and above: the 青农 naming rule (R5) applies (notice 二.4).
PREFECTURE_AND_ABOVE = frozenset({OrgLevel.NATION, OrgLevel.PROVINCE, OrgLevel.CITY})


class GrassrootsKind(models.TextChoices):
    VILLAGE = "village", _("村团组织")
    ENTERPRISE = "enterprise", _("直属·企业")
    SCHOOL = "school", _("直属·学校")
    COOPERATIVE = "cooperative", _("直属·合作社")
    OTHER_DIRECT = "other_direct", _("直属·其他")


DIRECT_KINDS = frozenset(
    {
        GrassrootsKind.ENTERPRISE,
        GrassrootsKind.SCHOOL,
        GrassrootsKind.COOPERATIVE,
        GrassrootsKind.OTHER_DIRECT,
    }
)


class OrgStatus(models.TextChoices):
    ACTIVE = "active", _("正常")
    MERGED = "merged", _("已合并")
    DISSOLVED = "dissolved", _("已撤销")


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class PositionTitle(models.TextChoices):
    SECRETARY = "secretary", _("书记")
    DEPUTY = "deputy", _("副书记")
    PART_TIME_DEPUTY = "part_time_deputy", _("兼职副书记")
    MEMBER = "member", _("委员")
    LEADER = "leader", _("负责人")
    OTHER = "other", _("其他")


# Titles of which an org has at most one current holder.
SINGLE_HOLDER_TITLES = frozenset({PositionTitle.SECRETARY})
