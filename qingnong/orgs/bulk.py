"""Bulk writes of whole subtrees (demo data, scale data, large imports).

treebeard adds one node with several queries; a county of 300 villages would take seconds. Here the
materialised paths are computed in memory and the rows inserted in batches, then the parent's
``numchild`` is fixed once. Audit entries are written in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F

from qingnong.core.audit import audit_bulk, audit_record
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


@transaction.atomic
def cadre_bulk_import(
    *,
    actor: Any,
    new_cadres: list[Cadre],
    changed_cadres: list[tuple[Cadre, dict[str, Any] | None]],
    cadre_fields: list[str],
    new_positions: list[Position],
    changed_positions: list[tuple[Position, dict[str, Any] | None]],
    position_fields: list[str],
) -> None:
    """Insert and update cadres and positions of an import, with one audit entry per object.

    A new position may point at a new cadre (``position.cadre`` set to an unsaved Cadre of
    ``new_cadres``): its id is filled in once the cadres are inserted. Every object must carry its
    ``org`` (and positions their ``cadre``) as loaded instances, so the audit entries cost no query.
    """
    from qingnong.sheets.bulkdb import fast_insert, fast_update

    _require_paths(actor, Action.ADD, [c.org.path for c in new_cadres])
    _require_paths(actor, Action.CHANGE, [c.org.path for c, _b in changed_cadres])
    _require_paths(actor, Action.ADD, [p.org.path for p in new_positions])
    _require_paths(actor, Action.CHANGE, [p.org.path for p, _b in changed_positions])
    fast_insert(Cadre, new_cadres)
    for position in new_positions:
        position.cadre_id = position.cadre.pk  # new cadres got their ids just now
    fast_insert(Position, new_positions)
    if changed_cadres:
        fast_update(Cadre, [c for c, _b in changed_cadres], cadre_fields)
    if changed_positions:
        fast_update(Position, [p for p, _b in changed_positions], position_fields)
    audit_bulk(actor=actor, action="orgs.cadre.create", objects=new_cadres)
    audit_bulk(actor=actor, action="orgs.position.create", objects=new_positions)
    audit_bulk(
        actor=actor,
        action="orgs.cadre.update",
        objects=[c for c, _b in changed_cadres],
        befores={c.pk: b for c, b in changed_cadres},
    )
    audit_bulk(
        actor=actor,
        action="orgs.position.update",
        objects=[p for p, _b in changed_positions],
        befores={p.pk: b for p, b in changed_positions},
    )
