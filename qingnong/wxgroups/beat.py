"""Periodic jobs of the ledger (merged into CELERY_BEAT_SCHEDULE by settings)."""

from celery.schedules import crontab

SCHEDULE = {
    "wxgroups-daily-reminders": {
        "task": "qingnong.wxgroups.tasks.send_group_reminders",
        # Morning, so that a cadre has the day to refresh a QR code that expires tomorrow.
        "schedule": crontab(hour=8, minute=5),
    },
}
