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
def refresh_dashboard_figures(org_id: int) -> bool:
    """Compute and store the page figures of one org's dashboard (asked for by a visitor of a large
    subtree whose figures were out of date, or by the warm-up job). False when the org is gone."""
    from django.utils import timezone

    from qingnong.core.figures import figures_refresh_done
    from qingnong.orgs.models import Org

    from .selectors import PAGE_EVIDENCE, board_key, dashboard_for

    org = Org.objects.filter(pk=org_id).first()
    try:
        if org is None:
            return False
        dashboard_for(user=SYSTEM, org=org, today=timezone.localdate(), fresh=True, live=True)
        return True
    finally:
        if org is not None:
            figures_refresh_done(board_key(org, PAGE_EVIDENCE))


@shared_task
def warm_dashboard_figures() -> int:
    """Recompute the figures of the top dashboards (each campaign's org and, above city level, its
    children) so that their visitors see figures a few minutes old. Returns how many were warmed."""
    from django.utils import timezone

    from qingnong.campaign.models import Campaign
    from qingnong.core.figures import figures_timeout
    from qingnong.orgs.choices import LEVEL_RANK, OrgLevel

    if not figures_timeout():
        return 0
    warmed = 0
    for campaign in Campaign.objects.filter(year=timezone.localdate().year).select_related("org"):
        roots = [campaign.org]
        if LEVEL_RANK[campaign.org.level] < LEVEL_RANK[OrgLevel.CITY]:
            roots += list(campaign.org.children_orgs().filter(status="active"))
        for org in roots:
            warmed += refresh_dashboard_figures(org.pk)
    return warmed
