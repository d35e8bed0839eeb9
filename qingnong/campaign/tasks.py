"""Background jobs of the campaign: the daily to-do reminders."""

from __future__ import annotations

from celery import shared_task

from .reminders import send_daily_reminders


@shared_task
def send_campaign_reminders() -> dict[str, object]:
    """Every user's to-do for their orgs: late and soon-due rules, expiring QR codes, cadres under target."""
    stats = send_daily_reminders()
    return {
        "users": stats.users,
        "roots": stats.roots,
        "items": stats.items,
        "notifications": stats.notifications,
        "emails": stats.emails,
    }
