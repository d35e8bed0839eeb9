"""Periodic jobs of the sheets app (merged into CELERY_BEAT_SCHEDULE by settings)."""

from celery.schedules import crontab

SCHEDULE = {
    "sheets-purge-expired-jobs": {
        "task": "qingnong.sheets.tasks.purge_expired_jobs",
        "schedule": crontab(hour=3, minute=23),
    },
}
