"""Pages of the 三群 ledger: the desktop ledger, the cadre's phone pages, live codes."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Length, Substr
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from qingnong.core.permissions import Action
from qingnong.core.scoping import path_in_scope
from qingnong.core.views import (
    Column,
    ObjectActionView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedViewMixin,
    object_or_404,
)
from qingnong.orgs.choices import PositionTitle
from qingnong.orgs.models import Cadre, Org, Position

from . import selectors, services
from .choices import GroupType
from .forms import (
    AddMembersForm,
    GapFilterForm,
    GroupFilterForm,
    GroupForm,
    LiveCodeForm,
    MemberCountForm,
    QrForm,
)
from .models import ChatGroup, GroupMembership, LiveCode


def _qr_state(group: ChatGroup) -> str:
    if not group.qr_image:
        return "未上传"
    return "有效" if group.qr_is_valid() else "已过期"


def _date(value: Any) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


class GroupListView(ObjectListView):
    """The desktop ledger (台账) of groups: filter by type, status, subtree, QR expired, below target."""

    model = ChatGroup
    title = "微信群台账"
    filter_form_class = GroupFilterForm
    export_name = "微信群台账"
    add_url_name = "wxgroups:group_add"
    columns = [
        Column("name", "群名称"),
        Column(lambda g: g.get_group_type_display(), "类型"),
        Column("org.name", "所属组织"),
        Column(lambda g: g.get_status_display(), "状态"),
        Column("owner.name", "群主"),
        Column("member_count", "成员数"),
        Column(lambda g: _date(g.member_count_as_of), "成员数截至", css="qn-hide-phone"),
        Column(_qr_state, "二维码"),
        Column(lambda g: _date(g.founded_on), "建群日期", css="qn-hide-phone"),
        Column("org.path", "组织路径编码", export_only=True),
        Column(lambda g: "、".join(g.bases_labels()), "组建基础", export_only=True),
        Column(lambda g: g.category_label if g.category else "", "专属类别", export_only=True),
        Column("owner.phone", "群主手机号", personal="phone", export_only=True),
        Column("function", "功能", export_only=True),
        Column(
            lambda g: (
                timezone.localtime(g.qr_uploaded_at).strftime("%Y-%m-%d %H:%M") if g.qr_uploaded_at else ""
            ),
            "二维码上传时间",
            export_only=True,
        ),
        Column("wecom_chat_id", "企业微信群ID", export_only=True),
    ]

    def selector(self, user: Any, filters: dict[str, Any]) -> QuerySet[ChatGroup]:
        return selectors.group_list(user=user, filters=filters)

    template_name = "wxgroups/group_list.html"


def _parent_name(levels_up: int) -> Subquery:
    """The name of the org ``levels_up`` above the row's org, as a subquery (no query per row)."""
    return Subquery(
        Org.objects.filter(path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - 4 * levels_up)).values(
            "name"
        )[:1]
    )


class GapListView(ObjectListView):
    """R2 gaps: villages (optionally direct orgs) in scope without a built 团青 group; exportable."""

    model = Org
    title = "没有团青微信群的村"
    filter_form_class = GapFilterForm
    export_name = "没有团青群的村"
    columns = [
        Column("name", "村（组织）"),
        Column("_town", "乡镇"),
        Column("_county", "县（市、区）"),
        Column("_secretary", "书记 / 负责人"),
        Column("_secretary_phone", "联系电话", personal="phone"),
        Column("division_code", "区划代码", css="qn-hide-phone"),
    ]

    def selector(self, user: Any, filters: dict[str, Any]) -> QuerySet[Org]:
        qs = selectors.villages_without_tuanqing(
            user=user, under=filters.get("under"), include_direct=bool(filters.get("include_direct"))
        )
        leader = (
            Position.objects.current()
            .filter(org=OuterRef("pk"), title__in=[PositionTitle.SECRETARY, PositionTitle.LEADER])
            .order_by("title", "pk")
        )
        return qs.annotate(
            _town=_parent_name(1),
            _county=_parent_name(2),
            _secretary=Subquery(leader.values("cadre__name")[:1]),
            _secretary_phone=Subquery(leader.values("cadre__phone")[:1]),
        ).order_by("path")


class GroupDetailView(ObjectDetailView):
    model = ChatGroup
    template_name = "wxgroups/group_detail.html"

    def base_queryset(self) -> QuerySet[ChatGroup]:
        return ChatGroup.objects.select_related("org", "owner")

    def get_context(self, obj: ChatGroup) -> dict[str, Any]:
        user = self.request.user
        members = list(
            obj.memberships.select_related("youth", "cadre", "youth__home_org", "cadre__org").order_by(
                "cadre_id", "-created_at"
            )[:500]
        )
        completeness = selectors.qingnong_completeness(obj) if obj.group_type == GroupType.QINGNONG else None
        codes = list(obj.live_codes.filter(is_active=True).order_by("-is_default", "pk"))
        return {
            "members": members,
            "member_total": obj.memberships.count(),
            "completeness": completeness,
            "codes": codes,
            "badges": selectors.group_badges([obj])[obj.pk],
            "admins": list(obj.admins.all()),
            "can_change": obj.is_live and path_in_scope(user, Action.CHANGE, obj.org.path),
            "can_view_personal": path_in_scope(user, Action.VIEW_PERSONAL, obj.org.path),
            "display_path": obj.org.display_path(),
            "reach": selectors.cadre_reach([obj.owner_id]).get(obj.owner_id, 0) if obj.owner_id else None,
        }


