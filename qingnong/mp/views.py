"""Pages of the official-account app, declared over the generic scoped views, and the callback endpoint."""

from __future__ import annotations

import logging
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseNotAllowed,
    HttpResponseNotFound,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from qingnong.core.permissions import Action
from qingnong.core.personal import can_view_personal, masked
from qingnong.core.scoping import path_in_scope
from qingnong.core.views import (
    Column,
    ObjectActionView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    object_or_404,
)
from qingnong.orgs.models import Cadre, Org

from . import callback, conf, runtime, selectors, services
from .choices import JobStatus, PostStatus, RuleKind
from .forms import (
    AccountFilterForm,
    AccountForm,
    AdminForm,
    CommentForm,
    ExternalPublishForm,
    FollowerFilterForm,
    MenuForm,
    PostFilterForm,
    PostForm,
    QrGenerateForm,
    RuleForm,
    SecretsForm,
)
from .models import AccountAdmin, Follower, Menu, MpJob, OfficialAccount, Post, QrCode, ReplyRule
from .posters import poster_url

logger = logging.getLogger(__name__)


# --- the callback (no login: WeChat's servers call it) ---------------------------------------


@csrf_exempt
def wechat_callback(request: HttpRequest, key: str) -> HttpResponse:
    """``/wx/<key>/``: see ``callback.py`` for the checks, in order. Refusals carry no detail."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    rt = runtime.runtime_for(key)
    if rt is None:
        return HttpResponseNotFound("not found", content_type="text/plain")
    try:
        if request.method == "GET":
            callback.check_request_signature(rt, request.GET)
            return HttpResponse(request.GET.get("echostr", ""), content_type="text/plain")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > int(conf.get("MP_CALLBACK_MAX_BODY")):
            # Refused before the body is read; signature is still checked first so that an anonymous
            # caller learns nothing about the account.
            callback.check_request_signature(rt, request.GET)
            raise callback.Refused(400, "body too large")
        answer = callback.process(rt, request.GET, request.body)
    except callback.Refused as exc:
        logger.info("mp callback %s refused: %s", rt.account_id, exc.reason)
        if exc.status == 403:
            return HttpResponseForbidden("forbidden", content_type="text/plain")
        return HttpResponseBadRequest("bad request", content_type="text/plain")
    if answer == callback.SUCCESS:
        return HttpResponse(answer, content_type="text/plain")
    return HttpResponse(answer, content_type="application/xml; charset=utf-8")


# --- accounts -------------------------------------------------------------------------------


class AccountListView(ObjectListView):
    model = OfficialAccount
    title = "公众号"
    filter_form_class = AccountFilterForm
    export_name = "公众号"
    add_url_name = "mp:account_add"
    columns = [
        Column("name", "名称"),
        Column("org.league_name", "主办组织"),
        Column(lambda a: a.get_kind_display(), "类型", css="qn-hide-phone"),
        Column("follower_count", "关注者"),
        Column("admin_count", "管理员", css="qn-hide-phone"),
        Column(
            lambda a: "外部" if a.is_external else ("是" if a.api_enabled else "否"),
            "接口权限",
            css="qn-hide-phone",
        ),
        Column(lambda a: "推荐" if a.recommended else "", "R8", css="qn-hide-phone"),
        Column(lambda a: a.naming_warning or "", "命名提示（R5）", css="qn-hide-phone"),
    ]

    template_name = "mp/account_list.html"

    def selector(self, user: Any, filters: dict[str, Any]) -> QuerySet[OfficialAccount]:
        return selectors.account_list(user=user, filters=filters)

    def extra_context(self) -> dict[str, Any]:
        from qingnong.orgs.selectors import org_roots_for

        return {"roots": list(org_roots_for(self.request.user)[:2])}


class AccountDetailView(ObjectDetailView):
    model = OfficialAccount
    template_name = "mp/account_detail.html"

    def base_queryset(self) -> QuerySet[OfficialAccount]:
        return OfficialAccount.objects.select_related("org")

    def get_context(self, obj: OfficialAccount) -> dict[str, Any]:
        user = self.request.user
        cadence = selectors.account_cadence([obj])[0] if not obj.is_external else None
        return {
            "admins": obj.admins.select_related("cadre__org"),
            "cadence": cadence,
            "followers": obj.followers.filter(subscribed=True).count(),
            "callback_url": self.request.build_absolute_uri(obj.callback_path()),
            "can_configure": path_in_scope(user, Action.CONFIGURE, obj.org.path),
            "can_publish": path_in_scope(user, Action.PUBLISH, obj.org.path),
            "jobs": obj.jobs.all()[:5],
        }


class AccountCreateView(ObjectEditView):
    model = OfficialAccount
    form_class = AccountForm
    action = Action.CONFIGURE
    title_create = "登记公众号"

    def perform(self, form: AccountForm, obj: None) -> OfficialAccount:
        data = dict(form.cleaned_data)
        org = data.pop("org")
        name = data.pop("name")
        kind = data.pop("kind")
        secrets = {k: data.pop(k) for k in ("app_secret", "token", "encoding_aes_key")}
        account = services.account_create(
            actor=self.request.user, org=org, name=name, kind=kind, **secrets, **data
        )
        if account.naming_warning:
            messages.warning(self.request, account.naming_warning)
        return account


class AccountEditView(ObjectEditView):
    model = OfficialAccount
    form_class = AccountForm
    action = Action.CONFIGURE
    title_edit = "修改公众号"

    def perform(self, form: AccountForm, obj: OfficialAccount) -> OfficialAccount:
        data = {k: v for k, v in form.cleaned_data.items() if k in services.ACCOUNT_FIELDS}
        account = services.account_update(actor=self.request.user, account=obj, data=data)
        if account.naming_warning:
            messages.warning(self.request, account.naming_warning)
        return account


class AccountSecretsView(ObjectEditView):
    model = OfficialAccount
    form_class = SecretsForm
    action = Action.CONFIGURE
    title_edit = "更换密钥"
    success_message = "密钥已加密保存"

    def perform(self, form: SecretsForm, obj: OfficialAccount) -> OfficialAccount:
        return services.account_set_secrets(actor=self.request.user, account=obj, **form.cleaned_data)


class AdminAddView(ObjectEditView):
    model = OfficialAccount
    form_class = AdminForm
    action = Action.CONFIGURE
    title_create = "添加管理员"

    def get_object_or_none(self) -> None:
        self.account = object_or_404(self.get_queryset().select_related("org"), pk=self.kwargs["pk"])
        return None

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        return {"user": self.request.user, "instance_obj": self.account}

    def cancel_url(self, obj: Any) -> str:
        return self.account.get_absolute_url()

    def success_url(self, obj: AccountAdmin) -> str:
        return self.account.get_absolute_url()

    def perform(self, form: AdminForm, obj: None) -> AccountAdmin:
        return services.admin_add(
            actor=self.request.user,
            account=self.account,
            cadre=form.cleaned_data["cadre"],
            kind=form.cleaned_data["kind"],
        )


class AdminRemoveView(ObjectActionView):
    model = AccountAdmin
    action = Action.CONFIGURE
    title = "移出管理团队"
    message = "把“{object}”移出管理团队？"
    button = "移出"
    danger = True
    success_message = "已移出"

    def perform(self, obj: AccountAdmin) -> None:
        services.admin_remove(actor=self.request.user, admin=obj)


# --- followers and recruitment --------------------------------------------------------------


def _openid(follower: Follower, user: Any) -> str:
    return follower.openid if can_view_personal(user, follower) else masked(follower.openid, "text")


class AccountFollowerListView(ObjectListView):
    model = OfficialAccount
    title = "关注者"
    filter_form_class = FollowerFilterForm
    export_name = "关注者"

    def selector(self, user: Any, filters: dict[str, Any]) -> QuerySet[Follower]:
        self.account = object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        self.title = f"{self.account.name} · 关注者"
        return selectors.follower_list(user=user, account=self.account, filters=filters)

    @property
    def columns(self) -> list[Column]:  # type: ignore[override]
        return [
            # Personal: masked for roles without personal-data access; exports of it are audited.
            Column("openid", "OpenID", personal="text"),
            Column(lambda f: "关注中" if f.subscribed else "已取消", "状态"),
            Column(
                lambda f: timezone.localtime(f.first_subscribed_at).strftime("%Y-%m-%d %H:%M"), "首次关注"
            ),
            Column(lambda f: f.org.name if f.org else "", "归属组织"),
            Column(lambda f: f.cadre.name if f.cadre else "", "推荐团干部", css="qn-hide-phone"),
            Column("scene", "来源场景", css="qn-hide-phone"),
        ]


class OrgRecruitmentView(ObjectDetailView):
    """An org's recruits: followers attributed to its subtree, its children ranked, its top cadres."""

    model = Org
    template_name = "mp/org_recruitment.html"

    def get_context(self, obj: Org) -> dict[str, Any]:
        account = None
        account_pk = self.request.GET.get("account")
        accounts = list(OfficialAccount.objects.restrict(self.request.user).served().select_related("org"))
        if account_pk and account_pk.isdigit():
            account = next((a for a in accounts if a.pk == int(account_pk)), None)
        result = selectors.recruitment(parent=obj, account=account)
        followers = selectors.follower_list(user=self.request.user, org=obj, account=account).filter(
            subscribed=True
        )
        user = self.request.user
        recent = [(f, _openid(f, user)) for f in followers[:30]]
        return {"result": result, "accounts": accounts, "account": account, "recent": recent}


