"""The Celery application. Without a broker configured every task runs eagerly in-process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qingnong.settings")

app = Celery("qingnong")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
