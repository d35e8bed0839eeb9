"""Writing the audit trail. Services call these inside their own transaction."""

from __future__ import annotations

import datetime
import decimal
import itertools
import json
import sqlite3
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from .audit_actions import require_declared
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
    """Write one audit entry. Must run inside the caller's transaction; ``action`` must be declared
    (``core.audit_actions``)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must be called inside the service's transaction")
    require_declared(action)
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


def _json_default(value: Any) -> Any:
    """What the json module cannot encode by itself, encoded as ``_json_value`` would."""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, set | frozenset):
        return list(value)
    if isinstance(value, models.Model):
        return value.pk
    return str(value)


# The C encoder, compact; values it does not know go through _json_default (one call per such value).
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_json_default).encode


# (object_id, object_repr, org_path, before, after) — one entry of ``audit_rows``.
AuditRow = tuple[Any, str, str, Any, Any]

_COLUMNS = (
    "at",
    "actor_id",
    "actor_name",
    "action",
    "object_type_id",
    "object_id",
    "object_repr",
    "org_path",
    "before",
    "after",
    "request_id",
    "ip",
)


def audit_rows(
    *,
    actor: Any,
    action: str,
    model: type[models.Model] | None,
    rows: Iterable[AuditRow],
    batch_size: int = 5000,
    encoded: bool = False,
) -> int:
    """Write one audit entry per ``(object_id, object_repr, org_path, before, after)``; returns how many.

    The low-level writer behind ``audit_bulk`` for large imports that already hold their rows as plain
    data: no model instance per entry; ``before``/``after`` are JSON-safe values (dates and datetimes
    written in ISO form, like ``snapshot``) encoded by the C JSON encoder — or, with ``encoded=True``,
    JSON text the caller built; the rows go through the DB-API cursor (multi-row INSERTs on SQLite,
    ``COPY`` on PostgreSQL) inside the caller's transaction, so that a rolled-back change leaves no
    entry. ``object_repr`` is cut to 200 characters. All entries get the same time (one
    ``timezone.now()`` per call).
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("audit_rows must be called inside the service's transaction")
    require_declared(action)
    meta = current_request_meta()
    fields = _actor_fields(actor)
    actor_id = fields["actor"].pk if fields["actor"] is not None else None
    type_id = ContentType.objects.get_for_model(model).pk if model is not None else None
    ip_field = AuditEntry._meta.get_field("ip")
    ip = ip_field.get_db_prep_save(meta.ip, connection) if meta.ip else None
    now = timezone.now()
    postgres = connection.vendor == "postgresql"
    at = now if postgres else connection.ops.adapt_datetimefield_value(now)
    head = (at, actor_id, fields["actor_name"], action, type_id)
    tail = (meta.request_id, ip)
    dumps = _dumps
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    by_name = {f.attname: f.column for f in AuditEntry._meta.concrete_fields}
    columns = ", ".join(connection.ops.quote_name(by_name[c]) for c in _COLUMNS)
    connection.ensure_connection()
    cursor = connection.connection.cursor()
    count = 0
    rows = iter(rows)
    try:
        while chunk := list(itertools.islice(rows, batch_size)):
            if encoded:
                batch = [(*head, str(o), r[:200], p, b, a, *tail) for o, r, p, b, a in chunk]
            else:
                batch = [
                    (
                        *head,
                        str(o),
                        r[:200],
                        p,
                        None if b is None else dumps(b),
                        None if a is None else dumps(a),
                        *tail,
                    )
                    for o, r, p, b, a in chunk
                ]
            _write_audit_batch(cursor, postgres, table, columns, batch)
            count += len(batch)
    finally:
        cursor.close()
    return count


def _write_audit_batch(
    cursor: Any, postgres: bool, table: str, columns: str, batch: list[tuple[Any, ...]]
) -> None:
    if postgres:
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            write_row = copy.write_row
            for row in batch:
                write_row(row)
    else:
        # Multi-row VALUES: a quarter less CPU than executemany (one statement step per chunk).
        limit = cursor.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        chunk = max(1, min(2000, limit // len(_COLUMNS)))
        row_marks = "(" + ", ".join(["?"] * len(_COLUMNS)) + ")"
        head = f"INSERT INTO {table} ({columns}) VALUES "
        for start in range(0, len(batch), chunk):
            part = batch[start : start + chunk]
            cursor.execute(
                head + ", ".join([row_marks] * len(part)), list(itertools.chain.from_iterable(part))
            )


_SNAPSHOT_FIELDS: dict[type[models.Model], list[tuple[str, str]]] = {}


def _snapshot_fields(model: type[models.Model]) -> list[tuple[str, str]]:
    """(name, attname) of the fields ``snapshot`` copies."""
    spec = _SNAPSHOT_FIELDS.get(model)
    if spec is None:
        spec = _SNAPSHOT_FIELDS[model] = [
            (f.name, f.attname)
            for f in model._meta.concrete_fields
            if f.name not in SECRET_FIELDS and not f.name.endswith("_encrypted")
        ]
    return spec


def audit_bulk(
    *,
    actor: Any,
    action: str,
    objects: Iterable[models.Model],
    befores: dict[Any, dict[str, Any] | None] | None = None,
    batch_size: int = 5000,
) -> int:
    """One audit entry per object of a bulk write (after = ``snapshot(obj)``), inserted in batches through
    ``audit_rows``; returns how many."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_bulk must be called inside the service's transaction")
    require_declared(action)
    befores = befores or {}
    by_model: dict[type[models.Model], list[AuditRow]] = {}
    count = 0

    def flush(model: type[models.Model]) -> None:
        nonlocal count
        count += audit_rows(
            actor=actor, action=action, model=model, rows=by_model.pop(model), batch_size=batch_size
        )

    for obj in objects:
        model = type(obj)
        fields = _snapshot_fields(model)
        rows = by_model.setdefault(model, [])
        pk = obj.pk
        rows.append(
            (
                pk,
                str(obj),
                _org_path_of(obj),
                befores.get(pk),
                {name: getattr(obj, attname) for name, attname in fields},
            )
        )
        if len(rows) >= batch_size:
            flush(model)
    for model in list(by_model):
        flush(model)
    return count


def history_for(obj: models.Model, limit: int = 50) -> models.QuerySet[AuditEntry]:
    """The most recent audit entries about ``obj`` (the object page's history panel)."""
    return AuditEntry.objects.filter(
        object_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
    ).select_related("actor")[:limit]
