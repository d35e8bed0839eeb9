"""The one import pipeline: read → find the header → normalise cells → validate in batches through the
app's rules → preview or commit (all or nothing, one transaction) → report and error workbook.

Memory stays flat whatever the file size: rows are processed a batch at a time and only the outcome
of each row (its status, its errors, a few sample rows per status) is kept.
"""

from __future__ import annotations

import contextlib
import gc
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from django.db import transaction

from qingnong.core.permissions import Action
from qingnong.core.scoping import path_in_scope

from .bulkdb import large_write_cache
from .columns import EMPTY, MISS, CadreRef, CellError, Column, OrgRef, cell_text, is_blank, normalise_header
from .definitions import ImportContext, SheetDefinition, SheetRow, Status
from .readers import FileRejected, SheetSource, max_rows, open_sheet
from .refs import CadreIndex, OrgIndex, OrgNode, ResolveError, preferred_paths

HEADER_SCAN_ROWS = 30
SAMPLE_ROWS = 10
KEPT_ERRORS = 500
ERROR_COLUMN = "错误说明"
_FORMULA = object()  # stands for a formula cell in a column being parsed
MEMO_LIMIT = 50_000  # distinct values remembered per cacheable column
_NOTE_WORDS = [
    *("注", "备注", "说明", "填表", "制表", "审核", "合计", "总计", "小计", "签字", "签章", "盖章"),
    *("负责人", "联系人", "填报", "单位负责人", "日期", "以上", "本表"),
]
_NOTE_ROW = re.compile("^(" + "|".join(_NOTE_WORDS) + ")")
# A first cell starting with none of these characters cannot begin a note row.
_NOTE_FIRST = frozenset(word[0] for word in _NOTE_WORDS)

Progress = Callable[[int, int], None]


class ImportAborted(Exception):
    """Raised inside the transaction to undo every write of a commit that found a bad row."""


@dataclass
class ImportReport:
    """Everything the preview page, the CLI and the job result show about one run."""

    kind: str
    filename: str
    commit: bool = False
    format: str = ""
    sheet_name: str = ""
    encoding: str = ""
    header_row: int = 0
    data_start: int = 0
    mapped: list[tuple[int, str, str]] = field(default_factory=list)  # (index, header in file, column name)
    unknown_headers: list[str] = field(default_factory=list)
    file_error: str = ""
    file_error_code: str = ""
    counts: dict[str, int] = field(default_factory=lambda: {s: 0 for s in Status.LABELS})
    ignored_rows: list[int] = field(default_factory=list)
    samples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # the first KEPT_ERRORS
    error_rows: dict[int, list[str]] = field(default_factory=dict)  # every bad row → its messages
    error_count: int = 0
    committed: bool = False
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def bad(self) -> int:
        return self.counts[Status.BAD]

    @property
    def ok(self) -> bool:
        return not self.file_error and self.bad == 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "filename": self.filename,
            "commit": self.commit,
            "format": self.format,
            "sheet_name": self.sheet_name,
            "encoding": self.encoding,
            "header_row": self.header_row,
            "columns": [header for _i, header, _n in self.mapped],
            "unknown_headers": self.unknown_headers,
            "file_error": self.file_error,
            "file_error_code": self.file_error_code,
            "counts": self.counts,
            "total": self.total,
            "ignored_rows": self.ignored_rows[:50],
            "ignored_count": len(self.ignored_rows),
            "samples": self.samples,
            "errors": [list(e) for e in self.errors],
            "error_count": self.error_count,
            "committed": self.committed,
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }

    def summary(self) -> str:
        if self.file_error:
            return f"文件无法导入：{self.file_error}"
        c = self.counts
        text = (
            f"共 {self.total} 行：新增 {c[Status.NEW]}，更新 {c[Status.UPDATED]}，"
            f"无变化 {c[Status.UNCHANGED]}，跳过 {c[Status.SKIPPED]}，有错误 {c[Status.BAD]}"
        )
        if self.ignored_rows:
            text += f"；忽略说明/合计行 {len(self.ignored_rows)} 行"
        return text


# --- header detection -----------------------------------------------------------------------------