class OrgFollowsView(ObjectDetailView):
    """R8 for an org's subtree: the share of cadres following the recommended accounts, per child org."""

    model = Org
    template_name = "mp/org_follows.html"

    def get_context(self, obj: Org) -> dict[str, Any]:
        accounts = selectors.recommended_accounts()
        overall, per_child = selectors.cadre_follow_shares(parent=obj, accounts=accounts)
        children = list(Org.objects.filter(obj.subtree_q(), depth=obj.depth + 1, status="active"))
        rows = [(c, per_child.get(c.path, selectors.FollowShare(0, 0))) for c in children]
        cadres = selectors.cadre_follow_rows(parent=obj, accounts=accounts, limit=200)
        return {
            "accounts": accounts,
            "overall": overall,
            "rows": rows,
            "cadres": cadres,
            "n_accounts": len(accounts),
        }


# --- automatic replies ----------------------------------------------------------------------


class RuleListView(ObjectListView):
    model = OfficialAccount
    title = "自动回复"
    export_name = "自动回复"
    row_actions_template = "mp/_rule_actions.html"
    columns = [
        Column(lambda r: r.get_kind_display(), "类别"),
        Column("name", "名称"),
        Column(
            lambda r: r.get_match_type_display() if r.kind == RuleKind.KEYWORD else "",
            "匹配",
            css="qn-hide-phone",
        ),
        Column(lambda r: "、".join(r.keyword_list()) or r.event_key, "关键词 / key"),
        Column("priority", "优先级", css="qn-hide-phone"),
        Column(
            lambda r: r.reply_text[:30] if r.reply_type == "text" else f"图文 {len(r.articles)} 篇", "回复"
        ),
        Column("is_active", "启用", css="qn-hide-phone"),
    ]

    def selector(self, user: Any, filters: dict[str, Any]) -> QuerySet[ReplyRule]:
        self.account = object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        self.title = f"{self.account.name} · 自动回复"
        return ReplyRule.objects.filter(account=self.account).order_by("kind", "-priority", "id")

    def extra_context(self) -> dict[str, Any]:
        can = path_in_scope(self.request.user, Action.PUBLISH, self.account.org.path)
        return {
            "add_url": reverse("mp:rule_add", args=[self.account.pk]) if can else None,
            "account": self.account,
        }


