"""Pages of content supply: the library, forwarding tasks and their completion, the cadre's 待转发 list
(phone), records of content sent, dormant groups and the activity figures of a subtree."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from qingnong.core.permissions import Action
from qingnong.core.scoping import grant_paths, path_in_scope
from qingnong.core.views import (
    Column,
    ObjectActionView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedViewMixin,
    apply_service_error,
    object_or_404,
)
from qingnong.orgs.models import Org
from qingnong.orgs.selectors import org_roots_for

from . import selectors, services
from .forms import (
    ConfirmForm,
    ContentFilterForm,
    ContentForm,
    PendingFilterForm,
    PostFilterForm,
    PostForm,
    TaskFilterForm,
    TaskForm,
    UnderForm,
)
from .models import ContentItem, ForwardTask, GroupPost, TaskGroup, TrackedGroup


def _date(value: Any) -> str:
    return f"{value:%Y-%m-%d}" if value else ""


def _local(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def can_publish(user: Any) -> bool:
    paths = grant_paths(user, Action.PUBLISH)
    return paths is None or bool(paths)


# --- content library -------------------------------------------------------------------------


class ContentListView(ObjectListView):
    model = ContentItem
    title = "内容供给"
    filter_form_class = ContentFilterForm
    export_name = "供稿内容"
    add_url_name = "content:item_add"
    columns = [
        Column("title", "标题"),
        Column(lambda c: c.get_category_display(), "类别"),
        Column("org.name", "发布组织"),
        Column(lambda c: _date(c.valid_until), "有效期至", css="qn-hide-phone"),
        Column("task_count", "转发任务", css="qn-hide-phone"),
        Column(lambda c: _local(c.created_at), "发布时间", css="qn-hide-phone"),
        Column("body", "转发文字", export_only=True),
        Column("link", "链接", export_only=True),
    ]

    def get_queryset(self) -> QuerySet[ContentItem]:
        return selectors.content_visible(self.request.user)

    def selector(self, user: Any, filters: dict[str, Any]) -> QuerySet[ContentItem]:
        return selectors.content_list(user=user, filters=filters)

    def extra_context(self) -> dict[str, Any]:
        return {} if can_publish(self.request.user) else {"add_url": None}


class ContentDetailView(ObjectDetailView):
    model = ContentItem
    template_name = "content/item_detail.html"

    def get_queryset(self) -> QuerySet[ContentItem]:
        return selectors.content_visible(self.request.user)

    def get_context(self, obj: ContentItem) -> dict[str, Any]:
        user = self.request.user
        tasks = selectors.task_list(user=user).filter(content=obj)
        return {
            "title": obj.title,
            "tasks": tasks,
            "can_publish": path_in_scope(user, Action.PUBLISH, obj.org.path),
        }


class ContentCreateView(ObjectEditView):
    model = ContentItem
    form_class = ContentForm
    action = Action.PUBLISH
    title_create = "发布供稿内容"
    success_message = "已发布，可以发起转发任务"

    def cancel_url(self, obj: Any) -> str:
        return reverse("content:item_list")

    def perform(self, form: ContentForm, obj: None) -> ContentItem:
        data = dict(form.cleaned_data)
        return services.content_create(
            actor=self.request.user,
            org=data["org"],
            title=data["title"],
            category=data["category"],
            body=data["body"],
            link=data["link"],
            valid_until=data["valid_until"],
            poster=data["poster"] or None,
        )


class ContentEditView(ObjectEditView):
    model = ContentItem
    form_class = ContentForm
    action = Action.PUBLISH
    title_edit = "修改供稿内容"

    def perform(self, form: ContentForm, obj: ContentItem) -> ContentItem:
        data = dict(form.cleaned_data)
        poster = data.pop("poster", None) or None
        remove = bool(data.pop("remove_poster", False))
        data.pop("org", None)
        return services.content_update(
            actor=self.request.user, item=obj, data=data, poster=poster, remove_poster=remove
        )


# --- forwarding tasks ------------------------------------------------------------------------


class TaskCreateView(ObjectEditView):
    model = ContentItem
    form_class = TaskForm
    action = Action.PUBLISH
    title_create = "发起转发任务"
    success_message = "已下发，群主将在“待转发”中看到"

    def get_object_or_none(self) -> None:
        self.content = object_or_404(self.get_queryset().select_related("org"), pk=self.kwargs["content_pk"])
        return None

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        return {**super().form_kwargs(obj), "content": self.content}

    def context(self, form: Any, obj: Any) -> dict[str, Any]:
        return {**super().context(form, obj), "title": f"发起转发任务：{self.content.title}"}

    def cancel_url(self, obj: Any) -> str:
        return self.content.get_absolute_url()

    def perform(self, form: TaskForm, obj: None) -> ForwardTask:
        data = form.cleaned_data
        return services.task_create(
            actor=self.request.user,
            content=self.content,
            due_on=data["due_on"],
            group_types=data["group_types"],
            target_orgs=list(data["target_orgs"]),
            note=data["note"],
        )


def _pct(obj: Any) -> str:
    return f"{obj.done * 100 // obj.total}%" if obj.total else "—"


class TaskListView(ObjectListView):
    model = ForwardTask
    title = "转发任务"
    filter_form_class = TaskFilterForm
    export_name = "转发任务"
    columns = [
        Column("content.title", "内容"),
        Column("org.name", "发布组织"),
        Column(lambda t: _date(t.due_on), "截止日期"),
        Column(lambda t: t.get_status_display(), "状态"),
        Column("total", "下发群数", css="qn-hide-phone"),
        Column("done", "已转发", css="qn-hide-phone"),
        Column(_pct, "完成率"),
        Column(lambda t: "、".join(t.group_types_labels()), "群类型", export_only=True),
        Column(lambda t: _local(t.created_at), "发起时间", export_only=True),
    ]

    def get_queryset(self) -> QuerySet[ForwardTask]:
        return selectors.tasks_visible(self.request.user)

    def selector(self, user: Any, filters: dict[str, Any]) -> QuerySet[ForwardTask]:
        return selectors.task_list(user=user, filters=filters)


def _default_under(user: Any, task: ForwardTask) -> Org | None:
    """Where the completion table starts: the publisher when the user sees it, else the user's own top
    org inside the task's area."""
    if path_in_scope(user, Action.VIEW, task.org.path):
        return task.org
    return org_roots_for(user).filter(path__startswith=task.org.path).order_by("path").first()