def _default_org(request: HttpRequest) -> Org | None:
    org_pk = request.GET.get("org")
    qs = Org.objects.restrict(request.user, Action.ADD)
    if org_pk and org_pk.isdigit():
        return qs.filter(pk=org_pk).first()
    cadre = selectors.my_cadre(request.user)
    if cadre is not None:
        return qs.filter(pk=cadre.org_id).first()
    home = getattr(request.user, "home_org_id", None)
    return qs.filter(pk=home).first() if home else None


class GroupCreateView(ObjectEditView):
    """Register a group in one form, QR photo included (camera or album on a phone)."""

    model = ChatGroup
    form_class = GroupForm
    action = Action.ADD
    title_create = "登记微信群"
    success_message = "微信群已登记"

    def get_object_or_none(self) -> None:
        return None

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        return {**super().form_kwargs(obj), "initial_org": _default_org(self.request)}

    def cancel_url(self, obj: Any) -> str:
        return reverse("wxgroups:my_groups")

    def perform(self, form: GroupForm, obj: None) -> ChatGroup:
        data = dict(form.cleaned_data)
        owner = data.pop("owner") or selectors.my_cadre(self.request.user)
        return services.group_create(
            actor=self.request.user,
            org=data.pop("org"),
            name=data.pop("name"),
            group_type=data.pop("group_type"),
            owner=owner,
            admins=data.pop("admins") or [],
            qr_upload=data.pop("qr_image", None) or None,
            **data,
        )


class GroupEditView(ObjectEditView):
    model = ChatGroup
    form_class = GroupForm
    title_edit = "修改微信群"

    def perform(self, form: GroupForm, obj: ChatGroup) -> ChatGroup:
        data = dict(form.cleaned_data)
        admins = data.pop("admins")
        if data.get("owner") is None:
            data["owner"] = obj.owner
        return services.group_update(actor=self.request.user, group=obj, data=data, admins=admins)


class GroupQrView(ObjectEditView):
    model = ChatGroup
    form_class = QrForm
    title_edit = "上传群二维码"
    success_message = "二维码已更新，7 天内有效"

    def perform(self, form: QrForm, obj: ChatGroup) -> ChatGroup:
        return services.group_set_qr(actor=self.request.user, group=obj, upload=form.cleaned_data["qr_image"])


class GroupCountView(ObjectEditView):
    model = ChatGroup
    form_class = MemberCountForm
    title_edit = "更新群成员数"
    success_message = "群成员数已更新"

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        return {**super().form_kwargs(obj), "initial": {"member_count": obj.member_count}}

    def perform(self, form: MemberCountForm, obj: ChatGroup) -> ChatGroup:
        return services.group_set_member_count(
            actor=self.request.user, group=obj, member_count=form.cleaned_data["member_count"]
        )


class GroupMembersAddView(ObjectEditView):
    model = ChatGroup
    form_class = AddMembersForm
    title_edit = "添加群成员"
    success_message = "已添加"

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        return {**super().form_kwargs(obj), "group": obj}

    def perform(self, form: AddMembersForm, obj: ChatGroup) -> ChatGroup:
        data = form.cleaned_data
        services.members_add(
            actor=self.request.user,
            group=obj,
            youth=list(data.get("youth") or []),
            name=data.get("name", ""),
            phone=data.get("phone", ""),
            liaison=selectors.my_cadre(self.request.user),
        )
        return obj


class GroupAddCadreView(ObjectActionView):
    """One click from the 青农 completeness panel: add an expected member to the member list."""

    model = ChatGroup
    title = "添加到群成员"
    message = "把该团干部添加到“{object}”的成员名单？"
    button = "添加"
    success_message = "已添加到成员名单"

    def perform(self, obj: ChatGroup) -> Any:
        cadre = object_or_404(
            Cadre.objects.restrict(self.request.user, Action.VIEW), pk=self.kwargs["cadre_pk"]
        )
        return services.membership_add_cadre(actor=self.request.user, group=obj, cadre=cadre)


class MembershipRemoveView(ObjectActionView):
    model = GroupMembership
    title = "移出成员名单"
    message = "把“{object}”移出成员名单？"
    button = "移出"
    danger = True
    success_message = "已移出"

    def base_queryset(self) -> QuerySet[GroupMembership]:
        return GroupMembership.objects.select_related("group", "group__org", "youth", "cadre")

    def perform(self, obj: GroupMembership) -> None:
        services.membership_remove(actor=self.request.user, membership=obj)

    def success_url(self, obj: GroupMembership, result: Any) -> str:
        return obj.group.get_absolute_url()


