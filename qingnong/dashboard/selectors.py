"""Reads of the dashboard: an org's KPI cards, its children ranked by an indicator, the late list, the
timeline's statuses, the groups matrix and the trend from the snapshots.

Compliance figures come from the rules (``qingnong.campaign.rules_base``) and nothing else; counts come from
``metrics``. Whatever the size of the subtree the page costs a fixed number of queries: each registered rule's
own fixed queries, one GROUP BY per count metric, one for the groups matrix, one for the trend.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count

from qingnong.campaign.models import Campaign
from qingnong.campaign.rules_base import (
    MET,
    NO_DATA,
    NOT_DUE,
    NOT_MET,
    RULES,
    STATUS_LABELS,
    OrgResult,
    RuleContext,
    RuleReport,
    evaluate,
    rule_ids,
)
from qingnong.campaign.selectors import TimelineItem, campaign_for, campaign_timeline
from qingnong.core.figures import figures_get
from qingnong.core.permissions import Action
from qingnong.core.scoping import subtree_q
from qingnong.orgs.choices import OrgStatus
from qingnong.orgs.models import Org

from .metrics import METRIC_BY_KEY, METRICS, counts_by_child
from .models import MetricSnapshot, SnapshotRun

# Evidence rows kept per org on the page; exports ask for all of them.
PAGE_EVIDENCE = 10


@dataclass
class ChildRow:
    org: Org
    counts: dict[str, int | None]
    results: dict[str, OrgResult | None]


@dataclass
class Dashboard:
    """Everything the page shows for one org on one day. ``pending``: a large subtree whose figures are
    being computed in the background for the first time (nothing to show yet); ``stale``: the figures
    shown are older than the store's freshness, newer ones being computed."""

    org: Org
    today: datetime.date
    campaign: Campaign | None
    reports: dict[str, RuleReport]
    counts: dict[str, int | None]
    children: list[ChildRow]
    timeline: list[TimelineItem] = field(default_factory=list)
    figures_at: datetime.datetime | None = None
    matrix: dict[tuple[str, str], int] = field(default_factory=dict)
    pending: bool = False
    stale: bool = False
    refreshing: bool = False

    def rule_result(self, rule_id: str) -> OrgResult | None:
        report = self.reports.get(rule_id)
        return report.root if report else None


@dataclass
class BoardFigures:
    """The computed part of a dashboard, the same for every user: what the figures store keeps."""

    reports: dict[str, RuleReport]
    by_child: dict[str, dict[str, int] | None]
    matrix: dict[tuple[str, str], int]


def evaluate_all(
    campaign: Campaign,
    org: Org,
    today: datetime.date,
    *,
    depth: int = 1,
    evidence_limit: int | None = PAGE_EVIDENCE,
) -> dict[str, RuleReport]:
    """Every registered rule at ``org`` (whatever is registered now: R7, R8, R11, R12 join when added)."""
    ctx = RuleContext(campaign=campaign, root=org, today=today, depth=depth, evidence_limit=evidence_limit)
    return {rule_id: evaluate(rule_id, ctx) for rule_id in rule_ids()}


def board_figures(
    org: Org, campaign: Campaign | None, today: datetime.date, evidence_limit: int | None
) -> BoardFigures:
    reports = evaluate_all(campaign, org, today, evidence_limit=evidence_limit) if campaign else {}
    return BoardFigures(reports, counts_by_child(org.path, org.depth, today), group_matrix(org))


def board_key(org: Org, evidence_limit: int | None) -> str:
    return f"board:{org.pk}:{evidence_limit}"


def subtree_size(org: Org) -> int:
    return Org.objects.filter(subtree_q("path", org.path)).count()


def computed_in_background(org: Org) -> bool:
    """Whether the org's figures take too long to compute in a request (``DASHBOARD_LIVE_MAX_ORGS``)."""
    return subtree_size(org) > int(getattr(settings, "DASHBOARD_LIVE_MAX_ORGS", 2000))


