"""Personal data (phones, WeChat IDs, ID numbers) is shown only to roles that may see it."""

from __future__ import annotations

from typing import Any

from django.db import models

from .normalise import mask_phone, mask_text
from .permissions import Action
from .scoping import path_in_scope


def scope_path_of(obj: models.Model) -> str:
    """Follow the model's ``scope_path_field`` (``org__path``) on an instance."""
    value: Any = obj
    for part in obj.scope_path_field.split("__"):  # type: ignore[attr-defined]
        value = getattr(value, part, None)
        if value is None:
            return ""
    return str(value)


def can_view_personal(user: Any, obj: models.Model) -> bool:
    path = scope_path_of(obj)
    return bool(path) and path_in_scope(user, Action.VIEW_PERSONAL, path)


def masked(value: Any, kind: str = "phone") -> str:
    if kind == "phone":
        return mask_phone(value)
    return mask_text(value)


def personal_value(user: Any, obj: models.Model, field: str, kind: str = "phone") -> str:
    """The field's value for a user allowed to see it, the masked value otherwise."""
    value = getattr(obj, field, "") or ""
    if can_view_personal(user, obj):
        return str(value)
    return masked(value, kind)
