"""Template context every page gets: the menu for this user."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .navigation import menu_sections
from .notifications import unread_count


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": [], "unread_notifications": 0}
    return {"menu": menu_sections(user), "unread_notifications": unread_count(user)}
