"""The key figures of a subtree that are plain counts: groups, youth, cadres, subscribers, posts, activities.

Compliance (coverage, completeness, reach, dormancy …) is never computed here: it comes from the rules
(``qingnong.campaign.rules_base``). A count whose data lives in an app that does not exist yet (or does
not have the expected model) is ``None`` — shown as 暂无数据, never as an invented number.

Every count is one GROUP BY over the subtree's path range, whatever the subtree's size: either by child
of a parent (the dashboard) or by org (the nightly snapshot, rolled up to every ancestor in Python).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, FieldError
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from qingnong.core.scoping import PATH_STEP, subtree_q


def _model(label: str, name: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label, name)
    except LookupError:
        return None


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def week_start(day: datetime.date) -> datetime.date:
    """Monday of ``day``'s week (the notice counts posts per week)."""
    return day - datetime.timedelta(days=day.weekday())


def _groups(day: datetime.date, group_type: str | None, built_only: bool) -> QuerySet[Any]:
    from qingnong.wxgroups.choices import BUILT_STATUSES, GroupStatus
    from qingnong.wxgroups.models import ChatGroup

    qs = ChatGroup.objects.all()
    if group_type:
        qs = qs.filter(group_type=group_type)
    if built_only:
        return qs.filter(status__in=list(BUILT_STATUSES))
    return qs.exclude(status=GroupStatus.DISSOLVED)


def _tuanqing(day: datetime.date) -> QuerySet[Any]:
    return _groups(day, "tuanqing", built_only=True)


def _exclusive(day: datetime.date) -> QuerySet[Any]:
    return _groups(day, "exclusive", built_only=True)


def _qingnong(day: datetime.date) -> QuerySet[Any]:
    return _groups(day, "qingnong", built_only=False)


def _live_groups(day: datetime.date) -> QuerySet[Any]:
    return _groups(day, None, built_only=False)


def _youth(day: datetime.date) -> QuerySet[Any]:
    from qingnong.youth.models import Youth

    return Youth.objects.all()


def _reached(day: datetime.date) -> QuerySet[Any]:
    """Youth reached: a member of a 团青 / 专属 group that is not dissolved, or with a liaison cadre (the
    same two ways R1 counts a cadre's reach, without attributing the youth to a cadre)."""
    from qingnong.wxgroups.choices import REACH_TYPES, GroupStatus
    from qingnong.wxgroups.models import GroupMembership
    from qingnong.youth.models import Youth

    member = GroupMembership.objects.filter(youth_id=OuterRef("pk"), group__group_type__in=list(REACH_TYPES))
    member = member.exclude(group__status=GroupStatus.DISSOLVED)
    return Youth.objects.filter(Q(liaison__isnull=False) | Exists(member))


def _cadres(day: datetime.date) -> QuerySet[Any]:
    from qingnong.orgs.models import Cadre

    return Cadre.objects.filter(is_active=True)


def _subscribers(day: datetime.date) -> QuerySet[Any] | None:
    follower = _model("mp", "Follower")
    if follower is None:
        return None
    return follower._default_manager.filter(subscribed=True, account__is_external=False)


def _posts_this_week(day: datetime.date) -> QuerySet[Any] | None:
    post = _model("mp", "Post")
    if post is None:
        return None
    start = _day_start(week_start(day))
    end = _day_start(day + datetime.timedelta(days=1))
    return post._default_manager.filter(status="published", published_at__gte=start, published_at__lt=end)


def _activities_this_month(day: datetime.date) -> QuerySet[Any] | None:
    """Activities held (not merely planned) from the first of ``day``'s month to ``day``."""
    activity = _model("activities", "Activity")
    if activity is None:
        return None
    return activity._default_manager.filter(status="held", held_on__gte=day.replace(day=1), held_on__lte=day)