def _match_cells(definition: SheetDefinition, cells: list[Any]) -> dict[int, Column]:
    """Column of each header cell: exact (normalised) header or alias, else a unique affix match."""
    found: dict[int, Column] = {}
    used: set[str] = set()
    loose: list[tuple[int, str]] = []
    for index, cell in enumerate(cells):
        column = definition.match_header(cell)
        if column is not None and column.import_ and column.name not in used:
            found[index] = column
            used.add(column.name)
        elif column is None:
            key = normalise_header(cell)
            if len(key) >= 2:
                loose.append((index, key))
    for index, key in loose:
        best: Column | None = None
        best_len = 1
        for column in definition.import_columns:
            if column.name in used:
                continue
            for ck in column.header_keys():
                if len(ck) > best_len and (key.endswith(ck) or key.startswith(ck)):
                    best, best_len = column, len(ck)
        if best is not None:
            found[index] = best
            used.add(best.name)
    return found


def _combine(upper: list[Any], lower: list[Any]) -> list[Any]:
    """Two header rows read as one (merged group cells above, sub-headers below)."""
    width = max(len(upper), len(lower))
    combined = []
    last_upper = ""
    for i in range(width):
        up = cell_text(upper[i]) if i < len(upper) else ""
        low = cell_text(lower[i]) if i < len(lower) else ""
        if up:
            last_upper = up
        combined.append(low or up or "")
        if not low and not up and last_upper:
            combined[-1] = ""
    return combined


def find_header(
    definition: SheetDefinition, head: list[tuple[int, list[Any]]]
) -> tuple[int, int, dict[int, Column]] | None:
    """(index in ``head`` of the header's last row, rows used (1 or 2), column per cell index)."""
    best: tuple[int, int, dict[int, Column]] | None = None
    best_score = 0
    for i, (_number, cells) in enumerate(head):
        single = _match_cells(definition, cells)
        candidates = [(i, 1, single)]
        if i + 1 < len(head):
            candidates.append((i + 1, 2, _match_cells(definition, _combine(cells, head[i + 1][1]))))
        for candidate in candidates:
            score = len(candidate[2])
            if score > best_score:
                best, best_score = candidate, score
    if best is None or best_score < min(2, len(definition.import_columns)):
        return None
    return best


# --- the run -----------------------------------------------------------------------------------------