class TaskDetailView(ObjectDetailView):
    """The upper level's view of a task: completion % per org (one level at a time) and the groups not
    done."""

    model = ForwardTask
    template_name = "content/task_detail.html"

    def get_queryset(self) -> QuerySet[ForwardTask]:
        return selectors.tasks_visible(self.request.user)

    def get_context(self, obj: ForwardTask) -> dict[str, Any]:
        user = self.request.user
        under = None
        under_pk = self.request.GET.get("under", "")
        if under_pk.isdigit():
            under = (
                Org.objects.restrict(user, Action.VIEW)
                .filter(pk=int(under_pk), path__startswith=obj.org.path)
                .first()
            )
        under = under or _default_under(user, obj)
        rows = selectors.task_completion_by_child(task=obj, parent=under, user=user) if under else []
        pending = list(selectors.task_pending_groups(task=obj, user=user, under=under)[:100]) if under else []
        own = next((r for r in rows if under is not None and r.path == under.path), None)
        children = [r for r in rows if r is not own]
        under_sum = selectors.Completion(
            org=under,
            path=under.path if under else "",
            total=sum(r.total for r in rows),
            done=sum(r.done for r in rows),
        )
        return {
            "title": str(obj),
            "totals": selectors.task_totals(task=obj, user=user),
            "under": under,
            "under_sum": under_sum,
            "rows": children,
            "own": own,
            "pending": pending,
            "can_withdraw": obj.is_active and path_in_scope(user, Action.PUBLISH, obj.org.path),
            "targets": list(obj.target_orgs.order_by("path")),
        }


class TaskWithdrawView(ObjectActionView):
    model = ForwardTask
    action = Action.PUBLISH
    title = "撤回转发任务"
    message = "撤回“{object}”？撤回后基层不再看到此任务，也不能再确认转发；已确认的记录保留。"
    button = "撤回"
    danger = True
    success_message = "已撤回"

    def perform(self, obj: ForwardTask) -> ForwardTask:
        return services.task_withdraw(
            actor=self.request.user, task=obj, reason=self.request.POST.get("reason", "")
        )


