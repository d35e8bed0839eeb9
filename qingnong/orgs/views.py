"""Pages of the org tree, the roster, users and grants, and the audit list: declarations over core.views."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordChangeView
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils import timezone

from qingnong.core.audit_actions import is_declared
from qingnong.core.models import AuditEntry
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

from . import selectors, services
from .forms import (
    AuditFilterForm,
    CadreFilterForm,
    CadreForm,
    GrantForm,
    OrgFilterForm,
    OrgForm,
    OrgMergeForm,
    OrgMoveForm,
    PasswordResetByAdminForm,
    PositionForm,
    QingnongPasswordChangeForm,
    UserFilterForm,
    UserForm,
)
from .models import Cadre, Org, Position, ScopeGrant, User

# --- org tree -------------------------------------------------------------------------------


@login_required
def org_tree(request: HttpRequest) -> HttpResponse:
    """The tree browser: the user's roots, children loaded on demand; or search results."""
    query = request.GET.get("q", "").strip()
    results = list(selectors.org_search(user=request.user, query=query)) if query else []
    paths = selectors.org_display_paths(results)
    context = {
        "title": "组织架构",
        "roots": selectors.org_roots_for(request.user),
        "query": query,
        "results": [(org, paths[org.pk]) for org in results],
    }
    return render(request, "orgs/org_tree.html", context)


@login_required
def org_tree_children(request: HttpRequest, pk: int) -> HttpResponse:
    parent = object_or_404(Org.objects.restrict(request.user, Action.VIEW), pk=pk)
    rows = selectors.org_children_with_counts(user=request.user, parent=parent)
    return render(request, "orgs/_tree_children.html", {"rows": rows})


@login_required
def org_suggest(request: HttpRequest) -> HttpResponse:
    """Suggestions for the org picker (``<option>`` elements of a datalist)."""
    field = request.GET.get("_field", "q")
    query = request.GET.get(field) or request.GET.get("q") or ""
    query = query.split("#")[0].split("/")[-1].strip()
    orgs = list(selectors.org_search(user=request.user, query=query, limit=20))
    paths = selectors.org_display_paths(orgs)
    return render(request, "orgs/_suggest.html", {"options": [f"{paths[o.pk]} #{o.pk}" for o in orgs]})


class OrgDetailView(ObjectDetailView):
    model = Org
    template_name = "orgs/org_detail.html"

    def get_context(self, obj: Org) -> dict[str, Any]:
        user = self.request.user
        ancestors = list(Org.objects.restrict(user, Action.VIEW).filter(path__in=obj.ancestor_paths()))
        return {
            "ancestors": ancestors,
            "children": selectors.org_children_with_counts(user=user, parent=obj, include_inactive=True),
            "positions": selectors.org_position_rows(org=obj),
            "cadre_count": Cadre.objects.filter(obj.subtree_q("org__path"), is_active=True).count(),
            "can_change": path_in_scope(user, Action.CHANGE, obj.path),
            "can_add": path_in_scope(user, Action.ADD, obj.path),
            "can_delete": path_in_scope(user, Action.DELETE, obj.path),
            "display_path": obj.display_path(),
            "extra_panels": [panel(self.request, obj) for panel in ORG_PANELS],
        }


class OrgListView(ObjectListView):
    model = Org
    title = "组织列表"
    filter_form_class = OrgFilterForm
    export_name = "组织"
    columns = [
        Column("name", "组织名称"),
        Column(lambda o: o.get_level_display(), "层级"),
        Column(lambda o: o.get_kind_display() if o.kind else "", "类别"),
        Column("division_code", "区划代码"),
        Column(lambda o: o.get_status_display(), "状态"),
        Column("contact_phone", "联系电话", css="qn-hide-phone"),
        Column("path", "路径编码", export_only=True),
    ]

    def selector(self, user: Any, filters: dict[str, Any]) -> QuerySet[Org]:
        qs = Org.objects.restrict(user, Action.VIEW)
        if filters.get("under"):
            qs = qs.filter(filters["under"].subtree_q())
        if filters.get("q"):
            from django.db.models import Q

            text = filters["q"]
            qs = qs.filter(
                Q(name__icontains=text) | Q(short_name__icontains=text) | Q(division_code__startswith=text)
            )
        for key in ("level", "kind", "status"):
            if filters.get(key):
                qs = qs.filter(**{key: filters[key]})
        return qs


