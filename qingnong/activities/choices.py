"""Choices of online and offline activities."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ActivityType(models.TextChoices):
    ONLINE = "online", _("线上")
    OFFLINE = "offline", _("线下")
    MIXED = "mixed", _("线上线下结合")


class ActivityTheme(models.TextChoices):
    ENTREPRENEURSHIP = "entrepreneurship", _("创业培训")
    VOLUNTEER = "volunteer", _("志愿服务")
    CULTURE_SPORTS = "culture_sports", _("文体")
    POLICY = "policy", _("政策宣讲")
    SOCIAL = "social", _("联谊")
    OTHER = "other", _("其他")


class ActivityStatus(models.TextChoices):
    """A planned activity may lie in the future; a held one counts for R11 and R12."""

    PLANNED = "planned", _("计划")
    HELD = "held", _("已举办")


# Participants of one activity: 0 … 100 000 (a city-wide online campaign stays below that).
PARTICIPANTS_MAX = 100_000
# A held activity may be dated at most this many days after today (time zones, late-evening entry).
HELD_DAYS_AHEAD = 1
# Duration in hours: half an hour to a month-long online campaign.
DURATION_MIN_HOURS = 0.5
DURATION_MAX_HOURS = 720