class TaskPendingListView(ObjectListView):
    """The groups of a task that have not confirmed yet, with owners: filterable and exportable."""

    model = TaskGroup
    title = "未转发的群"
    filter_form_class = PendingFilterForm
    export_name = "未转发的群"
    columns = [
        Column("group.name", "微信群"),
        Column(lambda r: r.group.get_group_type_display(), "类型", css="qn-hide-phone"),
        Column("group.org.name", "所属组织"),
        Column(lambda r: r.group.owner.name if r.group.owner_id else "", "群主"),
        Column("group.owner.phone", "群主手机", personal="phone", export_only=True),
    ]

    def selector(self, user: Any, filters: dict[str, Any]) -> QuerySet[TaskGroup]:
        task = selectors.tasks_visible(user).filter(pk=filters.get("task") or 0).first()
        if task is None:
            raise Http404("对象不存在或不在您的管辖范围内")
        self.task = task
        return selectors.task_pending_groups(task=task, user=user, under=filters.get("under"))

    def extra_context(self) -> dict[str, Any]:
        return {"title": f"未转发的群：{self.task.content.title}"}


# --- the cadre's phone pages -------------------------------------------------------------------


class TodoView(ScopedViewMixin, View):
    """待转发: each active task with the cadre's groups still to confirm, text and poster one tap away."""

    model = TaskGroup
    action = Action.ADD

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        has_cadre = bool(getattr(request.user, "cadre_id", None))
        mine = request.GET.get("all") != "1" and has_cadre
        tasks = selectors.todo_for(user=request.user, mine=mine)
        context = {
            "title": "待转发",
            "tasks": tasks,
            "mine": mine,
            "has_cadre": has_cadre,
            "pending": sum(len(t.rows) for t in tasks),
            "today": timezone.localdate(),
        }
        return render(request, "content/todo.html", context)


class ConfirmView(ScopedViewMixin, View):
    """已转发 for one group of a task (optionally with a date and a screenshot)."""

    model = TaskGroup
    action = Action.ADD

    def base_queryset(self) -> QuerySet[TaskGroup]:
        return TaskGroup.objects.select_related("task__content__org", "group__org")

    def render_form(self, row: TaskGroup, form: ConfirmForm, status: int = 200) -> HttpResponse:
        context = {"title": "确认已转发", "row": row, "form": form, "cancel_url": reverse("content:todo")}
        return render(self.request, "content/confirm.html", context, status=status)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        row = self.get_object()
        return self.render_form(row, ConfirmForm(user=request.user))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        row = self.get_object()
        form = ConfirmForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            try:
                services.forward_confirm(
                    actor=request.user,
                    task=row.task,
                    group=row.group,
                    sent_on=form.cleaned_data["sent_on"],
                    screenshot=form.cleaned_data["screenshot"] or None,
                )
            except (ValidationError, PermissionDenied) as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, f"“{row.group.name}”已确认转发")
                return HttpResponseRedirect(request.POST.get("next") or reverse("content:todo"))
        return self.render_form(row, form, status=422)


class PostCreateView(ObjectEditView):
    """“今天在群里发了…”: the owner records content sent on their own."""

    model = GroupPost
    form_class = PostForm
    action = Action.ADD
    title_create = "记录群内发送"
    success_message = "已记录"

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        group = self.request.GET.get("group", "")
        return {**super().form_kwargs(obj), "initial_group": int(group) if group.isdigit() else None}

    def cancel_url(self, obj: Any) -> str:
        return reverse("content:todo")

    def success_url(self, obj: GroupPost) -> str:
        return reverse("content:post_list") + f"?group={obj.group_id}"

    def perform(self, form: PostForm, obj: None) -> GroupPost:
        data = form.cleaned_data
        return services.post_record(
            actor=self.request.user,
            group=data["group"],
            summary=data["summary"],
            sent_on=data["sent_on"],
            link=data["link"],
            screenshot=data["screenshot"] or None,
        )


