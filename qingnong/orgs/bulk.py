"""Bulk writes of whole subtrees (demo data, scale data, large imports).

treebeard adds one node with several queries; a county of 300 villages would take seconds. Here the
materialised paths are computed in memory and the rows inserted in batches, then the parent's
``numchild`` is fixed once. Audit entries are written in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from qingnong.core.audit import audit_bulk, audit_record, audit_rows
from qingnong.core.permissions import Action
from qingnong.core.scoping import PATH_ALPHABET, PATH_STEP
from qingnong.core.services import require_org_scope

from .models import Cadre, Org, Position


@dataclass
class OrgSpec:
    """An org to create, with its children."""

    name: str
    level: str
    short_name: str = ""
    kind: str = ""
    division_code: str | None = None
    contact_phone: str = ""
    children: list[OrgSpec] = field(default_factory=list)
    # Filled in by the bulk writer: the created row.
    org: Org | None = None


def encode_step(number: int) -> str:
    """The ``number``-th (1-based) child's path step in treebeard's alphabet."""
    base = len(PATH_ALPHABET)
    digits = []
    n = number
    while n:
        n, rem = divmod(n, base)
        digits.append(PATH_ALPHABET[rem])
    step = "".join(reversed(digits)) or "0"
    if len(step) > PATH_STEP:
        raise ValueError("too many children under one org")
    return step.rjust(PATH_STEP, "0")


def decode_step(step: str) -> int:
    n = 0
    for ch in step:
        n = n * len(PATH_ALPHABET) + PATH_ALPHABET.index(ch)
    return n


def _walk(specs: list[OrgSpec], parent_path: str, depth: int, start: int) -> Iterator[tuple[OrgSpec, Org]]:
    for offset, spec in enumerate(specs):
        path = parent_path + encode_step(start + offset)
        org = Org(
            name=spec.name,
            short_name=spec.short_name,
            level=spec.level,
            kind=spec.kind,
            division_code=spec.division_code,
            contact_phone=spec.contact_phone,
            path=path,
            depth=depth,
            numchild=len(spec.children),
        )
        spec.org = org
        yield spec, org
        yield from _walk(spec.children, path, depth + 1, 1)


@transaction.atomic
def org_tree_bulk_create(
    *, actor: Any, parent: Org | None, specs: list[OrgSpec], audit: str = "rows", batch_size: int = 2000
) -> list[Org]:
    """Create ``specs`` (with all their descendants) under ``parent`` in batches.

    ``audit`` is ``"rows"`` (one entry per org, like single creates) or ``"summary"`` (one entry for the
    whole load, used by the scale-data generator where millions of audit rows would only add noise).
    Level order is the caller's responsibility (specs come from code or from a validated import).
    """
    if parent is None:
        if not getattr(actor, "is_superuser", False) and actor is not None:
            from django.core.exceptions import ValidationError

            raise ValidationError("只有系统管理员可以创建顶级组织", code="out_of_scope")
        last = Org.objects.filter(depth=1).order_by("-path").values_list("path", flat=True).first()
        parent_path, depth = "", 1
    else:
        if actor is not None:
            require_org_scope(actor, Action.ADD, parent)
        last = (
            Org.objects.filter(path__startswith=parent.path, depth=parent.depth + 1)
            .order_by("-path")
            .values_list("path", flat=True)
            .first()
        )
        parent_path, depth = parent.path, parent.depth + 1
    start = decode_step(last[-PATH_STEP:]) + 1 if last else 1
    created: list[Org] = []
    batch: list[Org] = []
    for _spec, org in _walk(specs, parent_path, depth, start):
        batch.append(org)
        if len(batch) >= batch_size:
            created.extend(Org.objects.bulk_create(batch))
            batch = []
    if batch:
        created.extend(Org.objects.bulk_create(batch))
    if parent is not None:
        Org.objects.filter(pk=parent.pk).update(numchild=F("numchild") + len(specs))
        parent.numchild += len(specs)
    if not created[0].pk:  # backends without RETURNING on bulk insert
        ids = dict(Org.objects.filter(path__in=[o.path for o in created]).values_list("path", "pk"))
        for org in created:
            org.pk = ids[org.path]
    if audit == "rows":
        audit_bulk(actor=actor, action="orgs.org.create", objects=created)
    else:
        audit_record(
            actor=actor,
            action="orgs.org.bulk_create",
            obj=parent,
            after={"count": len(created)},
            org_path=parent.path if parent else "",
            object_repr=f"批量新增组织 {len(created)} 个",
        )
    return created


@transaction.atomic
def cadre_bulk_create(
    *, actor: Any, cadres: list[Cadre], positions: list[tuple[int, Position]], audit: str = "rows"
) -> tuple[list[Cadre], list[Position]]:
    """Insert cadres and their positions (``positions`` pairs an index into ``cadres`` with a Position)."""
    created = Cadre.objects.bulk_create(cadres, batch_size=2000)
    if created and not created[0].pk:
        ids = dict(Cadre.objects.filter(phone__in=[c.phone for c in created]).values_list("phone", "pk"))
        for cadre in created:
            cadre.pk = ids[cadre.phone]
    rows = []
    for index, position in positions:
        position.cadre_id = created[index].pk
        rows.append(position)
    made = Position.objects.bulk_create(rows, batch_size=2000)
    if audit == "rows":
        audit_bulk(actor=actor, action="orgs.cadre.create", objects=created)
        audit_bulk(actor=actor, action="orgs.position.create", objects=made)
    else:
        audit_record(
            actor=actor,
            action="orgs.cadre.bulk_create",
            obj=None,
            after={"cadres": len(created), "positions": len(made)},
            object_repr=f"批量新增团干部 {len(created)} 名",
        )
    return created, made


# --- imports (qingnong/orgs/sheets.py): rows already validated by the shared rule helpers ----------


def _require_paths(actor: Any, action: str, paths: Iterable[str]) -> None:
    """The services' scope re-check, once per distinct path of the batch."""
    from qingnong.core.services import require_scope

    for path in set(paths):
        require_scope(actor, action, path)


