"""API of content supply: content items, forwarding tasks (completion, pending groups, withdrawal),
confirmations (已转发), the owner's own records, and the R11/R12 figures. Every lookup is scoped; every
write is a service call."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, File, Router, Schema, Status, UploadedFile

from qingnong.api.common import ERRORS, page, scoped_get, scoped_get_optional
from qingnong.core.permissions import Action
from qingnong.orgs.models import Org
from qingnong.orgs.selectors import org_roots_for
from qingnong.wxgroups.choices import GroupType
from qingnong.wxgroups.models import ChatGroup

from . import selectors, services
from .choices import ContentCategory, PostKind, TaskStatus
from .models import ContentItem, ForwardTask, GroupPost

PREFIX = "/content"
router = Router(tags=["内容供给"])


def _poster_url(item: ContentItem) -> str | None:
    return item.poster.url if item.poster else None


class ContentOut(Schema):
    id: int
    org_id: int
    org_name: str = Field(..., alias="org.name")
    title: str
    category: str
    body: str
    link: str
    poster_url: str | None = None
    valid_until: datetime.date | None
    created_at: datetime.datetime

    @staticmethod
    def resolve_poster_url(obj: ContentItem) -> str | None:
        return _poster_url(obj)


class ContentIn(Schema):
    org_id: int
    title: str = Field(..., min_length=1, max_length=80)
    category: ContentCategory
    body: str = ""
    link: str = Field("", max_length=500)
    valid_until: datetime.date | None = None


class ContentPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=80)
    category: ContentCategory | None = None
    body: str | None = None
    link: str | None = Field(None, max_length=500)
    valid_until: datetime.date | None = None


class ContentPage(Schema):
    count: int
    items: list[ContentOut]


@router.get(
    "items/", response={200: ContentPage, **ERRORS}, summary="供稿内容（本级及下级发布的、上级发布的）"
)
def content_list(
    request: HttpRequest,
    q: str = "",
    category: ContentCategory | None = None,
    under: int | None = None,
    offset: int = 0,
    limit: int = 100,
) -> dict[str, Any]:
    filters: dict[str, Any] = {"q": q, "category": category}
    filters["under"] = scoped_get_optional(Org.objects.all(), request, under)
    return page(selectors.content_list(user=request.user, filters=filters), offset=offset, limit=limit)


@router.get("items/{item_id}", response={200: ContentOut, **ERRORS})
def content_get(request: HttpRequest, item_id: int) -> ContentItem:
    return _visible_item(request, item_id)


def _visible_item(request: HttpRequest, item_id: int) -> ContentItem:
    from django.http import Http404

    from qingnong.api.common import NOT_FOUND

    item = selectors.content_visible(request.user).filter(pk=item_id).first()
    if item is None:
        raise Http404(NOT_FOUND)
    return item


@router.post("items/", response={201: ContentOut, **ERRORS}, summary="发布供稿内容（海报另行上传）")
def content_create(request: HttpRequest, payload: ContentIn) -> Status[ContentItem]:
    data = payload.dict()
    org = scoped_get(Org.objects.all(), request, data.pop("org_id"), Action.PUBLISH)
    return Status(201, services.content_create(actor=request.user, org=org, **data))


@router.patch("items/{item_id}", response={200: ContentOut, **ERRORS})
def content_update(request: HttpRequest, item_id: int, payload: ContentPatch) -> ContentItem:
    item = scoped_get(ContentItem.objects.select_related("org"), request, item_id, Action.PUBLISH)
    return services.content_update(actor=request.user, item=item, data=payload.dict(exclude_unset=True))


@router.post(
    "items/{item_id}/poster", response={200: ContentOut, **ERRORS}, summary="上传海报（multipart，字段 file）"
)
def content_poster(request: HttpRequest, item_id: int, file: File[UploadedFile]) -> ContentItem:
    item = scoped_get(ContentItem.objects.select_related("org"), request, item_id, Action.PUBLISH)
    return services.content_update(actor=request.user, item=item, data={}, poster=file)


# --- tasks -----------------------------------------------------------------------------------


class TaskOut(Schema):
    id: int
    content_id: int
    content_title: str = Field(..., alias="content.title")
    org_id: int
    group_types: list[str]
    target_org_ids: list[int] = []
    due_on: datetime.date
    note: str
    status: str
    group_count: int
    created_at: datetime.datetime
    withdrawn_at: datetime.datetime | None

    @staticmethod
    def resolve_target_org_ids(obj: ForwardTask) -> list[int]:
        return sorted(o.pk for o in obj.target_orgs.all())


class TaskIn(Schema):
    content_id: int
    due_on: datetime.date
    group_types: list[GroupType] | None = None
    target_org_ids: list[int] = []
    note: str = Field("", max_length=200)


class WithdrawIn(Schema):
    reason: str = Field("", max_length=200)


class TaskListOut(TaskOut):
    total: int
    done: int


class TaskPage(Schema):
    count: int
    items: list[TaskListOut]


def _visible_task(request: HttpRequest, task_id: int) -> ForwardTask:
    from django.http import Http404

    from qingnong.api.common import NOT_FOUND

    task = selectors.tasks_visible(request.user).filter(pk=task_id).first()
    if task is None:
        raise Http404(NOT_FOUND)
    return task


@router.get("tasks/", response={200: TaskPage, **ERRORS}, summary="转发任务（含授权范围内的完成数）")
def task_list(
    request: HttpRequest,
    status: TaskStatus | None = None,
    under: int | None = None,
    offset: int = 0,
    limit: int = 100,
) -> dict[str, Any]:
    filters: dict[str, Any] = {"status": status}
    filters["under"] = scoped_get_optional(Org.objects.all(), request, under)
    qs = selectors.task_list(user=request.user, filters=filters).prefetch_related("target_orgs")
    return page(qs, offset=offset, limit=limit)


@router.get("tasks/{task_id}", response={200: TaskOut, **ERRORS})
def task_get(request: HttpRequest, task_id: int) -> ForwardTask:
    return _visible_task(request, task_id)


@router.post("tasks/", response={201: TaskOut, **ERRORS}, summary="发起转发任务")
def task_create(request: HttpRequest, payload: TaskIn) -> Status[ForwardTask]:
    content = scoped_get(
        ContentItem.objects.select_related("org"), request, payload.content_id, Action.PUBLISH
    )
    targets = [scoped_get(Org.objects.all(), request, pk) for pk in payload.target_org_ids]
    task = services.task_create(
        actor=request.user,
        content=content,
        due_on=payload.due_on,
        group_types=[str(t) for t in payload.group_types] if payload.group_types is not None else None,
        target_orgs=targets,
        note=payload.note,
    )
    return Status(201, task)


@router.post("tasks/{task_id}/withdraw", response={200: TaskOut, **ERRORS}, summary="撤回转发任务")
def task_withdraw(request: HttpRequest, task_id: int, payload: WithdrawIn) -> ForwardTask:
    task = scoped_get(ForwardTask.objects.select_related("org", "content"), request, task_id, Action.PUBLISH)
    return services.task_withdraw(actor=request.user, task=task, reason=payload.reason)


class CompletionRowOut(Schema):
    org_id: int | None
    org_name: str
    total: int
    done: int
    ratio: float | None


class CompletionOut(Schema):
    total: int
    done: int
    ratio: float | None
    under_id: int | None
    rows: list[CompletionRowOut]


@router.get("tasks/{task_id}/completion", response={200: CompletionOut, **ERRORS}, summary="各下级完成率")
def task_completion(request: HttpRequest, task_id: int, under: int | None = None) -> dict[str, Any]:
    task = _visible_task(request, task_id)
    parent = scoped_get_optional(Org.objects.all(), request, under)
    if parent is None:
        parent = task.org if _in_scope(request, task.org) else None
        parent = parent or org_roots_for(request.user).filter(path__startswith=task.org.path).first()
    totals = selectors.task_totals(task=task, user=request.user)
    rows = selectors.task_completion_by_child(task=task, parent=parent, user=request.user) if parent else []
    return {
        "total": totals.total,
        "done": totals.done,
        "ratio": totals.ratio,
        "under_id": parent.pk if parent else None,
        "rows": [
            {
                "org_id": r.org.pk if r.org else None,
                "org_name": r.org.name if r.org else "",
                "total": r.total,
                "done": r.done,
                "ratio": r.ratio,
            }
            for r in rows
        ],
    }


def _in_scope(request: HttpRequest, org: Org) -> bool:
    from qingnong.core.scoping import path_in_scope

    return path_in_scope(request.user, Action.VIEW, org.path)


class PendingOut(Schema):
    task_group_id: int = Field(..., alias="pk")
    group_id: int
    group_name: str = Field(..., alias="group.name")
    group_type: str = Field(..., alias="group.group_type")
    org_id: int = Field(..., alias="group.org_id")
    org_name: str = Field(..., alias="group.org.name")
    owner_name: str | None = Field(None, alias="group.owner.name")


class PendingPage(Schema):
    count: int
    items: list[PendingOut]


@router.get("tasks/{task_id}/pending", response={200: PendingPage, **ERRORS}, summary="未转发的群")
def task_pending(
    request: HttpRequest, task_id: int, under: int | None = None, offset: int = 0, limit: int = 100
) -> dict[str, Any]:
    task = _visible_task(request, task_id)
    parent = scoped_get_optional(Org.objects.all(), request, under)
    qs = selectors.task_pending_groups(task=task, user=request.user, under=parent)
    return page(qs, offset=offset, limit=limit)


# --- confirmations and records ---------------------------------------------------------------


class PostOut(Schema):
    id: int
    group_id: int
    group_name: str = Field(..., alias="group.name")
    sent_on: datetime.date
    kind: str
    task_id: int | None
    summary: str
    link: str
    has_screenshot: bool = False
    created_at: datetime.datetime

    @staticmethod
    def resolve_has_screenshot(obj: GroupPost) -> bool:
        return bool(obj.screenshot)


class ConfirmIn(Schema):
    group_id: int
    sent_on: datetime.date | None = None


class PostIn(Schema):
    group_id: int
    summary: str = Field(..., min_length=1, max_length=200)
    sent_on: datetime.date | None = None
    link: str = Field("", max_length=500)


class PostPage(Schema):
    count: int
    items: list[PostOut]


@router.post("tasks/{task_id}/confirm", response={201: PostOut, **ERRORS}, summary="确认已转发到某个群")
def task_confirm(request: HttpRequest, task_id: int, payload: ConfirmIn) -> Status[GroupPost]:
    task = _visible_task(request, task_id)
    group = scoped_get(ChatGroup.objects.select_related("org"), request, payload.group_id, Action.ADD)
    post = services.forward_confirm(actor=request.user, task=task, group=group, sent_on=payload.sent_on)
    return Status(201, post)


class TodoOut(Schema):
    task_group_id: int
    task_id: int
    content_id: int
    content_title: str
    copy_text: str
    poster_url: str | None
    due_on: datetime.date
    overdue: bool
    group_id: int
    group_name: str
    org_name: str


@router.get("todo", response={200: list[TodoOut], **ERRORS}, summary="待转发（我的群；all=true 为辖区全部）")
def todo(request: HttpRequest, all: bool = False) -> list[dict[str, Any]]:
    mine = not all and bool(getattr(request.user, "cadre_id", None))
    today = timezone.localdate()
    rows = selectors.todo_rows(user=request.user, mine=mine)[:500]
    return [
        {
            "task_group_id": r.pk,
            "task_id": r.task_id,
            "content_id": r.task.content_id,
            "content_title": r.task.content.title,
            "copy_text": r.task.content.copy_text(),
            "poster_url": _poster_url(r.task.content),
            "due_on": r.task.due_on,
            "overdue": r.task.due_on < today,
            "group_id": r.group_id,
            "group_name": r.group.name,
            "org_name": r.group.org.name,
        }
        for r in rows
    ]


@router.get("posts/", response={200: PostPage, **ERRORS}, summary="群内容记录")
def post_list(
    request: HttpRequest,
    group_id: int | None = None,
    under: int | None = None,
    kind: PostKind | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    offset: int = 0,
    limit: int = 100,
) -> dict[str, Any]:
    filters: dict[str, Any] = {"group": group_id, "kind": kind, "since": since, "until": until}
    filters["under"] = scoped_get_optional(Org.objects.all(), request, under)
    return page(selectors.post_list(user=request.user, filters=filters), offset=offset, limit=limit)


@router.get("posts/{post_id}", response={200: PostOut, **ERRORS})
def post_get(request: HttpRequest, post_id: int) -> GroupPost:
    return scoped_get(GroupPost.objects.select_related("group"), request, post_id)


@router.post("posts/", response={201: PostOut, **ERRORS}, summary="记录群内发送（今天在群里发了…）")
def post_create(request: HttpRequest, payload: PostIn) -> Status[GroupPost]:
    group = scoped_get(ChatGroup.objects.select_related("org"), request, payload.group_id, Action.ADD)
    post = services.post_record(
        actor=request.user, group=group, summary=payload.summary, sent_on=payload.sent_on, link=payload.link
    )
    return Status(201, post)


@router.post(
    "posts/{post_id}/screenshot",
    response={200: PostOut, **ERRORS},
    summary="补传截图（multipart，字段 file）",
)
def post_screenshot(request: HttpRequest, post_id: int, file: File[UploadedFile]) -> GroupPost:
    post = scoped_get(GroupPost.objects.select_related("group__org"), request, post_id, Action.CHANGE)
    return services.post_set_screenshot(actor=request.user, post=post, upload=file)


@router.delete("posts/{post_id}", response={204: None, **ERRORS})
def post_delete(request: HttpRequest, post_id: int) -> Status[None]:
    post = scoped_get(GroupPost.objects.select_related("group__org"), request, post_id, Action.CHANGE)
    services.post_delete(actor=request.user, post=post)
    return Status(204, None)


# --- R11 / R12 figures -----------------------------------------------------------------------


class GroupStateOut(Schema):
    group_id: int
    state: str
    status: str
    last_content_on: datetime.date | None
    last_activity_on: datetime.date | None
    idle_days: int
    dormant_days: int
    week: int
    month: int


def _root(request: HttpRequest, under: int | None) -> Org:
    from django.http import Http404

    root = scoped_get_optional(Org.objects.all(), request, under)
    root = root or org_roots_for(request.user).order_by("path").first()
    if root is None:
        raise Http404("没有可访问的组织")
    return root


@router.get(
    "groups/activity",
    response={200: list[GroupStateOut], **ERRORS},
    summary="各群的活跃状态（R12）和发送频次",
)
def group_states(request: HttpRequest, under: int | None = None, limit: int = 1000) -> list[dict[str, Any]]:
    root = _root(request, under)
    today = timezone.localdate()
    states = selectors.iter_group_states(today=today, root=root)
    frequency = selectors.group_frequency(today=today, root=root)
    out: list[dict[str, Any]] = []
    for s in states:
        if len(out) >= max(1, min(limit, 5000)):
            break
        f = frequency.get(s.group_id, selectors.GroupFrequency())
        out.append(
            {
                "group_id": s.group_id,
                "state": s.state,
                "status": s.status,
                "last_content_on": s.last_content_on,
                "last_activity_on": s.last_activity_on,
                "idle_days": s.idle_days,
                "dormant_days": s.dormant_days,
                "week": f.week,
                "month": f.month,
            }
        )
    return out


class DormantOut(Schema):
    id: int
    name: str
    org_id: int
    org_name: str = Field(..., alias="org.name")
    owner_name: str | None = Field(None, alias="owner.name")
    last_content_on: datetime.date | None
    last_activity_on: datetime.date | None


class DormantPage(Schema):
    count: int
    items: list[DormantOut]


@router.get("groups/dormant", response={200: DormantPage, **ERRORS}, summary="沉寂的群（R12）")
def dormant(
    request: HttpRequest, under: int | None = None, offset: int = 0, limit: int = 100
) -> dict[str, Any]:
    parent = scoped_get_optional(Org.objects.all(), request, under)
    return page(selectors.dormant_groups(user=request.user, under=parent), offset=offset, limit=limit)


class StatsRowOut(Schema):
    org_id: int
    org_name: str
    groups: int
    active: int
    dormant: int
    new: int
    share_active: float | None
    posts_30d: int
    per_group_month: float | None


@router.get(
    "stats", response={200: list[StatsRowOut], **ERRORS}, summary="下级各组织的活跃群占比与近 30 天发送频次"
)
def stats(request: HttpRequest, under: int | None = None) -> list[dict[str, Any]]:
    root = _root(request, under)
    today = timezone.localdate()
    content = selectors.content_rollup(root=root, start=today - datetime.timedelta(days=29), end=today)
    shares = selectors.group_activity_rollup(root=root, today=today)
    orgs: QuerySet[Org] = (
        Org.objects.restrict(request.user, Action.VIEW)
        .filter(path__startswith=root.path, depth__lte=root.depth + 1, status="active")
        .order_by("path")
    )
    rows = []
    for org in orgs:
        c = content.get(org.path, selectors.ContentFigures(days=30))
        s = shares.get(org.path, selectors.ActiveShare())
        rows.append(
            {
                "org_id": org.pk,
                "org_name": org.name,
                "groups": s.groups,
                "active": s.active,
                "dormant": s.dormant,
                "new": s.new,
                "share_active": s.share_active,
                "posts_30d": c.posts,
                "per_group_month": c.per_group_month,
            }
        )
    return rows
