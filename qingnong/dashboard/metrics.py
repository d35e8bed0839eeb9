"""The key figures of a subtree that are plain counts: groups, youth, cadres, subscribers, posts, activities.

Compliance (coverage, completeness, reach, dormancy …) is never computed here: it comes from the rules
(``qingnong.campaign.rules_base``). A count whose data lives in an app that does not exist yet (or does
not have the expected model) is ``None`` — shown as 暂无数据, never as an invented number.

Every source table is read with one GROUP BY over the subtree's path range (all its counts at once, as
filtered aggregates), whatever the subtree's size: either by child of a parent (the dashboard) or by org
(the nightly snapshot, rolled up to every ancestor in Python). Read ``as_of`` a past day, each source keeps
only the records that existed then, by their own dates (``core.asof``).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, FieldError
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from qingnong.core.asof import end_of_day
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


# A source's rows on ``day``; ``as_of`` (the same day, in the past) keeps the records that existed then.
Build = Callable[[datetime.date, datetime.date | None], QuerySet[Any] | None]


def _groups(day: datetime.date, as_of: datetime.date | None) -> QuerySet[Any]:
    from qingnong.wxgroups.models import ChatGroup

    groups = ChatGroup.objects.all()
    return groups if as_of is None else groups.existed_on(as_of)


def _youth(day: datetime.date, as_of: datetime.date | None) -> QuerySet[Any]:
    from qingnong.youth.models import Youth

    youth = Youth.objects.all()
    return youth if as_of is None else youth.existed_on(as_of)


def _liaised_q() -> Q:
    return Q(liaison__isnull=False)


def _members_without_liaison(day: datetime.date, as_of: datetime.date | None) -> QuerySet[Any]:
    """Youth without a liaison who are members of a 团青 / 专属 group that is not dissolved. With the youth
    who have a liaison they make the youth reached — the same two ways R1 counts a cadre's reach, without
    attributing the youth to a cadre. Written as a semi-join (EXISTS in WHERE), which PostgreSQL runs as
    one hash join; an OR of the two inside one count would probe the memberships once per youth."""
    from qingnong.wxgroups.choices import REACH_TYPES, GroupStatus
    from qingnong.wxgroups.models import GroupMembership, membership_existed_q
    from qingnong.youth.models import Youth

    member = GroupMembership.objects.filter(youth_id=OuterRef("pk"), group__group_type__in=list(REACH_TYPES))
    member = member.exclude(group__status=GroupStatus.DISSOLVED)
    youth = Youth.objects.filter(liaison__isnull=True)
    if as_of is not None:
        member = member.filter(membership_existed_q(as_of))
        youth = youth.existed_on(as_of)
    return youth.filter(Exists(member))


def _cadres(day: datetime.date, as_of: datetime.date | None) -> QuerySet[Any]:
    from qingnong.orgs.models import Cadre

    return Cadre.objects.filter(is_active=True)


def _subscribers(day: datetime.date, as_of: datetime.date | None) -> QuerySet[Any] | None:
    follower = _model("mp", "Follower")
    if follower is None:
        return None
    rows = follower._default_manager.filter(subscribed=True, account__is_external=False)
    return rows if as_of is None else rows.filter(first_subscribed_at__lt=end_of_day(as_of))


def _posts_this_week(day: datetime.date, as_of: datetime.date | None) -> QuerySet[Any] | None:
    """Posts published from Monday to ``day`` (the later ones are excluded as of any day)."""
    post = _model("mp", "Post")
    if post is None:
        return None
    start = _day_start(week_start(day))
    end = _day_start(day + datetime.timedelta(days=1))
    return post._default_manager.filter(status="published", published_at__gte=start, published_at__lt=end)


def _activities_this_month(day: datetime.date, as_of: datetime.date | None) -> QuerySet[Any] | None:
    """Activities held (not merely planned) from the first of ``day``'s month to ``day``."""
    activity = _model("activities", "Activity")
    if activity is None:
        return None
    return activity._default_manager.filter(status="held", held_on__gte=day.replace(day=1), held_on__lte=day)


@dataclass(frozen=True)
class Metric:
    """A count over a subtree: the rows of its source that match ``where`` (all of them when None)."""

    key: str
    label: str
    unit: str
    help: str = ""
    where: Callable[[], Q] | None = None


@dataclass(frozen=True)
class Source:
    """A table the counts come from; each source is read with one GROUP BY whatever the number of its metrics.
    ``path_field`` leads from a row to its org's path (``org__path``)."""

    path_field: str
    build: Build
    metrics: tuple[Metric, ...]

    @property
    def org_field(self) -> str:
        """The row's org id (``org__path`` → ``org``)."""
        return self.path_field[: -len("__path")]

    def queryset(self, day: datetime.date, as_of: datetime.date | None = None) -> QuerySet[Any] | None:
        try:
            return self.build(day, as_of)
        except (FieldError, FieldDoesNotExist, LookupError):
            return None

    def aggregates(self) -> dict[str, Count]:
        return {m.key: Count("pk", filter=m.where()) if m.where else Count("pk") for m in self.metrics}


