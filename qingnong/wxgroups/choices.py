"""Choices of the 三群 ledger."""

from __future__ import annotations

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _


class GroupType(models.TextChoices):
    TUANQING = "tuanqing", _("团青微信群")
    EXCLUSIVE = "exclusive", _("青年专属微信群")
    QINGNONG = "qingnong", _("青农微信群")


class GroupStatus(models.TextChoices):
    PLANNED = "planned", _("筹建")
    BUILT = "built", _("已建")
    ACTIVE = "active", _("活跃")
    DORMANT = "dormant", _("沉寂")
    DISSOLVED = "dissolved", _("解散")


class Basis(models.TextChoices):
    """What binds a 团青 group together (notice 二.1): place, trade, a shared task, an interest."""

    GEO = "geo", _("地缘")
    TRADE = "trade", _("业缘")
    AFFAIR = "affair", _("事缘")
    INTEREST = "interest", _("趣缘")


class LiveCodeMode(models.TextChoices):
    GROUPS = "groups", _("指定的群（按顺序轮换）")
    ORG_TYPE = "org_type", _("本组织某类型的全部群（自动包含新建的群）")


# R2: a 团青 group counts as built when its status is one of these.
BUILT_STATUSES = (GroupStatus.BUILT, GroupStatus.ACTIVE)
# Groups that still exist (everything but 解散); R3 allows one such 青农 group per org.
LIVE_STATUSES = (GroupStatus.PLANNED, GroupStatus.BUILT, GroupStatus.ACTIVE, GroupStatus.DORMANT)
# R1 counts members of these group types.
REACH_TYPES = (GroupType.TUANQING, GroupType.EXCLUSIVE)

# A WeChat group QR code is valid for 7 days after it was generated.
QR_VALID_DAYS = 7
QR_VALIDITY = datetime.timedelta(days=QR_VALID_DAYS)
# WeChat lets people join by scanning only while a group has fewer than 200 members; 500 is the hard cap.
SCAN_JOIN_CAP = 200
MEMBER_CAP = 500
# Owners are reminded when a group comes this close to a cap.
NEAR_SCAN_CAP = 180
NEAR_MEMBER_CAP = 450
# R1: each grassroots cadre reaches at least this many youth (the Campaign may override it).
REACH_TARGET = 20
