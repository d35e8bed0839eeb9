"""Bulk loading for demo and scale data: rows with ids chosen here, written by COPY on PostgreSQL and by
batched ``executemany`` on SQLite.

Millions of youth and memberships go in within minutes because nothing is read back: ids are allocated
above the table's current maximum (and the PostgreSQL sequence moved past them afterwards), so later
steps can refer to rows they have just written.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models


class IdBlock:
    """Consecutive ids for new rows of one table, above what is there now."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT MAX(id) FROM {table}")
            row = cursor.fetchone()
        self.next = int(row[0] or 0) + 1 if row else 1

    def take(self) -> int:
        value = self.next
        self.next += 1
        return value


def _value(value: Any) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def copy_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert ``rows`` (values in ``columns`` order, JSON values as Python lists) into ``model``'s table.

    ``rows`` may be a generator, but it must not query the database: during a COPY the connection is busy.
    """
    table = model._meta.db_table
    cols = ", ".join(columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg 3 cursor under Django's wrapper
            with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([_value(v) for v in row])
                    count += 1
        else:
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({cols}) VALUES ({marks})"
            batch: list[list[Any]] = []
            for row in rows:
                batch.append([_value(v) for v in row])
                if len(batch) >= 5000:
                    cursor.executemany(sql, batch)
                    count += len(batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
                count += len(batch)
    return count


def fix_sequence(model: type[models.Model]) -> None:
    """Move PostgreSQL's id sequence past the ids chosen here (SQLite needs nothing)."""
    if connection.vendor != "postgresql":
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        top = f"COALESCE((SELECT MAX(id) FROM {table}), 1)"
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {top})")


def analyze(*models_: type[models.Model]) -> None:
    """Refresh PostgreSQL's planner statistics after a bulk load: with the counts of an empty table the
    planner picks nested loops that take minutes on millions of rows."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models_:
            cursor.execute(f"ANALYZE {model._meta.db_table}")
