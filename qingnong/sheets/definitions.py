"""The extension API of the sheets pipeline: what an app declares to make a kind importable and exportable.

An app lists its kinds in ``qingnong/<app>/sheets.py`` as ``SHEETS = [SheetDefinition(...)]`` and
registers them from its ``AppConfig.ready()`` (``registry.register_sheets``). See docs/sheets.md for the
full contract.

The pipeline does the generic work — reading, header detection, cell types, required cells,
duplicate keys inside the file, org and cadre references, the importer's scope, counts, the error
workbook, one transaction — and calls the app twice per batch of rows:

* ``validate(rows, ctx)``: prefetch what the batch needs (a fixed number of queries per batch), apply
  the app's rules, and mark each row ``mark_new()`` / ``mark_existing(...)`` or give it ``error(...)``;
* ``write(rows, ctx)``: bulk-write the rows marked new or updated (only called when no row of the whole
  file is bad so far, inside the import's single transaction), with audit entries (``audit_bulk``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

from qingnong.core.permissions import Action

from .columns import (
    Bool,
    CadreRef,
    CellError,
    Choice,
    Code,
    Column,
    ColumnType,
    Date,
    Integer,
    OrgRef,
    Phone,
    Text,
    Year,
    normalise_header,
)
from .refs import CadreIndex, CadreNode, OrgIndex, OrgNode

if TYPE_CHECKING:
    from django.db import models


class Status:
    """What the import does with a row."""

    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"
    BAD = "bad"

    LABELS = {NEW: "新增", UPDATED: "更新", UNCHANGED: "无变化", SKIPPED: "已存在（跳过）", BAD: "有错误"}


class SheetRow:
    """One data row of the file.

    ``number`` is the row number the user sees in Excel. ``values`` holds the parsed value of every
    non-empty cell by column name (an OrgRef column holds an ``OrgNode``, a CadreRef column a
    ``CadreNode``). An empty cell is absent: on update it means "leave as is", never "erase".
    """

    __slots__ = (
        "cells",
        "changes",
        "data",
        "errors",
        "existing",
        "existing_path",
        "moved",
        "number",
        "status",
        "values",
    )

    def __init__(self, number: int, cells: list[Any]) -> None:
        self.number = number
        self.cells = cells
        self.values: dict[str, Any] = {}
        self.errors: list[tuple[str, str]] = []
        self.status: str | None = None
        self.existing: Any = None
        self.existing_path: str = ""
        self.changes: dict[str, tuple[Any, Any]] = {}
        self.moved = False
        # Free for the app: what validate() found, for write() to use.
        self.data: dict[str, Any] = {}

    @property
    def ok(self) -> bool:
        return not self.errors

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def has(self, name: str) -> bool:
        return name in self.values

    def error(self, column: str, message: str) -> None:
        """Mark the row bad: ``column`` is a column name (or "" for the row as a whole)."""
        self.errors.append((column, message))
        self.status = Status.BAD

    def mark_new(self) -> None:
        if self.ok:
            self.status = Status.NEW

    def mark_existing(
        self, existing: Any, *, path: str, changes: Mapping[str, tuple[Any, Any]], moved: bool = False
    ) -> None:
        """The row matches ``existing`` (whose org path is ``path``, for the scope check);
        ``changes`` maps field → (old, new) and decides updated vs unchanged."""
        if not self.ok:
            return
        self.existing = existing
        self.existing_path = path
        self.changes = dict(changes)
        self.moved = moved
        self.status = Status.UPDATED if self.changes else Status.UNCHANGED

    def __repr__(self) -> str:
        return f"<SheetRow {self.number} {self.status} {self.values} {self.errors}>"


def diff(
    row: SheetRow, current: Mapping[str, Any], fields: tuple[str, ...] | list[str]
) -> dict[str, tuple[Any, Any]]:
    """The fields the row would change: only fields with a non-empty cell, compared with ``current``."""
    changes: dict[str, tuple[Any, Any]] = {}
    values = row.values
    for name in fields:
        if name in values:
            new = values[name]
            old = current.get(name)
            if old != new and not (old in (None, "") and new in (None, "")):
                changes[name] = (old, new)
    return changes


@dataclass
class ImportContext:
    """What ``validate`` and ``write`` get besides the rows."""

    definition: SheetDefinition
    actor: Any
    under: OrgNode | None
    orgs: OrgIndex
    cadres: CadreIndex
    skip_existing: bool = False
    # Whether write() will be called for this batch (False in a preview and once a bad row was found).
    writing: bool = False
    # The app's own memory across batches (e.g. secretaries already given in this file).
    state: dict[str, Any] = field(default_factory=dict)
    present: frozenset[str] = frozenset()

    def has_column(self, name: str) -> bool:
        """Whether the file has this column at all (an absent column never changes anything)."""
        return name in self.present


@dataclass
class ExportContext:
    """What an exporter gets: the user (scope), the subtree to export and the org index for paths."""

    user: Any
    under: Any  # an Org or None
    orgs: OrgIndex | None = None

    def subtree_paths(self) -> list[str] | None:
        """The path roots to export: ``under``, or the user's view grants (None = everything)."""
        from qingnong.core.scoping import grant_paths

        if self.under is not None:
            return [self.under.path]
        return grant_paths(self.user, Action.EXPORT)

    def restrict(self, queryset: Any, field: str) -> Any:
        """``queryset`` limited to the rows whose ``field`` path lies in the subtrees to export."""
        from django.db.models import Q

        from qingnong.core.scoping import subtree_q

        roots = self.subtree_paths()
        if roots is None:
            return queryset
        q = Q(pk__in=[])
        for root in roots:
            q |= subtree_q(field, root)
        return queryset.filter(q)