class RuleCreateView(ObjectEditView):
    model = OfficialAccount
    form_class = RuleForm
    action = Action.PUBLISH
    title_create = "新增自动回复"

    def get_object_or_none(self) -> None:
        self.account = object_or_404(self.get_queryset().select_related("org"), pk=self.kwargs["pk"])
        return None

    def cancel_url(self, obj: Any) -> str:
        return reverse("mp:rule_list", args=[self.account.pk])

    def success_url(self, obj: ReplyRule) -> str:
        return reverse("mp:rule_list", args=[self.account.pk])

    def perform(self, form: RuleForm, obj: None) -> ReplyRule:
        return services.rule_create(actor=self.request.user, account=self.account, **form.cleaned_data)


class RuleEditView(ObjectEditView):
    model = ReplyRule
    form_class = RuleForm
    action = Action.PUBLISH
    title_edit = "修改自动回复"

    def base_queryset(self) -> QuerySet[ReplyRule]:
        return ReplyRule.objects.select_related("account__org")

    def cancel_url(self, obj: ReplyRule) -> str:
        return reverse("mp:rule_list", args=[obj.account_id])

    def success_url(self, obj: ReplyRule) -> str:
        return reverse("mp:rule_list", args=[obj.account_id])

    def perform(self, form: RuleForm, obj: ReplyRule) -> ReplyRule:
        return services.rule_update(actor=self.request.user, rule=obj, data=form.cleaned_data)