class _Run:
    def __init__(
        self,
        definition: SheetDefinition,
        source: SheetSource,
        report: ImportReport,
        ctx: ImportContext,
        mapping: dict[int, Column],
        progress: Progress | None,
    ) -> None:
        self.definition = definition
        self.source = source
        self.report = report
        self.ctx = ctx
        self.mapping = sorted(mapping.items())
        self.progress = progress
        self.seen_keys: list[dict[Any, int]] = [{} for _ in definition.keys]
        self.required = [c for c in definition.required_columns]
        self.org_columns = [c for _i, c in self.mapping if isinstance(c.type, OrgRef)]
        self.cadre_columns = [c for _i, c in self.mapping if isinstance(c.type, CadreRef)]
        self.formula_cells = source.formula_cells
        self.headers = {c.name: c.header for c in definition.columns}
        self.column_order = {c.name: i for i, c in enumerate(definition.columns)}
        self.scope_header = definition.header_of(definition.scope_column)
        self.limit = max_rows()
        # The template's example row (every example cell as written) is skipped, not imported.
        self.example = [(i, cell_text(c.example)) for i, c in self.mapping if cell_text(c.example)]
        self.required_indexes = [i for i, c in self.mapping if c.required]
        # (cell index, column name, type, memo of parsed values for cacheable types)
        self.parsers: list[tuple[int, str, Any, dict[Any, Any] | None]] = [
            (i, c.name, c.type, {"": EMPTY, None: EMPTY} if c.type.cacheable else None)
            for i, c in self.mapping
        ]
        self.names = tuple(name for _i, name, _t, _m in self.parsers)
        self.width = max((i for i, _c in self.mapping), default=-1) + 1
        self.required_positions = [(k, c.name) for k, (_i, c) in enumerate(self.mapping) if c.required]
        self.org_positions = [c.name for _i, c in self.mapping if isinstance(c.type, OrgRef)]
        self.required_getter = itemgetter(*self.required_indexes) if self.required_indexes else None
        # A key of one plain column (phone, division code) is checked by its value alone.
        org_names = {c.name for c in definition.columns if isinstance(c.type, OrgRef | CadreRef)}
        self.simple_keys = [len(key) == 1 and key[0] not in org_names for key in definition.keys]
        self.scope_cache: dict[tuple[str, str], bool] = {}
        self.org_memo: dict[Any, OrgNode] = {}
        # The example column checked first: one of a cacheable type (few distinct cells) if any.
        self.example_column: tuple[int, str, dict[Any, bool]] | None = None
        if len(self.example) >= 3:
            types = {i: c.type for i, c in self.mapping}
            index, text = next(((i, t) for i, t in self.example if types[i].cacheable), self.example[0])
            self.example_column = (index, text, {})
        self.t_parse = 0.0
        self.t_validate = 0.0
        self.t_write = 0.0
        self.t_record = 0.0

    # a batch of rows, a column at a time ------------------------------------------------------------

    def parse_batch(self, pending: list[tuple[int, list[Any]]]) -> list[SheetRow]:
        """Parse the cells of ``pending`` rows column by column (cacheable types once per distinct cell,
        ``fast_column`` shortcuts, ``parse`` for the rest), then build each row in order: its values,
        required cells, org references, keys and the definition's row hook."""
        width = self.width
        cells_list = [cells for _n, cells in pending]
        if any(len(cells) < width for cells in cells_list):
            cells_list = [c if len(c) >= width else c + [""] * (width - len(c)) for c in cells_list]
        errors: dict[int, list[tuple[str, str]]] = {}
        formula_rows: dict[int, list[int]] = {}
        if self.formula_cells:
            wanted = {index for index, _n, _t, _m in self.parsers}
            at = {number: i for i, (number, _c) in enumerate(pending)}
            for number, index in self.formula_cells:
                if number in at and index in wanted:
                    formula_rows.setdefault(index, []).append(at[number])
        columns = []
        for index, name, ctype, memo in self.parsers:
            col = [cells[index] for cells in cells_list]
            for i in formula_rows.get(index, ()):
                col[i] = _FORMULA
            if memo is not None:
                # Categorical columns (性别, 职务, 是/否, dates, orgs) repeat a handful of values. bool
                # cells stay out of the memo: True == 1 would find another cell's value.
                get = memo.get
                out = [get(v, MISS) if v.__class__ is not bool else MISS for v in col]
            else:
                out = ctype.fast_column(col) or [MISS] * len(col)
            misses = [i for i, v in enumerate(out) if v is MISS]
            if misses:
                parse = ctype.parse
                for i in misses:
                    out[i] = self.parse_cell(col[i], parse, memo, name, i, errors)
            columns.append(out)
        for k, name in self.required_positions:
            for i in [i for i, v in enumerate(columns[k]) if v is EMPTY]:
                failed = errors.get(i)
                if failed is None or all(n != name for n, _m in failed):
                    errors.setdefault(i, []).append((name, "必填，不能为空"))
        rows: list[SheetRow] = []
        append = rows.append
        names = self.names
        org_names = self.org_positions
        hook = self.definition.row_hook
        ctx = self.ctx
        check_keys = self.check_keys
        # The common shapes inline: one org column resolved through a per-run memo (only when no row
        # hook can add orgs meanwhile) and one plain natural key (phone).
        org_memo = self.org_memo if hook is None and len(org_names) == 1 else None
        org_name = org_names[0] if org_names else ""
        key_name = ""
        if len(self.simple_keys) == 1 and self.simple_keys[0]:
            key_name = self.definition.keys[0][0]
        seen = self.seen_keys[0] if key_name else {}
        for i, values in enumerate(zip(*columns, strict=True)):
            number, cells = pending[i]
            row = SheetRow(number, cells)
            row.values = parsed = {k: v for k, v in zip(names, values, strict=True) if v is not EMPTY}
            failed = errors.get(i)
            if failed is not None:
                for name, message in failed:
                    row.error(name, message)
            if org_memo is not None:
                node = org_memo.get(parsed.get(org_name))
                if node is not None:
                    parsed[org_name] = node
                else:
                    self.resolve_orgs(row, org_names, org_memo)
            elif org_names:
                self.resolve_orgs(row, org_names, None)
            if key_name:
                key = parsed.get(key_name)
                if key is not None:
                    first = seen.setdefault(key, number)
                    if first != number:
                        self.duplicate(row, key_name, key, first)
            else:
                check_keys(row)
            if hook is not None and not row.errors:
                hook(row, ctx)
            append(row)
        return rows

    def parse_cell(
        self,
        value: Any,
        parse: Callable[[Any], Any],
        memo: dict[Any, Any] | None,
        name: str,
        i: int,
        errors: dict[int, list[tuple[str, str]]],
    ) -> Any:
        """One cell the shortcuts left: formulas, blanks, then the type's ``parse`` (remembered when the
        type is cacheable)."""
        if value is _FORMULA:
            errors.setdefault(i, []).append((name, "是公式，请改为数值（复制后“选择性粘贴→数值”）再导入"))
            return EMPTY
        if value == "" or value is None:
            return EMPTY
        if value.__class__ is str:
            if value[0] == "=" and len(value) > 1:
                errors.setdefault(i, []).append((name, f"“{value[:30]}”是公式，请改为数值再导入"))
                return EMPTY
            if value.isspace():
                if memo is not None and len(memo) < MEMO_LIMIT:
                    memo[value] = EMPTY
                return EMPTY
        try:
            parsed = parse(value)
        except CellError as exc:
            errors.setdefault(i, []).append((name, str(exc)))
            return EMPTY
        if memo is not None and value.__class__ is not bool and len(memo) < MEMO_LIMIT:
            memo[value] = parsed
        return parsed

    def resolve_orgs(self, row: SheetRow, names: list[str], memo: dict[Any, OrgNode] | None) -> None:
        """Org references → ``OrgNode``; ``memo`` (text → node) remembers the good ones."""
        values = row.values
        for name in names:
            text = values.get(name)
            if text is None:
                continue
            try:
                node = self.ctx.orgs.resolve(text)
            except ResolveError as exc:
                del values[name]
                row.error(name, exc.message)
                continue
            under = self.ctx.under
            if under is not None and not node.is_within(under.path or ""):
                del values[name]
                row.error(name, f"“{node.display_path}”不在本次导入范围“{under.display_path}”内")
                continue
            values[name] = node
            if memo is not None and len(memo) < MEMO_LIMIT:
                memo[text] = node

    def is_note_row(self, cells: list[Any]) -> bool:
        """Trailing notes, totals and signatures: not data, whatever the columns say."""
        width = len(cells)
        getter = self.required_getter
        if width >= self.width and getter is not None:
            required = getter(cells)
            complete = (
                "" not in required and None not in required
                if len(self.required_indexes) > 1
                else (required != "" and required is not None)
            )
        else:
            complete = width > 0 and all(
                i < width and cells[i] not in ("", None) for i in self.required_indexes
            )
        if complete:
            # The common case, a complete data row: only its first cell can make it a note.
            first = cells[0]
            if first.__class__ is not str or not first or not _NOTE_ROW.match(first):
                return first in ("", None) and self._is_note_slow(cells)
        return self._is_note_slow(cells)

    def _is_note_slow(self, cells: list[Any]) -> bool:
        filled = [c for c in cells if not is_blank(c)]
        if not filled:
            return True
        required_filled = any(
            index < len(cells) and not is_blank(cells[index]) for index, c in self.mapping if c.required
        )
        if required_filled and not _NOTE_ROW.match(cell_text(filled[0])):
            return False
        if _NOTE_ROW.match(cell_text(filled[0])):
            return not required_filled or len(filled) <= 2
        return len(filled) == 1

    def is_example_row(self, cells: list[Any]) -> bool:
        if len(self.example) < 3:
            return False
        width = len(cells)
        index, text = self.example[0]
        if index >= width or (cells[index] != text and cell_text(cells[index]) != text):
            return False
        return all(index < width and cell_text(cells[index]) == text for index, text in self.example)

    def duplicate(self, row: SheetRow, name: str, value: Any, first: int) -> None:
        shown = f"{self.headers[name]}“{cell_text(_display(value))}”"
        row.error(name, f"与第 {first} 行重复（{shown}），同一文件中只能出现一次")

    def check_keys(self, row: SheetRow) -> None:
        for key, seen, simple in zip(self.definition.keys, self.seen_keys, self.simple_keys, strict=True):
            if simple:
                value = row.values.get(key[0])
                if value is not None:
                    earlier = seen.setdefault(value, row.number)  # not a tuple: 100 k tuples make work for gc
                    if earlier != row.number:
                        self.duplicate(row, key[0], value, earlier)
                continue
            parts = []
            for name in key:
                value = row.values.get(name)
                if value is None:
                    break
                parts.append(value.key if isinstance(value, OrgNode) else value)
            else:
                token = tuple(parts)
                first = seen.get(token)
                if first is None:
                    seen[token] = row.number
                else:
                    shown = "、".join(f"{self.headers[n]}“{cell_text(_display(row.values[n]))}”" for n in key)
                    row.error(
                        key[-1] if len(key) == 1 else "",
                        f"与第 {first} 行重复（{shown}），同一文件中只能出现一次",
                    )

    # one batch -----------------------------------------------------------------------------------

    def process(self, batch: list[SheetRow]) -> None:
        ctx = self.ctx
        started = time.perf_counter()
        if self.cadre_columns:
            refs = [row.values[c.name] for row in batch for c in self.cadre_columns if c.name in row.values]
            ctx.cadres.prefetch(refs)
            for row in batch:
                for column in self.cadre_columns:
                    ref = row.values.get(column.name)
                    if ref is None:
                        continue
                    try:
                        row.values[column.name] = ctx.cadres.resolve(*ref)
                    except ResolveError as exc:
                        del row.values[column.name]
                        row.error(column.name, exc.message)
        good = [row for row in batch if not row.errors]
        ctx.writing = ctx.writing and self.report.bad == 0 and len(good) == len(batch)
        if good:
            self.definition.validate(good, ctx)
        check_scope = self.check_scope
        for row in good:
            if not row.errors:
                check_scope(row)
        self.t_validate += time.perf_counter() - started
        started = time.perf_counter()
        record = self.record
        for row in batch:
            record(row)
        self.t_record += time.perf_counter() - started
        if ctx.writing and self.report.bad == 0:
            todo = [row for row in batch if row.status in (Status.NEW, Status.UPDATED)]
            if todo:
                started = time.perf_counter()
                self.definition.write(todo, ctx)
                self.t_write += time.perf_counter() - started
        else:
            ctx.writing = False

    def check_scope(self, row: SheetRow) -> None:
        ctx = self.ctx
        name = self.definition.scope_column
        node: OrgNode | None = row.values.get(name)
        status = row.status
        if status is None:
            raise RuntimeError(f"{self.definition.kind}.validate left row {row.number} without a status")
        if status == Status.NEW or row.moved:
            if node is None:
                if not getattr(ctx.actor, "is_superuser", False):
                    row.error(name, "必填，不能为空")
                return
            if not self.in_scope(Action.ADD, node.scope_path):
                row.error(name, f"“{node.display_path}”超出您的管辖范围，不能在其下新增或调入")
                return
        if status == Status.UPDATED or status == Status.UNCHANGED:
            path = row.existing_path
            if not self.in_scope(Action.CHANGE, path):
                row.error(name, "该记录已由您管辖范围以外的组织登记，您不能修改它")
                return
            if ctx.under is not None and not path.startswith(ctx.under.path or ""):
                row.error(name, f"该记录属于本次导入范围“{ctx.under.display_path}”以外的组织")
                return
            if ctx.skip_existing:
                row.status = Status.SKIPPED

    def in_scope(self, action: str, path: str) -> bool:
        """``path_in_scope`` for the importer, once per distinct (action, path) of the file."""
        key = (action, path)
        known = self.scope_cache.get(key)
        if known is None:
            known = self.scope_cache[key] = path_in_scope(self.ctx.actor, action, path)
        return known

    def record(self, row: SheetRow) -> None:
        report = self.report
        status = row.status if not row.errors and row.status else Status.BAD
        report.counts[status] += 1
        if status != Status.BAD:
            kept = report.samples.get(status)
            if kept is not None and len(kept) >= SAMPLE_ROWS:
                return  # the common case: counted, nothing else to keep
        if status == Status.BAD:
            messages = []
            order = self.column_order
            for name, message in sorted(row.errors, key=lambda e: order.get(e[0], -1)):
                header = self.headers.get(name, "")
                messages.append(f"{header}：{message}" if header else message)
                report.error_count += 1
                if len(report.errors) < KEPT_ERRORS:
                    report.errors.append((row.number, header, message))
            report.error_rows[row.number] = messages
        samples = report.samples.setdefault(status, [])
        if len(samples) < SAMPLE_ROWS:
            if status == Status.BAD:  # what the user typed
                cells = [cell_text(row.cells[i] if i < len(row.cells) else "") for i, _c in self.mapping]
            else:  # what will be written (phones, dates and choices normalised)
                cells = [
                    cell_text(_display(c.type.to_cell(row.values[c.name]))) if c.name in row.values else ""
                    for _i, c in self.mapping
                ]
            sample: dict[str, Any] = {"row": row.number, "cells": cells}
            if status == Status.UPDATED:
                sample["changes"] = {
                    self.headers.get(k, k): [cell_text(_display(old)), cell_text(_display(new))]
                    for k, (old, new) in row.changes.items()
                }
            if status == Status.BAD:
                sample["errors"] = report.error_rows[row.number]
            samples.append(sample)

    # the whole file -------------------------------------------------------------------------------

    def run(self, rows: Iterator[tuple[int, list[Any]]]) -> None:
        pending: list[tuple[int, list[Any]]] = []
        size = self.definition.batch_size
        done = 0
        total = max(self.source.estimated_rows - self.report.data_start + 1, 1)
        started = time.perf_counter()
        data_rows = 0
        append = pending.append
        # The common row — every required cell filled, a first cell that cannot start a note, not the
        # template's example — is recognised inline; anything else goes through the full checks.
        width = self.width
        required = self.required_getter
        several = len(self.required_indexes) > 1
        note_first = _NOTE_FIRST
        not_example = self.not_example
        for item in rows:
            cells = item[1]
            if len(cells) >= width and required is not None:
                req = required(cells)
                first = cells[0]
                if (
                    ("" not in req and None not in req if several else (req != "" and req is not None))
                    and (first.__class__ is not str or (first and first[0] not in note_first))
                    and first is not None
                    and not_example(cells)
                ):
                    append(item)
                    data_rows += 1
                    if len(pending) >= size:
                        self.flush(pending, data_rows, started)
                        done += len(pending)
                        pending.clear()
                        if self.progress:
                            self.progress(done, total)
                        started = time.perf_counter()
                    continue
            if self.is_note_row(cells) or self.is_example_row(cells):
                if any(not is_blank(c) for c in cells):
                    self.report.ignored_rows.append(item[0])
                continue
            append(item)
            data_rows += 1
            if len(pending) >= size:
                self.flush(pending, data_rows, started)
                done += len(pending)
                pending.clear()
                if self.progress:
                    self.progress(done, total)
                started = time.perf_counter()
        if pending:
            self.flush(pending, data_rows, started)
            done += len(pending)
        else:
            self.t_parse += time.perf_counter() - started
        if self.progress:
            self.progress(done, done)

    def flush(self, pending: list[tuple[int, list[Any]]], data_rows: int, started: float) -> None:
        """Parse and process one batch (``data_rows``: data rows read so far, for the row limit)."""
        if data_rows > self.limit:
            raise FileRejected(
                f"数据超过单次导入上限 {self.limit} 行，请拆分后分批导入", code="too_many_rows"
            )
        batch = self.parse_batch(pending)
        self.t_parse += time.perf_counter() - started
        self.process(batch)

    def not_example(self, cells: list[Any]) -> bool:
        """Quick: the row's first example column differs from the template's example (remembered per
        distinct cell), so the row cannot be the example row."""
        if self.example_column is None:
            return True
        index, text, memo = self.example_column
        value = cells[index]
        if value.__class__ is bool:  # True == 1: kept out of the memo
            return cell_text(value) != text
        known = memo.get(value)
        if known is None:
            known = value != text and cell_text(value) != text
            if len(memo) < MEMO_LIMIT:
                memo[value] = known
        return known


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the run.

    A batch allocates a few hundred thousand containers (rows, their values, the tuples and audit
    dicts of the write) that stay alive until the batch is written, so they survive young collections
    and count towards full ones — about 20 full collections per 100 k rows, each walking every object
    of the process, a quarter of the import's CPU time. Nothing the run allocates needs the collector
    to be freed in time (memory is bounded by the batch, freed by reference counting); cycles made
    meanwhile are collected once the collector runs again.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _display(value: Any) -> Any:
    if isinstance(value, OrgNode):
        return value.display_path
    if hasattr(value, "phone") and hasattr(value, "name"):
        return str(value)
    return value


