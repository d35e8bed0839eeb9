"""Pieces every app's API router uses: the error body, scoped lookups, paging."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from django.http import Http404, HttpRequest
from ninja import Schema

from qingnong.core.permissions import Action

_M = TypeVar("_M", bound=models.Model)

NOT_FOUND = "对象不存在或不在您的管辖范围内"


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
}


def scoped_get(queryset: models.QuerySet[_M], request: HttpRequest, pk: Any, action: str = Action.VIEW) -> _M:
    """The object with ``pk`` if it is inside the user's scope for ``action``; 404 otherwise."""
    try:
        return queryset.restrict(request.user, action).get(pk=pk)  # type: ignore[attr-defined, no-any-return]
    except (queryset.model.DoesNotExist, ValueError):
        raise Http404(NOT_FOUND) from None


def scoped_get_optional(
    queryset: models.QuerySet[_M], request: HttpRequest, pk: Any, action: str = Action.VIEW
) -> _M | None:
    if pk is None:
        return None
    return scoped_get(queryset, request, pk, action)


def page(queryset: models.QuerySet[Any], *, offset: int, limit: int, max_limit: int = 500) -> dict[str, Any]:
    limit = max(1, min(limit, max_limit))
    offset = max(0, offset)
    return {"count": queryset.count(), "items": list(queryset[offset : offset + limit])}
