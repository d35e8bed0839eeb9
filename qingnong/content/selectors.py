"""Reads of content supply, and the content-frequency and dormancy figures R11 and R12 are built on.

Every function answers with a fixed number of queries whatever the size of the subtree: subtrees are path
ranges, per-org figures are one GROUP BY rolled up to every ancestor in Python (``rollup_by_path``),
per-group figures are one GROUP BY on the group id. None of them runs a query per org or per group.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Substr
from django.utils import timezone

from qingnong.activities.choices import ActivityStatus
from qingnong.activities.models import Activity
from qingnong.core.permissions import Action
from qingnong.core.scoping import PATH_STEP, grant_paths, scope_q, subtree_q
from qingnong.orgs.models import Org
from qingnong.wxgroups.choices import GroupStatus, GroupType
from qingnong.wxgroups.models import ChatGroup, group_existed_q

from .choices import DEFAULT_DORMANT_DAYS, GroupActivityState, PostKind, TaskStatus
from .idleness import COUNTED_STATUSES, dormancy_counts
from .models import ContentItem, ForwardTask, GroupPost, TaskGroup, TrackedGroup

if TYPE_CHECKING:
    from qingnong.campaign.rules_base import RuleContext

# Groups that count for R11 content frequency and R12 dormancy: they exist and are not just planned.
# Group types a forwarding task goes to unless the publisher picks others.
DEFAULT_TASK_GROUP_TYPES = (GroupType.TUANQING, GroupType.EXCLUSIVE)

_T = TypeVar("_T")
_G = TypeVar("_G", bound=ChatGroup)


def _ancestor_prefixes(path: str, step: int = PATH_STEP) -> list[str]:
    return [path[:i] for i in range(step, len(path) + 1, step)]


def rollup_by_path(
    rows: Iterable[tuple[str, _T]], *, root_path: str, make: Callable[[], Any], add: Callable[[Any, _T], None]
) -> dict[str, Any]:
    """Roll per-org values up the tree: each row (org path, value) is added to its org and to every
    ancestor down from ``root_path``. Keys are org paths; orgs with nothing are absent."""
    out: dict[str, Any] = {}
    start = len(root_path)
    for path, value in rows:
        for end in range(start, len(path) + 1, PATH_STEP):
            prefix = path[:end]
            acc = out.get(prefix)
            if acc is None:
                acc = out[prefix] = make()
            add(acc, value)
    return out


# --- visibility ------------------------------------------------------------------------------


def _visible_from_above_q(user: Any, field: str) -> Q | None:
    """Rows published in the user's subtrees or by an org above them (a village reads the county's
    content). ``None``: everything (superuser, system)."""
    paths = grant_paths(user, Action.VIEW)
    if paths is None:
        return None
    if not paths:
        return Q(pk__in=[])
    q = Q(**{f"{field}__in": {p for root in paths for p in _ancestor_prefixes(root)}})
    for root in paths:
        q |= subtree_q(field, root)
    return q


def content_visible(user: Any) -> QuerySet[ContentItem]:
    """Content a user may read: published by an org in their subtree or above it."""
    qs = ContentItem.objects.select_related("org")
    q = _visible_from_above_q(user, "org__path")
    return qs if q is None else qs.filter(q)


def tasks_visible(user: Any) -> QuerySet[ForwardTask]:
    """Forwarding tasks a user may read: published in their subtree or above it (a township sees the
    county's task and its own villages' part of the completion)."""
    qs = ForwardTask.objects.select_related("content", "org")
    q = _visible_from_above_q(user, "org__path")
    return qs if q is None else qs.filter(q)


def content_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[ContentItem]:
    filters = filters or {}
    qs = (
        content_visible(user)
        .annotate(task_count=Count("tasks", distinct=True))
        .order_by("-created_at", "-id")
    )
    if filters.get("q"):
        qs = qs.filter(Q(title__icontains=filters["q"]) | Q(body__icontains=filters["q"]))
    if filters.get("category"):
        qs = qs.filter(category=filters["category"])
    if filters.get("under"):
        qs = qs.filter(filters["under"].subtree_q("org__path"))
    if filters.get("valid") is True:
        today = timezone.localdate()
        qs = qs.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
    return qs


def task_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[ForwardTask]:
    """Visible tasks with ``total`` and ``done`` counted over the groups inside the user's scope (one
    query for the page, whatever the number of tasks)."""
    filters = filters or {}
    qs = tasks_visible(user)
    in_scope = scope_q(user, Action.VIEW, "task_groups__group__org__path")
    live = ~Q(task_groups__group__status=GroupStatus.DISSOLVED)
    base = live if in_scope is None else live & in_scope
    qs = qs.annotate(
        total=Count("task_groups", filter=base, distinct=True),
        done=Count("task_groups", filter=base & Q(task_groups__post__isnull=False), distinct=True),
    ).order_by("-created_at", "-id")
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("under"):
        qs = qs.filter(filters["under"].subtree_q("org__path"))
    if filters.get("q"):
        qs = qs.filter(content__title__icontains=filters["q"])
    return qs


# --- forwarding tasks ------------------------------------------------------------------------


def target_groups(
    *, org: Org, target_orgs: Iterable[Org] = (), group_types: Iterable[str]
) -> QuerySet[ChatGroup]:
    """The groups a task published by ``org`` reaches: groups of ``group_types`` that are built, active or
    dormant, under the picked ``target_orgs`` (each with its subtree) or else under ``org`` itself."""
    roots = list(target_orgs) or [org]
    q = Q()
    for root in roots:
        q |= subtree_q("org__path", root.path)
    return ChatGroup.objects.filter(q, group_type__in=list(group_types), status__in=COUNTED_STATUSES)


def _task_groups_in_scope(task: ForwardTask, user: Any | None) -> QuerySet[TaskGroup]:
    qs = TaskGroup.objects.filter(task=task).exclude(group__status=GroupStatus.DISSOLVED)
    return qs.restrict(user, Action.VIEW) if user is not None else qs


@dataclass
class Completion:
    org: Org | None
    path: str
    total: int
    done: int

    @property
    def pending(self) -> int:
        return self.total - self.done

    @property
    def ratio(self) -> float | None:
        return self.done / self.total if self.total else None


def task_totals(*, task: ForwardTask, user: Any | None = None) -> Completion:
    """Groups of the task (inside the user's scope) and how many confirmed: one query."""
    row = _task_groups_in_scope(task, user).aggregate(total=Count("pk"), done=Count("post"))
    return Completion(org=None, path="", total=row["total"] or 0, done=row["done"] or 0)


def task_completion_by_child(*, task: ForwardTask, parent: Org, user: Any | None = None) -> list[Completion]:
    """Completion per child of ``parent`` (and ``parent`` itself for its own groups): groups the task went
    to, how many confirmed, in tree order. Two queries for any fan-out."""
    length = (parent.depth + 1) * PATH_STEP
    rows = list(
        _task_groups_in_scope(task, user)
        .filter(subtree_q("group__org__path", parent.path))
        .annotate(_child=Substr("group__org__path", 1, length))
        .order_by()
        .values("_child")
        .annotate(total=Count("pk"), done=Count("post"))
        .values_list("_child", "total", "done")
    )
    orgs = {o.path: o for o in Org.objects.filter(path__in=[r[0] for r in rows])}
    return [
        Completion(org=orgs.get(path), path=path, total=total, done=done)
        for path, total, done in sorted(rows)
    ]


def task_pending_groups(
    *, task: ForwardTask, user: Any | None = None, under: Org | None = None
) -> QuerySet[TaskGroup]:
    """The groups that have not confirmed yet (inside the user's scope, under ``under``), with owner and
    org for the "who is late" list."""
    qs = _task_groups_in_scope(task, user).filter(post__isnull=True)
    if under is not None:
        qs = qs.filter(subtree_q("group__org__path", under.path))
    return qs.select_related("group__org", "group__owner").order_by("group__org__path", "group__name")


@dataclass
class TodoTask:
    """One task on a cadre's 待转发 list with the cadre's groups still to confirm."""

    task: ForwardTask
    rows: list[TaskGroup] = field(default_factory=list)

    @property
    def overdue(self) -> bool:
        return self.task.due_on < timezone.localdate()


def _my_group_ids_q(user: Any) -> Q | None:
    """Groups the user's cadre owns or administers; ``None`` when the user is not linked to a cadre."""
    cadre_id = getattr(user, "cadre_id", None)
    if not cadre_id:
        return None
    admin_of = ChatGroup.admins.through.objects.filter(chatgroup_id=OuterRef("group_id"), cadre_id=cadre_id)
    return Q(group__owner_id=cadre_id) | Q(Exists(admin_of))


def todo_rows(*, user: Any, mine: bool = True) -> QuerySet[TaskGroup]:
    """Pending confirmations the user can make: active tasks, groups not dissolved, inside the user's scope
    for ADD; with ``mine`` only the groups the user's cadre owns or administers."""
    qs = (
        TaskGroup.objects.restrict(user, Action.ADD)
        .filter(post__isnull=True, task__status=TaskStatus.ACTIVE)
        .exclude(group__status=GroupStatus.DISSOLVED)
    )
    if mine:
        my_q = _my_group_ids_q(user)
        qs = qs.filter(my_q) if my_q is not None else qs.none()
    return qs.select_related("task__content__org", "group__org").order_by(
        "task__due_on", "task_id", "group__name"
    )


def todo_for(*, user: Any, mine: bool = True, limit: int = 200) -> list[TodoTask]:
    """The 待转发 list grouped by task (earliest due first): one query."""
    grouped: dict[int, TodoTask] = {}
    for row in todo_rows(user=user, mine=mine)[:limit]:
        grouped.setdefault(row.task_id, TodoTask(task=row.task)).rows.append(row)
    return list(grouped.values())


def todo_count(*, user: Any) -> int:
    return todo_rows(user=user, mine=True).count()


def post_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[GroupPost]:
    filters = filters or {}
    qs = GroupPost.objects.restrict(user, Action.VIEW).select_related(
        "group__org", "task__content", "recorded_by"
    )
    if filters.get("under"):
        qs = qs.filter(filters["under"].subtree_q("group__org__path"))
    if filters.get("group"):
        qs = qs.filter(group_id=filters["group"])
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("since"):
        qs = qs.filter(sent_on__gte=filters["since"])
    if filters.get("until"):
        qs = qs.filter(sent_on__lte=filters["until"])
    return qs


# --- R11: content frequency ------------------------------------------------------------------


@dataclass
class ContentCount:
    """Content sent into one group (or one subtree) in a period."""

    forwarded: int = 0
    own: int = 0

    @property
    def total(self) -> int:
        return self.forwarded + self.own


def _posts(*, root: Org | None, group_ids: Iterable[int] | None) -> QuerySet[GroupPost]:
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
        _posts(root=root, group_ids=group_ids)
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
        _posts(root=root, group_ids=group_ids)
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


# --- R12: last content or activity, dormancy -------------------------------------------------


@dataclass
class LastDates:
    last_content_on: datetime.date | None = None
    last_activity_on: datetime.date | None = None

    @property
    def last_on(self) -> datetime.date | None:
        dates = [d for d in (self.last_content_on, self.last_activity_on) if d is not None]
        return max(dates) if dates else None


def _activity_links(*, root: Org | None, group_ids: Iterable[int] | None) -> QuerySet[Any]:
    through = Activity.groups.through
    qs = through.objects.filter(activity__status=ActivityStatus.HELD)
    if root is not None:
        qs = qs.filter(subtree_q("chatgroup__org__path", root.path))
    if group_ids is not None:
        qs = qs.filter(chatgroup_id__in=list(group_ids))
    return qs


def group_last_dates(
    *, root: Org | None = None, group_ids: Iterable[int] | None = None, today: datetime.date | None = None
) -> dict[int, LastDates]:
    """For each group (in the subtree at ``root`` or among ``group_ids``) the date of its last content and
    of its last held activity, up to ``today``. Two queries; groups with neither are absent."""
    today = today or timezone.localdate()
    ids = list(group_ids) if group_ids is not None else None
    out: dict[int, LastDates] = defaultdict(LastDates)
    content = (
        _posts(root=root, group_ids=ids)
        .filter(sent_on__lte=today)
        .order_by()
        .values("group_id")
        .annotate(last=Max("sent_on"))
        .values_list("group_id", "last")
    )
    for gid, last in content:
        out[gid].last_content_on = last
    activity = (
        _activity_links(root=root, group_ids=ids)
        .filter(activity__held_on__lte=today)
        .order_by()
        .values("chatgroup_id")
        .annotate(last=Max("activity__held_on"))
        .values_list("chatgroup_id", "last")
    )
    for gid, last in activity:
        out[gid].last_activity_on = last
    return dict(out)


def dormant_days_resolver(today: datetime.date) -> Callable[[str], int]:
    """``resolve(org_path) -> N``: the ``dormant_days`` of the campaign governing an org on ``today``.

    The same choice as ``campaign.selectors.campaign_for`` (the org's own or nearest ancestor's campaign of
    that year, else the latest earlier one), made for any number of orgs with one query.
    """
    from qingnong.campaign.models import Campaign

    campaigns = list(Campaign.objects.values_list("org__path", "year", "dormant_days"))
    cache: dict[str, int] = {}

    def resolve(path: str) -> int:
        if path in cache:
            return cache[path]
        prefixes = set(_ancestor_prefixes(path))
        mine = [c for c in campaigns if c[0] in prefixes]
        same = sorted((c for c in mine if c[1] == today.year), key=lambda c: -len(c[0]))
        earlier = sorted((c for c in mine if c[1] < today.year), key=lambda c: (-c[1], -len(c[0])))
        chosen = same[0] if same else earlier[0] if earlier else None
        cache[path] = chosen[2] if chosen else DEFAULT_DORMANT_DAYS
        return cache[path]

    return resolve


@dataclass
class GroupState:
    """A group's R12 reading on a day: active (content or activity in the last N days), dormant (none for
    N days, counted from its founding when it never had any) or new (founded less than N days ago, none
    yet)."""

    group_id: int
    org_path: str
    status: str
    state: str
    name: str
    org_name: str
    owner_id: int | None
    dormant_days: int
    since_on: datetime.date
    last_content_on: datetime.date | None
    last_activity_on: datetime.date | None
    idle_days: int

    @property
    def last_on(self) -> datetime.date | None:
        dates = [d for d in (self.last_content_on, self.last_activity_on) if d is not None]
        return max(dates) if dates else None


def classify(
    *, last_on: datetime.date | None, since_on: datetime.date, today: datetime.date, dormant_days: int
) -> tuple[str, int]:
    """The R12 state and the idle days: idle since the last content or activity, or since founding."""
    if last_on is not None:
        idle = (today - last_on).days
        return (GroupActivityState.ACTIVE if idle < dormant_days else GroupActivityState.DORMANT), idle
    idle = (today - since_on).days
    return (GroupActivityState.NEW if idle < dormant_days else GroupActivityState.DORMANT), idle


GroupReading = Callable[
    [int, str, datetime.date | None, datetime.datetime], tuple[LastDates, datetime.date, int, str, int]
]


def _group_reader(
    *, today: datetime.date, root: Org | None, ids: list[int] | None
) -> tuple[QuerySet[ChatGroup], GroupReading]:
    """The counted groups (built, active, dormant) of the subtree or among the ids, and ``read(pk, path,
    founded_on, created_at)`` -> (last dates, since, dormant days, state, idle days). Three queries (last
    content, last activity, campaigns) here, one more when the groups are read."""
    groups = ChatGroup.objects.filter(status__in=COUNTED_STATUSES)
    if root is not None:
        groups = groups.filter(subtree_q("org__path", root.path))
    if ids is not None:
        groups = groups.filter(pk__in=ids)
    last = group_last_dates(root=root, group_ids=ids, today=today)
    resolve = dormant_days_resolver(today)
    tz = timezone.get_current_timezone()
    none = LastDates()

    def read(
        pk: int, path: str, founded_on: datetime.date | None, created_at: datetime.datetime
    ) -> tuple[LastDates, datetime.date, int, str, int]:
        dates = last.get(pk) or none
        since = founded_on or created_at.astimezone(tz).date()
        n = resolve(path)
        state, idle = classify(last_on=dates.last_on, since_on=since, today=today, dormant_days=n)
        return dates, since, n, state, idle

    return groups.order_by(), read


def iter_group_states(
    *, today: datetime.date, root: Org | None = None, group_ids: Iterable[int] | None = None
) -> Iterator[GroupState]:
    """The R12 state of every counted group (built, active, dormant) in the subtree or among the ids.
    Four queries (groups, last content, last activity, campaigns) whatever the number of groups."""
    groups, read = _group_reader(
        today=today, root=root, ids=list(group_ids) if group_ids is not None else None
    )
    rows = groups.values_list(
        "pk", "org__path", "status", "founded_on", "created_at", "name", "org__name", "owner_id"
    )
    for pk, path, status, founded_on, created_at, name, org_name, owner_id in rows.iterator(chunk_size=5000):
        dates, since, n, state, idle = read(pk, path, founded_on, created_at)
        yield GroupState(
            group_id=pk,
            org_path=path,
            status=status,
            state=state,
            name=name,
            org_name=org_name,
            owner_id=owner_id,
            dormant_days=n,
            since_on=since,
            last_content_on=dates.last_content_on,
            last_activity_on=dates.last_activity_on,
            idle_days=idle,
        )


@dataclass
class ActiveShare:
    """R12 for a subtree: counted groups, how many are active, dormant or new, and the share active."""

    groups: int = 0
    active: int = 0
    dormant: int = 0
    new: int = 0

    @property
    def share_active(self) -> float | None:
        return self.active / self.groups if self.groups else None

    @property
    def share_not_dormant(self) -> float | None:
        return (self.groups - self.dormant) / self.groups if self.groups else None


def group_activity_rollup(*, root: Org, today: datetime.date | None = None) -> dict[str, ActiveShare]:
    """R12 share of active groups for every org of the subtree at ``root``, from the dates (not from the
    stored status, which the nightly job catches up). Keyed by org path. Two queries."""

    def add(acc: ActiveShare, counts: tuple[int, int, int | None]) -> None:
        total, dormant, new = counts
        assert new is not None
        acc.groups += total
        acc.dormant += dormant
        acc.new += new
        acc.active += total - dormant - new

    rows = dormancy_counts(root=root, today=today or timezone.localdate(), with_new=True)
    return rollup_by_path(
        ((path, (total, dormant, new)) for path, total, dormant, new in rows),
        root_path=root.path,
        make=ActiveShare,
        add=add,
    )


def annotate_last_dates(qs: QuerySet[_G]) -> QuerySet[_G]:
    """Add ``last_content_on`` and ``last_activity_on`` to each group (two correlated subqueries, so a
    page of groups costs one query)."""
    last_post = GroupPost.objects.filter(group_id=OuterRef("pk")).order_by("-sent_on").values("sent_on")[:1]
    last_activity = (
        Activity.objects.filter(groups=OuterRef("pk"), status=ActivityStatus.HELD)
        .order_by("-held_on")
        .values("held_on")[:1]
    )
    return qs.annotate(last_content_on=Subquery(last_post), last_activity_on=Subquery(last_activity))


def dormant_groups(*, user: Any, under: Org | None = None) -> QuerySet[TrackedGroup]:
    """Groups marked 沉寂 inside the user's scope (the dashboard's late list), with their owner and last
    content / activity dates, longest idle first (never any content first). One query for a page."""
    # The proxy's manager is typed for ChatGroup; the rows are TrackedGroup.
    qs = cast("QuerySet[TrackedGroup]", TrackedGroup.objects.restrict(user, Action.VIEW))
    qs = qs.filter(status=GroupStatus.DORMANT)
    if under is not None:
        qs = qs.filter(under.subtree_q("org__path"))
    annotated = annotate_last_dates(qs.select_related("org", "owner"))
    return annotated.order_by(F("last_content_on").asc(nulls_first=True), "org__path", "name")


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
