"""Nightly job of the dashboard: every org's figures for the day (trends are drawn from them)."""

from __future__ import annotations

from celery import shared_task

from qingnong.core.system import SYSTEM

from .services import snapshot_take


@shared_task
def take_daily_snapshots() -> dict[str, object]:
    result = snapshot_take(actor=SYSTEM)
    return {"day": result.day.isoformat(), "orgs": result.orgs, "seconds": round(result.seconds, 1)}