class OrgCreateView(ObjectEditView):
    """Adds a child under the org in the URL."""

    model = Org
    form_class = OrgForm
    action = Action.ADD
    title_create = "新增下级组织"

    def get_object_or_none(self) -> None:
        self.parent = object_or_404(self.get_queryset(), pk=self.kwargs["parent_pk"])
        return None

    def cancel_url(self, obj: Any) -> str:
        return self.parent.get_absolute_url()

    def perform(self, form: OrgForm, obj: None) -> Org:
        return services.org_create(actor=self.request.user, parent=self.parent, **form.cleaned_data)


class OrgEditView(ObjectEditView):
    model = Org
    form_class = OrgForm
    title_edit = "修改组织"

    def perform(self, form: OrgForm, obj: Org) -> Org:
        return services.org_update(actor=self.request.user, org=obj, data=form.cleaned_data)


class OrgMoveView(ObjectEditView):
    model = Org
    form_class = OrgMoveForm
    title_edit = "移动组织"
    success_message = "已移动"

    def perform(self, form: OrgMoveForm, obj: Org) -> Org:
        return services.org_move(actor=self.request.user, org=obj, new_parent=form.cleaned_data["new_parent"])


class OrgMergeView(ObjectEditView):
    model = Org
    form_class = OrgMergeForm
    title_edit = "合并组织"
    success_message = "已合并"

    def perform(self, form: OrgMergeForm, obj: Org) -> Org:
        return services.org_merge(actor=self.request.user, org=obj, into=form.cleaned_data["into"])


class OrgDissolveView(ObjectActionView):
    model = Org
    title = "撤销组织"
    message = "撤销“{object}”后，它不再计入各项统计，数据保留。"
    button = "撤销"
    danger = True
    success_message = "已撤销"

    def perform(self, obj: Org) -> Org:
        return services.org_dissolve(actor=self.request.user, org=obj)


class OrgRestoreView(ObjectActionView):
    model = Org
    title = "恢复组织"
    message = "恢复“{object}”为正常状态？"
    button = "恢复"
    success_message = "已恢复"

    def perform(self, obj: Org) -> Org:
        return services.org_restore(actor=self.request.user, org=obj)


class OrgDeleteView(ObjectActionView):
    model = Org
    action = Action.DELETE
    title = "删除组织"
    message = "删除“{object}”？只有误建且没有任何数据的组织可以删除。"
    button = "删除"
    danger = True
    success_message = "已删除"

    def perform(self, obj: Org) -> Org | None:
        parent = obj.parent_org()
        services.org_delete(actor=self.request.user, org=obj)
        return parent

    def success_url(self, obj: Org, result: Org | None) -> str:
        return result.get_absolute_url() if result is not None else reverse("orgs:org_tree")


# --- cadres ---------------------------------------------------------------------------------


def _positions_text(cadre: Cadre) -> str:
    return "；".join(f"{p.org.name}{p.title_label}" for p in getattr(cadre, "current_positions", []))


def _reach_text(cadre: Cadre) -> str:
    # ``reach`` is attached page by page by the ledger's ``with_reach`` (R1, one query per page).
    reach = getattr(cadre, "reach", None)
    if reach is None:
        return ""
    from qingnong.wxgroups.choices import REACH_TARGET

    return f"{reach}/{REACH_TARGET}" + ("" if reach >= REACH_TARGET else f"（差{REACH_TARGET - reach}）")


class CadreReachFilterForm(CadreFilterForm):
    reach = forms.ChoiceField(
        label="联系青年", choices=[("", "全部"), ("below", "未达20人"), ("met", "已达20人")], required=False
    )


