"""Background jobs of content supply."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from celery import shared_task
from django.utils import timezone

from qingnong.core.system import SYSTEM


@shared_task
def refresh_group_dormancy() -> dict[str, Any]:
    """R12, nightly: mark groups 沉寂 / 活跃 from their last content and activity, tell the owners."""
    from .services import group_dormancy_refresh

    return asdict(group_dormancy_refresh(actor=SYSTEM, today=timezone.localdate()))
