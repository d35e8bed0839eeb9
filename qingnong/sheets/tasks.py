"""Celery tasks of the sheets app: run any job, and purge expired job files (beat)."""

from __future__ import annotations

from celery import shared_task


@shared_task
def run_job(job_id: int) -> str:
    from .services import job_run

    return job_run(job_id).status


@shared_task
def purge_expired_jobs() -> int:
    from .services import jobs_purge_expired

    return jobs_purge_expired()
