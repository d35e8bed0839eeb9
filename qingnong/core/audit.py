"""Writing the audit trail. Services call these inside their own transaction."""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models.fields.files import FieldFile

from .context import current_request_meta
from .models import AuditEntry

# Never copied into the audit trail, whatever the model.
SECRET_FIELDS = frozenset({"password", "key_hash", "app_secret", "token", "encoding_aes_key", "secret"})


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, list | tuple | set):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, models.Model):
        return value.pk
    return str(value)


def snapshot(obj: models.Model | None, fields: Sequence[str] | None = None) -> dict[str, Any] | None:
    """The concrete field values of ``obj`` as JSON-safe data (foreign keys as ids, secrets left out)."""
    if obj is None:
        return None
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        name = field.name
        if fields is not None and name not in fields:
            continue
        if name in SECRET_FIELDS or name.endswith("_encrypted"):
            continue
        data[name] = _json_value(getattr(obj, field.attname))
    return data


def _actor_fields(actor: Any) -> dict[str, Any]:
    if actor is None or getattr(actor, "is_system", False) or not getattr(actor, "is_authenticated", False):
        return {"actor": None, "actor_name": "系统"}
    name = getattr(actor, "display_name", "") or actor.get_username()
    return {"actor": actor, "actor_name": name[:150]}


def _org_path_of(obj: models.Model | None) -> str:
    if obj is None:
        return ""
    path = getattr(obj, "audit_org_path", None)
    if callable(path):
        return path() or ""
    return ""


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    org_path: str | None = None,
    object_repr: str | None = None,
) -> AuditEntry:
    """Write one audit entry. Must run inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must be called inside the service's transaction")
    meta = current_request_meta()
    return AuditEntry.objects.create(
        **_actor_fields(actor),
        action=action,
        object_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=(object_repr if object_repr is not None else str(obj) if obj is not None else "")[:200],
        org_path=org_path if org_path is not None else _org_path_of(obj),
        before=_json_value(before),
        after=_json_value(after),
        request_id=meta.request_id,
        ip=meta.ip,
    )


def audit_bulk(
    *,
    actor: Any,
    action: str,
    objects: Iterable[models.Model],
    befores: dict[Any, dict[str, Any] | None] | None = None,
    batch_size: int = 2000,
) -> int:
    """One audit entry per object of a bulk write, inserted in batches; returns how many."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_bulk must be called inside the service's transaction")
    meta = current_request_meta()
    actor_fields = _actor_fields(actor)
    befores = befores or {}
    type_cache: dict[type, ContentType] = {}
    batch: list[AuditEntry] = []
    count = 0
    for obj in objects:
        model = type(obj)
        if model not in type_cache:
            type_cache[model] = ContentType.objects.get_for_model(obj)
        batch.append(
            AuditEntry(
                **actor_fields,
                action=action,
                object_type=type_cache[model],
                object_id=str(obj.pk),
                object_repr=str(obj)[:200],
                org_path=_org_path_of(obj),
                before=befores.get(obj.pk),
                after=snapshot(obj),
                request_id=meta.request_id,
                ip=meta.ip,
            )
        )
        if len(batch) >= batch_size:
            AuditEntry.objects.bulk_create(batch)
            count += len(batch)
            batch = []
    if batch:
        AuditEntry.objects.bulk_create(batch)
        count += len(batch)
    return count


def history_for(obj: models.Model, limit: int = 50) -> models.QuerySet[AuditEntry]:
    """The most recent audit entries about ``obj`` (the object page's history panel)."""
    return AuditEntry.objects.filter(
        object_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
    ).select_related("actor")[:limit]
