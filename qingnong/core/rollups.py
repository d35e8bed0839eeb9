"""Subtree rollups with a fixed number of queries, whatever the size of the tree.

Each row is attributed to the child of ``parent`` whose path is its path's prefix of length
``(parent.depth + 1) * step``: one GROUP BY over an indexed range, never a query per org.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.db.models import Count, QuerySet
from django.db.models.functions import Substr

from .scoping import PATH_STEP, subtree_q


def child_prefix_length(parent_depth: int) -> int:
    return (parent_depth + 1) * PATH_STEP


def count_by_child(
    queryset: QuerySet[Any],
    *,
    path_field: str,
    parent_path: str,
    parent_depth: int,
    distinct: str | None = None,
) -> dict[str, int]:
    """Rows of ``queryset`` under ``parent_path`` counted per child path (rows on the parent itself under
    the parent's own path)."""
    length = child_prefix_length(parent_depth)
    counter = Count(distinct, distinct=True) if distinct else Count("pk")
    rows = (
        queryset.filter(subtree_q(path_field, parent_path))
        .annotate(_child=Substr(path_field, 1, length))
        .order_by()
        .values("_child")
        .annotate(n=counter)
        .values_list("_child", "n")
    )
    return dict(rows)


def count_in_subtree(queryset: QuerySet[Any], *, path_field: str, root_path: str) -> int:
    return queryset.filter(subtree_q(path_field, root_path)).count()


_T = TypeVar("_T")


def ancestor_prefixes(path: str, step: int = PATH_STEP) -> list[str]:
    """The paths of an org and of every ancestor, root first."""
    return [path[:i] for i in range(step, len(path) + 1, step)]


def rollup_by_path(
    rows: Iterable[tuple[str, _T]], *, root_path: str, make: Callable[[], Any], add: Callable[[Any, _T], None]
) -> dict[str, Any]:
    """Roll per-org values up the tree: each row (org path, value) is added to its org and to every
    ancestor down from ``root_path``. Keys are org paths; orgs with nothing are absent."""
    out: dict[str, Any] = {}
    start = len(root_path)
    for path, value in rows:
        for end in range(start, len(path) + 1, PATH_STEP):
            prefix = path[:end]
            acc = out.get(prefix)
            if acc is None:
                acc = out[prefix] = make()
            add(acc, value)
    return out