def visible_children(user: Any, org: Org) -> list[Org]:
    return list(
        Org.objects.restrict(user, Action.VIEW)
        .filter(subtree_q("path", org.path), depth=org.depth + 1, status=OrgStatus.ACTIVE)
        .order_by("path")
    )


def dashboard_for(
    *,
    user: Any,
    org: Org,
    today: datetime.date,
    evidence_limit: int | None = PAGE_EVIDENCE,
    fresh: bool = False,
    wait: bool = False,
    live: bool = False,
) -> Dashboard:
    """The dashboard of ``org``: its rule reports and counts from the figures store (the same for every
    user, see ``qingnong.core.figures``), the children visible to ``user`` live. The page's figures of a
    large subtree are computed in the background (``refresh_dashboard_figures``); ``wait`` computes them
    here when none exist yet (an export asked for a file), ``live`` always (the background job itself)."""
    from .tasks import refresh_dashboard_figures

    campaign = campaign_for(org, on=today)
    version = f"{campaign.pk}:{campaign.updated_at.timestamp()}:{today}" if campaign else f"-:{today}"

    def compute() -> BoardFigures:
        return board_figures(org, campaign, today, evidence_limit)

    got = figures_get(
        board_key(org, evidence_limit),
        compute,
        version=version,
        fresh=fresh,
        refresh=lambda: refresh_dashboard_figures.delay(org.pk),
        in_background=lambda: not live and evidence_limit == PAGE_EVIDENCE and computed_in_background(org),
    )
    figures = got.value
    if figures is None and wait:
        figures = compute()
    board = Dashboard(
        org=org,
        today=today,
        campaign=campaign,
        reports={},
        counts={},
        children=[],
        timeline=campaign_timeline(campaign, today=today) if campaign else [],
        figures_at=got.at,
        pending=figures is None,
        stale=got.stale,
        refreshing=got.refreshing,
    )
    if figures is None:
        return board
    board.reports, board.matrix = figures.reports, figures.matrix
    by_child = figures.by_child
    board.counts = {
        key: (sum(values.values()) if values is not None else None) for key, values in by_child.items()
    }
    for child in visible_children(user, org):
        counts = {
            key: (values.get(child.path, 0) if values is not None else None)
            for key, values in by_child.items()
        }
        results = {rule_id: report.for_org(child.pk) for rule_id, report in board.reports.items()}
        board.children.append(ChildRow(child, counts, results))
    return board


# --- KPI cards ----------------------------------------------------------------------------------


@dataclass
class Kpi:
    key: str
    label: str
    value: Any  # None: 暂无数据
    unit: str = ""
    note: str = ""
    status: str = ""
    target: Any = None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, "")


def _rule_kpi(board: Dashboard, rule_id: str, label: str, note: str) -> Kpi:
    if board.campaign is None:
        return Kpi(rule_id, label, None, note="尚未设置年度工作")
    if rule_id not in RULES:
        return Kpi(rule_id, label, None, note=f"{rule_id} 尚未启用")
    result = board.rule_result(rule_id)
    if result is None or result.value is None:
        return Kpi(rule_id, label, None, note=f"{rule_id} 无数据", status=NO_DATA)
    return Kpi(
        rule_id,
        label,
        result.value,
        unit=result.unit,
        note=f"{rule_id} · 目标 {result.target}{result.unit}",
        status=result.status,
        target=result.target,
    )


def _count_kpi(board: Dashboard, key: str, label: str | None = None, note: str | None = None) -> Kpi:
    metric = METRIC_BY_KEY[key]
    return Kpi(
        key,
        label or metric.label,
        board.counts.get(key),
        metric.unit,
        note if note is not None else metric.help,
    )


