"""Template helpers of content supply and activities."""

from __future__ import annotations

from typing import Any

from django import template

from qingnong.content.models import group_url as _group_url

register = template.Library()


@register.filter
def group_url(group: Any) -> str:
    """A link to a group that works whichever pages the ledger app serves."""
    return _group_url(group)


@register.filter
def ratio_pct(value: Any) -> str:
    """0.456 → "46%"; None → "—"."""
    if value is None:
        return "—"
    return f"{float(value) * 100:.0f}%"


@register.filter
def bar_width(value: Any) -> str:
    """A ratio as a CSS width (0–100%)."""
    if value is None:
        return "0%"
    return f"{max(0.0, min(1.0, float(value))) * 100:.0f}%"
