"""Pages of the automatic replies and the custom menu."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from qingnong.core.permissions import Action
from qingnong.core.scoping import path_in_scope
from qingnong.core.views import Column, ObjectActionView, ObjectEditView, ObjectListView, object_or_404

from .. import services
from ..choices import RuleKind
from ..forms import MenuForm, RuleForm
from ..models import Menu, OfficialAccount, ReplyRule

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