@dataclass(frozen=True)
class Metric:
    """A count over a subtree. ``path_field`` leads from a row to its org's path (``org__path``)."""

    key: str
    label: str
    unit: str
    path_field: str
    build: Callable[[datetime.date], QuerySet[Any] | None]
    help: str = ""

    @property
    def org_field(self) -> str:
        """The row's org id (``org__path`` → ``org``)."""
        return self.path_field[: -len("__path")]

    def queryset(self, day: datetime.date) -> QuerySet[Any] | None:
        try:
            return self.build(day)
        except (FieldError, FieldDoesNotExist, LookupError):
            return None


METRICS: tuple[Metric, ...] = (
    Metric("g_tq", "团青微信群", "个", "org__path", _tuanqing, "已建或活跃"),
    Metric("g_ex", "青年专属微信群", "个", "org__path", _exclusive, "已建或活跃"),
    Metric("g_qn", "青农微信群", "个", "org__path", _qingnong, "未解散"),
    Metric("g_live", "微信群合计", "个", "org__path", _live_groups, "三类群，未解散"),
    Metric("youth", "登记青年", "名", "home_org__path", _youth, "青年名册"),
    Metric("reached", "已联系青年", "名", "home_org__path", _reached, "在团青或专属群中，或有联系人"),
    Metric("cadres", "团干部", "名", "org__path", _cadres, "在任"),
    Metric("subs", "公众号关注者", "人", "account__org__path", _subscribers, "本级及下级公众号"),
    Metric("posts_w", "本周发布", "篇", "account__org__path", _posts_this_week, "本周一以来已发布"),
    Metric("acts_m", "本月活动", "场", "org__path", _activities_this_month, "本月已举办的线上线下活动"),
)
METRIC_BY_KEY = {m.key: m for m in METRICS}


def counts_by_child(
    parent_path: str, parent_depth: int, day: datetime.date
) -> dict[str, dict[str, int] | None]:
    """Each metric's rows under ``parent_path`` counted per child path (the parent's own rows under its own
    path): one query per metric. ``None`` for a metric without data."""
    length = (parent_depth + 1) * PATH_STEP
    out: dict[str, dict[str, int] | None] = {}
    for metric in METRICS:
        qs = metric.queryset(day)
        if qs is None:
            out[metric.key] = None
            continue
        field = metric.path_field
        try:
            rows = (
                qs.filter(subtree_q(field, parent_path))
                .annotate(_child=Substr(field, 1, length))
                .order_by()
                .values("_child")
                .annotate(n=Count("pk"))
                .values_list("_child", "n")
            )
            out[metric.key] = {str(path): int(n) for path, n in rows}
        except (FieldError, FieldDoesNotExist):
            out[metric.key] = None
    return out


def counts_by_org(root_path: str, day: datetime.date) -> dict[str, dict[int, int] | None]:
    """Each metric's rows under ``root_path`` counted per org id (not rolled up): one query per metric."""
    out: dict[str, dict[int, int] | None] = {}
    for metric in METRICS:
        qs = metric.queryset(day)
        if qs is None:
            out[metric.key] = None
            continue
        field = metric.path_field
        org_field = metric.org_field
        try:
            rows = (
                qs.filter(subtree_q(field, root_path))
                .order_by()
                .values(org_field)
                .annotate(n=Count("pk"))
                .values_list(org_field, "n")
            )
            out[metric.key] = {int(org): int(n) for org, n in rows if org is not None}
        except (FieldError, FieldDoesNotExist):
            out[metric.key] = None
    return out


def roll_up(counts: dict[int, int], paths: dict[int, str], root_path: str) -> dict[str, int]:
    """Per-org counts summed into every ancestor (by path) at or below ``root_path``."""
    totals: dict[str, int] = {}
    for org_id, n in counts.items():
        path = paths.get(org_id)
        if path is None:
            continue
        for end in range(len(root_path), len(path) + 1, PATH_STEP):
            prefix = path[:end]
            totals[prefix] = totals.get(prefix, 0) + n
    return totals


def metric_keys(available: Iterable[str] | None = None) -> list[str]:
    return [m.key for m in METRICS if available is None or m.key in available]
