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

# The menu's sections, in order, and which entry goes where (entries not listed go to the last one).
SECTIONS: list[tuple[str, tuple[str, ...]]] = [
    ("工作台", ("dashboard:index", "wxgroups:my_groups", "youth:my_youth", "content:todo", "mp:my_follows")),
    ("组织", ("orgs:org_tree", "orgs:cadre_list")),
    ("三群台账", ("wxgroups:group_list", "youth:youth_list")),
    ("内容与活动", ("content:item_list", "content:task_list", "activities:activity_list", "content:stats")),
    ("公众号", ("mp:account_list", "mp:post_list")),
    ("年度考核", ("campaign:campaign_current", "campaign:submission_board", "inspection:assessment")),
    ("数据与系统", ("sheets:index", "sheets:job_list", "orgs:user_list", "orgs:audit_list")),
]


def register_menu(item: MenuItem) -> None:
    if all(existing.url_name != item.url_name for existing in _MENU):
        _MENU.append(item)


def menu_sections(user: Any) -> list[dict[str, Any]]:
    """The user's menu grouped into sections (empty sections left out)."""
    items = menu_for(user)
    placed = {name: label for label, names in SECTIONS for name in names}
    sections: dict[str, list[dict[str, str]]] = {label: [] for label, _names in SECTIONS}
    for item in items:
        sections[placed.get(item["name"], SECTIONS[-1][0])].append(item)
    return [{"label": label, "items": entries} for label, entries in sections.items() if entries]


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
