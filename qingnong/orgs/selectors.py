"""Reads of the org tree and the roster that are more than a lookup."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from qingnong.core.permissions import Action
from qingnong.core.rollups import count_by_child
from qingnong.core.scoping import grant_paths

from .choices import LEVEL_RANK, OrgLevel, OrgStatus
from .models import Cadre, Org, Position, User

CITY_RANK = LEVEL_RANK[OrgLevel.CITY]


def org_display_paths(orgs: Iterable[Org]) -> dict[int, str]:
    """ "怀宁县/石牌镇/新城村" for each org: the names below city level, as ledgers write them.

    Orgs at city level and above show their own name. One query for all ancestors.
    """
    orgs = list(orgs)
    needed = {p for org in orgs for p in org.ancestor_paths()}
    names: dict[str, tuple[str, str]] = {}
    if needed:
        names = {
            path: (name, level)
            for path, name, level in Org.objects.filter(path__in=needed).values_list("path", "name", "level")
        }
    result: dict[int, str] = {}
    for org in orgs:
        parts = [
            names[p][0] for p in org.ancestor_paths() if p in names and LEVEL_RANK[names[p][1]] > CITY_RANK
        ]
        if LEVEL_RANK[org.level] > CITY_RANK or not parts:
            parts.append(org.name)
        result[org.pk] = "/".join(parts)
    return result


def org_roots_for(user: Any, action: str = Action.VIEW) -> QuerySet[Org]:
    """The top orgs of the user's view: their granted roots, or the tree roots for a superuser."""
    paths = grant_paths(user, action)
    if paths is None:
        return Org.objects.get_root_nodes()
    return Org.objects.filter(path__in=paths)


@dataclass
class ChildRow:
    org: Org
    descendants: int
    cadres: int


def org_children_with_counts(*, user: Any, parent: Org, include_inactive: bool = False) -> list[ChildRow]:
    """The visible children of ``parent`` with subtree counts: three queries for any fan-out."""
    children = Org.objects.restrict(user, Action.VIEW).filter(
        path__startswith=parent.path, depth=parent.depth + 1
    )
    if not include_inactive:
        children = children.filter(status=OrgStatus.ACTIVE)
    children_list = list(children)
    if not children_list:
        return []
    orgs = count_by_child(
        Org.objects.all(), path_field="path", parent_path=parent.path, parent_depth=parent.depth
    )
    cadres = count_by_child(
        Cadre.objects.filter(is_active=True),
        path_field="org__path",
        parent_path=parent.path,
        parent_depth=parent.depth,
    )
    return [
        ChildRow(org=c, descendants=orgs.get(c.path, 1) - 1, cadres=cadres.get(c.path, 0))
        for c in children_list
    ]


def org_search(*, user: Any, query: str, limit: int = 30) -> QuerySet[Org]:
    """Orgs in scope whose name, short name or division code matches."""
    query = query.strip()
    qs = Org.objects.restrict(user, Action.VIEW)
    if not query:
        return qs.none()
    return qs.filter(
        Q(name__icontains=query) | Q(short_name__icontains=query) | Q(division_code__startswith=query)
    ).order_by("depth", "path")[:limit]


def org_position_rows(*, org: Org) -> QuerySet[Position]:
    """Current positions held in ``org``, with their cadres."""
    return Position.objects.current().filter(org=org).select_related("cadre").order_by("title", "cadre__name")


def cadre_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Cadre]:
    """Cadres in scope, filtered (org subtree, name or phone, level, title, active), with their org."""
    filters = filters or {}
    qs = Cadre.objects.restrict(user, Action.VIEW).select_related("org")
    under = filters.get("under")
    if under is not None:
        qs = qs.filter(under.subtree_q("org__path"))
    text = (filters.get("q") or "").strip()
    if text:
        qs = qs.filter(Q(name__icontains=text) | Q(phone__startswith=text) | Q(wechat_id__iexact=text))
    if filters.get("level"):
        qs = qs.filter(org__level=filters["level"])
    if filters.get("title"):
        qs = qs.filter(positions__title=filters["title"]).distinct()
    active = filters.get("active")
    if active in (True, False):
        qs = qs.filter(is_active=active)
    return qs.with_current_positions()


def user_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[User]:
    filters = filters or {}
    qs = User.objects.restrict(user, Action.MANAGE_USERS).select_related("home_org", "cadre")
    text = (filters.get("q") or "").strip()
    if text:
        qs = qs.filter(Q(username__icontains=text) | Q(display_name__icontains=text))
    if filters.get("active") in (True, False):
        qs = qs.filter(is_active=filters["active"])
    return qs.prefetch_related("grants__org")


def org_resolve_path(text: str, *, queryset: QuerySet[Org] | None = None) -> Org | None:
    """The org a ledger names as "怀宁县/石牌镇/新城村" (or just "新城村" when that is unique).

    Each part may be the full name or the short name; the path is matched from its last part up.
    """
    parts = [p.strip() for p in text.replace("\\", "/").replace("／", "/").split("/") if p.strip()]
    if not parts:
        return None
    qs = queryset if queryset is not None else Org.objects.all()
    candidates = list(qs.filter(Q(name=parts[-1]) | Q(short_name=parts[-1]))[:50])
    if not candidates:
        return None
    if len(parts) == 1:
        return candidates[0] if len(candidates) == 1 else None
    ancestors = {
        o.path: o
        for o in Org.objects.filter(path__in={p for c in candidates for p in c.ancestor_paths()}).only(
            "path", "name", "short_name"
        )
    }
    matches = []
    for cand in candidates:
        names = [ancestors[p] for p in cand.ancestor_paths() if p in ancestors]
        wanted = parts[:-1]
        # The given ancestors must appear in order among the real ones (offices skip levels).
        i = 0
        for anc in names:
            if i < len(wanted) and wanted[i] in (anc.name, anc.short_name):
                i += 1
        if i == len(wanted):
            matches.append(cand)
    return matches[0] if len(matches) == 1 else None
