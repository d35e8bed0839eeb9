"""Small display helpers of the dashboard's templates."""

from __future__ import annotations

from typing import Any

from django import template

from qingnong.dashboard.selectors import LateRow, status_class

register = template.Library()


@register.filter
def badge(status: str) -> str:
    """The badge class of a rule status (met / not met / not due / no data)."""
    return status_class(status)


@register.filter
def figure(value: Any, unit: str = "") -> str:
    """A value with its unit, or 暂无数据 — never an invented zero."""
    if value is None or value == "":
        return "暂无数据"
    return f"{value}{unit}"


@register.filter
def evidence_columns(row: LateRow) -> list[tuple[str, str]]:
    return [(key, label) for key, label in row.columns if not key.endswith("_id")]


@register.filter
def evidence_values(evidence: dict[str, Any], row: LateRow) -> list[Any]:
    return [evidence.get(key, "") for key, _label in evidence_columns(row)]