@transaction.atomic
def org_bulk_import(
    *,
    actor: Any,
    creates: list[tuple[Org, Org | str]],
    updates: list[tuple[Org, dict[str, Any] | None]],
    update_fields: list[str],
    last_child_path: Callable[[str], str | None] | None = None,
) -> list[Org]:
    """Insert new orgs and update changed ones, with one audit entry each.

    ``creates`` pairs each new org with its parent: an existing org's path, or an org earlier in the
    same list (created by an earlier row). Paths are assigned here in order; ``last_child_path`` answers
    "the greatest child path under P" (from the importer's in-memory index; a query per parent
    otherwise). ``updates`` pairs each changed org (fields already set) with its snapshot before.
    """
    from qingnong.sheets.bulkdb import fast_insert, fast_update

    _require_paths(actor, Action.ADD, [p for _o, p in creates if isinstance(p, str)])
    _require_paths(actor, Action.CHANGE, [o.path for o, _b in updates])
    next_step: dict[str, int] = {}
    added: dict[str, int] = {}
    for org, parent in creates:
        parent_path = parent if isinstance(parent, str) else parent.path
        if parent_path not in next_step:
            if parent_path in added or not isinstance(parent, str):
                last = None
            elif last_child_path is not None:
                last = last_child_path(parent_path)
            else:
                last = (
                    Org.objects.filter(path__startswith=parent_path, depth=len(parent_path) // PATH_STEP + 1)
                    .order_by("-path")
                    .values_list("path", flat=True)
                    .first()
                )
            next_step[parent_path] = decode_step(last[-PATH_STEP:]) + 1 if last else 1
        org.path = parent_path + encode_step(next_step[parent_path])
        next_step[parent_path] += 1
        org.depth = len(org.path) // PATH_STEP
        org.numchild = 0
        if parent_path:
            added[parent_path] = added.get(parent_path, 0) + 1
    created = [org for org, _p in creates]
    fast_insert(Org, created)
    if added:
        Org.objects.bulk_update(
            [
                Org(pk=pk, numchild=numchild + added[path])
                for pk, path, numchild in Org.objects.filter(path__in=list(added)).values_list(
                    "pk", "path", "numchild"
                )
            ],
            ["numchild"],
            batch_size=500,
        )
    changed = [org for org, _b in updates]
    if changed:
        fast_update(Org, changed, update_fields)
    audit_bulk(actor=actor, action="orgs.org.create", objects=created)
    audit_bulk(actor=actor, action="orgs.org.update", objects=changed, befores={o.pk: b for o, b in updates})
    return created


CADRE_COLUMNS = (
    "org_id",
    "name",
    "gender",
    "birth_year",
    "phone",
    "wechat_id",
    "notes",
    "is_active",
    "created_at",
    "updated_at",
)
POSITION_COLUMNS = (
    "cadre_id",
    "org_id",
    "title",
    "title_text",
    "is_leadership",
    "is_committee",
    "is_full_time",
    "start_date",
    "end_date",
    "created_at",
)
# The audit snapshot's names (``snapshot(cadre)`` / ``snapshot(position)``) for those columns.
_FOREIGN_KEYS = {"org_id": "org", "cadre_id": "cadre"}
_CADRE_NAMES = tuple(_FOREIGN_KEYS.get(c, c) for c in CADRE_COLUMNS)
_POSITION_NAMES = tuple(_FOREIGN_KEYS.get(c, c) for c in POSITION_COLUMNS)
_DATES = frozenset({"start_date", "end_date"})
_DATETIMES = frozenset({"created_at", "updated_at"})


@dataclass(slots=True)
class CadreImportRow:
    """What one imported row writes: a cadre (new, changed, or as it is) and at most one position.

    ``cadre`` and ``position`` hold the values *after* the write by snapshot name (``org`` is the org's
    id; dates and datetimes as Python objects); their ``id`` is filled in here for new ones. A new
    cadre has no ``cadre_before``; an existing one has its snapshot before and the changed names in
    ``cadre_changed`` (empty when only the position changes). Likewise ``position_before`` /
    ``position_changed``; ``position`` is None when the row neither adds nor changes a position.
    ``org_path`` is the path of the row's org (the cadre's org after the write, and the position's).
    """

    org_path: str
    cadre: dict[str, Any]
    cadre_before: dict[str, Any] | None = None
    cadre_changed: tuple[str, ...] = ()
    position: dict[str, Any] | None = None
    position_before: dict[str, Any] | None = None
    position_changed: tuple[str, ...] = ()


def _db_value(name: str, value: Any) -> Any:
    from qingnong.sheets.bulkdb import db_date, db_datetime

    if name in _DATETIMES:
        return db_datetime(value)
    if name in _DATES:
        return db_date(value)
    return value


@transaction.atomic
def cadre_import_rows(*, actor: Any, rows: list[CadreImportRow]) -> None:
    """Insert and update the cadres and positions of imported rows, with ONE audit entry per row.

    The entry is about the cadre (history on the cadre's page) and carries the position too:
    ``orgs.cadre.import`` for a new cadre (after = the cadre's snapshot plus ``"position"``: the new
    position's snapshot), ``orgs.cadre.import_update`` for an existing one (before / after = the
    cadre's snapshots, plus ``"position"`` when the row adds or changes one). Rows are written as plain
    tuples (``sheets.bulkdb.insert_rows``), not model instances. Scope is re-checked like the services
    do, once per distinct org path: ADD for new cadres and positions, CHANGE for changed ones.
    """
    from qingnong.sheets.bulkdb import db_date, db_datetime, insert_rows, update_rows

    _require_paths(actor, Action.ADD, [r.org_path for r in rows if r.cadre_before is None])
    _require_paths(actor, Action.CHANGE, [r.org_path for r in rows if r.cadre_before is not None])
    _require_paths(
        actor, Action.ADD, [r.org_path for r in rows if r.position is not None and r.position_before is None]
    )
    _require_paths(actor, Action.CHANGE, [r.org_path for r in rows if r.position_before is not None])
    now = timezone.now()
    now_db = db_datetime(now)
    now_json = now.isoformat()  # as ``snapshot`` writes datetimes
    db_dates: dict[Any, Any] = {None: None}
    json_dates: dict[Any, Any] = {None: None}

    def date(value: Any) -> Any:
        try:
            return db_dates[value]
        except KeyError:
            db_dates[value] = converted = db_date(value)
            return converted

    # Changed cadres and positions first (their dicts still hold Python values): one UPDATE per set of
    # changed fields, ``updated_at`` (auto_now) included for cadres.
    groups: dict[tuple[type[Any], tuple[str, ...]], list[tuple[Any, ...]]] = {}
    for row in rows:
        if row.cadre_before is not None and row.cadre_changed:
            row.cadre["updated_at"] = now
            names = (*row.cadre_changed, "updated_at")
            groups.setdefault((Cadre, names), []).append(
                (*(_db_value(n, row.cadre[n]) for n in names), row.cadre["id"])
            )
        if row.position is not None and row.position_before is not None and row.position_changed:
            names = row.position_changed
            groups.setdefault((Position, names), []).append(
                (*(_db_value(n, row.position[n]) for n in names), row.position["id"])
            )
    for (model, names), params in groups.items():
        update_rows(model, [n + "_id" if n in ("org", "cadre") else n for n in names], params)

    new = [r for r in rows if r.cadre_before is None]
    cadre_values = itemgetter(*_CADRE_NAMES[:8])
    ids = insert_rows(Cadre, CADRE_COLUMNS, [(*cadre_values(r.cadre), now_db, now_db) for r in new])
    for row, pk in zip(new, ids, strict=True):
        cadre = row.cadre
        cadre["id"] = pk
        cadre["created_at"] = cadre["updated_at"] = now_json
    positions = [r.position for r in rows if r.position is not None and r.position_before is None]
    for row in rows:
        if row.position is not None and row.position_before is None:
            row.position["cadre"] = row.cadre["id"]
    position_values = itemgetter(*_POSITION_NAMES[:7])
    ids = insert_rows(
        Position,
        POSITION_COLUMNS,
        [(*position_values(p), date(p["start_date"]), date(p["end_date"]), now_db) for p in positions],
    )
    for position, pk in zip(positions, ids, strict=True):
        position["id"] = pk
        position["created_at"] = now_json
        for name in ("start_date", "end_date"):
            value = position[name]
            try:
                position[name] = json_dates[value]
            except KeyError:
                position[name] = json_dates[value] = value.isoformat()
    audit_rows(actor=actor, action="orgs.cadre.import", model=Cadre, rows=(_audit_row(r) for r in new))
    audit_rows(
        actor=actor,
        action="orgs.cadre.import_update",
        model=Cadre,
        rows=(_audit_row(r) for r in rows if r.cadre_before is not None),
    )


def _audit_row(row: CadreImportRow) -> tuple[Any, str, str, Any, Any]:
    cadre = row.cadre
    after = cadre if row.position is None else {**cadre, "position": row.position}
    before = row.cadre_before
    if before is not None and row.position_before is not None:
        before = {**before, "position": row.position_before}
    return (cadre["id"], cadre["name"], row.org_path, before, after)