def kpi_cards(board: Dashboard) -> list[Kpi]:
    counts = board.counts
    if counts.get("g_live") is None:
        groups_note = ""
    else:
        groups_note = (
            f"团青 {counts.get('g_tq', 0)} · 专属 {counts.get('g_ex', 0)} · 青农 {counts.get('g_qn', 0)}"
        )
    reach_target = board.campaign.reach_per_cadre if board.campaign else 20
    reached = _count_kpi(board, "reached")
    if counts.get("youth") is not None:
        reached.note = f"登记青年 {counts['youth']} 名"
    return [
        _count_kpi(board, "g_live", "微信群", groups_note),
        _rule_kpi(board, "R2", "团青微信群建群率", ""),
        _rule_kpi(board, "R3", "青农微信群完整率", ""),
        _rule_kpi(board, "R1", f"联系青年≥{reach_target}名的团干部", ""),
        reached,
        _rule_kpi(board, "R12", "活跃群占比", ""),
        _count_kpi(board, "subs"),
        _count_kpi(board, "posts_w"),
        _count_kpi(board, "acts_m"),
    ]


# --- indicators and ranking ---------------------------------------------------------------------


@dataclass
class Indicator:
    key: str
    label: str
    unit: str = ""
    is_rule: bool = False


def indicators(board: Dashboard) -> list[Indicator]:
    """What the children can be ranked by: every registered rule's value, then the counts."""
    items = []
    for rule_id, report in board.reports.items():
        unit = report.root.unit if report.root else next((r.unit for r in report.results), "")
        items.append(Indicator(rule_id, f"{rule_id} {RULES[rule_id][0]}", unit, True))
    items += [Indicator(m.key, m.label, m.unit) for m in METRICS if board.counts.get(m.key) is not None]
    return items


def default_indicator(board: Dashboard) -> str:
    if "R2" in board.reports:
        return "R2"
    if board.reports:
        return next(iter(board.reports))
    return "g_live"


@dataclass
class RankRow:
    rank: int | None
    org: Org
    value: Any
    target: Any = None
    unit: str = ""
    status: str = ""

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, "")


def ranking(board: Dashboard, indicator: str, *, descending: bool = True) -> list[RankRow]:
    """The children by ``indicator`` (best first unless ``descending`` is False); children the indicator
    gives no value for (the rule does not apply there, or no data) come last without a rank."""
    rows: list[RankRow] = []
    for child in board.children:
        if indicator in board.reports:
            result = child.results.get(indicator)
            if result is None:
                rows.append(RankRow(None, child.org, None))
            else:
                rows.append(RankRow(None, child.org, result.value, result.target, result.unit, result.status))
        else:
            metric = METRIC_BY_KEY.get(indicator)
            rows.append(
                RankRow(None, child.org, child.counts.get(indicator), unit=metric.unit if metric else "")
            )
    valued = [r for r in rows if r.value is not None]
    blank = [r for r in rows if r.value is None]
    # Equal values keep tree order.
    valued.sort(key=lambda r: (-r.value if descending else r.value, r.org.path))
    for i, row in enumerate(valued, start=1):
        row.rank = i
    return valued + blank


# --- late list ----------------------------------------------------------------------------------


@dataclass
class LateRow:
    rule: str
    title: str
    due: datetime.date | None
    result: OrgResult
    is_root: bool
    columns: list[tuple[str, str]]


