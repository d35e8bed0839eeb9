"""Pages of the accounts: list, detail, registration, settings, secrets and the admin team."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import QuerySet

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
from ..forms import AccountFilterForm, AccountForm, AdminForm, SecretsForm
from ..models import AccountAdmin, OfficialAccount


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
