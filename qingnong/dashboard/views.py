"""The home page and the dashboard: KPI cards, the campaign timeline, children ranked by an indicator, the
late list, charts, and the exports of every table. Scoped to the user's subtrees (``?org=`` outside = 404)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views import View

from qingnong.core.permissions import Action
from qingnong.core.scoping import grant_paths, path_in_scope
from qingnong.core.views import ScopedViewMixin, object_or_404
from qingnong.orgs.choices import OrgLevel, OrgStatus
from qingnong.orgs.models import Org, ScopeGrant
from qingnong.orgs.selectors import org_roots_for
from qingnong.wxgroups.choices import GroupStatus, GroupType

from . import selectors, tables
from .exports import FORMATS, table_response

PHONE_LEVELS = frozenset({OrgLevel.TOWNSHIP, OrgLevel.GRASSROOTS})


def phone_landing(user: Any) -> str | None:
    """Where a grassroots cadre lands: a user linked to a cadre whose grants are all at township or village
    level goes to the phone page 我的群 (when that page exists); everyone else gets the dashboard."""
    if not getattr(user, "cadre_id", None) or user.is_superuser:
        return None
    levels = set(
        ScopeGrant.objects.filter(user=user, org__status=OrgStatus.ACTIVE).values_list(
            "org__level", flat=True
        )
    )
    if not levels or not levels <= PHONE_LEVELS:
        return None
    try:
        return reverse("wxgroups:my_groups")
    except NoReverseMatch:
        return None


@login_required
def home(request: HttpRequest) -> HttpResponseBase:
    target = phone_landing(request.user)
    if target:
        return HttpResponseRedirect(target)
    if grant_paths(request.user, Action.VIEW) == []:
        return render(request, "dashboard/no_grant.html", {"title": "首页"})
    return DashboardView.as_view()(request)


class BoardMixin(ScopedViewMixin):
    """Finds the org of ``?org=`` inside the user's scope (404 outside), or the user's first root."""

    model = Org

    def current_org(self) -> Org:
        pk = self.request.GET.get("org")
        if pk:
            org: Org = object_or_404(self.get_queryset().filter(status=OrgStatus.ACTIVE), pk=pk)
            return org
        root = org_roots_for(self.request.user, self.action).filter(status=OrgStatus.ACTIVE).first()
        if root is None:
            raise Http404("没有可访问的组织")
        return root

    def board(
        self, org: Org, *, evidence_limit: int | None = selectors.PAGE_EVIDENCE, wait: bool = False
    ) -> selectors.Dashboard:
        return selectors.dashboard_for(
            user=self.request.user,
            org=org,
            today=timezone.localdate(),
            evidence_limit=evidence_limit,
            fresh=self.request.GET.get("fresh") == "1",
            wait=wait,
        )

    def crumbs(self, org: Org) -> list[Org]:
        # The org's own path in the list keeps one query even for a root (same count at any depth).
        return list(
            Org.objects.restrict(self.request.user, Action.VIEW)
            .filter(path__in=[*org.ancestor_paths(), org.path])
            .exclude(pk=org.pk)
        )

    def indicator(self, board: selectors.Dashboard) -> str:
        wanted = self.request.GET.get("indicator", "")
        keys = {i.key for i in selectors.indicators(board)}
        return wanted if wanted in keys else selectors.default_indicator(board)

    def descending(self) -> bool:
        return self.request.GET.get("order", "desc") != "asc"


def _chart_data(
    board: selectors.Dashboard, matrix: dict[tuple[str, str], int], trend: selectors.Trend
) -> dict:
    coverage = None
    r2 = board.reports.get("R2")
    if r2 is not None:
        named = [(c.org.name, c.results.get("R2")) for c in board.children]
        coverage = {
            "names": [name for name, r in named if r is not None],
            "values": [r.value for _name, r in named if r is not None],
            "target": board.campaign.tuanqing_coverage_pct if board.campaign else None,
        }
    statuses = [(s, str(label)) for s, label in GroupStatus.choices]
    groups = {
        "types": [str(label) for _t, label in GroupType.choices],
        "series": [
            {"name": label, "data": [matrix.get((t, s), 0) for t, _l in GroupType.choices]}
            for s, label in statuses
        ],
    }
    lines = {
        "days": [d.isoformat() for d in trend.days],
        "series": [
            {
                "key": key,
                "name": tables.key_label(key),
                "data": values,
                "percent": key in board.reports,
            }
            for key, values in trend.series.items()
        ],
    }
    return {"coverage": coverage, "groups": groups, "trend": lines}


class DashboardView(BoardMixin, View):
    template_name = "dashboard/dashboard.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        org = self.current_org()
        board = self.board(org)
        if request.GET.get("part") == "status":
            # The "being computed" notice polls here; the page reloads once the figures exist.
            if board.pending:
                return render(request, "dashboard/_computing.html", {"org": org})
            response = HttpResponse("")
            response["HX-Refresh"] = "true"
            return response
        if board.pending:
            return render(
                request,
                "dashboard/computing.html",
                {"title": "数据看板", "board": board, "org": org, "crumbs": self.crumbs(org)},
            )
        indicator = self.indicator(board)
        descending = self.descending()
        context: dict[str, Any] = {
            "title": "数据看板",
            "board": board,
            "org": org,
            "indicator": indicator,
            "indicators": selectors.indicators(board),
            "descending": descending,
            "ranking": selectors.ranking(board, indicator, descending=descending),
            "can_export": path_in_scope(request.user, Action.EXPORT, org.path),
            "formats": FORMATS,
            "evidence_cap": selectors.PAGE_EVIDENCE,
        }
        if request.GET.get("part") == "ranking":
            return render(request, "dashboard/_ranking.html", context)
        matrix = board.matrix
        start = board.campaign.survey_start if board.campaign else board.today.replace(month=1, day=1)
        trend = selectors.trend(
            org, start=min(start, board.today), end=board.today, keys=selectors.trend_keys(board)
        )
        roots = list(org_roots_for(request.user).filter(status=OrgStatus.ACTIVE)[:50])
        context.update(
            {
                "kpis": selectors.kpi_cards(board),
                "late_groups": selectors.late_groups(board),
                "timeline": selectors.timeline_rows(board),
                "groups": tables.group_sheet(matrix),
                "charts": _chart_data(board, matrix, trend),
                "has_trend": bool(trend.days),
                "crumbs": self.crumbs(org),
                "roots": roots if len(roots) > 1 else [],
                "child_level": board.children[0].org.get_level_display() if board.children else "",
            }
        )
        return render(request, self.template_name, context)


EXPORTS = ("ranking", "late", "timeline", "groups", "trend")


class DashboardExportView(BoardMixin, View):
    """Every table of the dashboard as CSV or xlsx; the late list with all of its evidence rows."""

    action = Action.EXPORT

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        table = kwargs["table"]
        fmt = request.GET.get("format", "csv")
        if table not in EXPORTS or fmt not in FORMATS:
            raise Http404("没有这个表")
        org = self.current_org()
        # Only the late list needs every evidence row; the other tables are the page's own figures.
        late = table == "late"
        board = self.board(org, evidence_limit=None if late else selectors.PAGE_EVIDENCE, wait=not late)
        name = tables.stamp(board)
        if table == "ranking":
            sheets = [tables.ranking_sheet(board, self.indicator(board), self.descending())]
            name = f"下级组织排名-{name}"
        elif table == "late":
            sheets = tables.late_sheets(board)
            name = f"逾期清单-{name}"
        elif table == "timeline":
            sheets = [tables.timeline_sheet(board)]
            name = f"时间节点-{name}"
        elif table == "groups":
            sheets = [tables.group_sheet(board.matrix)]
            name = f"微信群类型与状态-{name}"
        else:
            start = board.campaign.survey_start if board.campaign else board.today.replace(month=1, day=1)
            data = selectors.trend(
                org, start=min(start, board.today), end=board.today, keys=selectors.trend_keys(board)
            )
            sheets = [tables.trend_sheet(data)]
            name = f"趋势-{name}"
        return table_response(fmt, filename=name, sheets=sheets)
