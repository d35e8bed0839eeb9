"""Housekeeping jobs of the core app."""

from celery import shared_task

from .auth import login_failures_purge


@shared_task
def purge_expired_login_failures() -> int:
    return login_failures_purge()
