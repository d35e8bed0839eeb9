"""Periodic jobs of the dashboard (merged into CELERY_BEAT_SCHEDULE by settings)."""

from celery.schedules import crontab

SCHEDULE = {
    # The top dashboards' figures (province, cities) recomputed before they expire from the cache.
    "dashboard-warm-figures": {
        "task": "qingnong.dashboard.tasks.warm_dashboard_figures",
        "schedule": crontab(minute="*/8"),
    },
    # Late in the evening, so that the day's entries are in and the figure is the day's own.
    "dashboard-daily-snapshots": {
        "task": "qingnong.dashboard.tasks.take_daily_snapshots",
        "schedule": crontab(hour=23, minute=40),
    },
}