class GroupDissolveView(ObjectActionView):
    model = ChatGroup
    title = "解散微信群"
    message = "登记“{object}”已解散？它保留在台账中，不再计入统计，活码会跳过它。"
    button = "已解散"
    danger = True
    success_message = "已标记为解散"

    def perform(self, obj: ChatGroup) -> ChatGroup:
        return services.group_dissolve(actor=self.request.user, group=obj)


# --- phone: 我的群 ----------------------------------------------------------------------------


class MyGroupsView(ScopedViewMixin, View):
    """我的群: the groups the cadre owns or administers, with badges, on a phone."""

    model = ChatGroup

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        groups = list(selectors.my_groups(user=request.user))
        badges = selectors.group_badges(groups)
        cadre = selectors.my_cadre(request.user)
        reach = selectors.cadre_reach([cadre.pk]).get(cadre.pk, 0) if cadre is not None else 0
        context = {
            "title": "我的群",
            "rows": [(g, badges[g.pk]) for g in groups],
            "cadre": cadre,
            "reach": reach,
            "target": selectors.REACH_TARGET,
            "total_members": sum(g.member_count for g in groups if g.is_live),
        }
        return render(request, "wxgroups/my_groups.html", context)


# --- live codes -----------------------------------------------------------------------------


class LiveCodeListView(ObjectListView):
    model = LiveCode
    title = "活码"
    export_name = "活码"
    columns = [
        Column("title", "名称"),
        Column("code", "短码"),
        Column("org.name", "所属组织"),
        Column(lambda c: c.get_mode_display(), "方式", css="qn-hide-phone"),
        Column(lambda c: "启用" if c.is_active else "停用", "状态"),
        Column(lambda c: c.visits_total or 0, "累计访问"),
        Column("public_url", "链接", export_only=True),
    ]

    def selector(self, user: Any, filters: dict[str, Any]) -> QuerySet[LiveCode]:
        return (
            LiveCode.objects.restrict(user, Action.VIEW)
            .select_related("org")
            .annotate(visits_total=Sum("visits__count"))
            .order_by("org__path", "title", "pk")
        )


class LiveCodeDetailView(ObjectDetailView):
    model = LiveCode
    template_name = "wxgroups/livecode_detail.html"

    def get_context(self, obj: LiveCode) -> dict[str, Any]:
        candidates = selectors.live_code_candidates(obj)
        now = timezone.now()
        return {
            "rows": [(g, selectors.group_is_joinable(g, now)) for g in candidates],
            "current": selectors.live_code_current_group(obj, now),
            "visits": list(obj.visits.order_by("-day")[:30]),
            "can_change": path_in_scope(self.request.user, Action.CHANGE, obj.org.path),
        }


class LiveCodeCreateView(ObjectEditView):
    model = LiveCode
    form_class = LiveCodeForm
    action = Action.ADD
    title_create = "新建活码"
    success_message = "活码已创建"

    def get_object_or_none(self) -> None:
        return None

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        return {**super().form_kwargs(obj), "initial_org": _default_org(self.request)}

    def perform(self, form: LiveCodeForm, obj: None) -> LiveCode:
        data = dict(form.cleaned_data)
        return services.livecode_create(
            actor=self.request.user,
            org=data.pop("org"),
            title=data.pop("title"),
            groups=list(data.pop("groups") or []),
            owner=selectors.my_cadre(self.request.user),
            **data,
        )


class LiveCodeEditView(ObjectEditView):
    model = LiveCode
    form_class = LiveCodeForm
    title_edit = "修改活码"

    def perform(self, form: LiveCodeForm, obj: LiveCode) -> LiveCode:
        data = dict(form.cleaned_data)
        groups = list(data.pop("groups") or [])
        return services.livecode_update(actor=self.request.user, live_code=obj, data=data, groups=groups)


class LiveCodeImageView(ScopedViewMixin, View):
    """The live code's QR as PNG or SVG, or its printable poster (PNG or PDF)."""

    model = LiveCode

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        from . import images

        code = self.get_object()
        kind = kwargs["kind"]
        url = code.public_url
        if kind == "qr.png":
            body, ctype = images.qr_png(url), "image/png"
        elif kind == "qr.svg":
            body, ctype = images.qr_svg(url), "image/svg+xml"
        else:
            subtitle = code.org.display_path()
            fmt = "pdf" if kind == "poster.pdf" else "png"
            body = images.poster_bytes(url=url, title=code.title, subtitle=subtitle, kind=fmt)
            ctype = "application/pdf" if fmt == "pdf" else "image/png"
        response = HttpResponse(body, content_type=ctype)
        if kind.startswith("poster"):
            from urllib.parse import quote

            response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(code.title)}-{kind}"
        return response
