"""Nightly job of the dashboard: every org's figures for the day (trends are drawn from them)."""

from __future__ import annotations

from celery import shared_task

from qingnong.core.system import SYSTEM

from .services import snapshot_take


@shared_task
def take_daily_snapshots() -> dict[str, object]:
    result = snapshot_take(actor=SYSTEM)
    return {"day": result.day.isoformat(), "orgs": result.orgs, "seconds": round(result.seconds, 1)}


@shared_task
def warm_dashboard_figures() -> int:
    """Recompute the figures of the top dashboards (each campaign's org and, above city level, its
    children) so that their first visitor is not the one who waits. Returns how many were warmed."""
    from django.utils import timezone

    from qingnong.campaign.models import Campaign
    from qingnong.core.figures import figures_cached, figures_timeout
    from qingnong.orgs.choices import LEVEL_RANK, OrgLevel

    from .selectors import PAGE_EVIDENCE, dashboard_for, group_matrix

    if not figures_timeout():
        return 0
    today = timezone.localdate()
    warmed = 0
    for campaign in Campaign.objects.filter(year=today.year).select_related("org"):
        roots = [campaign.org]
        if LEVEL_RANK[campaign.org.level] < LEVEL_RANK[OrgLevel.CITY]:
            roots += list(campaign.org.children_orgs().filter(status="active"))
        for org in roots:
            dashboard_for(user=SYSTEM, org=org, today=today, evidence_limit=PAGE_EVIDENCE, fresh=True)
            figures_cached(f"matrix:{org.pk}:{today}", lambda org=org: group_matrix(org), fresh=True)
            warmed += 1
    return warmed
