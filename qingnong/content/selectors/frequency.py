"""R11 内容及频次: content sent per group, per group and month, rolled up per org, and the inspection
dimension built on it. A fixed number of queries whatever the subtree (one GROUP BY rolled up in Python)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Max, Q, QuerySet

from qingnong.core.rollups import rollup_by_path
from qingnong.core.scoping import subtree_q
from qingnong.orgs.models import Org
from qingnong.wxgroups.models import ChatGroup, group_existed_q

from ..choices import PostKind
from ..idleness import COUNTED_STATUSES
from ..models import GroupPost

if TYPE_CHECKING:
    from qingnong.campaign.rules_base import RuleContext


# --- R11: content frequency ------------------------------------------------------------------


@dataclass
class ContentCount:
    """Content sent into one group (or one subtree) in a period."""

    forwarded: int = 0
    own: int = 0

    @property
    def total(self) -> int:
        return self.forwarded + self.own


def posts_under(*, root: Org | None, group_ids: Iterable[int] | None) -> QuerySet[GroupPost]:
    """The content sent into the groups of ``root``'s subtree, or into ``group_ids`` (or both)."""
    qs = GroupPost.objects.all()
    if root is not None:
        qs = qs.filter(subtree_q("group__org__path", root.path))
    if group_ids is not None:
        qs = qs.filter(group_id__in=list(group_ids))
    return qs


def group_content_counts(
    *,
    start: datetime.date,
    end: datetime.date,
    root: Org | None = None,
    group_ids: Iterable[int] | None = None,
) -> dict[int, ContentCount]:
    """Content sent per group between ``start`` and ``end`` (both included), forwarded and own: one query.
    Groups that sent nothing are absent (read with ``.get(pk, ContentCount())``)."""
    rows = (
        posts_under(root=root, group_ids=group_ids)
        .filter(sent_on__gte=start, sent_on__lte=end)
        .order_by()
        .values("group_id")
        .annotate(
            forwarded=Count("pk", filter=Q(kind=PostKind.FORWARDED)),
            own=Count("pk", filter=Q(kind=PostKind.OWN)),
        )
        .values_list("group_id", "forwarded", "own")
    )
    return {gid: ContentCount(forwarded=f, own=o) for gid, f, o in rows}


@dataclass
class GroupFrequency:
    """Content sent into one group in the 7 and 30 days ending ``today``, and the last day it sent any."""

    week: int = 0
    month: int = 0
    last_sent_on: datetime.date | None = None


def group_frequency(
    *, today: datetime.date, root: Org | None = None, group_ids: Iterable[int] | None = None
) -> dict[int, GroupFrequency]:
    """Per group: content in the last 7 days, in the last 30 days (both ending ``today``) and the last
    content date ever. One query; groups that never sent anything are absent."""
    week_start = today - datetime.timedelta(days=6)
    month_start = today - datetime.timedelta(days=29)
    rows = (
        posts_under(root=root, group_ids=group_ids)
        .filter(sent_on__lte=today)
        .order_by()
        .values("group_id")
        .annotate(
            week=Count("pk", filter=Q(sent_on__gte=week_start)),
            month=Count("pk", filter=Q(sent_on__gte=month_start)),
            last=Max("sent_on"),
        )
        .values_list("group_id", "week", "month", "last")
    )
    return {gid: GroupFrequency(week=w, month=m, last_sent_on=last) for gid, w, m, last in rows}


@dataclass
class ContentFigures:
    """Content of a subtree in a period: its counted groups, the content they sent, how many sent any."""

    groups: int = 0
    forwarded: int = 0
    own: int = 0
    groups_with_content: int = 0
    days: int = 30

    @property
    def posts(self) -> int:
        return self.forwarded + self.own

    @property
    def per_group(self) -> float | None:
        """Content per group over the whole period."""
        return self.posts / self.groups if self.groups else None

    @property
    def per_group_month(self) -> float | None:
        """Content per group per 30 days (compare with the campaign's ``content_per_group_month``)."""
        return self.posts / self.groups * 30 / self.days if self.groups and self.days else None

    @property
    def per_group_week(self) -> float | None:
        return self.posts / self.groups * 7 / self.days if self.groups and self.days else None


