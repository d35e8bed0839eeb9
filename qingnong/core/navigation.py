"""The site menu. Each app registers its entries in its AppConfig.ready(), so no app edits another's menu."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class MenuItem:
    url_name: str
    label: str
    order: int = 100
    # Who sees the entry: a predicate on the user (staff pages vs. cadre phone pages).
    visible: Callable[[Any], bool] = lambda user: True
    icon: str = ""


_MENU: list[MenuItem] = []


def register_menu(item: MenuItem) -> None:
    if all(existing.url_name != item.url_name for existing in _MENU):
        _MENU.append(item)


def menu_for(user: Any) -> list[dict[str, str]]:
    items = []
    for item in sorted(_MENU, key=lambda m: m.order):
        if not item.visible(user):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": item.label, "name": item.url_name, "icon": item.icon})
    return items