class CadreListView(ObjectListView):
    model = Cadre
    title = "团干部"
    filter_form_class = CadreReachFilterForm
    export_name = "团干部"
    add_url_name = "orgs:cadre_add"
    columns = [
        Column("name", "姓名"),
        Column("org.name", "所属组织"),
        Column(_positions_text, "现任职务"),
        Column(_reach_text, "联系青年"),
        Column("phone", "手机号", personal="phone"),
        Column(lambda c: c.get_gender_display() if c.gender else "", "性别", css="qn-hide-phone"),
        Column("birth_year", "出生年份", css="qn-hide-phone"),
        Column("wechat_id", "微信号", personal="text", export_only=True),
        Column("is_active", "在任", export_only=True),
    ]

    def selector(self, user: Any, filters: dict[str, Any]) -> QuerySet[Cadre]:
        from qingnong.wxgroups.selectors import filter_by_reach, with_reach

        qs = selectors.cadre_list(user=user, filters=filters)
        if filters.get("reach") in ("below", "met"):
            qs = filter_by_reach(qs, below=filters["reach"] == "below")
        return with_reach(qs)


class CadreDetailView(ObjectDetailView):
    model = Cadre
    template_name = "orgs/cadre_detail.html"

    def base_queryset(self) -> QuerySet[Cadre]:
        return Cadre.objects.select_related("org")

    def get_context(self, obj: Cadre) -> dict[str, Any]:
        user = self.request.user
        return {
            "positions": obj.positions.select_related("org").order_by("-end_date", "org__path"),
            "can_change": path_in_scope(user, Action.CHANGE, obj.org.path),
            "can_delete": path_in_scope(user, Action.DELETE, obj.org.path),
            "extra_panels": cadre_detail_panels(self.request, obj),
        }


# Other apps (e.g. the 三群 ledger's reach toward 20 youth) add panels to the cadre page here,
# and links to their pages about an org (groups, accounts) to the org page: callables (request, obj) -> html.
CADRE_PANELS: list[Any] = []
ORG_PANELS: list[Any] = []


def cadre_detail_panels(request: HttpRequest, cadre: Cadre) -> list[str]:
    return [panel(request, cadre) for panel in CADRE_PANELS]


class CadreCreateView(ObjectEditView):
    model = Cadre
    form_class = CadreForm
    action = Action.ADD
    title_create = "新增团干部"

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        kwargs = super().form_kwargs(obj)
        org_pk = self.request.GET.get("org")
        if org_pk and org_pk.isdigit():
            kwargs["initial_org"] = (
                Org.objects.restrict(self.request.user, Action.ADD).filter(pk=org_pk).first()
            )
        return kwargs

    def perform(self, form: CadreForm, obj: None) -> Cadre:
        data = dict(form.cleaned_data)
        return services.cadre_create(
            actor=self.request.user, org=data.pop("org"), name=data.pop("name"), **data
        )


class CadreEditView(ObjectEditView):
    model = Cadre
    form_class = CadreForm
    title_edit = "修改团干部"

    def perform(self, form: CadreForm, obj: Cadre) -> Cadre:
        return services.cadre_update(actor=self.request.user, cadre=obj, data=form.cleaned_data)


class CadreDeleteView(ObjectActionView):
    model = Cadre
    action = Action.DELETE
    title = "删除团干部"
    message = "删除“{object}”及其任职记录？已离任的干部请改为修改“在任”。"
    button = "删除"
    danger = True
    success_message = "已删除"

    def perform(self, obj: Cadre) -> None:
        services.cadre_delete(actor=self.request.user, cadre=obj)

    def success_url(self, obj: Cadre, result: Any) -> str:
        return reverse("orgs:cadre_list")