Validate = Callable[[list[SheetRow], ImportContext], None]
Write = Callable[[list[SheetRow], ImportContext], None]
RowHook = Callable[[SheetRow, ImportContext], None]
Exporter = Callable[[ExportContext], Iterator[dict[str, Any]]]


@dataclass
class SheetDefinition:
    """An importable (and exportable) kind.

    ``keys``: the natural keys, each a tuple of column names. No two rows of one file may share a key
    (checked by the pipeline, after references are resolved); ``validate`` matches existing records by
    them. ``scope_column``: the ``OrgRef`` column whose org must lie in the importer's scope (and under
    ``--under``) for a new row. ``export``: yields one dict per record, by column name, plus ``"_path"``
    (the record's org path) so personal columns can be masked per row.
    """

    kind: str
    label: str
    columns: list[Column]
    keys: list[tuple[str, ...]]
    scope_column: str
    validate: Validate
    write: Write
    row_hook: RowHook | None = None
    export: Exporter | None = None
    model: type[models.Model] | None = None
    batch_size: int = 5000
    notes: list[str] = field(default_factory=list)
    import_action: str = Action.ADD
    description: str = ""

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        where = f"SheetDefinition {self.kind!r}"
        if len(set(names)) != len(names):
            raise ImproperlyConfigured(f"{where}: duplicate column names")
        seen: dict[str, str] = {}
        for column in self.columns:
            for key in column.header_keys():
                if key in seen and seen[key] != column.name:
                    raise ImproperlyConfigured(
                        f"{where}: header/alias {key!r} used by {seen[key]} and {column.name}"
                    )
                seen[key] = column.name
        for key_columns in self.keys:
            for name in key_columns:
                if name not in names:
                    raise ImproperlyConfigured(f"{where}: key column {name!r} is not a column")
        scope = self.column(self.scope_column)
        if not isinstance(scope.type, OrgRef):
            raise ImproperlyConfigured(
                f"{where}: scope_column {self.scope_column!r} must be an OrgRef column"
            )
        if not callable(self.validate) or not callable(self.write):
            raise ImproperlyConfigured(f"{where}: validate and write must be functions")
        self._header_index = seen

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise ImproperlyConfigured(f"SheetDefinition {self.kind!r} has no column {name!r}")

    def header_of(self, name: str) -> str:
        for column in self.columns:
            if column.name == name:
                return column.header
        return name

    def match_header(self, text: Any) -> Column | None:
        key = normalise_header(text)
        if not key:
            return None
        name = self._header_index.get(key)
        return self.column(name) if name else None

    @property
    def import_columns(self) -> list[Column]:
        return [c for c in self.columns if c.import_]

    @property
    def export_columns(self) -> list[Column]:
        return [c for c in self.columns if c.export]

    @property
    def required_columns(self) -> list[Column]:
        return [c for c in self.import_columns if c.required]


__all__ = [
    "Bool",
    "CadreNode",
    "CadreRef",
    "CellError",
    "Choice",
    "Code",
    "Column",
    "ColumnType",
    "Date",
    "ExportContext",
    "ImportContext",
    "Integer",
    "OrgNode",
    "OrgRef",
    "Phone",
    "SheetDefinition",
    "SheetRow",
    "Status",
    "Text",
    "Year",
    "diff",
]
