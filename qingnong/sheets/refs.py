"""Resolving references in memory: org paths ("怀宁县/石牌镇/新河村") and division codes, cadres by name
and phone.

An import of 100 k rows names a few thousand distinct orgs. ``OrgIndex`` loads the tree once (one
query for every org: path, names, level, kind, code, status) and answers each distinct text once, so
no row costs a query. ``CadreIndex`` resolves "姓名 手机号" references a batch at a time (one query per
batch). An import that creates orgs registers them as *pending* nodes, so that later rows of the same
file can already name them as parents.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from qingnong.core.permissions import Action
from qingnong.core.scoping import grant_paths

PENDING = "pending"


@dataclass(eq=False)
class OrgNode:
    """One org as the import sees it: a row of the tree, or an org a row of this file will create."""

    pk: int | None
    path: str | None
    name: str
    short_name: str
    level: str
    kind: str
    code: str | None
    status: str
    parent: OrgNode | None = None
    # For a pending org: the row that creates it.
    row: Any = None
    _display: str | None = field(default=None, repr=False)

    @property
    def pending(self) -> bool:
        return self.path is None

    @property
    def key(self) -> Any:
        """What makes two references the same org (pk, or the pending node itself)."""
        return self.pk if self.pk is not None else id(self)

    @property
    def is_active(self) -> bool:
        return self.status in ("active", PENDING)

    def ancestors(self) -> list[OrgNode]:
        """Root first, this org excluded."""
        chain = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        chain.reverse()
        return chain

    @property
    def scope_path(self) -> str:
        """The path that decides scope: its own, or the nearest existing ancestor's for a pending org."""
        node: OrgNode | None = self
        while node is not None and node.path is None:
            node = node.parent
        return node.path if node is not None and node.path is not None else ""

    @property
    def display_path(self) -> str:
        """ "怀宁县/石牌镇/新河村": names below city level, as offices write them (like org_display_paths)."""
        if self._display is None:
            from qingnong.orgs.choices import LEVEL_RANK, OrgLevel

            city = LEVEL_RANK[OrgLevel.CITY]
            parts = [a.name for a in self.ancestors() if LEVEL_RANK.get(a.level, 99) > city]
            if LEVEL_RANK.get(self.level, 99) > city or not parts:
                parts.append(self.name)
            self._display = "/".join(parts)
        return self._display

    def is_within(self, path: str) -> bool:
        return self.scope_path.startswith(path) if path else True

    def __str__(self) -> str:
        return self.display_path


class ResolveError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def split_path(text: str) -> list[str]:
    return [p.strip() for p in text.replace("\\", "/").replace("／", "/").split("/") if p.strip()]


