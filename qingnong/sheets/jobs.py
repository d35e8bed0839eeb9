"""Running background jobs of any kind.

An app registers what a job kind does, from its ``AppConfig.ready()`` so that every process (web, worker,
command) knows the kind from the start::

    def build_report(job, progress):
        ...                       # read job.params, call progress(done, total) now and then
        job.result = {...}        # shown on the job page
        save_job_file(job, "result_file", "总结.docx", path)
        job.message = "已生成"

    # in ReportsConfig.ready():
    register_job_handlers({"reports.docx": build_report})

(``@job_handler("reports.docx")`` on the function does the same when its module is loaded.)

and starts one with ``services.job_create(...)`` then ``services.job_dispatch(job, background=True)``.
The runner marks the job running, calls the handler, and records success (or the failure message).
Progress goes to the cache (not the database), so it is visible while the handler's own transaction
is still open; the job page polls it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from django.core.cache import cache
from django.core.files import File

from .models import Job

logger = logging.getLogger(__name__)

Handler = Callable[[Job, "JobProgress"], None]
JOB_HANDLERS: dict[str, Handler] = {}


def register_job_handlers(handlers: Mapping[str, Handler]) -> None:
    """What each job kind does (kind → handler); called from the app's ``AppConfig.ready()``."""
    JOB_HANDLERS.update(handlers)


def job_handler(kind: str) -> Callable[[Handler], Handler]:
    """Decorator form of ``register_job_handlers`` for one kind."""

    def register(func: Handler) -> Handler:
        register_job_handlers({kind: func})
        return func

    return register


def _progress_key(job_id: int) -> str:
    return f"qingnong:job:{job_id}:progress"


class JobProgress:
    """``progress(done, total)``: cheap to call often (written at most every 1 %)."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.last = -1

    def __call__(self, done: int, total: int) -> None:
        total = max(total, done, 1)
        step = done * 100 // total
        if step != self.last:
            self.last = step
            cache.set(_progress_key(self.job.pk), (done, total), 24 * 3600)


def job_progress(job: Job) -> tuple[int, int]:
    """(done, total) from the running handler, or the job's stored figures."""
    value = cache.get(_progress_key(job.pk))
    if value is not None and not job.is_finished:
        return int(value[0]), int(value[1])
    return job.progress_done, job.progress_total


def clear_progress(job: Job) -> None:
    cache.delete(_progress_key(job.pk))


def save_job_file(job: Job, field: str, name: str, path: str | Path) -> None:
    """Store a file the handler produced as one of the job's private files (not saved to the db yet)."""
    with open(path, "rb") as fh:
        getattr(job, field).save(name, File(fh), save=False)


def handler_for(kind: str) -> Handler:
    try:
        return JOB_HANDLERS[kind]
    except KeyError:
        raise LookupError(f"no job handler for kind {kind!r}") from None


def describe_failure(exc: BaseException) -> str:
    messages: Any = getattr(exc, "messages", None)
    if messages:
        return "；".join(str(m) for m in messages)[:480]
    return (getattr(exc, "message", None) or str(exc) or type(exc).__name__)[:480]
