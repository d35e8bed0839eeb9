"""Reads of the sheets app: a user's own jobs, and the kinds a user may import or export."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from qingnong.core.permissions import Action
from qingnong.core.scoping import grant_paths

from .definitions import SheetDefinition
from .models import Job
from .registry import definitions


def job_list(*, user: Any) -> QuerySet[Job]:
    """The jobs the user started, newest first (jobs are private to their owner)."""
    return Job.objects.of_user(user).select_related("org").order_by("-created_at", "-id")


def importable_kinds(user: Any) -> list[SheetDefinition]:
    """The kinds the user may import: any grant allowing the kind's import action."""
    return [d for d in definitions().values() if grant_paths(user, d.import_action) != []]


def exportable_kinds(user: Any) -> list[SheetDefinition]:
    if grant_paths(user, Action.EXPORT) == []:
        return []
    return [d for d in definitions().values() if d.export is not None]