class OrgIndex:
    """Every org in memory, indexed by path, name, short name and division code.

    ``preferred`` paths (the import's ``--under`` org, or the importer's own subtrees) are searched
    first, so that "新河村" means the one in the importer's county even when another county has one.
    """

    def __init__(self, *, preferred: Iterable[str] | None = None) -> None:
        from qingnong.orgs.models import Org

        self.by_path: dict[str, OrgNode] = {}
        self.by_pk: dict[int, OrgNode] = {}
        self.by_name: dict[str, list[OrgNode]] = {}
        self.by_code: dict[str, OrgNode] = {}
        self._children: dict[str, dict[str, OrgNode]] | None = None
        self._last_child: dict[str, str] | None = None
        self._cache: dict[str, OrgNode | ResolveError] = {}
        self.preferred = [p for p in (preferred or []) if p is not None]
        rows = Org.objects.order_by("path").values_list(
            "pk", "path", "name", "short_name", "level", "kind", "division_code", "status"
        )
        step = Org.steplen
        for pk, path, name, short_name, level, kind, code, status in rows.iterator(chunk_size=5000):
            node = OrgNode(pk, path, name, short_name, level, kind, code, status)
            node.parent = self.by_path.get(path[:-step]) if len(path) > step else None
            self._register(node)
            self.by_path[path] = node
            self.by_pk[pk] = node

    def _register(self, node: OrgNode) -> None:
        self.by_name.setdefault(node.name, []).append(node)
        if node.short_name and node.short_name != node.name:
            self.by_name.setdefault(node.short_name, []).append(node)
        if node.code:
            self.by_code[node.code] = node

    # --- lookups --------------------------------------------------------------------------------

    def node(self, pk: int) -> OrgNode | None:
        return self.by_pk.get(pk)

    def children_by_name(self, parent: OrgNode | None) -> dict[str, OrgNode]:
        """The children of ``parent`` (roots for None) by name — for matching an org row by its path."""
        if self._children is None:
            self._children = {}
            for node in self.by_path.values():
                self._children.setdefault(self._parent_key(node.parent), {})[node.name] = node
        return self._children.get(self._parent_key(parent), {})

    @staticmethod
    def _parent_key(parent: OrgNode | None) -> str:
        if parent is None:
            return ""
        return parent.path if parent.path is not None else f"pending:{id(parent)}"

    def children_of(self, node: OrgNode) -> list[OrgNode]:
        return list(self.children_by_name(node).values())

    def last_child_path(self, parent_path: str) -> str | None:
        """The greatest existing child path under ``parent_path`` ("" for roots)."""
        if self._last_child is None:
            self._last_child = {}
            for path in self.by_path:
                parent = path[:-4]
                if path > self._last_child.get(parent, ""):
                    self._last_child[parent] = path
        return self._last_child.get(parent_path)

    def resolve(self, text: str) -> OrgNode:
        """The org a cell names; ``ResolveError`` with a Chinese message when none or several match."""
        text = text.strip()
        cached = self._cache.get(text)
        if cached is None:
            try:
                cached = self._resolve(text)
            except ResolveError as exc:
                cached = exc
            self._cache[text] = cached
        if isinstance(cached, ResolveError):
            raise cached
        return cached

    def _resolve(self, text: str) -> OrgNode:
        if not text:
            raise ResolveError("未填写组织")
        compact = text.replace(" ", "")
        if compact.isdigit() and len(compact) >= 6:
            node = self.by_code.get(compact)
            if node is None:
                raise ResolveError(f"找不到行政区划代码为 {compact} 的组织")
            return node
        parts = split_path(text)
        candidates = [c for c in self.by_name.get(parts[-1], []) if self._path_matches(c, parts[:-1])]
        if not candidates:
            raise ResolveError(
                f"找不到组织“{text}”，请写出完整路径，如“怀宁县/石牌镇/新河村”，或填写行政区划代码"
            )
        if len(candidates) > 1 and self.preferred:
            inside = [c for c in candidates if any(c.is_within(p) for p in self.preferred)]
            if inside:
                candidates = inside
        if len(candidates) > 1:
            active = [c for c in candidates if c.is_active]
            if len(active) == 1:
                return active[0]
            examples = "、".join(c.display_path for c in candidates[:3])
            raise ResolveError(
                f"组织“{text}”有多个同名（{examples}），请写出上级组织，如“{examples.split('、')[0]}”"
            )
        return candidates[0]

    @staticmethod
    def _path_matches(node: OrgNode, wanted: list[str]) -> bool:
        """The given ancestors appear in order among the real ones (offices skip levels)."""
        if not wanted:
            return True
        i = 0
        for anc in node.ancestors():
            if i < len(wanted) and wanted[i] in (anc.name, anc.short_name):
                i += 1
        return i == len(wanted)

    # --- orgs created by the import --------------------------------------------------------------

    def add_pending(
        self,
        *,
        name: str,
        short_name: str,
        level: str,
        kind: str,
        code: str | None,
        parent: OrgNode | None,
        row: Any,
    ) -> OrgNode:
        """Register an org a row will create, so that later rows can name it as their parent."""
        node = OrgNode(None, None, name, short_name, level, kind, code, PENDING, parent=parent, row=row)
        self._register(node)
        self.children_by_name(parent)  # build the index before extending it
        assert self._children is not None
        self._children.setdefault(self._parent_key(parent), {})[name] = node
        self._cache.clear()
        return node

    def created(self, node: OrgNode, *, pk: int, path: str) -> None:
        """A pending org has been written: it now has its id and path."""
        old_key = self._parent_key(node)
        node.pk = pk
        node.path = path
        node.status = "active"
        self.by_path[path] = node
        self.by_pk[pk] = node
        if self._children is not None and old_key in self._children:
            self._children[path] = self._children.pop(old_key)
        if self._last_child is not None:
            parent = path[:-4]
            if path > self._last_child.get(parent, ""):
                self._last_child[parent] = path


@dataclass(eq=False)
class CadreNode:
    pk: int
    name: str
    phone: str | None
    org_id: int
    org_path: str

    def __str__(self) -> str:
        return f"{self.name} {self.phone or ''}".strip()


class CadreIndex:
    """Cadres named by "姓名 手机号" (or a name alone, unique in the importer's scope), a batch at a time."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor
        self.by_phone: dict[str, CadreNode | None] = {}
        self.by_name: dict[str, list[CadreNode]] = {}

    def prefetch(self, refs: Iterable[tuple[str, str | None]]) -> None:
        from qingnong.orgs.models import Cadre

        fields = ("pk", "name", "phone", "org_id", "org__path")
        phones = {p for _n, p in refs if p and p not in self.by_phone}
        names = {n for n, p in refs if not p and n and n not in self.by_name}
        if phones:
            for phone in phones:
                self.by_phone[phone] = None
            for row in Cadre.objects.filter(phone__in=phones).values_list(*fields):
                self.by_phone[row[2]] = CadreNode(*row)
        if names:
            for name in names:
                self.by_name[name] = []
            qs = Cadre.objects.restrict(self.actor, Action.VIEW).filter(name__in=names, is_active=True)
            for row in qs.values_list(*fields):
                self.by_name[row[1]].append(CadreNode(*row))

    def resolve(self, name: str, phone: str | None) -> CadreNode:
        if phone:
            node = self.by_phone.get(phone)
            if node is None:
                raise ResolveError(f"找不到手机号为 {phone} 的团干部，请先导入或登记该团干部")
            if name and name != node.name:
                raise ResolveError(f"手机号 {phone} 登记的团干部姓名与“{name}”不符")
            return node
        matches = self.by_name.get(name, [])
        if not matches:
            raise ResolveError(f"找不到团干部“{name}”，请同时填写手机号")
        if len(matches) > 1:
            raise ResolveError(f"有 {len(matches)} 名团干部叫“{name}”，请同时填写手机号")
        return matches[0]


def preferred_paths(actor: Any, under_path: str | None) -> list[str]:
    if under_path:
        return [under_path]
    paths = grant_paths(actor, Action.VIEW)
    return paths or []


__all__ = ["CadreIndex", "CadreNode", "OrgIndex", "OrgNode", "ResolveError", "preferred_paths", "split_path"]
