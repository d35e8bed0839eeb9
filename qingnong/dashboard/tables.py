"""The dashboard's tables as rows, shared by the page and its CSV / xlsx exports."""

from __future__ import annotations

from typing import Any

from qingnong.campaign.rules_base import RULES
from qingnong.wxgroups.choices import GroupStatus, GroupType

from .exports import Sheet
from .metrics import METRIC_BY_KEY
from .selectors import Dashboard, LateRow, Trend, indicators, late_rows, ranking, timeline_rows


def _figure(value: Any, unit: str = "") -> str:
    if value is None:
        return "暂无数据"
    return f"{value}{unit}"


def ranking_sheet(board: Dashboard, indicator: str, descending: bool) -> Sheet:
    """The children ranked by ``indicator``, with every other indicator alongside."""
    all_indicators = indicators(board)
    header = ["排名", "组织"]
    for ind in all_indicators:
        header.append(f"{ind.label}（{ind.unit}）" if ind.unit else ind.label)
        if ind.is_rule:
            header.append(f"{ind.key} 状态")
    by_org = {row.org.pk: row for row in board.children}
    rows = []
    for ranked in ranking(board, indicator, descending=descending):
        child = by_org[ranked.org.pk]
        line: list[Any] = [ranked.rank or "", ranked.org.name]
        for ind in all_indicators:
            if ind.is_rule:
                result = child.results.get(ind.key)
                line.append(result.value if result is not None and result.value is not None else "")
                line.append(result.status_label if result is not None else "不适用")
            else:
                value = child.counts.get(ind.key)
                line.append(value if value is not None else "")
        rows.append(line)
    return Sheet("下级组织排名", header, rows)


def evidence_text(row: LateRow, evidence: dict[str, Any]) -> str:
    labels = dict(row.columns)
    parts = []
    for key, value in evidence.items():
        if key.endswith("_id"):
            continue
        parts.append(f"{labels.get(key, key)}：{value}")
    return "；".join(parts)


LATE_HEADER = ["规则", "规则内容", "截止日期", "组织", "现值", "目标", "状态", "未达标明细"]


def late_sheets(board: Dashboard) -> list[Sheet]:
    """The late list, one line per evidence row (the org's line alone when it has none), and one sheet per
    rule with that rule's own evidence columns."""
    rows: list[list[Any]] = []
    per_rule: dict[str, Sheet] = {}
    for late in late_rows(board):
        result = late.result
        org = f"{result.org_name}（合计）" if late.is_root else result.org_name
        base = [
            late.rule,
            late.title,
            late.due or "持续",
            org,
            _figure(result.value, result.unit),
            _figure(result.target, result.unit),
            result.status_label,
        ]
        if not result.evidence:
            rows.append([*base, ""])
        for evidence in result.evidence:
            rows.append([*base, evidence_text(late, evidence)])
        columns = [(k, label) for k, label in late.columns if not k.endswith("_id")]
        sheet = per_rule.setdefault(
            late.rule, Sheet(f"{late.rule} 明细", ["组织", *[label for _k, label in columns]], [])
        )
        for evidence in result.evidence:
            sheet.rows.append([org, *[evidence.get(k, "") for k, _label in columns]])
    return [Sheet("逾期清单", LATE_HEADER, rows), *per_rule.values()]


def timeline_sheet(board: Dashboard) -> Sheet:
    rows = []
    for item, statuses in timeline_rows(board):
        text = "；".join(
            f"{s.rule} {s.label}" + (f"（{s.value}{s.unit}）" if s.value is not None else "")
            for s in statuses
        )
        rows.append(
            [
                "阶段" if item.kind == "phase" else "节点",
                item.label,
                item.date,
                item.end or "",
                {"past": "已过", "current": "进行中", "upcoming": "未到"}.get(item.state, item.state),
                text,
            ]
        )
    return Sheet("时间节点", ["类别", "名称", "日期", "结束", "进度", "规则状态"], rows)


def group_sheet(matrix: dict[tuple[str, str], int]) -> Sheet:
    statuses = list(GroupStatus.choices)
    header = ["类型", *[str(label) for _v, label in statuses], "合计（未解散）"]
    rows = []
    for gtype, label in GroupType.choices:
        counts = [matrix.get((gtype, status), 0) for status, _l in statuses]
        live = sum(
            n for (status, _l), n in zip(statuses, counts, strict=True) if status != GroupStatus.DISSOLVED
        )
        rows.append([str(label), *counts, live])
    return Sheet("微信群类型与状态", header, rows)


def trend_sheet(data: Trend) -> Sheet:
    keys = list(data.series)
    header = ["日期", *[key_label(k) for k in keys]]
    rows: list[list[Any]] = []
    for i, day in enumerate(data.days):
        rows.append([day, *[data.series[k][i] if data.series[k][i] is not None else "" for k in keys]])
    return Sheet("趋势", header, rows)


def key_label(key: str) -> str:
    if key in RULES:
        return f"{key} {RULES[key][0]}"
    metric = METRIC_BY_KEY.get(key)
    return metric.label if metric else key


def stamp(board: Dashboard) -> str:
    return f"{board.org.name}-{board.today:%Y%m%d}"