def run_import(
    definition: SheetDefinition,
    path: str | Path,
    *,
    actor: Any,
    filename: str | None = None,
    under: Any = None,
    commit: bool = False,
    skip_existing: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Read ``path`` as ``definition``'s kind; preview (``commit=False``) or write everything or nothing.

    ``under`` (an Org) limits the import to that subtree (org paths may then be written relative to
    it); ``actor``'s scope decides which rows may be written. File-level problems end up in
    ``report.file_error`` (nothing is raised for bad input).
    """
    filename = filename or Path(path).name
    report = ImportReport(kind=definition.kind, filename=filename, commit=commit)
    started = time.perf_counter()
    try:
        source = open_sheet(path, filename=filename)
        report.format = source.format
        report.sheet_name = source.sheet_name
        report.encoding = source.encoding
        report.timings["open"] = time.perf_counter() - started
        _run_source(
            definition,
            source,
            report,
            actor=actor,
            under=under,
            commit=commit,
            skip_existing=skip_existing,
            progress=progress,
        )
    except FileRejected as exc:
        report.file_error = exc.message
        report.file_error_code = exc.code
        report.committed = False
    report.timings["total"] = time.perf_counter() - started
    return report


def _run_source(
    definition: SheetDefinition,
    source: SheetSource,
    report: ImportReport,
    *,
    actor: Any,
    under: Any,
    commit: bool,
    skip_existing: bool,
    progress: Progress | None,
) -> None:
    rows = source.rows()
    head: list[tuple[int, list[Any]]] = []
    for number, cells in rows:
        if any(not is_blank(c) for c in cells):
            head.append((number, cells))
        if len(head) >= HEADER_SCAN_ROWS:
            break
    if not head:
        raise FileRejected("工作表是空的：没有任何数据", code="empty")
    found = find_header(definition, head)
    if found is None:
        expected = "、".join(c.header for c in definition.required_columns)
        raise FileRejected(
            f"找不到表头：前 {HEADER_SCAN_ROWS} 行中没有可识别的列名。请确认表头包含：{expected}"
            f"（可下载导入模板对照）",
            code="no_header",
        )
    header_index, used_rows, mapping = found
    header_cells = head[header_index][1]
    if used_rows == 2:
        header_cells = _combine(head[header_index - 1][1], header_cells)
    report.header_row = head[header_index][0]
    report.data_start = report.header_row + 1
    report.mapped = [(i, cell_text(header_cells[i]) or c.header, c.name) for i, c in sorted(mapping.items())]
    report.unknown_headers = [
        cell_text(h)
        for i, h in enumerate(header_cells)
        if i not in mapping and cell_text(h) and cell_text(h) != ERROR_COLUMN
    ]
    present = {c.name for c in mapping.values()}
    missing = [c for c in definition.required_columns if c.name not in present]
    if missing:
        parts = []
        for column in missing:
            alias = f"（也可写作：{'、'.join(column.aliases[:4])}）" if column.aliases else ""
            parts.append(f"{column.header}{alias}")
        raise FileRejected(f"缺少必填列：{'；'.join(parts)}", code="missing_columns")

    def data_rows() -> Iterator[tuple[int, list[Any]]]:
        for number, cells in head[header_index + 1 :]:
            yield number, cells
        last = head[-1][0]
        for number, cells in rows:
            if number > last:
                yield number, cells

    t0 = time.perf_counter()
    under_path = under.path if under is not None else None
    orgs = OrgIndex(preferred=preferred_paths(actor, under_path))
    under_node = orgs.by_path.get(under_path) if under_path else None
    ctx = ImportContext(
        definition=definition,
        actor=actor,
        under=under_node,
        orgs=orgs,
        cadres=CadreIndex(actor),
        skip_existing=skip_existing,
        writing=commit,
        present=frozenset(present),
    )
    report.timings["index"] = time.perf_counter() - t0
    run = _Run(definition, source, report, ctx, mapping, progress)
    with gc_paused():
        if commit:
            try:
                with large_write_cache(), transaction.atomic():
                    run.run(data_rows())
                    if not report.ok:
                        raise ImportAborted
                    report.committed = True
                    committing = time.perf_counter()
                report.timings["commit"] = time.perf_counter() - committing
            except ImportAborted:
                report.committed = False
        else:
            run.run(data_rows())
    report.timings.update(
        read_parse=run.t_parse, validate=run.t_validate, write=run.t_write, record=run.t_record
    )
    if report.total == 0 and not report.file_error:
        raise FileRejected("表头下面没有数据行（工作表为空）", code="empty")
