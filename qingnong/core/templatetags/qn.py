"""Template tags shared by every app's pages."""

from __future__ import annotations

from typing import Any

from django import template

from qingnong.core.audit import history_for
from qingnong.core.personal import can_view_personal, masked, personal_value

register = template.Library()


PERSONAL_FIELD_NAMES = frozenset({"phone", "wechat_id", "id_number", "contact_phone_private"})


@register.inclusion_tag("core/_history.html", takes_context=True)
def history_panel(context: dict[str, Any], obj: Any, limit: int = 30) -> dict[str, Any]:
    """The object's audit entries; personal values masked unless the viewer may see them."""
    show_personal = can_view_personal(context["request"].user, obj)
    rows = []
    for entry in history_for(obj, limit):
        changes = []
        for name, old, new in entry.changed_fields():
            if name in PERSONAL_FIELD_NAMES and not show_personal:
                old, new = masked(old) if old else old, masked(new) if new else new
            changes.append((name, old, new))
        rows.append((entry, changes))
    return {"history": rows}


@register.simple_tag(takes_context=True)
def personal(context: dict[str, Any], obj: Any, field: str, kind: str = "phone") -> str:
    """A phone or WeChat ID, masked unless the viewer's role may see personal data."""
    return personal_value(context["request"].user, obj, field, kind)


@register.filter
def percent(value: Any, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{float(value) * 100:.{digits}f}%"


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    """``row|get_item:key`` for evidence rows (dicts) in generic tables."""
    if isinstance(mapping, dict):
        value = mapping.get(key, "")
        return "" if value is None else value
    return getattr(mapping, key, "")
