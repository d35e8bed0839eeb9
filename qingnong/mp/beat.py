"""Periodic jobs of the official-account app (merged into CELERY_BEAT_SCHEDULE by settings)."""

from celery.schedules import crontab

SCHEDULE = {
    "mp-publish-due": {"task": "qingnong.mp.tasks.posts_publish_due", "schedule": crontab(minute="*/5")},
    "mp-stats-nightly": {
        "task": "qingnong.mp.tasks.stats_sync_nightly",
        "schedule": crontab(hour=2, minute=30),
    },
    "mp-qrcodes-renew": {"task": "qingnong.mp.tasks.qrcodes_renew", "schedule": crontab(hour=3, minute=10)},
    "mp-purge-keys": {"task": "qingnong.mp.tasks.purge_shared_keys", "schedule": crontab(minute="*/10")},
}
