"""青农: the rural Youth League WeChat system platform."""

from .celery import app as celery_app

__all__ = ["celery_app"]
