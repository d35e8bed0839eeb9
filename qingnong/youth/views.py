"""Pages of the youth registry: the desktop list, the record, edit and merge, and 我的青年 on a phone."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from qingnong.core.forms import ScopedForm
from qingnong.core.permissions import Action
from qingnong.core.scoping import path_in_scope
from qingnong.core.views import (
    Column,
    ObjectActionView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedViewMixin,
)
from qingnong.orgs.models import Org

from . import selectors, services
from .forms import YouthFilterForm, YouthForm, YouthMergeForm
from .models import Youth


class YouthListView(ObjectListView):
    model = Youth
    title = "青年名册"
    filter_form_class = YouthFilterForm
    export_name = "青年名册"
    add_url_name = "youth:youth_add"
    columns = [
        Column("name", "姓名"),
        Column("home_org.name", "所属组织"),
        Column("phone", "手机号", personal="phone"),
        Column(lambda y: "是" if y.is_league_member else "", "团员"),
        Column(
            lambda y: y.get_whereabouts_display() + (f"·{y.away_place}" if y.away_place else ""), "在乡/在外"
        ),
        Column("categories_text", "类别", css="qn-hide-phone"),
        Column("liaison.name", "联系人", css="qn-hide-phone"),
        Column("wechat_id", "微信号", personal="text", export_only=True),
        Column(lambda y: y.get_gender_display() if y.gender else "", "性别", export_only=True),
        Column("birth_year", "出生年份", export_only=True),
        Column("occupation", "职业", export_only=True),
        Column("industry", "行业", export_only=True),
        Column("interests", "兴趣", export_only=True),
        Column(lambda y: "、".join(y.tags or []), "标签", export_only=True),
        Column(lambda y: y.get_source_display(), "来源", export_only=True),
        Column("home_org.path", "组织路径编码", export_only=True),
    ]

    def selector(self, user: Any, filters: dict[str, Any]) -> QuerySet[Youth]:
        return selectors.youth_list(user=user, filters=filters)


class YouthDetailView(ObjectDetailView):
    model = Youth
    template_name = "youth/youth_detail.html"

    def base_queryset(self) -> QuerySet[Youth]:
        return Youth.objects.select_related("home_org", "liaison")

    def get_context(self, obj: Youth) -> dict[str, Any]:
        user = self.request.user
        return {
            "memberships": obj.memberships.select_related("group", "group__org").order_by("group__name"),
            "can_change": path_in_scope(user, Action.CHANGE, obj.home_org.path),
            "can_delete": path_in_scope(user, Action.DELETE, obj.home_org.path),
        }


def _default_org(request: HttpRequest) -> Org | None:
    qs = Org.objects.restrict(request.user, Action.ADD)
    org_pk = request.GET.get("org")
    if org_pk and org_pk.isdigit():
        return qs.filter(pk=org_pk).first()
    cadre = getattr(request.user, "cadre", None)
    if cadre is not None:
        return qs.filter(pk=cadre.org_id).first()
    return None


class YouthCreateView(ObjectEditView):
    model = Youth
    form_class = YouthForm
    action = Action.ADD
    title_create = "登记青年"
    success_message = "已登记"

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        return {**super().form_kwargs(obj), "initial_org": _default_org(self.request)}

    template_name = "youth/youth_form.html"
    duplicate: Youth | None = None

    def perform(self, form: YouthForm, obj: None) -> Youth:
        data = dict(form.cleaned_data)
        try:
            return services.youth_create(
                actor=self.request.user, home_org=data.pop("home_org"), name=data.pop("name"), **data
            )
        except services.DuplicateYouth as exc:
            if path_in_scope(self.request.user, Action.VIEW, exc.existing.home_org.path):
                self.duplicate = exc.existing
            raise

    def context(self, form: Any, obj: Any) -> dict[str, Any]:
        return {**super().context(form, obj), "duplicate": self.duplicate}


class YouthEditView(ObjectEditView):
    model = Youth
    form_class = YouthForm
    title_edit = "修改青年信息"

    template_name = "youth/youth_form.html"
    duplicate: Youth | None = None

    def perform(self, form: YouthForm, obj: Youth) -> Youth:
        try:
            return services.youth_update(actor=self.request.user, youth=obj, data=dict(form.cleaned_data))
        except services.DuplicateYouth as exc:
            if path_in_scope(self.request.user, Action.VIEW, exc.existing.home_org.path):
                self.duplicate = exc.existing
            raise

    def context(self, form: Any, obj: Any) -> dict[str, Any]:
        return {**super().context(form, obj), "duplicate": self.duplicate}


class YouthMergeView(ObjectEditView):
    """An admin merges a duplicate record into this one."""

    model = Youth
    form_class = YouthMergeForm
    action = Action.DELETE
    title_edit = "合并重复记录"
    success_message = "已合并"

    def perform(self, form: ScopedForm, obj: Youth) -> Youth:
        text = form.cleaned_data["duplicate"].strip()
        qs = Youth.objects.restrict(self.request.user, Action.DELETE).select_related("home_org")
        match = re.search(r"#?(\d+)$", text)
        duplicate = None
        if text.lstrip("#").isdigit() and len(text.lstrip("#")) == 11:
            duplicate = qs.filter(phone=text.lstrip("#")).first()
        elif match:
            duplicate = qs.filter(pk=int(match.group(1))).first()
        if duplicate is None:
            raise ValidationError({"duplicate": "找不到该记录，或它不在您的管辖范围内"})
        return services.youth_merge(actor=self.request.user, keep=obj, duplicate=duplicate)


class YouthDeleteView(ObjectActionView):
    model = Youth
    action = Action.DELETE
    title = "删除青年记录"
    message = "删除“{object}”？只用于误录的记录；重复的记录请用“合并”。"
    button = "删除"
    danger = True
    success_message = "已删除"

    def perform(self, obj: Youth) -> None:
        services.youth_delete(actor=self.request.user, youth=obj)

    def success_url(self, obj: Youth, result: Any) -> str:
        return reverse("youth:youth_list")


class MyYouthView(ScopedViewMixin, View):
    """我的青年: the youth I reach through my groups and as liaison, with the count toward 20 (R1)."""

    model = Youth

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from qingnong.wxgroups.selectors import REACH_TARGET, cadre_reach, my_cadre

        cadre = my_cadre(request.user)
        youth = list(selectors.my_youth(user=request.user).order_by("name")[:1000])
        reach = cadre_reach([cadre.pk]).get(cadre.pk, 0) if cadre is not None else 0
        context = {
            "title": "我的青年",
            "cadre": cadre,
            "youth": youth,
            "reach": reach,
            "target": REACH_TARGET,
            "gap": max(REACH_TARGET - reach, 0),
        }
        return render(request, "youth/my_youth.html", context)