def _built(group_type: str) -> Q:
    from qingnong.wxgroups.choices import BUILT_STATUSES

    return Q(group_type=group_type, status__in=list(BUILT_STATUSES))


def _not_dissolved(group_type: str | None = None) -> Q:
    q = ~Q(status="dissolved")
    return q & Q(group_type=group_type) if group_type else q


SOURCES: tuple[Source, ...] = (
    Source(
        "org__path",
        _groups,
        (
            Metric("g_tq", "团青微信群", "个", "已建或活跃", lambda: _built("tuanqing")),
            Metric("g_ex", "青年专属微信群", "个", "已建或活跃", lambda: _built("exclusive")),
            Metric("g_qn", "青农微信群", "个", "未解散", lambda: _not_dissolved("qingnong")),
            Metric("g_live", "微信群合计", "个", "三类群，未解散", _not_dissolved),
        ),
    ),
    Source(
        "home_org__path",
        _youth,
        (
            Metric("youth", "登记青年", "名", "青年名册"),
            Metric("_liaised", "有联系人的青年", "名", "", _liaised_q),
        ),
    ),
    Source("home_org__path", _members_without_liaison, (Metric("_members", "无联系人的群成员青年", "名"),)),
    Source("org__path", _cadres, (Metric("cadres", "团干部", "名", "在任"),)),
    Source("account__org__path", _subscribers, (Metric("subs", "公众号关注者", "人", "本级及下级公众号"),)),
    Source(
        "account__org__path", _posts_this_week, (Metric("posts_w", "本周发布", "篇", "本周一以来已发布"),)
    ),
    Source(
        "org__path", _activities_this_month, (Metric("acts_m", "本月活动", "场", "本月已举办的线上线下活动"),)
    ),
)
# Counts made of others (read from their parts, never stored twice): name → the parts added up.
DERIVED: dict[str, tuple[Metric, tuple[str, ...]]] = {
    "reached": (
        Metric("reached", "已联系青年", "名", "在团青或专属群中，或有联系人"),
        ("_liaised", "_members"),
    ),
}
# The counts shown and stored (parts whose key starts with "_" are internal).
METRICS: tuple[Metric, ...] = tuple(
    m for source in SOURCES for m in source.metrics if not m.key.startswith("_")
) + tuple(metric for metric, _parts in DERIVED.values())
METRIC_BY_KEY = {m.key: m for m in METRICS}


def _derive(out: dict[str, Any]) -> dict[str, Any]:
    """Add the derived counts (None when a part has no data) and drop the internal parts."""
    for key, (_metric, parts) in DERIVED.items():
        values = [out.get(p) for p in parts]
        if any(v is None for v in values):
            out[key] = None
            continue
        total: dict[Any, int] = {}
        for value in values:
            for k, n in (value or {}).items():
                total[k] = total.get(k, 0) + n
        out[key] = total
    return {k: v for k, v in out.items() if not k.startswith("_")}


def _read(
    source: Source,
    day: datetime.date,
    root_path: str,
    key: Any,
    key_name: str,
    as_of: datetime.date | None = None,
) -> list[dict[str, Any]] | None:
    qs = source.queryset(day, as_of)
    if qs is None:
        return None
    try:
        rows = (
            qs.filter(subtree_q(source.path_field, root_path))
            .annotate(**{key_name: key})
            .order_by()
            .values(key_name)
            .annotate(**source.aggregates())
        )
        return list(rows)
    except (FieldError, FieldDoesNotExist):
        return None


def counts_by_child(
    parent_path: str, parent_depth: int, day: datetime.date
) -> dict[str, dict[str, int] | None]:
    """Each metric's rows under ``parent_path`` counted per child path (the parent's own rows under its own
    path): one query per source. ``None`` for a metric without data."""
    length = (parent_depth + 1) * PATH_STEP
    out: dict[str, dict[str, int] | None] = {}
    for source in SOURCES:
        rows = _read(source, day, parent_path, Substr(source.path_field, 1, length), "_child")
        for metric in source.metrics:
            out[metric.key] = (
                None
                if rows is None
                else {str(r["_child"]): int(r[metric.key]) for r in rows if r[metric.key]}
            )
    return _derive(out)


def counts_by_org(
    root_path: str, day: datetime.date, *, as_of: datetime.date | None = None
) -> dict[str, dict[int, int] | None]:
    """Each metric's rows under ``root_path`` counted per org id (not rolled up): one query per source.
    ``as_of`` a past day (the same as ``day``): the records as they stood then."""
    out: dict[str, dict[int, int] | None] = {}
    for source in SOURCES:
        rows = _read(source, day, root_path, F(source.org_field), "_org", as_of)
        for metric in source.metrics:
            out[metric.key] = (
                None
                if rows is None
                else {
                    int(r["_org"]): int(r[metric.key])
                    for r in rows
                    if r["_org"] is not None and r[metric.key]
                }
            )
    return _derive(out)


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