class RuleDeleteView(ObjectActionView):
    model = ReplyRule
    action = Action.PUBLISH
    title = "删除自动回复"
    message = "删除自动回复“{object}”？"
    button = "删除"
    danger = True
    success_message = "已删除"

    def base_queryset(self) -> QuerySet[ReplyRule]:
        return ReplyRule.objects.select_related("account__org")

    def perform(self, obj: ReplyRule) -> None:
        services.rule_delete(actor=self.request.user, rule=obj)

    def success_url(self, obj: ReplyRule, result: Any) -> str:
        return reverse("mp:rule_list", args=[obj.account_id])


# --- menu -----------------------------------------------------------------------------------


class MenuEditView(ObjectEditView):
    model = OfficialAccount
    form_class = MenuForm
    action = Action.PUBLISH
    template_name = "mp/menu_edit.html"
    title_edit = "自定义菜单"
    success_message = "菜单已保存"

    def base_queryset(self) -> QuerySet[OfficialAccount]:
        return OfficialAccount.objects.select_related("org")

    def form_kwargs(self, obj: OfficialAccount) -> dict[str, Any]:
        menu = Menu.objects.filter(account=obj).first()
        self.menu = menu
        return {**super().form_kwargs(obj), "buttons": menu.buttons if menu else []}

    def context(self, form: Any, obj: Any) -> dict[str, Any]:
        return {**super().context(form, obj), "saved_menu": self.menu}

    def success_url(self, obj: Menu) -> str:
        return reverse("mp:menu_edit", args=[obj.account_id])

    def cancel_url(self, obj: OfficialAccount) -> str:
        return obj.get_absolute_url()

    def perform(self, form: MenuForm, obj: OfficialAccount) -> Menu:
        return services.menu_save(actor=self.request.user, account=obj, buttons=form.buttons())


class MenuPushView(ObjectActionView):
    model = OfficialAccount
    action = Action.PUBLISH
    title = "推送菜单"
    message = "把已保存的菜单推送到“{object}”？微信客户端约 5 分钟内生效。"
    button = "推送"
    success_message = "菜单已推送"

    def perform(self, obj: OfficialAccount) -> Menu:
        return services.menu_push(actor=self.request.user, account=obj)

    def success_url(self, obj: OfficialAccount, result: Any) -> str:
        return reverse("mp:menu_edit", args=[obj.pk])


# --- QR codes and posters -------------------------------------------------------------------


class QrCodeListView(ObjectListView):
    model = OfficialAccount
    title = "参数二维码"
    export_name = "参数二维码"
    template_name = "mp/qrcode_list.html"

    def selector(self, user: Any, filters: dict[str, Any]) -> QuerySet[QrCode]:
        self.account = object_or_404(self.get_queryset().select_related("org"), pk=self.kwargs["pk"])
        self.title = f"{self.account.name} · 参数二维码"
        self.recruits = selectors.recruits_by_scene(self.account)
        return selectors.qrcode_list(account=self.account)

    @property
    def columns(self) -> list[Column]:  # type: ignore[override]
        return [
            Column(
                lambda c: c.org.name if c.org else f"{c.cadre.name}（{c.cadre.org.name}）", "组织 / 团干部"
            ),
            Column("scene", "场景值"),
            Column(lambda c: c.get_kind_display(), "类型", css="qn-hide-phone"),
            Column(
                lambda c: timezone.localtime(c.expires_at).strftime("%Y-%m-%d") if c.expires_at else "长期",
                "有效期",
            ),
            Column(lambda c: self.recruits.get(c.scene, 0), "关注者"),
        ]

    def extra_context(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "can_publish": path_in_scope(self.request.user, Action.PUBLISH, self.account.org.path),
            "row_actions_template": "mp/_qrcode_actions.html",
        }


class QrGenerateView(ObjectEditView):
    model = OfficialAccount
    form_class = QrGenerateForm
    action = Action.PUBLISH
    title_edit = "生成参数二维码和海报"
    success_message = "已开始生成"

    def base_queryset(self) -> QuerySet[OfficialAccount]:
        return OfficialAccount.objects.select_related("org")

    def form_kwargs(self, obj: OfficialAccount) -> dict[str, Any]:
        return {**super().form_kwargs(obj), "initial": {"root": obj.org}}

    def success_url(self, obj: MpJob) -> str:
        return obj.get_absolute_url()

    def perform(self, form: QrGenerateForm, obj: OfficialAccount) -> MpJob:
        return services.qrcodes_job_create(
            actor=self.request.user, account=obj, root=form.cleaned_data["root"]
        )


