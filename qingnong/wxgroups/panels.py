"""Panels the ledger adds to other apps' pages (the cadre page's reach toward 20, R1)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from . import selectors


def cadre_reach_panel(request: HttpRequest, cadre: Any) -> str:
    reach = selectors.cadre_reach([cadre.pk]).get(cadre.pk, 0)
    groups = list(
        selectors.ChatGroup.objects.filter(owner=cadre).exclude(status="dissolved").select_related("org")[:50]
    )
    context = {
        "cadre": cadre,
        "reach": reach,
        "target": selectors.REACH_TARGET,
        "gap": max(selectors.REACH_TARGET - reach, 0),
        "groups": groups,
    }
    return render_to_string("wxgroups/_cadre_reach.html", context, request=request)


def org_groups_panel(request: HttpRequest, org: Any) -> str:
    """Links from an org's page to the ledger of its subtree (groups, gaps, youth)."""
    return render_to_string("wxgroups/_org_panel.html", {"org": org}, request)
