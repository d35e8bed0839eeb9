"""Periodic jobs of the campaign (merged into CELERY_BEAT_SCHEDULE by settings)."""

from celery.schedules import crontab

SCHEDULE = {
    "campaign-daily-reminders": {
        "task": "qingnong.campaign.tasks.send_campaign_reminders",
        # Early morning: the to-do is waiting when the office opens.
        "schedule": crontab(hour=7, minute=30),
    },
}
