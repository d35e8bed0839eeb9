"""Pages of the posts: list, detail, writing, review and publishing."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from qingnong.core.permissions import Action
from qingnong.core.scoping import path_in_scope
from qingnong.core.views import (
    Column,
    ObjectActionView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    object_or_404,
)

from .. import selectors, services
from ..choices import PostStatus
from ..forms import CommentForm, ExternalPublishForm, PostFilterForm, PostForm
from ..models import OfficialAccount, Post


class PostListView(ObjectListView):
    model = Post
    title = "推文"
    filter_form_class = PostFilterForm
    export_name = "推文"
    add_url_name = "mp:post_add"
    columns = [
        Column("title", "标题"),
        Column("account.name", "公众号", css="qn-hide-phone"),
        Column(lambda p: p.get_category_display(), "栏目"),
        Column(lambda p: p.get_status_display(), "状态"),
        Column(lambda p: str(p.author or ""), "撰稿人", css="qn-hide-phone"),
        Column(lambda p: str(p.reviewer or ""), "审核人", css="qn-hide-phone"),
        Column(
            lambda p: timezone.localtime(p.published_at).strftime("%Y-%m-%d") if p.published_at else "",
            "发布日期",
        ),
        Column("read_count", "阅读", css="qn-hide-phone"),
        Column("share_count", "分享", css="qn-hide-phone"),
    ]

    def selector(self, user: Any, filters: dict[str, Any]) -> QuerySet[Post]:
        return selectors.post_list(user=user, filters=filters)


class PostDetailView(ObjectDetailView):
    model = Post
    template_name = "mp/post_detail.html"

    def base_queryset(self) -> QuerySet[Post]:
        return Post.objects.select_related("account__org", "author", "reviewer")

    def get_context(self, obj: Post) -> dict[str, Any]:
        can = path_in_scope(self.request.user, Action.PUBLISH, obj.account.org.path)
        return {
            "can_publish": can,
            "comment_form": CommentForm(user=self.request.user),
            "external_form": ExternalPublishForm(user=self.request.user),
            "stats": obj.stats.order_by("-ref_date")[:14],
            "S": PostStatus,
        }


class PostCreateView(ObjectEditView):
    model = Post
    form_class = PostForm
    action = Action.PUBLISH
    title_create = "新建推文"

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        kwargs = super().form_kwargs(obj)
        pk = self.request.GET.get("account")
        if pk:
            # A link naming an account the user cannot publish on is a 404, like a missing one.
            kwargs["initial_account"] = object_or_404(
                OfficialAccount.objects.restrict(self.request.user, Action.PUBLISH), pk=pk
            )
        return kwargs

    def perform(self, form: PostForm, obj: None) -> Post:
        data = dict(form.cleaned_data)
        return services.post_create(
            actor=self.request.user,
            account=data.pop("account"),
            title=data.pop("title"),
            category=data.pop("category"),
            **data,
        )


class PostEditView(ObjectEditView):
    model = Post
    form_class = PostForm
    action = Action.PUBLISH
    title_edit = "修改推文"

    def base_queryset(self) -> QuerySet[Post]:
        return Post.objects.select_related("account__org")

    def perform(self, form: PostForm, obj: Post) -> Post:
        data = {k: v for k, v in form.cleaned_data.items() if k in services.POST_FIELDS}
        return services.post_update(actor=self.request.user, post=obj, data=data)


class _PostAction(ObjectActionView):
    model = Post
    action = Action.PUBLISH

    def base_queryset(self) -> QuerySet[Post]:
        return Post.objects.select_related("account__org")


class PostSubmitView(_PostAction):
    title = "提交审核"
    message = "把“{object}”提交审核？"
    button = "提交审核"
    success_message = "已提交审核"

    def perform(self, obj: Post) -> Post:
        return services.post_submit(actor=self.request.user, post=obj)


class PostPublishView(_PostAction):
    title = "通过接口发布"
    message = "通过微信发布接口发布“{object}”？发布后不能撤回。"
    button = "发布"
    success_message = "已提交微信发布，结果返回后状态会更新为“已发布”"

    def perform(self, obj: Post) -> Post:
        return services.post_publish(actor=self.request.user, post=obj)


class PostDeleteView(_PostAction):
    title = "删除草稿"
    message = "删除草稿“{object}”？"
    button = "删除"
    danger = True
    success_message = "已删除"

    def perform(self, obj: Post) -> None:
        services.post_delete(actor=self.request.user, post=obj)

    def success_url(self, obj: Post, result: Any) -> str:
        return reverse("mp:post_list")


class _PostFormAction(ObjectEditView):
    """A workflow step that takes a small form (review comment, external link) on the post page."""

    model = Post
    action = Action.PUBLISH

    def base_queryset(self) -> QuerySet[Post]:
        return Post.objects.select_related("account__org")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return HttpResponseRedirect(self.get_object().get_absolute_url())


class PostApproveView(_PostFormAction):
    form_class = CommentForm
    title_edit = "审核通过"
    success_message = "已审核通过"

    def perform(self, form: CommentForm, obj: Post) -> Post:
        return services.post_approve(actor=self.request.user, post=obj, comment=form.cleaned_data["comment"])


class PostReturnView(_PostFormAction):
    form_class = CommentForm
    title_edit = "退回修改"
    success_message = "已退回草稿"

    def perform(self, form: CommentForm, obj: Post) -> Post:
        return services.post_return(actor=self.request.user, post=obj, comment=form.cleaned_data["comment"])


class PostRecordView(_PostFormAction):
    form_class = ExternalPublishForm
    title_edit = "登记发布链接"
    success_message = "已登记为已发布"

    def perform(self, form: ExternalPublishForm, obj: Post) -> Post:
        return services.post_record_external(
            actor=self.request.user,
            post=obj,
            url=form.cleaned_data["url"],
            published_at=form.cleaned_data["published_at"],
        )
