"""Pages of followers and recruitment (per account and per org), and the cadres' own follows (R8) on the
phone, with the panels they add to the cadre and org pages."""

from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from qingnong.core.personal import can_view_personal, masked
from qingnong.core.views import Column, ObjectDetailView, ObjectListView, object_or_404
from qingnong.orgs.models import Cadre, Org

from .. import selectors, services
from ..forms import FollowerFilterForm
from ..models import Follower, OfficialAccount, QrCode


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
