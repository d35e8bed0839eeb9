"""Helpers every app's services use: scope checks and the save-validate-audit step."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import models

from .audit import audit_record, snapshot
from .errors import ScopeViolation
from .permissions import Action
from .scoping import path_in_scope

_M = TypeVar("_M", bound=models.Model)

OUT_OF_SCOPE = "超出您的管辖范围：{what}"


def require_scope(actor: Any, action: str, path: str, *, what: str = "该对象") -> None:
    """Raise ScopeViolation unless ``actor`` may ``action`` at ``path``."""
    if not path_in_scope(actor, action, path):
        raise ScopeViolation(OUT_OF_SCOPE.format(what=what))


def require_org_scope(actor: Any, action: str, org: Any) -> None:
    require_scope(actor, action, org.path, what=str(org))


def apply_fields(obj: models.Model, data: dict[str, Any], allowed: Iterable[str]) -> list[str]:
    """Set the allowed fields from ``data`` on ``obj``; return the names that changed."""
    changed: list[str] = []
    allowed_set = set(allowed)
    for name, value in data.items():
        if name not in allowed_set:
            raise TypeError(f"field {name!r} cannot be set here")
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


def save_audited(
    *,
    actor: Any,
    obj: _M,
    action: str,
    before: dict[str, Any] | None,
    update_fields: list[str] | None = None,
    exclude_clean: list[str] | None = None,
) -> _M:
    """``full_clean`` then save (only ``update_fields`` on an update) then write the audit entry.

    Callers run inside ``transaction.atomic``; scope checks stay with the caller because only
    the caller knows which org the object must lie under.
    """
    obj.full_clean(exclude=exclude_clean)
    if update_fields is not None:
        if not update_fields:
            return obj
        if (
            any(f.name == "updated_at" for f in obj._meta.concrete_fields)
            and "updated_at" not in update_fields
        ):
            update_fields = [*update_fields, "updated_at"]
        obj.save(update_fields=update_fields)
    else:
        obj.save()
    audit_record(actor=actor, action=action, obj=obj, before=before, after=snapshot(obj))
    return obj


__all__ = [
    "Action",
    "apply_fields",
    "audit_record",
    "require_org_scope",
    "require_scope",
    "save_audited",
    "snapshot",
]