class PosterView(ObjectDetailView):
    model = QrCode

    def base_queryset(self) -> QuerySet[QrCode]:
        return QrCode.objects.select_related("account__org", "org", "cadre__org").exclude(kind="bind")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        code = self.get_object()
        return HttpResponseRedirect(poster_url(services.poster_ensure(code)))


class JobDetailView(ObjectDetailView):
    model = MpJob
    template_name = "mp/job_detail.html"

    def base_queryset(self) -> QuerySet[MpJob]:
        return MpJob.objects.select_related("account")

    def get_context(self, obj: MpJob) -> dict[str, Any]:
        return {"running": obj.status in (JobStatus.QUEUED, JobStatus.RUNNING)}


# --- posts ----------------------------------------------------------------------------------


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


# --- cadres: my follows (R8), on the phone --------------------------------------------------


def _my_cadre(request: HttpRequest) -> Cadre:
    cadre = getattr(request.user, "cadre", None)
    if cadre is None:
        raise Http404("您的账号没有对应的团干部")
    return Cadre.objects.select_related("org").get(pk=cadre.pk)


def _qr_svg(content: str) -> SafeString:
    return mark_safe(
        segno.make(content, error="m").svg_inline(scale=5, border=2)
    )  # segno writes the SVG itself


@login_required
def my_follows(request: HttpRequest) -> HttpResponse:
    cadre = _my_cadre(request)
    statuses = selectors.cadre_follow_status(cadre)
    reminders = selectors.cadre_reminder_status(cadre)
    bind_pk = request.GET.get("bind")
    bind_svg = None
    if bind_pk and bind_pk.isdigit():
        code = QrCode.objects.filter(pk=int(bind_pk), cadre=cadre, kind="bind", used_at__isnull=True).first()
        if code is not None and code.url and (code.expires_at is None or code.expires_at > timezone.now()):
            bind_svg = (code, _qr_svg(code.url))
    return render(
        request,
        "mp/my_follows.html",
        {"title": "我的关注", "cadre": cadre, "statuses": statuses, "reminders": reminders, "bind": bind_svg},
    )


def _followable(pk: int) -> OfficialAccount:
    """A recommended account (R8), or one that carries reminders (a bind code links the cadre's WeChat)."""
    account = (
        OfficialAccount.objects.filter(pk=pk, is_active=True)
        .filter(Q(recommended=True) | ~Q(reminder_template_id=""))
        .first()
    )
    if account is None:
        raise Http404("对象不存在")
    return account


def _follow_action(request: HttpRequest, pk: int, func: Any, ok: str) -> HttpResponse:
    cadre = _my_cadre(request)
    account = _followable(pk)
    try:
        result = func(actor=request.user, cadre=cadre, account=account)
    except (ValidationError, PermissionDenied) as exc:
        text = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text)
        return HttpResponseRedirect(reverse("mp:my_follows"))
    messages.success(request, ok)
    target = reverse("mp:my_follows")
    if isinstance(result, QrCode):
        target += f"?bind={result.pk}"
    return HttpResponseRedirect(target)


@login_required
@require_POST
def follow_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    return _follow_action(request, pk, services.follow_confirm, "已记录：您已关注")


@login_required
@require_POST
def follow_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _follow_action(request, pk, services.follow_withdraw, "已撤回关注确认")


@login_required
@require_POST
def follow_bind(request: HttpRequest, pk: int) -> HttpResponse:
    return _follow_action(
        request, pk, services.bind_code_create, "请用本人微信扫描下方二维码（10 分钟内有效）"
    )


def cadre_follow_panel(request: HttpRequest, cadre: Cadre) -> str:
    """The R8 panel on a cadre's page (registered in the orgs app's CADRE_PANELS)."""
    return render_to_string(
        "mp/_cadre_follow_panel.html", {"statuses": selectors.cadre_follow_status(cadre)}, request
    )


def org_accounts_panel(request: HttpRequest, org: Org) -> str:
    """Links from an org's page to its recruitment ranking and its cadres' R8 follow rate."""
    if org.level not in ("nation", "province", "city", "county", "township"):
        return ""
    return render_to_string("mp/_org_panel.html", {"org": org}, request)