def _group_paths(
    root: Org, group_types: Iterable[str] | None, as_of: datetime.date | None = None
) -> QuerySet[ChatGroup]:
    qs = ChatGroup.objects.filter(subtree_q("org__path", root.path), status__in=COUNTED_STATUSES)
    if group_types is not None:
        qs = qs.filter(group_type__in=list(group_types))
    return qs if as_of is None else qs.existed_on(as_of)


def content_rollup(
    *,
    root: Org,
    start: datetime.date,
    end: datetime.date,
    group_types: Iterable[str] | None = None,
    as_of: datetime.date | None = None,
) -> dict[str, ContentFigures]:
    """R11 内容及频次 for every org of the subtree at ``root``: counted groups (built, active, dormant)
    in its subtree, content sent into them between ``start`` and ``end`` (forwarded and own), and how many
    groups sent any. Keyed by org path (``.get(org.path, ContentFigures())``). Two queries. ``as_of`` a
    past day: only the groups that existed then (``core.asof``)."""
    types = list(group_types) if group_types is not None else None
    days = (end - start).days + 1
    groups = (
        _group_paths(root, types, as_of)
        .order_by()
        .values("org__path")
        .annotate(n=Count("pk"))
        .values_list("org__path", "n")
    )
    posts_qs = GroupPost.objects.filter(
        subtree_q("group__org__path", root.path),
        sent_on__gte=start,
        sent_on__lte=end,
        group__status__in=COUNTED_STATUSES,
    )
    if types is not None:
        posts_qs = posts_qs.filter(group__group_type__in=types)
    if as_of is not None:
        posts_qs = posts_qs.filter(group_existed_q(as_of, "group__"))
    posts = (
        posts_qs.order_by()
        .values("group__org__path")
        .annotate(
            forwarded=Count("pk", filter=Q(kind=PostKind.FORWARDED)),
            own=Count("pk", filter=Q(kind=PostKind.OWN)),
            senders=Count("group_id", distinct=True),
        )
        .values_list("group__org__path", "forwarded", "own", "senders")
    )

    def add(acc: ContentFigures, value: tuple[int, int, int, int]) -> None:
        acc.groups += value[0]
        acc.forwarded += value[1]
        acc.own += value[2]
        acc.groups_with_content += value[3]

    rows: list[tuple[str, tuple[int, int, int, int]]] = [(p, (n, 0, 0, 0)) for p, n in groups]
    rows += [(p, (0, f, o, s)) for p, f, o, s in posts]
    return rollup_by_path(rows, root_path=root.path, make=lambda: ContentFigures(days=days), add=add)


# --- R11 inspection: the 内容及频次 dimension -------------------------------------------------------


def campaign_window(ctx: RuleContext) -> tuple[datetime.date, datetime.date] | None:
    """The days the inspection counts: from the campaign's start (联系摸底) to the evaluation day or the
    campaign's end, whichever is first. None before the campaign starts."""
    start = ctx.campaign.survey_start
    end = min(ctx.today, ctx.campaign.complete_by)
    return (start, end) if end >= start else None


def inspection_content_scores(ctx: RuleContext, orgs: list[Org]) -> dict[int, tuple[float, str]]:
    """内容及频次 for the inspection score (R11): content per counted group per month over the campaign,
    against the campaign's ``content_per_group_month`` (full marks), 0–100, with its basis.

    Orgs without counted groups are left out (no data); when nothing at all was recorded under the root
    in the window, the answer is empty — the deployment does not record content, which is "no data",
    not zero. Two queries.
    """
    window = campaign_window(ctx)
    if window is None:
        return {}
    start, end = window
    figures = content_rollup(root=ctx.root, start=start, end=end, as_of=ctx.as_of)
    total = figures.get(ctx.root.path)
    if total is None or total.posts == 0:
        return {}
    standard = ctx.campaign.content_per_group_month
    scores: dict[int, tuple[float, str]] = {}
    for org in orgs:
        fig = figures.get(org.path)
        if fig is None or not fig.groups:
            continue
        per = fig.per_group_month or 0.0
        score = round(min(per / standard, 1.0) * 100, 1)
        basis = (
            f"{start:%m-%d}至{end:%m-%d}：{fig.groups} 个群发送内容 {fig.posts} 条"
            f"（转发 {fig.forwarded}、自行 {fig.own}），每群每月 {per:.1f} 条，满分标准 {standard} 条"
        )
        scores[org.pk] = (score, basis)
    return scores