class PositionCreateView(ObjectEditView):
    model = Cadre
    form_class = PositionForm
    action = Action.VIEW
    title_create = "新增任职"

    def get_object_or_none(self) -> None:
        self.cadre = object_or_404(self.get_queryset(), pk=self.kwargs["cadre_pk"])
        return None

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        return {**super().form_kwargs(obj), "initial": {"org": self.cadre.org}}

    def cancel_url(self, obj: Any) -> str:
        return self.cadre.get_absolute_url()

    def success_url(self, obj: Position) -> str:
        return self.cadre.get_absolute_url()

    def perform(self, form: PositionForm, obj: None) -> Position:
        data = dict(form.cleaned_data)
        return services.position_create(
            actor=self.request.user, cadre=self.cadre, org=data.pop("org"), title=data.pop("title"), **data
        )


class PositionEditView(ObjectEditView):
    model = Position
    form_class = PositionForm
    title_edit = "修改任职"

    def success_url(self, obj: Position) -> str:
        return obj.cadre.get_absolute_url()

    def cancel_url(self, obj: Position) -> str:
        return obj.cadre.get_absolute_url()

    def perform(self, form: PositionForm, obj: Position) -> Position:
        data = {k: v for k, v in form.cleaned_data.items() if k != "org"}
        return services.position_update(actor=self.request.user, position=obj, data=data)


class PositionEndView(ObjectActionView):
    model = Position
    title = "离任"
    message = "为“{object}”办理离任（离任日期为今天）？"
    button = "离任"
    success_message = "已离任"

    def perform(self, obj: Position) -> Position:
        return services.position_end(actor=self.request.user, position=obj)

    def success_url(self, obj: Position, result: Any) -> str:
        return obj.cadre.get_absolute_url()


class PositionDeleteView(ObjectActionView):
    model = Position
    action = Action.DELETE
    title = "删除任职记录"
    message = "删除任职记录“{object}”？"
    button = "删除"
    danger = True
    success_message = "已删除"

    def perform(self, obj: Position) -> None:
        services.position_delete(actor=self.request.user, position=obj)

    def success_url(self, obj: Position, result: Any) -> str:
        return obj.cadre.get_absolute_url()


# --- users and grants -----------------------------------------------------------------------


def _grants_text(user: User) -> str:
    return "；".join(f"{g.org.name}·{g.get_role_display()}" for g in user.grants.all())


class UserListView(ObjectListView):
    model = User
    action = Action.MANAGE_USERS
    title = "用户与授权"
    filter_form_class = UserFilterForm
    export_name = "用户"
    add_url_name = "orgs:user_add"
    columns = [
        Column("username", "用户名"),
        Column("display_name", "名称"),
        Column("home_org.name", "所属组织"),
        Column(_grants_text, "授权"),
        Column(lambda u: "启用" if u.is_active else "停用", "状态"),
        Column("last_login", "最近登录", css="qn-hide-phone"),
    ]

    def selector(self, user: Any, filters: dict[str, Any]) -> QuerySet[User]:
        return selectors.user_list(user=user, filters=filters)


class UserDetailView(ObjectDetailView):
    model = User
    action = Action.MANAGE_USERS
    template_name = "orgs/user_detail.html"

    def get_context(self, obj: User) -> dict[str, Any]:
        return {
            "grants": obj.grants.select_related("org", "granted_by").order_by("org__path"),
            "grant_form": GrantForm(user=self.request.user),
        }


class UserCreateView(ObjectEditView):
    model = User
    form_class = UserForm
    action = Action.MANAGE_USERS
    title_create = "新增用户"

    def perform(self, form: UserForm, obj: None) -> User:
        return services.user_create(actor=self.request.user, **form.cleaned_data)


class UserEditView(ObjectEditView):
    model = User
    form_class = UserForm
    action = Action.MANAGE_USERS
    title_edit = "修改用户"

    def perform(self, form: UserForm, obj: User) -> User:
        data = {k: v for k, v in form.cleaned_data.items() if k in services.USER_FIELDS}
        return services.user_update(actor=self.request.user, user=obj, data=data)


class UserPasswordResetView(ObjectEditView):
    model = User
    form_class = PasswordResetByAdminForm
    action = Action.MANAGE_USERS
    title_edit = "重置密码"
    success_message = "密码已重置"

    def perform(self, form: PasswordResetByAdminForm, obj: User) -> User:
        return services.user_set_password(
            actor=self.request.user, user=obj, password=form.cleaned_data["password"]
        )