def _evidence_key(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(sorted((k, str(v)) for k, v in row.items()))


def late_rows(board: Dashboard) -> list[LateRow]:
    """Who misses which due rule, with the evidence: each child whose result is not met, and the org itself
    when it is not met for reasons its children's rows do not already show (e.g. a city's own 专属 groups)."""
    rows: list[LateRow] = []
    for rule_id, report in board.reports.items():
        failing = [r for r in report.results if r.status == NOT_MET]
        for result in failing:
            rows.append(LateRow(rule_id, report.title, report.due, result, False, report.evidence_columns))
        root = report.root
        if root is not None and root.status == NOT_MET:
            shown = {_evidence_key(e) for r in failing for e in r.evidence}
            own = [e for e in root.evidence if _evidence_key(e) not in shown]
            if own or not failing:
                trimmed = dataclasses.replace(root, evidence=own)
                rows.insert(
                    len(rows) - len(failing),
                    LateRow(rule_id, report.title, report.due, trimmed, True, report.evidence_columns),
                )
    return rows


def late_groups(board: Dashboard) -> list[tuple[str, str, datetime.date | None, list[LateRow]]]:
    """The late list by rule: (rule, title, due, rows)."""
    groups: dict[str, tuple[str, str, datetime.date | None, list[LateRow]]] = {}
    for row in late_rows(board):
        groups.setdefault(row.rule, (row.rule, row.title, row.due, []))[3].append(row)
    return list(groups.values())


# --- timeline -----------------------------------------------------------------------------------


@dataclass
class MilestoneStatus:
    rule: str
    status: str
    value: Any
    unit: str

    @property
    def label(self) -> str:
        return STATUS_LABELS.get(self.status, "")


def timeline_rows(board: Dashboard) -> list[tuple[TimelineItem, list[MilestoneStatus]]]:
    """The campaign's phases and milestones with, for each milestone, the status of its rules here."""
    rows = []
    for item in board.timeline:
        statuses = []
        for rule_id in [r for r in item.rule.split("、") if r]:
            if rule_id not in RULES:
                statuses.append(MilestoneStatus(rule_id, NO_DATA, None, ""))
                continue
            result = board.rule_result(rule_id)
            if result is None:
                statuses.append(MilestoneStatus(rule_id, "", None, ""))
            else:
                statuses.append(MilestoneStatus(rule_id, result.status, result.value, result.unit))
        rows.append((item, statuses))
    return rows


# --- groups by type and status ------------------------------------------------------------------


def group_matrix(org: Org) -> dict[tuple[str, str], int]:
    """Groups in the subtree by (type, status): one query."""
    from qingnong.wxgroups.models import ChatGroup

    rows = (
        ChatGroup.objects.filter(subtree_q("org__path", org.path))
        .order_by()
        .values("group_type", "status")
        .annotate(n=Count("pk"))
        .values_list("group_type", "status", "n")
    )
    return {(gtype, status): int(n) for gtype, status, n in rows}


# --- trend --------------------------------------------------------------------------------------


@dataclass
class Trend:
    days: list[datetime.date]
    series: dict[str, list[float | int | None]]


def trend(org: Org, *, start: datetime.date, end: datetime.date, keys: list[str]) -> Trend:
    """The org's snapshot figures from ``start`` to ``end`` for ``keys`` (rule ids and metric keys): two
    queries. A count missing from a day's figures is 0 when that day's run measured it, else no data."""
    snaps = list(
        MetricSnapshot.objects.filter(org=org, day__gte=start, day__lte=end)
        .order_by("day")
        .values_list("day", "figures")
    )
    measured = {
        day: set(metrics)
        for day, metrics in SnapshotRun.objects.filter(day__gte=start, day__lte=end).values_list(
            "day", "metrics"
        )
    }
    days = [day for day, _f in snaps]
    series: dict[str, list[float | int | None]] = {key: [] for key in keys}
    for day, figures in snaps:
        for key in keys:
            value = figures.get(key)
            if value is None and key in METRIC_BY_KEY and key in measured.get(day, set()):
                value = 0
            series[key].append(value)
    return Trend(days, series)


def trend_keys(board: Dashboard) -> list[str]:
    """Percent-valued rules (the lines), then the main counts."""
    keys = [
        rule_id
        for rule_id, report in board.reports.items()
        if (report.root.unit if report.root else next((r.unit for r in report.results), "")) == "%"
    ]
    return [*keys, "g_tq", "reached"]


def status_class(status: str) -> str:
    return {MET: "ok", NOT_MET: "bad", NOT_DUE: "warn"}.get(status, "")
