"""Reads of content supply: what a user may see (items and tasks published above them reach them), the
forwarding tasks with their completion per child org, a cadre's to-do list and the record of content sent."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from qingnong.core.permissions import Action
from qingnong.core.rollups import ancestor_prefixes
from qingnong.core.scoping import PATH_STEP, grant_paths, scope_q, subtree_q
from qingnong.orgs.models import Org
from qingnong.wxgroups.choices import GroupStatus, GroupType
from qingnong.wxgroups.models import ChatGroup

from ..choices import TaskStatus
from ..idleness import COUNTED_STATUSES
from ..models import ContentItem, ForwardTask, GroupPost, TaskGroup

# Group types a forwarding task goes to unless the publisher picks others.
DEFAULT_TASK_GROUP_TYPES = (GroupType.TUANQING, GroupType.EXCLUSIVE)


# --- visibility ------------------------------------------------------------------------------


def _visible_from_above_q(user: Any, field: str) -> Q | None:
    """Rows published in the user's subtrees or by an org above them (a village reads the county's
    content). ``None``: everything (superuser, system)."""
    paths = grant_paths(user, Action.VIEW)
    if paths is None:
        return None
    if not paths:
        return Q(pk__in=[])
    q = Q(**{f"{field}__in": {p for root in paths for p in ancestor_prefixes(root)}})
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