class UserDisableView(ObjectActionView):
    model = User
    action = Action.MANAGE_USERS
    title = "停用账号"
    message = "停用“{object}”？停用后不能登录，其 API 令牌也失效。"
    button = "停用"
    danger = True
    success_message = "已停用"

    def perform(self, obj: User) -> User:
        return services.user_set_active(actor=self.request.user, user=obj, active=False)


class UserEnableView(UserDisableView):
    title = "启用账号"
    message = "重新启用“{object}”？"
    button = "启用"
    danger = False
    success_message = "已启用"

    def perform(self, obj: User) -> User:
        return services.user_set_active(actor=self.request.user, user=obj, active=True)


class GrantCreateView(ObjectEditView):
    model = User
    form_class = GrantForm
    action = Action.MANAGE_USERS
    title_create = "新增授权"
    success_message = "已授权"

    def get_object_or_none(self) -> None:
        self.target = object_or_404(self.get_queryset(), pk=self.kwargs["user_pk"])
        return None

    def cancel_url(self, obj: Any) -> str:
        return self.target.get_absolute_url()

    def success_url(self, obj: ScopeGrant) -> str:
        return self.target.get_absolute_url()

    def perform(self, form: GrantForm, obj: None) -> ScopeGrant:
        return services.grant_create(actor=self.request.user, user=self.target, **form.cleaned_data)


class GrantDeleteView(ObjectActionView):
    model = ScopeGrant
    action = Action.MANAGE_USERS
    title = "撤销授权"
    message = "撤销授权“{object}”？"
    button = "撤销"
    danger = True
    success_message = "已撤销授权"

    def perform(self, obj: ScopeGrant) -> None:
        services.grant_delete(actor=self.request.user, grant=obj)

    def success_url(self, obj: ScopeGrant, result: Any) -> str:
        return obj.user.get_absolute_url()


class PasswordChange(PasswordChangeView):
    """The user's own password: Django's form checks, the service writes and audits."""

    form_class = QingnongPasswordChangeForm
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form: QingnongPasswordChangeForm) -> HttpResponse:
        try:
            services.user_set_password(
                actor=self.request.user, user=self.request.user, password=form.cleaned_data["new_password1"]
            )
        except ValidationError as exc:
            form.add_error("new_password1", exc)
            return self.form_invalid(form)
        from django.contrib.auth import update_session_auth_hash

        update_session_auth_hash(self.request, self.request.user)
        messages.success(self.request, "密码已修改")
        return HttpResponseRedirect(self.get_success_url())


# --- audit ----------------------------------------------------------------------------------


class AuditListView(ObjectListView):
    model = AuditEntry
    action = Action.MANAGE_USERS
    title = "操作记录"
    filter_form_class = AuditFilterForm
    export_name = "操作记录"
    columns = [
        Column(lambda e: timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"), "时间"),
        Column("actor_name", "操作人"),
        Column("action_label", "操作"),
        Column("object_repr", "对象"),
        Column("ip", "来源地址", css="qn-hide-phone"),
    ]

    def selector(self, user: Any, filters: dict[str, Any]) -> QuerySet[AuditEntry]:
        qs = AuditEntry.objects.restrict(user, Action.MANAGE_USERS)
        action = filters.get("action")
        if action:
            # A declared action exactly ("orgs.cadre.import" is not "…import_update"), else a prefix.
            qs = qs.filter(action=action) if is_declared(action) else qs.filter(action__startswith=action)
        if filters.get("actor"):
            qs = qs.filter(actor_name__icontains=filters["actor"])
        tz = timezone.get_current_timezone()
        if filters.get("since"):
            qs = qs.filter(at__gte=datetime.datetime.combine(filters["since"], datetime.time.min, tz))
        if filters.get("until"):
            qs = qs.filter(at__lt=datetime.datetime.combine(filters["until"], datetime.time.max, tz))
        return qs
