"""Periodic jobs of the core app (merged into CELERY_BEAT_SCHEDULE by settings)."""

from celery.schedules import crontab

SCHEDULE = {
    "core-purge-login-failures": {
        "task": "qingnong.core.tasks.purge_expired_login_failures",
        "schedule": crontab(minute=17),
    },
}
