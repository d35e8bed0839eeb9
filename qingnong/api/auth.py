"""API authentication: personal bearer tokens, or the browser session (with CSRF)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja.security import HttpBearer, SessionAuth

from qingnong.core.permissions import Action
from qingnong.core.scoping import grant_paths

from .services import api_token_authenticate


def _with_some_grant(user: Any) -> Any:
    """A user with no grant anywhere finds nothing in the API: every path answers 404."""
    if user is not None and grant_paths(user, Action.VIEW) == []:
        raise Http404("没有可访问的组织")
    return user


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return _with_some_grant(user)


class ActiveSessionAuth(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any | None:
        user = super().authenticate(request, key)
        return _with_some_grant(user if user is not None and user.is_active else None)


API_AUTH = [TokenAuth(), ActiveSessionAuth()]
