"""Subtree scoping: who may see or change which rows.

Orgs live in a materialised-path tree (treebeard ``MP_Node``, alphabet ``0-9A-Z``, four
characters a level). A subtree is every path that starts with the root's path. We express
"starts with" as a half-open range ``prefix <= path < successor(prefix)`` because a range is
answered from the ordinary b-tree index on every database and collation, where ``LIKE`` is not.

Every scoped model sets ``scope_path_field`` (``"path"`` on Org, ``"org__path"`` on most others)
and uses ``ScopedQuerySet`` so that ``Model.objects.restrict(user, action)`` is the one place
that decides visibility.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Self, TypeVar

from django.db import models
from django.db.models import Q

from .permissions import Action, roles_allowing

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

PATH_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
PATH_STEP = 4

_M = TypeVar("_M", bound=models.Model)


def path_successor(prefix: str) -> str | None:
    """The smallest path that sorts after every path beginning with ``prefix``.

    Increments the last character in the tree's alphabet, carrying over ``Z``; ``None`` means
    the prefix is all ``Z`` and nothing sorts after it.
    """
    chars = list(prefix)
    while chars:
        last = chars.pop()
        index = PATH_ALPHABET.find(last)
        if index == -1:
            raise ValueError(f"path {prefix!r} uses a character outside the tree alphabet")
        if index + 1 < len(PATH_ALPHABET):
            chars.append(PATH_ALPHABET[index + 1])
            return "".join(chars)
    return None


def subtree_q(field: str, path: str) -> Q:
    """``field`` lies in the subtree rooted at ``path`` (the root included)."""
    upper = path_successor(path)
    q = Q(**{f"{field}__gte": path})
    if upper is not None:
        q &= Q(**{f"{field}__lt": upper})
    return q


def minimal_roots(paths: Iterable[str]) -> list[str]:
    """Drop every path that lies under another path of the set."""
    roots: list[str] = []
    for path in sorted(set(paths)):
        if roots and path.startswith(roots[-1]):
            continue
        roots.append(path)
    return roots


def grant_paths(user: Any, action: str) -> list[str] | None:
    """The subtree roots where ``user`` may perform ``action``; ``None`` means everywhere.

    Grants are read once per user object (one query) and kept on it for the request.
    """
    if getattr(user, "is_system", False):
        return None
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.is_superuser:
        return None
    cache: dict[str, list[str]] | None = getattr(user, "_qn_grant_cache", None)
    if cache is None:
        from django.apps import apps

        grant_model = apps.get_model("orgs", "ScopeGrant")
        rows = grant_model.objects.filter(user_id=user.pk, org__status="active").values_list(
            "role", "org__path"
        )
        by_role: dict[str, list[str]] = {}
        for role, path in rows:
            by_role.setdefault(role, []).append(path)
        cache = by_role
        user._qn_grant_cache = cache
    allowed = roles_allowing(action)
    return minimal_roots(path for role in allowed for path in cache.get(role, []))


def forget_grants(user: Any) -> None:
    """Drop the cached grants after they change."""
    if hasattr(user, "_qn_grant_cache"):
        del user._qn_grant_cache


def scope_q(user: Any, action: str, field: str) -> Q | None:
    """A filter for the rows whose ``field`` path is in scope; ``None`` means no restriction."""
    paths = grant_paths(user, action)
    if paths is None:
        return None
    if not paths:
        return Q(pk__in=[])
    q = Q()
    for path in paths:
        q |= subtree_q(field, path)
    return q


def path_in_scope(user: Any, action: str, path: str) -> bool:
    """Whether an object at ``path`` lies inside the user's grants for ``action``."""
    paths = grant_paths(user, action)
    if paths is None:
        return True
    return any(path.startswith(root) for root in paths)


class ScopedQuerySet(models.QuerySet[_M]):
    """A queryset that knows how to restrict itself to a user's granted subtrees."""

    def restrict(self, user: AnonymousUser | Any, action: str = Action.VIEW) -> Self:
        field = getattr(self.model, "scope_path_field", None)
        if field is None:
            raise TypeError(f"{self.model.__name__} has no scope_path_field")
        q = scope_q(user, action, field)
        if q is None:
            return self
        return self.filter(q)

    def in_subtree(self, path: str) -> Self:
        """Rows under the org with this path (the org itself included)."""
        return self.filter(subtree_q(self.model.scope_path_field, path))  # type: ignore[attr-defined]


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)
