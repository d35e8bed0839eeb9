"""Reads of activities: the filtered list, the month calendar, and the per-subtree figures R11 uses.

Every function answers with a fixed number of queries whatever the size of the subtree (a path range and
one GROUP BY rolled up to the ancestors in Python).
"""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from qingnong.core.permissions import Action
from qingnong.core.rollups import rollup_by_path
from qingnong.core.scoping import subtree_q
from qingnong.orgs.models import Org

from .choices import ActivityStatus
from .models import Activity

if TYPE_CHECKING:
    from qingnong.campaign.rules_base import RuleContext


def activity_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Activity]:
    """Activities in the user's scope, filtered (subtree, type, theme, status, dates, text)."""
    filters = filters or {}
    qs = (
        Activity.objects.restrict(user, Action.VIEW)
        .select_related("org")
        .annotate(photo_count=Count("photos", distinct=True))
    )
    if filters.get("under"):
        qs = qs.filter(filters["under"].subtree_q("org__path"))
    for key in ("activity_type", "theme", "status"):
        if filters.get(key):
            qs = qs.filter(**{key: filters[key]})
    if filters.get("since"):
        qs = qs.filter(held_on__gte=filters["since"])
    if filters.get("until"):
        qs = qs.filter(held_on__lte=filters["until"])
    if filters.get("q"):
        text = filters["q"]
        qs = qs.filter(Q(title__icontains=text) | Q(place__icontains=text) | Q(org__name__icontains=text))
    if filters.get("group"):
        qs = qs.filter(groups=filters["group"])
    return qs


@dataclass
class CalendarDay:
    day: datetime.date
    in_month: bool
    is_today: bool
    activities: list[Activity] = field(default_factory=list)


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = month.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    return first, last


def activity_calendar(
    *, user: Any, month: datetime.date, filters: dict[str, Any] | None = None
) -> list[list[CalendarDay]]:
    """The weeks (Monday first) of ``month`` with each day's activities in scope: one query."""
    first, last = month_bounds(month)
    grid_start = first - datetime.timedelta(days=first.weekday())
    grid_end = last + datetime.timedelta(days=6 - last.weekday())
    filters = {**(filters or {}), "since": grid_start, "until": grid_end}
    by_day: dict[datetime.date, list[Activity]] = defaultdict(list)
    for activity in activity_list(user=user, filters=filters).order_by("held_on", "org__path", "pk"):
        by_day[activity.held_on].append(activity)
    today = timezone.localdate()
    weeks: list[list[CalendarDay]] = []
    day = grid_start
    while day <= grid_end:
        week = []
        for _ in range(7):
            week.append(CalendarDay(day, day.month == month.month, day == today, by_day.get(day, [])))
            day += datetime.timedelta(days=1)
        weeks.append(week)
    return weeks


@dataclass
class ActivityFigures:
    """Held activities of a subtree in a period: how many, by type and theme, and their participants."""

    count: int = 0
    participants: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    by_theme: dict[str, int] = field(default_factory=dict)
    orgs_with_activity: int = 0


def activity_rollup(
    *, root: Org, start: datetime.date, end: datetime.date, status: str = ActivityStatus.HELD
) -> dict[str, ActivityFigures]:
    """R11 线上线下活动 for every org of the subtree at ``root``: held activities dated between ``start``
    and ``end`` (both included) in its subtree, by type and theme, with participants and the number of
    orgs that held any. Keyed by org path (``.get(org.path, ActivityFigures())``). One query."""
    rows = (
        Activity.objects.filter(
            subtree_q("org__path", root.path), status=status, held_on__gte=start, held_on__lte=end
        )
        .order_by()
        .values("org__path", "activity_type", "theme")
        .annotate(n=Count("pk"), people=Sum("participants"))
        .values_list("org__path", "activity_type", "theme", "n", "people")
    )
    per_org: dict[str, list[tuple[str, str, int, int]]] = defaultdict(list)
    for path, activity_type, theme, n, people in rows:
        per_org[path].append((activity_type, theme, n, people or 0))

    def add(acc: ActivityFigures, value: list[tuple[str, str, int, int]]) -> None:
        acc.orgs_with_activity += 1
        for activity_type, theme, n, people in value:
            acc.count += n
            acc.participants += people
            acc.by_type[activity_type] = acc.by_type.get(activity_type, 0) + n
            acc.by_theme[theme] = acc.by_theme.get(theme, 0) + n

    return rollup_by_path(per_org.items(), root_path=root.path, make=ActivityFigures, add=add)


def quarter_bounds(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The calendar quarter containing ``day`` (compare with ``activities_per_org_quarter``)."""
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = datetime.date(day.year, first_month, 1)
    end_month = first_month + 2
    end = datetime.date(day.year, end_month, calendar.monthrange(day.year, end_month)[1])
    return start, end


def inspection_activity_scores(ctx: RuleContext, orgs: list[Org]) -> dict[int, tuple[float, str]]:
    """线上线下活动 for the inspection score (R11): held activities per org of the subtree per quarter over
    the campaign, against the campaign's ``activities_per_org_quarter`` (full marks), 0–100, with its
    basis. Empty when no activity at all was recorded under the root in the window (no data, not zero).
    Two queries."""
    from qingnong.content.selectors import campaign_window

    window = campaign_window(ctx)
    if window is None:
        return {}
    start, end = window
    figures = activity_rollup(root=ctx.root, start=start, end=end)
    if not figures:
        return {}
    org_paths = Org.objects.filter(subtree_q("path", ctx.root.path), status="active").values_list(
        "path", flat=True
    )

    def add(acc: list[int], _value: int) -> None:
        acc[0] += 1

    org_counts = rollup_by_path(
        ((p, 1) for p in org_paths), root_path=ctx.root.path, make=lambda: [0], add=add
    )
    quarters = max((end - start).days + 1, 30) / 91.3
    standard = ctx.campaign.activities_per_org_quarter
    scores: dict[int, tuple[float, str]] = {}
    for org in orgs:
        n_orgs = org_counts.get(org.path, [0])[0]
        if not n_orgs:
            continue
        fig = figures.get(org.path, ActivityFigures())
        per = fig.count / n_orgs / quarters
        score = round(min(per / standard, 1.0) * 100, 1)
        basis = (
            f"{start:%m-%d}至{end:%m-%d}：{n_orgs} 个组织举办活动 {fig.count} 项（{fig.participants} 人次），"
            f"每组织每季度 {per:.2f} 项，满分标准 {standard} 项"
        )
        scores[org.pk] = (score, basis)
    return scores
