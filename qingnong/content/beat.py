"""Periodic jobs of content supply (merged into CELERY_BEAT_SCHEDULE by settings)."""

from celery.schedules import crontab

SCHEDULE = {
    # After midnight (Asia/Shanghai): yesterday's confirmations and activities are all in.
    "content-refresh-group-dormancy": {
        "task": "qingnong.content.tasks.refresh_group_dormancy",
        "schedule": crontab(hour=2, minute=30),
    },
}
