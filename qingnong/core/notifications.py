"""The in-app notification centre: sending (with de-duplication) and reading.

Other channels (WeChat template messages, email) subscribe through ``NOTIFICATION_CHANNELS``; they are
called after the sending transaction commits, never inside it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import Notification

# Each channel receives the created notifications after commit (e.g. WeChat, email).
NOTIFICATION_CHANNELS: list[Callable[[list[Notification]], None]] = []


def notification_send(
    *, recipients: Iterable[Any], kind: str, title: str, body: str = "", url: str = "", dedupe_key: str = ""
) -> list[Notification]:
    """Notify each recipient once per ``dedupe_key`` (an empty key never de-duplicates)."""
    users = {u.pk: u for u in recipients if u is not None and getattr(u, "pk", None)}
    if not users:
        return []
    if dedupe_key:
        done = set(
            Notification.objects.filter(user_id__in=users, dedupe_key=dedupe_key).values_list(
                "user_id", flat=True
            )
        )
        users = {pk: u for pk, u in users.items() if pk not in done}
    rows = [
        Notification(
            user_id=pk, kind=kind, title=title[:200], body=body, url=url[:300], dedupe_key=dedupe_key[:120]
        )
        for pk in users
    ]
    with transaction.atomic():
        created = Notification.objects.bulk_create(rows, ignore_conflicts=bool(dedupe_key))
        if NOTIFICATION_CHANNELS:
            transaction.on_commit(lambda: [channel(created) for channel in NOTIFICATION_CHANNELS])
    return created


def notification_mark_read(*, user: Any, ids: Iterable[int] | None = None) -> int:
    """Mark the user's own notifications read (all of them when ``ids`` is None)."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