class PostListView(ObjectListView):
    model = GroupPost
    title = "群内容记录"
    filter_form_class = PostFilterForm
    export_name = "群内容记录"
    add_url_name = "content:post_add"
    columns = [
        Column(lambda p: _date(p.sent_on), "日期"),
        Column("group.name", "微信群"),
        Column("group.org.name", "所属组织", css="qn-hide-phone"),
        Column(lambda p: p.get_kind_display(), "来源"),
        Column("summary", "内容"),
        Column(lambda p: "有" if p.screenshot else "", "截图", css="qn-hide-phone"),
        Column(lambda p: str(p.recorded_by or ""), "记录人", export_only=True),
        Column("link", "链接", export_only=True),
    ]
    row_actions_template = "content/_post_actions.html"

    def selector(self, user: Any, filters: dict[str, Any]) -> QuerySet[GroupPost]:
        return selectors.post_list(user=user, filters=filters)


class PostDeleteView(ObjectActionView):
    model = GroupPost
    title = "删除记录"
    message = "删除“{object}”？转发确认删除后，该群的任务回到“待转发”。"
    button = "删除"
    danger = True
    success_message = "已删除"

    def perform(self, obj: GroupPost) -> None:
        services.post_delete(actor=self.request.user, post=obj)

    def success_url(self, obj: GroupPost, result: Any) -> str:
        return reverse("content:post_list") + f"?group={obj.group_id}"


class PostScreenshotView(ObjectDetailView):
    """A confirmation screenshot: private, served only inside the viewer's scope."""

    model = GroupPost

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        post = self.get_object()
        if not post.screenshot:
            raise Http404("没有截图")
        response = FileResponse(post.screenshot.open("rb"), content_type="image/jpeg")
        response["Cache-Control"] = "private, max-age=3600"
        return response


# --- R12 and the figures of a subtree ------------------------------------------------------------


class DormantListView(ObjectListView):
    """沉寂的群 (R12): the groups marked dormant in the viewer's scope, longest idle first."""

    model = TrackedGroup
    title = "沉寂的微信群"
    filter_form_class = UnderForm
    export_name = "沉寂的微信群"
    columns = [
        Column("name", "微信群"),
        Column(lambda g: g.get_group_type_display(), "类型", css="qn-hide-phone"),
        Column("org.name", "所属组织"),
        Column(lambda g: g.owner.name if g.owner_id else "", "群主"),
        Column(lambda g: _date(g.last_content_on) or "从未", "最近内容"),
        Column(lambda g: _date(g.last_activity_on) or "从未", "最近活动", css="qn-hide-phone"),
        Column("owner.phone", "群主手机", personal="phone", export_only=True),
    ]

    def selector(self, user: Any, filters: dict[str, Any]) -> QuerySet[TrackedGroup]:
        return selectors.dormant_groups(user=user, under=filters.get("under"))


class StatsView(ScopedViewMixin, View):
    """内容与活动 of a subtree, one level at a time: groups, share active (R12), content per group per
    month over the last 30 days and activities this quarter (R11 inputs). A fixed number of queries."""

    model = Org

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from qingnong.activities.selectors import ActivityFigures, activity_rollup, quarter_bounds

        user = request.user
        form = UnderForm(request.GET or None, user=user)
        under = form.cleaned_data.get("under") if form.is_valid() else None
        under = under or org_roots_for(user).order_by("path").first()
        if under is None:
            raise Http404("没有可访问的组织")
        today = timezone.localdate()
        month_start = today - datetime.timedelta(days=29)
        q_start, q_end = quarter_bounds(today)
        content = selectors.content_rollup(root=under, start=month_start, end=today)
        shares = selectors.group_activity_rollup(root=under, today=today)
        activities = activity_rollup(root=under, start=q_start, end=q_end)
        children = list(
            Org.objects.restrict(user, Action.VIEW)
            .filter(path__startswith=under.path, depth=under.depth + 1, status="active")
            .order_by("path")
        )
        empty_c, empty_s, empty_a = (
            selectors.ContentFigures(days=30),
            selectors.ActiveShare(),
            ActivityFigures(),
        )

        def row(org: Org) -> dict[str, Any]:
            return {
                "org": org,
                "content": content.get(org.path, empty_c),
                "share": shares.get(org.path, empty_s),
                "activities": activities.get(org.path, empty_a),
            }

        context = {
            "title": "内容与活动",
            "form": form,
            "under": under,
            "total": row(under),
            "rows": [row(c) for c in children],
            "month_start": month_start,
            "today": today,
            "quarter": (q_start, q_end),
        }
        return render(request, "content/stats.html", context)
