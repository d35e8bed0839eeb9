"""Reads of the youth registry beyond a lookup."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from qingnong.core.permissions import Action

from .models import Youth, YouthQuerySet


def youth_list(
    *, user: Any, filters: dict[str, Any] | None = None, action: str = Action.VIEW
) -> YouthQuerySet:
    """Youth in scope, filtered by subtree, text, category, league membership, in/away and liaison."""
    filters = filters or {}
    qs = Youth.objects.restrict(user, action).select_related("home_org", "liaison")
    under = filters.get("under")
    if under is not None:
        qs = qs.filter(under.subtree_q("home_org__path"))
    text = (filters.get("q") or "").strip()
    if text:
        qs = qs.filter(Q(name__icontains=text) | Q(phone__startswith=text) | Q(wechat_id__iexact=text))
    if filters.get("category"):
        qs = qs.in_category(filters["category"])
    if filters.get("league") in (True, False):
        qs = qs.filter(is_league_member=filters["league"])
    if filters.get("whereabouts"):
        qs = qs.filter(whereabouts=filters["whereabouts"])
    if filters.get("liaison") is not None:
        qs = qs.filter(liaison=filters["liaison"])
    return qs


def my_youth(*, user: Any) -> YouthQuerySet:
    """我的青年: the youth the user's cadre reaches (R1), within the user's grants."""
    from qingnong.wxgroups.selectors import cadre_reach_youth_ids, my_cadre

    cadre = my_cadre(user)
    if cadre is None:
        return Youth.objects.none()
    ids = cadre_reach_youth_ids(cadre.pk)
    return Youth.objects.restrict(user, Action.VIEW).filter(pk__in=ids).select_related("home_org")
